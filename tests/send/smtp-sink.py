#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""smtp-sink.py DIR - a local SMTP server that keeps what it is given.

Listens on 127.0.0.1 at a free port, which it writes to DIR/port once it
accepts connections; every message goes to DIR/mbox (mboxrd) with its
envelope recipients in DIR/rcpt (one line per message: the RCPT TO
addresses, space-separated). No authentication, no TLS: for the harness's
test of 'b4 send' through the sender's own sendemail configuration.
"""
import os
import socketserver
import sys
import time

out = sys.argv[1]


class Session(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b'\r\n')

    def handle(self):
        self.reply('220 sink ESMTP')
        rcpt, data = [], None
        while True:
            line = self.rfile.readline()
            if not line:
                return
            if data is not None:
                if line in (b'.\r\n', b'.\n'):
                    with open(os.path.join(out, 'mbox'), 'ab') as f:
                        f.write(b'From sink ' + time.asctime().encode() + b'\n')
                        for d in data:
                            d = d.rstrip(b'\r\n')
                            if d.startswith(b'.'):
                                d = d[1:]
                            if d.lstrip(b'>').startswith(b'From '):
                                d = b'>' + d
                            f.write(d + b'\n')
                        f.write(b'\n')
                    with open(os.path.join(out, 'rcpt'), 'a') as f:
                        f.write(' '.join(rcpt) + '\n')
                    rcpt, data = [], None
                    self.reply('250 kept')
                else:
                    data.append(line)
                continue
            cmd = line.decode(errors='replace').strip()
            verb = cmd.split(' ', 1)[0].upper()
            if verb in ('EHLO', 'HELO'):
                self.reply('250 sink')
            elif verb == 'MAIL':
                rcpt = []
                self.reply('250 ok')
            elif verb == 'RCPT':
                rcpt.append(cmd.split(':', 1)[1].strip().strip('<>').split('>')[0])
                self.reply('250 ok')
            elif verb == 'DATA':
                data = []
                self.reply('354 go on')
            elif verb == 'QUIT':
                self.reply('221 bye')
                return
            else:
                self.reply('250 ok')


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


with Server(('127.0.0.1', 0), Session) as srv:
    with open(os.path.join(out, 'port.tmp'), 'w') as f:
        f.write(f'{srv.server_address[1]}\n')
    os.rename(os.path.join(out, 'port.tmp'), os.path.join(out, 'port'))
    srv.serve_forever()
