#!/usr/bin/env bash
# bench.sh - what the series costs and saves, counted by the emulator.
#
# Usage: [SMP="8 32"] [SCAN_SMP="4 16 64"] [SCALE=1] [ROUNDS=3] [LINE=64]
#        [KERNELS="base refcount shootdown record unfiltered"] scripts/bench.sh [--smoke]
#
# Boots each kernel under QEMU with the TCG plugin tests/plugin/
# lazytlb-count.c, deterministically (one host thread runs the vCPUs in
# turn, -icount shift=4,sleep=off, -seed, nokaslr): the emulator
# counts, nothing in the kernel under test does. Per phase of the guest's
# workload: instructions, atomics, barriers, shootdown calls (local,
# remote, to an idle vCPU), and a coherence model of the data cache
# lines (LINE bytes): transfers and remote misses per class of line (the
# benchmark mms' mm_count, every CPU's lazy TLB record, mm_cpumask(), the
# IPIs' call_single_data and queues, other kernel lines).
# The kernels, debug options off in all, NR_CPUS=64
# (kernel-config/bench-variants):
#   base        the bare base (bench-refcount at UPTO=0): REFCOUNT
#   refcount    the series, CONFIG_ARM64_LAZY_TLB_SHOOTDOWN=n (bench-refcount)
#   shootdown   the series, CONFIG_ARM64_LAZY_TLB_SHOOTDOWN=y (bench-shootdown):
#               the records of the CPUs in mm_cpumask()
#   record      shootdown asking every online CPU's record, no mask (the
#               design before: tests/bench/record.diff, bench-record)
#   unfiltered  shootdown IPIing every online CPU (tests/bench/unfiltered.diff,
#               bench-unfiltered)
# The workloads (selftests/bench/lazytlb-bench.c, with the out-of-tree
# module lazytlb_kbench.c built against each kernel): will-it-scale's
# context_switch1 with threads and with processes, pair k on CPUs 2k and
# 2k+1, 1, 2, 4 .. SMP/2 pairs; serial and parallel fork/exec/exit; a
# thread on every CPU then exit, the other CPUs left idle or made to run
# another mm; at the first -smp of SMP also the plugin's exact tests,
# user -> kthread -> user round trips and a munmap storm. Every kernel at
# each -smp of SMP, the first kernel twice at the first (repeatability),
# the exit workloads of the shootdown kernels at each -smp of SCAN_SMP;
# ROUNDS interleaved boots without the plugin for round trips per second;
# the text of vmlinux and of the objects the series touches, base against
# refcount. SCALE multiplies the workloads' lengths.
#
# The tables go to build/logs/bench.txt and docs/performance.md
# (scripts/bench-report.py). With --smoke (make check): the plugin's exact
# tests and a few round trips on make check's REFCOUNT kernel ('default'),
# as rows with a closing line 'N passed, N failed' (built only when
# there is none).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
arm64_only "$VARIANT"
smoke=0
flag_arg --smoke "${1:-}" && smoke=1

S=$TOP/scripts
# The smoke test keeps to a directory of its own: a make check after a
# make bench leaves the bench's runs alone.
B=$BUILD/bench
[ $smoke = 0 ] || B=$BUILD/bench/smoke
SMP=${SMP:-8 32}
SCALE=${SCALE:-1}
ROUNDS=${ROUNDS:-3}
SCAN_SMP=${SCAN_SMP:-4 16 64}
if [ $smoke = 1 ]; then
	KERNELS=refcount SMP=${SMP_SMOKE:-4} SCAN_SMP=
else
	KERNELS=${KERNELS:-base refcount shootdown record unfiltered}
fi
read -r -a kernels <<<"$KERNELS"
for k in "${kernels[@]}"; do
	case "$k" in base | refcount | shootdown | record | unfiltered) ;;
	*) die "KERNELS: unknown kernel '$k' (base refcount shootdown record unfiltered)" ;;
	esac
done
[[ $SCALE =~ ^[1-9][0-9]*$ ]] || die "SCALE=$SCALE: a multiplier, 1 or more"
[[ $ROUNDS =~ ^[0-9]+$ ]] || die "ROUNDS=$ROUNDS: a number of wall-clock rounds, 0 or more"
for n in $SMP $SCAN_SMP; do
	case "$n" in
	[2-9] | [1-5][0-9] | 6[0-4]) ;;
	*) die "SMP and SCAN_SMP: CPU counts from 2 to 64, not '$n' (the bench kernels have NR_CPUS=64)" ;;
	esac
done
case "${LINE:-64}" in 16 | 32 | 64 | 128 | 256) ;; *) die "LINE=${LINE}: a cache line size, 16 to 256 bytes" ;; esac
need gcc gcc
need "${CROSS_COMPILE}gcc" gcc-aarch64-linux-gnu
need python3 python3
"$S/deps.sh"
"$S/base.sh"
"$S/apply.sh"
mkdir -p "$B" "$BUILD/logs"

# kernel_env K: the environment that names kernel K's tree and build.
kernel_env() {
	case "$1" in
	base) echo "VARIANT=bench-refcount UPTO=0" ;;
	refcount)
		# --smoke: make check's own REFCOUNT build, no kernel of its own
		if [ $smoke = 1 ]; then echo "VARIANT=default"; else echo "VARIANT=bench-refcount"; fi
		;;
	shootdown) echo "VARIANT=bench-shootdown" ;;
	record | unfiltered) echo "VARIANT=bench-$1 KTREE=$BUILD/bench/$1-tree" ;;
	esac
}
# kernel_obj K: its build directory, as lib.sh names it for K's
# environment (the one config.sh and build.sh get in build_kernel).
kernel_obj() {
	# shellcheck disable=SC2046,SC2016 # split on purpose; expanded by bash -c
	env $(kernel_env "$1") NO_LOCK=1 bash -c '. "$1" && printf "%s\n" "$OBJ"' bash "$S/lib.sh"
}

# diff_tree K: the tree of kernel K (record, unfiltered): lazytlb/test's
# head plus tests/bench/K.diff, left alone when it already is that (no
# rebuild of what the diff touches).
diff_tree() {
	local t=$BUILD/bench/$1-tree d=$TOP/tests/bench/$1.diff head n
	head=$(git -C "$KTREE" rev-parse "$TEST_BRANCH")
	n=$(grep -c '^+++ ' "$d")
	if [ ! -e "$t/.git" ]; then
		git -C "$KTREE" worktree add --quiet --detach "$t" "$head"
	fi
	if [ "$(git -C "$t" rev-parse HEAD)" = "$head" ] &&
		git -C "$t" apply --reverse --check "$d" 2>/dev/null &&
		[ "$(git -C "$t" status --porcelain --untracked-files=no | wc -l)" = "$n" ]; then
		return 0
	fi
	git -C "$t" checkout --quiet --force --detach "$head"
	git -C "$t" apply "$d" ||
		die "tests/bench/$1.diff does not apply to the head of $TEST_BRANCH ($t)"
}

# build_kernel K: configure and build kernel K (incremental).
build_kernel() {
	local k=$1
	log "== kernel $k: $(kernel_env "$k")"
	case "$k" in record | unfiltered) diff_tree "$k" ;; esac
	# shellcheck disable=SC2046 # the environment, split on purpose
	if [ "$k" = base ]; then env $(kernel_env "$k") "$S/prefix.sh"; fi
	# shellcheck disable=SC2046
	env $(kernel_env "$k") "$S/config.sh"
	# shellcheck disable=SC2046
	env $(kernel_env "$k") "$S/build.sh"
}

# The plugin and the guest program, built once.
PLUGIN_SO=$B/lazytlb-count.so
log "building the plugin $PLUGIN_SO and the guest program"
gcc -std=gnu11 -shared -fPIC -O2 -Wall -Wextra -Werror -fvisibility=hidden \
	-o "$PLUGIN_SO" "$TOP/tests/plugin/lazytlb-count.c" ||
	die "cannot build tests/plugin/lazytlb-count.c"
"${CROSS_COMPILE}gcc" -static -O2 -Wall -Wextra -Werror -march=armv8.1-a -pthread \
	-o "$B/lazytlb-bench" "$TOP/selftests/bench/lazytlb-bench.c" ||
	die "cannot build selftests/bench/lazytlb-bench.c"

# guest K: the module built against K, the initramfs in $B/K.
guest() {
	local k=$1 obj g
	obj=$(kernel_obj "$k")
	g=$B/$k/guest/bench
	rm -rf "$B/$k/mod" "$B/$k/guest"
	mkdir -p "$B/$k/mod" "$g"
	cp "$TOP/selftests/bench/lazytlb_kbench.c" "$TOP/selftests/bench/Kbuild" "$B/$k/mod/"
	make -s -C "$obj" ARCH=arm64 CROSS_COMPILE="$CROSS_COMPILE" M="$B/$k/mod" modules \
		>"$B/$k/mod/build.log" 2>&1 || die "lazytlb_kbench.ko does not build against $k (log: $B/$k/mod/build.log)"
	cp "$B/$k/mod/lazytlb_kbench.ko" "$B/lazytlb-bench" "$g/"
	# shellcheck disable=SC2046
	env $(kernel_env "$k") VDIR="$B/$k" BDIR="$(dirname "$obj")" SELFTESTS=none \
		GUEST_EXTRA="$B/$k/guest" "$S/initramfs.sh"
}

# symrange MAP NAME: the address of NAME in System.map MAP (sorted by
# address) and the next symbol's, the end of NAME: "START:END", or nothing.
symrange() {
	awk -v n="$2" '$3 == n && a == "" { a = $1; next }
		a != "" && e == "" && $1 != a { e = $1 }
		END { if (e != "") print a ":" e }' "$1"
}

# found_block VMLINUX START:END: in do_shoot_lazy_tlb(), the block that
# runs when the CPU is on the mm (current->active_mm == mm, its first
# test): the target of its first conditional branch if that is b.eq, the
# instruction after it if b.ne. Executions of that block are the CPUs the
# shootdown found on the mm; of the function, those it reached.
found_block() {
	local kind addr
	read -r kind addr < <("${CROSS_COMPILE}objdump" -d --no-show-raw-insn --start-address="0x${2%%:*}" \
		--stop-address="0x${2#*:}" "$1" | awk -F'\t' '
		!done && $2 ~ /^b\.(eq|ne)/ { a = $1; sub(/^ */, "", a); sub(/:$/, "", a); split($3, t, " ")
			print substr($2, 3, 2), ($2 ~ /eq/ ? t[1] : a); done = 1 }') || true
	case "$kind" in
	eq) echo "$addr" ;;
	ne) printf '%x\n' $((0x$addr + 4)) ;;
	esac
}

# mib SIZE: QEMU's -m SIZE (1G, 2048M, 512) in MiB.
mib() {
	case "$1" in
	*[Gg]) echo $((${1%[Gg]} * 1024)) ;;
	*[Mm]) echo "${1%[Mm]}" ;;
	*) echo "$1" ;;
	esac
}

# boot K TAG SMP ARGS [plugin]: boot kernel K's bench guest once; with
# the plugin, deterministically (one host thread, -icount).
boot() {
	local k=$1 tag=$2 smp=$3 args=$4 plug=${5:-} obj map scanargs='' r mem params=''
	obj=$(kernel_obj "$k")
	map=$obj/System.map
	mem=${MEM:-$(GUEST=bench guest_setting mem 1G)}
	local plugin=''
	if [ -n "$plug" ]; then
		for f in scan:lazy_tlb_cpu_may_hold scan:arch_lazy_tlb_cpu_may_hold \
			cond:on_each_cpu_cond_mask cond:smp_call_function_many_cond; do
			r=$(symrange "$map" "${f#*:}")
			[ -z "$r" ] || scanargs+=",${f%%:*}=$r"
		done
		r=$(symrange "$map" __mmdrop)
		[ -z "$r" ] || scanargs+=",entry=mmdrop@${r%%:*}"
		r=$(symrange "$map" __schedule)
		[ -z "$r" ] || scanargs+=",entry=schedule@${r%%:*}"
		r=$(symrange "$map" do_shoot_lazy_tlb)
		if [ -n "$r" ]; then
			scanargs+=",entry=shoot@${r%%:*}"
			r=$(found_block "$obj/vmlinux" "$r")
			[ -z "$r" ] || scanargs+=",entry=found@$r"
		fi
		# RAM of the virt machine starts at 1 GiB.
		scanargs+=",ram=40000000:$(printf '%x' $(($(mib "$mem") << 20))),line=${LINE:-64}"
		plugin="$PLUGIN_SO,out=$B/$k/plugin-$tag.txt$scanargs"
		rm -f "$B/$k/plugin-$tag.txt"
		# the per-CPU lines the module watches (nokaslr: System.map holds)
		for v in record:lazy_tlb_mm csq:call_single_queue cfd:cfd_data; do
			r=$(awk -v n="${v#*:}" '$3 == n { print $1; exit }' "$map")
			[ -z "$r" ] || params+="${params:+:}${v%%:*}=0x$r"
		done
	fi
	log "boot $k ($tag): -smp $smp, guest args '$args'${plug:+, counted by the plugin, deterministic}"
	# shellcheck disable=SC2046
	env $(kernel_env "$k") GUEST=bench VDIR="$B/$k" BDIR="$(dirname "$obj")" SMP="$smp" \
		CONSOLE="$B/$k/console-$tag.log" KTAP="$B/$k/ktap-$tag.log" KLOG="$B/$k/klog-$tag.log" \
		PLUGIN="$plugin" DETERMINISTIC="${plug:+1}" SMT=0 GUEST_TIMEOUT="${GUEST_TIMEOUT:-1800}" \
		APPEND="nokaslr norandmaps harness_run=bench/lazytlb-bench harness_args=$args${params:+,$params}" "$S/boot.sh" ||
		die "bench guest $k ($tag) failed (console: $B/$k/console-$tag.log)"
	grep -q '^bench: done' "$B/$k/console-$tag.log" ||
		die "bench guest $k ($tag) did not finish (console: $B/$k/console-$tag.log)"
	printf '%s %s %s %s %s\n' "$k" "$tag" "$smp" "$B/$k/console-$tag.log" \
		"${plug:+$B/$k/plugin-$tag.txt}" >>"$B/runs.txt"
}

: >"$B/runs.txt"
if [ $smoke = 1 ]; then
	# make check built it just before; a bare 'make bench-smoke' builds it.
	[ -f "$(kernel_obj refcount)/arch/arm64/boot/Image" ] || build_kernel refcount
	guest refcount
	boot refcount smoke "$SMP" "smoke,1" plugin
	exec python3 "$S/bench-report.py" --smoke "$B/runs.txt"
fi

for k in "${kernels[@]}"; do build_kernel "$k"; done
for k in "${kernels[@]}"; do guest "$k"; done
# Counted, deterministic: every kernel at each -smp of SMP (all workloads
# at the first, the context switches and exits at the others), the first
# kernel twice at the first -smp (repeatability), the exit workloads of
# the shootdown kernels at each -smp of SCAN_SMP.
first=1
for n in $SMP; do
	for k in "${kernels[@]}"; do
		if [ $first = 1 ]; then
			boot "$k" "counts$n" "$n" "counts,$SCALE" plugin
		else
			boot "$k" "counts$n" "$n" "wide,$SCALE" plugin
		fi
	done
	if [ $first = 1 ]; then
		boot "${kernels[0]}" "counts$n-again" "$n" "counts,$SCALE" plugin
	fi
	first=0
done
for n in $SCAN_SMP; do
	for k in "${kernels[@]}"; do
		case "$k" in shootdown | record | unfiltered) boot "$k" "scan$n" "$n" "scan,$SCALE" plugin ;; esac
	done
done
# Wall-clock round trips at the first -smp of SMP, interleaved: base
# refcount shootdown, again.
for r in $(seq 1 "$ROUNDS"); do
	for k in "${kernels[@]}"; do
		case "$k" in record | unfiltered) continue ;; esac
		boot "$k" "time$r" "${SMP%% *}" "time,3"
	done
done
# Text: base against refcount, the options off.
text=$B/text.txt
: >"$text"
if [[ " $KERNELS " == *" base "* && " $KERNELS " == *" refcount "* ]]; then
	log "comparing the text of base and refcount"
	bo=$(kernel_obj base) ro=$(kernel_obj refcount)
	for k in base refcount; do
		printf 'size %s %s\n' "$k" "$("${CROSS_COMPILE}size" "$(kernel_obj "$k")/vmlinux" | tail -n 1)" >>"$text"
	done
	base=$(cat "$BUILD/base-commit")
	# What each build linked (vmlinux.a, modules.order), not what its
	# directory holds: a build started from another's objects keeps them.
	for k in base refcount; do
		o=$(kernel_obj "$k")
		{ ar t "$o/vmlinux.a" | sed "s|^$o/||"; cat "$o/modules.order"; } >"$B/linked-$k.txt" 2>/dev/null || true
	done
	built() { grep -qxF "$2" "$B/linked-$1.txt"; }
	git -C "$KTREE" diff --name-only "$base" "$SERIES_BRANCH" -- '*.c' | grep -v '^tools/' |
		while IFS= read -r c; do
			o=${c%.c}.o
			if ! built refcount "$o"; then
				printf 'object %s not-built\n' "$o"
			elif ! built base "$o"; then
				printf 'object %s new\n' "$o"
			elif cmp -s <("${CROSS_COMPILE}objdump" -d "$bo/$o" | tail -n +3) \
				<("${CROSS_COMPILE}objdump" -d "$ro/$o" | tail -n +3); then
				printf 'object %s same\n' "$o"
			else
				printf 'object %s differs %s\n' "$o" "$(diff <("${CROSS_COMPILE}objdump" -d --no-show-raw-insn "$bo/$o" | tail -n +3 | sed 's/^ *[0-9a-f]*:\t//') \
					<("${CROSS_COMPILE}objdump" -d --no-show-raw-insn "$ro/$o" | tail -n +3 | sed 's/^ *[0-9a-f]*:\t//') | grep -c '^[<>]')"
			fi
		done >>"$text"
fi
{
	printf 'host %s, %s cores\n' "$(uname -m)" "$(nproc)"
	printf 'qemu %s\n' "$(qemu-system-aarch64 --version | head -n 1)"
	printf 'cpu %s machine %s\n' "$(GUEST=bench guest_setting cpu max)" "$(GUEST=bench guest_setting machine virt)"
} >"$B/host.txt"
python3 "$S/bench-report.py" "$B/runs.txt" --text "$text" --host "$B/host.txt" \
	--out "$BUILD/logs/bench.txt" --doc "$TOP/docs/performance.md"
