#!/usr/bin/env bash
# send.sh - write the series' mails with b4, for review; never sends (make send).
#
# Usage: [KERNEL_SRC=/path/to/linux] [POSTING=A|B|C|D] scripts/send.sh
#
# 1. The sender is 'git config user.name' and 'user.email'; unset, the
#    series' placeholder author, or an .example/.invalid/.test/.localhost
#    address is refused (the Developer's Certificate of Origin needs a
#    real identity).
# 2. In a scratch clone of the base (build/send/repo), patches/ is applied
#    with the sender as author and the placeholder's trailers replaced by
#    the sender's Signed-off-by, last. Other trailers stay.
# 3. Recipients per patch from the base's scripts/get_maintainer.pl with
#    --no-git --no-git-fallback (only the MAINTAINERS file, not who once
#    touched a file), --no-r (maintainers, not reviewers), --no-keywords
#    (a K: line matches words in a diff, e.g. the RT maintainers for a
#    comment about PREEMPT_RT) and --no-rolestats. What every patch gets
#    is the cover letter's To:/Cc:; the rest are Cc: trailers of the patch
#    it belongs to (b4 copies the cover's to every patch, and the patches'
#    to the cover letter).
# 4. The cover letter is patches/0000-cover-letter.patch (subject and text,
#    without its shortlog and diffstat, which b4 writes); the change-id and
#    revision are kernel-config/send's. On Debian's base (no KERNEL_SRC)
#    the cover letter says so and has no base-commit: line, since no
#    upstream tree has that commit; with KERNEL_SRC it names its base.
# 5. 'b4 send -o build/send/vN --no-sign' writes the mails, with a
#    sendemail.smtpserver set in the scratch clone so that b4 never picks
#    its web endpoint. Prints each mail's From/To/Cc/Subject.
# POSTING=X writes one of the postings of kernel-config/send (MAINTAINERS-
# notes) instead, to build/send/vN-X: the patches before it are applied
# under the cover letter and named by prerequisite-patch-id: lines, the
# cover letter is the series' introduction, the posting's section and the
# closing paragraphs, and the change-id gets the posting's letter.
# Sending for real is the sender's own 'b4 send' (see README), never this.
set -euo pipefail
NO_LOCK=1 . "$(dirname "$0")/lib.sh"
help_or_none "${1:-}"

need b4 b4
need perl perl
SEND=${SEND_DIR:-$BUILD/send}

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
*.example | *.invalid | *.test | *.localhost | example.com | example.net | example.org | localhost)
	die "user.email '$email' is a reserved, undeliverable address: the sign-off must be one you can be reached at" ;;
esac
if [ "$email" = "$placeholder_email" ] || [ "$name" = "$placeholder" ]; then
	die "'$name <$email>' is the series' placeholder author, not a sender"
fi
sender="$name <$email>"

# --- the series' identity and the base ------------------------------------
meta() { sed -n "s/^$1 //p" "$TOP/kernel-config/send"; }
change_id=$(meta change-id)
rev=$(meta revision)
if [ -z "$change_id" ] || ! [[ $rev =~ ^[1-9][0-9]*$ ]]; then
	die "kernel-config/send needs a change-id and a revision"
fi
base=$(base_commit)
if [ -n "${KERNEL_SRC:-}" ]; then
	upstream=1
else
	upstream=0
	. "$TOP/kernel-config/base"
fi

mapfile -t patches < <(series_patches)
[ ${#patches[@]} -gt 0 ] || die "no patches in $PATCHES"
pre=() suffix='' prefix='' posting=${POSTING:-}
if [ -n "$posting" ]; then
	read -r first last prefix <<<"$(meta "posting $posting")" || true
	if [ -z "${first:-}" ] || [ -z "${last:-}" ]; then
		die "POSTING=$posting: not one of $(sed -n 's/^posting \([A-Z]\) .*/\1/p' "$TOP/kernel-config/send" | paste -sd' ') (kernel-config/send)"
	fi
	pre=("${patches[@]:0:first-1}")
	patches=("${patches[@]:first-1:last-first+1}")
	suffix=-$posting
	change_id=$change_id-${posting,,}
fi
log "sender $sender; series $change_id v$rev${posting:+, posting $posting (patches ${first:-}-${last:-})}; base $base"
rm -rf "$SEND/repo" "$SEND/in" "$SEND/v$rev$suffix"
mkdir -p "$SEND/in"
repo=$SEND/repo
git clone -q --shared --no-checkout "$SERIES_TREE" "$repo"
git -C "$repo" checkout -q -b "lazytlb-v$rev" "$base"
git -C "$repo" config user.name "$name"
git -C "$repo" config user.email "$email"
# b4 writes files for -o; with an SMTP server configured it never chooses
# its web endpoint (and nothing is ever sent: -o implies a dry run).
git -C "$repo" config sendemail.smtpserver localhost
git -C "$repo" config "branch.lazytlb-v$rev.b4-prep-cover-strategy" commit

# --- recipients per patch ---------------------------------------------------
log "get_maintainer.pl for ${#patches[@]} patches"
for p in "${patches[@]}"; do
	(cd "$repo" && perl scripts/get_maintainer.pl --no-git --no-git-fallback --no-r --no-keywords \
		--no-rolestats "$p") >"$SEND/in/$(basename "$p").to" ||
		die "get_maintainer.pl failed on $(basename "$p")"
done

# --- patches with the sender's authorship, cover letter ---------------------
for p in "${pre[@]}"; do git patch-id --stable <"$p" | cut -d' ' -f1; done >"$SEND/in/prerequisites"
python3 - "$SEND/in" "$sender" "$placeholder_email" "$upstream" "${PACKAGE:-}" "${VERSION:-}" \
	"$change_id" "$rev" "$PATCHES/0000-cover-letter.patch" "$posting" "$prefix" "${patches[@]}" <<'PY'
import email, email.policy, json, os, re, sys, textwrap
out, sender, placeholder, upstream, package, version, change_id, rev, cover, posting, prefix = sys.argv[1:12]
patches = sys.argv[12:]

def recipients(p):
    with open(os.path.join(out, os.path.basename(p) + '.to')) as f:
        return [l.strip() for l in f if l.strip()]

per = {p: recipients(p) for p in patches}
common = [a for a in per[patches[0]] if all(a in per[p] for p in patches)]

for p in patches:
    text = open(p, encoding='utf-8').read()
    head, sep, rest = text.partition('\n\n')
    # The author: the sender (From: may be folded over two lines).
    head = re.sub(r'^From: .*(?:\n[ \t].*)*', 'From: ' + sender, head, count=1, flags=re.M)
    msg, sep2, diff = rest.partition('\n---\n')
    lines = msg.rstrip('\n').split('\n')
    # The trailer block: the last paragraph.
    i = len(lines)
    while i > 0 and lines[i - 1].strip():
        i -= 1
    body, trailers = lines[:i], lines[i:]
    trailers = [t for t in trailers if placeholder not in t]
    cc = [f'Cc: {a}' for a in per[p] if a not in common and f'Cc: {a}' not in trailers]
    trailers = [t for t in trailers if not t.startswith('Signed-off-by: ')] + cc + \
        [t for t in trailers if t.startswith('Signed-off-by: ')]
    trailers.append(f'Signed-off-by: {sender}')
    with open(os.path.join(out, os.path.basename(p)), 'w', encoding='utf-8') as f:
        f.write(head + sep + '\n'.join(body + trailers) + '\n' + sep2 + diff)

# The cover letter: its subject without the [PATCH nn/mm] prefix, and its
# text up to the shortlog b4 writes again.
with open(cover, 'rb') as f:
    cmsg = email.message_from_binary_file(f, policy=email.policy.default)
subject = re.sub(r'^\[[^]]*\]\s*', '', str(cmsg['Subject']))
text = cmsg.get_content()
keep = []
for line in text.split('\n'):
    if re.match(r'^\S.* \([0-9]+\):$', line):
        break
    keep.append(line)
body = '\n'.join(keep).strip('\n')
if posting:
    # The introduction, this posting's section, and the closing paragraphs.
    paras = body.split('\n\n')
    sect = [i for i, para in enumerate(paras) if re.match(r'^ [A-Z]\. ', para)]
    if not sect:
        sys.exit('send.sh: the cover letter has no sections " A. ...": cannot cut a posting')
    mine = [i for i in sect if paras[i].startswith(f' {posting}. ')]
    if not mine:
        sys.exit(f'send.sh: the cover letter has no section " {posting}. ..."')
    end = next((i for i in sect if i > mine[0]), None)
    if end is None:
        end = next((i for i in range(mine[0] + 1, len(paras)) if not re.match(r'^ ?[0-9]+\. ', paras[i])),
                   len(paras))
    head = paras[mine[0]].split('\n', 1)
    subject = re.sub(r'^(RFC: )?(.*?)\s*\(patch(es)? [0-9-]+\)$', r'\2', head[0][4:])
    intro = paras[:sect[0]]
    part = [textwrap.fill('Patch numbers below are those of the whole series; this '
                          f'posting is {head[0][4:].strip()}.', width=72)] + \
        ([head[1]] if len(head) > 1 else []) + paras[mine[0] + 1:end]
    closing = paras[max(sect) + 1:]
    closing = [para for para in closing if not re.match(r'^ ?[0-9]+\. ', para)]
    body = '\n\n'.join(intro + part + closing)
if upstream != '1':
    body += '\n\n' + textwrap.fill(
        f"Base: this version was prepared on Debian's {package} package ({version}), "
        'which is not an upstream commit, so this mail names no base commit; it has '
        'not been checked against a mainline tag.', width=72)
dests = [f'To: {a}' if '<' in a else f'Cc: {a}' for a in common]
tracking = ('--- b4-submit-tracking ---\n'
            '# This section is used internally by b4 prep for tracking purposes.\n'
            '{\n  "series": {\n'
            f'    "revision": {rev},\n'
            f'    "change-id": "{change_id}",\n'
            '    "base-branch": null,\n'
            f'    "prefixes": {json.dumps([prefix] if prefix else [])}\n  }}\n}}\n')
with open(os.path.join(out, 'cover'), 'w', encoding='utf-8') as f:
    f.write(subject + '\n\n' + body + '\n\n' + '\n'.join(dests) + '\n\n' + tracking)
PY
# b4's cover template, with the base named by us: on Debian's base none
# (its commit is in no upstream tree), for a posting the upstream base
# and not the tip of the postings before it, which prerequisite-patch-id:
# lines name instead.
{
	printf '%s\n' "\${cover}" '' '---' "\${shortlog}" '' "\${diffstat}" '---'
	[ "$upstream" = 0 ] || echo "base-commit: $base"
	echo "change-id: \${change_id}"
	sed 's/^/prerequisite-patch-id: /' "$SEND/in/prerequisites"
	printf '%s\n' '' 'Best regards,' '-- ' "\${signature}"
} >"$SEND/in/cover-template"
git -C "$repo" config b4.prep-cover-template "$SEND/in/cover-template"
if [ ${#pre[@]} -gt 0 ]; then
	(cd "$repo" && git am -q "${pre[@]}") || die "the patches before posting $posting do not apply"
fi
git -C "$repo" commit -q --allow-empty -F "$SEND/in/cover"
(cd "$repo" && git am -q "$SEND"/in/[0-9][0-9][0-9][0-9]-*.patch) ||
	die "git am of the rewritten patches failed in $repo"

# --- the mails ------------------------------------------------------------
out=$SEND/v$rev$suffix
(cd "$repo" && b4 send -o "$out" --no-sign --not-me-too) >"$SEND/b4.log" 2>&1 || {
	cat "$SEND/b4.log" >&2
	die "b4 send -o failed (log: $SEND/b4.log)"
}
mapfile -t mails < <(find "$out" -type f | sort)
[ ${#mails[@]} = $((${#patches[@]} + 1)) ] ||
	die "b4 wrote ${#mails[@]} mails for ${#patches[@]} patches and a cover letter (log: $SEND/b4.log)"
for m in "${mails[@]}"; do
	echo "== ${m#"$TOP"/}"
	python3 - "$m" <<'PY'
import email, email.policy, sys
with open(sys.argv[1], 'rb') as f:
    m = email.message_from_binary_file(f, policy=email.policy.default)
for h in ('From', 'To', 'Cc', 'Subject'):
    if m[h]:
        print(f'{h}: {m[h]}')
PY
done
log "wrote ${#mails[@]} mails to ${out#"$TOP"/}; nothing was sent. To send: cd $repo && b4 send (after reading them)"
