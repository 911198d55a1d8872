#!/usr/bin/env bash
# boot.sh - boot the built kernel under qemu-system-aarch64 (powerpc
# variants: qemu-system-ppc64 -M pseries) and run the tests.
#
# Usage: [VARIANT=name] [GUEST=name] [SMP=4] [MEM=1G] [GUEST_TIMEOUT=secs]
#        [APPEND="..."] [REPEAT=N] [ACCEL=...] [QEMU_SYSTEM=path]
#        scripts/boot.sh [--shell]
#
# Boots the kernel of VARIANT (build/B/obj/arch/arm64/boot/Image, where B
# is VARIANT or the variant whose kernel it boots, kernel-config/variants)
# with build/VARIANT/initramfs.cpio on 'qemu-system-aarch64 -M virt
# -nographic -no-reboot' (a variant with arch=powerpc: obj/vmlinux on
# 'qemu-system-ppc64 -M pseries -cpu power9', the console on hvc0, the
# KTAP and boot log on virtio-pci consoles, one thread per core, and
# -accel tcg,thread=single on a QEMU before 9.1: see below), with the
# guest settings kernel-config/qemu gives
# VARIANT (or GUEST): CPU model (default max), machine options, SMP count
# (default 4), memory (default 1G), firmware (default none: QEMU loads the
# kernel itself; uefi: Debian's AAVMF firmware in pflash, with a fresh copy
# of its variable store, boots the same Image as an EFI application and
# passes it the initramfs and the command line) and kernel arguments. SMP,
# MEM and APPEND (added to the arguments) override them. REPEAT=N runs the
# tests N times in the one boot (the results then need the same verdict
# from every pass). The guest's init
# runs the selftests and powers off; an oops panics the kernel and a panic
# ends QEMU. The console (kernel log and test output) is kept in
# build/VARIANT/console.log, the KTAP the init copies to the virtio console
# in build/VARIANT/ktap.log, and the kernel log of the boot, all levels,
# which the init copies to a second virtio console before the tests, in
# build/VARIANT/kernel-boot.log.
#
# IMAGE and INITRD (INITRD=none: no initramfs) override the guest files.
# GUEST_TIMEOUT (default 1200 s of wall clock) cuts off a hung guest: the
# vCPUs' registers are read from QEMU's monitor (qemu-registers.txt; the PC
# and LR of each, named, go to the console log), QEMU is killed, the logs
# are kept and the exit status is 124. SIGINT (Ctrl-C) or SIGTERM stops
# QEMU at once; boot.sh then dies of that signal, the console kept. QEMU
# that could not start a guest at all (its own messages only) gives 125;
# any other non-zero QEMU status is passed on. --shell boots to an interactive shell
# instead of the tests (no timeout).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

shell=0
flag_arg --shell "${1:-}" && shell=1

CONSOLE=${CONSOLE:-$VDIR/console.log}
KTAP=${KTAP:-$VDIR/ktap.log}
KLOG=${KLOG:-$VDIR/kernel-boot.log}
# The last run's logs go first: a boot that fails before QEMU runs must
# not leave them to be read as its own.
[ $shell = 1 ] || rm -f "$CONSOLE" "$KTAP" "$KLOG"
# QEMU_SYSTEM: another build of QEMU (tests/qemu/README).
if [ -n "${QEMU_SYSTEM:-}" ]; then
	QEMU=$(command -v "$QEMU_SYSTEM") || die "QEMU_SYSTEM=$QEMU_SYSTEM: not an executable"
fi
need "$QEMU" "$QEMU_PKG"
need timeout coreutils
# System.map names the vCPUs' PCs of a hung guest, for the variant's own
# kernel only (not for an IMAGE given from elsewhere).
[ -n "${IMAGE:-}" ] || SYSMAP=$OBJ/System.map
IMAGE=${IMAGE:-$OBJ/$KIMAGE}
INITRD=${INITRD:-$VDIR/initramfs.cpio}
[ -f "$IMAGE" ] || die "no kernel image $IMAGE: run 'make build' first"
[ "$INITRD" = none ] || [ -f "$INITRD" ] || die "no initramfs $INITRD: run 'make initramfs' first"
mkdir -p "$(dirname "$CONSOLE")" "$(dirname "$KTAP")" "$(dirname "$KLOG")"

cpu=$(guest_setting cpu "$QEMU_CPU")
machine=$(guest_setting machine "$QEMU_MACHINE")
firmware=$(guest_setting firmware none)
smp=${SMP:-$(guest_setting smp 4)}
mem=${MEM:-$(guest_setting mem 1G)}
# watchdog_thresh=30: a soft lockup is reported after 60 s, not 20 (under
# TCG the host may leave a vCPU unscheduled for seconds); the workqueue
# watchdog waits as long.
append="console=$CONSOLE_TTY panic=-1 oops=panic loglevel=6 watchdog_thresh=30 workqueue.watchdog_thresh=60 $(guest_settings append | tr '\n' ' ')${APPEND:-}"
append=${append% }
# On pseries the console is the first hvc: the virtio consoles follow it.
[ "$KARCH" != powerpc ] || append+=" harness_ktap=/dev/hvc1 harness_klog=/dev/hvc2"
# (REPEAT, like the other variables, is checked in lib.sh.)
[ -z "${REPEAT:-}" ] || append+=" harness_repeat=$REPEAT"
# KTAP channel: a virtio console whose output QEMU writes to $KTAP.
chardev="file,id=ktap,path=$KTAP"
# Two threads per core when the CPU count is even: core scheduling (the
# sched selftests) needs SMT siblings.
# SMT=0 (make bench): one thread per core, as on Arm's server parts.
topo=$smp
# (pseries under TCG takes one thread per core.)
[ $((smp % 2)) != 0 ] || [ "${SMT:-1}" = 0 ] || [ "$KARCH" = powerpc ] || topo="$smp,sockets=1,cores=$((smp / 2)),threads=2"
qemu=("$QEMU" -M "$machine" -cpu "$cpu" -smp "$topo" -m "$mem"
	-nographic -no-reboot -nic none -kernel "$IMAGE"
	-device "$QEMU_VSERIAL" -chardev "$chardev"
	-device "virtconsole,chardev=ktap"
	-chardev "file,id=klog,path=$KLOG" -device "virtconsole,chardev=klog")
[ "$INITRD" = none ] || qemu+=(-initrd "$INITRD")
# pseries: no display (the firmware's VGA only slows it down).
[ "$KARCH" != powerpc ] || qemu+=(-vga none)
# PLUGIN=FILE.so,ARG=V,...: a TCG plugin counting what the guest executes
# (make bench: tests/plugin/lazytlb-count.c). DETERMINISTIC=1 (make bench's
# counted boots): one host thread runs the vCPUs in turn, virtual time is
# the instruction count (-icount shift=ICOUNT_SHIFT, default 4: 16 ns an
# instruction; no sleeping while the vCPUs idle), the guest's random
# numbers (RNDR) come from -seed, the device tree carries no random seed
# and the RTC starts at a fixed date.
[ -z "${PLUGIN:-}" ] || qemu+=(-plugin "$PLUGIN")
# The accelerator: ACCEL, else the guest's 'accel' setting, else QEMU's
# default (TCG with a host thread per vCPU). powerpc on a QEMU before 9.1
# runs its vCPUs in one host thread (thread=single): there a broadcast
# tlbie does not wait for the other vCPUs to drop the translation (fixed
# upstream by "target/ppc: Fix broadcast tlbie synchronisation"), so a
# vCPU keeps using a stale one after the kernel's flush has completed,
# and stores are lost across fork()'s copy-on-write (tests/qemu/README:
# user space alone shows it). In turn, each vCPU runs the flush before it
# runs again.
accel=${ACCEL:-$(guest_setting accel '')}
if [ -z "$accel" ] && [ "$KARCH" = powerpc ] && [ "${DETERMINISTIC:-0}" != 1 ]; then
	qv=$("$QEMU" --version | sed -n 's/^QEMU emulator version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
	read -r qmaj qmin <<<"${qv:-0 0}"
	if [ "$qmaj" -lt 9 ] || { [ "$qmaj" = 9 ] && [ "$qmin" -lt 1 ]; }; then
		accel=tcg,thread=single
		log "QEMU $qmaj.$qmin: powerpc's broadcast tlbie does not wait for the other vCPUs before 9.1 (tests/qemu/README): -accel $accel"
	fi
fi
[ -z "$accel" ] || [ "${DETERMINISTIC:-0}" = 1 ] || qemu+=(-accel "$accel")
# A powerpc QEMU built from source finds its firmware (SLOF) where
# Debian's is.
[ -z "${QEMU_SYSTEM:-}" ] || [ "$KARCH" != powerpc ] || qemu+=(-L /usr/share/qemu)
[ -z "${ACCEL:-}" ] || [ "${DETERMINISTIC:-0}" != 1 ] || log "ACCEL=$ACCEL ignored: DETERMINISTIC=1 runs -accel tcg,thread=single"
if [ "${DETERMINISTIC:-0}" = 1 ]; then
	qemu+=(-accel "tcg,thread=single" -icount "shift=${ICOUNT_SHIFT:-4},sleep=off"
		-rtc "base=2026-01-01T00:00:00,clock=vm" -seed 1)
	[ "$KARCH" != arm64 ] || qemu[2]+=",dtb-randomness=off"
fi
case "$firmware" in
none) ;;
uefi)
	[ "$KARCH" = arm64 ] || die "kernel-config/qemu: ${GUEST:-$VARIANT}: firmware uefi is arm64's (AAVMF)"
	# The firmware reads the kernel, initramfs and command line QEMU
	# holds in fw_cfg and starts the kernel's EFI stub. A fresh variable
	# store each boot: runs do not depend on what an earlier one wrote.
	code=/usr/share/AAVMF/AAVMF_CODE.fd
	[ -f "$code" ] || die "no UEFI firmware $code: install the Debian package 'qemu-efi-aarch64' (or run 'make deps')"
	mkdir -p "$VDIR"
	cp /usr/share/AAVMF/AAVMF_VARS.fd "$VDIR/efivars.fd"
	qemu+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
		-drive "if=pflash,format=raw,unit=1,file=$VDIR/efivars.fd")
	;;
*) die "kernel-config/qemu: ${GUEST:-$VARIANT}: unknown firmware '$firmware' (none or uefi)" ;;
esac

if [ $shell = 1 ]; then
	exec "${qemu[@]}" -append "$append harness=shell"
fi

# where_stuck: what each vCPU of a hung guest runs, from QEMU's monitor
# ('info registers -a') into $REGS; prints PC and LR (X30) of each, named
# from System.map.
REGS=$(dirname "$CONSOLE")/qemu-registers.txt
where_stuck() {
	python3 - "$MON" >"$REGS" 2>&1 <<-'PY' || true
	import socket, sys, time
	s = socket.socket(socket.AF_UNIX)
	s.settimeout(5)
	s.connect(sys.argv[1])
	s.sendall(b"info registers -a\n")
	out, end = b"", time.time() + 10
	while time.time() < end:
	    try:
	        b = s.recv(65536)
	    except socket.timeout:
	        break
	    if not b:
	        break
	    out += b
	sys.stdout.write(out.decode(errors="replace"))
	PY
	{
		printf 'boot.sh: where the vCPUs were (%s):\n' "${REGS#"$TOP"/}"
		# arm64 'PC=... X30=...', powerpc 'NIP ... LR ...'.
		sed -E 's/\b(NIP|LR) +([0-9a-f]{16})/\1=\2/g' "$REGS" |
			grep -oE 'CPU#[0-9]+|PC=[0-9a-f]+|X30=[0-9a-f]+|NIP=[0-9a-f]+|LR=[0-9a-f]+' |
			awk -v map="${SYSMAP:-/dev/null}" '
			BEGIN { while ((getline l < map) > 0) { split(l, f, " "); if (f[2] ~ /^[tTwW]$/) { a[++n] = f[1]; s[n] = f[3] } } }
			function sym(h,   lo, hi, mid, v) {
				lo = 1; hi = n; v = tolower(h)
				if (n == 0 || length(v) != 16 || v < a[1]) return h
				while (lo < hi) { mid = int((lo + hi + 1) / 2); if (a[mid] <= v) lo = mid; else hi = mid - 1 }
				return s[lo] " (" h ")"
			}
			/^CPU#/ { cpu = $0; next }
			{ split($0, kv, "="); print "  " cpu " " kv[1] " " sym(kv[2]) }'
	}
}

limit=${GUEST_TIMEOUT:-1200}
# The monitor's socket lives under /tmp: a socket path has at most 107 bytes.
mondir=$(mktemp -d)
MON=$mondir/monitor.sock
qemu+=(-monitor "unix:$MON,server=on,wait=off")
log "booting $VARIANT: -cpu $cpu -smp $smp, firmware $firmware, timeout ${limit}s (console: $CONSOLE)"
start=$(date +%s)
# Set before the traps: a signal may arrive between a job's start and $!.
qpid='' tpid=''
"${qemu[@]}" -append "$append" </dev/null >"$CONSOLE" 2>&1 &
qpid=$!
stop_qemu() {
	kill "$qpid" 2>/dev/null || true
	rm -rf "$mondir"
}
at_exit stop_qemu
# Ctrl-C (or TERM): stop QEMU at once, keep the console, and die of the
# same signal, so that the callers stop too and print no table. The wait
# below is the 'wait' builtin, which a trapped signal interrupts.
interrupted() {
	local p
	for p in "$tpid" "$qpid"; do [ -z "$p" ] || kill "$p" 2>/dev/null || true; done
	[ -z "$qpid" ] || wait "$qpid" 2>/dev/null || true
	printf '\nboot.sh: interrupted (SIG%s); QEMU stopped\n' "$1" >>"$CONSOLE"
	log "interrupted (SIG$1): QEMU stopped; console kept in $CONSOLE"
	rm -rf "$mondir"
	trap - EXIT "$1"
	kill -s "$1" $$
}
trap 'interrupted INT' INT
trap 'interrupted TERM' TERM
timeout "$limit" tail --pid=$qpid -f /dev/null &
tpid=$!
wait $tpid || true
if kill -0 $qpid 2>/dev/null; then
	stuck=$(where_stuck)
	kill $qpid 2>/dev/null || true
	sleep 2
	kill -9 $qpid 2>/dev/null || true
	wait $qpid 2>/dev/null || true
	printf '\nboot.sh: guest timed out after %ss\n%s\nboot.sh: QEMU killed\n' "$limit" "$stuck" >>"$CONSOLE"
	log "TIMEOUT: guest still running after ${limit}s; console kept in $CONSOLE"
	tail -n 15 "$CONSOLE" >&2
	exit 124
fi
set +e
wait $qpid
rc=$?
set -e
secs=$(($(date +%s) - start))
# QEMU that never started a guest (every line of the console is QEMU's
# own): a harness error with QEMU's message, exit 125, not a test result.
# (Status 1, QEMU's error exit, and its lines only: not a crash, whose
# status is a signal's, nor an assertion a guest can trigger.)
if [ $rc = 1 ] && grep -q '^qemu-system-[a-z0-9_]*: ' "$CONSOLE" &&
	! grep -qv -e '^qemu-system-[a-z0-9_]*: ' -e '^[[:space:]]*$' "$CONSOLE" &&
	! grep -q -e 'Assertion' -e 'Aborted' "$CONSOLE"; then
	log "QEMU could not start the guest (status $rc): $(paste -sd' ' "$CONSOLE" | cut -c1-400)"
	exit 125
fi
if [ $rc != 0 ]; then
	log "QEMU exited with status $rc after ${secs}s; console kept in $CONSOLE"
	tail -n 15 "$CONSOLE" >&2
	exit $rc
fi
log "guest powered off after ${secs}s"
