# SPDX-License-Identifier: GPL-2.0
# Single entry point of the project. 'make help' lists the targets.
#
# Variables (all optional): VARIANT (kernel-config/variants), KERNEL_SRC
# (your own kernel git tree), KERNEL_BASE, SMP, MEM, GUEST_TIMEOUT, SELFTESTS,
# REPEAT, UPTO, JOBS, W, C, FORCE, RUN, KEEP_RUNS, SOAK_MINUTES, OLD, POSTING, REWRITE,
# ACCEL and QEMU_SYSTEM (the guest's QEMU accelerator and binary), EXTRA_CONFIG
# (make archbuild: a fragment to try).

SHELL := /bin/bash
S := scripts
# What started a run, for the record scripts/test.sh keeps of it.
export LAZYTLB_CMD := make $(strip $(MAKECMDGOALS) $(MAKEOVERRIDES))

.PHONY: help run check deps base base-update apply export prefix config build \
	kselftest initramfs boot test results shell quick check-all bisect archbuild warnings bench bench-smoke soak knownbad send trailers range-diff lint selftest-harness model kunit clean distclean

help: ## list the targets
	@echo "lazytlb: arm64 active_mm / lazy TLB series and its test harness"
	@echo
	@awk -F':.*## ' '/^[a-z-]+:.*## / { printf "  make %-18s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@echo
	@echo "Variables: VARIANT KERNEL_SRC KERNEL_BASE SMP MEM GUEST_TIMEOUT SELFTESTS REPEAT UPTO JOBS W C FORCE RUN KEEP_RUNS SOAK_MINUTES OLD POSTING REWRITE ACCEL QEMU_SYSTEM EXTRA_CONFIG"

run: ## main job: deps, base, apply, config, build, selftests, boot, results (VARIANT default: shootdown)
	@$(S)/run.sh

check: ## project tests: lint, harness self-tests, the main job in every variant, KUnit, bench smoke, the powerpc64le and x86_64 builds
	@$(S)/check.sh

check-all: ## make check, the variants of kernel-config/check-all-variants (kasan, rseq stress, powerpc64 pseries), make knownbad, every posting booted in both lazy modes, make archbuild at every posting with the options on and off (slow)
	@$(S)/check.sh --all

quick: ## inner loop: rebuild VARIANT (default shootdown), boot, run the key lazy_tlb tests
	@$(S)/quick.sh

deps: ## install missing host packages (Debian; as root)
	@$(S)/deps.sh

base: ## create build/linux at the base in kernel-config/base (or KERNEL_SRC)
	@$(S)/base.sh

base-update: ## move kernel-config/base to the newest linux-source >= MIN_VERSION
	@$(S)/base.sh --update

apply: ## git am patches/ onto the base as branch lazytlb/series
	@$(S)/apply.sh

export: ## write the lazytlb/series commits back to patches/
	@$(S)/export.sh

prefix: ## check out the first UPTO=N patches in build/upto/tree (make run UPTO=N does it)
	@$(S)/prefix.sh

config: ## merge the config fragments for VARIANT
	@$(S)/config.sh

build: ## build Image, modules and UAPI headers for VARIANT
	@$(S)/build.sh

kselftest: ## cross-build and install the listed selftests
	@$(S)/kselftest.sh

initramfs: ## assemble the guest initramfs
	@$(S)/initramfs.sh

test: ## boot the built guest, run the selftests, print the results
	@$(S)/test.sh

results: ## re-print a kept run of VARIANT: the newest, RUN=DATE-N, or RUN=list
	@$(S)/runs.sh

boot: ## boot the built guest once (no result parsing)
	@$(S)/boot.sh

shell: ## boot the built guest to an interactive shell
	@$(S)/boot.sh --shell

bisect: ## build every patch of the series in every variant, then boot every posting boundary in both lazy modes (slow)
	@$(S)/bisect.sh

archbuild: ## the series built for powerpc64le and x86_64, options on and off, no new W=1 warnings (ARCHS, OPTS; --boundaries in check-all)
	@$(S)/archbuild.sh

warnings: ## no new W=1 / sparse warnings in the files the series touches
	@$(S)/warnings.sh

bench: ## base, refcount, shootdown, unfiltered kernels counted by a QEMU plugin: table in docs/performance.md (slow)
	@$(S)/bench.sh

bench-smoke: ## the counting plugin's exact-count test and a few counted round trips (in make check)
	@$(S)/bench.sh --smoke

soak: ## shootdown-kasan at -smp 8, the lazy_tlb tests in a loop for SOAK_MINUTES (10), then the audit's books (slow)
	@$(S)/soak.sh

send: ## write each posting's mails (POSTING=X: one) with b4 as you (git config user.*) from its b4 branch in build/b4 to build/send/vN-X; never sends
	@$(S)/send.sh

trailers: ## take the trailers collected on posting POSTING=X's b4 branch (b4 trailers -u) into patches/
	@$(S)/trailers.sh

range-diff: ## git range-diff of the series against OLD=rev (default: the newest posted/vN tag, else the last commit that changed the patches)
	@$(S)/range-diff.sh

knownbad: ## build kernels broken on purpose (tests/knownbad/) and show the checks catch each (slow)
	@$(S)/knownbad.sh

lint: ## shellcheck, guest/init.c, results.py, checkpatch --strict of patches/
	@$(S)/lint.sh

selftest-harness: ## the harness's own tests (fixtures, no kernel build; fetches the base tree first if missing)
	@$(S)/selftest-harness.sh

kunit: ## the series' KUnit suites, built and booted by tools/testing/kunit/kunit.py --arch arm64 (in make check)
	@$(S)/kunit.sh

model: ## bounded model check of the lazy TLB record designs and their mutants (python3, no kernel build)
	@$(S)/model.sh

clean: ## remove the build outputs of VARIANT (keeps the tree, downloads, ccache)
	@case "$(VARIANT)" in */* | .*) echo "VARIANT=$(VARIANT): a variant name (kernel-config/variants), not a path"; exit 1 ;; esac
	rm -rf build/$(or $(VARIANT),shootdown)

distclean: ## remove build/ entirely (the kernel work tree too; not while it holds b4's record of sent versions, unless FORCE=1)
	@if [ -d build/linux ] && [ -z "$(filter-out 0,$(FORCE))" ] && [ -n "$$(git -C build/linux tag -l 'sent/*' 2>/dev/null)" ]; then \
		echo "build/linux holds b4's record of the versions sent (tags sent/*, branches b4/*): keep it with"; \
		echo "'git -C build/linux bundle create ../b4-record.bundle --branches=b4/* --tags=sent/* --glob=refs/lazytlb/b4-written/*'"; \
		echo "(restore: git -C build/linux fetch ../b4-record.bundle 'refs/*:refs/*'), then make distclean FORCE=1"; exit 1; fi
	@if [ -d build/linux ] && [ -n "$$(git -C build/linux log --oneline lazytlb/base..lazytlb/series 2>/dev/null)" ] && \
		! $(S)/export.sh --check >/dev/null 2>&1; then \
		echo "build/linux has commits not exported to patches/: run 'make export' first"; exit 1; fi
	rm -rf build
