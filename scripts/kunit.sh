#!/usr/bin/env bash
# kunit.sh - the series' KUnit suites, run by the kernel's own
# tools/testing/kunit/kunit.py under qemu-system-aarch64.
#
# Usage: scripts/kunit.sh
#
# kunit.py builds an arm64 kernel of its own in build/kunit/obj (under
# ccache, like scripts/build.sh), boots it with its qemu_configs/arm64.py
# (-M virt -cpu max, a PL011 console) and parses the KTAP its suites print.
# Left to itself, kunit.py configures that kernel from every option's
# default, three times the guests' size; so 'kunit.py config' first
# records what it wants, merge_config.sh then writes a .config from
# allnoconfig, kernel-config/virt.config and kernel-config/kunit.config
# (which has all of it), and 'kunit.py run' builds that one, as it keeps
# a .config that already holds what it asks for.
# One row per test case, 'kunit:SUITE.CASE'; every suite named by
# SUITES below must have run, or its row fails; 'kunit:kernel-log' fails
# on a kernel report in the kernel's log (results.py's kernel_reports():
# panic, oops, BUG, KASAN, UBSAN, WARNING, lockups, hung tasks, RCU
# stalls). The whole kunit.py output is kept in build/kunit/kunit.log,
# the parsed results in
# build/kunit/results.json. Prints KTAP and the line
# 'N passed, N failed, N skipped'.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"
need python3 python3
need qemu-system-aarch64 qemu-system-arm
need ccache ccache

# The suites the series adds (kernel-config/kunit.config enables them).
SUITES=(active_mm lazy_tlb)

S=$TOP/scripts
"$S/deps.sh"
"$S/base.sh"
"$S/apply.sh"
K=$BUILD/kunit
mkdir -p "$K"
rm -f "$K/results.json"
export CCACHE_DIR=${CCACHE_DIR:-$BUILD/ccache} CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1
kargs=(--arch arm64 --cross_compile "$CROSS_COMPILE" --build_dir "$K/obj"
	--kunitconfig "$TOP/kernel-config/kunit.config"
	--make_options "CC=ccache ${CROSS_COMPILE}gcc")
log "kunit.py config, then merge_config.sh (logs: $K/config.log)"
(cd "$KTREE" && python3 tools/testing/kunit/kunit.py config "${kargs[@]}") >"$K/config.log" 2>&1 ||
	die "kunit.py config failed (log: $K/config.log)"
(cd "$KTREE" && ARCH=arm64 CROSS_COMPILE=$CROSS_COMPILE scripts/kconfig/merge_config.sh -n \
	-O "$K/obj" "$TOP/kernel-config/virt.config" "$TOP/kernel-config/kunit.config") >>"$K/config.log" 2>&1 ||
	die "merge_config.sh failed (log: $K/config.log)"
if grep -q '^WARNING: Value requested' "$K/config.log"; then
	grep -A2 '^WARNING: Value requested' "$K/config.log" >&2
	die "kernel-config/kunit.config not honoured (log: $K/config.log)"
fi
log "kunit.py run --arch arm64 (log: $K/kunit.log)"
rc=0
(cd "$KTREE" && python3 tools/testing/kunit/kunit.py run "${kargs[@]}" \
	--jobs "${JOBS:-$(nproc)}" --timeout 900 --json="$K/results.json") >"$K/kunit.log" 2>&1 || rc=$?
grep -q '^Regenerating .config' "$K/kunit.log" && die "kunit.py did not keep the merged .config (log: $K/kunit.log)"
log "kunit.py: exit status $rc; $(grep -E 'Testing complete|Elapsed time' "$K/kunit.log" | paste -sd' ' || true)"
[ -s "$K/results.json" ] || { tail -n 30 "$K/kunit.log" >&2; die "kunit.py wrote no results (exit status $rc, log: $K/kunit.log)"; }
# kunit.py passes a case that printed a WARN: any kernel report in the
# kernel's log, as results.py finds them for the guests, fails the run (a
# suppressed warning prints nothing).
python3 - "$S" "$K/results.json" "$K/obj/test.log" "${SUITES[@]}" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from results import kernel_reports
res = json.load(open(sys.argv[2]))
want = sys.argv[4:]
try:
    with open(sys.argv[3], errors='replace') as f:
        reports = kernel_reports(f, set())
except OSError:
    reports = []
rows = []
def walk(group, path):
    for case in group.get('test_cases', []):
        rows.append(('.'.join(path + [case['name']]), case['status']))
    for sub in group.get('sub_groups', []):
        walk(sub, path + [sub['name']])
for suite in res.get('sub_groups', []):
    walk(suite, [suite['name']])
seen = {name.split('.', 1)[0] for name, _ in rows}
for s in want:
    if s not in seen:
        rows.append((s, 'NOT RUN'))
rows.append(('kernel-log', 'PASS' if not reports else 'REPORT: %s: %s' % reports[0]))
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
