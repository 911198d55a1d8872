#!/usr/bin/env bash
# initramfs.sh - assemble the guest's initramfs.
#
# Usage: [VARIANT=name] scripts/initramfs.sh
#
# Contents: guest/init.c compiled statically as /init; busybox (Debian's
# busybox-static for arm64), bash and GNU timeout (run_kselftest.sh calls
# /usr/bin/timeout --foreground, which busybox's timeout rejects), comm and
# mktemp (LKDTM's run.sh) with
# Debian's arm64 glibc; the installed selftests (scripts/kselftest.sh) under
# /kselftest; the modules of build/VARIANT/modroot; and
# /etc/kselftest-args, the run_kselftest.sh arguments made from
# selftests/collections, and /etc/kselftest-isolated, the tests of it that
# selftests/expect-reports lists. The arm64 packages are downloaded as files into
# build/dl/arm64 through the private apt state: dpkg's architecture list is
# not touched. Every ELF program is checked for libraries it needs that the
# image lacks. The archive is written with the kernel's usr/gen_initramfs.sh
# to build/VARIANT/initramfs.cpio.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"
check_cross

need "${CROSS_COMPILE}gcc" "$KCROSS_PKG"
need "${CROSS_COMPILE}readelf" "binutils-$TRIPLET"
need dpkg-deb dpkg
[ -x "$OBJ/usr/gen_init_cpio" ] || die "no $OBJ/usr/gen_init_cpio: build the kernel with CONFIG_BLK_DEV_INITRD first"
# SELFTESTS=none: no selftests, for a guest that runs GUEST_EXTRA's
# programs instead (make bench); GUEST_EXTRA=DIR is copied into /kselftest.
noself=0
[ "${SELFTESTS:-}" != none ] || noself=1
[ $noself = 1 ] || [ -x "$VDIR/kselftest/run_kselftest.sh" ] || die "no selftests in $VDIR/kselftest: run 'make kselftest' first"
[ -z "${GUEST_EXTRA:-}" ] || [ -d "$GUEST_EXTRA" ] || die "GUEST_EXTRA=$GUEST_EXTRA: no such directory"

# Guest userspace from Debian's packages of the guest's architecture
# (arm64, ppc64el; cached across runs).
GUEST_PKGS="busybox-static bash coreutils libc6 libtinfo6 libgcc-s1"
DL=$BUILD/dl/$DEB_ARCH
if [ ! -f "$DL/.complete" ] || [ "$(cat "$DL/.complete")" != "$GUEST_PKGS" ]; then
	apt_private_update
	rm -rf "$DL"
	mkdir -p "$DL/debs" "$DL/root"
	log "downloading $DEB_ARCH packages: $GUEST_PKGS"
	# shellcheck disable=SC2046,SC2086 # a list, split on purpose
	(cd "$DL/debs" && apt_private apt-get -qq download $(printf "%s:$DEB_ARCH " $GUEST_PKGS)) >&2 ||
		die "apt-get download of the $DEB_ARCH packages failed"
	for d in "$DL"/debs/*.deb; do
		dpkg-deb -x "$d" "$DL/root/$(basename "$d" .deb)"
	done
	printf '%s' "$GUEST_PKGS" >"$DL/.complete"
fi

# pick NAME: the one file called NAME among the unpacked packages.
pick() {
	local f
	f=$(find "$DL/root" -name "$1" \( -type f -o -type l \) -print | sort | head -n 1)
	[ -n "$f" ] || die "no $1 in the $DEB_ARCH packages ($GUEST_PKGS)"
	printf '%s\n' "$f"
}

ST=$VDIR/initramfs
rm -rf "$ST"
mkdir -p "$ST"/{bin,sbin,usr/bin,usr/sbin,"lib/$TRIPLET",etc,root,tmp,run,proc,sys,dev,kselftest}
ln -s "../../lib/$TRIPLET" "$ST/usr/lib"
cp "$(pick busybox)" "$ST/bin/busybox"
ln -s busybox "$ST/bin/sh"
cp "$(pick bash)" "$ST/bin/bash"
# GNU comm and mktemp too: LKDTM's run.sh uses options busybox lacks
# (comm --nocheck-order, mktemp --tmpdir).
for p in timeout comm mktemp; do
	cp "$(find "$DL/root" -path "*/usr/bin/$p" -print -quit)" "$ST/usr/bin/$p"
done
# glibc and the few libraries the programs above and the selftests need.
# The dynamic loader at the path the programs name ($LDSO).
find "$DL/root" \( -name "${LDSO##*/}" -o -name 'lib*.so.*' \) \
	\( -type f -o -type l \) -path '*/lib/*' -exec cp -L {} "$ST/lib/$TRIPLET/" \;
mkdir -p "$ST/$(dirname "$LDSO")"
[ -e "$ST/$LDSO" ] || ln -s "$([ "${LDSO%/*}" = lib ] || echo ../lib/)$TRIPLET/${LDSO##*/}" "$ST/$LDSO"

"${CROSS_COMPILE}gcc" -static -O2 -Wall -Wextra -Werror -o "$ST/init" "$TOP/guest/init.c" ||
	die "cannot compile guest/init.c"
[ $noself = 1 ] || cp -a "$VDIR/kselftest/." "$ST/kselftest/"
[ -z "${GUEST_EXTRA:-}" ] || cp -a "$GUEST_EXTRA/." "$ST/kselftest/"
[ ! -d "$BDIR/modroot/lib/modules" ] || cp -a "$BDIR/modroot/lib/modules" "$ST/lib/"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$ST/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$ST/etc/group"

# run_kselftest.sh arguments, one per line, and the tests whose kernel
# reports are expected (selftests/expect-reports), which the guest runs
# each on its own, after the others (guest/init.c).
isolated=$(list_names "$TOP/selftests/expect-reports")
: >"$ST/etc/kselftest-isolated"
{ [ $noself = 1 ] || "$TOP/scripts/collections.sh"; } | while IFS= read -r t; do
	if grep -qxF -- "$t" <<<"$isolated"; then
		printf '%s\n' "$t" >>"$ST/etc/kselftest-isolated"
		continue
	fi
	case "$t" in
	*:*) printf -- '-t\n%s\n' "$t" ;;
	*) printf -- '-c\n%s\n' "$t" ;;
	esac
done >"$ST/etc/kselftest-args"

# Every dynamically linked program must find its libraries in the image.
missing=$(find "$ST" -type f -perm -u+x -print | while IFS= read -r f; do
	"${CROSS_COMPILE}readelf" -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
		while IFS= read -r lib; do
			[ -e "$ST/lib/$TRIPLET/$lib" ] || [ -e "$(dirname "$f")/$lib" ] ||
				printf '%s needs %s\n' "${f#"$ST"/}" "$lib"
		done
done)
[ -z "$missing" ] || die "libraries missing from the initramfs (add their Debian $DEB_ARCH package to GUEST_PKGS):
$missing"

printf 'nod /dev/console 0600 0 0 c 5 1\n' >"$VDIR/initramfs.extra"
# Under a temporary name first: a short write (a full disk) leaves the
# last complete initramfs, never a truncated one for the next boot.
rm -f "$VDIR/initramfs-tests"
need_space "$VDIR" 300 "the initramfs"
(cd "$OBJ" && write_atomic "$VDIR/initramfs.cpio" sh "$KTREE/usr/gen_initramfs.sh" -o {} \
	-d "2026-01-01 00:00:00 UTC" -u squash -g squash "$ST" "$VDIR/initramfs.extra")
# What the guest will run, for test.sh to hold against what it expects.
tests_list() { if [ $noself = 1 ]; then : >"$1"; else "$TOP/scripts/collections.sh" >"$1"; fi; }
write_atomic "$VDIR/initramfs-tests" tests_list {}
if [ $noself = 1 ]; then
	log "initramfs: $(du -h "$VDIR/initramfs.cpio" | cut -f1), no selftests, /kselftest from $GUEST_EXTRA"
else
	log "initramfs: $(du -h "$VDIR/initramfs.cpio" | cut -f1), $(grep -c . "$VDIR/kselftest/kselftest-list.txt") selftests"
fi
