#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""results.py - report a guest run: per-test table, JUnit XML, closing line.

Reads the KTAP that run_kselftest.sh printed in the guest (build/VARIANT/
ktap.log), parses it with the kernel's own KUnit KTAP parser
(tools/testing/kunit/kunit_parser.py of the work tree), and prints one row
per test: each kselftest subtest (the '# ok N name' lines kselftest nests
inside a test's output become KTAP subtests), or the test itself when it has
none. The console log (build/VARIANT/console.log) is scanned for kernel
reports: panic, oops, BUG, WARNING (WARN, lockdep, RCU), KASAN, UBSAN, hung
tasks and RCU stalls; each is a failed row, unless the test during which
it was printed provokes it on purpose (--expect-reports, from
selftests/expect-reports: the project says which, not the test). So are
expected tests with no
result, a guest that did not reach the end of the run, and a boot status
that is not 0 (124: timeout). Tests listed as flaky that failed may be
run again (scripts/test.sh does it): then the result of the second run
counts, and the table says the first one failed. Writes JUnit XML and ends
with the line 'N passed, N failed, N skipped'. Exit status: 0 if nothing
failed, 1 otherwise.
"""

import argparse
import os
import re
import sys


def load_kunit(ktree):
    path = os.path.join(ktree, 'tools', 'testing', 'kunit')
    if not os.path.isfile(os.path.join(path, 'kunit_parser.py')):
        sys.exit(f'results.py: no KUnit parser in {path}')
    sys.path.insert(0, path)
    import kunit_parser  # pylint: disable=import-outside-toplevel
    import kunit_printer  # pylint: disable=import-outside-toplevel
    return kunit_parser, None, kunit_printer


TOP_RESULT = re.compile(r'^(ok|not ok) ([0-9]+) (.*?)( # .*)?$')
TOP_HEADER = re.compile(r'^# (selftests: \S+: \S+)$')
GLUED_RESULT = re.compile(r'^(# .*?)((?:not )?ok [0-9]+ selftests: \S+: \S+.*)$')
TAP_HEADER = re.compile(r'^\s*K?TAP version [0-9]+$')
PLAN = re.compile(r'^1\.\.([0-9]+)')
RESULT = re.compile(r'^(ok|not ok) [0-9]+ ?(?:- )?(.*)$')


def nest_block(name, block):
    """Turn the '# '-prefixed output of one kselftest into a KTAP subtest.

    A test may print several TAP documents (a script running several
    programs): they are merged into one subtest whose plan is the sum of
    their plans and whose results are renumbered in order.
    """
    inner = [l[2:] if l.startswith('# ') else l[1:] if l == '#' else None
             for l in block]
    if not any(l is not None and TAP_HEADER.match(l) for l in inner):
        return block
    plan = 0
    results = 0
    body = []
    for line in inner:
        if line is None:
            continue
        if TAP_HEADER.match(line):
            continue
        m = PLAN.match(line)
        if m:
            plan += int(m.group(1))
            continue
        m = RESULT.match(line)
        if m:
            results += 1
            body.append(f'    {m.group(1)} {results} {m.group(2)}')
        else:
            body.append('    # ' + line.lstrip('# ').rstrip())
    head = ['    KTAP version 1', f'    # Subtest: {name}',
            f'    1..{plan or results}']
    return head + body


def nest_kselftest(lines):
    """Rewrite run_kselftest.sh output as nested KTAP.

    Returns the lines, the directive of each test's result line ('# exit=1',
    '# TIMEOUT 45 seconds') by name, and the name of a test that started but
    has no result line (the run stopped during it), or None.
    """
    out = []
    block = []
    name = None
    directives = {}
    split = []
    for raw in lines:
        # A test that ends without a newline gets the runner's result
        # line glued to its last output line: '# (x.c:287) - not ok 14 ...'.
        m = GLUED_RESULT.match(raw.rstrip('\r\n'))
        split.extend(m.groups() if m else [raw])
    for raw in split:
        line = raw.rstrip('\r\n')
        m = TOP_HEADER.match(line)
        if m:
            out.extend(block)
            block = []
            name = m.group(1)
            out.append(line)
            continue
        m = TOP_RESULT.match(line)
        if m and name is not None:
            out.extend(nest_block(m.group(3), block))
            directives[m.group(3)] = (m.group(4) or '').strip(' #')
            block = []
            name = None
            out.append(line)
            continue
        (block if name is not None else out).append(line)
    out.extend(block)
    return out, directives, name


# Kernel reports on the console. Only lines with a printk timestamp (and
# the caller id of CONFIG_PRINTK_CALLER, if any) count, and only where the
# line is not test output (a test may print dmesg).
TS = r'\[\s*[0-9]+\.[0-9]+\](?:\[\s*[TC][0-9]+\])?\s*'
REPORTS = [
    ('panic', re.compile(TS + r'(Kernel panic - not syncing.*)')),
    ('oops', re.compile(TS + r'(Internal error: .*|Unable to handle kernel .*|Oops: .*)')),
    ('KASAN', re.compile(TS + r'(BUG: KASAN: .*)')),
    ('UBSAN', re.compile(TS + r'(UBSAN: .*)')),
    ('BUG', re.compile(TS + r'((?:kernel |watchdog: )?BUG(?::| at) .*)')),
    ('lockup', re.compile(TS + r'((?:NMI )?watchdog: .*(?:hard|soft) LOCKUP.*)')),
    ('WARN', re.compile(TS + r'(WARNING: .*)')),
    # lockdep's other reports ('[ BUG: Invalid wait context ]', '[ BUG: bad
    # unlock balance detected! ]', ...), which do not start with WARNING.
    ('lockdep', re.compile(TS + r'(\[ BUG: .* \])')),
    ('hung task', re.compile(TS + r'(INFO: task .+:[0-9]+ blocked(?: in I/O wait)? for more than .*)')),
    ('RCU stall', re.compile(TS + r'((?:INFO: )?rcu: .*detected stalls?.*)')),
]
MARK = re.compile(r'\[\s*([0-9]+\.[0-9]+)\](?:\[\s*[TC][0-9]+\])?\s*'
                  r'harness: (begin|end) (\S+)\s*$')
STAMP = re.compile(r'\[\s*([0-9]+\.[0-9]+)\]')
# How far before a 'WARNING:' line its '[ cut here ]' line may be.
CONTEXT = 6
CUT_HERE = '[ cut here ]'


def read_expected(path):
    """The reports tests provoke on purpose (selftests/expect-reports):
    {COLLECTION:TEST: [regex, ...]}."""
    expected = {}
    if not path:
        return expected
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            test, rx = (re.split(r'\s+', line, maxsplit=1) + [''])[:2]
            if ':' not in test or not rx:
                sys.exit(f'{path}:{n}: not "COLLECTION:TEST REGEX": {line}')
            try:
                expected.setdefault(test, []).append(re.compile(rx))
            except re.error as e:
                sys.exit(f'{path}:{n}: bad regular expression "{rx}": {e}')
    return expected


def kernel_reports(console, test_output, expected=None):
    """Return (kind, line) for every kernel report in the console log.

    The guest runs each test that @expected (read_expected(), from
    selftests/expect-reports) lists on its own, between 'harness: begin
    TEST' and 'harness: end TEST' lines that its init writes to the kernel
    log before and after the run. A report printed between the two is
    expected, and left out, when one of the test's regular expressions
    matches it: for a WARN its message (the lines from its '[ cut here ]'
    to its 'WARNING:' line), for any other kind its own line. The console
    does not keep the kernel's order against the tests' output, so the
    printk times decide. The tests themselves mark nothing.
    """
    lines = [raw.rstrip('\r\n') for raw in console]
    spans, open_at = [], {}
    for line in lines:
        m = MARK.search(line)
        if not m or line.strip() in test_output:
            continue
        t, what, name = float(m.group(1)), m.group(2), m.group(3)
        if what == 'begin':
            # The console may print a line twice, the first copy cut short:
            # a begin at the same time whose name starts the other's is one.
            for other in [n for n, u in open_at.items() if u == t and
                          (name.startswith(n) or n.startswith(name))]:
                del open_at[other]
                name = other if len(other) > len(name) else name
            open_at[name] = t
        else:
            match = name if name in open_at else next(
                (n for n in open_at if n.startswith(name) or name.startswith(n)), None)
            if match is not None:
                spans.append((open_at.pop(match), t, match))

    def owner(t):
        return next((n for b, e, n in spans if b <= t <= e), None)

    # The kernel's own lines: not a test's output echoing the kernel log.
    kernel = [bool(re.match(TS, l)) and l.strip() not in test_output for l in lines]
    found, seen = [], set()
    for i, line in enumerate(lines):
        if line.strip() in test_output:
            continue
        for kind, rx in REPORTS:
            m = rx.search(line)
            if not m:
                continue
            stamps = STAMP.findall(line[:m.start(1)])
            t = float(stamps[-1]) if stamps else None
            test = owner(t) if t is not None else None
            if test in (expected or {}):
                context = [line]
                if kind == 'WARN':
                    cut = next((j for j in range(i - 1, max(-1, i - CONTEXT - 1), -1)
                                if kernel[j] and CUT_HERE in lines[j]), None)
                    if cut is not None:
                        context = [lines[j] for j in range(cut, i + 1) if kernel[j]]
                if any(r.search(c) for r in expected[test] for c in context):
                    break
            text = re.sub(r'\s+', ' ', m.group(1)).strip()
            key = (kind, re.sub(r'[0-9a-fx]{6,}', '', text))
            if key not in seen:
                seen.add(key)
                found.append((kind, text + (f' (during {test})' if test else '')))
            break
    return found


def short(name):
    m = re.match(r'^selftests: (\S+): (\S+)$', name)
    return f'{m.group(1)}:{m.group(2)}' if m else name


RUN_MARK = re.compile(r'^# harness: run ([0-9]+) of ([0-9]+|soak)$')


def split_runs(ktap):
    """The KTAP of each pass of a guest that ran its tests several times
    (harness_repeat=N: '# harness: run K of N' before each), in order."""
    runs = [[]]
    for line in ktap:
        m = RUN_MARK.match(line.rstrip('\r'))
        if m and int(m.group(1)) > 1:
            runs.append([])
        runs[-1].append(line)
    return runs


def analyze(kp, ktree_printer, ktap_path, console_path, expect_path, boot_status,
            expected=None):
    """Rows (status, name, note) for one guest run. A guest that ran its
    tests N times gives the rows of each pass, those of pass K > 1 named
    'runK/...', and a row 'harness:rerun': every test must have the same
    verdict in every pass."""
    ktap = []
    if os.path.exists(ktap_path):
        with open(ktap_path, errors='replace') as f:
            ktap = f.read().splitlines()
    runs = split_runs(ktap)
    rows = []
    verdicts = []
    for k, lines in enumerate(runs, 1):
        prefix = f'run{k}/' if k > 1 else ''
        rrows = analyze_pass(kp, ktree_printer, lines, expect_path)
        verdicts.append({n: st for st, n, _ in rrows})
        rows += [(st, prefix + n, note) for st, n, note in rrows]
    if len(runs) > 1:
        names = sorted(set().union(*verdicts))
        differ = [n for n in names if len({v.get(n, 'none') for v in verdicts}) > 1]
        if differ:
            rows.append(('FAIL', 'harness:rerun', f'verdicts differ between the {len(runs)} '
                         'passes: ' + '; '.join(
                             f'{n} ' + '/'.join(v.get(n, 'none') for v in verdicts)
                             for n in differ[:8])))
        else:
            rows.append(('PASS', 'harness:rerun', f'{len(runs)} passes, the same verdicts '
                         f'for all {len(names)} rows'))

    def fail(name, note):
        rows.append(('FAIL', name, note))

    finished = any('# harness: done' in l for l in ktap)
    if not ktap:
        fail('harness:ktap', f'no KTAP output in {ktap_path}')
    elif not finished:
        fail('harness:finished', 'the guest did not reach the end of the test run')
    if boot_status == 124:
        fail('harness:boot', 'guest timed out (QEMU killed); see the console log')
    elif boot_status:
        fail('harness:boot', f'QEMU exited with status {boot_status}')
    if console_path and os.path.exists(console_path):
        test_output = {l.strip() for l in ktap if l.strip()}
        with open(console_path, errors='replace') as f:
            console = f.read().splitlines()
        for kind, text in kernel_reports(console, test_output, expected):
            fail(f'kernel:{kind}', text)
        # The guest writes its end marker to the console too: a console
        # without it is cut short, and reports after the cut are lost.
        if finished and not any('# harness: done' in l for l in console):
            fail('harness:console', f'{console_path} ({len(console)} lines) ends before '
                 "the guest's '# harness: done': kernel reports after that point would be "
                 'missed')
    elif console_path:
        fail('harness:console', f'no console log {console_path}')
    return rows


ISOLATED = re.compile(r'^# harness: isolated (\S+)$')


def analyze_pass(kp, ktree_printer, ktap, expect_path):
    """Rows (status, name, note) for the tests of one pass of the guest:
    the run of most tests, then one run of run_kselftest.sh per test the
    guest ran on its own ('# harness: isolated TEST' before each)."""
    segments = [[]]
    for line in ktap:
        if ISOLATED.match(line.rstrip('\r')):
            segments.append([])
        segments[-1].append(line)

    rows = []
    S = kp.TestStatus

    def status_word(st):
        return {S.SUCCESS: 'PASS', S.SKIPPED: 'SKIP'}.get(st, 'FAIL')

    def walk(t, prefix, why):
        if t.subtests:
            for i, s in enumerate(t.subtests, 1):
                walk(s, f'{prefix}/{s.name or "#" + str(i)}', why)
            if t.status == S.FAILURE and all(s.status in (S.SUCCESS, S.SKIPPED) for s in t.subtests):
                rows.append(('FAIL', prefix, f'test failed after its subtests passed ({why})'))
            return
        note = t.skip_reason if t.status == S.SKIPPED else ''
        if t.status == S.FAILURE:
            note = why
        elif t.status == S.TEST_CRASHED:
            note = f'no result ({why or "crashed or cut off"})'
        rows.append((status_word(t.status), prefix, note))

    def fail(name, note):
        rows.append(('FAIL', name, note))

    results, running_all = {}, []
    for k, seg in enumerate(segments):
        # An isolated run that printed nothing is caught below (no result);
        # so is a main run with no tests when all of them ran isolated.
        if k > 0 and not any(l.startswith('TAP version') for l in seg):
            continue
        nested, directives, running = nest_kselftest(seg)
        main_test = kp.parse_run_tests(nested, ktree_printer)
        unnamed = 0
        for t in main_test.subtests:
            if not t.name:
                unnamed += 1  # placeholder for a planned test with no result
                continue
            results[short(t.name)] = t
            walk(t, short(t.name), directives.get(t.name, ''))
        if running:
            running_all.append(short(running))
            fail(short(running), 'no result: the run stopped during this test')
        if not (expect_path and os.path.exists(expect_path)) and \
                unnamed - (1 if running else 0) > 0:
            fail('harness:plan', f'{unnamed - (1 if running else 0)} more of the '
                 f'{main_test.expected_count} planned tests have no result')

    if expect_path and os.path.exists(expect_path):
        with open(expect_path) as f:
            for want in (l.strip() for l in f):
                if want and want not in results and want not in running_all:
                    fail(want, 'expected test has no result')
    return rows


def top(name):
    return name.split('/', 1)[0]


def write_junit(rows, path, title):
    import xml.etree.ElementTree as ET  # pylint: disable=import-outside-toplevel
    suites = {}
    for st, name, note in rows:
        suites.setdefault(top(name), []).append((st, name, note))
    root = ET.Element('testsuites', {'name': title})
    for sname, srows in suites.items():
        suite = ET.SubElement(root, 'testsuite', {
            'name': sname, 'tests': str(len(srows)),
            'failures': str(sum(r[0] == 'FAIL' for r in srows)),
            'skipped': str(sum(r[0] == 'SKIP' for r in srows))})
        for st, name, note in srows:
            case = ET.SubElement(suite, 'testcase', {'name': name, 'classname': sname})
            if st == 'FAIL':
                ET.SubElement(case, 'failure', {'message': note or 'failed'})
            elif st == 'SKIP':
                ET.SubElement(case, 'skipped', {'message': note})
            elif note:
                ET.SubElement(case, 'system-out').text = note
    ET.indent(root)
    # Under a temporary name first: a short write leaves no truncated file.
    tmp = f'{path}.tmp.{os.getpid()}'
    try:
        ET.ElementTree(root).write(tmp, encoding='utf-8', xml_declaration=True)
        os.replace(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        sys.exit(f'results.py: writing {path} failed: {e.strerror}')


def read_list(path):
    if not path or not os.path.exists(path):
        return set()
    with open(path) as f:
        return {l.split()[0] for l in f if l.strip() and not l.startswith('#')}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split('\n\n', 1)[1])
    ap.add_argument('--ktree', required=True, help='kernel work tree (for the KUnit parser)')
    ap.add_argument('--ktap', required=True, help='KTAP written by the guest')
    ap.add_argument('--console', help='console log (kernel messages)')
    ap.add_argument('--expect', help='file of COLLECTION:TEST lines that must have a result')
    ap.add_argument('--boot-status', type=int, default=0, help="boot.sh's exit status")
    ap.add_argument('--junit', help='write JUnit XML here')
    ap.add_argument('--title', default='kselftest', help='name of the run')
    ap.add_argument('--absent', help='file of COLLECTION[:TEST] not in this kernel tree '
                    '(reported as skipped)')
    ap.add_argument('--flaky', help='file of COLLECTION:TEST that may be retried')
    ap.add_argument('--retry-out', help='write here the failed tests a retry may rerun '
                    '(empty when any other failure makes a retry pointless)')
    ap.add_argument('--retry-ktap', help='KTAP of the retry run')
    ap.add_argument('--retry-console', help='console log of the retry run')
    ap.add_argument('--retry-boot-status', type=int, default=0)
    ap.add_argument('--kernel-log', help='kernel log of the boot, all levels (require/reject)')
    ap.add_argument('--require', action='append', default=[], metavar='REGEX',
                    help='the console or kernel log must match this regex (one row each)')
    ap.add_argument('--reject', action='append', default=[], metavar='REGEX',
                    help='the console and kernel log must not match this regex (one row each)')
    ap.add_argument('--expect-reports', metavar='FILE',
                    help='file of "COLLECTION:TEST REGEX" lines: the kernel reports a test '
                    'provokes on purpose (selftests/expect-reports)')
    ap.add_argument('--must-run', action='append', default=[], metavar='TEST',
                    help='COLLECTION:TEST[/SUBTEST] whose skip is a failure in this guest')
    args = ap.parse_args()

    kp, _, kpr = load_kunit(args.ktree)
    printer = kpr.Printer(print=False)
    expected = read_expected(args.expect_reports)
    rows = analyze(kp, printer, args.ktap, args.console, args.expect, args.boot_status,
                   expected)

    absent = read_list(args.absent)
    for name in sorted(absent):
        coll = name.split(':')[0]
        rows.append(('SKIP', name, f'not in this kernel tree: tools/testing/selftests/{coll} '
                     'or this test of it comes with a later patch of the series'))

    # The guest settings' expectations (kernel-config/qemu): what the
    # console must show, and the tests this guest exists to run.
    console = ''
    for path in (args.console, args.kernel_log):
        if path and os.path.exists(path):
            with open(path, errors='replace') as f:
                console += f.read()
    for i, regex in enumerate(args.require, 1):
        ok = re.search(regex, console, re.M)
        rows.append(('PASS' if ok else 'FAIL', f'guest:require{i}',
                     f'console or boot log matches "{regex}"' if ok
                     else f'no match in the console or boot log for "{regex}"'))
    for i, regex in enumerate(args.reject, 1):
        m = re.search(regex, console, re.M)
        rows.append(('FAIL' if m else 'PASS', f'guest:reject{i}',
                     f'the console or boot log has "{m.group(0)}"' if m
                     else f'not in the console or boot log: "{regex}"'))
    for i, (st, n, note) in enumerate(rows):
        # Not in this kernel tree (a prefix of the series): nothing to run.
        if n in absent:
            continue
        if st == 'SKIP' and any(n == t or n.startswith(t + '/') for t in args.must_run):
            rows[i] = ('FAIL', n, f'skipped where this guest must run it: {note}')
    # A must-run that names no test of a collection that ran protects
    # nothing (a renamed test): it fails, so that it gets corrected.
    names = [n for _, n, _ in rows]
    for i, t in enumerate(args.must_run, 1):
        coll = t.split(':')[0] + ':'
        if any(n.startswith(coll) for n in names) and \
                not any(n == t or n.startswith(t + '/') for n in names):
            rows.append(('FAIL', f'guest:must-run{i}', f'no test {t} in this run'))

    flaky = read_list(args.flaky)
    failed = {top(n) for st, n, _ in rows if st == 'FAIL'}
    if args.retry_ktap:
        retried = failed & flaky
        again = analyze(kp, printer, args.retry_ktap, args.retry_console,
                        None, args.retry_boot_status, expected)
        first = {}
        for st, n, note in rows:
            if st == 'FAIL' and top(n) in retried:
                sub = n[len(top(n)) + 1:] or n
                first.setdefault(top(n), f'{sub}: {note}' if note else sub)
        merged = [r for r in rows if top(r[1]) not in retried]
        for st, n, note in again:
            if top(n) in retried and st != 'FAIL':
                note = note or f'passed on retry; first run failed in {first[top(n)]}'
            merged.append((st, n, note))
        for t in sorted(retried - {top(n) for _, n, _ in again}):
            merged.append(('FAIL', t, f'no result in the retry; first run failed in {first[t]}'))
        rows = merged

    # What another boot may rerun: the failed tests, if every one of them
    # is listed as flaky (a kernel report, for one, never is).
    if args.retry_out:
        failed = {top(n) for st, n, _ in rows if st == 'FAIL'}
        with open(args.retry_out, 'w') as f:
            if failed and failed <= flaky:
                f.write('\n'.join(sorted(failed)) + '\n')

    width = min(max([len(r[1]) for r in rows] + [20]), 60)
    for st, name, note in rows:
        print(f'{st:4}  {name:{width}}  {note}'.rstrip() if len(name) <= width
              else f'{st:4}  {name}\n      {"":{width}}  {note}'.rstrip())

    passed = sum(1 for r in rows if r[0] == 'PASS')
    failed = sum(1 for r in rows if r[0] == 'FAIL')
    skipped = sum(1 for r in rows if r[0] == 'SKIP')
    if args.junit:
        write_junit(rows, args.junit, args.title)
    print(f'{passed} passed, {failed} failed, {skipped} skipped')
    return 1 if failed or not rows else 0


if __name__ == '__main__':
    sys.exit(main())
