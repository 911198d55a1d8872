#!/usr/bin/env bash
# run.sh - the main job: apply the series, build, boot, run the selftests.
#
# Usage: [VARIANT=name] [KERNEL_SRC=/path/to/linux] [UPTO=N] scripts/run.sh
#
# In order: deps.sh (install missing host packages), base.sh (the base
# tree), apply.sh (patches/ onto it), prefix.sh with UPTO=N (only the first
# N patches, in build/upto/tree), config.sh, build.sh, kselftest.sh,
# initramfs.sh and test.sh (boot under QEMU, per-test table, closing line
# 'N passed, N failed, N skipped'). Each step is skipped or incremental
# when its inputs did not change. Exit status: that of the first failing
# step, or of the test run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"

S=$TOP/scripts
"$S/deps.sh"
"$S/base.sh"
"$S/apply.sh"
[ -z "${UPTO:-}" ] || "$S/prefix.sh"
"$S/config.sh"
"$S/build.sh"
"$S/kselftest.sh"
"$S/initramfs.sh"
exec "$S/test.sh"
