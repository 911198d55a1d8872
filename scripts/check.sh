#!/usr/bin/env bash
# check.sh - the project's tests: what CI runs (.ci/run calls 'make check').
#
# Usage: scripts/check.sh [--all]
#
# 1. scripts/lint.sh: shellcheck, guest init, result parser, and
#    checkpatch --strict of patches/ (after the base tree exists);
# 2. scripts/selftest-harness.sh: the harness's own tests on fixtures;
# 3. scripts/run.sh, the main job (apply, build, boot, selftests), once
#    for every variant in kernel-config/variants (a variant 'NAME =OTHER'
#    boots OTHER's kernel under its own QEMU settings, kernel-config/qemu);
# 4. scripts/kunit.sh: the series' KUnit suites, through kunit.py;
# 5. scripts/bench.sh --smoke: the counting plugin's exact-count test and
#    a few counted round trips on the default kernel;
# 5a. scripts/archbuild.sh: the series for powerpc64le and x86_64 with its
#    options on (--all: on and off, at every posting too);
# 6. with --all ('make check-all'), first the variants of
#    kernel-config/check-all-variants (3.), then scripts/knownbad.sh: the
#    kernels broken on purpose, and the series with its race windows
#    widened; and scripts/bisect.sh --boundaries: every posting booted on
#    the postings before it, in both lazy TLB modes.
# Each part prints its rows; the last line sums them up:
# 'N passed, N failed, N skipped'. Exit status 0 only if nothing failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
all=0
flag_arg --all "${1:-}" && all=1

P=0 F=0 K=0
status=0
kept=()
# part NAME CMD...: run one part, add its closing line to the totals.
part() {
	local name=$1 out rc=0 line
	shift
	log "== $name"
	out=$BUILD/logs/check-${name}.log
	mkdir -p "$BUILD/logs"
	"$@" 2>&1 | tee "$out" || rc=$?
	# Where the failed guest runs were kept (scripts/test.sh).
	while IFS= read -r l; do kept+=("$name: ${l#*failed run kept in }"); done \
		< <(grep -o 'failed run kept in [^ ]*' "$out" || true)
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1 || true)
	if [ -z "$line" ]; then
		log "$name ended (status $rc) without a result line"
		F=$((F + 1))
		status=1
		return
	fi
	read -r p _ f _ k _ <<<"${line//,/}"
	P=$((P + p)) F=$((F + f)) K=$((K + ${k:-0}))
	[ $rc = 0 ] || status=1
}

S=$TOP/scripts
"$S/deps.sh"
"$S/base.sh"
part lint "$S/lint.sh"
part harness "$S/selftest-harness.sh"
part model "$S/model.sh" --smoke
mapfile -t variants < <(variant_names variants)
[ $all = 0 ] || mapfile -t -O ${#variants[@]} variants < <(variant_names check-all-variants)
for v in "${variants[@]}"; do
	part "guest-$v" env VARIANT="$v" "$S/run.sh"
done
# After the guests: most of kunit.py's kernel is then in ccache.
part kunit "$S/kunit.sh"
# The bench's counting plugin on the default kernel, so it cannot rot.
part bench-smoke "$S/bench.sh" --smoke
# The other architectures: the series head with its options on, linked
# (about 7 minutes cold); options off and every posting in check-all.
if [ $all = 0 ]; then
	part archbuild env OPTS=on "$S/archbuild.sh"
else
	part archbuild "$S/archbuild.sh" --boundaries
fi
[ $all = 0 ] || part knownbad "$S/knownbad.sh"
[ $all = 0 ] || part postings "$S/bisect.sh" --boundaries
for k in "${kept[@]}"; do log "failed run kept: $k"; done
echo "$P passed, $F failed, $K skipped"
exit $status
