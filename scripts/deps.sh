#!/usr/bin/env bash
# deps.sh - install the host tools the harness needs from Debian's packages.
#
# Usage: scripts/deps.sh [--check]
#
# Installs what is missing of: the aarch64 cross compiler and libc, the
# powerpc64le cross compiler (make archbuild) and libc, QEMU for
# arm64 and its UEFI firmware (qemu-efi-aarch64), QEMU for powerpc (make
# check-all's pseries guest), the kernel build tools (flex, bison, bc, libssl-dev, libelf-dev,
# kmod, cpio, rsync), ccache, sparse, b4, shellcheck, and python3-ply and
# python3-git for checkpatch.pl's SPDX check. It prints the
# packages it installs. Run it as root (CI does); as another user it prints
# the apt-get command to run. With --check it only reports what is missing
# and exits non-zero if anything is.
#
# The guest's arm64 (ppc64el) binaries (busybox-static, bash, GNU coreutils' timeout)
# are not installed here: scripts/initramfs.sh downloads them as package
# files into a private apt state, without touching dpkg's architecture list.
set -euo pipefail
NO_LOCK=1 . "$(dirname "$0")/lib.sh"

check_only=0
flag_arg --check "${1:-}" && check_only=1

# package:command-it-provides (the command is what the scripts call).
PKGS="
gcc-aarch64-linux-gnu:aarch64-linux-gnu-gcc
libc6-dev-arm64-cross:
binutils-aarch64-linux-gnu:aarch64-linux-gnu-ld
qemu-system-arm:qemu-system-aarch64
qemu-efi-aarch64:
gcc:gcc
gcc-powerpc64le-linux-gnu:powerpc64le-linux-gnu-gcc
libc6-dev-ppc64el-cross:
qemu-system-ppc:qemu-system-ppc64
make:make
perl:perl
flex:flex
bison:bison
bc:bc
libssl-dev:
libelf-dev:
kmod:depmod
cpio:cpio
rsync:rsync
xz-utils:xz
ccache:ccache
sparse:sparse
b4:b4
git:git
python3:python3
python3-ply:
python3-git:
shellcheck:shellcheck
ca-certificates:
"

missing=()
for pc in $PKGS; do
	p=${pc%%:*}
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	log "all host packages present"
	exit 0
fi
if [ $check_only = 1 ]; then
	printf 'missing Debian package: %s\n' "${missing[@]}" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	printf 'deps.sh: not root; run this, then try again:\n  sudo apt-get install %s\n' "${missing[*]}" >&2
	exit 1
fi
log "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
mkdir -p "$BUILD/logs"
aptlog=$BUILD/logs/deps.log
if ! { apt-get -q update && apt-get -y -q install --no-install-recommends "${missing[@]}"; } >"$aptlog" 2>&1; then
	tail -n 20 "$aptlog" >&2
	die "apt-get install failed for: ${missing[*]} (full log: $aptlog)"
fi
for pc in $PKGS; do
	c=${pc#*:}
	[ -z "$c" ] || need "$c" "${pc%%:*}"
done
log "installed ${#missing[@]} packages"
