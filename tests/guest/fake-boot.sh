#!/usr/bin/env bash
# fake-boot.sh - stands in for scripts/boot.sh in the harness's retry test.
# Boot N (counted in $FAKE_DIR/boots) writes $FAKE_DIR/ktap.N as the
# guest's KTAP and a console with the guest's end marker when the KTAP has
# it (as guest/init.c writes it to both); a missing ktap.N means "like the
# last".
set -euo pipefail
n=$(($(cat "$FAKE_DIR/boots" 2>/dev/null || echo 0) + 1))
echo "$n" >"$FAKE_DIR/boots"
src=$FAKE_DIR/ktap.$n
[ -f "$src" ] || src=$(find "$FAKE_DIR" -name 'ktap.[0-9]*' | sort -V | tail -n 1)
# Where scripts/boot.sh writes them, unless test.sh says otherwise.
cp "$src" "${KTAP:-$BUILD/$VARIANT/ktap.log}"
{
	echo "[    0.100000] Run /init as init process"
	grep -h '# harness: done' "$src" || true
} >"${CONSOLE:-$BUILD/$VARIANT/console.log}"
