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
 * xN must be writable. The plugin learns xN from the access's address.
 * Atomics, not plain loads: under Debian's QEMU 7.2 (1:7.2+dfsg-7+deb12u18)
 * the plugin got memory callbacks for atomics, which QEMU's helpers do, but
 * none for LDRB, LDR or LDURB (tried as markers first); atomics go through
 * the helpers when the vCPUs run in parallel (MTTCG, more than one vCPU),
 * so the guest needs -smp 2 or more, and the mm_count line is watched
 * only through atomics, which is what the benchmark counts.
 * Arguments: out=FILE (required; one line per phase end and a total at
 * exit), scan=START:END (hex, repeatable: instructions inside count as
 * scan_insns), entry=NAME@ADDR (hex, at most 4: the translation blocks
 * starting there are counted as entry_NAME, e.g. calls of __mmdrop(), or
 * a branch taken to a block inside a function).
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
#define MAX_PHASES	4096
#define MAX_SCAN	8

#define MAX_ENTRY	4

enum { C_UINSN, C_KINSN, C_UATOM, C_KATOM, C_LINE, C_SCAN, C_MARKS, C_ENTRY,
       NR_C = C_ENTRY + MAX_ENTRY };
static char cname[NR_C][48] = {
	"user_insns", "kernel_insns", "user_atomics", "kernel_atomics",
	"line_atomics", "scan_insns", "markers",
};

struct vcpu {
	uint64_t c[NR_C];
} __attribute__((aligned(64)));

/* What one translation block adds when it starts. */
struct tbinfo {
	uint32_t insns, atomics, scan;
	int kernel, entry;	/* entry: index + 1 of the address it starts at */
};

static struct vcpu *vcpus;
static unsigned int nr_vcpus;
static FILE *out;
static uint64_t line = ~0ULL;
static struct { uint64_t lo, hi; } scan[MAX_SCAN];
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
	c[t->kernel ? C_KINSN : C_UINSN] += t->insns;
	c[t->kernel ? C_KATOM : C_UATOM] += t->atomics;
	c[C_SCAN] += t->scan;
	if (t->entry)
		c[C_ENTRY + t->entry - 1]++;
}

static void atomic_mem(unsigned int cpu, qemu_plugin_meminfo_t info,
		       uint64_t vaddr, void *udata)
{
	(void)info;
	(void)udata;
	if (cpu < nr_vcpus && (vaddr & ~(uint64_t)63) == __atomic_load_n(&line, __ATOMIC_RELAXED))
		vcpus[cpu].c[C_LINE]++;
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

	(void)info;
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
	case MARK_LINE:
		__atomic_store_n(&line, xn & ~(uint64_t)63, __ATOMIC_RELAXED);
		fprintf(out, "line=0x%" PRIx64 " vcpu=%u\n", xn & ~(uint64_t)63, cpu);
		fflush(out);
		break;
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

static int in_scan(uint64_t pc)
{
	for (int k = 0; k < nr_scan; k++)
		if (pc >= scan[k].lo && pc < scan[k].hi)
			return 1;
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
		if (nr_scan && in_scan(pc))
			t->scan++;
		/* ST{CLR,EOR,SET}B wzr, [xN]: size 00, Rs and Rt 31, o3 0 */
		if ((i & 0xffff8c1f) == 0x383f001f) {
			uintptr_t kind = (i >> 12) & 7;

			if (kind >= MARK_BEGIN && kind <= MARK_LINE) {
				qemu_plugin_register_vcpu_mem_cb(insn, marker,
								 QEMU_PLUGIN_CB_NO_REGS,
								 QEMU_PLUGIN_MEM_R,
								 (void *)kind);
				continue;
			}
		}
		kind = atomic_kind(i);
		if (!kind)
			continue;
		t->atomics++;
		qemu_plugin_register_vcpu_mem_cb(insn, atomic_mem, QEMU_PLUGIN_CB_NO_REGS,
						 kind == 1 ? QEMU_PLUGIN_MEM_R : QEMU_PLUGIN_MEM_W,
						 NULL);
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
		} else if (!strncmp(a, "scan=", 5) && nr_scan < MAX_SCAN &&
			   sscanf(a + 5, "%" SCNx64 ":%" SCNx64, &scan[nr_scan].lo,
				  &scan[nr_scan].hi) == 2) {
			nr_scan++;
		} else if (!strncmp(a, "entry=", 6) && nr_entry < MAX_ENTRY &&
			   sscanf(a + 6, "%31[a-z_0-9]@%" SCNx64, cname[C_ENTRY + nr_entry] + 6,
				  &entry_addr[nr_entry]) == 2) {
			memcpy(cname[C_ENTRY + nr_entry], "entry_", 6);
			nr_entry++;
		} else {
			fprintf(stderr, "lazytlb-count: unknown or bad argument '%s' (out=FILE, scan=START:END, entry=NAME@ADDR)\n", a);
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
	fprintf(out, "plugin=lazytlb-count vcpus=%u scan_ranges=%d entries=%d\n",
		nr_vcpus, nr_scan, nr_entry);
	fflush(out);
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
