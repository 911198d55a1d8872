#!/usr/bin/env bash
# kselftest.sh - cross-build and install the selftests the guest runs.
#
# Usage: [VARIANT=name] [SELFTESTS="coll coll:test"] scripts/kselftest.sh
#
# Builds the collections named in selftests/collections from the kernel work
# tree with the kernel's own 'make -C tools/testing/selftests ... install',
# against the UAPI headers of build/VARIANT/obj (scripts/build.sh makes
# them), and installs them with run_kselftest.sh under
# build/VARIANT/kselftest. Log: build/VARIANT/logs/kselftest.log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"
check_cross

need "${CROSS_COMPILE}gcc" "$KCROSS_PKG"
[ -f "/usr/$TRIPLET/include/stdio.h" ] || [ "$CROSS_COMPILE" != "$KCROSS" ] ||
	die "no C library for $TRIPLET: install the Debian package '$KLIBC_PKG' (or run 'make deps')"
[ -d "$OBJ/usr/include/linux" ] || die "no UAPI headers in $OBJ/usr/include: run 'make build' first"
mapfile -t tests < <("$TOP/scripts/collections.sh")
[ ${#tests[@]} -gt 0 ] || die "no selftests listed in selftests/collections"
targets=$(printf '%s\n' "${tests[@]%%:*}" | awk '!seen[$0]++' | tr '\n' ' ')
missing=$("$TOP/scripts/collections.sh" --missing | tr '\n' ' ')
[ -z "$missing" ] || log "not in this kernel tree, reported as skipped: $missing"

mkdir -p "$VDIR/logs"
slog=$VDIR/logs/kselftest.log
inst=$VDIR/kselftest
rm -rf "$inst"
# Built in the source tree, as most kselftest users do: with O=, collections
# whose TEST_PROGS name a generated file (sched's cs_prctl_test in 7.3)
# install nothing. The outputs are untracked and ignored by git. A change of
# UAPI headers (another variant, a series that touches them) rebuilds all.
hdrs=$( (cd "$OBJ/usr/include" && find . -type f | sort | xargs cat) | sha1sum | cut -d' ' -f1)
hstamp=$KTREE/tools/testing/selftests/.lazytlb-headers
ksmake=(make -C "$KTREE/tools/testing/selftests" ARCH="$KARCH" CROSS_COMPILE="$CROSS_COMPILE"
	TARGETS="$targets" KHDR_INCLUDES="-isystem $OBJ/usr/include"
	INSTALL_PATH="$inst" -j"${JOBS:-$(nproc)}")
if [ "$(cat "$hstamp" 2>/dev/null)" != "$hdrs" ]; then
	"${ksmake[@]}" clean >"$slog" 2>&1 || true
	printf '%s\n' "$hdrs" >"$hstamp"
fi

# Fixes to peer selftests of the base (selftests/fixes/*.patch, each to be
# sent upstream on its own, never part of the series) are applied to the
# tree for the build and taken out again, so the series branch stays clean.
# The marker lists what is applied, for a build that was interrupted.
fixes=("$TOP"/selftests/fixes/*.patch)
[ -e "${fixes[0]}" ] || fixes=()
fmark=$KTREE/tools/testing/selftests/.lazytlb-fixes
unfix() {
	local f
	[ -f "$fmark" ] || return 0
	while IFS= read -r f; do
		git -C "$KTREE" apply -R "$f" ||
			die "could not take $f out of $KTREE again: 'git -C $KTREE checkout -- tools/testing/selftests' restores it"
	done < <(tac "$fmark")
	rm -f "$fmark"
}
unfix
at_exit unfix
for f in "${fixes[@]}"; do
	git -C "$KTREE" apply --check "$f" 2>>"$slog" ||
		die "selftest fix ${f#"$TOP"/} does not apply to the base (log: $slog); if the base has it now, remove the file"
	git -C "$KTREE" apply "$f"
	printf '%s\n' "$f" >>"$fmark"
done
[ ${#fixes[@]} = 0 ] || log "applied ${#fixes[@]} fixes from selftests/fixes for the build"
log "building selftests: $targets(log: $slog)"
if ! "${ksmake[@]}" install >>"$slog" 2>&1; then
	grep -E -m 40 'error|Error' "$slog" >&2 || tail -n 40 "$slog" >&2
	die "selftest build failed (log: $slog)"
fi
if grep -E '^rsync: .*(failed|No such file)' "$slog" >&2; then
	die "selftest install left out files (log: $slog)"
fi
[ -x "$inst/run_kselftest.sh" ] || die "no run_kselftest.sh in $inst (log: $slog)"
log "installed $(grep -c . "$inst/kselftest-list.txt") tests in $inst"
