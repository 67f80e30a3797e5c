#!/usr/bin/env python3
"""bench/console_load_fill.py - N quarantined items written straight into a
store's metadata database, for bench/console_load (no mail is sent).

  console_load_fill.py sqlite DB N STAFF   rows into the SQLite database DB
                                           (made by sekishod: schema 5), in
                                           one transaction
  console_load_fill.py copy N STAFF        the same rows as a psql script on
                                           stdout: COPY items and COPY
                                           item_recipients FROM STDIN

The rows are those of src/store/store.c's schema (store_schema[]): items with
a receipt id SK-YYYYMMDD-<16 hex>, received over the last 365 days (oldest
first, as they arrived), a small valid receipt (sekisho.receipt/1) naming one
to three attachments, 80 % sanitized and 20 % withheld, a sender, ONE
recipient of STAFF addresses staffNNNN@town.example.lg.jp (round robin: each
has N/STAFF items), a Japanese subject, state 'held', expiring in ten years;
and each item's item_recipients row (the address lower-cased).  No blob is
written: the list and the item page do not read originals.  Deterministic
(seeded); ids are random hex, so unique.
"""
import json
import random
import sqlite3
import sys
import time

SUBJECTS = ["見積書の送付について", "【至急】会議資料のご確認", "請求書（{m}月分）", "議事録の共有",
            "住民説明会の日程調整", "委託業務の報告書", "入札参加資格の申請書類", "契約書（案）の確認依頼",
            "防災訓練の実施について", "補助金交付申請の件", "RE: 打合せの件", "FW: 研修のご案内",
            "予算要求資料の提出", "イベント協賛のお願い", "システム更新のお知らせ"]
SENDERS = ["tanaka@example.co.jp", "info@kensetsu-example.jp", "sato.h@consult.example.com",
           "office@kyoukai.example.or.jp", "yamada@example.ne.jp", "billing@vendor.example.com",
           "noreply@service.example.jp", "suzuki@shouten.example.jp"]
FILES = [("見積書.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
         ("資料.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
         ("請求書.pdf", "application/pdf"), ("写真.jpg", "image/jpeg"),
         ("申請書類.zip", "application/zip"), ("setup.exe", "application/x-dosexec"),
         ("旧様式.xls", "application/vnd.ms-excel")]
PART_REASONS = ["unsupported-format", "encrypted", "type-mismatch", "malformed",
                "unsupported-type"]
WITHHELD = ["ambiguous-structure", "parse-failed", "message_size_limit"]
YEAR = 365 * 86400


def rows(n, staff):
    rng = random.Random(20261207)
    now = int(time.time())
    start = now - YEAR
    expires = now + 10 * YEAR
    step = YEAR / n
    for i in range(n):
        at = start + int(i * step) + rng.randrange(max(1, int(step)))
        day = time.strftime("%Y%m%d", time.gmtime(at))
        rid = "SK-%s-%016x" % (day, rng.getrandbits(64))
        rcpt = "staff%04d@town.example.lg.jp" % (i % staff)
        sender = rng.choice(SENDERS)
        subject = rng.choice(SUBJECTS).format(m=1 + i % 12) + " No.%d" % (i % 9973)
        sha = "%064x" % rng.getrandbits(256)
        size = rng.randrange(2000, 3000000)
        withheld = rng.random() < 0.2
        reason = rng.choice(WITHHELD) if withheld else None
        parts = []
        for k in range(1 + rng.randrange(3)):
            name, ctype = rng.choice(FILES)
            parts.append({"path": str(2 + k), "filename": name,
                          "action": "withheld" if withheld else "removed",
                          "reason": reason if withheld else rng.choice(PART_REASONS),
                          "detected_type": ctype, "bytes": rng.randrange(1000, size)})
        receipt = json.dumps({
            "schema": "sekisho.receipt/1", "id": rid,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at)), "kind": "mail",
            "verdict": "withheld" if withheld else "sanitized", "reason": reason,
            "detail": None,
            "input": {"sha256": sha, "bytes": size, "message_id": None, "from": sender,
                      "to": rcpt, "subject": subject},
            "output": None, "parts": parts, "anomalies": [], "limits_hit": [],
            "policy": {"digest": "0" * 64}}, ensure_ascii=False, separators=(",", ":"))
        yield (rid, at, sha, size, "withheld" if withheld else "sanitized", reason, sender,
               rcpt, subject, receipt, "%016x" % rng.getrandbits(64), "held", None, None,
               expires)


COLS = ("receipt_id, received_at, sha256, bytes, verdict, reason, sender, recipients, subject, "
        "receipt_json, key_id, state, released_at, released_by, expires_at")


def fill_sqlite(path, n, staff):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = DELETE")     # one big transaction: no WAL
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -1048576")     # 1 GiB
    db.execute("BEGIN")
    batch = []
    for r in rows(n, staff):
        batch.append(r)
        if len(batch) == 50000:
            flush(db, batch)
            batch = []
    flush(db, batch)
    db.execute("COMMIT")
    db.execute("PRAGMA journal_mode = WAL")        # as the store keeps it
    db.close()


def flush(db, batch):
    db.executemany("INSERT INTO items (%s) VALUES (%s)" % (COLS, ",".join("?" * 15)), batch)
    db.executemany("INSERT INTO item_recipients (address, received_at, receipt_id) "
                   "VALUES (?, ?, ?)", [(r[7].lower(), r[1], r[0]) for r in batch])


def copy_text(v):
    if v is None:
        return "\\N"
    s = str(v)
    if any(c in s for c in "\\\t\n\r"):
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


def fill_copy(n, staff):
    out = sys.stdout
    out.write("\\set ON_ERROR_STOP on\nBEGIN;\nCOPY items (%s) FROM STDIN;\n" % COLS)
    index = []
    for r in rows(n, staff):
        out.write("\t".join(copy_text(v) for v in r) + "\n")
        index.append("%s\t%d\t%s\n" % (r[7].lower(), r[1], r[0]))
    out.write("\\.\nCOPY item_recipients (address, received_at, receipt_id) FROM STDIN;\n")
    out.writelines(index)
    out.write("\\.\nCOMMIT;\n")


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "sqlite":
        fill_sqlite(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif len(sys.argv) == 4 and sys.argv[1] == "copy":
        fill_copy(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
