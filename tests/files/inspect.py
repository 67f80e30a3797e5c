#!/usr/bin/python3
"""Independent inspection of a file sekisho says it sanitised.

Usage: inspect.py FILE [FILE...]   (exit 0 when every file passes)
       inspect.py --json FILE...    (one JSON line per file)

Nothing here trusts sekisho's receipt: each output is read with other
tools (qpdf, pdftoppm, Python's zipfile and xml.etree, Pillow) and checked
for active content that must not survive, and for being usable at all:
  PDF    qpdf's uncompressed QDF view has no JavaScript, actions, embedded
         files, XFA, rich media, launch/remote/submit actions and no
         encryption; pdftoppm renders every page.
  OOXML  no VBA project or OLE2 member, no ActiveX, no macro sheets, no
         customUI, no macro-enabled content type, no external relationship,
         no DDE field; every relationship points at a member that exists.
  image  Pillow decodes it; no EXIF/XMP/text chunks; nothing after the end
         marker.
  zip    names are UTF-8 (flag set), relative, without '..' or control
         characters; each member is inspected by its own type.
  text   valid UTF-8 (or CP932 when told), no C0/C1 control characters but
         TAB/LF/CR, no bidi overrides; CSV cells do not start with = + - @.
  message  (a sanitised .eml) Python's email reads it; it carries
         X-Sekisho-Sanitized; its first part is text/plain; every other
         part is inspected by its own type.
Requires: qpdf, poppler-utils, python3-pil (Debian).
"""
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
import xml.etree.ElementTree as ET

PDF_ACTIVE = [rb"/JavaScript", rb"/JS\b", rb"/OpenAction", rb"/AA\b", rb"/Launch",
              rb"/EmbeddedFile", rb"/XFA", rb"/RichMedia", rb"/GoToR", rb"/GoToE",
              rb"/SubmitForm", rb"/ImportData", rb"/Encrypt\b", rb"/3D\b", rb"/Movie",
              rb"/Sound\b", rb"/FileAttachment"]
OLE_SIG = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
CTRL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def kind_of(data, name):
    if data[:5] == b"%PDF-":
        return "pdf"
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "[Content_Types].xml" in z.namelist():
                    return "ooxml"
        except zipfile.BadZipFile:
            return "zip"
        return "zip"
    if data[:3] == b"\xff\xd8\xff" or data[:8] == b"\x89PNG\r\n\x1a\n" or \
            (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    if name.lower().endswith(".csv") or name.lower().endswith(".tsv"):
        return "csv"
    if b"\nX-Sekisho-Sanitized: " in data[:65536] and data[:1] != b"\n":
        return "message"
    return "text"


def check_message(data, problems, depth):
    import email
    import email.policy
    m = email.message_from_bytes(data, policy=email.policy.default)
    if m["X-Sekisho-Sanitized"] is None:
        problems.append("message without X-Sekisho-Sanitized")
    parts = list(m.iter_parts()) if m.is_multipart() else [m]
    if parts[0].get_content_type() != "text/plain":
        problems.append("message whose first part is %s" % parts[0].get_content_type())
    for p in parts:
        if p.get_content_type() != "message/rfc822" and p.is_multipart():
            problems.append("nested multipart in a sanitised message")
            continue
        if p.get_content_type() == "message/rfc822":
            inner = p.get_payload(0).as_bytes() if p.get_payload() else b""
            inspect_bytes(inner, (p.get_filename() or "message.eml"), problems, depth + 1,
                          where="message: ")
            continue
        body = p.get_payload(decode=True) or b""
        if p is parts[0]:
            check_text(body, problems)
        elif depth < 8:
            inspect_bytes(body, p.get_filename() or "attachment", problems, depth + 1,
                          where="message: ")


def check_pdf(data, problems):
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "in.pdf")
        with open(src, "wb") as f:
            f.write(data)
        q = subprocess.run(["qpdf", "--qdf", "--object-streams=disable", src, "-"],
                           capture_output=True, timeout=120)
        if q.returncode not in (0, 3):  # 3: warnings
            problems.append("qpdf cannot read it: %s" % q.stderr[:200].decode("utf-8", "replace"))
            return
        # object dictionaries only: a stream's bytes (JPEG data, content
        # operators) are not PDF objects, and random bytes can spell "/3D"
        objs = re.sub(rb"\nstream\r?\n.*?\nendstream", b"\nstream endstream", q.stdout, flags=re.S)
        for pat in PDF_ACTIVE:
            if re.search(pat, objs):
                problems.append("PDF still contains %s" % pat.decode())
        r = subprocess.run(["pdftoppm", "-r", "10", "-png", src, os.path.join(d, "p")],
                           capture_output=True, timeout=300)
        if r.returncode != 0:
            problems.append("pdftoppm cannot render it: %s" % r.stderr[:200].decode("utf-8", "replace"))
        elif not any(n.startswith("p") for n in os.listdir(d)):
            problems.append("pdftoppm rendered no page")


def check_ooxml(z, problems, where=""):
    names = z.namelist()
    if len(set(names)) != len(names):
        problems.append("%sduplicate member names" % where)
    for n in names:
        low = n.lower()
        data = z.read(n)
        if data[:8] == OLE_SIG:
            problems.append("%sOLE2 member %s" % (where, n))
        if "vbaproject" in low or "vbadata" in low or low.startswith("customui") or \
                "/activex/" in low or "/macrosheets/" in low or "/intlmacrosheets/" in low \
                or "/embeddings/" in low:
            problems.append("%sactive member %s" % (where, n))
        if low.endswith(".rels"):
            try:
                root = ET.fromstring(data)
            except ET.ParseError as e:
                problems.append("%sbad XML in %s: %s" % (where, n, e))
                continue
            base = n.rsplit("_rels/", 1)[0]
            for rel in root:
                if rel.get("TargetMode") == "External":
                    problems.append("%sexternal relationship in %s: %s" % (where, n, rel.get("Target")))
                    continue
                t = rel.get("Target", "")
                tgt = t[1:] if t.startswith("/") else os.path.normpath(os.path.join(base, t)).replace("\\", "/")
                if tgt not in names and not tgt.endswith("/"):
                    problems.append("%sdangling relationship %s -> %s" % (where, n, t))
        if low.endswith(".xml"):
            if re.search(rb"DDE(AUTO)?\b", data) and (b"instrText" in data or b"fldSimple" in data or b"ddeLink" in data):
                problems.append("%sDDE field in %s" % (where, n))
    try:
        ct = z.read("[Content_Types].xml")
        if b"macroEnabled" in ct or b"vbaProject" in ct:
            problems.append("%smacro-enabled content type" % where)
    except KeyError:
        problems.append("%sno [Content_Types].xml" % where)


def check_image(data, problems):
    from PIL import Image
    try:
        im = Image.open(io.BytesIO(data))
        im.load()
    except Exception as e:  # noqa: BLE001 - any decoder failure is a finding
        problems.append("Pillow cannot decode it: %s" % e)
        return
    info = getattr(im, "info", {})
    for k in ("exif", "xmp", "XML:com.adobe.xmp", "comment"):
        if info.get(k):
            problems.append("image keeps %s" % k)
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        end = data.find(b"IEND")
        if end < 0 or end + 8 != len(data):
            problems.append("bytes after PNG IEND")
        for chunk in (b"tEXt", b"iTXt", b"zTXt", b"eXIf"):
            if chunk in data:
                problems.append("PNG keeps %s" % chunk.decode())
    if data[:3] == b"\xff\xd8\xff":
        if not data.endswith(b"\xff\xd9"):
            problems.append("bytes after JPEG EOI")
        if b"Exif\x00\x00" in data[:65536]:
            problems.append("JPEG keeps EXIF")


def check_text(data, problems, csv=False):
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        s = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            s = data.decode("cp932")
        except UnicodeDecodeError:
            problems.append("text is neither UTF-8 nor CP932")
            return
    if CTRL.search(s):
        problems.append("control characters in text")
    if BIDI.search(s):
        problems.append("bidi override in text")
    if csv:
        import csv as csvmod
        for row in csvmod.reader(io.StringIO(s)):
            for cell in row:
                if cell[:1] in ("=", "+", "@", "\t", "\r") or \
                        (cell[:1] == "-" and not re.fullmatch(r"-[0-9][0-9,.]*", cell)):
                    problems.append("CSV cell starts a formula: %r" % cell[:40])
                    return


def check_zip(data, problems, depth=0):
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        problems.append("not a zip: %s" % e)
        return
    with z:
        for info in z.infolist():
            n = info.filename
            if not info.flag_bits & 0x800 and any(ord(c) > 127 for c in n):
                problems.append("zip name without the UTF-8 flag: %r" % n)
            if n.startswith("/") or ".." in n.split("/") or "\\" in n or CTRL.search(n) or BIDI.search(n):
                problems.append("unsafe zip name %r" % n)
            if n.endswith("/"):
                continue
            inspect_bytes(z.read(info), n, problems, depth + 1, where=n + ": ")


def inspect_bytes(data, name, problems, depth=0, where=""):
    k = kind_of(data, name)
    sub = []
    if k == "pdf":
        check_pdf(data, sub)
    elif k == "ooxml":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            check_ooxml(z, sub)
    elif k == "zip":
        check_zip(data, sub, depth)
    elif k == "image":
        check_image(data, sub)
    elif k == "message":
        check_message(data, sub, depth)
    else:
        check_text(data, sub, csv=(k == "csv"))
    problems.extend(where + p for p in sub)
    return k


def main(argv):
    as_json = argv[:1] == ["--json"]
    files = argv[1:] if as_json else argv
    bad = 0
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        problems = []
        k = inspect_bytes(data, os.path.basename(path), problems)
        if as_json:
            print(json.dumps({"file": path, "kind": k, "problems": problems}, ensure_ascii=False))
        elif problems:
            for p in problems:
                print("%s: %s" % (path, p))
        bad += bool(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
