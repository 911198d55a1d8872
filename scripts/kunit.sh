#!/usr/bin/env bash
# kunit.sh - the series' KUnit suites, run by the kernel's own
# tools/testing/kunit/kunit.py under qemu-system-aarch64, in both lazy
# TLB modes.
#
# Usage: scripts/kunit.sh
#
# kunit.py builds an arm64 kernel of its own in build/kunit/MODE/obj
# (under ccache, like scripts/build.sh), boots it with its
# qemu_configs/arm64.py (-M virt -cpu max, a PL011 console) and parses the
# KTAP its suites print. Left to itself, kunit.py configures that kernel
# from every option's default, three times the guests' size; so 'kunit.py
# config' first records what it wants, merge_config.sh then writes a
# .config from allnoconfig, kernel-config/virt.config, virt-arm64.config and the mode's
# kunitconfig (which has all of it), and 'kunit.py run' builds that one,
# as it keeps a .config that already holds what it asks for.
# The modes: 'shootdown' is kernel-config/kunit.config (SHOOTDOWN with its
# checks, as 'make run' boots it: both suites); 'refcount' is the same
# without the SHOOTDOWN options (MMU_LAZY_TLB_REFCOUNT, what arm64 runs
# without the series' RFC: the active_mm suite; the filter suite needs
# the filter).
# One row per test case, 'kunit:MODE:SUITE.CASE'; every suite the mode
# names must have run, or its row fails; 'kunit:MODE:kernel-log' fails
# on a kernel report in the kernel's log (results.py's kernel_reports():
# panic, oops, BUG, KASAN, UBSAN, WARNING, lockups, hung tasks, RCU
# stalls). The whole kunit.py output is kept in build/kunit/MODE/kunit.log,
# the parsed results in build/kunit/MODE/results.json. Prints KTAP and the
# line 'N passed, N failed, N skipped'.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"
arm64_only "$VARIANT"
need python3 python3
need qemu-system-aarch64 qemu-system-arm
need ccache ccache

S=$TOP/scripts
"$S/deps.sh"
"$S/base.sh"
"$S/apply.sh"
export CCACHE_DIR=${CCACHE_DIR:-$BUILD/ccache} CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1
KU=$BUILD/kunit
mkdir -p "$KU"
# The mode's name, and the suites it must run.
MODES=("shootdown active_mm lazy_tlb" "refcount active_mm")

# run_mode MODE: build and boot MODE's kernel, leave its results.json.
run_mode() {
	local mode=$1 K=$KU/$1 kconf rc=0
	mkdir -p "$K"
	rm -f "$K/results.json"
	kconf=$K/kunit.config
	if [ "$mode" = refcount ]; then
		grep -v -e LAZY_TLB_SHOOTDOWN -e DEBUG_VM_SHOOT_LAZIES -e LAZY_TLB_KUNIT_TEST \
			"$TOP/kernel-config/kunit.config" >"$kconf"
	else
		cp "$TOP/kernel-config/kunit.config" "$kconf"
	fi
	local kargs=(--arch arm64 --cross_compile "$CROSS_COMPILE" --build_dir "$K/obj"
		--kunitconfig "$kconf" --make_options "CC=ccache ${CROSS_COMPILE}gcc")
	log "$mode: kunit.py config, then merge_config.sh (logs: $K/config.log)"
	(cd "$KTREE" && python3 tools/testing/kunit/kunit.py config "${kargs[@]}") >"$K/config.log" 2>&1 ||
		die "$mode: kunit.py config failed (log: $K/config.log)"
	(cd "$KTREE" && ARCH=arm64 CROSS_COMPILE=$CROSS_COMPILE scripts/kconfig/merge_config.sh -n \
		-O "$K/obj" "$TOP/kernel-config/virt.config" "$TOP/kernel-config/virt-arm64.config" "$kconf") >>"$K/config.log" 2>&1 ||
		die "$mode: merge_config.sh failed (log: $K/config.log)"
	if grep -q '^WARNING: Value requested' "$K/config.log"; then
		grep -A2 '^WARNING: Value requested' "$K/config.log" >&2
		die "$mode: $kconf not honoured (log: $K/config.log)"
	fi
	if [ "$mode" = refcount ] && grep -q '^CONFIG_MMU_LAZY_TLB_SHOOTDOWN=y' "$K/obj/.config"; then
		die "$mode: the kernel still selects MMU_LAZY_TLB_SHOOTDOWN (log: $K/config.log)"
	fi
	log "$mode: kunit.py run --arch arm64 (log: $K/kunit.log)"
	(cd "$KTREE" && python3 tools/testing/kunit/kunit.py run "${kargs[@]}" \
		--jobs "${JOBS:-$(nproc)}" --timeout 900 --json="$K/results.json") >"$K/kunit.log" 2>&1 || rc=$?
	grep -q '^Regenerating .config' "$K/kunit.log" &&
		die "$mode: kunit.py did not keep the merged .config (log: $K/kunit.log)"
	log "$mode: kunit.py: exit status $rc; $(grep -E 'Testing complete|Elapsed time' "$K/kunit.log" | paste -sd' ' || true)"
	[ -s "$K/results.json" ] || {
		tail -n 30 "$K/kunit.log" >&2
		die "$mode: kunit.py wrote no results (exit status $rc, log: $K/kunit.log)"
	}
}

args=()
for m in "${MODES[@]}"; do
	read -ra w <<<"$m"
	run_mode "${w[0]}"
	args+=("${w[0]}:$(IFS=,; echo "${w[*]:1}")")
done

# kunit.py passes a case that printed a WARN: any kernel report in the
# kernel's log, as results.py finds them for the guests, fails the run (a
# suppressed warning prints nothing).
python3 - "$S" "$KU" "${args[@]}" <<'PY'
import json, os, sys
sys.path.insert(0, sys.argv[1])
from results import kernel_reports
ku = sys.argv[2]
rows = []
for arg in sys.argv[3:]:
    mode, suites = arg.split(':', 1)
    want = suites.split(',')
    res = json.load(open(os.path.join(ku, mode, 'results.json')))
    try:
        with open(os.path.join(ku, mode, 'obj', 'test.log'), errors='replace') as f:
            reports = kernel_reports(f, set())
    except OSError:
        reports = []
    mrows = []
    def walk(group, path):
        for case in group.get('test_cases', []):
            mrows.append(('.'.join(path + [case['name']]), case['status']))
        for sub in group.get('sub_groups', []):
            walk(sub, path + [sub['name']])
    for suite in res.get('sub_groups', []):
        walk(suite, [suite['name']])
    seen = {name.split('.', 1)[0] for name, _ in mrows}
    for s in want:
        if s not in seen:
            mrows.append((s, 'NOT RUN'))
    mrows.append(('kernel-log', 'PASS' if not reports else 'REPORT: %s: %s' % reports[0]))
    rows += [(f'{mode}:{name}', status) for name, status in mrows]
print('TAP version 13')
p = f = k = 0
for n, (name, status) in enumerate(rows, 1):
    if status == 'PASS':
        print(f'ok {n} kunit:{name}'); p += 1
    elif status == 'SKIP':
        print(f'ok {n} kunit:{name} # SKIP'); k += 1
    else:
        print(f'not ok {n} kunit:{name} # {status}'); f += 1
print(f'1..{len(rows)}')
print(f'{p} passed, {f} failed, {k} skipped')
sys.exit(1 if f else 0)
PY
