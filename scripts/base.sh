#!/usr/bin/env bash
# base.sh - create the kernel work tree at the base the series applies to.
#
# Usage: scripts/base.sh [--update]
#
# Default: downloads the Debian package named in kernel-config/base
# (linux-source-X.Y at the recorded version) from the Debian archive the
# machine's apt configuration names, using a private apt state under
# build/apt, unpacks it into build/linux and commits it as branch
# lazytlb/base. The commit has fixed author, committer and dates, so its
# hash (the series' base-commit) is the same on every machine. Debian's
# .gitignore stanza that hides every top-level path is dropped first.
#
# KERNEL_SRC=/path/to/linux uses the user's own git tree instead: build/linux
# becomes a 'git worktree' of it at KERNEL_BASE (default: its HEAD), and the
# only change made to that repository is the branch lazytlb/series (and the
# worktree's administrative entry).
#
# --update: set kernel-config/base to the newest linux-source package at or
# above MIN_VERSION that the archive offers, then proceed.
#
# Does nothing when build/linux already holds the requested base.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# The whole series, also under UPTO (lib.sh).
KTREE=$SERIES_TREE

update=0
flag_arg --update "${1:-}" && update=1

need git git
BASEFILE=$TOP/kernel-config/base
# shellcheck source=/dev/null
. "$BASEFILE"
: "${MIN_VERSION:?} ${PACKAGE:?}"
mkdir -p "$BUILD"

# Fixed identity and dates of the base commit.
base_git() {
	GIT_AUTHOR_NAME="lazytlb harness" GIT_AUTHOR_EMAIL="harness@lazytlb.invalid" \
		GIT_COMMITTER_NAME="lazytlb harness" GIT_COMMITTER_EMAIL="harness@lazytlb.invalid" \
		GIT_AUTHOR_DATE="2026-01-01T00:00:00+0000" GIT_COMMITTER_DATE="2026-01-01T00:00:00+0000" \
		git -C "$KTREE" -c core.excludesFile=/dev/null -c core.autocrlf=false \
		-c core.fileMode=true -c commit.gpgSign=false "$@"
}

if [ -n "${KERNEL_SRC:-}" ]; then
	git -C "$KERNEL_SRC" rev-parse --git-dir >/dev/null 2>&1 ||
		die "KERNEL_SRC=$KERNEL_SRC is not a git repository"
	# The top of a kernel tree, not any directory of any repository: the
	# worktree and branches go into KERNEL_SRC's repository.
	top=$(git -C "$KERNEL_SRC" rev-parse --show-toplevel)
	if [ "$(cd "$KERNEL_SRC" && pwd -P)" != "$(cd "$top" && pwd -P)" ] ||
		! grep -q '^VERSION = ' "$KERNEL_SRC/Makefile" 2>/dev/null || [ ! -d "$KERNEL_SRC/arch/arm64" ]; then
		die "KERNEL_SRC=$KERNEL_SRC is not the top of a Linux tree (a Makefile with 'VERSION =' and arch/arm64 at the top of its repository)"
	fi
	want=$(git -C "$KERNEL_SRC" rev-parse --verify "${KERNEL_BASE:-HEAD}^{commit}") ||
		die "KERNEL_BASE=${KERNEL_BASE:-HEAD} is not a commit in $KERNEL_SRC"
	if [ -e "$KTREE/.git" ]; then
		have=$(git -C "$KTREE" rev-parse --path-format=absolute --git-common-dir)
		mine=$(git -C "$KERNEL_SRC" rev-parse --path-format=absolute --git-common-dir)
		[ "$have" = "$mine" ] ||
			die "$KTREE belongs to another repository; remove it ('make distclean') to switch to KERNEL_SRC"
	else
		log "adding worktree $KTREE of $KERNEL_SRC at $want"
		git -C "$KERNEL_SRC" worktree add --quiet --detach "$KTREE" "$want" >&2
	fi
	printf '%s\n' "$want" >"$BUILD/base-commit"
	log "base: $KERNEL_SRC at $(git -C "$KERNEL_SRC" describe --always "$want")"
	exit 0
fi

apt_private_update
if [ $update = 1 ]; then
	newest=$(apt_private apt-cache search --names-only '^linux-source-[0-9]+\.[0-9]+$' |
		awk '{ print $1 }' | sort -V | tail -n 1)
	[ -n "$newest" ] || die "the archive offers no linux-source package"
	nv=${newest#linux-source-}
	[ "$(printf '%s\n%s\n' "$MIN_VERSION" "$nv" | sort -V | head -n 1)" = "$MIN_VERSION" ] ||
		die "newest linux-source in the archive is $nv, below $MIN_VERSION"
	ver=$(apt_private apt-cache show "$newest" | awk '/^Version:/ { print $2 }' | sort -V | tail -n 1)
	sed -i -e "s/^PACKAGE=.*/PACKAGE=$newest/" -e "s/^VERSION=.*/VERSION=$ver/" "$BASEFILE"
	PACKAGE=$newest VERSION=$ver
	log "kernel-config/base now names $PACKAGE $VERSION"
fi

avail=$(apt_private apt-cache show "$PACKAGE" 2>/dev/null | awk '/^Version:/ { print $2 }')
if [ -n "${VERSION:-}" ] && ! printf '%s\n' "$avail" | grep -qxF "$VERSION"; then
	die "$PACKAGE $VERSION is no longer in the archive (it offers: ${avail:-nothing}); run 'make base-update' and check that patches/ still applies"
fi
[ -n "${VERSION:-}" ] || VERSION=$(printf '%s\n' "$avail" | sort -V | tail -n 1)
[ -n "$VERSION" ] || die "the archive offers no $PACKAGE"
desc="$PACKAGE $VERSION"
log "base: $desc"

if [ -e "$KTREE/.git" ] && [ "$(git -C "$KTREE" log -1 --format=%s "$BASE_BRANCH" 2>/dev/null)" = "Base: $desc" ]; then
	git -C "$KTREE" rev-parse "$BASE_BRANCH" >"$BUILD/base-commit"
	log "work tree already at $desc ($(cat "$BUILD/base-commit"))"
	exit 0
fi
[ ! -e "$KTREE" ] || die "$KTREE exists but is not at $desc; remove it ('make distclean') first"

# The package (160 MiB), the unpacked tree and its repository (2.4 GiB).
need_space "$BUILD" 3000 "the base tree"
dl=$BUILD/dl
mkdir -p "$dl"
deb=$(find "$dl" -name "${PACKAGE}_${VERSION//:/%3a}_all.deb" -print -quit)
if [ -z "$deb" ]; then
	log "downloading $desc"
	(cd "$dl" && apt_private apt-get -qq download "$PACKAGE=$VERSION") >&2 ||
		die "apt-get download $PACKAGE=$VERSION failed"
	deb=$(find "$dl" -name "${PACKAGE}_*.deb" -print -quit)
fi
log "unpacking $(basename "$deb")"
tmp=$KTREE.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/src/linux-source-*.tar.*'
tarball=$(find "$tmp/usr/src" -name 'linux-source-*.tar.*' -print -quit)
[ -n "$tarball" ] || die "no source tarball in $deb"
mkdir -p "$tmp/src"
tar -x -C "$tmp/src" --strip-components=1 -f "$tarball"
mv "$tmp/src" "$KTREE"
rm -rf "$tmp"

# Everything the tarball holds is committed, dot-files and files that match
# ignore patterns included (-f): mainline tracks them too.
# Debian's stanza at the end of .gitignore ("/*" then "!/debian/") hides
# every top-level path from git; drop it so the whole tree is committed.
gi=$KTREE/.gitignore
n=$(grep -n '^# Debian packaging' "$gi" | cut -d: -f1 || true)
if [ -n "$n" ]; then
	# The stanza is "", "#", "# Debian packaging ...", ..., "/*", "!/debian/".
	head -n $((n - 3)) "$gi" >"$gi.new"
	mv "$gi.new" "$gi"
fi
! grep -qx '/\*' "$gi" || die "cannot remove Debian's '/*' stanza from $gi"
log "committing the base tree (deterministic)"
base_git init -q -b "$BASE_BRANCH"
base_git config gc.auto 0
base_git add -A -f .
base_git commit -q -m "Base: $desc" -m "Unpacked from Debian's $PACKAGE package, version $VERSION,
with Debian's top-level .gitignore stanza removed."
git -C "$KTREE" rev-parse "$BASE_BRANCH" >"$BUILD/base-commit"
log "base commit $(cat "$BUILD/base-commit")"
