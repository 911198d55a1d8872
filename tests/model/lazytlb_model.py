#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Exhaustive model checker for arm64 MMU_LAZY_TLB_SHOOTDOWN's per-CPU filter.

What is checked
---------------
With MMU_LAZY_TLB_SHOOTDOWN a kernel thread (or an exiting task) runs on the
mm of the task before it without holding a reference.  When the last
reference goes, __mmdrop() -> cleanup_lazy_tlbs() asks, for every online
CPU, arch_lazy_tlb_cpu_may_hold(cpu, mm) (a filter that reads a per-CPU
"record") and IPIs the CPUs it names; do_shoot_lazy_tlb() moves such a CPU to
init_mm.  Then the pgd is freed.  The safety invariant, checked at every
mm_free_pgd():

    no CPU's TTBR0_EL1 and no CPU's current->active_mm names the mm.

A violation is reported with the shortest interleaving (breadth-first
search) that reaches it, each step naming the CPU, the action and the kernel
function (file:line) it models.  Line numbers are those of build/linux
(Linux 7.3-rc7 plus the series) as read at series head 44d6ba1 (also
c29e1b9, where they are the same); for the v2 record (asid, whole-ctxid),
at the older series head 8dac1ca.

Designs (--design)
------------------
asid             the record is the whole context id of `next`, written at the
                 end of switch_mm() (0 for init_mm); the filter compares ASID
                 numbers: lazy_tlb_switch_ctxid(), mmu_context.h:269-275, and
                 arch_lazy_tlb_cpu_may_hold(), context.c:442-451, at
                 8dac1ca (series v2, patch 12 "arm64: mm: track lazy TLB
                 mms by ASID number").  Expected unsafe, by two traces:
                 the switch window and EFI (classes below).
whole-ctxid      same record; the filter compares whole context ids
                 (context.c:447 at 8dac1ca, the CONFIG_ARM64_DEBUG_ASID knob).
                 Expected unsafe.
mm               the record is the mm pointer `next`, stored (release) at the
                 end of switch_mm() only when it changes, after the TTBR0
                 write; efi_set_pgd() does not write it; the filter is
                 record == mm (acquire): lazy_tlb_record_mm(),
                 mmu_context.h:272-278, and arch_lazy_tlb_cpu_may_hold(),
                 context.c:390-393 (patch 12 "arm64: mm: track lazy TLB mms
                 per CPU").  Expected safe: no violation in the whole
                 bounded state space.
mm-record-early  `mm` broken on purpose: switch_mm() writes the record first,
                 before __switch_mm() writes TTBR0.  Expected unsafe: it shows
                 that the checker sees the switch window at all.

Violation classes, by the first CPU left on the freed mm:
  switch-window    it is inside switch_mm() (interrupts off, so it takes the
                   IPI only afterwards, if it gets one): for asid,
                   check_and_switch_context() has published the next mm in
                   active_asids[] but not yet written TTBR0.
  efi              its TTBR0 was last written by efi_set_pgd(), which goes
                   back to the task's mm with __switch_mm(), not switch_mm(),
                   so without a record write.
  lazy-missed      its TTBR0 was written by switch_mm() (it runs on the mm
                   or borrows it) and the shootdown left it out
                   (whole-ctxid: borrowing M across a rollover, its record
                   keeps M's old generation).
  active-mm        only its active_mm names the mm.

What is modelled
----------------
3 CPUs, sequentially consistent memory.  Per CPU: TTBR0 (the mm whose page
tables the MMU may walk; init_mm stands for the reserved table), the kind
of current (a user task on its own mm, or a kernel thread or exiting task
borrowing active_mm), current->active_mm, active_asids[cpu],
reserved_asids[cpu], the filter's record, and the program counter and
locals of the operation in progress.  Global: asid_generation, asid_map,
cur_idx; per mm: context.id and its life (live: mm_users > 0; mm_users == 0
and the last mm_count held elsewhere; in __mmdrop(); freed).  The ASID
allocator (flush_context(), check_update_reserved_asid(), new_context(),
check_and_switch_context()) follows the code line by line.  Each step is
one atomic access to shared state, so a stall anywhere is the scheduler not
picking that CPU, except: a lock-protected section (the slow path under
cpu_asid_lock) is one step, and so are the three loads that open
check_and_switch_context() (context.c:233-250; see csc() for why that loses
no interleaving).  Interrupts: an IPI is handled by its target only where
that CPU has interrupts on (idle; in the firmware and in
check_and_switch_context() under efi_set_pgd(); in __mmdrop() before its
local call and while waiting), never inside a context switch or inside
another IPI; the sender waits for it (on_each_cpu_cond(), wait=1,
smp.c:889-1005: the condition for each other CPU in turn, IPI queued at
once, then the local call, then the wait).

Operations a CPU may start when idle (each takes one of its budget):
  run V      context_switch() to a task of a live user mm V (switch_mm)
  fork       a new mm (init_new_context(): context.id = 0) whose child runs
             here first
  kthread    context_switch() from a user task to a kernel thread, which
             borrows active_mm (enter_lazy_tlb(): nothing written)
  exit       the last task of its mm exits (exit_mm(): mm = NULL, active_mm
             kept, mmput()); __mmdrop() then runs here, or the last
             mm_count is dropped later ("mmdrop V", by any CPU, any time)
  efi        efi_virtmap_load() .. efi_virtmap_unload() from a user task on
             its own mm, or from a kernel thread (shoot_lazy_tlb_self()
             first)
The steps of an operation and the IPI handler (do_shoot_lazy_tlb()) are not
budgeted.  "The last task exits" needs no other CPU running a task of the
mm, or switching one out: a task being switched out cannot run elsewhere
(and so cannot exit) before finish_task_switch() clears prev->on_cpu.

Abstracted away
---------------
TLB contents and invalidation (tlb_flush_pending, local_flush_tlb_all): the
model checks page-table lifetime, not TLB coherence.  CnP (which installs
the reserved TTBR0 first: the window is wider without it), software PAN
(the saved TTBR0 follows TTBR0), KPTI, pinned ASIDs, CPU hotplug, weak
memory ordering (the record's release/acquire pair is taken as given),
arm64_apply_bp_hardening() (no shared access: a stall there is a stall
before the TTBR0 write).  The lazy_tlb_switch_ctxid() load of
next->context.id and the record store are one step: between them only the
generation of next's id can change, this CPU's active_asids keeping the
number reserved.  A thread exit that is not the mm's last is the same state
change as a switch to a kernel thread, and is not a separate operation;
kthread_use_mm() and exec's activate_mm() hold a reference on the mm they
switch to, and switch like "run V" and "fork" do.
Reduction: an IPI whose handler has nothing to do (active_mm is not the
dying mm, and cannot become it) is acknowledged as soon as its target has
interrupts on; see settle().

Bounds
------
3 CPUs; ASID numbers 1..4 (NUM_USER_ASIDS = 5 here, not a power of two:
the allocator only needs more usable numbers than CPUs, which
asids_update_limit() WARNs about); mm slots: efi_mm (static, never freed),
M, N and two fork slots F1, F2 (a fork takes the lowest free slot, so a
freed mm's slot is reused, as the slab allocator may).  Operations: by
default CPU0 and CPU2 may each start 2 and CPU1 1 (--budget 2,1,2): the
least that holds each trace above (switch window: CPU0 kthread + run N,
CPU1 fork, CPU2 run M + exit; EFI: CPU0 efi + exit, CPU1 fork), explored
with every other choice of operations and every interleaving of their
steps; 2 for every CPU is over 12 million states, minutes in Python.
Generations are not bounded: a state is canonicalised by renaming the
generations it holds, in order, to 1..k (only equality, with each other
and with asid_generation, is ever tested), so any number of rollovers is
explored.  Initial state, late in generation 1 with the ASID space full:
asid_map = {1: M, 2: N, 3: efi_mm, 4: an mm that has exited}, cur_idx = 4;
CPU0 runs a task of M (active_asids[0] = g1:1, record M); CPU1 and CPU2 run
kernel threads on init_mm; N is live and not running.  The first new ASID
therefore rolls the generation over.  The kernel reaches this state (M, N,
efi_mm and the dead mm ran earlier).
"""

import argparse
import sys
import time
from collections import deque

NCPU = 3
NUM_USER_ASIDS = 5      # numbers 1..4 usable; #0 is init_mm's (reserved TTBR0)
GEN_SHIFT = 3           # a context id is generation << GEN_SHIFT | number
NUM_MASK = (1 << GEN_SHIFT) - 1

# mm slots
INIT, EFI, M, N, F1, F2 = range(6)
NSLOT = 6
USER = (M, N, F1, F2)
MMNAME = ('init_mm', 'efi_mm', 'M', 'N', 'F1', 'F2')

# mm life
FREE, LIVE, ORPHAN, DROPPING = range(4)
LIFE = ('freed', 'live', 'mm_users 0, mm_count held elsewhere', 'in __mmdrop')

# Kind of current task on a CPU
KTHREAD, UTASK = 0, 1

# State: a bytes object.  Globals, then per mm slot (life, context.id), then
# per CPU NF fields.
G_GEN, G_MAP, G_IDX = 0, 1, 2
MM_LIFE = 3
MM_CTX = 4
CPU_BASE = 3 + 2 * NSLOT
(KIND, ACT, TTBR, REC, AA, RA, PC, TGT, LA, LO, PEND, DIDX, IRQ, BUD,
 EFIG, PREVU) = range(16)
NF = 16
# TGT: the mm of the operation in progress (switch target, mm being dropped,
#      mm check_and_switch_context() works on).
# LA, LO: check_and_switch_context()'s locals asid and old_active_asid.
# PEND: CPUs this CPU has queued a shootdown IPI to, not yet done.
# DIDX: position in __mmdrop()'s loop over the other CPUs.
# IRQ: the IPI handler in progress: 0, or (sender + 1) | next step << 2.
# EFIG: ghost, for classifying violations only: TTBR0 was last written by
#       efi_set_pgd() with a user mm.
# PREVU: during a context switch away from a user task, that task's mm: the
#       task is still a user of it (mm_users) and cannot run, so cannot
#       exit, anywhere until the switch is over (prev->on_cpu is cleared in
#       finish_task_switch()).

# Program counters.  For the three callers of check_and_switch_context(),
# base + k: next is its step k: 0 the loads (context.c:233-250), 3 the
# cmpxchg (251), 4 the slow path under cpu_asid_lock (255-268), 5 the TTBR0
# write (279).
IDLE = 0
SW = 10         # switch_mm() -> __switch_mm() -> check_and_switch_context()
SW_REC = 16     # switch_mm(): the record write after the registers
EO = 20         # efi_set_pgd(&efi_mm) -> __switch_mm(efi_mm)
EB = 30         # efi_set_pgd(current->active_mm); EB+0: firmware running
KE1 = 40        # shoot_lazy_tlb_self(): second step of switch_mm(mm, init_mm)
MD_COND = 50    # __mmdrop(): filter + queue IPI for the DIDX-th other CPU
MD_LOCAL = 51   # __mmdrop(): filter for this CPU, local do_shoot_lazy_tlb()
MD_LSH2 = 52    # local do_shoot_lazy_tlb(): second step of switch_mm(, init)
MD_FREE = 53    # __mmdrop(): wait for the IPIs, then mm_free_pgd()

# Where interrupts are on: an IPI can be taken before the next step.
IRQ_ON = frozenset([IDLE, MD_COND, MD_LOCAL, MD_FREE] +
                   [EO + k for k in range(6)] + [EB + k for k in range(6)])
IN_SWITCH = frozenset([SW + k for k in range(6)] + [SW_REC])

DONE = '; context switch done: finish_task_switch() (prev->on_cpu = 0), ' \
    'interrupts on'

DESIGNS = {
    'asid': dict(record='ctxid', filter='asid', early=False,
                 expect=('switch-window', 'efi')),
    'whole-ctxid': dict(record='ctxid', filter='whole', early=False,
                        expect=('any',)),
    'mm': dict(record='mm', filter='mm', early=False, expect=()),
    'mm-record-early': dict(record='mm', filter='mm', early=True,
                            expect=('switch-window',)),
}


class ModelError(Exception):
    """The model reached a state the kernel rules out: a modelling bug."""


def in_switch(st, c):
    """Is CPU c inside switch_mm(), between its writes (interrupts off)?"""
    b = CPU_BASE + c * NF
    return st[b + PC] in IN_SWITCH or st[b + PC] in (KE1, MD_LSH2) or \
        st[b + IRQ] != 0


def fctx(v):
    """A context id as g<generation>:<ASID number>."""
    return '0' if v == 0 else 'g%d:%d' % (v >> GEN_SHIFT, v & NUM_MASK)


def gen_of(v):
    return v >> GEN_SHIFT


class Model:
    def __init__(self, design, budget, efi=True, kthread_efi=True):
        p = DESIGNS[design]
        self.design = design
        self.rec_ctx = p['record'] == 'ctxid'
        self.filt = p['filter']
        self.early = p['early']
        self.budget = budget
        self.efi = efi
        self.kthread_efi = kthread_efi
        # The order of the two writes of switch_mm(mm, &init_mm).
        self.to_init_order = ('rec', 'ttbr') if self.early else ('ttbr', 'rec')
        self.others = [[i for i in range(NCPU) if i != c] for c in range(NCPU)]
        cf = [MM_CTX + 2 * s for s in range(NSLOT)]
        for c in range(NCPU):
            b = CPU_BASE + c * NF
            cf += [b + AA, b + RA, b + LA, b + LO]
            if self.rec_ctx:
                cf.append(b + REC)
        self.ctx_fields = cf

    # ---------------------------------------------------------------- state
    def initial(self):
        st = [0] * (CPU_BASE + NCPU * NF)
        g = 1
        st[G_GEN] = g
        st[G_MAP] = 0b11110             # ASIDs 1..4 taken
        st[G_IDX] = 4
        ctx = {EFI: g << GEN_SHIFT | 3, M: g << GEN_SHIFT | 1,
               N: g << GEN_SHIFT | 2}
        for s in range(NSLOT):
            st[MM_LIFE + 2 * s] = LIVE if s in (INIT, EFI, M, N) else FREE
            st[MM_CTX + 2 * s] = ctx.get(s, 0)
        for c in range(NCPU):
            b = CPU_BASE + c * NF
            st[b + BUD] = self.budget[c]
            if c == 0:
                st[b + KIND] = UTASK
                st[b + ACT] = st[b + TTBR] = M
                st[b + AA] = ctx[M]
                st[b + REC] = ctx[M] if self.rec_ctx else M
            else:
                st[b + KIND] = KTHREAD      # ACT, TTBR, REC: init_mm (0)
        return self.canon(st)

    def canon(self, st):
        """Rename the generations present to 1..k, keeping their order."""
        gens = {st[G_GEN]}
        for i in self.ctx_fields:
            v = st[i]
            if v:
                gens.add(v >> GEN_SHIFT)
        if max(gens) != len(gens):
            ren = {g: n + 1 for n, g in enumerate(sorted(gens))}
            st[G_GEN] = ren[st[G_GEN]]
            for i in self.ctx_fields:
                v = st[i]
                if v:
                    st[i] = ren[v >> GEN_SHIFT] << GEN_SHIFT | (v & NUM_MASK)
        return bytes(st)

    def fmt_rec(self, v):
        return fctx(v) if self.rec_ctx else MMNAME[v]

    def describe(self, s):
        """The state, for the head of a trace."""
        out = ['asid_generation %d, asid_map %s, cur_idx %d' % (
            s[G_GEN], sorted(i for i in range(NUM_USER_ASIDS)
                             if s[G_MAP] >> i & 1), s[G_IDX])]
        out.append('mms: ' + ', '.join(
            '%s %s %s' % (MMNAME[x], fctx(s[MM_CTX + 2 * x]),
                          LIFE[s[MM_LIFE + 2 * x]])
            for x in range(1, NSLOT) if s[MM_LIFE + 2 * x] != FREE))
        for c in range(NCPU):
            b = CPU_BASE + c * NF
            out.append('CPU%d: %s, active_mm %s, TTBR0 %s, active_asids %s, '
                       'reserved_asids %s, record %s' % (
                           c, 'user task' if s[b + KIND] else 'kernel thread',
                           MMNAME[s[b + ACT]], MMNAME[s[b + TTBR]],
                           fctx(s[b + AA]), fctx(s[b + RA]),
                           self.fmt_rec(s[b + REC])))
        return out

    # ------------------------------------------------------ ASID allocator
    def flush_context(self, st):
        """flush_context(), context.c:110-141 (one step: under the lock)."""
        amap = 0                                    # set_reserved_asid_bits()
        for i in range(NCPU):
            b = CPU_BASE + i * NF
            asid = st[b + AA]                       # atomic64_xchg_relaxed(, 0)
            st[b + AA] = 0
            if asid == 0:                           # already through a rollover
                asid = st[b + RA]
            amap |= 1 << (asid & NUM_MASK)          # __set_bit(ctxid2asid())
            st[b + RA] = asid
        st[G_MAP] = amap                            # (tlb_flush_pending: not modelled)

    def new_context(self, st, x, L):
        """new_context(), context.c:167-222, under cpu_asid_lock."""
        asid = st[MM_CTX + 2 * x]
        gen = st[G_GEN]
        if asid:
            newasid = gen << GEN_SHIFT | (asid & NUM_MASK)
            hit = False                             # check_update_reserved_asid()
            for i in range(NCPU):                   # context.c:143-165
                b = CPU_BASE + i * NF
                if st[b + RA] == asid:
                    hit = True
                    st[b + RA] = newasid
            if hit:
                return newasid, L and 'reserved by a CPU: keeps it as %s ' \
                    '(check_update_reserved_asid, context.c:180)' % fctx(newasid)
            bit = 1 << (asid & NUM_MASK)            # __test_and_set_bit()
            if not st[G_MAP] & bit:
                st[G_MAP] |= bit
                return newasid, L and 'its number is free: re-takes it as ' \
                    '%s (context.c:195)' % fctx(newasid)
        note = ''
        a = self.find_zero(st[G_MAP], st[G_IDX])
        if a is None:                               # out of ASIDs
            gen += 1                                # atomic64_add_return_relaxed()
            st[G_GEN] = gen
            self.flush_context(st)
            a = self.find_zero(st[G_MAP], 1)
            if a is None:
                raise ModelError('no ASID after a rollover: bounds too small')
            if L:
                note = 'no free ASID: rollover to generation %d, ' \
                    'flush_context() reserves %s (context.c:210-216, ' \
                    '110-141); ' % (gen, [fctx(st[CPU_BASE + i * NF + RA])
                                          for i in range(NCPU)])
        st[G_MAP] |= 1 << a                         # set_asid:
        st[G_IDX] = a
        new = gen << GEN_SHIFT | a
        return new, L and note + 'allocates %s (context.c:206-221)' % fctx(new)

    @staticmethod
    def find_zero(amap, start):
        for a in range(start, NUM_USER_ASIDS):      # find_next_zero_bit()
            if not amap >> a & 1:
                return a
        return None

    def csc(self, st, c, x, k, L):
        """Step k of check_and_switch_context(x) on CPU c, context.c:224-280.

        Returns (next step, or None when TTBR0 was written; label)."""
        b = CPU_BASE + c * NF
        name = MMNAME[x]
        if k == 0:
            # asid = atomic64_read(&mm->context.id)              (line 233)
            # old_active_asid = atomic64_read(active_asids)     (line 249)
            # if (old_active_asid && asid_gen_match(asid))      (line 250)
            # Three loads, one step: a rollover between them zeroes
            # active_asids[c] (only this CPU makes it non-zero again), so
            # the cmpxchg fails and the slow path redoes it all under the
            # lock, as a rollover right after the three loads would; and
            # context.id only changes in new_context(), after a rollover.
            # (The comment at context.c:235-248.)
            asid, old = st[MM_CTX + 2 * x], st[b + AA]
            if old and gen_of(asid) == st[G_GEN]:
                st[b + LA], st[b + LO] = asid, old
                return 3, L and 'check_and_switch_context(%s): %s.context.id ' \
                    '= %s, active_asids[%d] = %s, generation matches: fast ' \
                    'path (context.c:233-250)' % (name, name, fctx(asid), c,
                                                  fctx(old))
            return 4, L and 'check_and_switch_context(%s): %s.context.id = %s,' \
                ' active_asids[%d] = %s: slow path (context.c:233-250)' % (
                    name, name, fctx(asid), c, fctx(old))
        if k == 3:      # atomic64_cmpxchg_relaxed(active_asids, old, asid)
            old, asid = st[b + LO], st[b + LA]
            st[b + LA] = st[b + LO] = 0
            if st[b + AA] == old:
                st[b + AA] = asid
                return 5, L and 'check_and_switch_context(%s): cmpxchg ' \
                    'active_asids[%d] %s -> %s (context.c:251-253)' % (
                        name, c, fctx(old), fctx(asid))
            return 4, L and 'check_and_switch_context(%s): cmpxchg fails, a ' \
                'rollover zeroed active_asids[%d]: slow path (context.c:251)' % (
                    name, c)
        if k == 4:      # raw_spin_lock_irqsave(&cpu_asid_lock) ... unlock
            asid = st[MM_CTX + 2 * x]
            lab = ''
            if gen_of(asid) != st[G_GEN]:
                asid, lab = self.new_context(st, x, L)
                st[MM_CTX + 2 * x] = asid
            st[b + AA] = asid
            return 5, L and 'check_and_switch_context(%s) under cpu_asid_lock: ' \
                '%sactive_asids[%d] = %s (context.c:255-268)' % (
                    name, 'new_context(): ' + lab + '; ' if lab else '', c,
                    fctx(asid))
        # k == 5: (arm64_apply_bp_hardening(), context.c:272) cpu_switch_mm()
        st[b + TTBR] = x
        return None, L and 'check_and_switch_context(%s): cpu_switch_mm(): ' \
            'TTBR0 := %s (context.c:279)' % (name, name)

    # ---------------------------------------------------------- the record
    def record(self, st, c, nxt, L, where):
        """The record write of switch_mm(prev, nxt) on CPU c."""
        b = CPU_BASE + c * NF
        if self.rec_ctx:
            # lazy_tlb_switch_ctxid(), mmu_context.h:269-275 (8dac1ca): always
            v = 0 if nxt == INIT else st[MM_CTX + 2 * nxt]
            st[b + REC] = v
            return L and '%s: lazy_tlb_switch_ctxid(%s): record[%d] := %s ' \
                '(mmu_context.h:322 at 8dac1ca)' % (where, MMNAME[nxt], c,
                                                     fctx(v))
        # lazy_tlb_record_mm(), mmu_context.h:272-278: only if it changes
        if st[b + REC] != nxt:
            st[b + REC] = nxt
            return L and '%s: lazy_tlb_record_mm(%s): store-release ' \
                'record[%d] := %s (mmu_context.h:%s)' % (
                    where, MMNAME[nxt], c, MMNAME[nxt],
                    '331' if not self.early else '331, moved before __switch_mm')
        return L and '%s: lazy_tlb_record_mm(%s): record[%d] already %s' % (
            where, MMNAME[nxt], c, MMNAME[nxt])

    def may_hold(self, st, i, x):
        """arch_lazy_tlb_cpu_may_hold(i, x): the filter."""
        rec = st[CPU_BASE + i * NF + REC]
        ctx = st[MM_CTX + 2 * x]
        if self.filt == 'asid':     # context.c:450 at 8dac1ca
            return rec != 0 and (rec & NUM_MASK) == (ctx & NUM_MASK)
        if self.filt == 'whole':    # context.c:447 at 8dac1ca
            return rec == ctx
        return rec == x             # context.c:392 (smp_load_acquire)

    def to_init(self, st, c, j, L, where):
        """Write j (0, 1) of switch_mm(mm, &init_mm) on CPU c."""
        if self.to_init_order[j] == 'ttbr':
            st[CPU_BASE + c * NF + TTBR] = INIT
            st[CPU_BASE + c * NF + EFIG] = 0
            return L and '%s: switch_mm(, init_mm) -> __switch_mm(): TTBR0 := ' \
                'reserved (mmu_context.h:252-254)' % where
        return self.record(st, c, INIT, L, where)

    # ---------------------------------------------------------- successors
    def successors(self, s, L=False):
        """All (raw next state as a list, label, violation) from state s."""
        out = []
        for c in range(NCPU):
            b = CPU_BASE + c * NF
            if s[b + IRQ]:
                out.append(self.ipi_step(s, c, L))
                continue
            pc = s[b + PC]
            if pc != IDLE:
                r = self.step(s, c, L)
                if r is not None:
                    out.append(r)
            elif s[b + BUD]:
                out.extend(self.starts(s, c, L))
            if pc in IRQ_ON:
                for y in self.others[c]:
                    if s[CPU_BASE + y * NF + PEND] >> c & 1:
                        out.append(self.ipi_enter(s, c, y, L))
        return [self.settle(st, lab, cls, L) for st, lab, cls in out]

    def settle(self, st, lab, cls, L):
        """Take the IPIs that have nothing to do at once.

        A queued do_shoot_lazy_tlb(V) finds active_mm != V on a CPU that has
        interrupts on: it only acknowledges.  active_mm cannot become V again
        (V is dying: nothing switches to it, and a kernel thread borrows the
        active_mm it finds), and only the sender's wait reads the
        acknowledgement, so taking it as early as the target allows commutes
        with every other step: a reduction that loses no behaviour.
        """
        if cls:
            return st, lab, cls
        for y in range(NCPU):
            yb = CPU_BASE + y * NF
            pend = st[yb + PEND]
            if not pend:
                continue
            v = st[yb + TGT]
            for c in self.others[y]:
                b = CPU_BASE + c * NF
                if pend >> c & 1 and not st[b + IRQ] and \
                        st[b + PC] in IRQ_ON and st[b + ACT] != v:
                    st[yb + PEND] &= ~(1 << c)
                    if L:
                        lab += ' [CPU%d takes CPU%d\'s IPI: do_shoot_lazy_tlb(%s)' \
                            ': active_mm is %s, nothing to do (fork.c:669)]' % (
                                c, y, MMNAME[v], MMNAME[st[b + ACT]])
        return st, lab, cls

    def starts(self, s, c, L):
        """The operations CPU c may start (it is idle, with budget left)."""
        b = CPU_BASE + c * NF
        kind, act = s[b + KIND], s[b + ACT]
        res = []
        for v in USER:
            if s[MM_LIFE + 2 * v] == LIVE and not (kind == UTASK and act == v):
                res.append(self.start_switch(s, c, v, False, L))
        for v in USER:
            if s[MM_LIFE + 2 * v] == FREE:
                res.append(self.start_switch(s, c, v, True, L))
                break
        if kind == UTASK:
            st = list(s)
            st[b + BUD] -= 1
            st[b + KIND] = KTHREAD
            res.append((st, L and 'CPU%d: context_switch() to a kernel thread: '
                        'enter_lazy_tlb(), it borrows active_mm %s, TTBR0 and '
                        'record unchanged (core.c:5519-5529)' % (c, MMNAME[act]),
                        None))
            # The last user: no other task of the mm runs, or is being
            # switched out (PREVU), anywhere.
            if not any(s[CPU_BASE + i * NF + KIND] == UTASK and
                       s[CPU_BASE + i * NF + ACT] == act or
                       s[CPU_BASE + i * NF + PREVU] == act
                       for i in self.others[c]):
                for here in (True, False):
                    st = list(s)
                    st[b + BUD] -= 1
                    st[b + KIND] = KTHREAD
                    if here:
                        st[MM_LIFE + 2 * act] = DROPPING
                        st[b + PC] = MD_COND
                        st[b + TGT] = act
                        what = 'mmput() drops the last reference: __mmdrop(%s) ' \
                            'runs here' % MMNAME[act]
                    else:
                        st[MM_LIFE + 2 * act] = ORPHAN
                        what = 'mmput() drops the last user; the last mm_count ' \
                            'is dropped later, anywhere'
                    res.append((st, L and 'CPU%d: exit_mm(): the last task of %s '
                                'exits, current->mm = NULL, active_mm stays %s '
                                '(exit.c:588-591); %s (exit.c:596)' % (
                                    c, MMNAME[act], MMNAME[act], what), None))
            if self.efi:
                # efi_virtmap_load(), arm-runtime.c:156-168: preempt_disable();
                # shoot_lazy_tlb_self() does nothing (current->mm is set);
                # efi_set_pgd(&efi_mm) -> __switch_mm(efi_mm), efi.h:121-123.
                st = list(s)
                st[b + BUD] -= 1
                nk, lab = self.csc(st, c, EFI, 0, L)
                st[b + PC] = EO + nk
                st[b + TGT] = EFI
                res.append((st, L and 'CPU%d: efi_virtmap_load() from a user task '
                            'on its own mm %s: efi_set_pgd(&efi_mm) -> '
                            '__switch_mm() (arm-runtime.c:167, efi.h:123) -> %s'
                            % (c, MMNAME[act], lab), None))
        elif self.efi and self.kthread_efi:
            res.append(self.start_kthread_efi(s, c, L))
        for v in USER:
            if s[MM_LIFE + 2 * v] == ORPHAN:
                st = list(s)
                st[b + BUD] -= 1
                st[MM_LIFE + 2 * v] = DROPPING
                st[b + PC] = MD_COND
                st[b + TGT] = v
                res.append((st, L and 'CPU%d: mmdrop(%s) drops the last mm_count:'
                            ' __mmdrop(%s) (sched/mm.h:54-55, fork.c:810)' % (
                                c, MMNAME[v], MMNAME[v]), None))
        return res

    def start_switch(self, s, c, v, fork, L):
        """context_switch() to a user task of v: switch_mm_irqs_off(
        prev->active_mm, v), core.c:5530-5551, mmu_context.h:317-333."""
        st = list(s)
        b = CPU_BASE + c * NF
        st[b + BUD] -= 1
        pre = ''
        if fork:
            st[MM_LIFE + 2 * v] = LIVE
            st[MM_CTX + 2 * v] = 0
            pre = 'fork: new mm %s, init_new_context(): context.id = 0 ' \
                '(mmu_context.h:169); ' % MMNAME[v]
        prev = st[b + ACT]
        if st[b + KIND] == UTASK and prev != v:
            st[b + PREVU] = prev            # prev->on_cpu until the switch ends
        st[b + KIND] = UTASK
        st[b + ACT] = v
        head = 'CPU%d: %scontext_switch() to a task of %s (interrupts off), ' \
            'switch_mm(%s, %s)' % (c, pre, MMNAME[v], MMNAME[prev], MMNAME[v])
        if prev == v:
            # prev == next: no __switch_mm(); the record write only.
            lab = ''
            if self.rec_ctx or not self.early:
                lab = self.record(st, c, v, L, 'switch_mm')
            return st, L and head + ': prev == next, no __switch_mm(); ' + lab, None
        st[b + TGT] = v
        if self.early:
            lab = self.record(st, c, v, L, 'switch_mm')
            st[b + PC] = SW
            return st, L and head + '; ' + lab, None
        nk, lab = self.csc(st, c, v, 0, L)
        st[b + PC] = SW + nk
        return st, L and head + ' -> __switch_mm() -> ' + lab, None

    def start_kthread_efi(self, s, c, L):
        """efi_virtmap_load() from a kernel thread, arm-runtime.c:156-168."""
        st = list(s)
        b = CPU_BASE + c * NF
        st[b + BUD] -= 1
        act = st[b + ACT]
        head = 'CPU%d: efi_virtmap_load() from a kernel thread: ' \
            'shoot_lazy_tlb_self() (fork.c:729-737)' % c
        st[b + TGT] = EFI
        if act != INIT:
            # do_shoot_lazy_tlb(active_mm), interrupts off (fork.c:665-675)
            st[b + ACT] = INIT
            lab = self.to_init(st, c, 0, L, 'do_shoot_lazy_tlb(%s)' % MMNAME[act])
            st[b + PC] = KE1
            return st, L and head + ': active_mm %s -> init_mm (fork.c:671); ' % (
                MMNAME[act]) + lab, None
        nk, lab = self.csc(st, c, EFI, 0, L)
        st[b + PC] = EO + nk
        return st, L and head + ': on init_mm already; efi_set_pgd(&efi_mm) -> ' \
            + lab, None

    def step(self, s, c, L):
        """The next step of CPU c's operation; None if it must wait."""
        b = CPU_BASE + c * NF
        pc = s[b + PC]
        st = list(s)
        P = 'CPU%d: ' % c
        if SW <= pc < SW + 6:
            x = st[b + TGT]
            nk, lab = self.csc(st, c, x, pc - SW, L)
            if nk is not None:
                st[b + PC] = SW + nk
            else:
                st[b + EFIG] = 0
                st[b + PC] = IDLE if self.early else SW_REC
                if self.early:
                    st[b + TGT] = st[b + PREVU] = 0
                    if L:
                        lab += DONE
            return st, L and P + 'switch_mm -> ' + lab, None
        if pc == SW_REC:
            lab = self.record(st, c, st[b + TGT], L, 'switch_mm')
            st[b + PC] = IDLE
            st[b + TGT] = st[b + PREVU] = 0
            return st, L and P + lab + DONE, None
        if EO <= pc < EO + 6:
            nk, lab = self.csc(st, c, EFI, pc - EO, L)
            st[b + PC] = EO + nk if nk is not None else EB
            if nk is None:
                st[b + EFIG] = 0
                if L:
                    lab += '; the firmware runs (interrupts on)'
            return st, L and P + 'efi_set_pgd(&efi_mm) -> ' + lab, None
        if pc == EB:
            # efi_virtmap_unload(): efi_set_pgd(current->active_mm),
            # arm-runtime.c:172, efi.h:123: __switch_mm(), not switch_mm().
            act = st[b + ACT]
            if act == INIT:
                st[b + TTBR] = INIT
                st[b + EFIG] = 0
                st[b + PC] = IDLE
                st[b + TGT] = 0
                return st, L and P + 'efi_virtmap_unload(): efi_set_pgd(init_mm)'\
                    ' -> __switch_mm(): TTBR0 := reserved (arm-runtime.c:172, ' \
                    'mmu_context.h:252-254)', None
            st[b + TGT] = act
            nk, lab = self.csc(st, c, act, 0, L)
            st[b + PC] = EB + nk
            return st, L and P + 'efi_virtmap_unload(): efi_set_pgd(%s) -> ' \
                '__switch_mm() (arm-runtime.c:172, efi.h:123) -> ' % (
                    MMNAME[act]) + lab, None
        if EB < pc < EB + 6:
            x = st[b + TGT]
            nk, lab = self.csc(st, c, x, pc - EB, L)
            if nk is not None:
                st[b + PC] = EB + nk
            else:
                st[b + PC] = IDLE
                st[b + TGT] = 0
                st[b + EFIG] = 1
                if L:
                    lab += '; efi_set_pgd() does not write the record; ' \
                        'preempt_enable()'
            return st, L and P + 'efi_set_pgd(%s) -> ' % MMNAME[x] + lab, None
        if pc == KE1:
            lab = self.to_init(st, c, 1, L, 'do_shoot_lazy_tlb')
            st[b + PC] = EO     # next: efi_set_pgd(&efi_mm), efi.h:123
            return st, L and P + lab + '; local_irq_restore() (fork.c:736)', None
        if pc == MD_COND:
            # cleanup_lazy_tlbs() -> on_each_cpu_cond(), fork.c:795 ->
            # smp_call_function_many_cond(): the cond loop, smp.c:933-964
            v = st[b + TGT]
            i = self.others[c][st[b + DIDX]]
            hold = self.may_hold(st, i, v)
            if hold:
                st[b + PEND] |= 1 << i
            st[b + DIDX] += 1
            if st[b + DIDX] == NCPU - 1:
                st[b + DIDX] = 0
                st[b + PC] = MD_LOCAL
            return st, L and P + 'cleanup_lazy_tlbs(%s): arch_lazy_tlb_cpu_may_hold' \
                '(CPU%d): record[%d] = %s, %s.context.id = %s -> %s (fork.c:795, ' \
                'smp.c:936)' % (MMNAME[v], i, i,
                                self.fmt_rec(st[CPU_BASE + i * NF + REC]),
                                MMNAME[v], fctx(st[MM_CTX + 2 * v]),
                                'true: IPI queued' if hold else 'false: skipped'),\
                None
        if pc == MD_LOCAL:
            # smp.c:978-985: the local call, interrupts off
            v = st[b + TGT]
            hold = self.may_hold(st, c, v)
            lab = L and P + 'cleanup_lazy_tlbs(%s): local arch_lazy_tlb_cpu_may_hold(' \
                'CPU%d): record = %s, %s.context.id = %s -> %s (smp.c:978-983)' % (
                    MMNAME[v], c, self.fmt_rec(st[b + REC]), MMNAME[v],
                    fctx(st[MM_CTX + 2 * v]),
                    'true: do_shoot_lazy_tlb() here' if hold else 'false')
            if hold and st[b + ACT] == v:
                st[b + ACT] = INIT
                lab2 = self.to_init(st, c, 0, L, 'do_shoot_lazy_tlb(%s)' % MMNAME[v])
                st[b + PC] = MD_LSH2
                return st, L and lab + ', active_mm := init_mm (fork.c:671); ' + \
                    lab2, None
            st[b + PC] = MD_FREE
            if hold and L:
                lab += ', active_mm is %s: nothing to do (fork.c:669)' % (
                    MMNAME[st[b + ACT]])
            return st, L and lab, None
        if pc == MD_LSH2:
            lab = self.to_init(st, c, 1, L, 'do_shoot_lazy_tlb')
            st[b + PC] = MD_FREE
            return st, L and P + lab, None
        if pc == MD_FREE:
            if st[b + PEND]:
                return None                 # csd_lock_wait(), smp.c:997-1004
            return self.free(st, c, L)
        raise ModelError('bad pc %d' % pc)

    def free(self, st, c, L):
        """__mmdrop(): after the IPIs, mm_free_pgd(), fork.c:819-821."""
        b = CPU_BASE + c * NF
        v = st[b + TGT]
        offenders = []
        for i in range(NCPU):
            ib = CPU_BASE + i * NF
            if st[ib + TTBR] == v or st[ib + ACT] == v:
                offenders.append(i)
        st[MM_LIFE + 2 * v] = FREE
        st[MM_CTX + 2 * v] = 0
        st[b + PC] = IDLE
        st[b + TGT] = 0
        lab = 'CPU%d: __mmdrop(%s): IPIs done; mm_free_pgd(%s) (fork.c:821)' % (
            c, MMNAME[v], MMNAME[v])
        if not offenders:
            return st, L and lab, None
        i = offenders[0]
        ib = CPU_BASE + i * NF
        if st[ib + TTBR] == v and in_switch(st, i):
            cls = 'switch-window'
        elif st[ib + TTBR] == v and st[ib + EFIG]:
            cls = 'efi'
        elif st[ib + TTBR] == v:
            cls = 'lazy-missed'
        else:
            cls = 'active-mm'
        if L:
            lab += ' -- VIOLATION (%s): ' % cls + '; '.join(
                'CPU%d has TTBR0 %s, active_mm %s%s, record %s' % (
                    j, MMNAME[st[CPU_BASE + j * NF + TTBR]],
                    MMNAME[st[CPU_BASE + j * NF + ACT]],
                    ' (inside switch_mm)' if in_switch(st, j) else '',
                    self.fmt_rec(st[CPU_BASE + j * NF + REC]))
                for j in offenders)
        return st, lab, cls

    def ipi_enter(self, s, c, y, L):
        """CPU c takes CPU y's shootdown IPI: do_shoot_lazy_tlb(), fork.c:665."""
        st = list(s)
        b = CPU_BASE + c * NF
        v = st[CPU_BASE + y * NF + TGT]
        head = 'CPU%d: IPI from CPU%d: do_shoot_lazy_tlb(%s): ' % (c, y, MMNAME[v])
        if st[b + ACT] != v:
            st[CPU_BASE + y * NF + PEND] &= ~(1 << c)
            return st, L and head + 'active_mm is %s, nothing to do ' \
                '(fork.c:669)' % MMNAME[st[b + ACT]], None
        if st[b + KIND] == UTASK:
            raise ModelError('do_shoot_lazy_tlb() on a user task of the mm')
        st[b + ACT] = INIT
        lab = self.to_init(st, c, 0, L, 'switch_mm(%s, init_mm)' % MMNAME[v])
        st[b + IRQ] = (y + 1) | 1 << 2
        return st, L and head + 'active_mm := init_mm (fork.c:671); ' + lab, None

    def ipi_step(self, s, c, L):
        st = list(s)
        b = CPU_BASE + c * NF
        y = (st[b + IRQ] & 3) - 1
        lab = self.to_init(st, c, 1, L, 'do_shoot_lazy_tlb')
        st[b + IRQ] = 0
        st[CPU_BASE + y * NF + PEND] &= ~(1 << c)
        return st, L and 'CPU%d: IPI: %s; done, CPU%d may go on' % (c, lab, y), None

    def quiescent(self, s):
        for c in range(NCPU):
            b = CPU_BASE + c * NF
            if s[b + PC] != IDLE or s[b + IRQ] or s[b + PEND]:
                return False
        return True


def coverage(parent):
    """What the explored space contains: shows that a 'no violation' is not
    vacuous.  Counts states."""
    n = dict(rollover=0, freed=0, ipi_in_switch=0, shot=0, fw_vs_drop=0)
    efi_pcs = set(range(EO, EO + 6)) | set(range(EB, EB + 6))
    md_pcs = (MD_COND, MD_LOCAL, MD_LSH2, MD_FREE)
    for s in parent:
        if s[G_GEN] >= 2:
            n['rollover'] += 1
        if s[MM_LIFE + 2 * M] == FREE or s[MM_LIFE + 2 * N] == FREE:
            n['freed'] += 1
        pcs = [s[CPU_BASE + c * NF + PC] for c in range(NCPU)]
        for y in range(NCPU):
            pend = s[CPU_BASE + y * NF + PEND]
            if pend and any(pend >> c & 1 and in_switch(s, c)
                            for c in range(NCPU)):
                n['ipi_in_switch'] += 1
                break
        if any(s[CPU_BASE + c * NF + IRQ] for c in range(NCPU)):
            n['shot'] += 1
        if any(p in efi_pcs for p in pcs) and any(p in md_pcs for p in pcs):
            n['fw_vs_drop'] += 1
    return ('%(rollover)d holding two generations or more (a rollover), '
            '%(freed)d after M or N was freed, '
            '%(ipi_in_switch)d with an IPI waiting for a CPU inside switch_mm, '
            '%(shot)d inside a do_shoot_lazy_tlb() IPI, %(fw_vs_drop)d with '
            'efi_set_pgd() on one CPU and __mmdrop() on another' % n)


def explore(model, max_states, progress=False):
    """Breadth-first search of the whole bounded state space."""
    init = model.initial()
    parent = {init: None}
    queue = deque([init])
    first = {}          # violation class -> first (shortest) violating state
    nviol = 0
    pop = queue.popleft
    succ = model.successors
    canon = model.canon
    while queue:
        s = pop()
        nxt = succ(s)
        if not nxt and not model.quiescent(s):
            raise ModelError('stuck state (deadlock) reached:\n  ' +
                             '\n  '.join(model.describe(s)))
        for raw, _, cls in nxt:
            ns = canon(raw)
            if ns in parent:
                continue
            parent[ns] = s
            if cls:
                nviol += 1
                if cls not in first:
                    first[cls] = ns
                continue        # the pgd is gone: stop there
            queue.append(ns)
        if len(parent) > max_states:
            raise ModelError('more than %d states: lower --budget' % max_states)
        if progress and len(parent) % 500000 < len(nxt):
            print('  ... %d states' % len(parent), file=sys.stderr)
    return parent, first, nviol


def trace(model, parent, end):
    """The steps from the initial state to end, labelled, replayed on raw
    (not renamed) states so that generations read naturally."""
    chain = []
    s = end
    while s is not None:
        chain.append(s)
        s = parent[s]
    chain.reverse()
    raw = list(chain[0])
    steps = []
    for want in chain[1:]:
        for nraw, lab, _ in model.successors(bytes(raw), True):
            if model.canon(list(nraw)) == want:
                steps.append(lab)
                raw = list(nraw)
                break
        else:
            raise ModelError('trace replay failed')
    return model.describe(chain[0]), steps


def run(design, args, out):
    budget = args.budget
    model = Model(design, budget, efi=not args.no_efi,
                  kthread_efi=not args.no_kthread_efi)
    t0 = time.monotonic()
    parent, first, nviol = explore(model, args.max_states, args.progress)
    dt = time.monotonic() - t0
    p = DESIGNS[design]
    out('design %s: %d states explored in %.1f s (%d CPUs, ASID numbers 1-%d, '
        'budget %s operations per CPU%s)' % (
            design, len(parent), dt, NCPU, NUM_USER_ASIDS - 1,
            ','.join(map(str, budget)),
            '' if model.efi else ', no EFI'))
    for cls in sorted(first, key=lambda k: ('switch-window', 'efi',
                                            'lazy-missed', 'active-mm').index(k)):
        head, steps = trace(model, parent, first[cls])
        out('design %s: violation %s: shortest trace %d steps' % (
            design, cls, len(steps)))
        if args.trace:
            out('    initial state:')
            for line in head:
                out('      ' + line)
            for n, lab in enumerate(steps, 1):
                out('    %2d. %s' % (n, lab))
    if args.coverage:
        out('design %s: coverage: %s' % (design, coverage(parent)))
    if not first:
        out('design %s: no violation in %d states' % (design, len(parent)))
    else:
        out('design %s: %d violating states' % (design, nviol))
    exp = p['expect']
    if not exp:
        ok = not first
        want = 'safe'
    elif exp == ('any',):
        ok = bool(first)
        want = 'unsafe'
    else:
        exp = tuple(c for c in exp if model.efi or c != 'efi')
        ok = all(c in first for c in exp)
        want = 'unsafe (%s)' % ', '.join(exp)
    out('design %s: %s, expected %s: %s' % (
        design, 'unsafe' if first else 'safe', want, 'PASS' if ok else 'FAIL'))
    return ok


def main():
    ap = argparse.ArgumentParser(
        description=__doc__[:__doc__.index('What is modelled\n')].rstrip(),
        epilog='Without --design, every design is checked against its '
        'expected verdict; the exit status is 1 if one differs, 2 on an '
        'error in the model. What is modelled, abstracted away and bounded: '
        'the docstring at the top of this file.',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--design', choices=sorted(DESIGNS) + ['all'],
                    default='all', help='the design to check (default: all)')
    ap.add_argument('--trace', action='store_true',
                    help='print the shortest trace of each violation class')
    ap.add_argument('--budget', default='2,1,2',
                    help='operations each CPU may start: N for all, or '
                    'N,N,N per CPU (default 2,1,2)')
    ap.add_argument('--no-efi', action='store_true',
                    help='no EFI runtime calls')
    ap.add_argument('--no-kthread-efi', action='store_true',
                    help='EFI calls from user tasks only')
    ap.add_argument('--max-states', type=int, default=8000000,
                    help='give up beyond this many states (default 8000000)')
    ap.add_argument('--coverage', action='store_true',
                    help='count the states with a rollover, a freed mm, an '
                    'IPI held up by a switch, ... (a few seconds more)')
    ap.add_argument('--progress', action='store_true',
                    help='report progress on stderr')
    args = ap.parse_args()
    try:
        b = [int(x) for x in args.budget.split(',')]
    except ValueError:
        b = []
    if len(b) == 1:
        b *= NCPU
    if len(b) != NCPU or min(b) < 0:
        ap.error('--budget: one number, or %d' % NCPU)
    args.budget = b
    designs = sorted(DESIGNS, key=list(DESIGNS).index) \
        if args.design == 'all' else [args.design]

    def out(line):
        print(line, flush=True)

    ok = True
    try:
        for d in designs:
            ok = run(d, args, out) and ok
    except ModelError as e:
        print('model error: %s' % e, file=sys.stderr)
        return 2
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
