#!/usr/bin/env bash
# test.sh - boot the guest, run the selftests in it and report the results.
#
# Usage: [VARIANT=name] [SMP=4] [GUEST_TIMEOUT=secs] scripts/test.sh
#
# Boots with scripts/boot.sh, then scripts/results.py prints one row per
# test, writes build/VARIANT/results.xml (JUnit) and ends with
# 'N passed, N failed, N skipped'. Every test listed by selftests/collections
# must report; a kernel report on the console (panic, oops, BUG, WARNING,
# KASAN, lockdep) or a timeout is a failure, and so are a console that does
# not match a 'require' line of the guest's settings (kernel-config/qemu),
# one that matches a 'reject' line, and a skip of a test they list as
# 'must-run'. When the only failures are of tests listed in
# selftests/flaky, the guest boots again with just those, at most
# FLAKY_RETRIES (2) times with FLAKY_SMP (2) vCPUs, and the last result
# counts (the table says the first run failed). Exit status 0 only when
# nothing failed. Every run, interrupted ones too, is kept in
# build/VARIANT/runs/DATE-N/ (console, KTAP, boot log, table, JUnit,
# .config and the command that started it); 'make results' re-prints one.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"

list=$VDIR/kselftest/kselftest-list.txt
# The guest runs the list its initramfs was made with: it must be the one
# this run expects (SELFTESTS, the variant's list).
want=$("$TOP/scripts/collections.sh")
if [ -z "${INITRD:-}" ] && [ -f "$VDIR/initramfs-tests" ] && [ "$want" != "$(cat "$VDIR/initramfs-tests")" ]; then
	die "the initramfs runs '$(paste -sd' ' "$VDIR/initramfs-tests")', this run expects '$(printf '%s\n' "$want" | paste -sd' ')': run 'make initramfs' (or 'make run') with the same SELFTESTS"
fi
[ -f "$list" ] || die "no $list: run 'make kselftest' first"
expect=$VDIR/expected-tests
printf '%s\n' "$want" | while IFS= read -r t; do
	[ -n "$t" ] || continue
	case "$t" in
	*:*) printf '%s\n' "$t" ;;
	*) grep "^$t:" "$list" || die "collection $t installed no tests" ;;
	esac
done >"$expect"

# Only what this run produces may be reported or kept.
rm -f "$VDIR/console-retry.log" "$VDIR/ktap-retry.log" "$VDIR/kernel-boot-retry.log" \
	"$VDIR/results.txt" "$VDIR/results.xml" "$VDIR/retry-tests"

# save_run STATUS: copy this run's files to a new build/VARIANT/runs/DATE-N
# (the newest KEEP_RUNS, default 30, are kept) and print its path.
save_run() {
	local d n f
	mkdir -p "$VDIR/runs"
	n=$(find "$VDIR/runs" -mindepth 1 -maxdepth 1 -type d | wc -l)
	d=$VDIR/runs/$(date +%Y%m%d-%H%M%S)-$((n + 1))
	mkdir "$d"
	for f in console.log ktap.log kernel-boot.log console-retry.log ktap-retry.log \
		kernel-boot-retry.log qemu-registers.txt results.txt results.xml expected-tests; do
		[ ! -f "$VDIR/$f" ] || cp "$VDIR/$f" "$d/$f"
	done
	[ ! -f "$OBJ/.config" ] || cp "$OBJ/.config" "$d/config"
	{
		echo "command: ${LAZYTLB_CMD:-$0}"
		env | grep -E '^(VARIANT|UPTO|SELFTESTS|REPEAT|SMP|MEM|GUEST_TIMEOUT|APPEND|KERNEL_SRC|FLAKY_RETRIES|FLAKY_SMP)=' | sort || true
		echo "project: $(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)"
		echo "kernel tree: $(git -C "$KTREE" rev-parse --short HEAD 2>/dev/null || echo unknown)"
		echo "status: $1"
	} >"$d/command"
	find "$VDIR/runs" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' | sort -rn |
		tail -n +$((${KEEP_RUNS:-30} + 1)) | cut -d' ' -f2- | xargs -r rm -rf
	echo "$d"
}

absent=$VDIR/absent-tests
"$TOP/scripts/collections.sh" --missing >"$absent"
res=(python3 "$TOP/scripts/results.py" --ktree "$KTREE" --expect "$expect" --absent "$absent"
	--flaky "$TOP/selftests/flaky" --retry-out "$VDIR/retry-tests"
	--junit "$VDIR/results.xml" --title "$VARIANT" --kernel-log "$VDIR/kernel-boot.log")
# The kernel reports tests provoke on purpose (selftests/expect-reports).
[ ! -f "$TOP/selftests/expect-reports" ] || res+=(--expect-reports "$TOP/selftests/expect-reports")
# What this guest's settings (kernel-config/qemu) say it must show and run.
while IFS= read -r r; do res+=(--require "$r"); done < <(guest_settings require)
while IFS= read -r r; do res+=(--reject "$r"); done < <(guest_settings reject)
while IFS= read -r t; do res+=(--must-run "$t"); done < <(guest_settings must-run)
set +e
"$TOP/scripts/boot.sh"
boot=$?
set -e
# Interrupted (boot.sh died of SIGINT or SIGTERM): no table.
case $boot in 130 | 143) log "interrupted: no results; console kept in $(save_run "$boot")"; exit "$boot" ;; esac
# QEMU could not start the guest (boot.sh says why): a setup error, no
# tests ran, so no table.
[ "$boot" != 125 ] || die "no guest ran: QEMU could not start it (above); console kept in $(save_run "$boot")"
log "results ($VARIANT)"
rc=0
"${res[@]}" --ktap "$VDIR/ktap.log" --console "$VDIR/console.log" \
	--boot-status "$boot" >"$VDIR/results.txt" || rc=$?
# Up to FLAKY_RETRIES (default 2) more boots with just the listed flaky
# tests that failed; the last one's result counts. They boot with
# FLAKY_SMP (default 2) vCPUs: the tests listed fail on timing when the
# vCPUs outnumber the host's cores and one of them is not scheduled.
attempt=0
if [ $rc != 0 ] && [ -s "$VDIR/retry-tests" ]; then
	retry=$(paste -sd, "$VDIR/retry-tests")
	while [ $rc != 0 ] && [ -s "$VDIR/retry-tests" ] && [ $attempt -lt "${FLAKY_RETRIES:-2}" ]; do
		attempt=$((attempt + 1))
		log "failed only in tests listed in selftests/flaky ($retry): running them again ($attempt)"
		set +e
		SMP=${FLAKY_SMP:-2} CONSOLE=$VDIR/console-retry.log KTAP=$VDIR/ktap-retry.log \
			KLOG=$VDIR/kernel-boot-retry.log APPEND="${APPEND:-} harness_tests=$retry" \
			"$TOP/scripts/boot.sh"
		rboot=$?
		set -e
		case $rboot in 130 | 143) log "interrupted: no results; consoles kept in $(save_run "$rboot")"; exit "$rboot" ;; esac
		[ "$rboot" != 125 ] || die "no guest ran for the retry: QEMU could not start it (above); consoles kept in $(save_run "$rboot")"
		rc=0
		"${res[@]}" --ktap "$VDIR/ktap.log" --console "$VDIR/console.log" \
			--boot-status "$boot" --retry-ktap "$VDIR/ktap-retry.log" \
			--retry-console "$VDIR/console-retry.log" --retry-boot-status "$rboot" \
			>"$VDIR/results.txt" || rc=$?
	done
fi
cat "$VDIR/results.txt"
# Where the guest's time went: seconds per collection (guest/init.c times
# each test).
times=$(tr -d '\r' <"$VDIR/ktap.log" | sed -n 's/^# harness: time \([^:]*\): .*: \([0-9]*\) s$/\1 \2/p' |
	awk '!($1 in t) { o[n++] = $1 } { t[$1] += $2 }
		END { for (i = 0; i < n; i++) printf "%s%s %d s", i ? ", " : "", o[i], t[o[i]] }')
[ -z "$times" ] || log "guest time per collection ($VARIANT): $times"
run=$(save_run "$rc")
if [ "$rc" = 0 ]; then
	log "run kept in ${run#"$TOP"/}"
else
	log "failed run kept in ${run#"$TOP"/} ('make results VARIANT=$VARIANT RUN=${run##*/}' re-prints it)"
fi
exit $rc
