#!/usr/bin/env bash
# lint.sh - static checks of the project and of the series.
#
# Usage: scripts/lint.sh
#
# Runs shellcheck on every script, compiles guest/init.c with -Wall -Wextra
# -Werror, scripts/results.py byte-compiled, and, when the kernel work tree
# exists, scripts/checkpatch.pl --strict on every patch in patches/. Prints
# KTAP and the line 'N passed, N failed'.
set -euo pipefail
NO_LOCK=1 . "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"

ktap_begin
need shellcheck shellcheck
cd "$TOP"
ok_if "shellcheck scripts/*.sh tests/guest/*.sh .ci/run" shellcheck -x scripts/*.sh tests/guest/*.sh .ci/run
# Every script (lib.sh is sourced, not run) says what it does.
helps() {
	local f
	for f in scripts/*.sh; do
		[ "$f" != scripts/lib.sh ] || continue
		"$f" --help | head -n 1 | grep -q "^${f##*/} - " || { echo "$f --help"; return 1; }
	done
}
ok_if "every script has a --help that names and describes it" helps
ok_if "guest/init.c builds with -Wall -Wextra -Werror" \
	gcc -fsyntax-only -Wall -Wextra -Werror guest/init.c
ok_if "scripts/results.py compiles" \
	python3 -c 'import ast, sys; ast.parse(open(sys.argv[1]).read())' scripts/results.py
ok_if "scripts/bench-report.py compiles" \
	python3 -c 'import ast, sys; ast.parse(open(sys.argv[1]).read())' scripts/bench-report.py
ok_if "the counting plugin builds with -Wall -Wextra -Werror" \
	gcc -std=gnu11 -fsyntax-only -Wall -Wextra -Werror tests/plugin/lazytlb-count.c
ok_if "the bench's guest program builds with -Wall -Wextra -Werror" \
	"${CROSS_COMPILE}gcc" -fsyntax-only -Wall -Wextra -Werror -march=armv8.1-a selftests/bench/lazytlb-bench.c

# maintained PATCH: every file PATCH adds is listed in MAINTAINERS, by its
# path or by a directory above it (an F: line ending in '/').
maintained() {
	local f
	while IFS= read -r f; do
		awk -v f="$f" '/^F:\t/ { p = $2; if (p == f || (p ~ /\/$/ && index(f, p) == 1)) hit = 1 }
			END { exit !hit }' "$KTREE/MAINTAINERS" || { echo "not in MAINTAINERS: $f"; return 1; }
	done < <(awk '/^diff --git / { f = substr($4, 3) } /^new file mode / { print f }' "$1")
}

# checkpatch PATCH: from the tree, so that its SPDX and file checks run too,
# with Debian's python3 (spdxcheck.py needs python3-ply and python3-git).
# Two reports are accepted: CamelCase on an arm64 system register field
# (TTBRx_EL1_ASID_MASK, ... are generated from arch/arm64/tools/sysreg at
# build time, where checkpatch cannot see them), and "does MAINTAINERS need
# updating?" when every file the patch adds is already listed there.
checkpatch() {
	local out rc=0 bad
	out=$(cd "$KTREE" && PATH=/usr/bin:$PATH scripts/checkpatch.pl --strict -q "$1") || rc=$?
	printf '%s\n' "$out"
	[ $rc != 0 ] || return 0
	bad=$(printf '%s\n' "$out" | grep -E '^(ERROR|WARNING|CHECK):' |
		grep -vE '^CHECK: Avoid CamelCase: <[A-Za-z0-9]+_EL[0-9]+_[A-Za-z0-9_]+>$' || true)
	if [ "$bad" = "WARNING: added, moved or deleted file(s), does MAINTAINERS need updating?" ]; then
		maintained "$1" && return 0
	fi
	[ -z "$bad" ]
}

mapfile -t patches < <(series_patches)
if [ ${#patches[@]} -gt 0 ]; then
	[ -x "$KTREE/scripts/checkpatch.pl" ] || die "no $KTREE/scripts/checkpatch.pl: run 'make base' first"
	for p in "${patches[@]}"; do
		ok_if "checkpatch --strict ${p##*/}" checkpatch "$p"
	done
fi
ktap_end
