#!/usr/bin/env python3
"""SMTP load client for the end-to-end tests.

Sends COUNT messages taken in turn from CORPUS to HOST:PORT over CONCURRENCY
sessions, each with its Message-ID replaced by <e2e-TAG-N@sekisho.test> so the
checker can follow every one.  Behaves like a sending MTA: a message counts as
handed over only when the server answered 250 after DATA; connection failures
and 4xx answers are retried (with a pause) until DEADLINE seconds have passed.
Writes the handed-over numbers, one per line, to ACKED.

Line ends go out as CR LF, as a sending MTA writes them (RFC 5321 2.3.8;
sekishod refuses a bare LF): smtplib sends bytes as they are.

SMTPLOAD_MSGID_FIRST=1 puts the Message-ID first instead, before any mbox
"From " line: Postfix ends the header block at such a line (it is no header
field), so a Message-ID after it would be body to Postfix and its milter.

usage: smtpload.py HOST PORT COUNT CONCURRENCY CORPUS TAG ACKED [DEADLINE]
"""
import os
import re
import smtplib
import sys
import threading
import time

host, port, count, conc, corpus, tag, acked_path = sys.argv[1:8]
port, count, conc = int(port), int(count), int(conc)
deadline = time.time() + (float(sys.argv[8]) if len(sys.argv) > 8 else 600)

files = sorted(os.path.join(corpus, f) for f in os.listdir(corpus))
bodies = [open(f, "rb").read() for f in files]
MID = re.compile(rb"^Message-ID:.*(\r?\n[ \t].*)*\r?\n", re.I | re.M)


def wire(msg):
    """LF line ends made CR LF (a CR LF stays one)."""
    return re.sub(rb"(?<!\r)\n", b"\r\n", msg)


def message(n):
    return wire(compose(n))


def compose(n):
    raw = bodies[n % len(bodies)]
    mid = b"Message-ID: <e2e-%s-%d@sekisho.test>\n" % (tag.encode(), n)
    end = re.search(rb"\r?\n\r?\n", raw)
    head, body = (raw[:end.start() + 1], raw[end.start() + 1:]) if end else (raw, b"")
    if os.environ.get("SMTPLOAD_MSGID_FIRST"):
        return mid + MID.sub(b"", head, count=1) + body
    if MID.search(head):             # only the message's own header, never the body's
        return MID.sub(lambda m: mid, head, count=1) + body
    if head.startswith(b"From "):    # keep an mbox From_ line first
        nl = head.find(b"\n") + 1
        return head[:nl] + mid + head[nl:] + body
    return mid + raw


lock = threading.Lock()
next_n = 0
acked = []
failures = 0


def take():
    global next_n
    with lock:
        if next_n >= count:
            return None
        next_n += 1
        return next_n - 1


def worker():
    global failures
    conn = None
    n = take()
    while n is not None and time.time() < deadline:
        try:
            if conn is None:
                conn = smtplib.SMTP(host, port, timeout=60)
                conn.ehlo("e2e.sekisho.test")
            conn.sendmail("sender@e2e.sekisho.test", ["staff@town.example.lg.jp"], message(n))
            with lock:
                acked.append(n)
            n = take()
        except smtplib.SMTPResponseException as e:
            if 500 <= e.smtp_code < 600:     # refused for good: not handed over
                with lock:
                    failures += 1
                n = take()
            else:
                time.sleep(0.2)
        except (OSError, smtplib.SMTPException):
            try:
                conn.close()
            except Exception:
                pass
            conn = None
            time.sleep(0.2)
    if conn is not None:
        try:
            conn.quit()
        except Exception:
            pass


threads = [threading.Thread(target=worker) for _ in range(conc)]
t0 = time.time()
for t in threads:
    t.start()
for t in threads:
    t.join()
with open(acked_path, "w") as f:
    for n in sorted(acked):
        f.write(f"{n}\n")
print(f"smtpload {tag}: {len(acked)} handed over, {failures} refused, "
      f"{count - len(acked) - failures} not sent, {time.time() - t0:.1f} s", file=sys.stderr)
