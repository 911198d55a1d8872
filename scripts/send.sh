#!/usr/bin/env bash
# send.sh - write each posting's mails with b4, from a b4 branch that lasts (make send); never sends.
#
# Usage: [POSTING=A|B|...] [FORCE=1] [REWRITE=1] [KERNEL_SRC=/path/to/linux] scripts/send.sh
#
# The series is posted as the postings of kernel-config/send (MAINTAINERS-
# notes); POSTING=X writes one, none writes all in order.
# 1. The sender is 'git config user.name' and 'user.email'; unset, the
#    series' placeholder author, or a reserved address (example.com and its
#    subdomains, .example/.invalid/.test/.localhost) is refused: the
#    Developer's Certificate of Origin needs a real identity.
# 2. What is sent is what is committed: a patches/ or kernel-config/send
#    with uncommitted changes, or commits in the kernel work tree not yet
#    exported ('make export'), stop it unless FORCE=1. Work done on a
#    posting's branch since make send wrote it (trailers, edits) stops it
#    unless REWRITE=1.
# 3. Each posting X is branch b4/lazytlb-x, as 'b4 prep' keeps one, in
#    build/b4: a worktree of the kernel tree (sparse: the top-level files
#    and scripts/, all b4 and get_maintainer.pl need) that no other target
#    removes, so b4's own record lasts: its sent/ tags, revision bumps and
#    history. scripts/posting.py writes the branch from patches/ (authors
#    kept; the placeholder becomes the sender; the sender's sign-off
#    last), the cover letter from patches/covers/X.txt (a single patch has
#    no cover letter: the text goes below its '---'), with a changelog
#    and range-diff against the last version b4 sent. It refuses to
#    overwrite trailers or edits made on the branch ('make trailers').
# 4. Recipients are b4's: 'b4 prep --auto-to-cc' with get_maintainer.pl
#    --no-git --no-git-fallback --no-r --no-keywords --no-rolestats
#    (maintainers in To, lists in Cc); nothing is written into commits.
# 5. 'b4 send -o build/send/vN-X --no-sign' writes the mails (with an
#    SMTP server given to that one command, so that b4 never picks its web
#    endpoint; no sendemail.* is written anywhere). Prints each mail's
#    From/To/Cc/Subject. Sending is the sender's own 'b4 send' from the
#    branch, with the sender's own mail configuration (README).
set -euo pipefail
NO_LOCK=1 . "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"

need b4 b4
need perl perl
need git-filter-repo git-filter-repo
SEND=${SEND_DIR:-$BUILD/send}
B4_TREE=${B4_TREE:-$BUILD/b4}
export B4_NAME=${B4_NAME:-lazytlb}
force=0 rewrite=0
[ -n "${FORCE:-}" ] && [ "$FORCE" != 0 ] && force=1
[ -n "${REWRITE:-}" ] && [ "$REWRITE" != 0 ] && rewrite=1

# --- the sender ---------------------------------------------------------
name=$(git -C "$TOP" config user.name || true)
email=$(git -C "$TOP" config user.email || true)
placeholder=$(sed -n '/^From: /{s/^From: //;p;q}' "$PATCHES"/0001-*.patch)
placeholder_email=$(grep -h -o -m1 '<[^>]*>' "$PATCHES"/0001-*.patch | head -n 1 | tr -d '<>')
if [ -z "$name" ] || [ -z "$email" ]; then
	die "set your own identity first: git config --global user.name 'Your Name'; git config --global user.email you@your.domain (the patches are signed off in your name)"
fi
case "$email" in
*@*.*) ;;
*) die "user.email '$email' is not a mail address" ;;
esac
domain=${email##*@}
case "${domain,,}" in
*.example | *.invalid | *.test | *.localhost | example.com | example.net | example.org | localhost | \
	*.example.com | *.example.net | *.example.org)
	die "user.email '$email' is a reserved, undeliverable address: the sign-off must be one you can be reached at" ;;
esac
if [ "$email" = "$placeholder_email" ] || [ "$name" = "${placeholder% <*}" ]; then
	die "'$name <$email>' is the series' placeholder author, not a sender"
fi
sender="$name <$email>"

# --- the postings -----------------------------------------------------------
meta() { sed -n "s/^$1 //p" "$TOP/kernel-config/send"; }
change_id=$(meta change-id)
rev0=$(meta revision)
if [ -z "$change_id" ] || ! [[ $rev0 =~ ^[1-9][0-9]*$ ]]; then
	die "kernel-config/send needs a change-id and a revision"
fi
mapfile -t letters < <(awk '$1 == "posting" { print $2 }' "$TOP/kernel-config/send")
[ ${#letters[@]} -gt 0 ] || die "kernel-config/send names no posting"
if [ -n "${POSTING:-}" ]; then
	printf '%s\n' "${letters[@]}" | grep -qx -- "$POSTING" ||
		die "POSTING=$POSTING: not one of ${letters[*]} (kernel-config/send)"
	todo=("$POSTING")
else
	todo=("${letters[@]}")
fi
# posting_field X N: field N of posting X's line.
posting_field() { awk -v x="$1" -v n="$2" '$1 == "posting" && $2 == x { print $n }' "$TOP/kernel-config/send"; }
# after X: the postings X applies on top of, transitively, in series order.
after() {
	local x=$1 deps d
	deps=$(awk -v x="$x" '$1 == "posting" && $2 == x { for (i = 5; i <= NF; i++) if ($i ~ /^after=/) print substr($i, 7) }' \
		"$TOP/kernel-config/send" | tr ',' ' ')
	for d in $deps; do
		after "$d"
		echo "$d"
	done | awk '!seen[$0]++'
}

mapfile -t patches < <(series_patches)
[ ${#patches[@]} -gt 0 ] || die "no patches in $PATCHES"
for x in "${todo[@]}"; do
	first=$(posting_field "$x" 3) last=$(posting_field "$x" 4)
	[[ $first =~ ^[0-9]+$ && $last =~ ^[0-9]+$ && $first -le $last && $last -le ${#patches[@]} ]] ||
		die "kernel-config/send: posting $x names patches $first-$last; patches/ has ${#patches[@]}"
	if [ "$first" != "$last" ] || [ -f "$PATCHES/covers/$x.txt" ]; then
		[ -f "$PATCHES/covers/$x.txt" ] || die "posting $x has no cover letter: write patches/covers/$x.txt (subject line, blank line, text)"
	fi
done

# --- what is sent is what is committed ------------------------------------
# (PATCHES elsewhere, as in the harness's tests: that directory is sent.)
if [ $force = 0 ] && [ "$(realpath "$PATCHES")" = "$TOP/patches" ]; then
	dirty=$(git -C "$TOP" status --porcelain -- "$PATCHES" kernel-config/send)
	[ -z "$dirty" ] || die "patches/ or kernel-config/send has uncommitted changes; commit them first, or FORCE=1 to send them anyway:
$dirty"
	if git -C "$SERIES_TREE" rev-parse -q --verify "refs/heads/$SERIES_BRANCH" >/dev/null 2>&1; then
		# (It only reads: no lock, so that a running make check does not stop it.)
		why=$(NO_LOCK=1 "$TOP/scripts/export.sh" --check 2>&1) ||
			die "the kernel work tree has commits not exported to patches/ (run 'make export', then commit), or FORCE=1 to send patches/ as it is: $why"
	fi
fi

base=$(base_commit)
upstream=0
if [ -z "${KERNEL_SRC:-}" ]; then
	. "$TOP/kernel-config/base"
else
	upstream=1
fi

# --- the lasting worktree ---------------------------------------------------
if [ ! -e "$B4_TREE/.git" ]; then
	log "creating the b4 worktree ${B4_TREE#"$TOP"/} (sparse: top-level files, scripts/)"
	# Made at a scratch path and moved in once whole: an interrupted run
	# leaves no half-made worktree behind at B4_TREE.
	new=$B4_TREE.new
	[ ! -e "$new/.git" ] || git -C "$SERIES_TREE" worktree remove --force "$new"
	rm -rf "$new"
	git -C "$SERIES_TREE" worktree add -q --no-checkout --detach "$new" "$base"
	git -C "$new" sparse-checkout init --no-cone
	# The top-level files, scripts/, and the first-level files of the
	# directories get_maintainer.pl's top-of-tree check looks for.
	printf '%s\n' '/*' '!/*/' '/scripts/' '/Documentation/*' '/arch/*' '/include/*' '/drivers/*' \
		'/fs/*' '/init/*' '/ipc/*' '/kernel/*' '/lib/*' '!/*/*/' '/scripts/' \
		>"$(git -C "$new" rev-parse --git-path info/sparse-checkout)"
	git -C "$new" checkout -q --detach "$base"
	git -C "$SERIES_TREE" worktree move "$new" "$B4_TREE"
fi
[ -z "$(git -C "$B4_TREE" status --porcelain --untracked-files=no)" ] ||
	die "$B4_TREE has uncommitted changes; commit or stash them first (nothing was written)"
getm="$B4_TREE/scripts/get_maintainer.pl --no-git --no-git-fallback --no-r --no-keywords --no-rolestats"
# In the worktree's own configuration (sparse-checkout turned that on).
git -C "$B4_TREE" config extensions.worktreeConfig true
git -C "$B4_TREE" config --worktree b4.send-auto-to-cmd "$getm --nol"
git -C "$B4_TREE" config --worktree b4.send-auto-cc-cmd "$getm --nom"
# b4's default template names the fork point as base-commit; the cover
# letter names the public base and the prerequisites itself.
git -C "$B4_TREE" config --worktree b4.prep-cover-template "$TOP/kernel-config/b4-cover-template"

# subject X: the subject posting X is known by (its cover's, or its patch's).
subject() {
	if [ -f "$PATCHES/covers/$1.txt" ]; then
		head -n 1 "$PATCHES/covers/$1.txt"
	else
		git mailinfo /dev/null /dev/null <"${patches[$(($(posting_field "$1" 3) - 1))]}" | sed -n 's/^Subject: //p'
	fi
}

send_one() {
	local x=$1 first last prefix d pre=() nums=() n after_note='' base_note='' line br rev tip out forceopt=()
	local -a mails deps
	first=$(posting_field "$x" 3) last=$(posting_field "$x" 4) prefix=$(posting_field "$x" 5)
	[[ $prefix == after=* ]] && prefix=''
	mapfile -t deps < <(after "$x")
	for d in "${deps[@]}"; do
		for ((n = $(posting_field "$d" 3); n <= $(posting_field "$d" 4); n++)); do nums+=("$n"); done
	done
	if [ ${#nums[@]} -gt 0 ]; then
		mapfile -t nums < <(printf '%s\n' "${nums[@]}" | sort -n)
		for n in "${nums[@]}"; do pre+=("${patches[n - 1]}"); done
		# The cover letter names them in words; the links of those b4
		# sent from here go after it.
		for d in "${deps[@]}"; do
			line=$(python3 "$TOP/scripts/posting.py" link "$B4_TREE" "$d")
			if [ -n "$line" ]; then
				after_note+=${after_note:+$'\n'}"  $(subject "$d")"$'\n'"  $line"
			else
				unsent+=("$x needs $d")
			fi
		done
		[ -z "$after_note" ] || after_note="The postings this applies on top of:"$'\n'"$after_note"
	fi
	if [ $upstream = 0 ]; then
		base_note=$(printf '%s\n' "Prepared on Debian's $PACKAGE package ($VERSION), not on a mainline commit: the base-commit below names that tree, which is not public." | fold -s -w 72 | sed 's/ $//')
	fi
	[ $rewrite = 0 ] || forceopt=(--force)
	log "posting $x: patches $first-$last${prefix:+ ($prefix)}${deps[*]:+, on top of ${deps[*]}}"
	line=$(python3 "$TOP/scripts/posting.py" build "$B4_TREE" "$x" --base "$base" \
		--change-id "${change_id%-*}-${x,,}-${change_id##*-}" --revision "$rev0" --sender "$sender" \
		--placeholder "$placeholder_email" --cover "$PATCHES/covers/$x.txt" \
		${prefix:+--prefix "$prefix"} --base-note "$base_note" --after-note "$after_note" \
		"${forceopt[@]}" --prereqs "${pre[@]}" \
		--patches "${patches[@]:first-1:last-first+1}") || exit 1
	read -r br rev _ tip <<<"$line"
	git -C "$B4_TREE" checkout -q --detach
	git -C "$B4_TREE" update-ref -m "make send" "refs/heads/$br" "$tip"
	git -C "$B4_TREE" config "branch.$br.b4-prep-cover-strategy" commit
	git -C "$B4_TREE" checkout -q "$br"
	git -C "$B4_TREE" update-ref "refs/lazytlb/b4-written/$B4_NAME-${x,,}" HEAD
	(cd "$B4_TREE" && b4 prep --auto-to-cc) >"$SEND/b4-$x.log" 2>&1 || {
		cat "$SEND/b4-$x.log" >&2
		die "b4 prep --auto-to-cc failed on $br"
	}
	git -C "$B4_TREE" update-ref "refs/lazytlb/b4-written/$B4_NAME-${x,,}" HEAD
	out=$SEND/v$rev-$x
	rm -rf "$out"
	# An SMTP server for this command only (added to any GIT_CONFIG_* given).
	n=${GIT_CONFIG_COUNT:-0}
	(cd "$B4_TREE" && export GIT_CONFIG_COUNT=$((n + 1)) "GIT_CONFIG_KEY_$n=sendemail.smtpserver" \
		"GIT_CONFIG_VALUE_$n=localhost" && b4 send -o "$out" --no-sign --not-me-too) >>"$SEND/b4-$x.log" 2>&1 || {
		cat "$SEND/b4-$x.log" >&2
		die "b4 send -o failed on $br (log: $SEND/b4-$x.log)"
	}
	mapfile -t mails < <(find "$out" -type f | sort)
	n=$((last - first + 1))
	[ $n = 1 ] || n=$((n + 1))
	[ ${#mails[@]} = $n ] ||
		die "b4 wrote ${#mails[@]} mails for posting $x ($((last - first + 1)) patches) (log: $SEND/b4-$x.log)"
	python3 - "$TOP" "${mails[@]}" <<'PY'
import email, email.policy, sys
top = sys.argv[1] + '/'
for path in sys.argv[2:]:
    print(f'== {path[len(top):] if path.startswith(top) else path}')
    with open(path, 'rb') as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    for h in ('From', 'To', 'Cc', 'Subject'):
        if m[h]:
            print(f'{h}: {m[h]}')
PY
	log "posting $x: v$rev, ${#mails[@]} mails in ${out#"$TOP"/}; branch $br of ${B4_TREE#"$TOP"/}"
}

mkdir -p "$SEND"
log "sender $sender; base $base; postings ${todo[*]}"
unsent=()
for x in "${todo[@]}"; do send_one "$x"; done
if [ ${#unsent[@]} -gt 0 ]; then
	log "not linked yet ($(printf '%s, ' "${unsent[@]}" | sed 's/, $//')): send those first, then make send again, so that the cover letters link them"
fi
log "nothing was sent. To send a posting: cd ${B4_TREE#"$TOP"/} && git checkout b4/$B4_NAME-x && b4 send --reflect (to yourself), then b4 send; after acks: b4 trailers -u, then make trailers POSTING=X"
