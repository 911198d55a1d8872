// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lazytlb-count.c - a QEMU TCG plugin that counts what an arm64 guest
 * executes, for 'make bench': the emulator counts, not the code under test.
 *
 * Per vCPU it counts instructions, and atomic read-modify-write
 * instructions (LSE LDADD/LDCLR/LDEOR/LDSET/LD{S,U}{MAX,MIN}/SWP and their
 * ST* aliases, CAS, CASP, and LL/SC pairs counted at their store-exclusive),
 * separately at user and kernel addresses (the instruction's address: bit 63
 * set is the kernel); the atomics whose address falls on one watched cache
 * line; and instructions executed inside the address ranges given as scan=.
 * Counts are taken per translation block when it starts, so a block cut
 * short by a synchronous exception (a page fault) is counted whole.
 *
 * The guest marks phases with byte-sized LSE atomics on the zero register,
 * which change no memory and which no compiler or kernel asm emits:
 *   STCLRB wzr, [xN]  begin phase (xN & 0xfff): snapshot the counts
 *   STEORB wzr, [xN]  end phase (xN & 0xfff): print the counts since then
 *   STSETB wzr, [xN]  watch the cache line of xN (e.g. an mm's mm_count)
 *   STUMAXB wzr, [xN] set this vCPU's watch class to (xN & 0xff) for the
 *                    next STSETB; with bit 8 of xN set, first forget every
 *                    line watched in that class
 * xN must be writable. The plugin learns xN from the access's address.
 * Atomics on the zero register: no compiler emits them, and they change
 * nothing; the memory callbacks of QEMU 7.2 reach the plugin for them with
 * one host thread or many. line_atomics counts the atomics on the 64 bytes
 * at the virtual address last watched as mmcount (class 1, the default).
 *
 * Coherence model (ram=BASE:SIZE): a directory of the guest RAM's data cache
 * lines (line=BYTES, default 64), by physical address: per line the vCPU
 * that last wrote it and the set of vCPUs holding a copy. Every load and
 * store of every vCPU updates it; counted per vCPU and per class of line:
 *   miss_CLASS  remote read misses: a load of a line this vCPU holds no
 *               copy of, last written by another vCPU;
 *   xfer_CLASS  ownership transfers: a store or atomic read-modify-write
 *               (an LSE atomic, CAS, or a store-exclusive: one transfer at
 *               most, however many callbacks QEMU makes for it) to a line
 *               another vCPU holds a copy of.
 * A line's class is what the guest watched it as (1 mmcount, 2 record,
 * 3 cpumask, 4 csd, 5 test), else kernel or user by the privilege of the
 * access. First touches (a line nobody has written) count nothing, nor do
 * instruction fetches, DC ZVA, or a vCPU's copy lost to capacity: there is
 * no cache size, only coherence.
 * Barriers per translation block, kernel and user apart: DMB, DSB, ISB,
 * LDAR, STLR, LDAPR.
 * Shootdowns (entries named mmdrop, shoot, schedule): a run of 'shoot' on a
 * vCPU that entered 'mmdrop' and has not entered 'schedule' since is its
 * local call (shoot_local), any other a remote IPI (shoot_remote), and one
 * on a vCPU that executed WFI and has not entered 'schedule' since, an IPI
 * that found the vCPU idle (shoot_idle).
 *
 * Arguments: out=FILE (required; one line per phase end and a total at
 * exit), scan=START:END (hex, repeatable: instructions inside count as
 * scan_insns), cond=START:END (the same, as cond_insns), entry=NAME@ADDR (hex, at most 8: the translation blocks
 * starting there are counted as entry_NAME, e.g. calls of __mmdrop(), or
 * a branch taken to a block inside a function), ram=BASE:SIZE (hex: the
 * coherence model's range), line=BYTES (a power of two, 16 to 4096).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-plugin-v1.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MARK_BEGIN	1	/* the opc field: LDCLR */
#define MARK_END	2	/* LDEOR */
#define MARK_LINE	3	/* LDSET */
#define MARK_CLASS	6	/* LDUMAX */
#define MAX_PHASES	4096
#define MAX_SCAN	8

#define MAX_ENTRY	8

/* Classes of lines: watched ones first (the guest's numbers), then by access. */
enum { L_NONE, L_MMCOUNT, L_RECORD, L_CPUMASK, L_CSD, L_TEST, L_KERNEL, L_USER, NR_L };
static const char *const lname[NR_L] = {
	"none", "mmcount", "record", "cpumask", "csd", "test", "kernel", "user",
};
#define NR_WATCHED	L_KERNEL

enum { B_DMB, B_DSB, B_ISB, B_LDAR, B_STLR, B_LDAPR, NR_B };

enum { C_UINSN, C_KINSN, C_UATOM, C_KATOM, C_LINE, C_SCAN, C_COND, C_MARKS,
       C_SHOOT_LOCAL, C_SHOOT_REMOTE, C_SHOOT_IDLE,
       C_KBAR, C_UBAR = C_KBAR + NR_B,
       C_MISS = C_UBAR + NR_B,		/* + class - 1 */
       C_XFER = C_MISS + NR_L - 1,
       C_ENTRY = C_XFER + NR_L - 1,
       NR_C = C_ENTRY + MAX_ENTRY };
static char cname[NR_C][48] = {
	"user_insns", "kernel_insns", "user_atomics", "kernel_atomics",
	"line_atomics", "scan_insns", "cond_insns", "markers",
	"shoot_local", "shoot_remote", "shoot_idle",
};
static const char *const bname[NR_B] = { "dmb", "dsb", "isb", "ldar", "stlr", "ldapr" };

struct vcpu {
	uint64_t c[NR_C];
	uint64_t tb_seq;	/* translation blocks started */
	uint64_t line_seq;	/* ... when a line atomic was last counted */
	const void *line_insn;	/* ... and by which instruction */
	int watch_class;	/* for the next MARK_LINE */
	int idle;		/* executed WFI, no 'schedule' since */
	int freeing;		/* entered 'mmdrop', no 'shoot' or 'schedule' since */
} __attribute__((aligned(64)));

/* What one translation block adds when it starts. */
struct tbinfo {
	uint32_t insns, atomics, scan, cond, bar[NR_B];
	int kernel, entry;	/* entry: index + 1 of the address it starts at */
	int wfi;		/* it executes WFI */
};

/* The directory: per line of RAM, the holders' mask and the last writer. */
static uint64_t ram_base, ram_size;
static unsigned int line_shift = 6;
static uint64_t *holders;
static int8_t *writer;
static uint8_t *line_class;
static int ent_mmdrop = -1, ent_shoot = -1, ent_schedule = -1;

static struct vcpu *vcpus;
static unsigned int nr_vcpus;
static FILE *out;
static uint64_t line = ~0ULL;
static struct { uint64_t lo, hi; int cond; } scan[MAX_SCAN];
static int nr_scan;
static uint64_t entry_addr[MAX_ENTRY];
static int nr_entry;
static uint64_t *phase_start[MAX_PHASES];	/* nr_vcpus * NR_C each */

static void tb_exec(unsigned int cpu, void *udata)
{
	const struct tbinfo *t = udata;
	uint64_t *c;

	if (cpu >= nr_vcpus)
		return;
	c = vcpus[cpu].c;
	vcpus[cpu].tb_seq++;
	c[t->kernel ? C_KINSN : C_UINSN] += t->insns;
	c[t->kernel ? C_KATOM : C_UATOM] += t->atomics;
	c[C_SCAN] += t->scan;
	c[C_COND] += t->cond;
	for (int b = 0; b < NR_B; b++)
		c[(t->kernel ? C_KBAR : C_UBAR) + b] += t->bar[b];
	if (t->entry) {
		int e = t->entry - 1;
		struct vcpu *v = &vcpus[cpu];

		c[C_ENTRY + e]++;
		if (e == ent_schedule) {
			v->idle = 0;
			v->freeing = 0;
		} else if (e == ent_mmdrop) {
			v->freeing = 1;
		} else if (e == ent_shoot) {
			if (v->freeing) {
				c[C_SHOOT_LOCAL]++;
				v->freeing = 0;
			} else {
				c[C_SHOOT_REMOTE]++;
				c[C_SHOOT_IDLE] += v->idle;
			}
		}
	}
	if (t->wfi)
		vcpus[cpu].idle = 1;
}

/* The line index of a physical address, or -1 outside the modelled RAM. */
static int64_t line_of(qemu_plugin_meminfo_t info, uint64_t vaddr)
{
	struct qemu_plugin_hwaddr *hw;
	uint64_t pa;

	if (!holders)
		return -1;
	hw = qemu_plugin_get_hwaddr(info, vaddr);
	if (!hw || qemu_plugin_hwaddr_is_io(hw))
		return -1;
	pa = qemu_plugin_hwaddr_phys_addr(hw);
	if (pa < ram_base || pa - ram_base >= ram_size)
		return -1;
	return (int64_t)((pa - ram_base) >> line_shift);
}

/*
 * One access of the coherence model. udata: bit 0 the access is by kernel
 * code, bit 1 the instruction is an atomic read-modify-write (its load
 * callback, where QEMU splits it, takes ownership as its store does).
 */
static void coherence(unsigned int cpu, qemu_plugin_meminfo_t info,
		      uint64_t vaddr, void *udata)
{
	uintptr_t how = (uintptr_t)udata;
	struct vcpu *v;
	int64_t l;
	uint64_t me;
	int cls;

	if (cpu >= nr_vcpus)
		return;
	l = line_of(info, vaddr);
	if (l < 0)
		return;
	v = &vcpus[cpu];
	me = 1ULL << cpu;
	cls = line_class[l] ? line_class[l] : (how & 1) ? L_KERNEL : L_USER;
	if ((how & 2) || qemu_plugin_mem_is_store(info)) {
		if (holders[l] & ~me)
			v->c[C_XFER + cls - 1]++;
		holders[l] = me;
		writer[l] = (int8_t)cpu;
	} else if (!(holders[l] & me)) {
		if (writer[l] >= 0 && writer[l] != (int8_t)cpu)
			v->c[C_MISS + cls - 1]++;
		holders[l] |= me;
	}
}

/*
 * An atomic on the mm_count line: counted once per execution, although
 * QEMU calls back twice for a store-exclusive when one host thread runs
 * the vCPUs (it emulates the compare-and-swap with a load and a store).
 * udata: the instruction, as a unique pointer.
 */
static void atomic_mem(unsigned int cpu, qemu_plugin_meminfo_t info,
		       uint64_t vaddr, void *udata)
{
	struct vcpu *v;

	(void)info;
	if (cpu >= nr_vcpus || (vaddr & ~(uint64_t)63) != __atomic_load_n(&line, __ATOMIC_RELAXED))
		return;
	v = &vcpus[cpu];
	if (v->line_seq == v->tb_seq && v->line_insn == udata)
		return;
	v->line_seq = v->tb_seq;
	v->line_insn = udata;
	v->c[C_LINE]++;
}

static void sum(uint64_t *dst)
{
	memset(dst, 0, sizeof(uint64_t) * NR_C);
	for (unsigned int i = 0; i < nr_vcpus; i++)
		for (int k = 0; k < NR_C; k++)
			dst[k] += vcpus[i].c[k];
}

static void print_counts(const char *what, const uint64_t *d)
{
	fprintf(out, "%s", what);
	for (int k = 0; k < C_ENTRY + nr_entry; k++)
		fprintf(out, " %s=%" PRIu64, cname[k], d[k]);
	fputc('\n', out);
}

static void phase_begin(unsigned int id)
{
	uint64_t *s = phase_start[id];

	if (!s) {
		s = calloc((size_t)nr_vcpus * NR_C, sizeof(*s));
		if (!s)
			return;
		phase_start[id] = s;
	}
	for (unsigned int i = 0; i < nr_vcpus; i++)
		memcpy(s + (size_t)i * NR_C, vcpus[i].c, sizeof(vcpus[i].c));
}

static void phase_end(unsigned int id)
{
	uint64_t *s = phase_start[id], tot[NR_C] = { 0 }, d[NR_C];
	char what[64];

	if (!s) {
		fprintf(out, "phase=%u error=end-without-begin\n", id);
		fflush(out);
		return;
	}
	for (unsigned int i = 0; i < nr_vcpus; i++) {
		int any = 0;

		for (int k = 0; k < NR_C; k++) {
			d[k] = vcpus[i].c[k] - s[(size_t)i * NR_C + k];
			tot[k] += d[k];
			any |= d[k] != 0;
		}
		if (any) {
			snprintf(what, sizeof(what), "phase=%u vcpu=%u", id, i);
			print_counts(what, d);
		}
	}
	snprintf(what, sizeof(what), "phase=%u vcpu=all", id);
	print_counts(what, tot);
	fflush(out);
}

static void marker(unsigned int cpu, qemu_plugin_meminfo_t info,
		   uint64_t vaddr, void *udata)
{
	uintptr_t kind = (uintptr_t)udata;
	uint64_t xn = vaddr;

	if (cpu >= nr_vcpus)
		return;
	vcpus[cpu].c[C_MARKS]++;
	switch (kind) {
	case MARK_BEGIN:
		phase_begin(xn & (MAX_PHASES - 1));
		break;
	case MARK_END:
		phase_end(xn & (MAX_PHASES - 1));
		break;
	case MARK_LINE: {
		int cls = vcpus[cpu].watch_class;
		int64_t l = line_of(info, vaddr);

		if (cls == L_MMCOUNT)
			__atomic_store_n(&line, xn & ~(uint64_t)63, __ATOMIC_RELAXED);
		if (l >= 0)
			line_class[l] = (uint8_t)cls;
		fprintf(out, "line=0x%" PRIx64 " class=%s vcpu=%u%s\n", xn & ~(uint64_t)63,
			lname[cls], cpu, l >= 0 ? "" : " modelled=no");
		fflush(out);
		break;
	}
	case MARK_CLASS: {
		int cls = xn & 0xff;

		if (cls <= L_NONE || cls >= NR_WATCHED) {
			fprintf(out, "error=bad-watch-class class=%d vcpu=%u\n", cls, cpu);
			fflush(out);
			break;
		}
		vcpus[cpu].watch_class = cls;
		if ((xn & 0x100) && line_class)
			for (uint64_t k = 0; k < ram_size >> line_shift; k++)
				if (line_class[k] == cls)
					line_class[k] = L_NONE;
		break;
	}
	}
}

/* 0: not an atomic; 1: counted on its read; 2: counted on its write. */
static int atomic_kind(uint32_t i)
{
	/* LSE atomic memory operations: size 111 0 00 A R 1 Rs o3 opc 00 Rn Rt */
	if ((i & 0x3f200c00) == 0x38200000) {
		unsigned int o3 = (i >> 15) & 1, opc = (i >> 12) & 7;

		/* o3=1 is SWP (opc 0), LDAPR (opc 4) or LD64B/ST64B*: not RMW */
		return (!o3 || !opc) ? 1 : 0;
	}
	/* CAS{,A,L,AL}{,B,H}: size 0010001 L 1 Rs o0 11111 Rn Rt */
	if ((i & 0x3fa07c00) == 0x08a07c00)
		return 1;
	/* CASP: 0 sz 0010000 L 1 Rs o0 11111 Rn Rt */
	if ((i & 0xbfa07c00) == 0x08207c00)
		return 1;
	/* STXR/STLXR: size 0010000 0 0 Rs o0 Rt2 Rn Rt */
	if ((i & 0x3fe00000) == 0x08000000)
		return 2;
	/* STXP/STLXP: 1 sz 0010000 0 1 Rs o0 Rt2 Rn Rt */
	if ((i & 0xbfe00000) == 0x88200000)
		return 2;
	return 0;
}

/* Count barriers and acquire/release accesses; note WFI. */
static void barrier_kind(struct tbinfo *t, uint32_t i)
{
	if ((i & 0xfffff0ff) == 0xd50330bf)		/* DMB */
		t->bar[B_DMB]++;
	else if ((i & 0xfffff0ff) == 0xd503309f)	/* DSB (and SSBB, PSSBB) */
		t->bar[B_DSB]++;
	else if ((i & 0xfffff0ff) == 0xd50330df)	/* ISB */
		t->bar[B_ISB]++;
	else if ((i & 0x3ffffc00) == 0x08dffc00)	/* LDAR{,B,H} */
		t->bar[B_LDAR]++;
	else if ((i & 0x3ffffc00) == 0x089ffc00)	/* STLR{,B,H} */
		t->bar[B_STLR]++;
	else if ((i & 0x3ffffc00) == 0x38bfc000)	/* LDAPR{,B,H} */
		t->bar[B_LDAPR]++;
	else if (i == 0xd503207f)			/* WFI */
		t->wfi = 1;
}

/* 0: outside the ranges; 1: in a scan= range; 2: in a cond= range. */
static int in_scan(uint64_t pc)
{
	for (int k = 0; k < nr_scan; k++)
		if (pc >= scan[k].lo && pc < scan[k].hi)
			return 1 + scan[k].cond;
	return 0;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	struct tbinfo *t = calloc(1, sizeof(*t));

	(void)id;
	if (!t)
		return;
	t->insns = n;
	t->kernel = qemu_plugin_tb_vaddr(tb) >> 63;
	for (int k = 0; k < nr_entry; k++)
		if (qemu_plugin_tb_vaddr(tb) == entry_addr[k])
			t->entry = k + 1;
	for (size_t k = 0; k < n; k++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, k);
		uint64_t pc = qemu_plugin_insn_vaddr(insn);
		uint32_t i;
		int kind;

		if (qemu_plugin_insn_size(insn) != 4)
			continue;
		memcpy(&i, qemu_plugin_insn_data(insn), 4);
		switch (nr_scan ? in_scan(pc) : 0) {
		case 1:
			t->scan++;
			break;
		case 2:
			t->cond++;
			break;
		}
		barrier_kind(t, i);
		/* ST{CLR,EOR,SET,UMAX}B wzr, [xN]: size 00, Rs and Rt 31, o3 0 */
		if ((i & 0xffff8c1f) == 0x383f001f) {
			uintptr_t kind = (i >> 12) & 7;

			if ((kind >= MARK_BEGIN && kind <= MARK_LINE) || kind == MARK_CLASS) {
				qemu_plugin_register_vcpu_mem_cb(insn, marker,
								 QEMU_PLUGIN_CB_NO_REGS,
								 QEMU_PLUGIN_MEM_R,
								 (void *)kind);
				continue;
			}
		}
		kind = atomic_kind(i);
		if (holders)
			qemu_plugin_register_vcpu_mem_cb(insn, coherence, QEMU_PLUGIN_CB_NO_REGS,
							 QEMU_PLUGIN_MEM_RW,
							 (void *)(uintptr_t)(t->kernel | (kind ? 2 : 0)));
		if (!kind)
			continue;
		t->atomics++;
		qemu_plugin_register_vcpu_mem_cb(insn, atomic_mem, QEMU_PLUGIN_CB_NO_REGS,
						 kind == 1 ? QEMU_PLUGIN_MEM_R : QEMU_PLUGIN_MEM_W,
						 insn);
	}
	qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS, t);
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	uint64_t tot[NR_C];

	(void)id;
	(void)udata;
	sum(tot);
	print_counts("total", tot);
	fflush(out);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *path = NULL;

	for (int k = 0; k < argc; k++) {
		const char *a = argv[k];

		if (!strncmp(a, "out=", 4)) {
			path = a + 4;
		} else if ((!strncmp(a, "scan=", 5) || !strncmp(a, "cond=", 5)) &&
			   nr_scan < MAX_SCAN &&
			   sscanf(a + 5, "%" SCNx64 ":%" SCNx64, &scan[nr_scan].lo,
				  &scan[nr_scan].hi) == 2) {
			scan[nr_scan].cond = a[0] == 'c';
			nr_scan++;
		} else if (!strncmp(a, "ram=", 4) &&
			   sscanf(a + 4, "%" SCNx64 ":%" SCNx64, &ram_base, &ram_size) == 2 &&
			   ram_size) {
			;
		} else if (!strncmp(a, "line=", 5) && atoi(a + 5) >= 16 && atoi(a + 5) <= 4096 &&
			   !(atoi(a + 5) & (atoi(a + 5) - 1))) {
			line_shift = __builtin_ctz(atoi(a + 5));
		} else if (!strncmp(a, "entry=", 6) && nr_entry < MAX_ENTRY &&
			   sscanf(a + 6, "%31[a-z_0-9]@%" SCNx64, cname[C_ENTRY + nr_entry] + 6,
				  &entry_addr[nr_entry]) == 2) {
			memcpy(cname[C_ENTRY + nr_entry], "entry_", 6);
			nr_entry++;
		} else {
			fprintf(stderr, "lazytlb-count: unknown or bad argument '%s' (out=FILE, scan=START:END, cond=START:END, entry=NAME@ADDR, ram=BASE:SIZE, line=BYTES)\n", a);
			return -1;
		}
	}
	if (!path) {
		fprintf(stderr, "lazytlb-count: no out=FILE argument\n");
		return -1;
	}
	if (strcmp(info->target_name, "aarch64")) {
		fprintf(stderr, "lazytlb-count: target %s, not aarch64\n", info->target_name);
		return -1;
	}
	nr_vcpus = info->system_emulation ? info->system.max_vcpus : 64;
	vcpus = aligned_alloc(64, sizeof(*vcpus) * nr_vcpus);
	out = fopen(path, "w");
	if (!vcpus || !out) {
		fprintf(stderr, "lazytlb-count: cannot set up (%s)\n", path);
		return -1;
	}
	memset(vcpus, 0, sizeof(*vcpus) * nr_vcpus);
	for (unsigned int i = 0; i < nr_vcpus; i++)
		vcpus[i].watch_class = L_MMCOUNT;
	for (int k = 0; k < nr_entry; k++) {
		const char *n = cname[C_ENTRY + k] + 6;

		if (!strcmp(n, "mmdrop"))
			ent_mmdrop = k;
		else if (!strcmp(n, "shoot"))
			ent_shoot = k;
		else if (!strcmp(n, "schedule"))
			ent_schedule = k;
	}
	for (int b = 0; b < NR_B; b++) {
		snprintf(cname[C_KBAR + b], sizeof(cname[0]), "kernel_%s", bname[b]);
		snprintf(cname[C_UBAR + b], sizeof(cname[0]), "user_%s", bname[b]);
	}
	for (int l = 1; l < NR_L; l++) {
		snprintf(cname[C_MISS + l - 1], sizeof(cname[0]), "miss_%s", lname[l]);
		snprintf(cname[C_XFER + l - 1], sizeof(cname[0]), "xfer_%s", lname[l]);
	}
	if (ram_size) {
		uint64_t lines = ram_size >> line_shift;

		if (nr_vcpus > 64) {
			fprintf(stderr, "lazytlb-count: the coherence model takes at most 64 vCPUs, not %u\n",
				nr_vcpus);
			return -1;
		}
		holders = calloc(lines, sizeof(*holders));
		writer = malloc(lines);
		line_class = calloc(lines, 1);
		if (!holders || !writer || !line_class) {
			fprintf(stderr, "lazytlb-count: no memory for %" PRIu64 " lines\n", lines);
			return -1;
		}
		memset(writer, -1, lines);
	}
	fprintf(out, "plugin=lazytlb-count vcpus=%u scan_ranges=%d entries=%d ram=0x%" PRIx64
		":0x%" PRIx64 " line=%u\n", nr_vcpus, nr_scan, nr_entry, ram_base, ram_size,
		1U << line_shift);
	fflush(out);
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
