#!/usr/bin/env bash
# model.sh - exhaustive model check of the lazy TLB shootdown filter.
#
# Usage: scripts/model.sh
#
# No kernel is built; needs only python3. tests/model/lazytlb_model.py
# explores every interleaving of 3 CPUs that switch mms, borrow them in
# kernel threads, exit, fork, call EFI and roll the ASID generation over
# (4 ASIDs, 2/1/2 operations per CPU: see the model's docstring), and checks
# at each mm_free_pgd() that no CPU's TTBR0 or active_mm names the mm. The
# same bounded space is checked for each design of arm64's per-CPU record:
#  - asid (record = context id, filter on the ASID number): unsafe; both the
#    switch-window trace and the EFI trace are found;
#  - whole-ctxid (filter on the whole context id): unsafe;
#  - mm (record = the mm, written after TTBR0): no violation;
#  - mm-record-early (the record written before TTBR0, broken on purpose):
#    unsafe, which shows that the checker sees the switch window.
# The states explored and the shortest counterexample of each kind are
# printed as KTAP diagnostics ('# '). Prints KTAP and the line
# 'N passed, N failed'.
set -euo pipefail
NO_LOCK=1 . "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"
need python3 python3

MODEL=$TOP/tests/model/lazytlb_model.py
T=$(mktemp -d)
remove_tmp() { rm -rf "$T"; }
at_exit remove_tmp

# check DESIGN: run the model on DESIGN; output in $T/DESIGN, status in
# $T/DESIGN.rc (0: verdict as expected, 1: not, 2: model error).
check() {
	local rc=0 t0=$SECONDS
	log "model: $1"
	python3 "$MODEL" --design "$1" --trace --coverage >"$T/$1" 2>&1 || rc=$?
	echo "$rc" >"$T/$1.rc"
	echo "design $1: model.sh: exit status $rc, $((SECONDS - t0)) s wall time" >>"$T/$1"
}

# found DESIGN CLASS: the model found a violation of CLASS ('' for any).
found() {
	grep -q "^design $1: violation $2" "$T/$1" ||
		{ echo "the model found no ${2:+$2 }violation in $1"; return 1; }
}

# none DESIGN: the model explored the whole space and found no violation.
none() {
	if ! grep -q "^design $1: no violation in " "$T/$1" || [ "$(cat "$T/$1.rc")" != 0 ]; then
		echo "$1: a violation, or the model did not finish"
		return 1
	fi
}

# states DESIGN: the number of states the model explored.
states() {
	sed -n "s/^design $1: \([0-9]*\) states explored.*/\1/p" "$T/$1" | grep . || echo '?'
}

diag() {
	sed 's/^/# /' "$T/$1"
}

# The designs are independent: run them two at a time (one per core).
for d in asid whole-ctxid mm mm-record-early; do
	check "$d" &
	[ "$(jobs -rp | wc -l)" -lt 2 ] || wait -n
done
wait

ktap_begin
ok_if "model: asid: switch-window trace found" found asid switch-window
ok_if "model: asid: efi trace found" found asid efi
diag asid
ok_if "model: whole-ctxid: violation found" found whole-ctxid ''
diag whole-ctxid
ok_if "model: mm: no violation in $(states mm) states" none mm
diag mm
ok_if "model: mm-record-early: switch-window violation found" found mm-record-early switch-window
diag mm-record-early
ktap_end
