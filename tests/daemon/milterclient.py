"""A minimal Postfix-side milter client (the Sendmail milter protocol, version
6), for tests that talk to sekishod's milter without a Postfix: negotiate,
send one message step by step (every step answered: no SMFIP_NR_* flags are
offered), and collect what the milter asks at the end of the message."""
import socket
import struct

ACTIONS = 0x01 | 0x02 | 0x10          # ADDHDRS, CHGBODY, CHGHDRS
PROTOCOL = 0x100                       # SMFIP_NOUNKNOWN


class Milter:
    def __init__(self, host, port, timeout=120):
        self.s = socket.create_connection((host, port), timeout)
        self.buf = b""

    def send(self, cmd, data=b""):
        self.s.sendall(struct.pack(">I", len(data) + 1) + cmd + data)

    def recv(self):
        while len(self.buf) < 4 or len(self.buf) < 4 + struct.unpack(">I", self.buf[:4])[0]:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("the milter closed the connection")
            self.buf += chunk
        n = struct.unpack(">I", self.buf[:4])[0]
        pkt, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
        return pkt[:1], pkt[1:]

    def step(self, cmd, data=b""):
        self.send(cmd, data)
        while True:
            c, d = self.recv()
            if c != b"p":               # progress: keep waiting
                return c, d

    def message(self, sender, rcpt, headers, body, client="127.0.0.1", helo="client.test"):
        """Returns (final answer, [(op, data)...] modifications)."""
        self.send(b"O", struct.pack(">III", 6, ACTIONS, PROTOCOL))
        c, _ = self.recv()
        assert c == b"O", c
        for cmd, data in ((b"C", b"client\0" + b"4" + struct.pack(">H", 25) +
                           client.encode() + b"\0"),
                          (b"H", helo.encode() + b"\0"),
                          (b"M", f"<{sender}>".encode() + b"\0"),
                          (b"R", f"<{rcpt}>".encode() + b"\0"),
                          (b"T", b"")):
            c, _ = self.step(cmd, data)
            if c != b"c":
                return c, []
        for name, value in headers:
            c, _ = self.step(b"L", name.encode() + b"\0" + value.encode() + b"\0")
            if c != b"c":
                return c, []
        c, _ = self.step(b"N")
        for i in range(0, len(body), 65535):
            c, _ = self.step(b"B", body[i:i + 65535])
            if c != b"c":
                return c, []
        self.send(b"E")
        mods = []
        while True:
            c, d = self.recv()
            if c in (b"h", b"i", b"m", b"b", b"e", b"+", b"-", b"2"):
                mods.append((c, d))
                continue
            if c == b"p":
                continue
            self.send(b"Q")
            return c, mods

    def close(self):
        self.s.close()
