#!/usr/bin/env bash
# quick.sh - the inner loop: rebuild, boot, run the lazy_tlb tests that matter most.
#
# Usage: [VARIANT=shootdown] [QUICK_TESTS="FIXTURE.TEST ..."] scripts/quick.sh
#
# For a kernel developer editing the series in build/linux (say
# arch/arm64/mm/context.c): builds the kernel of VARIANT (default
# shootdown: SHOOTDOWN mode with DEBUG_VM_SHOOT_LAZIES, 8 ASID bits)
# incrementally, reuses its selftests and initramfs when the module and
# the selftest sources did not change, boots it and runs only the tests of
# lazy_tlb_test that QUICK_TESTS names (default: lazy_tlb.asid_rollover,
# lazy_tlb.shootdown_after_rollover and lazy_mm_audit.shootdown_storm: ASID
# rollovers under kernel threads, the targeted shootdown across a rollover,
# and the storm that counts the CPUs a shootdown missed), through
# kselftest_harness's own -r filter. One row per test, closing line 'N passed, N failed, N skipped';
# a kernel report on the console fails the run. Its selftests, initramfs
# and logs are in build/VARIANT/quick/. Not a replacement for 'make run':
# no peer suites, no other variant.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"

S=$TOP/scripts
# Its own selftests, initramfs and logs: build/VARIANT/quick/.
Q=$VDIR/quick
read -ra tests <<<"${QUICK_TESTS:-lazy_tlb.asid_rollover lazy_tlb.shootdown_after_rollover lazy_mm_audit.shootdown_storm}"
[ ${#tests[@]} -gt 0 ] || die "QUICK_TESTS is empty"
"$S/apply.sh"
[ -f "$OBJ/.config" ] || "$S/config.sh"
"$S/build.sh"
# The selftests and the initramfs again only when their inputs changed:
# the lazy_tlb sources, the modules, guest/init.c.
stamp=$( (cat "$KTREE"/tools/testing/selftests/lazy_tlb/*.[ch] "$TOP/guest/init.c"
	find "$BDIR/modroot" -type f -name '*.ko' -print0 | sort -z | xargs -0 -r cat) | sha1sum | cut -d' ' -f1)
if [ ! -f "$Q/initramfs.cpio" ] || [ "$(cat "$Q/stamp" 2>/dev/null)" != "$stamp" ]; then
	SELFTESTS=lazy_tlb VDIR=$Q BDIR=$BDIR "$S/kselftest.sh"
	SELFTESTS=lazy_tlb VDIR=$Q BDIR=$BDIR "$S/initramfs.sh"
	printf '%s\n' "$stamp" >"$Q/stamp"
else
	log "selftests and initramfs unchanged"
fi
args=$(printf -- '-r,%s,' "${tests[@]}")
expect=$Q/expected
printf '%s\n' "${tests[@]}" >"$expect"
set +e
VDIR=$Q BDIR=$BDIR CONSOLE=$Q/console.log KTAP=$Q/ktap.log KLOG=$Q/kernel-boot.log \
	APPEND="${APPEND:-} harness_run=lazy_tlb/lazy_tlb_test harness_args=${args%,}" \
	"$S/boot.sh"
boot=$?
set -e
python3 "$S/results.py" --ktree "$KTREE" --ktap "$Q/ktap.log" \
	--console "$Q/console.log" --expect "$expect" --boot-status "$boot" \
	--title "quick-$VARIANT"
