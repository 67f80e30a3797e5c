#!/usr/bin/env python3
"""baseline_dlp.py - Python baseline for the `sekisho dlp scan` benchmark.

Does what issue 14 names as the baseline, with the standard library only:
text from each input (a message through `email`: every text/* part decoded
with its charset, HTML tags stripped with a regex, .docx/.xlsx attachments
and files through zipfile and ElementTree: Word's w:t, Excel's shared strings
and cell values), then `re` for 12 digits bare or 4-4-4, the check digit of
the ordinance, and a keyword within 300 characters for the confidence.

Usage: python3 bench/baseline_dlp.py FILE|DIR...
Prints on stderr: baseline: N inputs, F findings (H high), T.TTT s
"""
import io
import os
import re
import sys
import time
import zipfile
import xml.etree.ElementTree as ET
from email import policy
from email.parser import BytesParser

PARSER = BytesParser(policy=policy.default)
NUMBER = re.compile(r"(?<![0-9])([0-9]{4})[ \-.]?([0-9]{4})[ \-.]?([0-9]{4})(?![0-9])")
KEYWORD = re.compile(r"個人番号|マイナンバー|my ?number", re.I)
TAG = re.compile(r"<[^>]*>")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def check(d):
    s = sum(int(d[10 - (n - 1)]) * (n + 1 if n <= 6 else n - 5) for n in range(1, 12))
    r = s % 11
    return int(d[11]) == (0 if r <= 1 else 11 - r)


def ooxml_text(data):
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        if "word/document.xml" in names:
            root = ET.fromstring(z.read("word/document.xml"))
            for p in root.iter(W + "p"):
                out.append("".join(t.text or "" for t in p.iter(W + "t")))
        shared = []
        if "xl/sharedStrings.xml" in names:
            root = ET.fromstring(z.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(S + "t")) for si in root.iter(S + "si")]
        for n in names:
            if n.startswith("xl/worksheets/sheet"):
                root = ET.fromstring(z.read(n))
                for row in root.iter(S + "row"):
                    cells = []
                    for c in row.iter(S + "c"):
                        v = c.find(S + "v")
                        if v is not None and v.text:
                            cells.append(shared[int(v.text)] if c.get("t") == "s" else v.text)
                    out.append("\t".join(cells))
    return "\n".join(out)


def texts(data, name):
    if name.endswith((".docx", ".xlsx")):
        yield ooxml_text(data)
        return
    msg = PARSER.parsebytes(data)
    yield str(msg.get("Subject", ""))
    for part in msg.walk():
        if part.is_multipart():
            continue
        fn = part.get_filename() or ""
        if fn.endswith((".docx", ".xlsx")):
            yield ooxml_text(part.get_payload(decode=True) or b"")
        elif part.get_content_maintype() == "text":
            t = part.get_content()
            yield TAG.sub(" ", t) if part.get_content_subtype() == "html" else t


def scan(text):
    found = []
    for m in NUMBER.finditer(text):
        d = "".join(m.groups())
        if check(d):
            ctx = text[max(0, m.start() - 300):m.end() + 300]
            found.append(("high" if KEYWORD.search(ctx) else "low", d[-4:]))
    return found


def main():
    paths = []
    for a in sys.argv[1:]:
        if os.path.isdir(a):
            paths += sorted(os.path.join(a, f) for f in os.listdir(a))
        else:
            paths.append(a)
    t0 = time.monotonic()
    findings = high = 0
    for p in paths:
        with open(p, "rb") as f:
            data = f.read()
        try:
            for t in texts(data, p):
                for conf, last4 in scan(t):
                    findings += 1
                    high += conf == "high"
                    print(f"{p}: ****-****-{last4} {conf}")
        except Exception as e:  # a broken input is skipped, as a baseline may
            print(f"{p}: error {type(e).__name__}", file=sys.stderr)
    dt = time.monotonic() - t0
    print(f"baseline: {len(paths)} inputs, {findings} findings ({high} high), {dt:.3f} s",
          file=sys.stderr)


main()
