#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check-mails.py OUT_DIR REPO PATCHES SENDER CHANGE_ID BASE UPSTREAM

The harness's check of what 'make send' wrote (scripts/send.sh): one mail
per patch and a cover letter; every patch mail signed off last by SENDER
and carrying no trace of the series' placeholder author; each mail's To
and Cc within what scripts/get_maintainer.pl (run here, in REPO, on the
patch as it is in PATCHES) names for that patch, the cover letter within
their union; the cover letter with CHANGE_ID and, on Debian's base
(UPSTREAM 0), the note that says so and no base-commit: line. Prints one
line per problem; exit status 1 if there is any."""
import email
import email.policy
import email.utils
import glob
import os
import re
import subprocess
import sys

out, repo, patches_dir, sender, change_id, base, upstream = sys.argv[1:8]
patches_dir = os.path.abspath(patches_dir)
bad = []
mails = sorted(glob.glob(os.path.join(out, '*')))
patches = sorted(p for p in glob.glob(os.path.join(patches_dir, '[0-9][0-9][0-9][0-9]-*.patch'))
                 if not os.path.basename(p).startswith('0000-'))
if len(mails) != len(patches) + 1:
    bad.append(f'{len(mails)} mails for {len(patches)} patches and a cover letter')
placeholder = re.search(r'<([^>]+)>', open(patches[0], encoding='utf-8').read()).group(1)


def addrs(msg):
    return {a.lower() for _, a in email.utils.getaddresses(msg.get_all('To', []) + msg.get_all('Cc', []))}


def maintainers(patch):
    r = subprocess.run(['perl', 'scripts/get_maintainer.pl', '--no-git', '--no-git-fallback',
                        '--no-r', '--no-keywords', '--no-rolestats', patch],
                       cwd=repo, capture_output=True, text=True, check=True)
    return {a.lower() for _, a in email.utils.getaddresses(r.stdout.splitlines())}


union = set()
parsed = []
for path in mails:
    raw = open(path, encoding='utf-8').read()
    if placeholder in raw or 'Seed ' in raw:
        bad.append(f'{os.path.basename(path)}: the placeholder author {placeholder} is still in it')
    with open(path, 'rb') as f:
        parsed.append((path, raw, email.message_from_binary_file(f, policy=email.policy.default)))
for (path, raw, msg), patch in zip(parsed[1:], patches):
    name = os.path.basename(path)
    m = re.search(r'\[PATCH v[0-9]+ ([0-9]+)/', str(msg['Subject']))
    if not m or int(m.group(1)) != int(os.path.basename(patch)[:4]):
        bad.append(f'{name}: subject {msg["Subject"]!r} is not patch {os.path.basename(patch)[:4]}')
    if email.utils.parseaddr(str(msg['From']))[1] != email.utils.parseaddr(sender)[1]:
        bad.append(f'{name}: From: {msg["From"]}, not the sender')
    body = msg.get_content().split('\n---\n', 1)[0].rstrip().split('\n')
    if body[-1] != f'Signed-off-by: {sender}':
        bad.append(f'{name}: the last trailer is {body[-1]!r}, not the sender\'s sign-off')
    want = maintainers(patch)
    union |= want
    extra = addrs(msg) - want
    if extra:
        bad.append(f'{name}: To/Cc not named by get_maintainer.pl for it: {sorted(extra)}')
cover_path, cover_raw, cover = parsed[0]
extra = addrs(cover) - union
if extra:
    bad.append(f'cover letter: To/Cc beyond the patches\' maintainers: {sorted(extra)}')
if f'change-id: {change_id}' not in cover_raw:
    bad.append(f'cover letter: no change-id: {change_id}')
if upstream == '1':
    if f'base-commit: {base}' not in cover_raw:
        bad.append(f'cover letter: no base-commit: {base}')
else:
    if re.search(r'^base-commit:', cover_raw, re.M):
        bad.append('cover letter: a base-commit: line on Debian\'s base')
    if "Debian's" not in cover_raw:
        bad.append('cover letter: does not say the base is Debian\'s package')
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
