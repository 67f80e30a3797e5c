#!/usr/bin/env python3
"""SMTP benchmark client for bench/postfix_milter.sh.

Sends COUNT messages (the files named in LIST, one path a line, taken in
turn) to HOST:PORT over CONCURRENCY sessions, addressed to
<NAME@town.example.lg.jp> where NAME is MAILDIR's last component (so each
run can have a mailbox of its own), each with its Message-ID
replaced by <bench-TAG-N@sekisho.test>: as fast as the server takes them
(RATE 0), or open-loop at RATE messages per second (message N is due at
start + N/RATE, whenever the previous ones finished).  Meanwhile it watches
MAILDIR/new with inotify and notes when each message appears there.

For every message it measures, from the moment the client starts the
transaction (MAIL FROM):
  smtp  - until the server's 250 after DATA (a milter works inside this)
  e2e   - until the message is in the Maildir (what the reader waits for)
A 4xx answer is retried after 0.2 s; the time counts from the first try.

Prints one JSON object: tag, sent, delivered, retries, seconds (first MAIL
to last arrival), throughput (delivered per second over that span), and
p50/p99/max in milliseconds of smtp and e2e.  Messages that never arrive
(withheld) count in sent but not in delivered; the wait for arrivals ends
when all have come or none came for QUIET seconds.  MAILDIR "-": nothing is
watched (a discard transport); a message counts as delivered at its 250.

usage: smtp_bench.py HOST PORT COUNT CONCURRENCY LIST TAG MAILDIR RATE [QUIET]
"""
import ctypes
import ctypes.util
import json
import math
import os
import re
import select
import smtplib
import struct
import sys
import threading
import time

host, port, count, conc, listf, tag, maildir, rate = sys.argv[1:9]
port, count, conc, rate = int(port), int(count), int(conc), float(rate)
quiet = float(sys.argv[9]) if len(sys.argv) > 9 else 5.0

bodies = [open(p.strip(), "rb").read() for p in open(listf) if p.strip()]
MID = re.compile(rb"^Message-ID:.*(\r?\n[ \t].*)*\r?\n", re.I | re.M)


def message(n):
    raw = bodies[n % len(bodies)]
    mid = b"Message-ID: <bench-%s-%d@sekisho.test>\n" % (tag.encode(), n)
    end = re.search(rb"\r?\n\r?\n", raw)
    head, body = (raw[:end.start() + 1], raw[end.start() + 1:]) if end else (raw, b"")
    # CR LF on the wire, as an MTA sends it (sekishod refuses a bare LF)
    return re.sub(rb"(?<!\r)\n", b"\r\n", mid + MID.sub(b"", head, count=1) + body)


# --- the Maildir watcher (inotify: no polling, no CPU taken from the servers)
IN_CREATE, IN_MOVED_TO = 0x100, 0x80
libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
newdir = os.path.join(maildir, "new")
rcpt = ("discard" if maildir == "-" else os.path.basename(os.path.normpath(maildir))) \
    + "@town.example.lg.jp"
arrivals = {}          # file name -> monotonic time
watching = maildir != "-"
if watching:
    ifd = libc.inotify_init1(os.O_NONBLOCK)
    if ifd < 0 or libc.inotify_add_watch(ifd, newdir.encode(), IN_CREATE | IN_MOVED_TO) < 0:
        sys.exit(f"smtp_bench: cannot watch {newdir}")


def watch():
    while watching:
        r, _, _ = select.select([ifd], [], [], 0.2)
        if not r:
            continue
        now = time.monotonic()
        data = os.read(ifd, 1 << 16)
        off = 0
        while off + 16 <= len(data):
            _, _, _, ln = struct.unpack_from("iIII", data, off)
            name = data[off + 16:off + 16 + ln].split(b"\0", 1)[0].decode()
            arrivals.setdefault(name, now)
            off += 16 + ln


watcher = threading.Thread(target=watch)
watcher.start()

# --- the senders
lock = threading.Lock()
next_n = 0
started = {}           # n -> monotonic time of the first MAIL FROM
acked = {}             # n -> time of the 250 after DATA
retries = 0
t0 = time.monotonic()


def take():
    global next_n
    with lock:
        if next_n >= count:
            return None
        next_n += 1
        return next_n - 1


def sender():
    global retries
    conn = None
    n = take()
    while n is not None:
        if rate > 0:
            due = t0 + n / rate
            d = due - time.monotonic()
            if d > 0:
                time.sleep(d)
        try:
            if conn is None:
                conn = smtplib.SMTP(host, port, timeout=120)
                conn.ehlo("bench.sekisho.test")
            t = time.monotonic()
            started.setdefault(n, t)
            conn.sendmail("bench@sender.sekisho.test", [rcpt], message(n))
            acked[n] = time.monotonic()
            n = take()
        except smtplib.SMTPResponseException as e:
            if 500 <= e.smtp_code < 600:
                print(f"smtp_bench: message {n} refused: {e.smtp_code}", file=sys.stderr)
                n = take()
            else:
                with lock:
                    retries += 1
                time.sleep(0.2)
        except (OSError, smtplib.SMTPException):
            try:
                conn.close()
            except Exception:
                pass
            conn = None
            with lock:
                retries += 1
            time.sleep(0.2)
    if conn is not None:
        try:
            conn.quit()
        except Exception:
            pass


threads = [threading.Thread(target=sender) for _ in range(conc)]
for t in threads:
    t.start()
for t in threads:
    t.join()
last = time.monotonic()
while watching and len(arrivals) < len(acked) and \
        time.monotonic() - max([last] + list(arrivals.values())) < quiet:
    time.sleep(0.05)
watching = False
watcher.join()

# --- which message is which file
pat = re.compile(rb"<bench-%s-(\d+)@sekisho\.test>" % re.escape(tag.encode()))
delivered = {}
for name, t in arrivals.items():
    for sub in ("new", "cur"):
        p = os.path.join(maildir, sub, name)
        if os.path.exists(p):
            with open(p, "rb") as f:
                head = f.read(65536).split(b"\n\n", 1)[0]
            m = pat.search(head)
            if m:
                delivered[int(m.group(1))] = t
            break


def pct(values, q):
    if not values:
        return None
    v = sorted(values)
    return round(v[max(0, math.ceil(q * len(v)) - 1)] * 1000, 1)


if maildir == "-":
    delivered = dict(acked)
smtp = [acked[n] - started[n] for n in acked]
e2e = [delivered[n] - started[n] for n in delivered if n in started] if maildir != "-" else []
first = min(started.values()) if started else t0
end = max(delivered.values()) if delivered else last
print(json.dumps({
    "tag": tag, "sent": len(acked), "delivered": len(delivered), "retries": retries,
    "seconds": round(end - first, 3),
    "throughput": round(len(delivered) / (end - first), 1) if end > first else 0,
    "smtp_p50": pct(smtp, 0.5), "smtp_p99": pct(smtp, 0.99), "smtp_max": pct(smtp, 1),
    "e2e_p50": pct(e2e, 0.5), "e2e_p99": pct(e2e, 0.99), "e2e_max": pct(e2e, 1),
}))
