#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Bounded model checker for arm64 MMU_LAZY_TLB_SHOOTDOWN's per-CPU filter.

What is checked
---------------
With MMU_LAZY_TLB_SHOOTDOWN a kernel thread (or an exiting task) runs on the
mm of the task before it without holding a reference.  When the last
reference goes, __mmdrop() -> cleanup_lazy_tlbs() asks, for the CPUs that
may hold the mm, a filter that reads a per-CPU "record" of the mm each CPU
installed, and IPIs the CPUs it names; do_shoot_lazy_tlb() moves such a CPU
to init_mm.  Then the pgd is freed.  The safety invariant, checked at every
mm_free_pgd():

    no CPU's TTBR0_EL1 and no CPU's current->active_mm names the mm.

The mm engine (below) also checks, in every state it reaches:
  (a) record: on every online CPU outside a switch, exec or IPI window
      (interrupts on, or about to be), the record equals active_mm;
  (b) ttbr: there, TTBR0 is active_mm or reserved (init_mm), or efi_mm
      while the CPU runs the firmware (the idmap is installed only while
      interrupts are off);
  (c) efi-ipi: no shootdown IPI switches TTBR0 while its CPU runs the
      firmware (TTBR0 = efi_mm): what 'efi/arm: Do not run the firmware on
      top of an unpinned lazy mm' (patch 19, which issue 31 counted as
      patch 6: mutant patch6-reverted) is for;
  (d) mask (design mask): there, every CPU whose TTBR0 or active_mm
      names a user mm is in that mm's mm_cpumask (a record left naming an
      mm the CPU no longer uses only costs an IPI).
A violation of the free check ends its path; (a)-(d) are recorded and the
search goes on through them.

A violation is reported with the shortest interleaving (breadth-first
search) that reaches it, each step naming the CPU, the action and the kernel
function it models (file:line where the line is stable).  Line numbers are
those of build/linux (Linux 7.3-rc7 plus the series) as read at series head
44d6ba1 (also c29e1b9, where they are the same); for the v2 record (asid,
whole-ctxid), at the older series head 8dac1ca.  The new operations of the
mm engine cite functions: fs/exec.c exec_mmap(), kernel/sched/core.c
sched_force_init_mm(), arch/arm64/include/asm/mmu_context.h
cpu_uninstall_idmap(), drivers/firmware/efi/arm-runtime.c
efi_virtmap_load(), kernel/fork.c cleanup_lazy_tlbs() and
kernel/smp.c smp_call_function_many_cond().

The search is bounded, not exhaustive: a "no violation" holds for the CPUs,
mm slots and operation budgets printed with it, every interleaving of
those operations' steps included.

Engine 1 (ASID allocator): designs asid and whole-ctxid
=======================================================
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
(the saved TTBR0 follows TTBR0), KPTI, pinned ASIDs, CPU hotplug, exec,
suspend, weak memory ordering (the record's release/acquire pair is taken
as given; engine 2 models all these),
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

Engine 2 (no ASID state): designs mm, mask, mm-record-early; the mutants
========================================================================
Designs (--design)
------------------
mm               the record is the mm pointer `next`, stored (release) at the
                 end of switch_mm() only when it changes, after the TTBR0
                 write; efi_set_pgd() does not write it; the filter is
                 record == mm (acquire) over the online CPUs:
                 lazy_tlb_record_mm(), mmu_context.h:272-281, and
                 arch_lazy_tlb_cpu_may_hold(), context.c:393-397 (patch 20
                 "arm64: mm: Track lazy TLB mms per CPU, and allow
                 MMU_LAZY_TLB_SHOOTDOWN"); the design before v4, and what
                 arm64 runs under the erratum 4193714 workaround (the mask
                 is left to it and every online CPU is asked).  Expected
                 safe.
mask             mask + record, the series' design (patch 18's
                 arch_lazy_tlb_cpus() and cleanup_lazy_tlbs(); patch 20's
                 lazy_tlb_mark_cpu(), mmu_context.h:295-301, called first
                 in switch_mm(), mmu_context.h:350).  switch_mm(prev, next)
                 on CPU X, even when prev == next, first sets X's bit in
                 mm_cpumask(next) if it is clear (cpumask_set_cpu(): a
                 relaxed atomic; never cleared while the mm lives, a new mm
                 starts empty; not modelled for init_mm and efi_mm, never
                 freed), then __switch_mm(next) if prev != next (TTBR0
                 write + ISB), update_saved_ttbr0(), and the record := next
                 (store-release) if it changes.  __mmdrop() ->
                 cleanup_lazy_tlbs(): on_each_cpu_cond_mask(cond:
                 smp_load_acquire(record) == mm, do_shoot_lazy_tlb, mm,
                 wait=1, mm_cpumask(mm)).  Expected safe.
mm-record-early  mm with the record written before the TTBR0 write: expected
                 unsafe; shows that the checker sees the switch window.

Mutants (--mutant NAME, of design mask; --list-mutants)
-------------------------------------------------------
Each is expected caught (the class, and its shortest trace, printed) or is
an equivalent mutant, checked by exploring the whole bounded space:
record-early, idle-clears-record (enter_lazy_tlb() clears the record),
filter-curr-active-mm (the cond reads cpu_curr(cpu)->active_mm),
filter-kthreads-only, no-local-call, wait-0, ack-before-switch (the IPI
acknowledged before do_shoot_lazy_tlb() switches), patch6-reverted
(efi_virtmap_load() from a kernel thread without shoot_lazy_tlb_self():
caught by (c)), efi-writes-record (efi_set_pgd() writes the record instead),
cond-first-holder, local-short-circuit (the freeing CPU never asks itself),
exec-irqs-on (irqs_off_activate_mm off), acquire-weakened (the filter's
load a READ_ONCE),
mask-bit-lazy (set only in enter_lazy_tlb()), mask-bit-nonatomic (a plain
read-modify-write of the mask word), offline-keeps-mm (a CPU goes offline
on its lazy mm, without sched_force_init_mm()); equivalent:
mask-bit-after-ttbr (the
bit set after the TTBR0 write, still inside switch_mm(): switch_mm() only
switches to an mm its next task pins, with interrupts off, and the bit is
visible by the rq unlock that every later drop of that pin is ordered
after), record-always (the record written on every switch, not only when
it changes: the added store writes the value the record holds),
release-weakened (the record store a WRITE_ONCE: the ISB after the TTBR0
write orders the write before any later store, for the compiler, isb()
having a memory clobber, and for the CPU; a late record costs an IPI).

What is modelled
----------------
Per mm slot: its life (as engine 1) and its mm_cpumask word.  Per CPU:
online or not, the kind of current, active_mm, TTBR0 (an mm, or the idmap;
init_mm stands for the reserved table), the record, the stores of the CPU
not yet visible to the others, and the program counter and locals of the
operation in progress and of the shootdown IPI handler.  Operations an idle
online CPU may start (each takes one of its budget):
  run V, fork, kthread, exit, mmdrop V, efi
             as engine 1 (switch_mm() as the design says; efi from a
             kernel thread: shoot_lazy_tlb_self() first)
  exec       exec_mmap() from a user task or from a kernel thread borrowing
             a lazy mm: a new mm (fork slot); task_lock, local_irq_disable,
             active_mm := new (pinned by the task), mm := new; with
             irqs_off_activate_mm off, local_irq_enable; activate_mm(old,
             new) = switch_mm(); local_irq_enable; task_unlock; then the old
             mm: a user task's mmput() (other users remain; or it was the
             last: __mmdrop() here, or the last mm_count held elsewhere), a
             kernel thread's lazy borrow (nothing held in SHOOTDOWN mode).
             irqs_off_activate_mm (--irqs-off-activate-mm, default on: the
             series selects ARCH_WANT_IRQS_OFF_ACTIVATE_MM) off is the
             mutant exec-irqs-on: an IPI taken in the window sees active_mm
             already = new, does nothing, and the old mm is freed while
             TTBR0 still names it.
  suspend    from the idle task (a kernel thread), interrupts off: the CPU
             resumes on the idmap (TTBR0 := idmap), then
             cpu_uninstall_idmap(): TTBR0 := reserved and, if active_mm is
             not init_mm (no SW PAN), cpu_switch_mm(active_mm): a TTBR0
             writer that reads current->active_mm and writes no record.
  offline    the dying CPU's idle task: sched_force_init_mm() (active_mm
             := init_mm, switch_mm(, init_mm)), then it leaves
             cpu_online_mask (takedown_cpu() under stop_machine(): not while
             a CPU is inside smp_call_function_many_cond(), preemption off,
             and after its own stores are visible); it takes no IPI and
             on_each_cpu_cond_mask() skips it.
  online     an offline CPU: secondary_start_kernel(): active_mm =
             init_mm, cpu_uninstall_idmap() (TTBR0 := reserved).
__mmdrop(): mm_count reached zero (fully ordered); on_each_cpu_cond_mask()
-> smp_call_function_many_cond(): mm_cpumask(mm) & cpu_online_mask (design
mm: cpu_online_mask) is read once, right after (a later read sees a
superset: bits are never cleared, and nothing sets one for a dying mm);
the cond for each other CPU in that set, in CPU order, its IPI queued at
once; the local cond and call (interrupts off); the wait; mm_free_pgd().

Memory model (the accesses the argument rests on)
-------------------------------------------------
An operational approximation of the LKMM for the record store and load,
the mask bit, mm_count's final decrement and the TTBR0 write + ISB (herd7
was not used):
  - a plain store (WRITE_ONCE) or relaxed atomic (set_bit) becomes visible
    to the other CPUs at a step of its own ("becomes visible"), possibly
    after later accesses of its CPU, in any order with its other pending
    stores, but no later than the CPU's next store-release, fully ordered
    atomic or end of a switch, IPI or exec (rq unlock, csd unlock,
    task_unlock are releases): those steps wait until the CPU has no
    pending store;
  - a store-release becomes visible only after all earlier accesses of its
    CPU, the TTBR0 write + ISB taking effect included: it is performed when
    nothing of its CPU is pending.  Its own delay past later accesses is
    not a separate step: in the model each is followed, with no shared
    access between, by a release (the end of the switch or the IPI) or a
    step that waits for it;
  - the TTBR0 write + ISB takes effect at once, before any later access
    of its CPU: the ISB completes it before later instructions execute,
    and isb() has a memory clobber (the compiler keeps later stores after
    it), so no later store, plain or release, overtakes it.  (A first
    version of this model let a plain record store overtake it, and so
    "caught" release-weakened; the Arm ARM does not allow that);
  - a plain load (READ_ONCE) may be satisfied after later accesses of its
    CPU that it has no dependency to: in acquire-weakened the filter's
    record load may be deferred; satisfied before the free, "holds" queues
    the IPI; the free may go ahead with loads outstanding only if no IPI
    was sent (no csd_lock_wait() between), and a load satisfied after the
    free must read "does not hold" (else that execution is inconsistent and
    dropped): the free was a violation if a CPU named the mm at the free.
    This is the LKMM's view: the free's stores depend on the load only by
    a control dependency past the join of the cond loop's branch, which
    the LKMM does not order (the compiler may move code across it); arm64
    hardware does not perform stores speculatively, so the catch of
    acquire-weakened is one of the LKMM, not of the CPU;
  - load-acquire and fully ordered atomics are not reordered: the filter's
    loads follow mm_count's final decrement, and an idle CPU has no pending
    store, so every drop of a reference follows all its CPU did before;
  - switch_mm()'s test of its own bit reads a bit only its CPU sets.

Reductions (none loses a behaviour the checks can see)
------------------------------------------------------
settle() as engine 1 (the no-op IPI's acknowledgement, a release, waits for
its target's pending stores).  An instruction with no shared access (a bit
already set, a record already equal) runs on into the next one.  The start
of a switch (active_mm := next) and its first write are one step, except in
filter-curr-active-mm, the only filter that reads another CPU's active_mm;
so are exec's start and first write while interrupts are off.  The record's
store-release and the end of the switch or IPI are one step (engine 1's
SW_REC).  check_and_switch_context() and efi_set_pgd() are one step each
(no ASID state).

Abstracted away
---------------
As engine 1, and: the ASID allocator (the filters compare mm pointers, and
the allocator's steps touch none of the record, the mask or TTBR0 beyond
the TTBR0 write), SW PAN (with it cpu_uninstall_idmap() leaves TTBR0
reserved: the safer case), kthread_use_mm() (a switch to a pinned mm, as
run V), CnP.

Bounds
------
3 CPUs (--cpus); mm slots init_mm, efi_mm (never freed), M and one fork slot
F1 that fork and exec take when it is free (so a freed mm's slot is reused);
the idmap is a TTBR0 value only.  Budget: 3 operations per CPU (--budget
3), the default and `make model`; scripts/model.sh --smoke: 2 per CPU.
Initial state: CPU0 runs a task of M (mm_cpumask(M) = {0}, record M), CPU1
and CPU2 run kernel threads on init_mm, all online.  Measured here
(2026-12-07, 2 shared cores): at 3,3,3 design mask 6404402 states in 2 to
3 minutes (1.2 GB), mm 1427188 in under a minute; at 2,2,2 mask 403761
and mm 113431 states, seconds each.  A mutant stops at its first expected
violation (--full explores on).  Not in make model: 4 CPUs, --cpus 4
--budget 2,2,1,1, design mask: no violation in 2548580 states (a minute,
0.5 GB).
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




# ====================================================================
# Engine 2: the mm designs (mm, mask) and their mutants, no ASID state.
# ====================================================================

IDMAP = NSLOT           # a TTBR0 value only: the identity map, never freed
TNAME = MMNAME + ('idmap',)
USLOTS = (M, F1)      # N and F2 are the ASID engine's only

# State: per mm slot (life, mm_cpumask word), then per CPU VNF fields.
V_CPU = 2 * NSLOT
(V_KIND, V_ACT, V_TTBR, V_REC, V_PC, V_TGT, V_AUX, V_WORD, V_PEND, V_DIDX,
 V_IRQ, V_IRQS, V_BUD, V_PREVU, V_ONL, V_PB, V_PR, V_DEF, V_SENT,
 V_OFF, V_DMM, V_ELIG) = range(22)
VNF = 22
# V_PC, V_IRQ: index into the model's code (V_IRQ: the shootdown IPI handler
#       in progress, 0 if none; V_IRQS its sender).
# V_TGT: the mm the switch in progress installs.  V_AUX: exec's old
#       active_mm.  V_WORD: the mask word read by a non-atomic bit set.
# V_PEND: CPUs this CPU's __mmdrop() queued an IPI to, not acknowledged.
# V_PB, V_PR: this CPU's pending (not yet visible) mask bit set (the
#       mm + 1) and record store (value + 1).
# V_DEF: CPUs whose record load (a plain load, in a mutant) is not yet
#       satisfied; V_SENT: this __mmdrop() queued an IPI; V_OFF: after the
#       free with loads outstanding, first offender + 1.
# V_DMM: the mm this CPU's __mmdrop() frees; V_ELIG: the CPUs it asks:
#       mm_cpumask(mm) & cpu_online_mask read after mm_count reached zero
#       (the mm design: cpu_online_mask).
# V_PREVU: as PREVU above: the mm a task being switched out (or an exec'ing
#       task's old mm) still uses; that mm's last user cannot exit elsewhere.

# Points where a CPU is not inside a switch, exec or IPI window.
STABLE_OPS = frozenset(['idle', 'fw', 'offl', 'mdcond', 'mdlocal', 'mdfree',
                        'mdpost'])

V2_DESIGNS = {
    'mm': dict(mask=False, expect=()),
    'mask': dict(mask=True, expect=()),
    'mm-record-early': dict(mask=False, mutant='record-early',
                            expect=('free',)),
}

# name -> (what it changes, expected class, or the reason it is equivalent)
MUTANTS = {
    'record-early': ('the record written before the TTBR0 write '
                     '(= design mm-record-early)', 'free'),
    'idle-clears-record': ('enter_lazy_tlb() writes record := init_mm',
                           'free'),
    'filter-curr-active-mm': ('the filter reads cpu_curr(cpu)->active_mm, '
                              'not the record', 'free'),
    'filter-kthreads-only': ('the filter asks only CPUs running a task '
                             'without an mm', 'free'),
    'no-local-call': ('on_each_cpu_cond_mask() without the local call '
                      '(SCF_RUN_LOCAL dropped)', 'free'),
    'wait-0': ('on_each_cpu_cond_mask(..., wait=0)', 'free'),
    'ack-before-switch': ('the IPI is acknowledged before '
                          'do_shoot_lazy_tlb() switches', 'free'),
    'patch6-reverted': ('efi_virtmap_load() from a kernel thread without '
                        'shoot_lazy_tlb_self()', 'efi-ipi'),
    'efi-writes-record': ('efi_set_pgd() writes the record (efi_mm, then '
                          'active_mm) instead of shoot_lazy_tlb_self()',
                          'free'),
    'cond-first-holder': ('the cond loop stops at the first CPU that holds '
                          'the mm', 'free'),
    'local-short-circuit': ('the freeing CPU never asks itself (its bit '
                            'cleared from the mask)', 'free'),
    'exec-irqs-on': ('irqs_off_activate_mm off: exec_mmap() enables '
                     'interrupts before activate_mm()', 'free'),
    'release-weakened': (
        'the record store is WRITE_ONCE, not smp_store_release',
        'equivalent: on arm64 the ISB after the TTBR0 write (an asm with a '
        'memory clobber) orders the write before any later store, for the '
        'compiler and the CPU; a record that becomes visible late only '
        'costs an IPI'),
    'acquire-weakened': ('the filter reads the record with READ_ONCE, not '
                         'smp_load_acquire', 'free'),
    'mask-bit-after-ttbr': (
        'the mask bit set after the TTBR0 write (still inside switch_mm)',
        'equivalent: switch_mm() only switches to an mm its next task pins, '
        'with interrupts off, and the bit is visible by the rq unlock '
        '(release) that every later drop of that pin is ordered after'),
    'mask-bit-lazy': ('the mask bit set only in enter_lazy_tlb() (a task '
                      'that exits where it ran leaves it clear)', 'free'),
    'mask-bit-nonatomic': ('the mask bit set by a plain read-modify-write '
                           'of the mask word', 'free'),
    'offline-keeps-mm': ('a CPU goes offline without '
                         'sched_force_init_mm() (on its lazy mm)', 'free'),
    'record-always': (
        'the record written on every switch_mm(), not only when it changes',
        'equivalent: the store it adds writes the value the record already '
        'holds'),
}
MUTANT_BASE = 'mask'


class MmModel:
    """The mm-record designs, with exec, hotplug, suspend and weak memory."""

    def __init__(self, design, budget, mutant=None, efi=True,
                 irqs_off_activate_mm=True):
        p = V2_DESIGNS[design]
        mut = mutant or p.get('mutant')
        self.design = design
        self.mutant = mut
        self.mask = p['mask']
        self.budget = budget
        self.efi = efi
        self.irqs_off_activate_mm = irqs_off_activate_mm and \
            mut != 'exec-irqs-on'
        self.release = mut != 'release-weakened'
        self.acquire = mut != 'acquire-weakened'
        self.others = [[i for i in range(NCPU) if i != c] for c in range(NCPU)]
        # switch_mm(prev, next) for a user mm next, and switch_mm(, init_mm)
        if mut == 'record-early':
            seq_u = [('bit',), ('rec',), ('ttbr',)]
            seq_i = [('rec',), ('ttbr',)]
        elif mut == 'mask-bit-after-ttbr':
            seq_u = [('ttbr',), ('bit',), ('rec',)]
            seq_i = [('ttbr',), ('rec',)]
        else:
            seq_u = [('bit',), ('ttbr',), ('rec',)]
            seq_i = [('ttbr',), ('rec',)]
        if not self.mask or mut == 'mask-bit-lazy':
            seq_u = [i for i in seq_u if i[0] != 'bit']
        if mut == 'mask-bit-nonatomic':
            k = seq_u.index(('bit',))
            seq_u[k:k + 1] = [('bitr',), ('bitw',)]
        code = [('idle', True)]
        self.lab = {}

        def prog(name, instrs, irq=False):
            self.lab[name] = len(code)
            for ins in instrs:
                code.append((ins[0], irq or ins[0] in STABLE_OPS))
        prog('run', seq_u + [('swend',)])
        # prev == next: lazy_tlb_mark_cpu() and lazy_tlb_record_mm() run,
        # __switch_mm() does not
        prog('same', [i for i in seq_u if i[0] != 'ttbr'] + [('swend',)])
        prog('exec', seq_u + [('exend',)], irq=not self.irqs_off_activate_mm)
        prog('ss', seq_i)
        prog('efiload', [('efiload',), ('fw',)])
        prog('sfi', seq_i)
        prog('offl', [('offl',)])
        prog('sus', [('sus1',)])
        prog('md', [('mdcond',), ('mdlocal',)])
        prog('mdshoot', seq_i)
        prog('mdfree', [('mdfree',), ('mdpost',)])
        prog('ipi', seq_i + [('ipiend',)])
        prog('offline', [('offline',)])
        self.code = code
        names = dict(run='switch_mm', same='switch_mm', exec='exec_mmap',
                     ss='shoot_lazy_tlb_self', sfi='sched_force_init_mm',
                     sus='the resume', mdshoot='the local do_shoot_lazy_tlb',
                     ipi='the IPI', efiload='efi_virtmap_load')
        self.where = [''] * len(code)
        starts = sorted((v, k) for k, v in self.lab.items())
        for n, (pc0, k) in enumerate(starts):
            end = starts[n + 1][0] if n + 1 < len(starts) else len(code)
            for pc in range(pc0, end):
                self.where[pc] = names.get(k, k)
        self.stable = [op in STABLE_OPS for op, _ in code]
        self.irqon = [irq for _, irq in code]
        self.fw_pc = self.lab['efiload'] + 1
        self.off_pc = self.lab['offline']
        self.post_pc = self.lab['mdfree'] + 1

    # ---------------------------------------------------------------- state
    def initial(self):
        # the last byte marks a state reached by a violating free, which
        # may otherwise equal one a correct free reaches (after a free with
        # loads outstanding, the offender may have moved on)
        st = [0] * (V_CPU + NCPU * VNF + 1)
        for s in range(NSLOT):
            st[2 * s] = LIVE if s in (INIT, EFI, M, N) else FREE
        if self.mask:
            st[2 * M + 1] = 1           # CPU0 ran M
        for c in range(NCPU):
            b = V_CPU + c * VNF
            st[b + V_BUD] = self.budget[c]
            st[b + V_ONL] = 1
            if c == 0:
                st[b + V_KIND] = UTASK
                st[b + V_ACT] = st[b + V_TTBR] = st[b + V_REC] = M
        return bytes(st)

    def canon(self, st):
        return bytes(st)

    def describe(self, s):
        out = ['mms: ' + ', '.join(
            '%s %s%s' % (MMNAME[x], LIFE[s[2 * x]],
                         ', mm_cpumask %s' % self.fmask(s[2 * x + 1])
                         if self.mask else '')
            for x in USLOTS if s[2 * x] != FREE)]
        for c in range(NCPU):
            b = V_CPU + c * VNF
            pc = s[b + V_PC]
            out.append('CPU%d: %s%s, active_mm %s, TTBR0 %s, record %s%s' % (
                c, 'offline, ' if not s[b + V_ONL] else '',
                'user task' if s[b + V_KIND] else 'kernel thread',
                MMNAME[s[b + V_ACT]], TNAME[s[b + V_TTBR]],
                MMNAME[s[b + V_REC]],
                ', at %s' % self.code[pc][0] if pc else ''))
        return out

    @staticmethod
    def fmask(w):
        return '{%s}' % ','.join(str(i) for i in range(NCPU) if w >> i & 1)

    # ------------------------------------------------------- instructions
    def buf_empty(self, st, b):
        return not (st[b + V_PB] or st[b + V_PR])

    def exec_ins(self, st, c, pcf, L):
        """Run the instruction at st[pcf] on CPU c (pcf: V_PC, or V_IRQ for
        the IPI handler).  Returns a label, or None if it must wait.
        An instruction with no shared access runs on into the next one in
        the same step, and the record store into the end of the switch or
        of the IPI (as the old engine's SW_REC step)."""
        b = V_CPU + c * VNF
        labs = []
        done = 0
        while True:
            pc = st[b + pcf]
            op = self.code[pc][0]
            if done and cont == 'end' and op not in ('swend', 'ipiend'):
                break
            tgt = INIT if pcf == V_IRQ else st[b + V_TGT]
            r = self.ins(st, c, b, pcf, op, tgt, L)
            if r is None:
                break
            done += 1
            lab, cont = r
            if L and lab:
                labs.append(lab)
            if not cont:
                break
        if not done:
            return None
        return '; '.join(labs) if L else ''

    def ins(self, st, c, b, pcf, op, tgt, L):
        """One instruction: None if it must wait, else (label, run on?)."""
        nm = MMNAME[tgt]
        if op == 'bit':
            bit = 1 << c
            if st[2 * tgt + 1] & bit or st[b + V_PB] == tgt + 1:
                st[b + pcf] += 1
                return (L and 'switch_mm: CPU%d already in mm_cpumask(%s)'
                        % (c, nm)), 'noop'
            st[b + V_PB] = tgt + 1
            st[b + pcf] += 1
            return (L and 'switch_mm: lazy_tlb_mark_cpu(): cpumask_set_cpu('
                    'CPU%d, mm_cpumask(%s)) (relaxed atomic, pending)' % (
                        c, nm)), False
        if op == 'bitr':
            w = st[2 * tgt + 1]
            if w >> c & 1:
                st[b + pcf] += 2
                return (L and 'switch_mm: CPU%d already in mm_cpumask(%s)'
                        % (c, nm)), 'noop'
            st[b + V_WORD] = w
            st[b + pcf] += 1
            return (L and 'switch_mm: non-atomic bit set: reads '
                    'mm_cpumask(%s) = %s' % (nm, self.fmask(w))), False
        if op == 'bitw':
            w = st[b + V_WORD] | 1 << c
            st[2 * tgt + 1] = w
            st[b + V_WORD] = 0
            st[b + pcf] += 1
            return (L and 'switch_mm: non-atomic bit set: writes '
                    'mm_cpumask(%s) := %s' % (nm, self.fmask(w))), False
        if op == 'ttbr':
            st[b + pcf] += 1
            if tgt == INIT:
                what = 'TTBR0 := reserved (init_mm)'
            else:
                what = 'check_and_switch_context(%s): TTBR0 := %s + ISB' % (
                    nm, nm)
            # The ISB completes the write before any later instruction,
            # and isb() is an asm with a memory clobber: no later store,
            # plain or release, is performed before it.
            st[b + V_TTBR] = tgt
            return (L and 'switch_mm -> __switch_mm(): ' + what), False
        if op == 'rec':
            cur = st[b + V_PR] - 1 if st[b + V_PR] else st[b + V_REC]
            if cur == tgt and self.mutant != 'record-always':
                st[b + pcf] += 1
                return (L and 'switch_mm: lazy_tlb_record_mm(%s): record[%d] '
                        'already %s' % (nm, c, nm)), 'noop'
            if not self.release:
                st[b + V_PR] = tgt + 1
                st[b + pcf] += 1
                return (L and 'switch_mm: lazy_tlb_record_mm(%s): WRITE_ONCE '
                        'record[%d] := %s (pending)' % (nm, c, nm)), 'end'
            if not self.buf_empty(st, b):
                return None
            st[b + V_REC] = tgt
            st[b + pcf] += 1
            return (L and 'switch_mm: lazy_tlb_record_mm(%s): store-release '
                    'record[%d] := %s' % (nm, c, nm)), 'end'
        if op in ('swend', 'ipiend', 'exend', 'efiload', 'mdfree', 'offl',
                  'mdlocal'):
            return self.ins_end(st, c, b, pcf, op, L)
        return None     # 'fw', 'mdcond', 'mdpost', 'idle': separate steps

    def ins_end(self, st, c, b, pcf, op, L):
        if op in ('swend', 'ipiend', 'exend') and not self.buf_empty(st, b):
            return None                 # rq unlock / csd unlock: release
        if op == 'swend':
            st[b + V_PC] = IDLE
            st[b + V_TGT] = st[b + V_PREVU] = 0
            return (L and 'context switch done: finish_task_switch(), '
                    'interrupts on'), False
        if op == 'ipiend':
            y = st[b + V_IRQS]
            st[b + V_IRQ] = st[b + V_IRQS] = 0
            if self.mutant != 'ack-before-switch':
                st[V_CPU + y * VNF + V_PEND] &= ~(1 << c)
                return L and 'IPI done, CPU%d may go on' % y, False
            return L and 'IPI done', False
        if op == 'exend':
            return None                 # a step of its own (choices)
        if op == 'efiload':
            # efi_set_pgd(&efi_mm) -> __switch_mm(): no record write
            st[b + V_TTBR] = EFI
            lab = 'efi_set_pgd(&efi_mm) -> __switch_mm(): TTBR0 := efi_mm'
            if self.mutant == 'efi-writes-record':
                st[b + V_REC] = EFI
                lab += ', record := efi_mm'
            st[b + V_PC] = self.fw_pc
            st[b + V_TGT] = 0
            return (L and lab + '; the firmware runs, interrupts on '
                    '(arm-runtime.c efi_virtmap_load, efi.h efi_set_pgd)'), \
                False
        if op == 'offl':
            return None                 # a step of its own (a wait)
        if op == 'mdlocal':
            return None
        if op == 'mdfree':
            return None
        return None

    # ------------------------------------------------------------- filter
    def cond(self, st, i, v):
        """The cond of on_each_cpu_cond_mask() for CPU i, mm v."""
        ib = V_CPU + i * VNF
        if self.mutant == 'filter-curr-active-mm':
            return st[ib + V_ACT] == v
        hold = st[ib + V_REC] == v
        if self.mutant == 'filter-kthreads-only':
            hold = hold and st[ib + V_KIND] == KTHREAD
        return hold

    def md_start(self, st, c, v):
        """mm_count reached zero (fully ordered): __mmdrop(v) ->
        cleanup_lazy_tlbs() -> on_each_cpu_cond_mask() on CPU c."""
        b = V_CPU + c * VNF
        st[2 * v] = DROPPING
        elig = 0
        for i in range(NCPU):
            if st[V_CPU + i * VNF + V_ONL] and (
                    not self.mask or st[2 * v + 1] >> i & 1):
                elig |= 1 << i
        if self.mutant == 'local-short-circuit':
            elig &= ~(1 << c)
        st[b + V_DMM] = v
        st[b + V_ELIG] = elig
        st[b + V_DIDX] = 0
        st[b + V_PC] = self.lab['md']
        self.md_skip(st, c)
        return 'cleanup_lazy_tlbs(%s): on_each_cpu_cond_mask(' \
            'lazy_tlb_cpu_may_hold, do_shoot_lazy_tlb, %s, 1, ' \
            'arch_lazy_tlb_cpus(%s)): %s (fork.c cleanup_lazy_tlbs, ' \
            'smp.c smp_call_function_many_cond)' % (
                MMNAME[v], MMNAME[v], MMNAME[v],
                'mm_cpumask & online = %s' % self.fmask(elig)
                if self.mask else 'the online CPUs')

    def md_skip(self, st, c):
        """Advance the cond loop past the CPUs it does not ask."""
        b = V_CPU + c * VNF
        oth = self.others[c]
        while st[b + V_DIDX] < NCPU - 1 and \
                not st[b + V_ELIG] >> oth[st[b + V_DIDX]] & 1:
            st[b + V_DIDX] += 1
        if st[b + V_DIDX] == NCPU - 1:
            st[b + V_PC] = self.lab['md'] + 1           # mdlocal

    # ---------------------------------------------------------- successors
    def successors(self, s, L=False):
        out = []
        for c in range(NCPU):
            b = V_CPU + c * VNF
            # pending stores become visible
            for f in (V_PB, V_PR):
                if s[b + f]:
                    out.append(self.drain(s, c, f, L))
            if s[b + V_DEF]:
                for i in range(NCPU):
                    if s[b + V_DEF] >> i & 1:
                        r = self.resolve(s, c, i, L)
                        if r is not None:
                            out.append(r)
            if s[b + V_IRQ]:
                st = list(s)
                lab = self.exec_ins(st, c, V_IRQ, L)
                if lab is not None:
                    out.append((st, L and 'CPU%d: IPI: %s' % (c, lab), None))
                continue
            pc = s[b + V_PC]
            if pc == IDLE or pc == self.off_pc:
                if s[b + V_BUD]:
                    out.extend(self.starts(s, c, L))
            else:
                r = self.step(s, c, L)
                if r is not None:
                    out.extend(r)
            if self.irqon[pc] and s[b + V_ONL]:
                for y in self.others[c]:
                    if s[V_CPU + y * VNF + V_PEND] >> c & 1:
                        r = self.ipi_enter(s, c, y, L)
                        if r is not None:
                            out.append(r)
        return [self.settle(st, lab, cls, L) for st, lab, cls in out]

    def settle(self, st, lab, cls, L):
        """Take the IPIs that have nothing to do at once (see Model.settle);
        the acknowledgement is a release: the target's stores drain first."""
        if cls == 'free':
            return st, lab, cls
        for y in range(NCPU):
            yb = V_CPU + y * VNF
            pend = st[yb + V_PEND]
            if not pend:
                continue
            v = st[yb + V_DMM]
            for c in self.others[y]:
                b = V_CPU + c * VNF
                if pend >> c & 1 and not st[b + V_IRQ] and \
                        self.irqon[st[b + V_PC]] and st[b + V_ACT] != v and \
                        self.buf_empty(st, b):
                    st[yb + V_PEND] &= ~(1 << c)
                    if L:
                        lab += ' [CPU%d takes CPU%d\'s IPI: do_shoot_lazy_tlb' \
                            '(%s): active_mm is %s, nothing to do]' % (
                                c, y, MMNAME[v], MMNAME[st[b + V_ACT]])
        return st, lab, cls

    def drain(self, s, c, f, L):
        st = list(s)
        b = V_CPU + c * VNF
        x = st[b + f] - 1
        st[b + f] = 0
        if f == V_PB:
            st[2 * x + 1] |= 1 << c
            lab = 'its set_bit(CPU%d, mm_cpumask(%s)) becomes visible' % (
                c, MMNAME[x])
        else:
            st[b + V_REC] = x
            lab = 'its store record[%d] := %s becomes visible' % (c, MMNAME[x])
        return st, L and 'CPU%d: %s' % (c, lab), None

    def resolve(self, s, c, i, L):
        """A deferred plain load of record[i] in CPU c's filter."""
        st = list(s)
        b = V_CPU + c * VNF
        v = st[b + V_DMM]
        hold = self.cond(st, i, v)
        st[b + V_DEF] &= ~(1 << i)
        lab = 'CPU%d: cleanup_lazy_tlbs(%s): the READ_ONCE of record[%d] is ' \
            'satisfied now: %s' % (c, MMNAME[v], i, MMNAME[st[V_CPU + i * VNF +
                                                              V_REC]])
        if st[b + V_PC] == self.lab['mdfree'] + 1:      # after the free
            if hold:
                return None     # inconsistent: no IPI was sent
            return st, L and lab + ' -> false', None
        if hold:
            st[b + V_PEND] |= 1 << i
            st[b + V_SENT] = 1
            return st, L and lab + ' -> true: IPI queued', None
        return st, L and lab + ' -> false', None

    def ipi_enter(self, s, c, y, L):
        """CPU c takes CPU y's IPI: do_shoot_lazy_tlb() (fork.c:665)."""
        st = list(s)
        b = V_CPU + c * VNF
        yb = V_CPU + y * VNF
        v = st[yb + V_DMM]
        head = 'CPU%d: IPI from CPU%d: do_shoot_lazy_tlb(%s): ' % (
            c, y, MMNAME[v])
        if st[b + V_ACT] != v:
            if not self.buf_empty(st, b):
                return None
            st[yb + V_PEND] &= ~(1 << c)
            return st, L and head + 'active_mm is %s, nothing to do' % (
                MMNAME[st[b + V_ACT]]), None
        if st[b + V_KIND] == UTASK:
            raise ModelError('do_shoot_lazy_tlb() on a user task of the mm')
        cls = None
        if st[b + V_PC] == self.fw_pc:
            cls = 'efi-ipi'
        st[b + V_ACT] = INIT
        st[b + V_IRQ] = self.lab['ipi']
        st[b + V_IRQS] = y
        lab = head + 'active_mm := init_mm, switch_mm(%s, init_mm)' % MMNAME[v]
        if self.mutant == 'ack-before-switch':
            st[yb + V_PEND] &= ~(1 << c)
            return st, L and lab + '; acknowledged first', cls
        lab2 = self.exec_ins(st, c, V_IRQ, L)
        if cls and L:
            lab += ' -- VIOLATION (efi-ipi): the IPI switches TTBR0 under ' \
                'the firmware'
        return st, L and lab + ('; ' + lab2 if lab2 else ''), cls

    def last_user(self, s, c, v):
        """May the task on CPU c be the last user of v (exit_mm, mmput)?"""
        for i in self.others[c]:
            ib = V_CPU + i * VNF
            if s[ib + V_KIND] == UTASK and s[ib + V_ACT] == v or \
                    s[ib + V_PREVU] == v:
                return False
        return True

    def drops(self, s, c, v, what, L):
        """The last user of v is gone on CPU c: __mmdrop() here, or the
        last mm_count is held elsewhere (dropped later by 'mmdrop')."""
        res = []
        st = list(s)
        lab = self.md_start(st, c, v)
        res.append((st, L and what + '; mmput() drops the last reference: ' +
                    lab, None))
        st = list(s)
        st[2 * v] = ORPHAN
        res.append((st, L and what + '; mmput(): mm_users 0, the last '
                    'mm_count is dropped later', None))
        return res

    def starts(self, s, c, L):
        """The operations idle CPU c may start."""
        b = V_CPU + c * VNF
        res = []
        P = 'CPU%d: ' % c
        if not s[b + V_ONL]:
            # secondary_start_kernel(): active_mm = &init_mm,
            # cpu_uninstall_idmap(): TTBR0 := reserved (active_mm is init_mm)
            st = list(s)
            st[b + V_BUD] -= 1
            st[b + V_ONL] = 1
            st[b + V_PC] = IDLE
            st[b + V_KIND] = KTHREAD
            st[b + V_ACT] = INIT
            st[b + V_TTBR] = INIT
            res.append((st, L and P + 'comes online: secondary_start_kernel()'
                        ': active_mm = init_mm, cpu_uninstall_idmap(): TTBR0 '
                        ':= reserved (smp.c secondary_start_kernel, '
                        'mmu_context.h cpu_uninstall_idmap)', None))
            return res
        kind, act = s[b + V_KIND], s[b + V_ACT]
        free = [v for v in USLOTS if s[2 * v] == FREE]
        for v in USLOTS:
            if s[2 * v] == LIVE and not (kind == UTASK and act == v):
                res.append(self.start_switch(s, c, v, False, L))
        if free:
            res.append(self.start_switch(s, c, free[0], True, L))
            res.append(self.start_exec(s, c, free[0], L))
        if kind == UTASK:
            st = list(s)
            st[b + V_BUD] -= 1
            st[b + V_KIND] = KTHREAD
            lab = P + 'context_switch() to a kernel thread: enter_lazy_tlb(' \
                '), it borrows active_mm %s (core.c:5519-5529)' % MMNAME[act]
            if self.mutant == 'idle-clears-record':
                st[b + V_REC] = INIT
                lab += '; record := init_mm'
            if self.mutant == 'mask-bit-lazy':
                st[2 * act + 1] |= 1 << c
                lab += '; set_bit(CPU%d, mm_cpumask(%s))' % (c, MMNAME[act])
            res.append((st, L and lab, None))
            if self.last_user(s, c, act):
                st = list(s)
                st[b + V_BUD] -= 1
                st[b + V_KIND] = KTHREAD
                res.extend(self.drops(
                    st, c, act, L and P + 'exit_mm(): the last task of %s '
                    'exits, current->mm = NULL, active_mm stays %s '
                    '(exit.c:588-596)' % (MMNAME[act], MMNAME[act]), L))
            if self.efi:
                st = list(s)
                st[b + V_BUD] -= 1
                st[b + V_PC] = self.lab['efiload']
                lab = self.exec_ins(st, c, V_PC, L)
                res.append((st, L and P + 'efi_virtmap_load() from a user '
                            'task on its own mm: ' + lab, None))
        else:
            if self.efi:
                res.append(self.start_kthread_efi(s, c, L))
            # cpu_suspend() from the idle task, interrupts off
            st = list(s)
            st[b + V_BUD] -= 1
            st[b + V_TTBR] = IDMAP
            st[b + V_PC] = self.lab['sus']
            res.append((st, L and P + 'suspend (idle, interrupts off): '
                        'resumes on the idmap: TTBR0 := idmap '
                        '(suspend.c cpu_suspend)', None))
            # hotplug: the dying CPU's idle task, sched_force_init_mm()
            st = list(s)
            st[b + V_BUD] -= 1
            lab = P + 'goes offline: sched_force_init_mm() (core.c)'
            if self.mutant == 'offline-keeps-mm':
                st[b + V_PC] = self.lab['offl']
                lab = P + 'goes offline without sched_force_init_mm(), ' \
                    'on active_mm %s' % MMNAME[act]
            elif act != INIT:
                st[b + V_ACT] = INIT
                st[b + V_TGT] = INIT
                st[b + V_PC] = self.lab['sfi']
                lab += ': active_mm := init_mm, switch_mm_irqs_off(%s, ' \
                    'init_mm); ' % MMNAME[act] + self.exec_ins(st, c, V_PC, L)
            else:
                st[b + V_PC] = self.lab['offl']
                lab += ': active_mm is init_mm already'
            res.append((st, L and lab, None))
        for v in USLOTS:
            if s[2 * v] == ORPHAN:
                st = list(s)
                st[b + V_BUD] -= 1
                lab = self.md_start(st, c, v)
                res.append((st, L and P + 'mmdrop(%s) drops the last mm_count'
                            ': ' % MMNAME[v] + lab, None))
        return res

    def start_switch(self, s, c, v, fork, L):
        """context_switch() to a user task of v: switch_mm_irqs_off()."""
        st = list(s)
        b = V_CPU + c * VNF
        st[b + V_BUD] -= 1
        pre = ''
        if fork:
            st[2 * v] = LIVE
            st[2 * v + 1] = 0
            pre = 'fork: new mm %s (empty mm_cpumask), ' % MMNAME[v]
        prev = st[b + V_ACT]
        if st[b + V_KIND] == UTASK and prev != v:
            st[b + V_PREVU] = prev
        st[b + V_KIND] = UTASK
        st[b + V_ACT] = v
        head = 'CPU%d: %scontext_switch() to a task of %s (interrupts off), ' \
            'switch_mm(%s, %s) (core.c:5530-5551)' % (
                c, pre, MMNAME[v], MMNAME[prev], MMNAME[v])
        st[b + V_TGT] = v
        st[b + V_PC] = self.lab['run']
        if prev == v:
            st[b + V_PREVU] = 0
            st[b + V_PC] = self.lab['same']
            head += ': prev == next, no __switch_mm()'
        if self.mutant == 'filter-curr-active-mm':
            return st, L and head, None
        # Only that mutant's filter reads another CPU's active_mm: the
        # start and the first write are one step.
        lab = self.exec_ins(st, c, V_PC, L)
        return st, L and head + '; ' + lab, None

    def start_exec(self, s, c, v, L):
        """exec_mmap() (fs/exec.c) to a new mm v, up to activate_mm()."""
        st = list(s)
        b = V_CPU + c * VNF
        st[b + V_BUD] -= 1
        st[2 * v] = LIVE
        st[2 * v + 1] = 0
        old = st[b + V_ACT]
        user = st[b + V_KIND] == UTASK
        st[b + V_AUX] = old
        st[b + V_AUX] |= 0x80 if user else 0
        if user:
            st[b + V_PREVU] = old       # the old mm is held until mmput()
        st[b + V_KIND] = UTASK
        st[b + V_ACT] = v
        st[b + V_TGT] = v
        st[b + V_PC] = self.lab['exec']
        lab = 'CPU%d: exec_mmap() from a %s on %s: new mm %s; task_lock, ' \
            'local_irq_disable, active_mm := %s, mm := %s; %sactivate_mm(%s, ' \
            '%s) (fs/exec.c exec_mmap)' % (
                c, 'user task' if user else 'kernel thread', MMNAME[old],
                MMNAME[v], MMNAME[v], MMNAME[v],
                '' if self.irqs_off_activate_mm else 'local_irq_enable() ('
                'irqs_off_activate_mm off); ', MMNAME[old], MMNAME[v])
        if self.irqs_off_activate_mm and self.mutant != \
                'filter-curr-active-mm':
            # interrupts off: the start and the first write are one step
            lab += ': ' + self.exec_ins(st, c, V_PC, L)
        return st, L and lab, None

    def start_kthread_efi(self, s, c, L):
        st = list(s)
        b = V_CPU + c * VNF
        st[b + V_BUD] -= 1
        act = st[b + V_ACT]
        head = 'CPU%d: efi_virtmap_load() from a kernel thread on %s: ' % (
            c, MMNAME[act])
        if self.mutant in ('patch6-reverted', 'efi-writes-record') or \
                act == INIT:
            st[b + V_PC] = self.lab['efiload']
            if act == INIT:
                head += 'shoot_lazy_tlb_self(): on init_mm already; '
        else:
            st[b + V_ACT] = INIT
            st[b + V_TGT] = INIT
            st[b + V_PC] = self.lab['ss']
            head += 'shoot_lazy_tlb_self() (fork.c:729-737): interrupts ' \
                'off, active_mm := init_mm, switch_mm(%s, init_mm); ' % (
                    MMNAME[act])
        lab = self.exec_ins(st, c, V_PC, L)
        return st, L and head + lab, None

    def step(self, s, c, L):
        """The next step(s) of CPU c's operation."""
        b = V_CPU + c * VNF
        pc = s[b + V_PC]
        op = self.code[pc][0]
        st = list(s)
        P = 'CPU%d: ' % c
        if op == 'fw':
            # efi_virtmap_unload(): efi_set_pgd(current->active_mm)
            act = st[b + V_ACT]
            st[b + V_TTBR] = act
            lab = 'efi_virtmap_unload(): efi_set_pgd(%s) -> __switch_mm(): ' \
                'TTBR0 := %s' % (MMNAME[act], MMNAME[act])
            if self.mutant == 'efi-writes-record':
                st[b + V_REC] = act
                lab += ', record := %s' % MMNAME[act]
            st[b + V_PC] = IDLE
            return [(st, L and P + lab, None)]
        if op == 'sus1':
            act = st[b + V_ACT]
            st[b + V_TTBR] = act
            st[b + V_PC] = IDLE
            return [(st, L and P + 'resume: cpu_uninstall_idmap(): TTBR0 := '
                     'reserved%s; interrupts on' % (
                         ', then cpu_switch_mm(active_mm): TTBR0 := %s (no '
                         'record write)' % MMNAME[act] if act != INIT else ''),
                     None)]
        if op == 'offl':
            # takedown_cpu() runs under stop_machine(): not while a CPU is
            # inside smp_call_function_many_cond() (preemption off), and
            # after full barriers of this CPU (locks, stop_machine())
            if not self.buf_empty(st, b):
                return None
            for i in range(NCPU):
                ib = V_CPU + i * VNF
                if self.code[s[ib + V_PC]][0] in ('mdcond', 'mdlocal') or \
                        s[ib + V_PEND] >> c & 1:
                    return None
            st[b + V_ONL] = 0
            st[b + V_PC] = self.lab['offline']
            st[b + V_TGT] = 0
            return [(st, L and P + 'leaves cpu_online_mask (takedown_cpu)',
                     None)]
        if op == 'offline':
            return None
        if op == 'exend':
            if not self.buf_empty(st, b):
                return None
            aux = st[b + V_AUX]
            st[b + V_AUX] = 0
            st[b + V_PC] = IDLE
            st[b + V_TGT] = st[b + V_PREVU] = 0
            lab = P + 'exec_mmap(): local_irq_enable(), task_unlock(); '
            if not aux & 0x80:
                return [(st, L and lab + 'the kernel thread\'s lazy %s is '
                         'dropped (nothing held in SHOOTDOWN mode)' % (
                             MMNAME[aux]), None)]
            old = aux & 0x7f
            res = [(st, L and lab + 'mmput(%s): other users remain' %
                    MMNAME[old], None)]
            if self.last_user(st, c, old):
                res.extend(self.drops(st, c, old, L and lab + 'mmput(%s) '
                                      'drops the last user' % MMNAME[old], L))
            return res
        if op == 'mdcond':
            return self.md_cond(s, c, L)
        if op == 'mdlocal':
            return [self.md_local(st, c, L)]
        if op == 'mdfree':
            return self.md_free(st, c, L)
        if op == 'mdpost':
            if st[b + V_DEF]:
                return None
            return [self.md_post(st, c, L)]
        lab = self.exec_ins(st, c, V_PC, L)
        if lab is None:
            return None
        return [(st, L and P + lab, None)]

    def md_cond(self, s, c, L):
        b = V_CPU + c * VNF
        v = s[b + V_DMM]
        i = self.others[c][s[b + V_DIDX]]
        res = []
        for defer in ((False, True) if not self.acquire else (False,)):
            st = list(s)
            lab = 'CPU%d: cleanup_lazy_tlbs(%s): cond(CPU%d): ' % (
                c, MMNAME[v], i)
            hold = False
            if defer:
                st[b + V_DEF] |= 1 << i
                lab += 'the READ_ONCE of record[%d] is not satisfied yet' % i
            else:
                hold = self.cond(st, i, v)
                ib = V_CPU + i * VNF
                if self.mutant == 'filter-curr-active-mm':
                    lab += 'cpu_curr(%d)->active_mm = %s' % (
                        i, MMNAME[st[ib + V_ACT]])
                else:
                    lab += '%s record[%d] = %s' % (
                        'smp_load_acquire' if self.acquire else 'READ_ONCE',
                        i, MMNAME[st[ib + V_REC]])
                    if self.mutant == 'filter-kthreads-only':
                        lab += ', a %s' % ('kernel thread' if st[
                            ib + V_KIND] == KTHREAD else 'user task')
                lab += ' -> %s' % ('true: IPI queued' if hold else 'false')
            if hold:
                st[b + V_PEND] |= 1 << i
                st[b + V_SENT] = 1
            st[b + V_DIDX] += 1
            if hold and self.mutant == 'cond-first-holder':
                st[b + V_DIDX] = NCPU - 1
            self.md_skip(st, c)
            res.append((st, L and lab + ' (smp.c smp_call_function_many_cond)',
                        None))
        return res

    def md_local(self, st, c, L):
        b = V_CPU + c * VNF
        v = st[b + V_DMM]
        lab = 'CPU%d: cleanup_lazy_tlbs(%s): local: ' % (c, MMNAME[v])
        st[b + V_PC] = self.lab['mdfree']
        if not st[b + V_ELIG] >> c & 1:
            return st, L and lab + 'CPU%d not asked' % c, None
        hold = self.cond(st, c, v)
        lab += 'cond(CPU%d): record = %s -> %s' % (
            c, MMNAME[st[b + V_REC]], hold)
        if not hold:
            return st, L and lab, None
        if self.mutant == 'no-local-call':
            return st, L and lab + ', but no local call', None
        if st[b + V_ACT] != v:
            return st, L and lab + '; do_shoot_lazy_tlb(): active_mm is ' \
                '%s, nothing to do' % MMNAME[st[b + V_ACT]], None
        st[b + V_ACT] = INIT
        st[b + V_TGT] = INIT
        st[b + V_PC] = self.lab['mdshoot']
        lab2 = self.exec_ins(st, c, V_PC, L)
        return st, L and lab + '; do_shoot_lazy_tlb() here, interrupts ' \
            'off: active_mm := init_mm, switch_mm(%s, init_mm); ' % (
                MMNAME[v]) + lab2, None

    def md_free(self, st, c, L):
        b = V_CPU + c * VNF
        v = st[b + V_DMM]
        wait = self.mutant != 'wait-0'
        if wait and st[b + V_PEND]:
            return None                 # csd_lock_wait()
        if st[b + V_DEF] and st[b + V_SENT] and wait:
            return None                 # the wait orders the loads
        offenders = [i for i in range(NCPU)
                     if st[V_CPU + i * VNF + V_TTBR] == v or
                     st[V_CPU + i * VNF + V_ACT] == v]
        lab = 'CPU%d: __mmdrop(%s): %s; mm_free_pgd(%s) (fork.c:821)' % (
            c, MMNAME[v], 'IPIs done' if wait else 'no wait', MMNAME[v])
        st[b + V_PEND] = 0              # wait=0: the IPIs find nothing
        st[b + V_SENT] = 0
        if st[b + V_DEF]:
            st[b + V_OFF] = offenders[0] + 1 if offenders else 0
            st[b + V_PC] = self.lab['mdfree'] + 1
            return [(st, L and lab + ' (record loads still outstanding)',
                     None)]
        return [self.freed(st, c, offenders, lab, L)]

    def md_post(self, st, c, L):
        b = V_CPU + c * VNF
        off = st[b + V_OFF]
        st[b + V_OFF] = 0
        offenders = [off - 1] if off else []
        return self.freed(st, c, offenders, 'CPU%d: all loads satisfied' % c,
                          L, post=True)

    def freed(self, st, c, offenders, lab, L, post=False):
        b = V_CPU + c * VNF
        v = st[b + V_DMM]
        st[2 * v] = FREE
        st[2 * v + 1] = 0
        st[b + V_PC] = IDLE
        st[b + V_DMM] = st[b + V_ELIG] = st[b + V_DIDX] = 0
        if not offenders:
            return st, L and lab, None
        st[-1] = 1
        if L and post:
            lab += ', all false: the execution is consistent -- VIOLATION ' \
                '(free): at mm_free_pgd(%s) CPU%d named it (TTBR0 or ' \
                'active_mm)' % (MMNAME[v], offenders[0])
        elif L:
            parts = []
            for j in offenders:
                jb = V_CPU + j * VNF
                pc = st[jb + V_PC]
                where = ''
                if not st[jb + V_ONL]:
                    where = ' (offline)'
                elif st[jb + V_IRQ]:
                    where = ' (inside an IPI)'
                elif not self.stable[pc]:
                    where = ' (inside %s)' % self.where[pc]
                parts.append('CPU%d has TTBR0 %s, active_mm %s%s, record %s'
                             % (j, TNAME[st[jb + V_TTBR]],
                                MMNAME[st[jb + V_ACT]], where,
                                MMNAME[st[jb + V_REC]]))
            lab += ' -- VIOLATION (free): ' + '; '.join(parts)
        return st, lab, 'free'

    # --------------------------------------------------------- invariants
    def invariants(self, s):
        """State invariants (a) record, (b) ttbr, (d) mask: the names of
        those that fail in s."""
        bad = []
        for c in range(NCPU):
            b = V_CPU + c * VNF
            if s[b + V_IRQ] or not self.stable[s[b + V_PC]] or \
                    not s[b + V_ONL]:
                continue
            act, tt = s[b + V_ACT], s[b + V_TTBR]
            # the CPU's own view: its pending store, if it has one
            rec = s[b + V_PR] - 1 if s[b + V_PR] else s[b + V_REC]
            if rec != act and 'record' not in bad:
                bad.append('record')
            # efi_mm only while the firmware runs; the idmap never here
            # (resume runs with interrupts off, not a state checked)
            fw = s[b + V_PC] == self.fw_pc
            if tt not in (act, INIT) and not (fw and tt == EFI) and \
                    'ttbr' not in bad:
                bad.append('ttbr')
            if self.mask and 'mask' not in bad:
                # what the CPU can reach; a stale record only costs an IPI
                for x in (act, tt):
                    if x in USLOTS and not s[2 * x + 1] >> c & 1:
                        bad.append('mask')
                        break
        return bad

    def quiescent(self, s):
        for c in range(NCPU):
            b = V_CPU + c * VNF
            if s[b + V_PC] == self.post_pc and s[b + V_DEF]:
                return True     # an inconsistent execution: pruned
            if s[b + V_PC] not in (IDLE, self.lab['offline']) or \
                    s[b + V_IRQ] or s[b + V_PEND] or \
                    not self.buf_empty(s, b):
                return False
        return True


INV_TEXT = {
    'free': 'at mm_free_pgd() a CPU\'s TTBR0 or active_mm names the mm',
    'efi-ipi': '(c) a shootdown IPI switches TTBR0 under the firmware',
    'record': '(a) record != active_mm on a CPU outside a window',
    'ttbr': '(b) TTBR0 is not active_mm or reserved (or efi_mm in the firmware)',
    'mask': '(d) a CPU naming a user mm is not in its mm_cpumask',
}


def coverage2(model, parent):
    n = dict(freed=0, shot=0, ipi_window=0, offline=0, suspended=0,
             exec_drop=0, fw_drop=0, pending=0)
    lab = model.lab
    ex = set(range(lab['exec'], lab['ss']))
    md = set(range(lab['md'], lab['ipi']))
    for s in parent:
        if any(s[2 * x] == FREE for x in USLOTS):
            n['freed'] += 1
        cpus = [s[V_CPU + c * VNF:V_CPU + (c + 1) * VNF] for c in range(NCPU)]
        pcs = [cb[V_PC] for cb in cpus]
        if any(cb[V_IRQ] for cb in cpus):
            n['shot'] += 1
        if any(cb[V_PEND] >> c & 1 and (not model.stable[pcs[c]])
               for cb in cpus for c in range(NCPU)):
            n['ipi_window'] += 1
        if any(not cb[V_ONL] for cb in cpus):
            n['offline'] += 1
        if any(cb[V_TTBR] == IDMAP for cb in cpus):
            n['suspended'] += 1
        inmd = any(p in md for p in pcs)
        if inmd and any(p in ex for p in pcs):
            n['exec_drop'] += 1
        if inmd and model.fw_pc in pcs:
            n['fw_drop'] += 1
        if any(cb[V_PB] or cb[V_PR] for cb in cpus):
            n['pending'] += 1
    return ('%(freed)d with M or F1 freed, %(shot)d inside a '
            'do_shoot_lazy_tlb() IPI, %(ipi_window)d with an IPI waiting for '
            'a CPU inside a window, %(offline)d with a CPU offline, '
            '%(suspended)d with a CPU on the idmap, %(exec_drop)d with exec '
            'on one CPU and __mmdrop() on another, %(fw_drop)d with the '
            'firmware on one CPU and __mmdrop() on another, %(pending)d with '
            'a store not yet visible' % n)


def explore(model, max_states, progress=False, stop=()):
    """Breadth-first search of the bounded state space.  A violating
    transition at mm_free_pgd() ends its path (the pgd is gone); the state
    invariants and (c) are recorded and the search goes on through them.
    With stop, the search ends as soon as all those classes are found
    (('any',): any class), breadth-first: their traces are shortest ones."""
    init = model.initial()
    parent = {init: None}
    queue = deque([init])
    first = {}          # violation class -> first (shortest) violating state
    nviol = 0
    pop = queue.popleft
    succ = model.successors
    canon = model.canon
    inv = getattr(model, 'invariants', None)
    stopped = False
    for k in inv(init) if inv else ():
        first.setdefault(k, init)
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
                if cls != 'efi-ipi':
                    continue    # the pgd is gone: stop there
            if inv:
                for k in inv(ns):
                    if k not in first:
                        first[k] = ns
            queue.append(ns)
        if len(parent) > max_states:
            raise ModelError('more than %d states: lower --budget' % max_states)
        if progress and len(parent) % 500000 < len(nxt):
            print('  ... %d states' % len(parent), file=sys.stderr)
        if stop and (all(k in first for k in stop) if stop != ('any',)
                     else first):
            stopped = True
            break
    return parent, first, nviol, stopped


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


def print_trace(model, parent, end, out):
    head, steps = trace(model, parent, end)
    out('    initial state:')
    for line in head:
        out('      ' + line)
    for n, lab in enumerate(steps, 1):
        out('    %2d. %s' % (n, lab))
    return len(steps)


def run(design, args, out):
    """The ASID engine (designs asid, whole-ctxid)."""
    budget = args.budget or [2, 1, 2]
    model = Model(design, budget, efi=not args.no_efi,
                  kthread_efi=not args.no_kthread_efi)
    t0 = time.monotonic()
    p = DESIGNS[design]
    stop = ()
    if args.stop:
        stop = tuple(c for c in p['expect'] if model.efi or c != 'efi')
    parent, first, nviol, stopped = explore(model, args.max_states,
                                            args.progress, stop)
    dt = time.monotonic() - t0
    out('design %s: %d states explored in %.1f s (%d CPUs, ASID numbers 1-%d, '
        'budget %s operations per CPU%s)' % (
            design, len(parent), dt, NCPU, NUM_USER_ASIDS - 1,
            ','.join(map(str, budget)),
            '' if model.efi else ', no EFI') +
        ('; stopped when the expected violations were found' if stopped
         else ''))
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
    if args.coverage and not stopped:
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


CLASS_ORDER = ('free', 'efi-ipi', 'record', 'ttbr', 'mask')


def run2(kind, name, args, out):
    """The mm engine: kind 'design' (mm, mask, mm-record-early) or
    'mutant' (a mutant of the mask design)."""
    budget = args.budget or [3] * NCPU
    if kind == 'design':
        model = MmModel(name, budget, efi=not args.no_efi,
                        irqs_off_activate_mm=args.irqs_off_activate_mm)
        exp = V2_DESIGNS[name]['expect']
        equiv = None
    else:
        model = MmModel(MUTANT_BASE, budget, mutant=name,
                        efi=not args.no_efi,
                        irqs_off_activate_mm=args.irqs_off_activate_mm)
        e = MUTANTS[name][1]
        equiv = e if e.startswith('equivalent') else None
        exp = () if equiv else (e,)
    t0 = time.monotonic()
    parent, first, nviol, stopped = explore(
        model, args.max_states, args.progress,
        stop=exp if not args.full else ())
    dt = time.monotonic() - t0
    bounds = '%d CPUs, budget %s%s%s' % (
        NCPU, ','.join(map(str, budget)), '' if model.efi else ', no EFI',
        '' if model.irqs_off_activate_mm else ', irqs_off_activate_mm off')
    P = '%s %s' % (kind, name)
    out('%s: %d states explored in %.1f s (%s; %s)' % (
        P, len(parent), dt, bounds,
        'stopped at the first %s violation' % exp[0] if stopped else
        'the whole bounded space'))
    for cls in sorted(first, key=CLASS_ORDER.index):
        out('%s: violation %s: shortest trace %d steps: %s' % (
            P, cls, len(trace(model, parent, first[cls])[1]),
            INV_TEXT[cls]))
        if args.trace and (cls in exp or not exp):
            print_trace(model, parent, first[cls], out)
    if args.coverage and not stopped:
        out('%s: coverage: %s' % (P, coverage2(model, parent)))
    if not first:
        out('%s: no violation in %d states (%s)' % (P, len(parent), bounds))
    if equiv:
        ok = not first
        out('%s: %s' % (P, ('equivalent, checked: %s' % equiv[len(
            'equivalent: '):]) if ok else 'NOT equivalent: the model found '
            'a trace (above)'))
    elif exp:
        ok = all(c in first for c in exp)
        if ok:
            out('%s: caught (%s), shortest trace %d steps' % (
                P, exp[0], len(trace(model, parent, first[exp[0]])[1])))
        else:
            out('%s: NOT caught' % P)
    else:
        ok = not first
    out('%s: %s, expected %s: %s' % (
        P, 'unsafe' if first else 'safe',
        'safe' if not exp else 'unsafe (%s)' % ', '.join(exp),
        'PASS' if ok else 'FAIL'))
    return ok


def main():
    global NCPU
    ap = argparse.ArgumentParser(
        description=__doc__[:__doc__.index('Engine 1 (ASID')].rstrip(),
        epilog='Without --design or --mutant, every design is checked '
        'against its expected verdict; the exit status is 1 if one differs, '
        '2 on an error in the model. What is modelled, abstracted away and '
        'bounded: the docstring at the top of this file.',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--design', choices=sorted(DESIGNS) + sorted(V2_DESIGNS)
                    + ['all'], help='the design to check (default: all)')
    ap.add_argument('--mutant', choices=sorted(MUTANTS) + ['all'],
                    help='check a mutant of the %s design' % MUTANT_BASE)
    ap.add_argument('--list-mutants', action='store_true',
                    help='name, expected result and change of each mutant')
    ap.add_argument('--trace', action='store_true',
                    help='print the shortest trace of each violation class')
    ap.add_argument('--budget', default=None,
                    help='operations each CPU may start: N for all, or '
                    'N,N,N per CPU (default 2,1,2 for asid and whole-ctxid, '
                    '3 per CPU for the others)')
    ap.add_argument('--cpus', type=int, default=3,
                    help='CPUs, for the mm engine only (default 3)')
    ap.add_argument('--irqs-off-activate-mm', choices=('on', 'off'),
                    default='on', help='ARCH_WANT_IRQS_OFF_ACTIVATE_MM '
                    '(default on: the series selects it)')
    ap.add_argument('--stop', action='store_true',
                    help='asid, whole-ctxid: stop when the expected '
                    'violations are found (the mm engine stops a mutant at '
                    'its expected violation unless --full)')
    ap.add_argument('--full', action='store_true',
                    help='explore the whole space even after the expected '
                    'violation is found')
    ap.add_argument('--no-efi', action='store_true',
                    help='no EFI runtime calls')
    ap.add_argument('--no-kthread-efi', action='store_true',
                    help='asid engine: EFI calls from user tasks only')
    ap.add_argument('--max-states', type=int, default=12000000,
                    help='give up beyond this many states (default 12000000)')
    ap.add_argument('--coverage', action='store_true',
                    help='count the states with a rollover, a freed mm, an '
                    'IPI held up by a switch, ... (a few seconds more)')
    ap.add_argument('--progress', action='store_true',
                    help='report progress on stderr')
    args = ap.parse_args()
    if args.list_mutants:
        for k, (what, exp) in MUTANTS.items():
            print('%s\t%s\t%s' % (k, exp.split(':')[0], what))
        return 0
    args.irqs_off_activate_mm = args.irqs_off_activate_mm == 'on'
    engine2 = args.mutant or (args.design in V2_DESIGNS)
    if args.cpus != 3:
        if not engine2 or args.cpus < 2 or args.cpus > 6:
            ap.error('--cpus: 2 to 6, for the mm engine only')
        NCPU = args.cpus
    if args.budget is not None:
        try:
            b = [int(x) for x in args.budget.split(',')]
        except ValueError:
            b = []
        if len(b) == 1:
            b *= NCPU
        if len(b) != NCPU or min(b) < 0:
            ap.error('--budget: one number, or %d' % NCPU)
        args.budget = b

    def out(line):
        print(line, flush=True)

    ok = True
    try:
        if args.mutant:
            for m in (MUTANTS if args.mutant == 'all' else [args.mutant]):
                ok = run2('mutant', m, args, out) and ok
            return 0 if ok else 1
        if args.design in (None, 'all'):
            designs = list(DESIGNS) + [d for d in V2_DESIGNS if d not in
                                       DESIGNS]
        else:
            designs = [args.design]
        for d in designs:
            if d in V2_DESIGNS:
                ok = run2('design', d, args, out) and ok
            else:
                ok = run(d, args, out) and ok
    except ModelError as e:
        print('model error: %s' % e, file=sys.stderr)
        return 2
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
