#!/usr/bin/env python3
"""ooxml_inspect - check a rebuilt OOXML package independently of sekisho.

Reads the package with Python's zipfile and xml.etree (not libarchive or
libxml2, which built it) and reports every way it is not harmless or not a
consistent package:

  - the zip reads back (CRC of every member), no two names equal but for case;
  - [Content_Types].xml: no macro-enabled, VBA, ActiveX, OLE, macro-sheet,
    external-link or connection types; every member has a content type;
  - no member starting with the OLE2 signature, none named like a VBA
    project, ActiveX, embedding, macro sheet, external link, connection,
    query table or custom UI;
  - every XML part parses and has no DOCTYPE;
  - every .rels: no TargetMode="External", every target is a member;
  - every r:id-like attribute in a part names a relationship of that part;
  - Word parts: no field instruction beginning with DDE or DDEAUTO;
  - workbook: no <sheet> pointing to a macro or dialog sheet.

Usage: ooxml_inspect.py FILE...   prints "FILE: problem" lines, exit 1 if any.
"""
import posixpath
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL_NS = ("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}",
          "{http://purl.oclc.org/ooxml/officeDocument/relationships}")
W_NS = ("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}",
        "{http://purl.oclc.org/ooxml/wordprocessingml/main}")
BAD_TYPES = re.compile(r"macroEnabled|vbaProject|vbaData|activeX|oleObject|macrosheet|"
                       r"dialogsheet|externalLink|connections|queryTable|customUI|"
                       r"keyMapCustomizations|webextension", re.I)
BAD_NAMES = re.compile(r"(^|/)(vbaProject[^/]*\.bin|vbaData\.xml|activeX/|embeddings/|"
                       r"macrosheets/|intlMacrosheets/|dialogsheets/|externalLinks/|"
                       r"connections\.xml|queryTables/|oleObject[^/]*)|^customUI", re.I)


def rels_source(name):
    d, b = posixpath.split(name)
    if not d.endswith("_rels") or not b.endswith(".rels"):
        return None
    return posixpath.join(posixpath.dirname(d), b[:-5]) if b != ".rels" else ""


def inspect(path):
    problems = []
    try:
        z = zipfile.ZipFile(path)
    except Exception as e:  # noqa: BLE001
        return ["not a readable zip: %s" % e]
    with z:
        bad = z.testzip()
        if bad is not None:
            problems.append("CRC error in %s" % bad)
        names = [i.filename for i in z.infolist() if not i.filename.endswith("/")]
        lower = {}
        for n in names:
            if n.lower() in lower:
                problems.append("duplicate member %s" % n)
            lower[n.lower()] = n
        if "[Content_Types].xml" not in names:
            return problems + ["no [Content_Types].xml"]
        data = {n: z.read(n) for n in names}
    ct = ET.fromstring(data["[Content_Types].xml"])
    defaults, overrides = {}, {}
    for e in ct:
        t = e.get("ContentType", "")
        if BAD_TYPES.search(t):
            problems.append("content type %s" % t)
        if e.tag == CT_NS + "Default":
            defaults[e.get("Extension", "").lower()] = t
        elif e.tag == CT_NS + "Override":
            overrides[e.get("PartName", "").lower()] = t
    types = {}
    for n in names:
        if n == "[Content_Types].xml":
            continue
        t = overrides.get("/" + n.lower()) or defaults.get(n.rsplit(".", 1)[-1].lower())
        if t is None:
            problems.append("%s has no content type" % n)
        types[n] = t or ""
        if data[n][:8] == OLE2:
            problems.append("%s starts with the OLE2 signature" % n)
        if BAD_NAMES.search(n):
            problems.append("member %s" % n)
    trees = {}
    for n in names:
        if n.endswith((".xml", ".rels", ".vml")) or types.get(n, "").endswith("xml"):
            if b"<!DOCTYPE" in data[n][:4096]:
                problems.append("%s has a DOCTYPE" % n)
            try:
                trees[n] = ET.fromstring(data[n])
            except ET.ParseError as e:
                problems.append("%s does not parse: %s" % (n, e))
    rel_ids = {}
    for n, root in trees.items():
        src = rels_source(n)
        if src is None:
            continue
        ids = set()
        for rel in root.iter(PKG_REL + "Relationship"):
            ids.add(rel.get("Id"))
            if (rel.get("TargetMode") or "Internal").lower() != "internal":
                problems.append("%s: external relationship %s -> %s" %
                                (n, rel.get("Type", "").rsplit("/", 1)[-1], rel.get("Target")))
                continue
            tgt = rel.get("Target", "").split("#")[0]
            if tgt.startswith("/"):
                full = tgt[1:]
            else:
                full = posixpath.normpath(posixpath.join(posixpath.dirname(src), tgt))
            if full.lower() not in lower:
                problems.append("%s: relationship %s to missing %s" % (n, rel.get("Id"), full))
        rel_ids[src] = ids
    for n, root in trees.items():
        if rels_source(n) is not None:
            continue
        ids = rel_ids.get(n, set())
        for e in root.iter():
            for k, v in e.attrib.items():
                if k.startswith(REL_NS) and v and v not in ids:
                    problems.append("%s: %s=%s names no relationship" % (n, k.split("}")[1], v))
        if "wordprocessingml" in types.get(n, ""):
            for e in root.iter():
                instr = None
                if e.tag in (W_NS[0] + "instrText", W_NS[1] + "instrText"):
                    instr = e.text or ""
                elif e.tag in (W_NS[0] + "fldSimple", W_NS[1] + "fldSimple"):
                    instr = e.get(W_NS[0][1:-1] and "{%s}instr" % W_NS[0][1:-1]) or \
                        e.get("{%s}instr" % W_NS[1][1:-1]) or ""
                if instr is not None and re.match(r"\s*DDE(AUTO)?\b", instr, re.I):
                    problems.append("%s: DDE field %r" % (n, instr[:40]))
    return problems


def main(argv):
    bad = 0
    for f in argv[1:]:
        for p in inspect(f):
            print("%s: %s" % (f, p))
            bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv))
