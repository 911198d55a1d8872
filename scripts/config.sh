#!/usr/bin/env bash
# config.sh - configure the kernel for the QEMU virt guest.
#
# Usage: [VARIANT=name] scripts/config.sh
#
# Merges, with the kernel's scripts/kconfig/merge_config.sh onto
# allnoconfig: kernel-config/virt.config, the guest platform of the
# variant's architecture (virt-arm64.config: QEMU virt; virt-powerpc.config:
# pseries), kernel-config/selftests.config,
# the 'config' file of every selftest collection named in
# selftests/collections, and last the fragments the variant lists in
# kernel-config/variants (or kernel-config/bench-variants). The result is
# build/VARIANT/obj/.config. Any option that does not reach .config with
# the requested value (a missing dependency, a renamed symbol) is an error
# that names the option.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"
check_cross

[ -d "$KTREE" ] || die "no kernel tree at $KTREE: run 'make base' first"
# The work tree holds the series where apply.sh leaves it: on the test
# branch (make base or make range-diff alone leave it at the base).
if [ -z "${UPTO:-}" ] && [ "$KTREE" = "$BUILD/linux" ] &&
	[ "$(git -C "$KTREE" symbolic-ref -q --short HEAD || true)" != "$TEST_BRANCH" ]; then
	at=$(git -C "$KTREE" log -1 --format='%h %s' 2>/dev/null || echo '?')
	if [ "$(git -C "$KTREE" rev-list --count "$BASE_BRANCH..HEAD" 2>/dev/null || echo 0)" = 0 ]; then
		die "the series is not applied in $KTREE (it is at $at): run 'make apply' (make run does it), then make config"
	fi
	die "$KTREE is not on $TEST_BRANCH (it is at $at; a rebase in progress?): finish it or 'git -C $KTREE checkout $TEST_BRANCH', then make config"
fi
# A variant that boots another one's kernel configures that one.
as_build_variant

# variant_fragments NAME: the fragment files of a variant, one per line.
variant_fragments() {
	local line
	line=$(variant_line "$1")
	# shellcheck disable=SC2086
	set -- $line
	shift
	printf '%s\n' "$TOP/kernel-config/virt.config" "$TOP/kernel-config/virt-$KARCH.config" \
		"$TOP/kernel-config/selftests.config"
	for f in "$@"; do
		[ "${f#arch=}" = "$f" ] || continue
		[ -f "$TOP/kernel-config/$f" ] || die "variant $VARIANT: no fragment kernel-config/$f"
		printf '%s\n' "$TOP/kernel-config/$f"
	done
}

# Order: base fragments, the collections' configs, then the variant's own
# fragments, which may turn off what a collection asks for (the variant
# without the series' debug options, say).
frags=()
vf=$(variant_fragments "$VARIANT")
mapfile -t vfrags <<<"$vf"
frags+=("${vfrags[@]:0:3}")
# The variant's own list, and SELFTESTS if set: running a subset (make run
# SELFTESTS=...) must not reconfigure and rebuild the kernel. A name that
# is no collection stops here.
colls=$(env -u SELFTESTS "$TOP/scripts/collections.sh")
[ -z "${SELFTESTS:-}" ] || colls+=$'\n'$("$TOP/scripts/collections.sh")
# selftests/config-not-merged: collections whose config is left out.
notmerged=$(list_names "$TOP/selftests/config-not-merged")
while IFS= read -r c; do
	[ -n "$c" ] || continue
	! grep -qxF "${c%%:*}" <<<"$notmerged" || continue
	f=$KTREE/tools/testing/selftests/${c%%:*}/config
	[ -f "$f" ] && frags+=("$f")
done <<<"$colls"
# A prefix of the series (UPTO) is configured as the whole series is: the
# configs of the series' collections it does not have yet count too (what
# they set that the prefix lacks is named below), so that the bare base and
# the series differ in code only (make bench compares their text).
if [ -n "${UPTO:-}" ]; then
	while IFS= read -r c; do
		! grep -qxF "${c%%:*}" <<<"$notmerged" || continue
		f=$SERIES_TREE/tools/testing/selftests/${c%%:*}/config
		[ -z "$c" ] || [ ! -f "$f" ] || frags+=("$f")
	done < <(env -u SELFTESTS "$TOP/scripts/collections.sh" --missing)
fi
frags+=("${vfrags[@]:3}")
# Fragments may be listed twice (two tests of one collection).
mapfile -t frags < <(printf '%s\n' "${frags[@]}" | awk '!seen[$0]++')

# A symbol a fragment names must exist in some Kconfig file: merge_config.sh
# says nothing of '# CONFIG_X is not set' for an X that does not exist.
syms=$(sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=.*/\1/p' -e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1/p' "${frags[@]}" | sort -u)
unknown=$(comm -23 <(printf '%s\n' "$syms") <(find "$SERIES_TREE" -name 'Kconfig*' -not -path '*/.git/*' -print0 |
	xargs -0 sed -n 's/^[[:space:]]*\(menu\)\{0,1\}config[[:space:]]\{1,\}\([A-Za-z0-9_]*\).*/CONFIG_\2/p' | sort -u))
if [ -n "$unknown" ]; then
	die "no such Kconfig symbol in $SERIES_TREE: $(paste -sd' ' <<<"$unknown") (in $(grep -l -E "($(paste -sd'|' <<<"$unknown"))([= ]|\$)" "${frags[@]}" | paste -sd' '))"
fi

mkdir -p "$OBJ" "$VDIR/logs"
clog=$VDIR/logs/config.log
log "configuring $VARIANT from ${#frags[@]} fragments"
# A configuration that fails leaves no .config for make build to take.
configured=0
unconfigure() { [ "$configured" = 1 ] || rm -f "$OBJ/.config"; }
at_exit unconfigure
# Under UPTO the fragments are merged with the whole series' Kconfig, and
# the prefix then keeps what it has (olddefconfig), as 'make bisect' does.
if ! (cd "$SERIES_TREE" && ARCH=$KARCH CROSS_COMPILE=$CROSS_COMPILE \
	scripts/kconfig/merge_config.sh -n -O "$OBJ" "${frags[@]}") >"$clog" 2>&1; then
	tail -n 20 "$clog" >&2
	die "merge_config.sh failed (log: $clog)"
fi
# selftests/config-unmet: what arm64 cannot set; config-unmet-ARCH what
# another architecture cannot set besides.
unmet=$TOP/selftests/config-unmet
unmet_arch=$TOP/selftests/config-unmet-$KARCH
[ "$KARCH" != arm64 ] && [ -f "$unmet_arch" ] || unmet_arch=/dev/null
bad=$(awk -v unmet="$unmet" -v unmet_arch="$unmet_arch" -v karch="$KARCH" '
	BEGIN {
		while ((getline l < unmet) > 0) if (l !~ /^#/ && l != "") { split(l, f); ok[f[1]] = 1 }
		while ((getline l < unmet_arch) > 0) if (l !~ /^#/ && l != "") { split(l, f); ok[f[1]] = ok_arch[f[1]] = 1 }
	}
	/^WARNING: (Value requested for|.* differs:)/ {
		w = $0; getline r; getline a
		for (o in ok) if (index(w, " " o " ")) { print "note: " o " not set (selftests/config-unmet" (o in ok_arch ? "-" karch : "") ")" > "/dev/stderr"; next }
		print w " (" r "; " a ")"
	}' "$clog")
if [ -n "$bad" ]; then
	printf '%s\n' "$bad" >&2
	die "config fragments not honoured (a dependency is missing or a symbol was renamed); log: $clog"
fi
if [ -n "${UPTO:-}" ]; then
	cp "$OBJ/.config" "$VDIR/logs/config.series"
	make -C "$KTREE" O="$OBJ" ARCH="$KARCH" CROSS_COMPILE="$CROSS_COMPILE" olddefconfig >>"$clog" 2>&1 ||
		die "olddefconfig in $KTREE failed (log: $clog)"
	gone=$(comm -23 <(sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=.*/\1/p' "$VDIR/logs/config.series" | sort) \
		<(sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=.*/\1/p' "$OBJ/.config" | sort) | paste -sd' ')
	log "UPTO=$UPTO: options of the series this prefix does not have: ${gone:-none}"
fi
configured=1
log "wrote $OBJ/.config"
