#!/usr/bin/env bash
# build.sh - build the configured kernel, its modules and UAPI headers.
#
# Usage: [VARIANT=name] [JOBS=n] [W=1] [C=1] scripts/build.sh
#
# Builds out of tree in build/VARIANT/obj (configured by scripts/config.sh):
# arch/arm64/boot/Image (powerpc: vmlinux), the modules (installed, stripped, under
# build/VARIANT/modroot) and the UAPI headers the selftests compile against
# (build/VARIANT/obj/usr/include). The compiler runs under ccache, with
# the ccache directory in build/ccache and fixed KBUILD_BUILD_* values so
# that rebuilds hit; a variant built for the first time starts from the
# objects of the closest variant already built (SEED=none: from scratch).
# W= and C= are passed to kbuild. The full build log is
# build/VARIANT/logs/build.log; on failure its errors are printed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"
check_cross

need "${CROSS_COMPILE}gcc" "$KCROSS_PKG"
need ccache ccache
# A variant that boots another one's kernel builds that one.
as_build_variant
[ -f "$OBJ/.config" ] || die "no $OBJ/.config: run 'make config' first"
# A first build takes the most (default: 151 MiB with its selftests and
# initramfs; KASAN more); a rebuild little.
if [ -e "$OBJ/vmlinux" ]; then need=300; else need=${BUILD_SPACE_MIB:-1000}; fi
need_space "$OBJ" "$need" "a build of $VARIANT"

export CCACHE_DIR=${CCACHE_DIR:-$BUILD/ccache} CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1
export KBUILD_BUILD_TIMESTAMP="2026-01-01 00:00:00 UTC" KBUILD_BUILD_USER=lazytlb KBUILD_BUILD_HOST=harness
kmake=(make -C "$KTREE" O="$OBJ" ARCH="$KARCH" CROSS_COMPILE="$CROSS_COMPILE"
	CC="ccache ${CROSS_COMPILE}gcc" HOSTCC="ccache gcc" -j"${JOBS:-$(nproc)}")
[ -z "${W:-}" ] || kmake+=(W="$W")
[ -z "${C:-}" ] || kmake+=(C="$C")

blog=$VDIR/logs/build.log
mkdir -p "$VDIR/logs"

# A variant built for the first time starts from the objects of the built
# variant of the same tree whose configuration is closest, if any: Kbuild
# then rebuilds only what the difference reaches (make check's variants
# differ in a few options, and a cold build is most of its time).
# SEED=none builds from scratch.
# config_arch FILE: the architecture a .config was made for.
config_arch() { sed -n '3s|^# Linux/\([a-z0-9_]*\) .*|\1|p' "$1"; }
if [ ! -e "$OBJ/vmlinux" ] && [ "${SEED:-}" != none ]; then
	best='' bestd=''
	for o in "$BUILD"/*/obj; do
		if [ "$o" = "$OBJ" ] || [ ! -e "$o/vmlinux" ] || [ ! -f "$o/.config" ]; then
			continue
		fi
		# Built from this very tree (an O= tree's Makefile includes the source's).
		grep -qxF "include $KTREE/Makefile" "$o/Makefile" 2>/dev/null || continue
		# For the same architecture ('# Linux/ARCH ... Kernel Configuration').
		[ "$(config_arch "$o/.config")" = "$(config_arch "$OBJ/.config")" ] || continue
		d=$(diff <(grep '^CONFIG_' "$o/.config") <(grep '^CONFIG_' "$OBJ/.config") | grep -c '^[<>]' || true)
		if [ -z "$bestd" ] || [ "$d" -lt "$bestd" ]; then
			best=$o bestd=$d
		fi
	done
	if [ -n "$best" ]; then
		log "starting from the objects of ${best#"$BUILD"/} ($bestd configuration lines differ)"
		cp "$OBJ/.config" "$OBJ/.config.want"
		cp -a "$best/." "$OBJ/"
		mv "$OBJ/.config.want" "$OBJ/.config"
		touch "$OBJ/.config"
	fi
fi
log "building $KIMAGE_TARGET, modules and headers for $VARIANT (log: $blog)"
if ! "${kmake[@]}" "$KIMAGE_TARGET" modules headers >"$blog" 2>&1; then
	grep -E -m 40 'error|Error|\*\*\*' "$blog" >&2 || tail -n 40 "$blog" >&2
	die "kernel build failed (log: $blog)"
fi
rm -rf "$VDIR/modroot"
if grep -q '^CONFIG_MODULES=y' "$OBJ/.config"; then
	"${kmake[@]}" INSTALL_MOD_PATH="$VDIR/modroot" INSTALL_MOD_STRIP=1 \
		modules_install >>"$blog" 2>&1 || die "modules_install failed (log: $blog)"
fi
grep -E '(warning|error):' "$blog" | sort -u >"$VDIR/logs/build-warnings.txt" || true
nw=$(wc -l <"$VDIR/logs/build-warnings.txt")
log "built $(du -h "$OBJ/$KIMAGE" | cut -f1) $KIMAGE_TARGET, $nw compiler warnings (build/$VARIANT/logs/build-warnings.txt)"
