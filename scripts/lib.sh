# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the harness scripts; sourced, never run.
# shellcheck shell=bash

# Repository root and the one ignored directory that holds every output.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
# The kernel work tree the series is applied in (a git repository or a
# worktree of the user's KERNEL_SRC).
KTREE=${KTREE:-$BUILD/linux}
# UPTO=N builds and tests the series' first N patches only (a posting with
# the ones before it, see MAINTAINERS-notes; 0 is the bare base): checked
# out in a worktree of their own, build/upto/tree (scripts/prefix.sh), and
# built in build/VARIANT-uptoN. base, apply and export keep working on
# SERIES_TREE, the tree that holds the whole series.
upto_sfx=
if [ -n "${UPTO:-}" ]; then
	if ! [[ $UPTO =~ ^(0|[1-9][0-9]*)$ ]]; then
		printf '%s: error: UPTO=%s: not a number of patches\n' "${0##*/}" "$UPTO" >&2
		exit 1
	fi
	export SERIES_TREE=${SERIES_TREE:-$KTREE}
	KTREE=$BUILD/upto/tree
	upto_sfx=-upto$UPTO
else
	export -n SERIES_TREE
	SERIES_TREE=$KTREE
fi
# The series, as git format-patch output.
PATCHES=${PATCHES:-$TOP/patches}
# Test-only kernel patches (tests/kernel/README): instrumentation and tests
# that make check needs and upstream would not take. apply.sh puts them on
# top of the series as branch lazytlb/test, the branch the work tree holds
# and the harness builds; export.sh writes them back here.
TESTPATCHES=${TESTPATCHES:-$TOP/tests/kernel}
# Variant: a named set of config fragments, see kernel-config/variants.
# Unset, it is the kernel a user of the series tests: SHOOTDOWN with its
# checks ('default' is the series with its options off).
VARIANT=${VARIANT:-shootdown}
VDIR=${VDIR:-$BUILD/$VARIANT$upto_sfx}
SERIES_BRANCH=${SERIES_BRANCH:-lazytlb/series}
BASE_BRANCH=${BASE_BRANCH:-lazytlb/base}
TEST_BRANCH=${TEST_BRANCH:-lazytlb/test}
export TOP BUILD KTREE PATCHES TESTPATCHES VARIANT SERIES_BRANCH BASE_BRANCH TEST_BRANCH

_t0=${_t0:-$(date +%s)}
export _t0

# The variables 'make help' lists, checked here, once, before any work:
# one line naming the variable, the value and what it takes. (VARIANT,
# SELFTESTS, RUN, KERNEL_SRC, OLD and POSTING name things the scripts that
# use them look up; UPTO is checked above.)
check_inputs() {
	local bad='' v n mib total max machine np
	# bad VAR WHAT: note one wrong value.
	bad() { bad+="${bad:+$'\n'}$1=${!1}: $2"; }
	if [ -n "${SMP:-}" ]; then
		# make bench takes a list of CPU counts (its kernels have
		# NR_CPUS=64); everything else one, up to what the variant's
		# machine takes: QEMU's virt has 8 CPUs with its default GICv2,
		# 512 with a later GIC (kernel-config/qemu's machine setting).
		machine=$(guest_setting machine "$QEMU_MACHINE")
		if [ "${0##*/}" = bench.sh ]; then
			max=64
			[[ $SMP =~ ^[0-9]+( [0-9]+)*$ ]] && n=$SMP || n=x
		elif [ "$KARCH" = powerpc ]; then
			# pseries: the guest kernel's NR_CPUS (virt-powerpc.config).
			max=16 machine="pseries (NR_CPUS=16)"
			[[ $SMP =~ ^[0-9]+$ ]] && n=$SMP || n=x
		else
			max=8
			[[ $machine != *gic-version=* || $machine == *gic-version=2* ]] || max=512
			[[ $SMP =~ ^[0-9]+$ ]] && n=$SMP || n=x
		fi
		for v in $n; do
			if ! [[ $v =~ ^[0-9]{1,4}$ ]] || [ "$v" -lt 2 ] || [ "$v" -gt $max ]; then
				bad SMP "the guest's CPU count, 2 to $max (the series' tests run threads on several CPUs; $([ "${0##*/}" = bench.sh ] && echo "make bench's kernels have NR_CPUS=64" || echo "$VARIANT's machine, $machine, takes up to $max"))"
				break
			fi
		done
	fi
	if [ -n "${MEM:-}" ]; then
		if [[ $MEM =~ ^([1-9][0-9]{0,6})([MmGgTt]?)$ ]]; then
			mib=${BASH_REMATCH[1]}
			case ${BASH_REMATCH[2],,} in g) mib=$((mib * 1024)) ;; t) mib=$((mib * 1048576)) ;; esac
			total=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo 2>/dev/null || echo 0)
			if [ "$mib" -lt 256 ]; then
				bad MEM "the guest's memory, at least 256M"
			elif [ "${total:-0}" -gt 0 ] && [ "$mib" -gt "$total" ]; then
				bad MEM "more than this host's memory (${total}M): the guest's memory must fit"
			fi
		else
			bad MEM "the guest's memory as QEMU's -m takes it: a whole number of MiB, or with M, G or T (1G, 2048M)"
		fi
	fi
	for v in GUEST_TIMEOUT JOBS SOAK_MINUTES KEEP_RUNS; do
		[ -z "${!v:-}" ] || [[ ${!v} =~ ^[1-9][0-9]{0,6}$ ]] ||
			case $v in
			GUEST_TIMEOUT) bad $v "the guest's time limit: a whole number of seconds, at least 1" ;;
			JOBS) bad $v "the build's parallel jobs: a whole number, at least 1" ;;
			SOAK_MINUTES) bad $v "the soak's length: a whole number of minutes, at least 1" ;;
			KEEP_RUNS) bad $v "how many runs of a variant to keep: a whole number, at least 1" ;;
			esac
	done
	[ -z "${ACCEL:-}" ] || [[ $ACCEL =~ ^[a-z0-9_]+(,[a-z0-9_-]+=[a-z0-9_.-]+)*$ ]] || bad ACCEL "QEMU's -accel value: tcg, tcg,thread=single, tcg,thread=multi, ..."
	[ -z "${REPEAT:-}" ] || [[ $REPEAT =~ ^[1-9]$ ]] || bad REPEAT "how many times the guest runs each selftest: 1 to 9"
	[ -z "${W:-}" ] || [[ $W =~ ^[123ce]+$ ]] || bad W "the kernel's extra warnings: W=1, 2, 3, c, e or a mix (W=12)"
	[ -z "${C:-}" ] || [[ $C =~ ^[12]$ ]] || bad C "sparse: C=1 (the files rebuilt) or C=2 (all)"
	for v in FORCE REWRITE; do
		[ -z "${!v:-}" ] || [[ ${!v} =~ ^[01]$ ]] || bad $v "$v=1 (or 0)"
	done
	if [ -n "${UPTO:-}" ]; then
		np=$(series_patches | wc -l)
		[ "$np" = 0 ] || [ "$UPTO" -le "$np" ] || bad UPTO "a number of patches, 0 to $np (patches/ has $np)"
	fi
	if [ -n "${KERNEL_SRC:-}" ]; then
		if ! git -C "$KERNEL_SRC" rev-parse --git-dir >/dev/null 2>&1; then
			bad KERNEL_SRC "a kernel git repository (no repository there)"
		elif [ -n "${KERNEL_BASE:-}" ] && ! git -C "$KERNEL_SRC" rev-parse -q --verify "$KERNEL_BASE^{commit}" >/dev/null; then
			bad KERNEL_BASE "a commit, tag or branch of KERNEL_SRC=$KERNEL_SRC (not found there)"
		fi
	fi
	[ -z "$bad" ] || die "$(printf '%s\n' "$bad" | sed "2,\$s/^/${0##*/}: error: /")"
	return 0
}

# A progress line: elapsed seconds since the top-level command started.
log() {
	printf '[%4ds] %s: %s\n' $(($(date +%s) - _t0)) "${0##*/}" "$*" >&2
}

die() {
	printf '%s: error: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

# Disk space. _df DIR: "DEVICE MOUNT FREE_MIB" of the filesystem holding
# DIR (or its nearest existing parent).
_df() {
	local d=$1
	while [ ! -e "$d" ] && [ "$d" != / ]; do d=$(dirname "$d"); done
	df -Pk "$d" 2>/dev/null | awk 'NR == 2 { print $1, $6, int($4 / 1024) }'
}
# disk_where DIR: "DEVICE (mounted at MOUNT, N MiB free)"; disk_free_mib DIR.
disk_where() {
	local dev mnt free
	read -r dev mnt free < <(_df "$1") || return 0
	printf '%s (mounted at %s, %s MiB free)' "$dev" "$mnt" "$free"
}
disk_free_mib() { _df "$1" | cut -d' ' -f3; }
# need_space DIR MIB WHAT: stop before WHAT when DIR's filesystem has less
# than MIB MiB free.
need_space() {
	local free
	free=$(disk_free_mib "$1")
	[ -z "$free" ] || [ "$free" -ge "$2" ] ||
		die "$3 needs about $2 MiB in ${1#"$TOP"/}, and $(disk_where "$1") has $free: free some space (make clean VARIANT=..., or remove build/*/runs)"
}
# write_atomic DEST CMD...: run CMD, every '{}' in it replaced by a
# temporary file next to DEST, which then replaces DEST only if CMD
# succeeded: a failed or interrupted write never leaves a truncated DEST.
write_atomic() {
	local dest=$1 tmp a=() x rc=0
	shift
	tmp=$(dirname "$dest")/.$(basename "$dest").tmp.$$
	for x in "$@"; do a+=("${x//'{}'/$tmp}"); done
	"${a[@]}" || rc=$?
	if [ $rc != 0 ]; then
		x=$(disk_where "$dest")
		rm -f "$tmp"
		die "writing ${dest#"$TOP"/} failed (status $rc; $x); the previous one, if any, is left as it was"
	fi
	mv -f "$tmp" "$dest"
}
# A failing script names a nearly full disk, the likely cause of errors
# that do not say so (git's "writing filebuf failed", a short write).
# Scripts add their own exit actions with at_exit CMD.
_at_exit=()
at_exit() { _at_exit+=("$1"); }
_on_exit() {
	local rc=$? c free
	for c in "${_at_exit[@]}"; do eval "$c" || true; done
	[ "$rc" != 0 ] || return 0
	free=$(disk_free_mib "$BUILD")
	if [ -n "$free" ] && [ "$free" -lt "${LOW_SPACE_MIB:-1024}" ]; then
		printf '%s: the disk holding %s, %s, is nearly full: the likely cause of this failure\n' \
			"${0##*/}" "${BUILD#"$TOP"/}" "$(disk_where "$BUILD")" >&2
	fi
}
trap _on_exit EXIT

# need CMD PACKAGE: fail with the Debian package that provides CMD.
need() {
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' not found: install the Debian package '$2' (or run 'make deps')"
}

# Print the --help text: the comment block after the shebang line.
usage() {
	awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}

# flag_arg FLAG ARG: for scripts that take at most one option, FLAG.
# Handles -h/--help; true if ARG is FLAG, false if it is empty.
flag_arg() {
	case "${2:-}" in
	-h | --help) usage; exit 0 ;;
	"$1") return 0 ;;
	"") return 1 ;;
	*) usage >&2; die "unknown argument '$2'" ;;
	esac
}

# Handle -h/--help for scripts that take no other options.
help_or_none() {
	case "${1:-}" in
	-h | --help) usage; exit 0 ;;
	"") ;;
	*) usage >&2; die "unknown argument '$1'" ;;
	esac
}

# Debian archive address, read from the machine's own apt configuration.
debian_mirror() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list; do
		[ -r "$f" ] || continue
		case "$f" in
		*.sources)
			uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }' "$f")
			;;
		*)
			uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):.*\/debian\/?$/) { print $i; exit } }' "$f")
			;;
		esac
		if [ -n "$uri" ]; then
			printf '%s\n' "${uri%/}"
			return 0
		fi
	done
	return 1
}

# Private apt state under $BUILD/apt: nothing of the host's dpkg or apt
# configuration is changed. Extra arguments go to apt-get.
APTDIR=$BUILD/apt
apt_private_opts() {
	printf '%s\n' \
		-o "Dir::Etc::SourceList=$APTDIR/sources.list" \
		-o "Dir::Etc::SourceParts=$APTDIR/sources.list.d" \
		-o "Dir::State::Lists=$APTDIR/lists" \
		-o "Dir::Cache=$APTDIR/cache" \
		-o "Dir::State::Status=$APTDIR/status" \
		-o "Debug::NoLocking=1" \
		-o "APT::Sandbox::User=root"
}

# apt_private_archs: the host's, arm64 and the guest's (DEB_ARCH).
apt_private_archs() {
	local a
	for a in amd64 arm64 $([ "$DEB_ARCH" = arm64 ] || echo "$DEB_ARCH"); do
		printf -- '-o\nAPT::Architectures::=%s\n' "$a"
	done
}

apt_private_update() {
	local mirror keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	mirror=$(debian_mirror) || die "no Debian archive found in /etc/apt; add one to the apt sources"
	mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/sources.list.d"
	: >"$APTDIR/status"
	if [ -r "$keyring" ]; then
		keyring="[signed-by=$keyring] "
	else
		keyring=""
	fi
	local suite
	for suite in experimental sid; do
		printf 'deb %s%s %s main\n' "$keyring" "$mirror" "$suite"
	done >"$APTDIR/sources.list"
	# Sources, for tools bookworm's packages are too old for (sparse).
	printf 'deb-src %s%s sid main\n' "$keyring" "$mirror" >>"$APTDIR/sources.list"
	# The lists of the architectures asked for last (a guest of another
	# architecture needs its own: a new update).
	local stamp=$APTDIR/updated.2
	[ "$DEB_ARCH" = arm64 ] || stamp+=-$DEB_ARCH
	if [ -z "$(find "$stamp" -mmin -720 2>/dev/null)" ]; then
		log "reading package lists from the configured Debian archive"
		# shellcheck disable=SC2046
		apt-get $(apt_private_opts) $(apt_private_archs) -qq update >&2 ||
			die "apt-get update of the private apt state failed"
		rm -f "$APTDIR"/updated.2*
		touch "$stamp"
	fi
}

# apt_private ARGS...: apt-get/apt-cache with the private state.
apt_private() {
	local cmd=$1
	shift
	# shellcheck disable=SC2046
	"$cmd" $(apt_private_opts) $(apt_private_archs) "$@"
}

# KTAP rows for the project's own checks: ktap_begin; ok_if NAME CMD...;
# ktap_end. CMD runs in a subshell with errexit in force (outside of any
# 'if' or '&&', where bash would ignore it), so a test function fails at
# its first failing command, not only at its last; its output is shown
# when it fails.
ktap_begin() {
	KTAP_N=0 KTAP_PASS=0 KTAP_FAIL=0
	echo "TAP version 13"
}

ok_if() {
	local name=$1 out rc
	shift
	KTAP_N=$((KTAP_N + 1))
	out=$(mktemp)
	set +e
	(
		set -e
		"$@"
	) >"$out" 2>&1
	rc=$?
	set -e
	if [ $rc = 0 ]; then
		echo "ok $KTAP_N $name"
		KTAP_PASS=$((KTAP_PASS + 1))
	else
		echo "not ok $KTAP_N $name"
		sed 's/^/# /' "$out"
		KTAP_FAIL=$((KTAP_FAIL + 1))
	fi
	rm -f "$out"
}

ktap_end() {
	echo "1..$KTAP_N"
	echo "$KTAP_PASS passed, $KTAP_FAIL failed"
	[ "$KTAP_FAIL" = 0 ]
}

# norm_warnings TREE <LOG: the compiler's warnings and errors in a build
# log, each once per occurrence, sorted, with paths relative to TREE and no
# line numbers (so that moved code does not count): what warnings.sh and
# archbuild.sh compare between the base and the series.
norm_warnings() {
	grep -E '(warning|error):' |
		sed -E "s|^$1/||; s|^(\.\./)*||; s|:[0-9]+:[0-9]+:|:|; s|:[0-9]+:|:|" | sort || true
}

# base_commit: the base commit, making the base tree only if there is
# none (a run in progress holds the lock base.sh takes; an existing base is
# only read).
base_commit() {
	if [ ! -s "$BUILD/base-commit" ] || ! git -C "$SERIES_TREE" rev-parse -q --verify "$BASE_BRANCH" >/dev/null; then
		"$TOP/scripts/base.sh"
	fi
	cat "$BUILD/base-commit"
}

# The series' patch files in order, the cover letter left out.
series_patches() {
	mkdir -p "$PATCHES"
	find "$PATCHES" -maxdepth 1 -name '*.patch' ! -name '0000-cover-letter.patch' | sort
}

# The test-only kernel patches in order.
test_patches() {
	[ -d "$TESTPATCHES" ] || return 0
	find "$TESTPATCHES" -maxdepth 1 -name '*.patch' | sort
}

# patches_stamp BASE: identifies BASE plus the content of patches/ and
# tests/kernel/, so that apply.sh can tell whether the tree already holds
# what export.sh wrote.
patches_stamp() {
	local p
	{
		echo "$1"
		series_patches | while IFS= read -r p; do cat "$p"; done
		echo "tests/kernel"
		test_patches | while IFS= read -r p; do cat "$p"; done
	} | sha1sum | cut -d' ' -f1
}

# list_names PATH: the first word of each line of PATH, '#' comments and
# empty lines left out, in order (nothing if there is no PATH).
list_names() {
	[ ! -f "$1" ] || sed -e 's/#.*//' "$1" | awk 'NF { print $1 }'
}

# variant_names FILE: names of the variants in kernel-config/FILE
# (variants: what make check runs), in order.
variant_names() {
	list_names "$TOP/kernel-config/$1"
}

# variant_line NAME: NAME's line in kernel-config/variants,
# check-all-variants, bench-variants or knownbad-variants (comments
# stripped), or nothing.
variant_line() {
	local f
	for f in variants check-all-variants bench-variants knownbad-variants; do
		[ ! -f "$TOP/kernel-config/$f" ] || sed -e 's/#.*//' "$TOP/kernel-config/$f"
	done | awk -v n="$1" '$1 == n { print; exit }'
}

# build_variant NAME: the variant whose kernel NAME boots: NAME itself, or
# OTHER for a line 'NAME =OTHER' (the same kernel under other QEMU settings).
build_variant() {
	local line
	line=$(variant_line "$1")
	case "$line" in
	*[[:space:]]=*) line=${line#*=}; printf '%s\n' "${line%%[[:space:]]*}" ;;
	*) printf '%s\n' "$1" ;;
	esac
}

# The kernel build of VARIANT: BDIR holds obj/ (the configured and built
# tree) and modroot/; VDIR the variant's own selftests, initramfs and logs.
# A caller may place both elsewhere: VDIR alone moves the build with it
# (scripts/warnings.sh), BDIR keeps it (scripts/quick.sh).
# An unknown VARIANT stops every script here, with the names there are.
if [ -z "$(variant_line "$VARIANT")" ]; then
	die "unknown VARIANT '$VARIANT'; known: $(variant_names variants | paste -sd' ') (and those of kernel-config/check-all-variants, bench-variants, knownbad-variants)"
fi
BVARIANT=$(build_variant "$VARIANT")
if [ "$BVARIANT" = "$VARIANT" ]; then
	BDIR=${BDIR:-$VDIR}
else
	BDIR=${BDIR:-$BUILD/$BVARIANT$upto_sfx}
fi
# shellcheck disable=SC2034 # used by the scripts that source this
OBJ=$BDIR/obj

# variant_arch NAME: the kernel architecture a variant builds for: its
# line's 'arch=ARCH' word, else arm64 (the series' own).
variant_arch() {
	local w
	for w in $(variant_line "$(build_variant "$1")"); do
		case $w in arch=*) printf '%s\n' "${w#arch=}"; return ;; esac
	done
	echo arm64
}
# What the kernel architecture of VARIANT takes, in one place: the cross
# compiler (CROSS_COMPILE, if given, wins) and its Debian package, the
# image the guest boots (relative to OBJ) and its make target, Debian's
# architecture and multiarch triplet for the guest's userspace, its
# dynamic loader (the path programs name), QEMU and its package, the
# console, QEMU's default machine and CPU and its virtio-serial device. powerpc: a pseries guest, powerpc64le, the radix MMU.
KARCH=$(variant_arch "$VARIANT")
# shellcheck disable=SC2034 # used by the scripts that source this
case $KARCH in
arm64)
	KCROSS=aarch64-linux-gnu- KCROSS_PKG=gcc-aarch64-linux-gnu KLIBC_PKG=libc6-dev-arm64-cross
	KIMAGE=arch/arm64/boot/Image KIMAGE_TARGET=Image DEB_ARCH=arm64 TRIPLET=aarch64-linux-gnu
	LDSO=lib/ld-linux-aarch64.so.1 QEMU=qemu-system-aarch64 QEMU_PKG=qemu-system-arm CONSOLE_TTY=ttyAMA0
	QEMU_MACHINE=virt QEMU_CPU=max QEMU_VSERIAL=virtio-serial-device
	;;
powerpc)
	KCROSS=powerpc64le-linux-gnu- KCROSS_PKG=gcc-powerpc64le-linux-gnu KLIBC_PKG=libc6-dev-ppc64el-cross
	KIMAGE=vmlinux KIMAGE_TARGET=vmlinux DEB_ARCH=ppc64el TRIPLET=powerpc64le-linux-gnu
	LDSO=lib64/ld64.so.2 QEMU=qemu-system-ppc64 QEMU_PKG=qemu-system-ppc CONSOLE_TTY=hvc0
	QEMU_MACHINE=pseries QEMU_CPU=power9 QEMU_VSERIAL=virtio-serial-pci
	;;
*) die "variant $VARIANT: arch=$KARCH: not an architecture the harness boots (arm64, powerpc)" ;;
esac
# arm64_only NAME...: the jobs that build arm64 kernels of their own
# (bench, bisect, warnings, kunit) refuse a variant of another
# architecture among those they were given.
arm64_only() {
	local v
	for v in "$@"; do
		[ "$(variant_arch "$v")" = arm64 ] ||
			die "variant $v is a $(variant_arch "$v") variant; ${0##*/} builds arm64 kernels (unset VARIANT, or name an arm64 one)"
	done
}
# A CROSS_COMPILE from the caller's environment applies; the default is
# not exported, so that a script run for a variant of another
# architecture takes its own.
CROSS_COMPILE=${CROSS_COMPILE:-$KCROSS}
# check_cross: in the scripts that compile for the guest (config, build,
# kselftest, initramfs), a CROSS_COMPILE given for another architecture
# (an arm64 developer's exported one under a powerpc variant) is named,
# not used.
check_cross() {
	local m
	[ "$CROSS_COMPILE" != "$KCROSS" ] && command -v "${CROSS_COMPILE}gcc" >/dev/null 2>&1 || return 0
	m=$("${CROSS_COMPILE}gcc" -dumpmachine 2>/dev/null || true)
	[[ $m == "${TRIPLET%%-*}"* ]] ||
		die "CROSS_COMPILE=$CROSS_COMPILE builds for ${m:-an unknown target}; variant $VARIANT is $KARCH ($TRIPLET): unset CROSS_COMPILE or give one for $TRIPLET"
}

# as_build_variant: in a script run for a variant that boots another one's
# kernel, run it again for that variant instead (config.sh, build.sh).
as_build_variant() {
	[ "$BVARIANT" != "$VARIANT" ] || return 0
	log "$VARIANT boots the kernel of $BVARIANT"
	exec env -u VDIR -u BDIR -u GUEST VARIANT="$BVARIANT" "$0"
}

# guest_settings KEY: the values of KEY for the guest of GUEST (default
# VARIANT) in kernel-config/qemu, one per line, in file order.
guest_settings() {
	[ -f "$TOP/kernel-config/qemu" ] || return 0
	sed -e 's/[[:space:]]*$//' "$TOP/kernel-config/qemu" | awk -v n="${GUEST:-$VARIANT}" -v k="$1" '
		/^[[:space:]]*(#|$)/ { next }
		$1 == n && $2 == k { sub(/^[[:space:]]*[^[:space:]]+[[:space:]]+[^[:space:]]+[[:space:]]*/, ""); print }'
}

# guest_setting KEY DEFAULT: the last value of KEY, or DEFAULT.
guest_setting() {
	local v
	v=$(guest_settings "$1" | tail -n 1)
	printf '%s\n' "${v:-$2}"
}

# One run at a time per build directory: the first script of a run takes
# build/.lock, and the scripts it starts inherit the descriptor and
# LAZYTLB_LOCK. A second run stops at once and names the holder; a lock
# dies with its holder. Helpers that only read (NO_LOCK=1 before sourcing
# this file) and --help take none.
take_lock() {
	[ -z "${LAZYTLB_LOCK:-}" ] || return 0
	mkdir -p "$BUILD"
	exec 9>>"$BUILD/.lock"
	if ! flock -n 9; then
		die "another run in $BUILD holds its lock (PID $(cat "$BUILD/.lock.pid" 2>/dev/null || echo unknown)); wait for it, or stop it"
	fi
	echo $$ >"$BUILD/.lock.pid"
	export LAZYTLB_LOCK=$BUILD/.lock
}
case "${1:-}" in
-h | --help) ;;
*)
	# Once, by the first script of a run: the scripts it starts may be
	# given values of their own (make bench's guests, a soak's timeout).
	if [ -z "${LAZYTLB_INPUTS_CHECKED:-}" ]; then
		check_inputs
		export LAZYTLB_INPUTS_CHECKED=1
	fi
	[ -n "${NO_LOCK:-}" ] || take_lock
	;;
esac
