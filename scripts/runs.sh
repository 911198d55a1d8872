#!/usr/bin/env bash
# runs.sh - re-print a kept test run (make results).
#
# Usage: [VARIANT=name] [RUN=DATE-N|list] scripts/runs.sh
#
# scripts/test.sh keeps every run of a variant in build/VARIANT/runs/DATE-N/
# (console.log, ktap.log, kernel-boot.log, results.txt, results.xml, the
# kernel's config and 'command': how the run was started and its exit
# status). This prints the command and the table of RUN, by default the
# newest; RUN=list lists the kept runs, newest first, with their closing
# lines. Exit status: that of the run shown.
set -euo pipefail
NO_LOCK=1 . "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"

dir=$VDIR/runs
[ -d "$dir" ] || die "no kept runs of $VARIANT in ${dir#"$TOP"/}: 'make run VARIANT=$VARIANT' keeps one"
mapfile -t runs < <(find "$dir" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %f\n' | sort -rn | cut -d' ' -f2-)
[ ${#runs[@]} -gt 0 ] || die "no kept runs of $VARIANT in ${dir#"$TOP"/}"
if [ "${RUN:-}" = list ]; then
	for r in "${runs[@]}"; do
		printf '%-20s %-12s %s\n' "$r" "$(sed -n 's/^status: //p' "$dir/$r/command")" \
			"$(tail -n 1 "$dir/$r/results.txt" 2>/dev/null || echo '(no table: interrupted)')"
	done
	exit 0
fi
run=${RUN:-${runs[0]}}
run=${run##*/}
[ -d "$dir/$run" ] || die "no run '$run' of $VARIANT; kept: ${runs[*]}"
log "run ${dir#"$TOP"/}/$run"
sed 's/^/# /' "$dir/$run/command"
[ -f "$dir/$run/results.txt" ] || die "run $run has no table (interrupted); its console is $dir/$run/console.log"
cat "$dir/$run/results.txt"
exit "$(sed -n 's/^status: //p' "$dir/$run/command")"
