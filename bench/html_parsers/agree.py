#!/usr/bin/env python3
"""Compare the rendered text of each parser per file (whitespace collapsed).

usage: agree.py RENDER_DIR   (holds PARSER.txt files written by `compare -t`)
Prints, for each pair of parsers, how many files render to identical text.
"""
import itertools, os, re, sys

d = sys.argv[1]
docs = {}
for fn in sorted(os.listdir(d)):
    if not fn.endswith('.txt'):
        continue
    p = fn[:-4]
    cur, buf, out = None, [], {}
    for line in open(os.path.join(d, fn), 'rb').read().split(b'\n'):
        m = re.match(rb'^===== (.*) \(\w+\)$', line)
        if m or re.match(rb'^\w+\tfiles=', line):
            if cur is not None:
                out[cur] = b' '.join(b'\n'.join(buf).split())
            cur, buf = (m.group(1) if m else None), []
        else:
            buf.append(line)
    docs[p] = out
names = sorted(docs)
for a, b in itertools.combinations(names, 2):
    common = set(docs[a]) & set(docs[b])
    same = sum(docs[a][k] == docs[b][k] for k in common)
    print('%-7s vs %-7s identical text: %d / %d files' % (a, b, same, len(common)))
