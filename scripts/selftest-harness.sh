#!/usr/bin/env bash
# selftest-harness.sh - tests of the harness itself, on small fixtures.
#
# Usage: scripts/selftest-harness.sh
#
# No kernel is built (the base tree is fetched if missing). Checks that:
#  - results.py gives the expected closing line and exit status on each
#    fixture in tests/ktap/ (passes, skips with reasons, failures, crashed
#    and missing tests, WARN/KASAN/lockdep/panic reports, timeouts, the
#    guest settings' require, reject and must-run);
#  - apply.sh applies a good series, and on a broken patch names the patch,
#    the file and the hunk, exits non-zero and leaves the tree clean at the
#    base; export.sh gives back patches that apply again;
#  - boot.sh cuts off a guest that hangs (exit 124, console kept) and a
#    guest that panics and powers off fails the results;
#  - a variant 'NAME =OTHER' boots OTHER's kernel; the guest settings of
#    kernel-config/qemu and the selftest lists (include, -ENTRY) are read
#    as written, and boot.sh hands QEMU each variant's CPU, machine,
#    firmware and kernel arguments (a powerpc variant: pseries, hvc0,
#    virtio-pci, one host thread on a QEMU before 9.1);
#  - a missing tool is reported with the Debian package that provides it;
#  - every variable of make help with a value it cannot take stops a run
#    at once, naming it; QEMU that cannot start is a harness error; export
#    is byte-stable; make config names make apply on a tree without the
#    series; make archbuild names an option an architecture cannot set;
#  - make send and make trailers (b4 branches, authors, the sender's own
#    mail setup through a local SMTP sink, versions, trailers).
# Gets what it needs first as make run does (deps.sh, the base tree).
# Prints KTAP and the line 'N passed, N failed'.
set -euo pipefail
# The fixtures name their own trees.
unset UPTO SERIES_TREE
NO_LOCK=1 . "$(dirname "$0")/lib.sh"
# The scripts these tests run work on fixtures and copies under $T, not on
# the build outputs a running 'make run' holds the lock for: they take no
# lock (the lock test below unsets this).
export NO_LOCK=1
help_or_none "${1:-}"

# What the tests take from outside their fixtures, got as make run gets it
# (or one error naming the step): the host packages (b4 and git-filter-repo
# for make send, QEMU for the boot tests) and the base tree, whose KTAP
# parser results.py uses and whose scripts make send runs.
# (With the build's lock, unless the run this is part of holds it.)
env -u NO_LOCK "$TOP/scripts/deps.sh"
if [ ! -s "$BUILD/base-commit" ] || ! git -C "$KTREE" rev-parse -q --verify "$BASE_BRANCH" >/dev/null 2>&1; then
	env -u NO_LOCK "$TOP/scripts/base.sh"
fi

T=$BUILD/harness-test
rm -rf "$T"
mkdir -p "$T"
ktap_begin

# --- results.py on fixtures -------------------------------------------
results_fixture() {
	local d=$1 a=() want_rc want_line out rc=0
	[ -f "$d/console.log" ] && a+=(--console "$d/console.log")
	[ -f "$d/expect" ] && a+=(--expect "$d/expect")
	[ -f "$d/expect-reports" ] && a+=(--expect-reports "$d/expect-reports")
	[ -f "$d/boot-status" ] && a+=(--boot-status "$(cat "$d/boot-status")")
	[ -f "$d/flaky" ] && a+=(--flaky "$d/flaky")
	[ -f "$d/absent" ] && a+=(--absent "$d/absent")
	[ -f "$d/retry.ktap" ] && a+=(--retry-ktap "$d/retry.ktap" --retry-console "$d/retry.console")
	[ -f "$d/kernel-boot.log" ] && a+=(--kernel-log "$d/kernel-boot.log")
	for k in require reject must-run; do
		[ -f "$d/$k" ] || continue
		while IFS= read -r l; do a+=("--$k" "$l"); done <"$d/$k"
	done
	want_rc=$(sed -n 1p "$d/result")
	want_line=$(sed -n 2p "$d/result")
	out=$(python3 "$TOP/scripts/results.py" --ktree "$KTREE" --ktap "$d/ktap.log" \
		--junit "$T/junit.xml" "${a[@]}") || rc=$?
	printf '%s\n' "$out"
	[ "$rc" = "$want_rc" ] || { echo "exit status $rc, want $want_rc"; return 1; }
	[ "$(printf '%s\n' "$out" | tail -n 1)" = "$want_line" ] || { echo "want: $want_line"; return 1; }
	python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$T/junit.xml"
}
for d in "$TOP"/tests/ktap/*/; do
	ok_if "results: $(basename "$d")" results_fixture "$d"
done

# --- apply.sh / export.sh on a small repository -------------------------
mkrepo() {
	local r=$T/repo
	rm -rf "$r" "$T/build" "$T/patches" "$T/tpatches"
	mkdir -p "$r/mm" "$T/build" "$T/patches" "$T/tpatches"
	git -C "$r" init -q -b base
	seq 1 20 | sed 's/^/line /' >"$r/mm/foo.c"
	git -C "$r" add . && git -C "$r" -c user.name=t -c user.email=t@t.invalid commit -qm base
	git -C "$r" rev-parse HEAD >"$T/build/base-commit"
	sed -i 's/^line 3$/line three/' "$r/mm/foo.c"
	git -C "$r" -c user.name=t -c user.email=t@t.invalid commit -qam "mm: first"
	sed -i 's/^line 15$/line fifteen/' "$r/mm/foo.c"
	git -C "$r" -c user.name=t -c user.email=t@t.invalid commit -qam "mm: second"
	git -C "$r" format-patch -q --cover-letter -o "$T/patches" HEAD~2
	git -C "$r" checkout -q --detach "$(cat "$T/build/base-commit")"
}
apply_env() { BUILD=$T/build KTREE=$T/repo PATCHES=$T/patches TESTPATCHES=$T/tpatches "$@"; }

apply_good() {
	mkrepo
	apply_env "$TOP/scripts/apply.sh"
	[ "$(git -C "$T/repo" log --format=%s "$(cat "$T/build/base-commit")"..HEAD | tr '\n' ,)" = "mm: second,mm: first," ]
	apply_env "$TOP/scripts/apply.sh" 2>&1 | grep -q 'already applied'
}
ok_if "apply: good series applies, second run is a no-op" apply_good

apply_broken() {
	local rc=0 err
	mkrepo
	# Break the context of the second patch's hunk.
	sed -i 's/^ line 13$/ line thirteen/' "$T"/patches/0002-*.patch
	err=$(apply_env "$TOP/scripts/apply.sh" 2>&1) || rc=$?
	printf '%s\n' "$err"
	[ $rc != 0 ] || { echo "apply.sh succeeded on a broken patch"; return 1; }
	printf '%s\n' "$err" | grep -q 'patch .*0002-mm-second.patch does not apply'
	printf '%s\n' "$err" | grep -q 'mm/foo.c: hunk @@ -12,7 +12,7 @@'
	[ -z "$(git -C "$T/repo" status --porcelain)" ] || { echo "tree not clean"; return 1; }
	[ ! -d "$T/repo/.git/rebase-apply" ] || { echo "am still in progress"; return 1; }
	[ "$(git -C "$T/repo" rev-parse HEAD)" = "$(cat "$T/build/base-commit")" ]
}
ok_if "apply: broken patch names patch, file and hunk; tree left clean" apply_broken

export_roundtrip() {
	mkrepo
	apply_env "$TOP/scripts/apply.sh"
	printf 'Subject: kept\n' >/dev/null
	sed -i 's/\*\*\* SUBJECT HERE \*\*\*/mm: a test series/; s/\*\*\* BLURB HERE \*\*\*/Why this series./' "$T/patches/0000-cover-letter.patch"
	apply_env "$TOP/scripts/export.sh"
	grep -q 'Subject: \[PATCH 0/2\] mm: a test series' "$T/patches/0000-cover-letter.patch"
	grep -q '^Why this series.$' "$T/patches/0000-cover-letter.patch"
	grep -q '^base-commit: ' "$T/patches/0000-cover-letter.patch"
	apply_env "$TOP/scripts/export.sh" --check
	apply_env "$TOP/scripts/apply.sh" --force
	[ "$(git -C "$T/repo" rev-list --count "$(cat "$T/build/base-commit")"..HEAD)" = 2 ]
}
ok_if "export: round trip keeps the cover letter and applies again" export_roundtrip

# A fresh clone's make run applies patches/ with new commit ids (another
# committer date here); make export with no edit leaves patches/ as it was.
export_stable() {
	mkrepo
	apply_env "$TOP/scripts/apply.sh"
	apply_env "$TOP/scripts/export.sh"
	rm -rf "$T/patches.before"
	cp -r "$T/patches" "$T/patches.before"
	git -C "$T/repo" checkout -q --detach "$(cat "$T/build/base-commit")"
	git -C "$T/repo" branch -D -q lazytlb/series lazytlb/test
	rm -f "$T/build/applied"
	GIT_COMMITTER_DATE='@2000000000 +0000' apply_env "$TOP/scripts/apply.sh"
	GIT_COMMITTER_DATE='@2000000000 +0000' GIT_AUTHOR_NAME=Other GIT_COMMITTER_NAME=Other \
		apply_env "$TOP/scripts/export.sh"
	diff -r "$T/patches.before" "$T/patches"
}
ok_if "export: after a fresh apply (new commit ids), an export with no edit leaves patches/ byte-identical" export_stable

# make config on a work tree at the base, the series not applied: one line
# saying so and what applies it, before any configuration.
config_unapplied() {
	local out rc=0
	mkrepo
	rm -rf "$T/cfgbuild"
	mkdir -p "$T/cfgbuild"
	ln -s "$T/repo" "$T/cfgbuild/linux"
	out=$(BUILD=$T/cfgbuild KTREE=$T/cfgbuild/linux VARIANT=default "$TOP/scripts/config.sh" 2>&1) || rc=$?
	printf '%s\n' "$out"
	[ $rc != 0 ] && printf '%s\n' "$out" | grep -q "the series is not applied in .*: run 'make apply'" &&
		[ ! -e "$T/cfgbuild/default/obj/.config" ]
}
ok_if "config: a work tree without the series says so and names make apply" config_unapplied

# Every variable of make help with a value it cannot take: one line naming
# it, before any work. In a copy of the scripts whose deps.sh, the first
# step of run.sh and bench.sh, stands in for all work: reaching it means
# the value got through (so a regression here runs nothing real).
inputs_checked() {
	local a out rc top=$T/inputs
	rm -rf "$top"
	mkdir -p "$top/kernel-config"
	cp -r "$TOP/scripts" "$TOP/patches" "$top/"
	cp "$TOP/kernel-config/variants" "$TOP/kernel-config/qemu" "$top/kernel-config/"
	printf '#!/usr/bin/env bash\necho REACHED\nexit 99\n' >"$top/scripts/deps.sh"
	# try SCRIPT VAR=VALUE: the script's output and status, checked afresh.
	try() { rc=0; out=$(env -u LAZYTLB_INPUTS_CHECKED BUILD="$T/inputs-build" "$2" "$top/scripts/$1" 2>&1) || rc=$?; }
	for a in SMP=0 SMP=x SMP=9 'SMP=8 32' REPEAT=-1 REPEAT=10 GUEST_TIMEOUT=abc GUEST_TIMEOUT=0 MEM=1T MEM=100M \
		MEM=lots MEM=99999999999999999999 JOBS=x JOBS=0 KEEP_RUNS=abc KEEP_RUNS=0 SOAK_MINUTES=x W=9 C=3 \
		FORCE=yes REWRITE=2 UPTO=99 KERNEL_SRC=/nonexistent; do
		try run.sh "$a"
		if [ "$rc" = 0 ] || [ "$rc" = 99 ] || [ "$(printf '%s\n' "$out" | wc -l)" != 1 ] ||
			! printf '%s\n' "$out" | grep -q "^run.sh: error: ${a%%=*}=${a#*=}: "; then
			echo "$a: exit $rc: $out"
			return 1
		fi
	done
	# Values they take get through to the first step.
	for a in SMP=2 SMP=8 MEM=2G GUEST_TIMEOUT=60 REPEAT=3 JOBS=2 W=12 C=1 UPTO=0 KEEP_RUNS=5; do
		try run.sh "$a"
		[ "$rc" = 99 ] || { echo "$a refused: $out"; return 1; }
	done
	# make bench takes a list of CPU counts, up to its NR_CPUS of 64.
	try bench.sh 'SMP=8 32 64'
	[ "$rc" = 99 ] || { echo "bench refused SMP='8 32 64': $out"; return 1; }
	try bench.sh 'SMP=8 1'
	[ "$rc" != 99 ] && printf '%s\n' "$out" | grep -q '^bench.sh: error: SMP=8 1: '
}
ok_if "inputs: a value a variable of make help cannot take stops the run at once, naming it" inputs_checked

# QEMU that cannot start the guest (here: its KTAP file cannot be created):
# boot.sh exits 125 with QEMU's message, test.sh prints no table.
qemu_cannot_start() {
	local rc=0 out
	fixture_elf hang
	out=$(IMAGE=$T/hang.elf INITRD=none GUEST_TIMEOUT=30 CONSOLE=$T/nostart.console KTAP=/proc/lazytlb-harness-no-file \
		KLOG=$T/nostart.klog "$TOP/scripts/boot.sh" 2>&1) || rc=$?
	printf '%s\n' "$out"
	[ $rc = 125 ] && printf '%s\n' "$out" | grep -q "QEMU could not start the guest (status 1): qemu-system-aarch64: .*Could not open '/proc/lazytlb-harness-no-file'" ||
		return 1
	# A QEMU that crashes (here a stand-in that prints a warning and dies
	# of SIGSEGV) is not "could not start": its status is passed on.
	mkdir -p "$T/stubqemu"
	printf '#!/usr/bin/env bash\necho "qemu-system-aarch64: warning: a stand-in" >&2\nkill -SEGV $$\n' \
		>"$T/stubqemu/qemu-system-aarch64"
	chmod +x "$T/stubqemu/qemu-system-aarch64"
	rc=0
	out=$(PATH=$T/stubqemu:$PATH IMAGE=$T/hang.elf INITRD=none GUEST_TIMEOUT=30 CONSOLE=$T/crash.console \
		KTAP=$T/crash.ktap KLOG=$T/crash.klog "$TOP/scripts/boot.sh" 2>&1) || rc=$?
	[ $rc = 139 ] || { echo "a crashed QEMU gave $rc, want 139: $out"; return 1; }
	fake_top "$TOP/tests/ktap/retry/ktap.log"
	# shellcheck disable=SC2016 # the stand-in's own variables
	printf '#!/usr/bin/env bash\necho "qemu-system-aarch64: cannot set up guest memory" >"$BUILD/$VARIANT/console.log"\nexit 125\n' \
		>"$T/fake/top/scripts/boot.sh"
	rc=0
	out=$(fake_test 2>&1) || rc=$?
	printf '%s\n' "$out"
	[ $rc != 0 ] && printf '%s\n' "$out" | grep -q 'no guest ran: QEMU could not start it' &&
		! printf '%s\n' "$out" | grep -q 'passed, '
}

# A test-only commit on lazytlb/test goes to tests/kernel/, not patches/,
# and comes back on top of the series; an edit of a series patch made with
# 'git rebase -i --update-refs' goes to patches/.
test_patches_roundtrip() {
	local g=(git -C "$T/repo" -c user.name=t -c user.email=t@t.invalid) before base
	mkrepo
	apply_env "$TOP/scripts/apply.sh"
	[ "$(git -C "$T/repo" rev-parse --abbrev-ref HEAD)" = lazytlb/test ]
	sed -i 's/^line 9$/line nine (test only)/' "$T/repo/mm/foo.c"
	"${g[@]}" commit -qam "mm: test-only hook"
	apply_env "$TOP/scripts/export.sh"
	[ "$(find "$T/patches" -name '*.patch' | wc -l)" = 3 ]
	[ "$(find "$T/tpatches" -name '*.patch' | wc -l)" = 1 ]
	grep -q '^Subject: \[PATCH\] mm: test-only hook' "$T"/tpatches/0001-*.patch
	before=$(cat "$T"/tpatches/*.patch | sha1sum)
	apply_env "$TOP/scripts/apply.sh" --force
	[ "$(git -C "$T/repo" log --format=%s lazytlb/series..lazytlb/test)" = "mm: test-only hook" ]
	[ "$(git -C "$T/repo" rev-list --count "$(cat "$T/build/base-commit")"..lazytlb/series)" = 2 ]
	apply_env "$TOP/scripts/export.sh"
	# No edit, no change.
	[ "$(cat "$T"/tpatches/*.patch | sha1sum)" = "$before" ]
	# A fixup of the first series patch, squashed with --update-refs.
	sed -i 's/^line 4$/line four/' "$T/repo/mm/foo.c"
	"${g[@]}" commit -qam "fixup! mm: first"
	GIT_SEQUENCE_EDITOR=: "${g[@]}" rebase -q -i --autosquash --update-refs "$(cat "$T/build/base-commit")"
	apply_env "$TOP/scripts/export.sh"
	grep -q '^+line four' "$T"/patches/0001-*.patch
	[ "$(find "$T/tpatches" -name '*.patch' | wc -l)" = 1 ]
	# A test branch moved off the series is refused, nothing written.
	base=$(cat "$T/build/base-commit")
	git -C "$T/repo" branch -f lazytlb/series "$("${g[@]}" commit-tree -p "$base" -m elsewhere "$base^{tree}")"
	if apply_env "$TOP/scripts/export.sh" 2>/dev/null; then
		echo "export.sh took a test branch that is not on top of the series"
		return 1
	fi
	grep -q '^+line four' "$T"/patches/0001-*.patch
}
ok_if "export: test-only commits go to tests/kernel/, and come back on top of the series" test_patches_roundtrip

prefix_checkout() {
	local err rc=0 head
	mkrepo
	apply_env "$TOP/scripts/apply.sh"
	head=$(git -C "$T/repo" rev-parse lazytlb/series)
	apply_env env UPTO=1 "$TOP/scripts/prefix.sh"
	[ "$(git -C "$T/build/upto/tree" log -1 --format=%s)" = "mm: first" ]
	apply_env env UPTO=0 "$TOP/scripts/prefix.sh"
	[ "$(git -C "$T/build/upto/tree" rev-parse HEAD)" = "$(cat "$T/build/base-commit")" ]
	err=$(apply_env env UPTO=3 "$TOP/scripts/prefix.sh" 2>&1) || rc=$?
	[ $rc != 0 ] && printf '%s\n' "$err" | grep -q 'UPTO=3: the series has 2 patches'
	rc=0
	err=$(apply_env env UPTO=2x "$TOP/scripts/prefix.sh" 2>&1) || rc=$?
	[ $rc != 0 ] && printf '%s\n' "$err" | grep -q 'UPTO=2x: not a number of patches'
	# The whole series stays where it was, and apply and export still see it.
	[ "$(git -C "$T/repo" rev-parse lazytlb/series)" = "$head" ]
	apply_env env UPTO=1 "$TOP/scripts/apply.sh" 2>&1 | grep -q 'already applied'
	apply_env env UPTO=1 "$TOP/scripts/export.sh" --check
	git -C "$T/repo" worktree remove --force "$T/build/upto/tree"
}
ok_if "prefix: UPTO=N checks out the first N patches on their own; bad N named" prefix_checkout

unknown_variant() {
	local s err rc
	for s in config build test run; do
		rc=0
		err=$(BUILD=$T/unknown VARIANT=nope "$TOP/scripts/$s.sh" 2>&1) || rc=$?
		printf '%s\n' "$err"
		[ $rc != 0 ] || { echo "$s.sh went on with VARIANT=nope"; return 1; }
		printf '%s\n' "$err" | grep -q "unknown VARIANT 'nope'; known: default shootdown-nodebug " || return 1
		[ ! -e "$T/unknown/nope" ] || { echo "$s.sh made build/nope"; return 1; }
	done
}
ok_if "variants: an unknown VARIANT stops every step, naming the known ones" unknown_variant

kernel_src_top() {
	local r=$T/ksrc err rc=0
	rm -rf "$r" "$T/ksrc-build"
	mkdir -p "$r/sub/dir" "$r/arch/arm64"
	git -C "$r" init -q
	printf 'x\n' >"$r/sub/dir/f"
	printf 'not a kernel\n' >"$r/Makefile"
	git -C "$r" add . && git -C "$r" -c user.name=t -c user.email=t@t.invalid commit -qm one
	# A subdirectory of a repository, and the top of one that is no kernel.
	for src in "$r/sub" "$r"; do
		rc=0
		err=$(BUILD=$T/ksrc-build KTREE=$T/ksrc-build/linux KERNEL_SRC=$src "$TOP/scripts/base.sh" 2>&1) || rc=$?
		printf '%s\n' "$err"
		[ $rc != 0 ] && printf '%s\n' "$err" | grep -q "KERNEL_SRC=$src is not the top of a Linux tree" || return 1
	done
	[ "$(git -C "$r" worktree list | wc -l)" = 1 ] || { echo "a worktree was added"; return 1; }
	# The top of a kernel tree is taken.
	printf 'VERSION = 7\n' >"$r/Makefile"
	git -C "$r" -c user.name=t -c user.email=t@t.invalid commit -qam two
	BUILD=$T/ksrc-build KTREE=$T/ksrc-build/linux KERNEL_SRC=$r "$TOP/scripts/base.sh"
	[ "$(cat "$T/ksrc-build/base-commit")" = "$(git -C "$r" rev-parse HEAD)" ]
}
ok_if "base: KERNEL_SRC must be the top of a kernel tree, not any git directory" kernel_src_top

lock_held() {
	local err rc=0 holder i
	rm -rf "$T/lock"
	env -u LAZYTLB_LOCK -u NO_LOCK BUILD="$T/lock" bash -c ". '$TOP/scripts/lib.sh'; exec sleep 30" &
	holder=$!
	for i in $(seq 100); do
		[ -s "$T/lock/.lock.pid" ] && break
		sleep 0.1
	done
	err=$(env -u LAZYTLB_LOCK -u NO_LOCK BUILD="$T/lock" "$TOP/scripts/config.sh" 2>&1) || rc=$?
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	printf '%s\n' "$err"
	[ $rc != 0 ] && printf '%s\n' "$err" | grep -q "another run in $T/lock holds its lock (PID $holder)"
	# The lock goes with its holder.
	env -u LAZYTLB_LOCK -u NO_LOCK BUILD="$T/lock" bash -c ". '$TOP/scripts/lib.sh'; true"
}
ok_if "lock: a second run in one build directory stops at once, naming the first" lock_held

# --- test.sh's retry of flaky tests, with a fake boot.sh -----------------
# fake_top KTAP...: a copy of the project whose boot.sh replays the given
# KTAP files, one per boot; prints the copy's directory.
fake_top() {
	local f=$T/fake i=0 k
	rm -rf "$f"
	mkdir -p "$f/top/selftests" "$f/build/v/kselftest" "$f/boots"
	cp -r "$TOP/scripts" "$f/top/"
	cp "$TOP/tests/guest/fake-boot.sh" "$f/top/scripts/boot.sh"
	mkdir -p "$f/top/kernel-config"
	printf 'v virt.config\n' >"$f/top/kernel-config/variants"
	printf 'futex:run.sh\n' >"$f/top/selftests/collections"
	printf 'futex:run.sh  timing\n' >"$f/top/selftests/flaky"
	printf 'futex:run.sh\n' >"$f/build/v/kselftest/kselftest-list.txt"
	mkdir -p "$f/ktree/tools/testing/selftests/futex"
	ln -s "$KTREE/tools/testing/kunit" "$f/ktree/tools/testing/kunit"
	for k in "$@"; do
		i=$((i + 1))
		cp "$k" "$f/boots/ktap.$i"
	done
}
fake_test() {
	FAKE_DIR=$T/fake/boots BUILD=$T/fake/build KTREE=$T/fake/ktree VARIANT=v \
		"$T/fake/top/scripts/test.sh"
}
retry_passes() {
	local out
	fake_top "$TOP/tests/ktap/retry/ktap.log" "$TOP/tests/ktap/retry/retry.ktap"
	out=$(fake_test)
	printf '%s\n' "$out"
	[ "$(cat "$T/fake/boots/boots")" = 2 ]
	printf '%s\n' "$out" | grep -q 'passed on retry; first run failed in futex_wait_wouldblock'
	[ "$(printf '%s\n' "$out" | tail -n 1)" = "4 passed, 0 failed, 0 skipped" ]
}
ok_if "retry: a flaky test that fails once passes on the second boot" retry_passes
retry_gives_up() {
	local rc=0
	fake_top "$TOP/tests/ktap/retry/ktap.log"
	fake_test || rc=$?
	[ $rc = 1 ] && [ "$(cat "$T/fake/boots/boots")" = 3 ]
}
ok_if "retry: a test failing every time fails after two retries" retry_gives_up
initramfs_mismatch() {
	local err rc=0
	fake_top "$TOP/tests/ktap/retry/ktap.log"
	printf 'membarrier\n' >"$T/fake/build/v/initramfs-tests"
	err=$(fake_test 2>&1) || rc=$?
	printf '%s\n' "$err"
	[ $rc != 0 ] && printf '%s\n' "$err" | grep -q "the initramfs runs 'membarrier', this run expects 'futex:run.sh'"
	[ ! -e "$T/fake/boots/boots" ] || { echo "the guest was booted"; return 1; }
	# The same list boots.
	printf 'futex:run.sh\n' >"$T/fake/build/v/initramfs-tests"
	fake_test >/dev/null 2>&1 || true
	[ "$(cat "$T/fake/boots/boots")" -ge 1 ]
}
ok_if "test: the tests the initramfs runs must be those the run expects (SELFTESTS)" initramfs_mismatch
runs_kept() {
	local out rc=0 r
	# A run that passes at once: no retry, and the retry console of an
	# earlier run must not be kept with it.
	fake_top "$TOP/tests/ktap/retry/retry.ktap"
	echo stale >"$T/fake/build/v/console-retry.log"
	LAZYTLB_CMD='make run X=1' fake_test >/dev/null 2>&1
	[ ! -e "$T/fake/build/v/console-retry.log" ] || { echo "stale retry console left"; return 1; }
	# Then one that fails every time.
	rm -f "$T/fake/boots/boots"
	cp "$TOP/tests/ktap/retry/ktap.log" "$T/fake/boots/ktap.1"
	fake_test >/dev/null 2>&1 || rc=$?
	[ $rc = 1 ] || { echo "second run: exit $rc, want 1"; return 1; }
	mapfile -t r < <(ls "$T/fake/build/v/runs")
	[ ${#r[@]} = 2 ] || { echo "kept: ${r[*]}"; return 1; }
	for f in console.log ktap.log results.txt results.xml command; do
		[ -f "$T/fake/build/v/runs/${r[0]}/$f" ] || { echo "no $f in ${r[0]}"; return 1; }
	done
	grep -qx 'command: make run X=1' "$T/fake/build/v/runs/${r[0]}/command"
	grep -qx 'status: 0' "$T/fake/build/v/runs/${r[0]}/command"
	[ ! -e "$T/fake/build/v/runs/${r[0]}/console-retry.log" ]
	[ -f "$T/fake/build/v/runs/${r[1]}/console-retry.log" ]
	# The newest, and the first by name, re-printed with their status.
	out=$(BUILD=$T/fake/build KTREE=$T/fake/ktree VARIANT=v "$T/fake/top/scripts/runs.sh" 2>&1) && rc=0 || rc=$?
	printf '%s\n' "$out"
	[ $rc = 1 ] && printf '%s\n' "$out" | grep -q 'status: 1' &&
		[ "$(printf '%s\n' "$out" | tail -n 1)" = "$(tail -n 1 "$T/fake/build/v/runs/${r[1]}/results.txt")" ]
	out=$(BUILD=$T/fake/build KTREE=$T/fake/ktree VARIANT=v RUN="${r[0]}" "$T/fake/top/scripts/runs.sh")
	[ "$(printf '%s\n' "$out" | tail -n 1)" = "3 passed, 0 failed, 0 skipped" ]
	BUILD=$T/fake/build KTREE=$T/fake/ktree VARIANT=v RUN=list "$T/fake/top/scripts/runs.sh" | grep -c . | grep -qx 2
}
ok_if "runs: every run is kept with its command and status; make results re-prints one" runs_kept

# make soak: the audit's books after the passes, with a fake run.sh that
# writes the guest's KTAP (the counters it prints) and test.sh's table.
soak_books() {
	local f=$T/soak out rc=0
	rm -rf "$f"
	mkdir -p "$f/top" "$f/build/shootdown-kasan"
	cp -r "$TOP/scripts" "$TOP/kernel-config" "$f/top/"
	cat >"$f/top/scripts/run.sh" <<-'FAKE'
	#!/usr/bin/env bash
	case "$APPEND" in *harness_soak=120*) ;; *) echo "no harness_soak=120 in '$APPEND'"; exit 1 ;; esac
	[ "$SELFTESTS $SMP" = "lazy_tlb 8" ] || { echo "SELFTESTS=$SELFTESTS SMP=$SMP"; exit 1; }
	cp "$FAKE_KTAP" "$BUILD/$VARIANT/ktap.log"
	echo "3 passed, 0 failed, 1 skipped"
	FAKE
	chmod +x "$f/top/scripts/run.sh"
	printf '%s\n' '# harness: soak: 4 passes in 130 s' '# harness: active_mm/lazy_refs: grabs 900' \
		'# harness: active_mm/lazy_refs: drops 897' '# harness: active_mm/lazy_refs: outstanding 3' \
		'# harness: active_mm/lazy_refs: held 3' '# harness: active_mm/lazy_refs: unbalanced_frees 0' \
		'# harness: active_mm/lazy_refs: shoot_missed 0' '# harness: done' >"$f/good.ktap"
	sed 's/held 3/held 2/' "$f/good.ktap" >"$f/bad.ktap"
	out=$(env -u VARIANT FAKE_KTAP="$f/good.ktap" BUILD="$f/build" SOAK_MINUTES=2 "$f/top/scripts/soak.sh" 2>&1) || rc=$?
	printf '%s\n' "$out"
	[ $rc = 0 ] && [ "$(printf '%s\n' "$out" | tail -n 1)" = "7 passed, 0 failed, 1 skipped" ] || return 1
	out=$(env -u VARIANT FAKE_KTAP="$f/bad.ktap" BUILD="$f/build" SOAK_MINUTES=2 "$f/top/scripts/soak.sh" 2>&1) && return 1
	printf '%s\n' "$out"
	printf '%s\n' "$out" | grep -q '^FAIL  soak:books/outstanding_is_held .*outstanding 3, held 2' &&
		[ "$(printf '%s\n' "$out" | tail -n 1)" = "6 passed, 1 failed, 1 skipped" ]
}
ok_if "soak: the audit's books must balance after the passes" soak_books

# make bench --smoke's verdicts (scripts/bench-report.py): the plugin's
# exact counts on the vCPU that ran the test program (another one ran 19
# instructions of init meanwhile, as seen at -smp 8) and REFCOUNT's two
# mm_count atomics per round trip, from a guest console and a plugin
# output file as the real ones are written.
bench_smoke_report() {
	local f=$T/bench out rc=0
	mkdir -p "$f"
	printf '%s\n' 'bench: plugin-test phase=1 expect user_insns=3556 user_atomics=1150 line_atomics=1050' \
		'bench: phase=10 name=round_trip ops=200 ipis=1 resched=0 cpus=4 bound=0' 'bench: done' >"$f/console.log"
	bench_plugin() {
		printf 'phase=1 vcpu=0 user_insns=19 kernel_insns=23 user_atomics=0 kernel_atomics=0 line_atomics=0 scan_insns=0 entries=0 markers=0\n'
		printf 'phase=1 vcpu=3 user_insns=%s kernel_insns=0 user_atomics=1150 kernel_atomics=0 line_atomics=1050 scan_insns=0 entries=0 markers=1\n' "$1"
		printf 'phase=1 vcpu=all user_insns=%s kernel_insns=23 user_atomics=1150 kernel_atomics=0 line_atomics=1050 scan_insns=0 entries=0 markers=1\n' "$(($1 + 19))"
		printf 'phase=10 vcpu=all user_insns=7019 kernel_insns=1413312 user_atomics=0 kernel_atomics=5243 line_atomics=%s scan_insns=0 entries=0 markers=1\n' "$2"
	}
	bench_plugin 3556 400 >"$f/good.txt"
	bench_plugin 3557 400 >"$f/insns.txt"
	bench_plugin 3556 0 >"$f/line.txt"
	for c in good insns line; do
		printf 'refcount smoke 4 %s %s\n' "$f/console.log" "$f/$c.txt" >"$f/runs-$c.txt"
	done
	out=$(python3 "$TOP/scripts/bench-report.py" --smoke "$f/runs-good.txt") || { echo "$out"; return 1; }
	printf '%s\n' "$out" | grep -qx '3 passed, 0 failed' || { echo "$out"; return 1; }
	out=$(python3 "$TOP/scripts/bench-report.py" --smoke "$f/runs-insns.txt") && { echo "$out"; return 1; }
	printf '%s\n' "$out" | grep -q '^FAIL bench:plugin/phase_1_exact  user_insns 3557, expected 3556' || { echo "$out"; return 1; }
	out=$(python3 "$TOP/scripts/bench-report.py" --smoke "$f/runs-line.txt") || rc=$?
	if [ $rc != 1 ] || ! printf '%s\n' "$out" | grep -q '^FAIL bench:round_trip/mm_count_line_atomics  0.000 per round trip'; then
		echo "$out"
		return 1
	fi
	rm -f "$f/good.txt"
	out=$(python3 "$TOP/scripts/bench-report.py" --smoke "$f/runs-good.txt" 2>&1) && { echo "$out"; return 1; }
	printf '%s\n' "$out" | grep -q 'no plugin output .*good.txt' || { echo "$out"; return 1; }
}
ok_if "bench --smoke: the plugin's exact counts and REFCOUNT's mm_count atomics are checked" bench_smoke_report

# make bench's tables (scripts/bench-report.py) from four kernels' made-up
# counts: per switch, per free, per 1000 exits, the cost model's break-even
# (7 record lines x 46 ns + one IPI 1860 ns + an idle wake-up of 1000 ..
# 7564 ns, over 0.5 .. 1 transfers x 46 ns saved a switch) and the
# repeatability lines, each computed as documented.
bench_tables() {
	local f=$T/bench-tables out
	mkdir -p "$f"
	# fake K TAG LINE SHOT IDLE MISSES [MASK]: a console and plugin file
	# for K: 100 context_switch1 round trips with LINE mm_count line
	# transfers, 10 exits freeing 10 mms with SHOT remote shootdowns (IDLE
	# of them to idle vCPUs), MISSES record misses and MASK mm_cpumask()
	# misses (which no per-free figure may count: those mms are not
	# marked).
	fake() {
		printf '%s\n' "bench: phase=20 name=cs1_threads_1 ops=100 ipis=200 resched=0 cpus=8 bound=0" \
			"bench: phase=42 name=threads_exit_idle ops=10 ipis=$4 resched=0 cpus=8 bound=7" 'bench: done' >"$f/$1-$2.log"
		printf '%s\n' "phase=20 vcpu=all kernel_insns=400000 kernel_atomics=4000 xfer_mmcount=$3 markers=1" \
			"phase=42 vcpu=all kernel_insns=9 scan_insns=1200 shoot_remote=$4 shoot_idle=$5 miss_record=$6 miss_cpumask=${7:-0} entry_mmdrop=10 markers=1" >"$f/$1-$2.txt"
		printf '%s %s 8 %s %s\n' "$1" "$2" "$f/$1-$2.log" "$f/$1-$2.txt" >>"$f/runs.txt"
	}
	# has REGEX...: the report has a line matching each.
	has() {
		local k
		for k in "$@"; do
			printf '%s\n' "$out" | grep -Eq "$k" || { echo "no '$k' in:"; echo "$out"; return 1; }
		done
	}
	: >"$f/runs.txt"
	fake base counts8 200 0 0 0
	fake refcount counts8 200 0 0 0
	fake shootdown counts8 0 70 70 70 10
	fake record counts8 0 70 70 140
	fake unfiltered counts8 0 70 70 70
	fake base counts8-again 201 0 0 0
	out=$(python3 "$TOP/scripts/bench-report.py" "$f/runs.txt") || { echo "$out"; return 1; }
	# 200 transfers / (100 round trips x 4 switches); 70 / 10 frees
	has '^\| cs1_threads_1 +\| 8 +\| refcount +\| 100 +\| 0\.500 ' \
		'^\| cs1_threads_1 +\| 8 +\| shootdown +\| 100 +\| 0\.000 ' \
		'^\| threads_exit_idle +\| 8 +\| shootdown +\| 10 +\| 10 +\| 120\.0 +\| 7\.00 +\| 0\.00 +\| 7\.00 +\| 7\.00 ' \
		'^\| threads_exit_idle +\| 8 +\| record +\| 10 +\| 10 +\| 120\.0 +\| 14\.00 +\| 0\.00 +\| 7\.00 ' \
		'^\| threads_exit_idle +\| shootdown +\| 10 +\| 7000 +\| 7000 ' \
		'saved per lazy switch .*: 0\.500 mm_count line transfers' \
		'^  \| threads_exit_idle +\| 8 +\| shootdown +\| 7\.00 +\| 7\.00 +\| 7\.00 +\| 3182 \.\. 9746 +\| 69 \.\. 424 ' \
		'^  \| threads_exit_idle +\| 8 +\| record +\| 14\.00 +\| 7\.00 +\| 7\.00 +\| 3504 \.\. 10068 +\| 76 \.\. 438 ' \
		'base, -smp 8, booted twice: .* 1 differ$' \
		'line transfers and misses: +largest difference 0\.50% \(cs1_threads_1 xfer_mmcount: 200 against 201\)' \
		'instructions: +no count of 100 or more differs' || return 1
	# no REFCOUNT row in the per-free table: it runs no shootdown
	printf '%s\n' "$out" | grep -Eq '^\| threads_exit_idle +\| 8 +\| refcount' && { echo "$out"; return 1; }
	return 0
}
ok_if "bench: the tables and the cost model compute what they say" bench_tables

# make send, make trailers: a test identity, its own b4 worktree ($T/b4,
# branches b4/harness-x, tags sent/harness-x-vN, removed at the end) and a
# copy of patches/ ($T/sp/patches), so that nothing of the user's moves.
SENDER='Ada Tester <ada.tester@kernel-tester.org>'
as_sender() {
	GIT_CONFIG_COUNT=2 GIT_CONFIG_KEY_0=user.name GIT_CONFIG_VALUE_0="$1" \
		GIT_CONFIG_KEY_1=user.email GIT_CONFIG_VALUE_1="$2" SEND_DIR=$T/send B4_TREE=$T/b4 B4_NAME=harness \
		PATCHES=${SP:-$T/sp/patches} "${@:3}"
}
ada() { as_sender 'Ada Tester' ada.tester@kernel-tester.org "$@"; }
b4_clean() {
	local r
	[ ! -e "$T/b4/.git" ] || git -C "$KTREE" worktree remove --force "$T/b4"
	for r in $(git -C "$KTREE" for-each-ref --format='%(refname)' refs/heads/b4/harness-\* \
		refs/tags/sent/harness-\* refs/lazytlb/b4-written/harness-\*); do
		git -C "$KTREE" update-ref -d "$r"
	done
	for r in $(git -C "$KTREE" config --name-only --get-regexp '^branch\.b4/harness-.*' | sed 's/\.[^.]*$//' | sort -u); do
		git -C "$KTREE" config --remove-section "$r"
	done
}
b4_fixture() {
	b4_clean
	rm -rf "$T/sp" "$T/send" "$T/sink"
	mkdir -p "$T/sp"
	cp -r "$PATCHES" "$T/sp/patches"
}
posting() { awk -v x="$1" '$1 == "posting" && $2 == x' "$TOP/kernel-config/send"; }
# check_posting X: the mails of posting X (revision REV, default the first)
# by check-mails.py, and committed from the mails onto the base and the
# patches before them (git mailinfo, as git am reads them) they give the
# posting's patches: the same patch-ids, and their authors (the sender for
# the placeholder's).
check_posting() {
	local x=$1 rev=${2:-$(sed -n 's/^revision //p' "$TOP/kernel-config/send")} first last prefix d n c cid
	local -a all pre=() mine mails ids=()
	read -r _ _ first last prefix < <(posting "$x")
	prefix=${prefix%% *}
	[[ $prefix == after=* || -z $prefix ]] && prefix=-
	mapfile -t all < <(PATCHES=$T/sp/patches series_patches)
	mine=("${all[@]:first-1:last-first+1}")
	# The prerequisites: the patches of the postings after= names, transitively.
	d=$T/send/v$rev-$x
	mapfile -t mails < <(find "$d" -type f | sort)
	deps() {
		local y
		for y in $(awk -v x="$1" '$1 == "posting" && $2 == x { for (i = 5; i <= NF; i++) if ($i ~ /^after=/) print substr($i, 7) }' \
			"$TOP/kernel-config/send" | tr ',' ' '); do
			deps "$y"
			awk -v x="$y" '$1 == "posting" && $2 == x { for (i = $3; i <= $4; i++) print i }' "$TOP/kernel-config/send"
		done
	}
	for c in $(deps "$x" | sort -nu); do
		pre+=("${all[c - 1]}")
		ids+=("$(git patch-id --stable <"${all[c - 1]}" | cut -d' ' -f1)")
	done
	cid=$(sed -n 's/^change-id //p' "$TOP/kernel-config/send")
	[ "${prefix}" = - ] && prefix=''
	python3 "$TOP/tests/send/check-mails.py" "$d" "$T/b4" "$SENDER" \
		"$(grep -h -o -m1 '<[^>]*>' "$T/sp/patches/0001-"*.patch | head -n 1 | tr -d '<>')" \
		"${cid%-*}-${x,,}-${cid##*-}" "$rev" "$prefix" "$T/sp/patches/covers/$x.txt" "$(cat "$BUILD/base-commit")" \
		"${mine[@]}" -- "${ids[@]}" || return 1
	[ ${#mine[@]} = 1 ] || mails=("${mails[@]:1}")
	n=$(python3 "$TOP/scripts/posting.py" chain "$KTREE" "$(cat "$BUILD/base-commit")" "${pre[@]}" "${mails[@]}") ||
		return 1
	diff <(for c in "${mine[@]}"; do git patch-id --stable <"$c" | cut -d' ' -f1; done) \
		<(git -C "$KTREE" log --reverse -p -n ${#mine[@]} "$n" | git patch-id --stable | cut -d' ' -f1) ||
		{ echo "posting $x: the mails do not give its patches back"; return 1; }
	diff <(for c in "${mine[@]}"; do git mailinfo /dev/null /dev/null <"$c" | sed -n 's/^Author: //p;s/^Email: //p' |
		paste -sd'|' | sed "s/^$(sed -n 's/^From: //p;T;q' "$T/sp/patches/0001-"*.patch | sed 's/ <.*//')|.*/Ada Tester|ada.tester@kernel-tester.org/"; done) \
		<(git -C "$KTREE" log --reverse --format='%an|%ae' -n ${#mine[@]} "$n") ||
		{ echo "posting $x: the mails do not keep the authors"; return 1; }
}
send_refuses() {
	local err
	err=$(as_sender "$1" "$2" "$TOP/scripts/send.sh" 2>&1) && { echo "accepted $1 <$2>"; return 1; }
	printf '%s\n' "$err" | tail -n 1
	printf '%s\n' "$err" | grep -q "$3"
}
send_identity() {
	b4_fixture
	send_refuses '' '' 'set your own identity first' &&
		send_refuses "$(sed -n 's/^From: //p;T;q' "$PATCHES"/0001-*.patch)" someone@kernel-tester.org 'placeholder author' &&
		send_refuses 'Ada Tester' ada@tester.example 'reserved, undeliverable address' &&
		send_refuses 'Ada Tester' ada@host.invalid 'reserved, undeliverable address' &&
		send_refuses 'Ada Tester' ada@lab.example.com 'reserved, undeliverable address' || return 1
	[ ! -e "$T/b4" ] || { echo "a refused send made $T/b4"; return 1; }
	local p
	p=$(ada env POSTING=F "$TOP/scripts/send.sh" 2>&1) && { echo "POSTING=F accepted"; return 1; }
	printf '%s\n' "$p" | grep -q 'POSTING=F: not one of A B C D E'
}
ok_if "send: refuses a placeholder or reserved identity and an unknown POSTING, before any work" send_identity
send_every_posting() {
	local x
	b4_fixture
	ada "$TOP/scripts/send.sh" >"$T/send-all.out" 2>&1 || { tail -n 20 "$T/send-all.out"; return 1; }
	while read -r x; do
		check_posting "$x" || return 1
	done < <(awk '$1 == "posting" { print $2 }' "$TOP/kernel-config/send")
	grep -q 'nothing was sent' "$T/send-all.out"
}
ok_if "send: every posting of kernel-config/send: its own mails (one patch: no cover letter), To its maintainers, the prerequisites named, and git am of the mails gives its patch-ids and authors" send_every_posting
# Posting B's patch written by someone else: kept as its author, the
# sender's sign-off after the author's.
send_author() {
	local first p
	b4_fixture
	read -r _ _ first _ < <(posting B)
	p=$(PATCHES=$T/sp/patches series_patches | sed -n "${first}p")
	python3 - "$p" <<'PY'
import re, sys
p = sys.argv[1]
t = open(p, encoding='utf-8').read()
ph = re.search(r'^From: (.*(?:\n[ \t].*)*)', t, re.M)
t = t.replace(ph.group(0), 'From: Alice Contributor <alice@kernel-contrib.org>', 1)
t = re.sub(r'^Signed-off-by: .*$', 'Signed-off-by: Alice Contributor <alice@kernel-contrib.org>', t, count=1, flags=re.M)
open(p, 'w', encoding='utf-8').write(t)
PY
	ada env POSTING=B "$TOP/scripts/send.sh" >"$T/send-b.out" 2>&1 || { tail -n 20 "$T/send-b.out"; return 1; }
	check_posting B || return 1
	grep -q '^From: Alice Contributor <alice@kernel-contrib.org>$' "$T"/send/v*-B/*.eml
}
ok_if "send: a patch by another author keeps its From: and sign-off, the sender's sign-off after it" send_author
# What is sent is what is committed: a clone of the project with an
# uncommitted edit in patches/, then one whose kernel work tree has a
# commit not exported (a stamp that does not match its branches).
send_refuses_unsaved() {
	local out
	b4_fixture
	rm -rf "$T/proj" "$T/fakebuild"
	git clone -q "$TOP" "$T/proj"
	# with this working tree's scripts and patches, committed there
	cp -r "$TOP/scripts" "$TOP/kernel-config" "$TOP/patches" "$T/proj/"
	git -C "$T/proj" add -A
	git -C "$T/proj" -c user.name=t -c user.email=t@t.invalid commit -qm 'the working tree' --allow-empty
	echo >>"$(find "$T/proj/patches" -name '0002-*.patch')"
	out=$(SP=$T/proj/patches ada env BUILD="$BUILD" "$T/proj/scripts/send.sh" 2>&1) && { echo "sent a dirty patches/"; return 1; }
	printf '%s\n' "$out" | grep -q 'uncommitted changes' || { echo "$out"; return 1; }
	git -C "$T/proj" checkout -q -- patches
	# A work tree (the small fixture repository) whose branches are not
	# those its stamp recorded: commits made since the last export.
	mkrepo
	apply_env "$TOP/scripts/apply.sh" >/dev/null 2>&1
	mkdir -p "$T/fakebuild"
	cp "$T/build/base-commit" "$T/fakebuild/"
	echo "stamp 0000000 0000000" >"$T/fakebuild/applied"
	out=$(SP=$T/proj/patches ada env BUILD="$T/fakebuild" KTREE="$T/repo" SERIES_TREE="$T/repo" \
		"$T/proj/scripts/send.sh" 2>&1) && { echo "sent with unexported commits"; return 1; }
	printf '%s\n' "$out" | grep -q 'not exported' || { echo "$out"; return 1; }
	[ ! -e "$T/b4" ] || { echo "a refused send made $T/b4"; return 1; }
}
ok_if "send: refuses an uncommitted patches/ or commits not exported from the kernel work tree" send_refuses_unsaved
# The sender's own mail setup (a global git config naming a local SMTP
# sink): b4 send --reflect reaches only the sender; b4 send reaches the
# recipients, tags v4 and moves the branch to v5; a patch changed after
# that gives v5 with "Changes in v5" naming it, the link to v4 and the
# range-diff.
send_versions() {
	local port p2 cover
	b4_fixture
	mkdir -p "$T/sink"
	# Its PID in a file (ok_if runs this in a subshell); the lock's descriptor
	# closed, so that a sink left behind cannot hold the build's lock.
	python3 "$TOP/tests/send/smtp-sink.py" "$T/sink" 9>&- </dev/null >"$T/sink/log" 2>&1 &
	echo $! >"$T/sink/pid"
	for _ in $(seq 50); do [ -s "$T/sink/port" ] && break; sleep 0.1; done
	port=$(cat "$T/sink/port") || return 1
	printf '[sendemail]\n\tsmtpserver = 127.0.0.1\n\tsmtpserverport = %s\n' "$port" >"$T/gitconfig"
	export GIT_CONFIG_GLOBAL=$T/gitconfig
	ada env POSTING=A "$TOP/scripts/send.sh" >"$T/send-a.out" 2>&1 || { tail -n 20 "$T/send-a.out"; return 1; }
	# Every configuration the b4 worktree sees but the user's own: no sendemail.
	if GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git -C "$T/b4" config --get-regexp '^sendemail\.'; then
		echo "sendemail written into a repository"
		return 1
	fi
	(cd "$T/b4" && printf '\n' | ada b4 send --reflect --no-sign) >"$T/reflect.out" 2>&1 || { tail "$T/reflect.out"; return 1; }
	[ "$(sort -u "$T/sink/rcpt")" = ada.tester@kernel-tester.org ] || { cat "$T/sink/rcpt"; return 1; }
	(cd "$T/b4" && printf '\n' | ada b4 send --no-sign) >"$T/real.out" 2>&1 || { tail "$T/real.out"; return 1; }
	grep -q 'will@kernel.org' <(tail -n 1 "$T/sink/rcpt") || { echo "b4 send did not reach the maintainers"; return 1; }
	git -C "$KTREE" rev-parse -q --verify refs/tags/sent/harness-a-v4 >/dev/null || { echo "no tag sent/harness-a-v4"; return 1; }
	p2=$(PATCHES=$T/sp/patches series_patches | sed -n 2p)
	sed -i '0,/^$/!{0,/^[A-Za-z]/s/^\([A-Za-z].*\)$/Reworded: \1/}' "$p2"
	ada env POSTING=A "$TOP/scripts/send.sh" >"$T/send-a5.out" 2>&1 || { tail -n 20 "$T/send-a5.out"; return 1; }
	check_posting A 5 || return 1
	cover=$(find "$T/send/v5-A" -name '0000-*')
	grep -q "^Changes in v5:$" "$cover" &&
		grep -qF -- "- $(git mailinfo /dev/null /dev/null <"$p2" | sed -n 's/^Subject: //p'): commit message changed" "$cover" &&
		grep -q "^- Link to v4: https://lore.kernel.org/r/.*-v4-0-" "$cover" &&
		grep -q '^Range-diff against v4:$' "$cover" && grep -q '^2: *[0-9a-f]* ! 2: ' "$cover" && return 0
	sed -n '/^---$/,/^base-commit/p' "$cover"
	return 1
}
ok_if "send: b4 send --reflect and b4 send use the sender's own sendemail settings; a resend after a change is v5 with its changelog, the link to v4 and the range-diff" send_versions
# (Continues from the test above: v4 sent to the sink.) An ack to v4's
# first patch, collected by b4 trailers -u from a local mailbox: make send
# refuses to overwrite it; make trailers takes it into patches/ (nothing
# else changes there); the next send carries it and says so.
send_trailers() {
	local p1 out
	[ -s "$T/sink/mbox" ] || { echo "no mails from the test above"; return 1; }
	python3 - "$T/sink/mbox" "$T/thread.mbox" <<'PY'
import email, mailbox, re, sys
sent = [m for m in mailbox.mbox(sys.argv[1]) if ' v4 ' in str(m['Subject'])][-4:]
p1 = next(m for m in sent if re.search(r' 1/3\]', str(m['Subject']).replace('\n', '')))
c = next(m for m in sent if re.search(r' 0/3\]', str(m['Subject']).replace('\n', '')))
ack = email.message_from_string(
    f"From: Will Deacon <will@kernel.org>\nTo: Ada Tester <ada.tester@kernel-tester.org>\n"
    f"Subject: Re: {p1['Subject']}\nDate: Tue, 08 Dec 2026 10:00:00 +0000\nMessage-Id: <ack-1@kernel.org>\n"
    f"In-Reply-To: {p1['Message-Id']}\nReferences: {c['Message-Id']} {p1['Message-Id']}\n\n"
    "Looks right.\n\nAcked-by: Will Deacon <will@kernel.org>\n")
box = mailbox.mbox(sys.argv[2])
for m in sent + [ack]:
    box.add(m)
box.flush()
open(sys.argv[2] + '.msgid', 'w').write(c['Message-Id'].strip('<>'))
PY
	(cd "$T/b4" && ada b4 --offline-mode trailers -u -F "$(cat "$T/thread.mbox.msgid")" -m "$T/thread.mbox") \
		>"$T/trailers-u.out" 2>&1 || { tail "$T/trailers-u.out"; return 1; }
	out=$(ada env POSTING=A "$TOP/scripts/send.sh" 2>&1) && { echo "make send overwrote the collected ack"; return 1; }
	printf '%s\n' "$out" | grep -q 'Acked-by: Will Deacon.*make trailers POSTING=A' || { echo "$out"; return 1; }
	cp -r "$T/sp/patches" "$T/sp/before"
	ada env POSTING=A "$TOP/scripts/trailers.sh" >"$T/trailers.out" 2>&1 || { cat "$T/trailers.out"; return 1; }
	p1=$(PATCHES=$T/sp/patches series_patches | sed -n 1p)
	[ "$(diff "$T/sp/before/${p1##*/}" "$p1")" = "$(printf '%s\n%s' "$(grep -n '^---$' "$T/sp/before/${p1##*/}" |
		head -n 1 | cut -d: -f1 | awk '{ print $1 - 1 "a" $1 }')" '> Acked-by: Will Deacon <will@kernel.org>')" ] ||
		{ diff "$T/sp/before/${p1##*/}" "$p1"; return 1; }
	[ "$(diff -r "$T/sp/before" "$T/sp/patches" | grep -c '^[<>]')" = 1 ] || { diff -r "$T/sp/before" "$T/sp/patches"; return 1; }
	ada env POSTING=A "$TOP/scripts/send.sh" >"$T/send-a5b.out" 2>&1 || { tail -n 20 "$T/send-a5b.out"; return 1; }
	grep -q '^Acked-by: Will Deacon <will@kernel.org>$' "$T"/send/v5-A/0001-*.eml &&
		grep -q ': Acked-by collected$' "$T"/send/v5-A/0000-*.eml
}
ok_if "trailers: an ack collected by b4 trailers -u is refused overwriting, then taken into patches/ by make trailers and sent" send_trailers
[ ! -s "$T/sink/pid" ] || kill "$(cat "$T/sink/pid")" 2>/dev/null || true
unset GIT_CONFIG_GLOBAL
b4_clean

# A full disk: a 4 MiB tmpfs of its own, in a private mount namespace (as
# root, or in a user namespace).
disk_full() {
	local m=$T/small ns=(unshare -m)
	mkdir -p "$m"
	[ "$(id -u)" = 0 ] || ns=(unshare -rm)
	if "${ns[@]}" true 2>/dev/null; then
		"${ns[@]}" bash "$TOP/tests/guest/disk-full.sh" "$m" "$TOP" "$KTREE"
	else
		DISK_TEST=limit bash "$TOP/tests/guest/disk-full.sh" "$m" "$TOP" "$KTREE"
	fi
}
ok_if "disk: a full disk is named, and no artifact is left truncated" disk_full

# --- variants: shared builds, guest settings, selftest lists --------------
# settings_top: a copy of the scripts with variants 'one' (a build), 'two'
# and 'three' (both boot one's kernel) and their settings.
settings_top() {
	local f=$T/settings
	rm -rf "$f"
	mkdir -p "$f/top/kernel-config" "$f/top/selftests" "$f/bin" "$f/build/one/obj/arch/arm64/boot"
	mkdir -p "$f/ktree/tools/testing/selftests/"{a,b,c}
	cp -r "$TOP/scripts" "$f/top/"
	printf 'one x.config\ntwo =one\nthree  =one # UEFI\n' >"$f/top/kernel-config/variants"
	printf '%s\t%s\t%s\n' two cpu cortex-a57 two append kpti=1 two append 'foo="a b"' \
		two selftests list.two three firmware uefi three machine virt,acpi=off \
		>"$f/top/kernel-config/qemu"
	printf 'a\nb:t1\nb:t2\nc\n' >"$f/top/selftests/collections"
	printf '# two: all but b:t1\ninclude collections\n-b:t1\n' >"$f/top/selftests/list.two"
	: >"$f/build/one/obj/arch/arm64/boot/Image"
	# A QEMU that writes its arguments, one per line, and powers off.
	# shellcheck disable=SC2016 # expanded by the fake QEMU
	printf '#!/bin/sh\nprintf "%%s\\n" "$@" >"$QEMU_ARGS"\n' >"$f/bin/qemu-system-aarch64"
	chmod +x "$f/bin/qemu-system-aarch64"
}
in_settings() {
	env -u CROSS_COMPILE BUILD="$T/settings/build" KTREE="$T/settings/ktree" VARIANT="$1" \
		bash -c ". '$T/settings/top/scripts/lib.sh'; $2"
}
# shellcheck disable=SC2016 # expanded by in_settings' bash
variant_settings() {
	local f=$T/settings
	settings_top
	[ "$(in_settings two 'echo $BVARIANT $OBJ')" = "one $f/build/one/obj" ]
	[ "$(in_settings three 'echo $BVARIANT $VDIR')" = "one $f/build/three" ]
	[ "$(in_settings one 'echo $BVARIANT $OBJ')" = "one $f/build/one/obj" ]
	[ "$(in_settings two 'guest_setting cpu max')" = cortex-a57 ]
	[ "$(in_settings one 'guest_setting cpu max')" = max ]
	[ "$(in_settings two 'guest_settings append | paste -sd"|"')" = 'kpti=1|foo="a b"' ]
	[ "$(BUILD=$f/build KTREE=$f/ktree VARIANT=two "$f/top/scripts/collections.sh" | paste -sd' ')" = "a b:t2 c" ]
	[ "$(BUILD=$f/build KTREE=$f/ktree VARIANT=one "$f/top/scripts/collections.sh" | paste -sd' ')" = "a b:t1 b:t2 c" ]
}
ok_if "variants: shared builds, guest settings and selftest lists are read as written" variant_settings

unknown_collection() {
	local f=$T/settings err rc=0
	settings_top
	mkdir -p "$f/patches"
	: >"$f/top/kernel-config/x.config"
	printf '+++ b/tools/testing/selftests/d/Makefile\n' >"$f/patches/0001-d.patch"
	# d is the series' own, not in this tree: its tests are reported missing.
	[ "$(PATCHES=$f/patches BUILD=$f/build KTREE=$f/ktree VARIANT=one SELFTESTS="a d" \
		"$f/top/scripts/collections.sh" --missing)" = d ]
	err=$(PATCHES=$f/patches BUILD=$f/build KTREE=$f/ktree VARIANT=one SELFTESTS="a nope:t" \
		"$f/top/scripts/collections.sh" 2>&1 >/dev/null) || rc=$?
	printf '%s\n' "$err"
	[ $rc != 0 ] && printf '%s\n' "$err" | grep -q "no selftest collection 'nope' (in SELFTESTS=\"a nope:t\")"
	# config.sh stops there, before it configures anything.
	rc=0
	err=$(PATCHES=$f/patches BUILD=$f/build KTREE=$f/ktree VARIANT=one SELFTESTS=nope \
		"$f/top/scripts/config.sh" 2>&1) || rc=$?
	printf '%s\n' "$err"
	[ $rc != 0 ] && printf '%s\n' "$err" | grep -q "no selftest collection 'nope'"
	[ ! -e "$f/build/one/logs/config.log" ] || { echo "config.sh went on"; return 1; }
}
ok_if "collections: a name that is no collection stops the run and lists the real ones" unknown_collection

config_refuses() {
	local f=$T/settings err rc=0
	settings_top
	mkdir -p "$f/patches" "$f/build/one/obj"
	printf 'config FOO\n\tbool "foo"\nmenuconfig BAR\n\tbool "bar"\n' >"$f/ktree/Kconfig"
	: >"$f/top/kernel-config/virt.config"
	: >"$f/top/kernel-config/virt-arm64.config"
	: >"$f/top/kernel-config/selftests.config"
	printf 'CONFIG_FOO=y\n# CONFIG_BAR is not set\n# CONFIG_FOOO is not set\n' >"$f/top/kernel-config/x.config"
	cfg() { PATCHES=$f/patches BUILD=$f/build KTREE=$f/ktree VARIANT=one SELFTESTS=a "$f/top/scripts/config.sh"; }
	err=$(cfg 2>&1) || rc=$?
	printf '%s\n' "$err"
	[ $rc != 0 ] && printf '%s\n' "$err" | grep -q "no such Kconfig symbol in $f/ktree: CONFIG_FOOO (in $f/top/kernel-config/x.config)" || return 1
	# A configuration that fails (here: no merge_config.sh) leaves no .config.
	printf 'CONFIG_FOO=y\n' >"$f/top/kernel-config/x.config"
	printf 'CONFIG_OLD=y\n' >"$f/build/one/obj/.config"
	rc=0
	err=$(cfg 2>&1) || rc=$?
	printf '%s\n' "$err"
	[ $rc != 0 ] && printf '%s\n' "$err" | grep -q "merge_config.sh failed" || return 1
	[ ! -e "$f/build/one/obj/.config" ] || { echo "the old .config is still there"; return 1; }
}
ok_if "config: an unknown symbol is named, and a failed configuration leaves no .config" config_refuses

boot_settings() {
	local f=$T/settings a
	settings_top
	BUILD=$f/build VARIANT=two INITRD=none PATH="$f/bin:$PATH" QEMU_ARGS=$f/args.two \
		"$f/top/scripts/boot.sh"
	a=$(paste -sd' ' "$f/args.two")
	printf '%s\n' "$a"
	[[ $a == *"-cpu cortex-a57 "* ]]
	[[ $a == *"-kernel $f/build/one/obj/arch/arm64/boot/Image "* ]]
	grep -qx 'console=ttyAMA0 .* kpti=1 foo="a b"' "$f/args.two"
	if grep -q pflash "$f/args.two"; then return 1; fi
	[ -f /usr/share/AAVMF/AAVMF_CODE.fd ] || { echo "qemu-efi-aarch64 not installed: UEFI part not checked"; return 0; }
	BUILD=$f/build VARIANT=three INITRD=none PATH="$f/bin:$PATH" QEMU_ARGS=$f/args.three \
		"$f/top/scripts/boot.sh"
	a=$(paste -sd' ' "$f/args.three")
	printf '%s\n' "$a"
	[[ $a == *"-M virt,acpi=off -cpu max "* ]]
	grep -qx "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd" "$f/args.three"
	grep -qx "if=pflash,format=raw,unit=1,file=$f/build/three/efivars.fd" "$f/args.three"
}
ok_if "boot: QEMU gets each variant's CPU, machine, firmware and kernel arguments" boot_settings

# A variant with arch=powerpc: its own compiler, image and userspace; a
# pseries guest with the hvc console, virtio-pci for the harness's
# consoles, one thread per core; on a QEMU before 9.1 one host thread
# for the vCPUs (tests/qemu/README), unless ACCEL says otherwise.
boot_powerpc() {
	local f=$T/settings a
	settings_top
	printf 'four arch=powerpc x.config\n' >>"$f/top/kernel-config/variants"
	mkdir -p "$f/build/four/obj"
	: >"$f/build/four/obj/vmlinux"
	# shellcheck disable=SC2016 # expanded by in_settings' bash
	[ "$(in_settings four 'echo $KARCH $CROSS_COMPILE $KIMAGE $DEB_ARCH $LDSO $QEMU')" = \
		"powerpc powerpc64le-linux-gnu- vmlinux ppc64el lib64/ld64.so.2 qemu-system-ppc64" ]
	# shellcheck disable=SC2016
	[ "$(in_settings one 'echo $KARCH $CROSS_COMPILE $KIMAGE')" = "arm64 aarch64-linux-gnu- arch/arm64/boot/Image" ]
	# shellcheck disable=SC2016 # expanded by the fake QEMU
	printf '#!/bin/sh\n[ "$1" != --version ] || { echo "QEMU emulator version $QEMU_VERSION (Debian)"; exit 0; }\nprintf "%%s\\n" "$@" >"$QEMU_ARGS"\n' \
		>"$f/bin/qemu-system-ppc64"
	chmod +x "$f/bin/qemu-system-ppc64"
	BUILD=$f/build VARIANT=four INITRD=none PATH="$f/bin:$PATH" QEMU_ARGS=$f/args.four QEMU_VERSION=7.2.19 \
		"$f/top/scripts/boot.sh"
	a=$(paste -sd' ' "$f/args.four")
	printf '%s\n' "$a"
	[[ $a == "-M pseries -cpu power9 -smp 4 "* ]]
	[[ $a == *"-kernel $f/build/four/obj/vmlinux "* ]]
	[[ $a == *"-device virtio-serial-pci "* ]]
	[[ $a == *"-accel tcg,thread=single "* ]]
	grep -qx 'console=hvc0 .* harness_ktap=/dev/hvc1 harness_klog=/dev/hvc2' "$f/args.four"
	BUILD=$f/build VARIANT=four INITRD=none PATH="$f/bin:$PATH" QEMU_ARGS=$f/args.four QEMU_VERSION=9.1.0 \
		"$f/top/scripts/boot.sh"
	if grep -qx -- -accel "$f/args.four"; then echo "-accel on QEMU 9.1"; return 1; fi
	ACCEL=tcg,thread=multi BUILD=$f/build VARIANT=four INITRD=none PATH="$f/bin:$PATH" QEMU_ARGS=$f/args.four \
		QEMU_VERSION=7.2.19 "$f/top/scripts/boot.sh"
	grep -qx tcg,thread=multi "$f/args.four"
	# An arm64 CROSS_COMPILE under a powerpc variant, and a job that
	# builds arm64 kernels of its own under one, are refused by name.
	local err rc=0
	err=$(BUILD=$f/build KTREE=$f/ktree VARIANT=four CROSS_COMPILE=aarch64-linux-gnu- \
		bash -c ". '$f/top/scripts/lib.sh'; check_cross; echo went on" 2>&1) || rc=$?
	printf '%s\n' "$err"
	[ $rc != 0 ] && grep -q "CROSS_COMPILE=aarch64-linux-gnu- builds for aarch64.*variant four is powerpc" <<<"$err" || return 1
	rc=0
	err=$(env -u CROSS_COMPILE BUILD="$f/build" KTREE="$f/ktree" VARIANT=four "$f/top/scripts/kunit.sh" 2>&1) || rc=$?
	printf '%s\n' "$err"
	[ $rc != 0 ] && grep -q "variant four is a powerpc variant; kunit.sh builds arm64 kernels" <<<"$err"
}
ok_if "boot: a powerpc variant boots qemu-system-ppc64 -M pseries, hvc0 and virtio-pci consoles; one host thread on QEMU before 9.1" boot_powerpc

# make archbuild: an option a fragment asks for that the architecture
# cannot set (the shootdown check on x86_64, which has no shootdown) fails
# the configuration, naming it; the project's own fragments pass. On the
# series in the work tree (applied first, as make run does).
archbuild_options() {
	local out rc=0
	"$TOP/scripts/apply.sh"
	printf 'CONFIG_DEBUG_VM_SHOOT_LAZIES=y\n' >"$T/x86-shoot.config"
	out=$(EXTRA_CONFIG=$T/x86-shoot.config ARCHS=x86_64 OPTS=on "$TOP/scripts/archbuild.sh" --config-only 2>&1) || rc=$?
	printf '%s\n' "$out"
	[ $rc != 0 ] && grep -q "options that did not reach .config: DEBUG_VM_SHOOT_LAZIES=y" <<<"$out" || return 1
	ARCHS="x86_64 powerpc" OPTS="on off" "$TOP/scripts/archbuild.sh" --config-only
}
ok_if "archbuild: an option the architecture cannot set fails its configuration, named; the project's fragments reach .config" archbuild_options

# --- boot.sh on tiny fixture guests -------------------------------------
fixture_elf() {
	"${CROSS_COMPILE}gcc" -nostdlib -static -Wl,-Ttext=0x40080000 -o "$T/$1.elf" "$TOP/tests/guest/$1.S"
}
boot_hang() {
	local rc=0
	fixture_elf hang
	IMAGE=$T/hang.elf INITRD=none GUEST_TIMEOUT=5 CONSOLE=$T/hang.console KTAP=$T/hang.ktap KLOG=$T/hang.klog \
		"$TOP/scripts/boot.sh" || rc=$?
	[ $rc = 124 ] || { echo "boot.sh exit $rc, want 124"; return 1; }
	grep -q 'guest timed out after 5s' "$T/hang.console"
	# Where each vCPU was, from QEMU's monitor: the fixture spins on one.
	grep -qE '^  CPU#0 PC [0-9a-f]{16}$' "$T/hang.console"
	grep -q 'QEMU killed' "$T/hang.console"
}
ok_if "boot: a hung guest is cut off by the timeout (exit 124, console kept, vCPU PCs read)" boot_hang

boot_panic() {
	local rc=0
	fixture_elf panic
	IMAGE=$T/panic.elf INITRD=none GUEST_TIMEOUT=30 CONSOLE=$T/panic.console KTAP=$T/panic.ktap KLOG=$T/panic.klog \
		"$TOP/scripts/boot.sh"
	python3 "$TOP/scripts/results.py" --ktree "$KTREE" --ktap "$T/panic.ktap" \
		--console "$T/panic.console" >"$T/panic.results" || rc=$?
	cat "$T/panic.results"
	[ $rc = 1 ] && grep -q '^FAIL  kernel:panic .*Kernel panic - not syncing: harness fixture' "$T/panic.results"
}
ok_if "boot: a guest that panics and powers off fails the run" boot_panic
ok_if "boot: QEMU that cannot start the guest is a harness error with its message (exit 125), not a table of failures" qemu_cannot_start

missing_tool() {
	local bin=$T/bin err rc=0
	mkdir -p "$bin"
	# Everything on PATH but QEMU.
	for d in /usr/local/bin /usr/bin /bin; do
		for f in "$d"/*; do
			case "${f##*/}" in qemu-system-*) continue ;; esac
			[ -e "$bin/${f##*/}" ] || ln -s "$f" "$bin/${f##*/}"
		done
	done
	err=$(PATH=$bin IMAGE=/dev/null INITRD=none "$TOP/scripts/boot.sh" 2>&1) || rc=$?
	printf '%s\n' "$err"
	[ $rc != 0 ] && printf '%s\n' "$err" | grep -q "'qemu-system-aarch64' not found: install the Debian package 'qemu-system-arm'" || return 1
	rc=0
	err=$(CROSS_COMPILE=no-such-cross- "$TOP/scripts/build.sh" 2>&1) || rc=$?
	printf '%s\n' "$err"
	[ $rc != 0 ] && printf '%s\n' "$err" | grep -q "'no-such-cross-gcc' not found: install the Debian package 'gcc-aarch64-linux-gnu'"
}
ok_if "deps: a missing tool is reported by package name" missing_tool

# A boot that fails before QEMU runs leaves no log of an earlier run for
# the results to read as its own.
boot_stale() {
	local bin=$T/bin
	[ -d "$bin" ] || return 1	# made by missing_tool: PATH without QEMU
	printf 'ok 1 an earlier run\n# harness: done\n' >"$T/stale.ktap"
	printf 'an earlier run\n' >"$T/stale.console"
	printf 'an earlier boot\n' >"$T/stale.klog"
	if PATH=$bin IMAGE=/dev/null INITRD=none CONSOLE=$T/stale.console KTAP=$T/stale.ktap \
		KLOG=$T/stale.klog "$TOP/scripts/boot.sh"; then
		return 1
	fi
	[ ! -e "$T/stale.ktap" ] && [ ! -e "$T/stale.console" ] && [ ! -e "$T/stale.klog" ]
}
ok_if "boot: a boot that fails early removes the last run's logs" boot_stale

# Ctrl-C: boot.sh stops QEMU at once, keeps the console and dies of
# SIGINT; test.sh then prints no table. A fake QEMU that only sleeps.
boot_interrupt() {
	local bin=$T/fakeqemu
	mkdir -p "$bin"
	printf '#!/bin/sh\necho $$ >"%s"\nexec sleep 120\n' "$T/fakeqemu.pid" >"$bin/qemu-system-aarch64"
	chmod +x "$bin/qemu-system-aarch64"
	rm -f "$T/fakeqemu.pid"
	: >"$T/fake.img"
	PATH=$bin:$PATH IMAGE=$T/fake.img INITRD=none CONSOLE=$T/int.console KTAP=$T/int.ktap \
		KLOG=$T/int.klog GUEST_TIMEOUT=100 python3 - "$TOP/scripts/boot.sh" "$T/fakeqemu.pid" <<-'PY'
	import os, signal, subprocess, sys, time
	# As from a terminal: a shell started with SIGINT ignored (any
	# background job, 'make check &') cannot trap it, so boot.sh gets it
	# at its default.
	p = subprocess.Popen([sys.argv[1]], start_new_session=True,
	                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
	                     stderr=subprocess.PIPE, text=True)
	for _ in range(100):
	    if os.path.exists(sys.argv[2]):
	        break
	    time.sleep(0.1)
	time.sleep(0.5)
	t0 = time.time()
	os.killpg(p.pid, signal.SIGINT)
	err = p.communicate(timeout=20)[1]
	print(err, end='')
	took = time.time() - t0
	qpid = int(open(sys.argv[2]).read())
	alive = os.path.exists(f'/proc/{qpid}') and \
	    open(f'/proc/{qpid}/stat').read().split()[2] != 'Z'
	print(f'exit {p.returncode}, {took:.1f} s after SIGINT, QEMU alive: {alive}')
	sys.exit(0 if p.returncode == -signal.SIGINT and took < 10 and not alive
	         and 'interrupted (SIGINT)' in err else 1)
	PY
	grep -q 'boot.sh: interrupted (SIGINT); QEMU stopped' "$T/int.console"
}
ok_if "boot: Ctrl-C stops QEMU at once, keeps the console, dies of SIGINT" boot_interrupt

ktap_end
