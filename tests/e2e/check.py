#!/usr/bin/env python3
"""Account for every message an end-to-end run handed over.

Every number in ACKED must end up either delivered sanitised (a message in
the Maildir with its Message-ID, made by sekisho: one text/plain part with
X-Sekisho-Sanitized, alone or first in a multipart/mixed of sanitised
attachments, and no header field but those sekisho writes and the trace
fields the hops after it add: so none of the original's is left, which
matters for the milter, which edits the original header in place) or withheld (a receipt in the audit journal with that
Message-ID and verdict "withheld").  Anything else is lost; a delivered
message that is not sekisho's output is unsanitised.  Prints one line:

  e2e NAME: N sent, D delivered sanitised, W withheld, L lost, U unsanitised[, K duplicates]

and exits 1 if anything was lost or delivered unsanitised, or if nothing was
handed over at all.

usage: check.py NAME TAG ACKED MAILDIR JOURNAL
"""
import email
import email.policy
import json
import os
import re
import sys

name, tag, acked_path, maildir, journal = sys.argv[1:6]
# src/mime/sanitize.c (kept) and compose.c; Return-Path, Delivered-To and
# Received come from Postfix and Dovecot after sekisho (Postfix adds its own
# after the milter), and through the built-in listener the sanitised message
# keeps sekishod's own Received field (the first): at most two, and the corpus
# messages' own Received fields must be gone.
SANITISED_FIELDS = {"date", "from", "to", "cc", "reply-to", "subject", "message-id",
                    "in-reply-to", "references", "x-sekisho-sanitized", "mime-version",
                    "content-type", "content-transfer-encoding"}
TRACE_MAX = {"return-path": 1, "delivered-to": 1, "received": 2}
acked = {int(l) for l in open(acked_path) if l.strip()}
pat = re.compile(r"<e2e-%s-(\d+)@sekisho\.test>" % re.escape(tag))

delivered, unsanitised, dups = set(), set(), 0
for sub in ("new", "cur"):
    d = os.path.join(maildir, sub)
    if not os.path.isdir(d):
        continue
    for f in os.listdir(d):
        raw = open(os.path.join(d, f), "rb").read()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        m = pat.search(str(msg.get("Message-ID", "")))
        if not m:
            continue
        n = int(m.group(1))
        first = next(msg.iter_parts()) if msg.get_content_type() == "multipart/mixed" else msg
        names = [k.lower() for k in msg.keys()]
        ok = (msg.get("X-Sekisho-Sanitized", "").startswith("SK-")
              and not first.is_multipart() and first.get_content_type() == "text/plain"
              and all(k in SANITISED_FIELDS or k in TRACE_MAX for k in names)
              and all(names.count(k) <= TRACE_MAX[k] for k in TRACE_MAX)
              and all(names.count(k) <= 1 for k in SANITISED_FIELDS)
              and (not name.startswith("relay") or
                   any("(sekisho) with ESMTP" in " ".join(str(r).split())
                       for r in msg.get_all("Received") or [])))
        if not ok:
            unsanitised.add(n)
        if n in delivered:
            dups += 1
        delivered.add(n)

# every receipt names the client and its HELO (the listener: 127.0.0.1 and the
# load client's EHLO name; the milter: what Postfix reported)
want_proto = "milter" if name == "postfix" else "LMTP" if name == "lmtp" else "ESMTP"
withheld, no_envelope = set(), set()
if os.path.exists(journal):
    for line in open(journal, encoding="utf-8"):
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        r = rec.get("receipt", {})
        m = pat.search(str((r.get("input") or {}).get("message_id") or ""))
        if m and r.get("verdict") == "withheld":
            withheld.add(int(m.group(1)))
        env = (r.get("input") or {}).get("envelope") or {}
        if m and r.get("verdict") == "sanitized" and not (
                env.get("protocol") == want_proto and env.get("client") == "127.0.0.1" and
                env.get("helo") in ("e2e.sekisho.test", "e2e")):
            no_envelope.add(int(m.group(1)))

delivered_ok = (delivered - unsanitised) & acked
withheld_only = (withheld - delivered) & acked
lost = acked - delivered - withheld
extra = f", {dups} duplicates" if dups else ""
print(f"e2e {name}: {len(acked)} sent, {len(delivered_ok)} delivered sanitised, "
      f"{len(withheld_only)} withheld, {len(lost)} lost, {len(unsanitised)} unsanitised{extra}")
if lost:
    print(f"   lost: {sorted(lost)[:20]}")
if not acked:
    print("   nothing was handed over: the run proves nothing")
if no_envelope:
    print(f"   {len(no_envelope)} receipt(s) without the client address and HELO "
          f"({want_proto}): {sorted(no_envelope)[:10]}")
sys.exit(1 if lost or unsanitised or not acked or no_envelope else 0)
