"""harness_ws.py - the RFC 6455 side of harness.py: one server-side
websocket connection (frames, fragmentation, ping/pong, the close
handshake), each event recorded through the FakeServer that owns it.
harness.py re-exports everything here; a fake imports harness only.
"""

import asyncio
import json
import struct

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10
MAX_MESSAGE = 16 * 1024 * 1024


def jdump(obj):
    """Compact JSON text."""
    return json.dumps(obj, separators=(",", ":"))


class ProtocolError(Exception):
    """The peer broke RFC 6455; carries the close code to answer with."""

    def __init__(self, code, what):
        super().__init__(what)
        self.code = code
        self.what = what


def unmask(data, key):
    n = len(data)
    if n == 0:
        return data
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")


def ws_frame(opcode, payload, fin=True):
    """A server frame (never masked, RFC 6455 5.1)."""
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", b0, n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, 126, n)
    else:
        head = struct.pack("!BBQ", b0, 127, n)
    return head + payload


class WebSocket:
    """One server-side websocket connection.  A fake subclasses it to add
    meaning to messages (override on_message, sent_fields, on_closed)."""

    def __init__(self, server, conn, reader, writer, req):
        self.server = server
        self.conn = conn                # 1, 2, ... in order of opening
        self.reader = reader
        self.writer = writer
        self.req = req
        self.closed = False
        self.close_sent = False
        self.deaf = False               # read and drop everything (a dead link)

    def rec(self, kind, **fields):
        return self.server.rec.add(kind, conn=self.conn, **fields)

    # sending
    async def send_raw(self, data):
        if self.closed:
            return False
        try:
            self.writer.write(data)
            await self.writer.drain()
            return True
        except (ConnectionError, OSError):
            self.closed = True
            return False

    async def send_text(self, text, fragments=1, ping_between=False, opcode=OP_TEXT):
        """text (str or bytes) as one message, in fragments frames; with
        ping_between a ping goes between fragments (RFC 6455 5.4 allows it)."""
        data = text.encode("utf-8") if isinstance(text, str) else text
        fragments = max(1, min(int(fragments), max(1, len(data))))
        if fragments == 1:
            return await self.send_raw(ws_frame(opcode, data))
        size = (len(data) + fragments - 1) // fragments
        chunks = [data[i:i + size] for i in range(0, len(data), size)]
        ok = True
        for i, chunk in enumerate(chunks):
            op = opcode if i == 0 else OP_CONT
            ok = await self.send_raw(ws_frame(op, chunk, fin=(i == len(chunks) - 1))) and ok
            if ping_between and i < len(chunks) - 1:
                ok = await self.send_raw(ws_frame(OP_PING, b"mid-message")) and ok
                self.rec("ping", dir="out", data="mid-message")
        return ok

    def sent_fields(self, obj):
        """Extra fields for the "sent" record of a JSON message."""
        return {"type": obj.get("type") if isinstance(obj, dict) else None}

    async def send_json(self, obj, fragments=1, ping_between=False):
        text = jdump(obj)
        ok = await self.send_text(text, fragments, ping_between)
        self.rec("sent", fragments=fragments, bytes=len(text), ok=ok, **self.sent_fields(obj))
        return ok

    async def ping(self, data):
        data = str(data).encode()[:125]
        await self.send_raw(ws_frame(OP_PING, data))
        self.rec("ping", dir="out", data=data.decode("utf-8", "replace"))

    async def close(self, code=1000, reason=""):
        """The close handshake: our Close, up to 2 s for theirs, then TCP close."""
        if not self.closed and not self.close_sent:
            self.close_sent = True
            await self.send_raw(ws_frame(OP_CLOSE, struct.pack("!H", code) + reason.encode()))
            self.rec("ws_close", by="server", code=code, clean=True)
            for _ in range(200):
                if self.closed:
                    break
                await asyncio.sleep(0.01)
        self.abort()

    def abort(self):
        """Drops the TCP connection at once (no close frame)."""
        self.closed = True
        try:
            self.writer.transport.abort()
        except Exception:  # noqa: BLE001 - already gone
            pass

    # receiving
    async def read_frame(self):
        head = await self.reader.readexactly(2)
        b0, b1 = head[0], head[1]
        fin = bool(b0 & 0x80)
        if b0 & 0x70:
            raise ProtocolError(1002, "RSV bits set without a negotiated extension")
        opcode = b0 & 0x0F
        masked = bool(b1 & 0x80)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", await self.reader.readexactly(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", await self.reader.readexactly(8))[0]
        if opcode >= 8 and (n > 125 or not fin):
            raise ProtocolError(1002, "control frame fragmented or over 125 bytes")
        if opcode not in (OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG):
            raise ProtocolError(1002, "reserved opcode %d" % opcode)
        if not masked:
            raise ProtocolError(1002, "client frame not masked (RFC 6455 5.1)")
        if n > MAX_MESSAGE:
            raise ProtocolError(1009, "frame too big")
        key = await self.reader.readexactly(4)
        payload = unmask(await self.reader.readexactly(n), key)
        return fin, opcode, payload

    async def reader_loop(self):
        message = None
        message_op = None
        try:
            while not self.closed:
                fin, opcode, payload = await self.read_frame()
                if self.deaf:
                    continue
                if opcode == OP_PING:
                    self.rec("ping", dir="in", data=payload.decode("utf-8", "replace"))
                    await self.send_raw(ws_frame(OP_PONG, payload))
                    continue
                if opcode == OP_PONG:
                    self.rec("pong", dir="in", data=payload.decode("utf-8", "replace"))
                    continue
                if opcode == OP_CLOSE:
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                    if not self.close_sent:
                        self.rec("ws_close", by="client", code=code, clean=True)
                        self.close_sent = True
                        await self.send_raw(ws_frame(OP_CLOSE, payload[:2]))
                    self.closed = True
                    break
                if opcode == OP_CONT:
                    if message is None:
                        raise ProtocolError(1002, "continuation frame without a message")
                    message += payload
                else:
                    if message is not None:
                        raise ProtocolError(1002, "new message inside a fragmented one")
                    message, message_op = payload, opcode
                if len(message) > MAX_MESSAGE:
                    raise ProtocolError(1009, "message too big")
                if fin:
                    data, op = message, message_op
                    message = None
                    self.on_message(op, data)
        except ProtocolError as e:
            self.server.violation(e.what, conn=self.conn)
            if not self.close_sent:
                self.close_sent = True
                await self.send_raw(ws_frame(OP_CLOSE, struct.pack("!H", e.code)))
                self.rec("ws_close", by="server", code=e.code, clean=True)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            if not self.closed:
                self.rec("ws_close", by="client", code=None, clean=False)
        finally:
            self.abort()
            self.on_closed()

    def on_message(self, op, data):
        """A complete message from govbot.  The default: text must be UTF-8
        JSON (else a violation), recorded as ws_text; a subclass calls
        self.parse_message(op, data) and gives meaning to the object."""
        obj = self.parse_message(op, data)
        if obj is not None:
            self.rec("ws_text", text=data.decode("utf-8"))

    def parse_message(self, op, data):
        """The JSON value of a text message, or None after recording why not."""
        if op == OP_BINARY:
            self.server.violation("binary frame from govbot", conn=self.conn)
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            self.server.violation("text frame is not UTF-8", conn=self.conn)
            return None
        try:
            return json.loads(text)
        except ValueError:
            self.server.violation("text frame is not JSON: %.80s" % text, conn=self.conn)
            return None

    def on_closed(self):
        """Called once the connection is gone, whoever ended it."""
