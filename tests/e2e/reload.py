#!/usr/bin/env python3
"""A reload (SIGHUP to sekishod's master) in the middle of an SMTP
transaction must not drop it: the session's DATA still gets 250.

usage: reload.py PORT MASTER_PID
"""
import os
import smtplib
import sys
import time

s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
s.ehlo("e2e")
s.mail("a@e2e.sekisho.test")
s.rcpt("staff@town.example.lg.jp")
os.kill(int(sys.argv[2]), 1)
time.sleep(1)
code, _ = s.data(b"Message-ID: <e2e-reload@sekisho.test>\r\nSubject: reload\r\n\r\nhello\r\n")
s.quit()
print(f"e2e reload: DATA answered {code} across a SIGHUP reload")
sys.exit(0 if code == 250 else 1)
