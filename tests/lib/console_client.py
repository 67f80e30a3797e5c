"""console_client - what the console's tests share: a TOTP code (RFC 6238,
SHA-1, 30 s, 6 digits), each account's steps used once, and an HTTPS client
with one session cookie that follows no redirect (tests/console/run,
tests/outbound/console_holds)."""
import base64
import hashlib
import hmac
import http.client
import re
import ssl
import struct
import time
import urllib.parse


def totp(secret, step):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    h = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    o = h[-1] & 15
    return "%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000)


class Codes:
    """Each account's TOTP steps, each used once, as the server wants."""

    def __init__(self):
        self.last = {}

    def next(self, user, secret):
        now = int(time.time()) // 30
        step = max(now - 1, self.last.get(user, -1) + 1)
        while step > now + 1:           # no unused step in the window yet
            time.sleep(1)
            now = int(time.time()) // 30
        self.last[user] = step
        return totp(secret, step)


class Browser:
    """HTTPS with a cookie jar of one session cookie, no redirects followed."""

    def __init__(self, port):
        self.port = port
        self.ctx = ssl.create_default_context()
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE
        self.cookie = None

    def req(self, method, path, form=None, headers=None, raw_body=None):
        c = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=30)
        h = dict(headers or {})
        body = raw_body
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookie and "Cookie" not in h:
            h["Cookie"] = self.cookie
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie" and v.startswith("__Host-sk_session="):
                self.cookie = v.split(";")[0]
        c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

    def login(self, name, pw, code):
        return self.req("POST", "/login", {"user": name, "password": pw, "totp": code})

    def csrf(self, path):
        _, _, page = self.req("GET", path)
        m = re.search(rb'name="csrf" value="([0-9a-f]+)"', page)
        return m.group(1).decode() if m else ""
