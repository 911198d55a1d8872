#!/usr/bin/env bash
# disk-full.sh MOUNTPOINT TOP KTREE - the harness's full-disk test, run by
# scripts/selftest-harness.sh in a private mount namespace: mounts a 4 MiB
# tmpfs on MOUNTPOINT and fills it. A write that does not fit must fail
# naming the disk and keep the previous file; a step that needs more space
# than there is must stop before it starts; results.py must say what it
# could not write, with no traceback and no partial file.
# With DISK_TEST=limit (no mount namespace to be had: a container without
# CAP_SYS_ADMIN) a file size limit (ulimit -f) makes the writes fail
# instead, on the disk MOUNTPOINT is on.
set -euo pipefail
m=$1 TOP=$2 KTREE=$3
if [ "${DISK_TEST:-tmpfs}" = tmpfs ]; then
	mount -t tmpfs -o size=4m lazytlb-test-tmpfs "$m" || { echo "cannot mount a tmpfs on $m"; exit 1; }
	fs=lazytlb-test-tmpfs need=100 short='No space left on device'
else
	echo "no mount namespace here: a file size limit stands in for a full disk"
	trap '' XFSZ
	fs='[^ ]*' need=100000000 short='File too large'
	rm -rf "${m:?}"/*
fi
# in_lib CMD...: run CMD in a script that sourced lib.sh, BUILD on the tmpfs.
in_lib() {
	BUILD=$m NO_LOCK=1 bash -c '. "$1/scripts/lib.sh"; shift; "$@"' sh "$TOP" "$@"
}
fails() {
	local err
	if err=$("$@" 2>&1); then
		echo "succeeded: $*"
		return 1
	fi
	printf '%s\n' "$err"
}

echo old >"$m/artifact"
limit() {
	local n=$1
	shift
	if [ "$fs" = lazytlb-test-tmpfs ]; then "$@"; else (ulimit -f "$n" && "$@"); fi
}
err=$(fails limit 4096 in_lib write_atomic "$m/artifact" dd if=/dev/zero of={} bs=1M count=8 status=none)
echo "$err"
grep -q "writing [^ ]*artifact failed (status 1; $fs (mounted at [^,]*, [0-9]* MiB free))" <<<"$err"
[ "$fs" != lazytlb-test-tmpfs ] || grep -q "nearly full: the likely cause of this failure" <<<"$err"
[ "$(cat "$m/artifact")" = old ] || { echo "the old file was lost"; exit 1; }
left() { find "$m" -mindepth 1 -printf '%f\n' | sort | paste -sd' '; }
[ "$(left)" = artifact ] || { echo "left: $(left)"; exit 1; }

err=$(fails in_lib need_space "$m" "$need" "a kernel build")
echo "$err"
grep -q "a kernel build needs about $need MiB in [^,]*, and $fs (mounted at [^,]*, [0-9]* MiB free) has [0-9]" <<<"$err"

dd if=/dev/zero of="$m/fill" bs=1M count=8 status=none 2>/dev/null || true
err=$(fails limit 0 python3 "$TOP/scripts/results.py" --ktree "$KTREE" \
	--ktap "$TOP/tests/ktap/fail-mixed/ktap.log" --junit "$m/results.xml")
echo "$err" | tail -n 2
grep -q "writing $m/results.xml failed: $short" <<<"$err"
if grep -q Traceback <<<"$err"; then exit 1; fi
[ "$(left)" = "artifact fill" ] || { echo "left: $(left)"; exit 1; }
