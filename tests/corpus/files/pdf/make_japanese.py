#!/usr/bin/env python3
"""Writes japanese-nonembedded.pdf: two A4 pages of Japanese text in MS-Mincho
and MS-Gothic, NOT embedded (as Japanese Office documents often are), encoded
UniJIS-UCS2-H with a ToUnicode map, so renderers must substitute a CJK font
and text extractors can check the characters.  Usage: make_japanese.py OUT"""
import sys, zlib

LINES = [
    ["日本語の文書です。", "東京都千代田区霞が関一丁目", "住民票の写しの交付について"],
    ["令和六年度　情報セキュリティ", "無害化された添付ファイル", "ＡＢＣ１２３　ｶﾀｶﾅ　①②③"],
]

def ucs2(s):
    return s.encode("utf-16-be").hex().upper()

chars = sorted({c for page in LINES for line in page for c in line})
cmap = ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
cmap += "%d beginbfchar\n" % len(chars)
for c in chars:
    cmap += "<%s> <%s>\n" % (ucs2(c), ucs2(c))
cmap += "endbfchar\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"

objs = {}
objs[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
objs[3] = cmap.encode()
def font(num, base, desc):
    objs[num] = ("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /UniJIS-UCS2-H "
                 "/DescendantFonts [%d 0 R] /ToUnicode 3 0 R >>" % (base, num + 1)).encode()
    objs[num + 1] = ("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /%s "
                     "/CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 2 >> "
                     "/FontDescriptor %d 0 R /DW 1000 >>" % (base, num + 2)).encode()
    objs[num + 2] = ("<< /Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [0 -141 1000 859] "
                     "/ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 769 /StemV 78 >>"
                     % (base, desc)).encode()
font(4, "MS-Mincho", 6)
font(7, "MS-Gothic", 4)
kids = []
num = 10
for p, page in enumerate(LINES):
    cs = "BT\n"
    for i, line in enumerate(page):
        cs += "/F%d 20 Tf 1 0 0 1 72 %d Tm <%s> Tj\n" % (1 + (i % 2), 760 - 40 * i, ucs2(line))
    cs += "ET\n"
    objs[num] = cs.encode()
    objs[num + 1] = ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                     "/Resources << /Font << /F1 4 0 R /F2 7 0 R >> >> >>" % num).encode()
    kids.append("%d 0 R" % (num + 1))
    num += 2
objs[2] = ("<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join(kids), len(kids))).encode()

out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
offs = {}
streams = {3} | {n for n in objs if objs[n].startswith(b"BT")}
for n in sorted(objs):
    offs[n] = len(out)
    if n in streams:
        data = zlib.compress(objs[n])
        out += b"%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % (n, len(data))
        out += data + b"\nendstream\nendobj\n"
    else:
        out += b"%d 0 obj\n" % n + objs[n] + b"\nendobj\n"
xref = len(out)
size = max(objs) + 1
out += b"xref\n0 %d\n0000000000 65535 f \n" % size
for n in range(1, size):
    out += (b"%010d 00000 n \n" % offs[n]) if n in offs else b"0000000000 65535 f \n"
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
open(sys.argv[1], "wb").write(out)
