#!/usr/bin/env bash
# export.sh - write the series branch back to patches/, and the test-only commits to tests/kernel/.
#
# Usage: scripts/export.sh [--check]
#
# Replaces patches/*.patch with 'git format-patch --cover-letter
# --zero-commit --base=<base commit>' of lazytlb/series in the work tree
# (no commit ids, the cover letter's From: and Date: kept: a round trip
# with no edit, also from a fresh clone, leaves patches/ byte-identical), and
# tests/kernel/*.patch with the commits of lazytlb/test above it (which
# must stay on top of lazytlb/series: edit both with 'git rebase -i
# --update-refs'). The cover letter's subject and text are carried over
# from the previous patches/0000-cover-letter.patch. Afterwards 'make
# apply' sees the tree as up to date with both. --check only tells (exit
# 1) whether a branch has commits that the files do not hold yet.
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
thead=$(g rev-parse -q --verify "refs/heads/$TEST_BRANCH") || die "no branch $TEST_BRANCH: run 'make apply' first"
stampfile=$BUILD/applied

if [ $check = 1 ]; then
	[ -f "$stampfile" ] && [ "$(cut -d' ' -f2,3 "$stampfile")" = "$head $thead" ] && exit 0
	echo "$SERIES_BRANCH ($head) or $TEST_BRANCH ($thead) has commits not exported to patches/ or tests/kernel/"
	exit 1
fi
g merge-base --is-ancestor "$head" "$thead" ||
	die "$TEST_BRANCH is not on top of $SERIES_BRANCH: rebase it there ('git rebase --update-refs' moves both), nothing exported"

P=$PATCHES
tmp=$(mktemp -d)
remove_tmp() { rm -rf "$tmp"; }
at_exit remove_tmp
n=$(g rev-list --count "$base..$head")
if [ "$n" = 0 ]; then
	log "the series is empty: patches/ emptied"
else
	g format-patch -q --cover-letter --no-signature --zero-commit --base="$base" \
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
# The cover letter's From: (format-patch writes whoever runs it): the old
# one. Its Date: (now) the old one too unless the letter changed, so that
# an export with no edit changes nothing.
def header(text, h):
    return re.search(rf'^{h}: .*(?:\n[ \t].*)*', text.partition('\n\n')[0], re.M)
o = header(old, 'From')
n = header(new, 'From')
if o and n:
    new = new.replace(n.group(0), o.group(0), 1)
o = header(old, 'Date')
n = header(new, 'Date')
if o and n and old.replace(o.group(0), '', 1) == new.replace(n.group(0), '', 1):
    new = new.replace(n.group(0), o.group(0), 1)
open(sys.argv[2], 'w').write(new)
PY
	fi
fi
rm -f "$P"/*.patch
mkdir -p "$P"
[ "$n" = 0 ] || cp "$tmp"/*.patch "$P/"
# The test-only patches: numbered from 1, with no commit ids (a round trip
# with no edit leaves them byte-identical).
tn=$(g rev-list --count "$head..$thead")
rm -rf "$tmp/t"
[ "$tn" = 0 ] || g format-patch -q --no-signature --zero-commit -o "$tmp/t" "$head..$thead" >/dev/null
mkdir -p "$TESTPATCHES"
rm -f "$TESTPATCHES"/*.patch
[ "$tn" = 0 ] || cp "$tmp"/t/*.patch "$TESTPATCHES/"
stamp=$(patches_stamp "$base")
printf '%s %s %s\n' "$stamp" "$head" "$thead" >"$stampfile"
log "exported $n patches to patches/, $tn test-only patches to ${TESTPATCHES#"$TOP"/}/"
