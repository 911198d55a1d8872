#!/usr/bin/env bash
# export.sh - write the series branch back to patches/ (git format-patch).
#
# Usage: scripts/export.sh [--check]
#
# Replaces patches/*.patch with 'git format-patch --cover-letter
# --base=<base commit>' of lazytlb/series in the work tree. The cover
# letter's subject and text are carried over from the previous
# patches/0000-cover-letter.patch. Afterwards 'make apply' sees the tree as
# up to date with patches/. --check only tells (exit 1) whether the branch
# has commits that patches/ does not hold yet.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# The whole series, also under UPTO (lib.sh).
KTREE=$SERIES_TREE

check=0
flag_arg --check "${1:-}" && check=1

[ -f "$BUILD/base-commit" ] || die "no base: run 'make base' first"
base=$(cat "$BUILD/base-commit")
g() { git -C "$KTREE" "$@"; }
head=$(g rev-parse -q --verify "refs/heads/$SERIES_BRANCH") || die "no branch $SERIES_BRANCH: run 'make apply' first"
stampfile=$BUILD/applied

if [ $check = 1 ]; then
	[ -f "$stampfile" ] && [ "$(cut -d' ' -f2 "$stampfile")" = "$head" ] && exit 0
	echo "$SERIES_BRANCH ($head) has commits not exported to patches/"
	exit 1
fi

P=$PATCHES
tmp=$(mktemp -d)
remove_tmp() { rm -rf "$tmp"; }
at_exit remove_tmp
n=$(g rev-list --count "$base..$head")
if [ "$n" = 0 ]; then
	log "the series is empty: patches/ emptied"
else
	g format-patch -q --cover-letter --no-signature --base="$base" \
		-o "$tmp" "$base..$head" >/dev/null
	old=$P/0000-cover-letter.patch
	if [ -f "$old" ]; then
		python3 - "$old" "$tmp/0000-cover-letter.patch" <<'PY'
import re, sys
old, new = (open(p).read() for p in sys.argv[1:])
subj = re.search(r'^Subject: \[[^]]*\] (.*(?:\n .*)*)', old, re.M)
head, _, body = old.partition('\n\n')
blurb = re.split(r'^\S.* \([0-9]+\):$', body, maxsplit=1, flags=re.M)[0].rstrip()
if subj:
    new = new.replace('*** SUBJECT HERE ***', subj.group(1), 1)
if blurb and '*** BLURB HERE ***' not in blurb:
    new = new.replace('*** BLURB HERE ***', blurb, 1)
open(sys.argv[2], 'w').write(new)
PY
	fi
fi
rm -f "$P"/*.patch
mkdir -p "$P"
[ "$n" = 0 ] || cp "$tmp"/*.patch "$P/"
stamp=$(patches_stamp "$base")
printf '%s %s\n' "$stamp" "$head" >"$stampfile"
log "exported $n patches to patches/"
