#!/usr/bin/env python3
"""Loopback Slack: Socket Mode websocket server and Web API on 127.0.0.1.

Python 3 standard library only.  The websocket side is written here from
RFC 6455 (handshake, masking, fragmentation, ping/pong, close), so the test
controls every byte Slack would send, including the bad ones.

Usage:
  slack_server.py [--scenario FILE] [--log FILE] [--timeout SECONDS]
                  [--app-token xapp-...] [--bot-token xoxb-...]
                  [--fixtures DIR] [--port N] [--ignore-stdin]

Prints "PORT N" as its first stdout line once it listens.  Exits after
--timeout seconds (default 60), on POST /control/shutdown, or when stdin
reaches end of file (unless --ignore-stdin).

HTTP endpoints (HTTP/1.1, keep-alive):
  POST /api/apps.connections.open   Bearer app token -> {"ok":true,"url":"ws://.../link/?ticket=N&app_id=A111"}
  POST /api/auth.test               Bearer bot token -> {"ok":true,"user_id":"U111","bot_id":"B111",...}
  POST /api/chat.postMessage        Bearer bot token, JSON body -> fixture-shaped answer
  POST /api/<other method>          recorded, {"ok":false,"error":"unknown_method"}
  POST /response_url/...            a slash command's response_url; recorded, answers "ok"
  GET  /control/log                 every record so far, as a JSON array
  POST /control/scenario            replaces the scenario (JSON body, same form as --scenario)
  POST /control/shutdown            exits
  GET  /link/?ticket=N              the Socket Mode websocket (single-use ticket)

The scenario (JSON):
  {"api": {"apps.connections.open": [RESP...], "chat.postMessage": [RESP...]},
   "links": [[STEP...], [STEP...], ...]}
"api" lists scripted answers per method, used one per call, in order; after
they run out the method answers normally.  RESP is one of
  {"status": 429, "retry_after": 1}   {"status": 503}
  {"ok": false, "error": "invalid_auth"}   (HTTP 200, Slack's error form)
  {"delay": 0.5}                      answer normally after a pause
"redeliver" (default true): like Slack, an events_api envelope that a
closed link left unacked is sent again (same event_id, retry_attempt + 1)
on the newest live link, or on the next one once it said hello.
"links"[i] is what the (i+1)-th websocket connection does; later
connections only get "hello".  STEP is one of
  {"send": "FIXTURE.json", "set": {"dotted.path": VALUE, ...},
   "fragments": N, "ping_between": true}    a fixture, edited; "{BASE}" in a
                                            string value becomes http://127.0.0.1:PORT
  {"raw": "TEXT", "fragments": N}           any text frame (malformed JSON...)
  {"binary": "TEXT"}                        a binary frame
  {"big": BYTES, "set": {...}}              an events_api envelope about BYTES long
  {"disconnect": "refresh_requested"|"warning"|"link_disabled"|"too_many_websockets"}
  {"wait_ack": "ENVELOPE_ID", "timeout": S} {"wait_acks": true, "timeout": S}
  {"wait_link": N, "timeout": S}            until connection N said hello
  {"wait_http": "chat.postMessage", "count": N, "timeout": S}
  {"sleep": S}   {"ping": "DATA"}   {"mark": "LABEL"}
  {"close": CODE}                            close handshake, then TCP close
  {"kill": true}                             drop TCP at once, no close frame
  {"deaf": true}                             stop answering anything (dead link)

Records (JSON lines in --log, and GET /control/log), each with "t"
(seconds since start) and "kind":
  http      {method, path, api, auth, content_type, body (parsed JSON or text), status, error}
  ws_open   {conn, ticket}          ws_hello {conn}
  sent      {conn, envelope_id, type, fragments}   a frame the server sent
  ack       {conn, envelope_id, payload, delivered_on}
  ws_text   {conn, text}           any other text frame govbot sent
  ping/pong {conn, dir, data}
  ws_close  {conn, by, code, clean}
  wait_timeout {conn, step}        a scenario wait that ran out
  violation {conn?, what}          govbot broke the protocol
  mark      {conn, label}
  redeliver_queued / redelivered {conn, envelope_id}
"""

import argparse
import asyncio
import base64
import copy
import hashlib
import json
import os
import struct
import sys
import threading
import time
import urllib.parse

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10
MAX_MESSAGE = 16 * 1024 * 1024
MAX_HEADER = 64 * 1024
FATAL_ERRORS = ("not_authed", "invalid_auth", "account_inactive",
                "user_removed_from_team", "team_disabled")


class ProtocolError(Exception):
    """The peer broke RFC 6455; carries the close code to send."""

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


def frame(opcode, payload, fin=True):
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


def set_path(obj, path, value):
    parts = path.split(".")
    for p in parts[:-1]:
        if isinstance(obj, list):
            obj = obj[int(p)]
        else:
            obj = obj.setdefault(p, {})
    last = parts[-1]
    if isinstance(obj, list):
        obj[int(last)] = value
    else:
        obj[last] = value


def substitute(value, base):
    if isinstance(value, str):
        return value.replace("{BASE}", base)
    if isinstance(value, list):
        return [substitute(v, base) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, base) for k, v in value.items()}
    return value


class Recorder:
    def __init__(self, path):
        self.start = time.monotonic()
        self.records = []
        self.file = open(path, "a", encoding="utf-8") if path else None

    def add(self, kind, **fields):
        rec = {"t": round(time.monotonic() - self.start, 6), "kind": kind}
        rec.update(fields)
        self.records.append(rec)
        if self.file:
            self.file.write(json.dumps(rec, separators=(",", ":")) + "\n")
            self.file.flush()
        return rec


class Link:
    """One Socket Mode websocket connection, server side."""

    def __init__(self, server, conn, reader, writer):
        self.server = server
        self.conn = conn
        self.reader = reader
        self.writer = writer
        self.sent_envelopes = {}   # envelope_id -> times sent on this link
        self.sent_objs = {}        # envelope_id -> the envelope (for redelivery)
        self.acked = {}            # envelope_id -> times acked on this link
        self.closed = False
        self.close_sent = False
        self.deaf = False
        self.hello_sent = False

    def rec(self, kind, **fields):
        return self.server.rec.add(kind, conn=self.conn, **fields)

    # ---- sending ------------------------------------------------------
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
        data = text.encode("utf-8") if isinstance(text, str) else text
        fragments = max(1, min(int(fragments), max(1, len(data))))
        if fragments == 1:
            return await self.send_raw(frame(opcode, data))
        size = (len(data) + fragments - 1) // fragments
        chunks = [data[i:i + size] for i in range(0, len(data), size)]
        ok = True
        for i, chunk in enumerate(chunks):
            op = opcode if i == 0 else OP_CONT
            ok = await self.send_raw(frame(op, chunk, fin=(i == len(chunks) - 1))) and ok
            if ping_between and i < len(chunks) - 1:
                # Control frames may be interleaved with fragments (RFC 6455 5.4).
                ok = await self.send_raw(frame(OP_PING, b"mid-message")) and ok
                self.rec("ping", dir="out", data="mid-message")
        return ok

    async def send_json(self, obj, fragments=1, ping_between=False):
        text = json.dumps(obj, separators=(",", ":"))
        env = obj.get("envelope_id") if isinstance(obj, dict) else None
        if env:
            self.sent_envelopes[env] = self.sent_envelopes.get(env, 0) + 1
            self.sent_objs[env] = obj
            self.server.delivered.setdefault(env, []).append(self.conn)
        ok = await self.send_text(text, fragments, ping_between)
        self.rec("sent", envelope_id=env, type=obj.get("type") if isinstance(obj, dict) else None,
                 reason=obj.get("reason") if isinstance(obj, dict) else None,
                 fragments=fragments, bytes=len(text), ok=ok)
        return ok

    async def close(self, code=1000, reason=""):
        if not self.closed and not self.close_sent:
            self.close_sent = True
            await self.send_raw(frame(OP_CLOSE, struct.pack("!H", code) + reason.encode()))
            self.rec("ws_close", by="server", code=code, clean=True)
            # Wait for the client's close frame; the reader loop ends the TCP.
            for _ in range(200):
                if self.closed:
                    break
                await asyncio.sleep(0.01)
        self.abort()

    def abort(self):
        if not self.closed:
            self.closed = True
        try:
            self.writer.transport.abort()
        except Exception:  # noqa: BLE001 - already gone
            pass

    # ---- receiving ----------------------------------------------------
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
                    await self.send_raw(frame(OP_PONG, payload))
                    continue
                if opcode == OP_PONG:
                    self.rec("pong", dir="in", data=payload.decode("utf-8", "replace"))
                    continue
                if opcode == OP_CLOSE:
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                    if not self.close_sent:
                        self.rec("ws_close", by="client", code=code, clean=True)
                        self.close_sent = True
                        await self.send_raw(frame(OP_CLOSE, payload[:2]))
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
                await self.send_raw(frame(OP_CLOSE, struct.pack("!H", e.code)))
                self.rec("ws_close", by="server", code=e.code, clean=True)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            if not self.closed:
                self.rec("ws_close", by="client", code=None, clean=False)
        finally:
            self.closed = True
            self.abort()
            self.server.redeliver_unacked(self)

    def on_message(self, op, data):
        if op == OP_BINARY:
            self.server.violation("binary frame from govbot", conn=self.conn)
            return
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            self.server.violation("text frame is not UTF-8", conn=self.conn)
            return
        try:
            obj = json.loads(text)
        except ValueError:
            self.server.violation("text frame is not JSON: %.80s" % text, conn=self.conn)
            return
        if isinstance(obj, dict) and "envelope_id" in obj:
            env = obj["envelope_id"]
            self.acked[env] = self.acked.get(env, 0) + 1
            delivered = self.server.delivered.get(env, [])
            self.rec("ack", envelope_id=env, payload=obj.get("payload"), delivered_on=delivered)
            if not delivered:
                self.server.violation("ack for an envelope never sent: %s" % env, conn=self.conn)
            elif self.conn not in delivered:
                self.server.violation("ack on another connection than the envelope's: %s" % env,
                                      conn=self.conn)
            elif self.acked[env] > self.sent_envelopes.get(env, 0):
                self.server.violation("envelope acked more often than sent: %s" % env,
                                      conn=self.conn)
            self.server.acks.setdefault(env, 0)
            self.server.acks[env] += 1
            return
        self.rec("ws_text", text=text)

    # ---- scenario -----------------------------------------------------
    async def run_steps(self, steps):
        for step in steps:
            if self.closed and not any(k in step for k in ("send", "sleep", "mark", "wait_link",
                                                             "wait_http", "wait_ack")):
                self.rec("step_skipped", step=step)
                continue
            try:
                await self.step(step)
            except Exception as e:  # noqa: BLE001 - a scenario mistake must be seen
                self.server.rec.add("scenario_error", conn=self.conn, step=step, error=repr(e))
                break
        self.rec("steps_done")

    async def wait_until(self, cond, timeout, step):
        deadline = time.monotonic() + float(timeout)
        while time.monotonic() < deadline:
            if cond():
                return True
            await asyncio.sleep(0.005)
        if cond():
            return True
        self.rec("wait_timeout", step=step)
        return False

    async def step(self, step):
        srv = self.server
        if "send" in step:
            obj = srv.fixture(step["send"])
            for path, value in step.get("set", {}).items():
                set_path(obj, path, substitute(value, srv.base))
            if self.closed:
                if "envelope_id" in obj:
                    # Slack sends an envelope on one of the app's live links.
                    srv.pending.append(obj)
                    self.rec("rerouted", envelope_id=obj["envelope_id"])
                    srv.flush_pending()
                else:
                    self.rec("step_skipped", step=step)
                return
            if obj.get("type") == "hello":
                self.hello_sent = True
            await self.send_json(obj, step.get("fragments", 1), step.get("ping_between", False))
            if obj.get("type") == "hello":
                srv.hellos.append(self.conn)
                self.rec("ws_hello")
                srv.flush_pending()
        elif "raw" in step:
            env = None
            try:
                parsed = json.loads(step["raw"])
                if isinstance(parsed, dict) and isinstance(parsed.get("envelope_id"), str):
                    env = parsed["envelope_id"]
                    self.sent_envelopes[env] = self.sent_envelopes.get(env, 0) + 1
                    srv.delivered.setdefault(env, []).append(self.conn)
            except ValueError:
                pass
            ok = await self.send_text(step["raw"], step.get("fragments", 1))
            self.rec("sent", envelope_id=env, type="raw", bytes=len(step["raw"]), ok=ok)
        elif "binary" in step:
            ok = await self.send_text(step["binary"].encode(), opcode=OP_BINARY)
            self.rec("sent", envelope_id=None, type="binary", ok=ok)
        elif "big" in step:
            obj = srv.fixture("socket_mode_envelope_events_api_message.json")
            obj["envelope_id"] = "big-envelope"
            obj["payload"]["event_id"] = "EvBIG"
            obj["payload"]["event"]["channel_type"] = "im"
            obj["payload"]["event"]["channel"] = "D111"
            obj["payload"]["event"]["text"] = ""
            base_len = len(json.dumps(obj, separators=(",", ":")))
            obj["payload"]["event"]["text"] = "who " + "x" * max(0, int(step["big"]) - base_len - 4)
            for path, value in step.get("set", {}).items():
                set_path(obj, path, substitute(value, srv.base))
            await self.send_json(obj, step.get("fragments", 1))
        elif "disconnect" in step:
            reason = step["disconnect"]
            if reason == "too_many_websockets":
                obj = srv.fixture("socket_mode_disconnect_too_many_websockets.json")
            else:
                # Shape from Slack's Socket Mode implementation page (not in the fixtures).
                obj = {"type": "disconnect", "reason": reason,
                       "debug_info": {"host": "wss-111.slack.com"}}
            await self.send_json(obj)
        elif "wait_ack" in step:
            env = step["wait_ack"]
            await self.wait_until(lambda: srv.acks.get(env, 0) >= step.get("count", 1),
                                  step.get("timeout", 5), step)
        elif "wait_acks" in step:
            await self.wait_until(
                lambda: all(self.acked.get(e, 0) >= n for e, n in self.sent_envelopes.items()),
                step.get("timeout", 5), step)
        elif "wait_link" in step:
            n = int(step["wait_link"])
            await self.wait_until(lambda: n in srv.hellos, step.get("timeout", 10), step)
        elif "wait_http" in step:
            api = step["wait_http"]
            count = step.get("count", 1)
            await self.wait_until(
                lambda: sum(1 for r in srv.rec.records
                            if r["kind"] == "http" and r.get("api") == api) >= count,
                step.get("timeout", 5), step)
        elif "sleep" in step:
            await asyncio.sleep(float(step["sleep"]))
        elif "ping" in step:
            data = str(step["ping"]).encode()[:125]
            await self.send_raw(frame(OP_PING, data))
            self.rec("ping", dir="out", data=data.decode())
        elif "mark" in step:
            self.rec("mark", label=step["mark"])
        elif "close" in step:
            await self.close(int(step["close"]))
        elif "kill" in step:
            self.rec("ws_close", by="server", code=None, clean=False)
            self.abort()
        elif "deaf" in step:
            self.deaf = True
            self.rec("deaf")
        else:
            raise ValueError("unknown step")


class Server:
    def __init__(self, args):
        self.args = args
        self.rec = Recorder(args.log)
        self.scenario = {}
        self.port = None
        self.base = None
        self.next_ticket = 1
        self.tickets = {}        # ticket -> "issued" | "used"
        self.links = []
        self.hellos = []         # connection numbers that got hello
        self.delivered = {}      # envelope_id -> [conn, ...]
        self.acks = {}           # envelope_id -> times acked
        self.api_calls = {}      # method -> calls so far
        self.next_ts = 1
        self.stop = None
        self.fixtures_cache = {}
        self.pending = []        # envelopes waiting for a live link
        self.stopping = False

    def redeliver_unacked(self, link):
        """Like Slack: events_api envelopes a closed link never acked go out
        again, same event_id, retry_attempt + 1, on another open link (or the
        next one to say hello)."""
        if not self.scenario.get("redeliver", True) or self.stopping:
            return
        for env, obj in link.sent_objs.items():
            if obj.get("type") != "events_api" or link.acked.get(env, 0) >= link.sent_envelopes[env]:
                continue
            if self.acks.get(env, 0) >= len(self.delivered.get(env, [])):
                continue
            again = copy.deepcopy(obj)
            again["retry_attempt"] = int(again.get("retry_attempt") or 0) + 1
            again["retry_reason"] = "timeout"
            self.pending.append(again)
            self.rec.add("redeliver_queued", conn=link.conn, envelope_id=env)
        self.flush_pending()

    def flush_pending(self):
        live = [l for l in self.links if not l.closed and l.hello_sent]
        if not live or not self.pending:
            return
        target = live[-1]
        todo, self.pending = self.pending, []
        for obj in todo:
            asyncio.ensure_future(target.send_json(obj))
            target.rec("redelivered", envelope_id=obj.get("envelope_id"))

    def violation(self, what, **fields):
        self.rec.add("violation", what=what, **fields)

    def fixture(self, name):
        if name not in self.fixtures_cache:
            if os.sep in name or name.startswith("."):
                raise ValueError("fixture names are plain file names")
            with open(os.path.join(self.args.fixtures, name), encoding="utf-8") as f:
                self.fixtures_cache[name] = json.load(f)
        return copy.deepcopy(self.fixtures_cache[name])

    def load_scenario(self, obj):
        if not isinstance(obj, dict):
            raise ValueError("a scenario is a JSON object")
        for key in obj:
            if key not in ("name", "api", "links", "comment", "redeliver"):
                raise ValueError("unknown scenario key %r" % key)
        self.scenario = obj
        self.rec.add("scenario", name=obj.get("name"))

    def scripted(self, api):
        """The next scripted answer for this method, or None."""
        n = self.api_calls.get(api, 0)
        self.api_calls[api] = n + 1
        script = self.scenario.get("api", {}).get(api, [])
        return script[n] if n < len(script) else None

    # ---- HTTP ---------------------------------------------------------
    async def handle(self, reader, writer):
        try:
            while True:
                req = await self.read_request(reader, writer)
                if req is None:
                    break
                if req["path"].startswith("/link/") or req["path"] == "/link":
                    await self.websocket(req, reader, writer)
                    return
                status, headers, body = await self.route(req)
                await self.respond(writer, status, headers, body,
                                   keep=req["headers"].get("connection", "").lower() != "close")
                if req["headers"].get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        except ValueError as e:
            self.violation("bad HTTP request: %s" % e)
            try:
                await self.respond(writer, 400, {}, b"bad request\n", keep=False)
            except (ConnectionError, OSError):
                pass
        finally:
            try:
                writer.close()
            except Exception:  # noqa: BLE001
                pass

    async def read_request(self, reader, writer):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as e:
            if e.partial.strip():
                raise ValueError("truncated request head")
            return None
        except asyncio.LimitOverrunError:
            raise ValueError("request head too long")
        lines = head.decode("iso-8859-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise ValueError("bad request line %r" % lines[0])
        headers = {}
        for line in lines[1:]:
            if not line:
                continue
            if ":" not in line:
                raise ValueError("bad header line %r" % line)
            k, v = line.split(":", 1)
            k = k.strip().lower()
            headers[k] = (headers[k] + ", " + v.strip()) if k in headers else v.strip()
        body = b""
        if headers.get("expect", "").lower() == "100-continue":
            # libcurl asks before sending a larger POST body (RFC 9110 10.1.1).
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            await writer.drain()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    break
                body += await reader.readexactly(size)
                await reader.readexactly(2)
                if len(body) > MAX_MESSAGE:
                    raise ValueError("body too big")
        elif "content-length" in headers:
            n = int(headers["content-length"])
            if n > MAX_MESSAGE:
                raise ValueError("body too big")
            body = await reader.readexactly(n)
        url = urllib.parse.urlsplit(parts[1])
        return {"method": parts[0], "target": parts[1], "path": url.path,
                "query": urllib.parse.parse_qs(url.query), "version": parts[2],
                "headers": headers, "body": body}

    async def respond(self, writer, status, headers, body, keep=True):
        reasons = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
                   404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error",
                   503: "Service Unavailable"}
        out = ["HTTP/1.1 %d %s" % (status, reasons.get(status, "Status"))]
        headers = dict(headers)
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
        headers["Content-Length"] = str(len(body))
        headers["Connection"] = "keep-alive" if keep else "close"
        for k, v in headers.items():
            out.append("%s: %s" % (k, v))
        writer.write(("\r\n".join(out) + "\r\n\r\n").encode("iso-8859-1") + body)
        await writer.drain()

    @staticmethod
    def jbody(obj):
        return json.dumps(obj, separators=(",", ":")).encode()

    async def route(self, req):
        path = req["path"]
        if path.startswith("/api/"):
            return await self.api(req, path[len("/api/"):])
        if path.startswith("/response_url/"):
            return self.response_url(req)
        if path == "/control/log" and req["method"] == "GET":
            return 200, {}, self.jbody(self.rec.records)
        if path == "/control/scenario" and req["method"] == "POST":
            try:
                self.load_scenario(json.loads(req["body"]))
            except ValueError as e:
                return 400, {}, self.jbody({"ok": False, "error": str(e)})
            return 200, {}, self.jbody({"ok": True})
        if path == "/control/shutdown" and req["method"] == "POST":
            asyncio.get_running_loop().call_later(0.05, self.stop.set)
            return 200, {}, self.jbody({"ok": True})
        self.rec.add("http", method=req["method"], path=path, status=404)
        return 404, {}, self.jbody({"ok": False, "error": "not_found"})

    def parse_body(self, req):
        ctype = req["headers"].get("content-type", "")
        raw = req["body"]
        if ctype.startswith("application/json"):
            try:
                return json.loads(raw.decode("utf-8")), None
            except (ValueError, UnicodeDecodeError):
                return raw.decode("utf-8", "replace"), "body is not JSON"
        if ctype.startswith("application/x-www-form-urlencoded") or not raw:
            return {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode("utf-8", "replace")).items()}, None
        return raw.decode("utf-8", "replace"), None

    async def api(self, req, method):
        auth = req["headers"].get("authorization", "")
        body, body_err = self.parse_body(req)
        record = {"method": req["method"], "path": req["path"], "api": method,
                  "auth": auth, "content_type": req["headers"].get("content-type"),
                  "body": body}
        want = {"apps.connections.open": self.args.app_token}.get(method, self.args.bot_token)
        kind = "xapp-" if method == "apps.connections.open" else "xoxb-"
        script = self.scripted(method)
        if req["method"] != "POST":
            self.violation("%s called with %s, Slack's Web API wants POST" % (method, req["method"]))
        if body_err:
            self.violation("%s: %s" % (method, body_err))
        if script and script.get("delay"):
            await asyncio.sleep(float(script["delay"]))
        if script and "status" in script and script["status"] != 200:
            headers = {}
            if "retry_after" in script:
                headers["Retry-After"] = str(script["retry_after"])
            status = int(script["status"])
            err = "ratelimited" if status == 429 else "service_unavailable"
            self.rec.add("http", status=status, error=err, **record)
            return status, headers, self.jbody({"ok": False, "error": err})
        if not auth:
            self.violation("%s without an Authorization header" % method)
            self.rec.add("http", status=200, error="not_authed", **record)
            return 200, {}, self.jbody({"ok": False, "error": "not_authed"})
        if auth != "Bearer " + want:
            other = auth.startswith("Bearer " + ("xoxb-" if kind == "xapp-" else "xapp-"))
            self.violation("%s with %s" % (method, "the wrong kind of token" if other
                                           else "a token that is not %s..." % kind))
            self.rec.add("http", status=200, error="invalid_auth", **record)
            return 200, {}, self.jbody({"ok": False, "error": "invalid_auth"})
        if script and script.get("ok") is False:
            self.rec.add("http", status=200, error=script.get("error"), **record)
            return 200, {}, self.jbody({"ok": False, "error": script.get("error", "fatal_error")})
        if method == "apps.connections.open":
            ticket = self.next_ticket
            self.next_ticket += 1
            self.tickets[ticket] = "issued"
            url = "ws://127.0.0.1:%d/link/?ticket=%d&app_id=A111" % (self.port, ticket)
            self.rec.add("http", status=200, ticket=ticket, **record)
            return 200, {}, self.jbody({"ok": True, "url": url})
        if method == "auth.test":
            self.rec.add("http", status=200, **record)
            return 200, {}, self.jbody({
                "ok": True, "url": "https://loopback.slack.test/", "team": "Loopback",
                "user": "govbot", "team_id": "T111", "user_id": "U111", "bot_id": "B111",
                "is_enterprise_install": False})
        if method == "chat.postMessage":
            if not isinstance(body, dict) or not body.get("channel"):
                self.rec.add("http", status=200, error="channel_not_found", **record)
                return 200, {}, self.jbody({"ok": False, "error": "channel_not_found"})
            if not body.get("text") and not body.get("blocks"):
                self.rec.add("http", status=200, error="no_text", **record)
                return 200, {}, self.jbody({"ok": False, "error": "no_text"})
            if not str(req["headers"].get("content-type", "")).startswith("application/json"):
                self.violation("chat.postMessage body is not sent as application/json")
            ans = self.fixture("chat_postMessage_response_ok.json")
            ts = "1700000000.%06d" % self.next_ts
            self.next_ts += 1
            ans["channel"] = body["channel"]
            ans["ts"] = ts
            ans["message"] = {"text": body.get("text", ""), "username": "govbot",
                              "bot_id": "B111", "type": "message", "subtype": "bot_message",
                              "ts": ts}
            if body.get("thread_ts"):
                ans["message"]["thread_ts"] = body["thread_ts"]
            self.rec.add("http", status=200, ts=ts, **record)
            return 200, {}, self.jbody(ans)
        self.rec.add("http", status=200, error="unknown_method", **record)
        return 200, {}, self.jbody({"ok": False, "error": "unknown_method"})

    def response_url(self, req):
        body, err = self.parse_body(req)
        if err:
            self.violation("response_url: %s" % err)
        self.rec.add("http", method=req["method"], path=req["path"], api="response_url",
                     auth=req["headers"].get("authorization", ""),
                     content_type=req["headers"].get("content-type"), body=body, status=200)
        return 200, {"Content-Type": "text/plain"}, b"ok"

    # ---- websocket ----------------------------------------------------
    async def websocket(self, req, reader, writer):
        h = req["headers"]
        problems = []
        if req["method"] != "GET":
            problems.append("method is not GET")
        if req["version"] != "HTTP/1.1":
            problems.append("not HTTP/1.1")
        if "host" not in h:
            problems.append("no Host header")
        if h.get("upgrade", "").lower() != "websocket":
            problems.append("Upgrade is not websocket")
        if "upgrade" not in [t.strip().lower() for t in h.get("connection", "").split(",")]:
            problems.append("Connection has no upgrade token")
        if h.get("sec-websocket-version") != "13":
            problems.append("Sec-WebSocket-Version is not 13")
        key = h.get("sec-websocket-key", "")
        try:
            if len(base64.b64decode(key, validate=True)) != 16:
                problems.append("Sec-WebSocket-Key is not 16 bytes")
        except ValueError:
            problems.append("Sec-WebSocket-Key is not base64")
        ticket = None
        try:
            ticket = int(req["query"].get("ticket", ["x"])[0])
        except ValueError:
            pass
        state = self.tickets.get(ticket)
        if state != "issued":
            problems.append("ticket %s %s" % (ticket, "reused" if state == "used" else "unknown"))
        if problems:
            self.violation("websocket handshake: " + "; ".join(problems))
            self.rec.add("http", method=req["method"], path=req["path"], status=400)
            await self.respond(writer, 400, {"Content-Type": "text/plain"},
                               ("; ".join(problems) + "\n").encode(), keep=False)
            return
        self.tickets[ticket] = "used"
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        writer.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % accept).encode())
        await writer.drain()
        conn = len(self.links) + 1
        link = Link(self, conn, reader, writer)
        self.links.append(link)
        self.rec.add("ws_open", conn=conn, ticket=ticket)
        links = self.scenario.get("links", [])
        steps = links[conn - 1] if conn - 1 < len(links) else [{"send": "socket_mode_hello.json"}]
        reading = asyncio.ensure_future(link.reader_loop())
        await link.run_steps(steps)
        await reading

    async def main(self):
        self.stop = asyncio.Event()
        srv = await asyncio.start_server(self.handle, "127.0.0.1", self.args.port,
                                         limit=MAX_HEADER)
        self.port = srv.sockets[0].getsockname()[1]
        self.base = "http://127.0.0.1:%d" % self.port
        sys.stdout.write("PORT %d\n" % self.port)
        sys.stdout.flush()
        loop = asyncio.get_running_loop()
        if not self.args.ignore_stdin:
            def watch_stdin():
                try:
                    while sys.stdin.buffer.read(4096):
                        pass
                except (OSError, ValueError):
                    pass
                loop.call_soon_threadsafe(self.stop.set)
            threading.Thread(target=watch_stdin, daemon=True).start()
        try:
            await asyncio.wait_for(self.stop.wait(), self.args.timeout)
            self.rec.add("shutdown", why="asked")
        except asyncio.TimeoutError:
            self.rec.add("shutdown", why="timeout")
        self.stopping = True
        srv.close()
        for link in self.links:
            link.abort()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description="Loopback Slack (Socket Mode + Web API)")
    p.add_argument("--scenario", help="scenario JSON file")
    p.add_argument("--log", help="JSON-lines record of everything govbot sent")
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--app-token", default=os.environ.get("SLACK_APP_TOKEN", "xapp-1-A111-loopback"))
    p.add_argument("--bot-token", default=os.environ.get("SLACK_BOT_TOKEN", "xoxb-111-loopback"))
    p.add_argument("--fixtures", default=os.path.join(here, "..", "data", "slack", "fixtures"))
    p.add_argument("--ignore-stdin", action="store_true")
    args = p.parse_args()
    server = Server(args)
    if args.scenario:
        try:
            with open(args.scenario, encoding="utf-8") as f:
                server.load_scenario(json.load(f))
        except (OSError, ValueError) as e:
            sys.stderr.write("slack_server: %s: %s\n" % (args.scenario, e))
            return 2
    asyncio.run(server.main())
    return 0


if __name__ == "__main__":
    sys.exit(main())
