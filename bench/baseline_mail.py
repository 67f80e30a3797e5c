#!/usr/bin/env python3
"""baseline_mail.py - Python baseline for the `sekisho mail` throughput benchmark.

Does the same job as `sekisho mail --out-dir DIR IN...` with only the standard
`email` package and `html2text` (Debian python3-html2text): for each message,
keep From/To/Cc/Date/Subject/Message-ID, take the text/plain body (else convert
text/html with html2text), drop attachments (listing their names in a notice
line) and write one text/plain UTF-8 message to DIR/<basename>.  A message that
raises is counted as withheld and processing goes on.

Usage: python3 bench/baseline_mail.py --out-dir DIR FILE|DIR...
Prints on stderr: baseline: N messages, W withheld, T.TTT s, R msg/s
"""
import argparse
import os
import sys
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import html2text

KEEP = ("From", "To", "Cc", "Date", "Subject", "Message-ID")
PARSER = BytesParser(policy=policy.default)


def sanitise(data):
    msg = PARSER.parsebytes(data)
    body_part = msg.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        body = body_part.get_content()
        if body_part.get_content_subtype() == "html":
            body = html2text.html2text(body, bodywidth=0)
    removed = [p.get_filename() or "unnamed " + p.get_content_type()
               for p in msg.walk()
               if not p.is_multipart() and p is not body_part
               and not (p.get_content_maintype() == "text"
                        and p.get_content_subtype() in ("plain", "html")
                        and not p.is_attachment())]
    out = EmailMessage(policy=policy.default)
    for name in KEEP:
        if msg[name] is not None:
            out[name] = msg[name]
    if removed:
        body = "[removed attachments: " + ", ".join(removed) + "]\n\n" + body
    out.set_content(body, charset="utf-8")
    return out.as_bytes()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("inputs", nargs="+")
    args = ap.parse_args()
    files = []
    for path in args.inputs:
        if os.path.isdir(path):
            files += sorted(os.path.join(path, f) for f in os.listdir(path)
                            if os.path.isfile(os.path.join(path, f)))
        else:
            files.append(path)
    os.makedirs(args.out_dir, exist_ok=True)

    withheld = 0
    t0 = time.perf_counter()
    for path in files:
        try:
            with open(path, "rb") as f:
                result = sanitise(f.read())
            with open(os.path.join(args.out_dir, os.path.basename(path)), "wb") as f:
                f.write(result)
        except Exception as e:  # robust: withhold and go on
            withheld += 1
            print(f"withheld {path}: {type(e).__name__}: {e}", file=sys.stderr)
    t = time.perf_counter() - t0
    n = len(files)
    print(f"baseline: {n} messages, {withheld} withheld, {t:.3f} s, "
          f"{n / t if t > 0 else 0:.1f} msg/s", file=sys.stderr)


if __name__ == "__main__":
    main()
