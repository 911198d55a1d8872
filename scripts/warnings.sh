#!/usr/bin/env bash
# warnings.sh - no new W=1 or sparse (C=1) warnings from the series.
#
# Usage: [VARIANT_WARN=debug] scripts/warnings.sh
#
# Builds the C files the series touches (git diff base..lazytlb/series)
# with W=1 C=2 (sparse on every file, not only rebuilt ones), once at the
# base and once at the series head, in a separate worktree and output
# directory (build/warnings/), with the configuration of VARIANT (default:
# debug, so that code under the series' debug options is compiled).
# When sphinx-build is installed (Debian's python3-sphinx), does the same
# for 'make SPHINXDIRS=mm htmldocs', the directory the series documents.
# C files under another arch/ are named and skipped. Prints the warnings
# the series adds, with line numbers dropped so that moved code does not
# count (each occurrence counts: a second warning of a kind already there
# is new), and exits non-zero if there are any.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"

# A sparse that knows the C the kernel uses: bookworm's 0.6.4 lacks
# __typeof_unqual__ and the kernel then skips the check with only a warning.
# Fall back to building Debian's newer sparse from its source package.
sparse_ok() { [ "$(sh "$KTREE/scripts/checker-valid.sh" "$1" 2>/dev/null)" = 1 ]; }
CHECK=$(command -v sparse || true)
if [ -z "$CHECK" ] || ! sparse_ok "$CHECK"; then
	CHECK=$BUILD/tools/sparse/sparse
	if ! sparse_ok "$CHECK"; then
		log "system sparse is missing or too old for this kernel: building Debian's sid sparse from source"
		apt_private_update
		rm -rf "$BUILD/tools/sparse" "$BUILD/tools/sparse-src"
		mkdir -p "$BUILD/tools/sparse-src"
		(cd "$BUILD/tools/sparse-src" && apt_private apt-get -qq source --download-only sparse) >&2 ||
			die "cannot download the sparse source package"
		tar -xzf "$BUILD"/tools/sparse-src/sparse_*.orig.tar.gz -C "$BUILD/tools/sparse-src"
		mv "$BUILD"/tools/sparse-src/sparse-*/ "$BUILD/tools/sparse"
		make -C "$BUILD/tools/sparse" -j"$(nproc)" sparse >/dev/null 2>&1 ||
			die "building sparse failed"
		sparse_ok "$CHECK" || die "the sparse built from source cannot check this kernel either"
	fi
fi
VARIANT=${VARIANT_WARN:-debug}
arm64_only "$VARIANT"
[ -f "$BUILD/base-commit" ] || die "no base: run 'make base' first"
base=$(cat "$BUILD/base-commit")
head=$(git -C "$KTREE" rev-parse "$SERIES_BRANCH")
# Files of other architectures cannot be built here: named, not checked.
mapfile -t files < <(git -C "$KTREE" diff --name-only --diff-filter=AM "$base" "$head" -- '*.c' |
	grep -v '^tools/' || true)
objs=()
for f in "${files[@]}"; do
	case $f in
	arch/arm64/*|arch/*/*/*arm64*) objs+=("${f%.c}.o") ;;
	arch/*) echo "note: $f not checked (another architecture)" ;;
	*) objs+=("${f%.c}.o") ;;
	esac
done
[ ${#objs[@]} -gt 0 ] || { echo "0 passed, 0 failed"; exit 0; }

W=$BUILD/warnings
tree=$W/tree
mkdir -p "$W"
[ -e "$tree/.git" ] || git -C "$KTREE" worktree add --quiet --detach "$tree" "$base"

# warn_set COMMIT NAME: warnings of the objects at COMMIT, normalized. The
# series is configured with config.sh; the base gets the same .config, with
# the options it does not know dropped by olddefconfig.
warn_set() {
	local obj=$W/obj-$2 o have=()
	git -C "$tree" checkout -q --detach "$1"
	if [ "$2" = series ]; then
		KTREE=$tree VDIR=$W/$2 "$TOP/scripts/config.sh" >/dev/null || die "configuring $VARIANT at $2 failed (above)"
	else
		mkdir -p "$W/$2/obj"
		cp "$W/series/obj/.config" "$W/$2/obj/.config"
		make -C "$tree" O="$W/$2/obj" ARCH=arm64 CROSS_COMPILE="$CROSS_COMPILE" \
			olddefconfig >/dev/null
	fi
	for o in "${objs[@]}"; do
		[ -f "$tree/${o%.o}.c" ] && have+=("$o")
		rm -f "$W/$2/obj/$o" # compile again, so that W=1 speaks
	done
	log "W=1 C=2 build of ${#have[@]} files at $2"
	make -C "$tree" O="$W/$2/obj" ARCH=arm64 CROSS_COMPILE="$CROSS_COMPILE" \
		W=1 C=2 CHECK="$CHECK" -j"$(nproc)" "${have[@]}" >"$W/$2.log" 2>&1 ||
		{ tail -n 20 "$W/$2.log" >&2; die "build at $2 failed (log: $W/$2.log)"; }
	! grep -q 'is not available or not up to date' "$W/$2.log" ||
		die "kbuild did not run sparse (log: $W/$2.log)"
	norm_warnings "$tree" <"$W/$2.log" >"$obj.txt"
	echo "$obj.txt"
}
# doc_set COMMIT NAME: Sphinx warnings of 'make SPHINXDIRS=mm htmldocs'.
doc_set() {
	git -C "$tree" checkout -q --detach "$1"
	log "htmldocs (mm) at $2"
	PATH=/usr/bin:$PATH make -C "$tree" O="$W/docs-$2" SPHINXDIRS=mm htmldocs \
		>"$W/docs-$2.log" 2>&1 || die "htmldocs at $2 failed (log: $W/docs-$2.log)"
	grep -E 'WARNING|ERROR' "$W/docs-$2.log" |
		sed -E 's#^.*/Documentation/#Documentation/#; s#:[0-9]+:#:#' | sort >"$W/docs-$2.txt"
	echo "$W/docs-$2.txt"
}

pass=0 fail=0
# compare WHAT BEFORE AFTER: one result row.
compare() {
	local new
	new=$(comm -13 "$2" "$3")
	log "$1: $(wc -l <"$2") at the base, $(wc -l <"$3") with the series"
	if [ -n "$new" ]; then
		printf 'not ok %s: new warnings\n' "$1"
		printf '# %s\n' "$new"
		fail=$((fail + 1))
	else
		printf 'ok %s: no new warnings\n' "$1"
		pass=$((pass + 1))
	fi
}
after=$(warn_set "$head" series)
before=$(warn_set "$base" base)
compare "W=1 C=2" "$before" "$after"
if command -v sphinx-build >/dev/null 2>&1 || [ -x /usr/bin/sphinx-build ]; then
	after=$(doc_set "$head" series)
	before=$(doc_set "$base" base)
	compare "htmldocs mm" "$before" "$after"
else
	echo "ok htmldocs mm # SKIP sphinx-build not installed (Debian package python3-sphinx)"
fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
