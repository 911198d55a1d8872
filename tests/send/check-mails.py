#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check-mails.py OUT REPO SENDER PLACEHOLDER CHANGE_ID REV PREFIX COVER BASE PATCH... [-- PREREQ_ID...]

The harness's check of one posting as 'make send' wrote it (scripts/send.sh)
into OUT: a mail per patch, and a cover letter only for more than one
patch; each patch mail's subject numbered in the posting ([PATCH PREFIX vREV
i/n], or [PATCH PREFIX vREV] alone) and From the SENDER; a patch whose
author is not the PLACEHOLDER keeps its author in an in-body From: and its
sign-off, followed by the sender's (DCO); no trace of the placeholder; To:
the maintainers get_maintainer.pl (run in REPO with the project's options)
names for the posting's patches, Cc: nothing beyond their lists and the
people the patches' trailers name; the cover
letter with the posting's subject (COVER's first line), CHANGE_ID, one
base-commit: line naming BASE (the public base, not the branch's fork
point) and a prerequisite-patch-id: line per PREREQ_ID, in order; a single patch with COVER's text below its '---' line. Prints one
line per problem; exit status 1 if there is any."""
import email
import email.policy
import email.utils
import glob
import os
import re
import subprocess
import sys

args = sys.argv[1:]
prereqs = args[args.index('--') + 1:] if '--' in args else []
args = args[:args.index('--')] if '--' in args else args
out, repo, sender, placeholder, change_id, rev, prefix, cover_file, base = args[:9]
patches = args[9:]
bad = []
mails = sorted(glob.glob(os.path.join(out, '*')))
n = len(patches)
if len(mails) != (n if n == 1 else n + 1):
    bad.append(f'{len(mails)} mails for {n} patches' + ('' if n == 1 else ' and a cover letter'))


def addrs(msg, h):
    return {a.lower() for _, a in email.utils.getaddresses(msg.get_all(h, []))}


def getm(patch, opt):
    r = subprocess.run(['perl', 'scripts/get_maintainer.pl', '--no-git', '--no-git-fallback', '--no-r',
                        '--no-keywords', '--no-rolestats', opt, patch],
                       cwd=repo, capture_output=True, text=True, check=True)
    return {a.lower() for _, a in email.utils.getaddresses(r.stdout.splitlines())}


me = email.utils.parseaddr(sender)[1].lower()
to_want = set().union(*(getm(p, '--nol') for p in patches)) - {me}
cc_allowed = set().union(*(getm(p, '--nom') for p in patches))
# b4 also copies the people a patch names in its trailers (its author's
# sign-off, say), as git send-email does.
for p in patches:
    msg = open(p, encoding='utf-8').read().split('\n---\n', 1)[0]
    cc_allowed |= {a.lower() for _, a in email.utils.getaddresses(
        re.findall(r'^[A-Za-z-]+-by: (.*)$', msg, re.M))}
parsed = []
for path in mails:
    raw = open(path, encoding='utf-8').read()
    if placeholder in raw:
        bad.append(f'{os.path.basename(path)}: the placeholder author {placeholder} is in it')
    with open(path, 'rb') as f:
        parsed.append((path, raw, email.message_from_binary_file(f, policy=email.policy.default)))
    msg = parsed[-1][2]
    if addrs(msg, 'To') != to_want:
        bad.append(f'{os.path.basename(path)}: To: {sorted(addrs(msg, "To"))}, want the maintainers {sorted(to_want)}')
    if addrs(msg, 'Cc') - cc_allowed:
        bad.append(f'{os.path.basename(path)}: Cc: beyond the lists: {sorted(addrs(msg, "Cc") - cc_allowed)}')
    if email.utils.parseaddr(str(msg['From']))[1].lower() != me:
        bad.append(f'{os.path.basename(path)}: From: {msg["From"]}, not the sender')
pre = f'PATCH{" " + prefix if prefix else ""} v{rev}'
patch_mails = parsed if n == 1 else parsed[1:]
for i, ((path, raw, msg), patch) in enumerate(zip(patch_mails, patches), 1):
    name = os.path.basename(path)
    subj = re.sub(r'\s+', ' ', str(msg['Subject']))
    want = f'[{pre}]' if n == 1 else f'[{pre} {i}/{n}]'
    if not subj.startswith(want + ' '):
        bad.append(f'{name}: subject {subj!r} does not start with {want}')
    ptext = open(patch, encoding='utf-8').read()
    author = re.search(r'^From: (.*(?:\n[ \t].*)*)', ptext, re.M).group(1).replace('\n', '')
    author = re.sub(r'\s+', ' ', author)
    body = msg.get_content()
    message = body.split('\n---\n', 1)[0]
    trailers = [t for t in message.rstrip().split('\n\n')[-1].split('\n')]
    sobs = [t[len('Signed-off-by: '):] for t in trailers if t.startswith('Signed-off-by: ')]
    if sender not in sobs:
        bad.append(f'{name}: no sign-off by the sender')
    if placeholder not in author:
        if not body.startswith(f'From: {author}\n'):
            bad.append(f'{name}: the author {author} is not kept in an in-body From:')
        if author not in sobs or sender not in sobs or sobs.index(author) > sobs.index(sender):
            bad.append(f'{name}: sign-offs {sobs}: want the author\'s, then the sender\'s')
with open(cover_file, encoding='utf-8') as f:
    csubject, _, ctext = f.read().partition('\n')
first_line = next(line for line in ctext.split('\n') if line.strip())
if n == 1:
    body = parsed[0][2].get_content() if parsed else ''
    below = body.split('\n---\n', 1)[1] if '\n---\n' in body else ''
    if first_line not in below:
        bad.append(f'single patch: the notes of {os.path.basename(cover_file)} are not below its ---')
elif parsed:
    path, raw, cover = parsed[0]
    subj = re.sub(r'\s+', ' ', str(cover['Subject']))
    if subj != f'[{pre} 0/{n}] {csubject.strip()}':
        bad.append(f'cover letter: subject {subj!r}')
    if f'change-id: {change_id}' not in raw:
        bad.append(f'cover letter: no change-id: {change_id}')
    if re.findall(r'^base-commit: (\S+)$', raw, re.M) != [base]:
        bad.append(f'cover letter: base-commit lines {re.findall(r"^base-commit: (.*)$", raw, re.M)}, want {base}')
    got = re.findall(r'^prerequisite-patch-id: (\S+)$', raw, re.M)
    if got != prereqs:
        bad.append(f'cover letter: prerequisite-patch-id lines {got}, want {prereqs}')
    if first_line not in raw:
        bad.append(f'cover letter: the text of {os.path.basename(cover_file)} is not in it')
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
