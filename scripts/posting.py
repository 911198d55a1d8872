#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""posting.py - the b4 branch of one posting of the series (scripts/send.sh, scripts/trailers.sh).

  posting.py build REPO X --base B --change-id ID --revision N --sender S
      --placeholder EMAIL --cover FILE [--prefix P]... [--base-note TEXT]
      [--after-note TEXT] [--force] --prereqs F... --patches F...
  posting.py trailers REPO X --sender S --placeholder EMAIL --patches F...
  posting.py link REPO X
  posting.py chain REPO BASE F...

build (re)writes branch b4/lazytlb-x of REPO as b4 prep keeps one: the
prerequisite patches on the base, an empty cover letter commit with b4's
tracking data, then the posting's patches, each built from the patch file
on a scratch index (no work tree is touched). Authors are kept; the
placeholder author becomes the sender, whose sign-off takes the place of
the placeholder's (trailers collected since stay after it); a patch by
anyone else gains the sender's sign-off after its own trailers (DCO). The tracking data of an existing branch (revision, b4's
history of sent versions) is kept; the cover letter is written anew from
FILE (patches/covers/X.txt) with, for every version after one b4 sent
(tag sent/lazytlb-x-vN), a "Changes in vN+1:" section: FILE's own if it
has one, otherwise one line per patch added, dropped or changed since the
tag, with b4's "Link to vN:", and the range-diff against the newest one.
Refuses (unless --force) when the branch holds commits or a cover letter
that the last build did not write (refs/lazytlb/b4-written/x): trailers
collected with 'b4 trailers -u' go back to patches/ with 'make trailers'.
Prints the branch, its revision and the fork point.

trailers writes into the patch files the trailers that the branch's commits
have and the files do not (except the sender's sign-off), matching commits
to files by patch-id; prints one line per trailer taken.

link prints the lore link of the newest version of posting X that b4 sent.

chain commits the patch files F on BASE as they are (scratch index, no work
tree) and prints the last commit (make range-diff).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

MAGIC = '--- b4-submit-tracking ---'
# The branches are b4/NAME-x (B4_NAME; the harness's tests use their own).
NAME = os.environ.get('B4_NAME', 'lazytlb')
LINKMASK = 'https://lore.kernel.org/r/%s'
TRAILERS = 'trailers: '
TRAILER = re.compile(r'^[A-Za-z][A-Za-z0-9-]*: \S')
REROLL = re.compile(r'^Changes in v[0-9]+:\n- EDITME: describe what is new in this series revision\.\n'
                    r'- EDITME: use bulletpoints and terse descriptions\.\n- Link to v[0-9]+: .*\n*', re.M)


def ident(who):
    """'Name <mail>' -> (name, mail)."""
    return re.match(r'^(.*) <(.*)>$', who).groups()


def branch(x):
    """Posting x's b4 branch (b4 names its sent tags after it)."""
    return f'b4/{NAME}-{x.lower()}'


def sent_tag(x, v):
    """b4's tag of version v of posting x as sent."""
    return f'sent/{NAME}-{x.lower()}-v{v}'


def written_ref(x):
    """What the last build wrote of posting x (make send, make trailers)."""
    return f'refs/lazytlb/b4-written/{NAME}-{x.lower()}'


def linkmask(repo):
    """b4's link mask (b4.linkmask, as b4 writes its "Link to vN:")."""
    return repo.run('config', 'b4.linkmask', check=False).strip() or LINKMASK


def die(msg):
    sys.exit(f'posting.py: {msg}')


class Repo:
    def __init__(self, path, env=None):
        self.path = path
        self.env = dict(os.environ, **(env or {}))

    def run(self, *args, input=None, env=None, check=True):
        r = subprocess.run(['git', '-C', self.path, *args], input=input, capture_output=True, text=True,
                           env=dict(self.env, **(env or {})))
        if check and r.returncode:
            die(f'git {" ".join(args[:3])}: {r.stderr.strip()}')
        return r.stdout

    def rev(self, name):
        r = subprocess.run(['git', '-C', self.path, 'rev-parse', '-q', '--verify', name + '^{commit}'],
                           capture_output=True, text=True)
        return r.stdout.strip() or None

    def message(self, c):
        return self.run('log', '-1', '--format=%B', c).rstrip('\n') + '\n'

    def patch_id(self, c):
        diff = self.run('show', '--format=', '--no-color', c)
        return (self.run('patch-id', '--stable', input=diff).split() or ['empty'])[0]


def patch_id_file(path):
    with open(path, encoding='utf-8') as f:
        out = subprocess.run(['git', 'patch-id', '--stable'], input=f.read(), capture_output=True,
                             text=True, check=True).stdout
    return (out.split() or ['empty'])[0]


def split_trailers(msg):
    """Message -> (body lines, trailer lines): the trailers are the last
    paragraph when every line of it is one."""
    lines = msg.rstrip('\n').split('\n')
    i = len(lines)
    while i > 0 and lines[i - 1].strip():
        i -= 1
    last = lines[i:]
    if i > 0 and last and all(TRAILER.match(t) or t.startswith((' ', '\t')) for t in last):
        return lines[:i], last
    return lines, []


def parse_patch(path):
    """A patch file -> (author, date, subject, message body, diff)."""
    with tempfile.TemporaryDirectory() as d:
        with open(path, 'rb') as f:
            info = subprocess.run(['git', 'mailinfo', '-b', '--encoding=UTF-8', f'{d}/msg', f'{d}/patch'],
                                  stdin=f, capture_output=True, check=True).stdout.decode()
        body = open(f'{d}/msg', encoding='utf-8').read()
        diff = open(f'{d}/patch', encoding='utf-8').read()
    h = dict(line.split(': ', 1) for line in info.splitlines() if ': ' in line)
    return (h.get('Author', ''), h.get('Email', '')), h.get('Date', ''), h.get('Subject', ''), body, diff


def as_sent(author, body, sender, placeholder):
    """The author and message body as the sender sends them."""
    name, mail = author
    lines, trailers = split_trailers(body)
    if mail == placeholder:
        name, mail = ident(sender)
        out = []
        for t in trailers:
            if placeholder in t:
                if t.startswith('Signed-off-by: ') and f'Signed-off-by: {sender}' not in out:
                    out.append(f'Signed-off-by: {sender}')
                continue
            out.append(t)
        trailers = out
    sob = f'Signed-off-by: {sender}'
    if sob not in trailers:
        trailers.append(sob)
    while lines and not lines[-1].strip():
        lines.pop()
    return (name, mail), '\n'.join(lines + [''] + trailers) + '\n'


class Builder:
    """Commits on a scratch index, parent to child."""

    def __init__(self, repo, parent, sender):
        self.repo = repo
        self.tmp = tempfile.TemporaryDirectory()
        self.env = {'GIT_INDEX_FILE': os.path.join(self.tmp.name, 'index')}
        self.parent = parent
        self.sender = ident(sender)
        self.made = []
        repo.run('read-tree', parent, env=self.env)

    def commit(self, author, date, message, diff=None, committer_date=None):
        if diff:
            r = subprocess.run(['git', '-C', self.repo.path, 'apply', '--cached', '-'], input=diff,
                               capture_output=True, text=True, env=dict(self.repo.env, **self.env))
            if r.returncode:
                return r.stderr.strip()
        tree = self.repo.run('write-tree', env=self.env).strip()
        self.commit_tree(tree, author, date, message, committer_date)
        return None

    def commit_tree(self, tree, author, date, message, committer_date=None):
        env = dict(self.env, GIT_AUTHOR_NAME=author[0], GIT_AUTHOR_EMAIL=author[1],
                   GIT_COMMITTER_NAME=self.sender[0], GIT_COMMITTER_EMAIL=self.sender[1])
        if date:
            env['GIT_AUTHOR_DATE'] = date
        if committer_date:
            env['GIT_COMMITTER_DATE'] = committer_date
        self.parent = self.repo.run('commit-tree', tree, '-p', self.parent, '-F', '-', input=message,
                                    env=env).strip()
        self.made.append((tree, author, date, message))

    def replay(self, other):
        """Another Builder's commits again, on this one's parent (the same
        trees: both chains start from the same tree)."""
        for tree, author, date, message in other.made:
            self.commit_tree(tree, author, date, message)

    def patch(self, path, sender, placeholder, fixed_dates=False):
        author, date, subject, body, diff = parse_patch(path)
        author, body = as_sent(author, body, sender, placeholder)
        err = self.commit(author, date, f'{subject}\n\n{body}', diff,
                          committer_date=date if fixed_dates else None)
        if err:
            hunk = re.findall(r'error: patch failed: (\S+)', err)
            die(f'{os.path.basename(path)} does not apply'
                + (f' ({", ".join(hunk)})' if hunk else '') + f': {err.splitlines()[0]}')


def load_cover(repo, tip):
    """The cover letter commit of the b4 branch at tip: (commit, text, tracking)."""
    c = repo.run('log', '-1', '--format=%H', '--fixed-strings', f'--grep={MAGIC}', tip).strip()
    if not c:
        return None, None, None
    msg = repo.message(c)
    text, _, js = msg.partition(MAGIC)
    js = '\n'.join(line for line in js.splitlines() if not line.startswith('#'))
    return c, text.strip(), json.loads(js)


def series(repo, cover, tip):
    return repo.run('rev-list', '--reverse', f'{cover}..{tip}').split()


def norm_cover(text):
    text = REROLL.sub('', text.strip() + '\n')
    return re.sub(r'(\n---\n*)+$', '', text.strip())


def tag_range(repo, tag):
    """A b4 sent tag -> (fork, tip). The tag is the cover-less series on the
    branch's fork point; its message holds b4's shortlog, 'Name (N):'."""
    msg = repo.run('cat-file', '-p', tag, check=False)
    tip = repo.rev(tag)
    n = sum(int(k) for k in re.findall(r'^\S.* \(([0-9]+)\):$', msg, re.M))
    if not tip or not n:
        return None
    return repo.rev(f'{tip}~{n}'), tip


def describe(repo, old, new):
    """Changelog lines between two (base, tip) ranges, matched by subject."""
    def info(rng):
        out = {}
        for c in repo.run('rev-list', '--reverse', f'{rng[0]}..{rng[1]}').split():
            msg = repo.message(c)
            subj = msg.split('\n', 1)[0]
            body, tr = split_trailers(msg)
            out[subj] = (repo.patch_id(c), '\n'.join(body), tr)
        return out
    a, b = info(old), info(new)
    # A patch whose subject changed is found by its patch-id.
    renamed = {}
    for s, (pid, _, _) in b.items():
        if s not in a:
            was = [o for o, v in a.items() if o not in b and v[0] == pid and o not in renamed.values()]
            if was:
                renamed[s] = was[0]
    lines = []
    for s, (pid, body, tr) in b.items():
        if s in renamed:
            lines.append(f'- {s}: subject changed (was "{renamed[s]}")')
            continue
        if s not in a:
            lines.append(f'- New: {s}')
            continue
        what = []
        if pid != a[s][0]:
            what.append('code changed')
        if body != a[s][1]:
            what.append('commit message changed')
        got = [t for t in tr if t not in a[s][2] and not t.startswith('Signed-off-by: ')]
        what += [f'{t.split(":", 1)[0]} collected' for t in got]
        if what:
            lines.append(f'- {s}: {"; ".join(what)}')
    lines += [f'- Dropped: {s}' for s in a if s not in b and s not in renamed.values()]
    return lines or ['- No change to the patches.']


def compose(repo, x, cover_file, tracking, base, fork, tip, base_note, after_note, prereq_ids):
    with open(cover_file, encoding='utf-8') as f:
        subject, _, body = f.read().partition('\n')
    body = body.strip('\n')
    m = re.search(r'^---$', body, re.M)
    text, log = (body[:m.start()], body[m.end():]) if m else (body, '')
    # The file's changelog: lines before its first "Changes in vN:", then
    # the sections by version.
    sections = {}
    loose = []
    cur = None
    for line in log.strip('\n').split('\n') if log.strip() else []:
        m = re.match(r'^Changes in v([0-9]+):$', line)
        if m:
            cur = int(m.group(1))
            sections[cur] = [line]
        elif cur is not None:
            sections[cur].append(line)
        elif line.strip():
            loose.append(line)
    rev = tracking['series']['revision']
    hist = tracking['series'].get('history', {})
    rangediff = ''
    for k in range(rev, 1, -1):
        prev = hist.get(f'v{k - 1}')
        if not prev:
            continue
        old = tag_range(repo, sent_tag(x, k - 1))
        new = (fork, tip) if k == rev else tag_range(repo, sent_tag(x, k))
        if k not in sections:
            sections[k] = [f'Changes in v{k}:'] + (describe(repo, old, new) if old and new else
                                                    [f'- (no tag {sent_tag(x, k - 1)} to compare with)'])
        link = f'- Link to v{k - 1}: {linkmask(repo) % prev[-1]}'
        while sections[k] and not sections[k][-1].strip():
            sections[k].pop()
        if link not in sections[k]:
            sections[k].append(link)
        if k == rev and old:
            rangediff = repo.run('range-diff', '--no-color', f'{old[0]}..{old[1]}', f'{fork}..{tip}').rstrip()
    parts = [text.strip('\n')]
    extra = [t for t in (after_note, base_note) if t]
    if extra:
        parts.append('\n\n'.join(extra))
    cover = '\n\n'.join(parts)
    chunks = ['\n'.join(loose)] if loose else []
    for k in sorted(sections, reverse=True):
        chunks.append('\n'.join(sections[k]).rstrip())
    if rangediff:
        chunks.append(f'Range-diff against v{rev - 1}:\n{rangediff}')
    if chunks:
        cover += '\n\n---\n' + '\n\n'.join(chunks)
    # The base as git format-patch --base writes it: the public base and
    # the patch-ids of what goes between it and this posting (the
    # worktree's cover template has no base-commit: b4 0.12 would name the
    # branch's fork point, which no one else has).
    cover += '\n\n---\n' + '\n'.join([f'base-commit: {base}'] +
                                       [f'prerequisite-patch-id: {p}' for p in prereq_ids])
    return subject.strip() + '\n\n' + cover + '\n'


def guard(repo, x, tip, written):
    """What the branch at tip holds that the last build did not write: a
    list of reasons (those about trailers start with TRAILERS)."""
    if not written:
        return [f'{branch(x)} exists but was not written by make send (no {written_ref(x)})']
    c1, t1, _ = load_cover(repo, tip)
    c2, t2, _ = load_cover(repo, written)
    if not c1:
        return [f'{branch(x)} has no b4 cover letter commit']
    why = []
    a, b = series(repo, c1, tip), series(repo, c2, written)
    if len(a) != len(b):
        why.append(f'it has {len(a)} patches where make send wrote {len(b)}')
    for ca, cb in zip(a, b):
        ma, mb = repo.message(ca), repo.message(cb)
        subj = ma.split('\n', 1)[0]
        if repo.patch_id(ca) != repo.patch_id(cb):
            why.append(f'"{subj}": its code was changed on the branch')
        elif ma != mb:
            ta, tb = split_trailers(ma)[1], split_trailers(mb)[1]
            new = [t for t in ta if t not in tb]
            if split_trailers(ma)[0] == split_trailers(mb)[0] and new and all(t in ta for t in tb):
                why.append(f'{TRAILERS}"{subj}": trailers collected ({"; ".join(new)}): '
                           f'make trailers POSTING={x} takes them into patches/')
            else:
                why.append(f'"{subj}": its commit message was edited on the branch')
    if norm_cover(t1) != norm_cover(t2):
        why.append(f'the cover letter was edited on the branch: copy the edit to patches/covers/{x}.txt')
    return why


def cmd_build(a):
    repo = Repo(a.repo)
    x = a.posting
    tip = repo.rev(f'refs/heads/{branch(x)}')
    written = repo.rev(written_ref(x))
    tracking = None
    if tip:
        if not a.force:
            why = guard(repo, x, tip, written)
            if why:
                die(f'not rewriting {branch(x)}: {"; ".join(w.removeprefix(TRAILERS) for w in why)} '
                    '(REWRITE=1 rewrites it; the old head stays in the reflog)')
        _, _, tracking = load_cover(repo, tip)
    if not tracking:
        tracking = {'series': {'revision': a.revision, 'change-id': a.change_id, 'base-branch': None,
                               'prefixes': []}}
    tracking['series']['prefixes'] = a.prefix or []
    b = Builder(repo, a.base, a.sender)
    for p in a.prereqs:
        b.patch(p, a.sender, a.placeholder, fixed_dates=True)
    fork = b.parent
    prereq_ids = [patch_id_file(p) for p in a.prereqs]
    # The patches first (on a scratch chain from the fork), so that the
    # cover can name what changed; then the same commits replayed on top
    # of the cover commit, which has the fork's tree.
    probe = Builder(repo, fork, a.sender)
    for p in a.patches:
        probe.patch(p, a.sender, a.placeholder)
    cover = compose(repo, x, a.cover, tracking, a.base, fork, probe.parent, a.base_note, a.after_note, prereq_ids)
    b.commit(ident(a.sender), None, cover + '\n' + MAGIC + '\n'
             '# This section is used internally by b4 prep for tracking purposes.\n'
             + json.dumps(tracking, indent=2) + '\n')
    b.replay(probe)
    print(f'{branch(x)} {tracking["series"]["revision"]} {fork} {b.parent}')


def cmd_trailers(a):
    repo = Repo(a.repo)
    x = a.posting
    tip = repo.rev(f'refs/heads/{branch(x)}')
    if not tip:
        die(f'no branch {branch(x)}: make send POSTING={x} first')
    c, _, _ = load_cover(repo, tip)
    if not c:
        die(f'{branch(x)} has no b4 cover letter commit')
    other = [w for w in guard(repo, x, tip, repo.rev(written_ref(x)))
             if not w.startswith(TRAILERS)]
    if other:
        die(f'{branch(x)} holds more than collected trailers: {"; ".join(other)}; nothing changed')
    files = {patch_id_file(p): p for p in a.patches}
    pairs = []
    for commit in series(repo, c, tip):
        path = files.get(repo.patch_id(commit))
        if not path:
            die(f'"{repo.message(commit).split(chr(10), 1)[0]}" on the branch matches no patch file by '
                'patch-id: its code differs from patches/; nothing changed')
        pairs.append((commit, path))
    taken = 0
    for commit, path in pairs:
        msg = repo.message(commit)
        _, _, _, body, _ = parse_patch(path)
        have = split_trailers(body)[1]
        new = [t for t in split_trailers(msg)[1]
               if t not in have and t != f'Signed-off-by: {a.sender}']
        if not new:
            continue
        text = open(path, encoding='utf-8').read()
        head, sep, rest = text.partition('\n\n')
        m = re.search(r'\n---\n', rest)
        if not m:
            die(f'{os.path.basename(path)}: no "---" line after the message')
        msgpart = rest[:m.start()].rstrip('\n')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(head + sep + msgpart + '\n' + '\n'.join(new) + rest[m.start():])
        if patch_id_file(path) != repo.patch_id(commit):
            die(f'{os.path.basename(path)}: the patch-id moved while adding trailers (nothing else changed)')
        for t in new:
            print(f'{os.path.basename(path)}: {t}')
            taken += 1
    print(f'{taken} trailers taken into patches/')


def cmd_chain(a):
    repo = Repo(a.repo)
    b = Builder(repo, a.base, 'range-diff <range-diff@localhost>')
    for p in a.patches:
        author, date, subject, body, diff = parse_patch(p)
        err = b.commit(author, date, f'{subject}\n\n{body}', diff, committer_date=date)
        if err:
            die(f'{p} does not apply to {a.base}: {err.splitlines()[0]}')
    print(b.parent)


def cmd_link(a):
    repo = Repo(a.repo)
    tip = repo.rev(f'refs/heads/{branch(a.posting)}')
    _, _, tracking = load_cover(repo, tip) if tip else (None, None, None)
    hist = (tracking or {}).get('series', {}).get('history', {})
    if hist:
        v = max(hist, key=lambda k: int(k[1:]))
        print(f'{linkmask(repo) % hist[v][-1]} ({v})')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    b = sub.add_parser('build')
    b.add_argument('repo')
    b.add_argument('posting')
    for opt in ('--base', '--change-id', '--sender', '--placeholder', '--cover'):
        b.add_argument(opt, required=True)
    b.add_argument('--revision', type=int, required=True)
    b.add_argument('--prefix', action='append')
    b.add_argument('--base-note', default='')
    b.add_argument('--after-note', default='')
    b.add_argument('--force', action='store_true')
    b.add_argument('--prereqs', nargs='*', default=[])
    b.add_argument('--patches', nargs='+', required=True)
    t = sub.add_parser('trailers')
    t.add_argument('repo')
    t.add_argument('posting')
    t.add_argument('--sender', required=True)
    t.add_argument('--placeholder', required=True)
    t.add_argument('--patches', nargs='+', required=True)
    c = sub.add_parser('chain')
    c.add_argument('repo')
    c.add_argument('base')
    c.add_argument('patches', nargs='*')
    k = sub.add_parser('link')
    k.add_argument('repo')
    k.add_argument('posting')
    a = ap.parse_args()
    {'build': cmd_build, 'trailers': cmd_trailers, 'link': cmd_link, 'chain': cmd_chain}[a.cmd](a)


if __name__ == '__main__':
    main()
