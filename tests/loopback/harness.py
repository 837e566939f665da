#!/usr/bin/env python3
"""harness.py - the Python half of govbot's two-process tests: what every
fake platform (slack_server.py, and the Matrix and Discourse fakes) shares.
Python 3 standard library only.

  FakeServer   HTTP/1.1 server (keep-alive, chunked bodies, 100-continue)
               with a route table, websocket upgrades, scripted answers,
               scenario steps, control endpoints and a bounded life.
  WebSocket    one RFC 6455 server-side connection (harness_ws.py,
               re-exported here).
  Recorder     the JSON-lines log the C side (tests/harness.h) waits on.
  Request, Response, json_response, text_response, http_request, set_path,
  get_path, substitute   small helpers.

How to write a fake, its command line, routes, records, scenarios and steps,
and the C side: tests/loopback/README.md.  harness_selftest.py holds a
minimal fake (EchoServer) and checks all of it.
"""

import argparse
import asyncio
import base64
import copy
import hashlib
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness_ws import (MAX_MESSAGE, OP_BINARY, OP_CLOSE, OP_CONT, OP_PING,  # noqa: E402,F401
                        OP_PONG, OP_TEXT, WS_GUID, ProtocolError, WebSocket, jdump,
                        ws_frame)
MAX_HEADER = 64 * 1024
REASONS = {100: "Continue", 101: "Switching Protocols", 200: "OK", 201: "Created",
           204: "No Content", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
           413: "Content Too Large", 422: "Unprocessable Content", 429: "Too Many Requests",
           500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


# ---- JSON helpers -----------------------------------------------------------

def set_path(obj, path, value):
    """obj["a"]["b"][0] = value for path "a.b.0" (objects made as needed)."""
    parts = path.split(".")
    for p in parts[:-1]:
        obj = obj[int(p)] if isinstance(obj, list) else obj.setdefault(p, {})
    if isinstance(obj, list):
        obj[int(parts[-1])] = value
    else:
        obj[parts[-1]] = value


def get_path(obj, path, default=None):
    """obj["a"]["b"][0] for path "a.b.0", or default when any step is missing."""
    for p in path.split("."):
        try:
            obj = obj[int(p)] if isinstance(obj, list) else obj[p]
        except (KeyError, IndexError, ValueError, TypeError):
            return default
    return obj


def substitute(value, names):
    """value with every "{NAME}" of names replaced in its strings, deeply."""
    if isinstance(value, str):
        for k, v in names.items():
            if v is not None:
                value = value.replace("{%s}" % k, v)
        return value
    if isinstance(value, list):
        return [substitute(v, names) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, names) for k, v in value.items()}
    return value


def matches(rec, match):
    """True when every field of match equals the record's (dotted paths allowed)."""
    return all(get_path(rec, k) == v for k, v in match.items())


# ---- records ----------------------------------------------------------------

class Recorder:
    """The log: records in memory and, when path is set, appended to a file
    one JSON line each, flushed at once (the C side reads it while we run)."""

    def __init__(self, path):
        self.start = time.monotonic()
        self.records = []
        self.file = open(path, "a", encoding="utf-8") if path else None

    def add(self, kind, **fields):
        rec = {"t": round(time.monotonic() - self.start, 6), "kind": kind}
        rec.update(fields)
        self.records.append(rec)
        if self.file:
            self.file.write(jdump(rec) + "\n")
            self.file.flush()
        return rec

    def find(self, kind, **match):
        return [r for r in self.records if r["kind"] == kind and matches(r, match)]

    def count(self, kind, **match):
        return len(self.find(kind, **match))


# ---- HTTP -------------------------------------------------------------------

class Request:
    """One HTTP request govbot made."""

    def __init__(self, method, target, version, headers, body):
        url = urllib.parse.urlsplit(target)
        self.method = method
        self.target = target
        self.path = url.path
        self.query = urllib.parse.parse_qs(url.query)
        self.version = version
        self.headers = headers          # lower-case names
        self.body = body                # bytes
        self.params = {}                # from the route pattern
        self.api = None                 # the route's api name
        self.script = None              # this call's scripted answer, if any
        self.notes = {}                 # extra fields for its record
        self._parsed = None

    def header(self, name, default=""):
        return self.headers.get(name.lower(), default)

    def bearer(self):
        """The token of "Authorization: Bearer T", else ""."""
        auth = self.header("authorization")
        return auth[7:] if auth.startswith("Bearer ") else ""

    def note(self, **fields):
        self.notes.update(fields)

    def parsed(self):
        """(value, problem): the body as JSON (application/json), a form as a
        dict of first values (form-urlencoded, or no body: the query), else
        text; problem is None or says why a JSON body did not parse."""
        if self._parsed is None:
            ctype = self.header("content-type")
            raw = self.body
            if ctype.startswith("application/json"):
                try:
                    self._parsed = (json.loads(raw.decode("utf-8")), None)
                except (ValueError, UnicodeDecodeError):
                    self._parsed = (raw.decode("utf-8", "replace"), "body is not JSON")
            elif ctype.startswith("application/x-www-form-urlencoded") or not raw:
                src = raw.decode("utf-8", "replace") if raw else urllib.parse.urlsplit(
                    self.target).query
                form = {k: v[0] for k, v in urllib.parse.parse_qs(src).items()}
                self._parsed = (form, None)
            else:
                self._parsed = (raw.decode("utf-8", "replace"), None)
        return self._parsed


class Response:
    def __init__(self, status=200, body=b"", headers=None):
        self.status = status
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.headers = dict(headers or {})


def json_response(obj, status=200, headers=None):
    h = {"Content-Type": "application/json; charset=utf-8"}
    h.update(headers or {})
    return Response(status, jdump(obj), h)


def text_response(text, status=200, headers=None):
    h = {"Content-Type": "text/plain; charset=utf-8"}
    h.update(headers or {})
    return Response(status, text, h)


async def http_request(method, url, body=None, headers=None, timeout=10.0):
    """A plain-HTTP request to 127.0.0.1 (govbot's webhooks): returns
    (status, headers with lower-case names, body bytes).  body may be bytes,
    text or a JSON-able object (sent as application/json)."""
    u = urllib.parse.urlsplit(url)
    h = {"Host": u.netloc, "Connection": "close"}
    if body is not None and not isinstance(body, (bytes, str)):
        body = jdump(body)
        h["Content-Type"] = "application/json"
    data = body.encode("utf-8") if isinstance(body, str) else (body or b"")
    h["Content-Length"] = str(len(data))
    h.update(headers or {})
    target = (u.path or "/") + ("?" + u.query if u.query else "")

    async def go():
        reader, writer = await asyncio.open_connection(u.hostname, u.port or 80)
        try:
            head = "%s %s HTTP/1.1\r\n" % (method, target)
            head += "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n"
            writer.write(head.encode("iso-8859-1") + data)
            await writer.drain()
            raw = await reader.read()
        finally:
            writer.close()
        top, _, rest = raw.partition(b"\r\n\r\n")
        lines = top.decode("iso-8859-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        rh = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            rh[k.strip().lower()] = v.strip()
        return status, rh, rest

    return await asyncio.wait_for(go(), timeout)


class Route:
    def __init__(self, methods, pattern, handler, api, ws=None):
        self.methods = None if methods == "*" else (
            (methods,) if isinstance(methods, str) else tuple(methods))
        self.pattern = pattern
        self.handler = handler
        self.api = api
        self.ws = ws                   # (on_open, check, factory) for upgrades
        rx = ""
        for part in re.split(r"(\{[a-z_][a-z0-9_]*\*?\})", pattern):
            if part.startswith("{") and part.endswith("*}"):
                rx += "(?P<%s>.*)" % part[1:-2]
            elif part.startswith("{"):
                rx += "(?P<%s>[^/]+)" % part[1:-1]
            else:
                rx += re.escape(part)
        self.rx = re.compile("^" + rx + "$")


# ---- the server -------------------------------------------------------------

class FakeServer:
    NAME = "fake"
    SCENARIO_KEYS = ()          # keys a subclass reads, beyond the common ones
    DEFAULT_TIMEOUT = 60.0

    def __init__(self, args):
        self.args = args
        self.rec = Recorder(getattr(args, "log", None))
        self.scenario = {}
        self.routes = []
        self.steps = {}
        self.api_calls = {}
        self.fixtures_cache = {}
        self.websockets = []
        self.conns = set()              # open client connections (writers)
        self.port = None
        self.base = None
        self.peer = getattr(args, "peer", None)
        self.stop = None
        self.stop_why = None
        self.stopping = False
        self.loop = None
        for name, fn in (("sleep", self._step_sleep), ("mark", self._step_mark),
                         ("wait_http", self._step_wait_http),
                         ("wait_record", self._step_wait_record),
                         ("request", self._step_request)):
            self.step_handler(name, fn)
        self.setup()

    # to override
    def setup(self):
        """Register routes, websockets and steps."""

    @classmethod
    def add_arguments(cls, parser):
        """Command-line options of this fake."""

    def error_body(self, req, status):
        """The JSON body of a scripted non-200 answer."""
        return {"error": REASONS.get(status, "error").lower().replace(" ", "_")}

    async def started(self):
        """Runs once the server listens (after the scenario's "steps" start)."""

    # registration
    def route(self, methods, pattern, handler, api=None):
        self.routes.append(Route(methods, pattern, handler, api))

    def websocket(self, pattern, on_open, check=None, factory=WebSocket):
        """Serves websocket upgrades of GET pattern: check(req) returns a list
        of problems (empty: accept); on_open(ws, req) runs once the handshake
        is done, while ws reads frames; factory makes the WebSocket."""
        self.routes.append(Route("GET", pattern, None, None, ws=(on_open, check, factory)))

    def step_handler(self, name, fn):
        """fn(step, ctx) is awaited for a step whose first key is name."""
        self.steps[name] = fn

    # records
    def violation(self, what, **fields):
        self.rec.add("violation", what=what, **fields)

    def record_http(self, req, status):
        body, _ = req.parsed()
        self.rec.add("http", method=req.method, path=req.path, api=req.api,
                     auth=req.header("authorization"),
                     content_type=req.headers.get("content-type"), body=body, status=status,
                     **req.notes)

    # scenario
    def names(self):
        return {"BASE": self.base, "PEER": self.peer}

    def substitute(self, value):
        return substitute(value, self.names())

    def load_scenario(self, obj):
        if not isinstance(obj, dict):
            raise ValueError("a scenario is a JSON object")
        allowed = ("name", "comment", "api", "steps") + tuple(self.SCENARIO_KEYS)
        for key in obj:
            if key not in allowed:
                raise ValueError("unknown scenario key %r (known: %s)" % (key, ", ".join(allowed)))
        if not isinstance(obj.get("api", {}), dict):
            raise ValueError('"api" is an object of lists')
        self.scenario = obj
        self.api_calls = {}
        self.rec.add("scenario", name=obj.get("name"))

    def scripted(self, api):
        """The next scripted answer for api, or None."""
        n = self.api_calls.get(api, 0)
        self.api_calls[api] = n + 1
        script = self.scenario.get("api", {}).get(api, [])
        return script[n] if n < len(script) else None

    def fixture(self, name):
        """A deep copy of the JSON file name in --fixtures."""
        if name not in self.fixtures_cache:
            if os.sep in name or name.startswith("."):
                raise ValueError("fixture names are plain file names")
            with open(os.path.join(self.args.fixtures, name), encoding="utf-8") as f:
                self.fixtures_cache[name] = json.load(f)
        return copy.deepcopy(self.fixtures_cache[name])

    # steps
    async def run_steps(self, steps, ctx=None):
        """Runs steps in order; a step that raises ends them (scenario_error)."""
        for step in steps:
            if not await self.run_step(step, ctx):
                break
        self.rec.add("steps_done", **self.ctx_fields(ctx))

    async def run_step(self, step, ctx):
        """Runs one step; False when it failed (recorded)."""
        try:
            name = next((k for k in step if k in self.steps), None)
            if name is None:
                raise ValueError("unknown step")
            await self.steps[name](step, ctx)
            return True
        except Exception as e:  # noqa: BLE001 - a scenario mistake must be seen
            self.rec.add("scenario_error", step=step, error=repr(e), **self.ctx_fields(ctx))
            return False

    @staticmethod
    def ctx_fields(ctx):
        conn = getattr(ctx, "conn", None)
        return {"conn": conn} if conn is not None else {}

    async def wait_until(self, cond, timeout, step, ctx=None):
        """Polls cond every 5 ms for timeout seconds; records a wait_timeout."""
        deadline = time.monotonic() + float(timeout)
        while time.monotonic() < deadline:
            if cond():
                return True
            await asyncio.sleep(0.005)
        if cond():
            return True
        self.rec.add("wait_timeout", step=step, **self.ctx_fields(ctx))
        return False

    async def _step_sleep(self, step, ctx):
        await asyncio.sleep(float(step["sleep"]))

    async def _step_mark(self, step, ctx):
        self.rec.add("mark", label=step["mark"], **self.ctx_fields(ctx))

    async def _step_wait_http(self, step, ctx):
        api, count = step["wait_http"], step.get("count", 1)
        await self.wait_until(lambda: self.rec.count("http", api=api) >= count,
                              step.get("timeout", 5), step, ctx)

    async def _step_wait_record(self, step, ctx):
        kind, match, count = step["wait_record"], step.get("match", {}), step.get("count", 1)
        await self.wait_until(lambda: self.rec.count(kind, **match) >= count,
                              step.get("timeout", 5), step, ctx)

    async def _step_request(self, step, ctx):
        url = self.substitute(step["url"])
        body = step.get("json", step.get("body"))
        try:
            status, _, rbody = await http_request(step["request"], url, self.substitute(body),
                                                  step.get("headers"), step.get("timeout", 10))
            text = rbody.decode("utf-8", "replace")
        except (OSError, asyncio.TimeoutError, ValueError, IndexError) as e:
            status, text = None, repr(e)
        self.rec.add("client", method=step["request"], url=url, status=status, body=text,
                     **self.ctx_fields(ctx))

    # HTTP server
    async def handle(self, reader, writer):
        self.conns.add(writer)
        try:
            while True:
                req = await self.read_request(reader, writer)
                if req is None:
                    break
                route, allowed = self.match(req)
                if route is not None and route.ws is not None:
                    await self.upgrade(route, req, reader, writer)
                    return
                resp = await self.dispatch(route, allowed, req)
                keep = req.header("connection").lower() != "close"
                await self.respond(writer, resp, keep)
                if not keep:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        except ValueError as e:
            self.violation("bad HTTP request: %s" % e)
            try:
                await self.respond(writer, text_response("bad request\n", 400), keep=False)
            except (ConnectionError, OSError):
                pass
        finally:
            self.conns.discard(writer)
            try:
                writer.close()
            except Exception:  # noqa: BLE001
                pass

    def match(self, req):
        """(route, allowed methods): the route for req, or None and the
        methods the path would take (empty: no such path)."""
        allowed = []
        for r in self.routes:
            m = r.rx.match(req.path)
            if not m:
                continue
            if r.methods is None or req.method in r.methods:
                req.params = m.groupdict()
                req.api = r.api.format(**req.params) if r.api else None
                return r, allowed
            allowed.extend(r.methods)
        return None, allowed

    async def dispatch(self, route, allowed, req):
        if req.path.startswith("/control/"):
            resp = self.control(req)
            if resp is not None:
                return resp
        if route is None:
            status = 405 if allowed else 404
            req.note(error="method_not_allowed" if allowed else "not_found")
            self.record_http(req, status)
            headers = {"Allow": ", ".join(sorted(set(allowed)))} if allowed else {}
            return json_response({"error": req.notes["error"]}, status, headers)
        if req.api:
            req.script = self.scripted(req.api)
        script = req.script if isinstance(req.script, dict) else {}
        if script.get("delay"):
            await asyncio.sleep(float(script["delay"]))
        if "json" in script:
            status = int(script.get("status", 200))
            self.record_http(req, status)
            return json_response(script["json"], status)
        if "status" in script and int(script["status"]) != 200:
            status = int(script["status"])
            headers = {}
            if "retry_after" in script:
                headers["Retry-After"] = str(script["retry_after"])
            body = self.error_body(req, status)
            req.note(**({"error": body["error"]} if isinstance(body, dict) and
                        isinstance(body.get("error"), str) else {}))
            self.record_http(req, status)
            return json_response(body, status, headers)
        result = route.handler(req)
        if asyncio.iscoroutine(result):
            result = await result
        if isinstance(result, tuple):
            result = Response(result[0], result[2], result[1])
        self.record_http(req, result.status)
        return result

    def control(self, req):
        if req.path == "/control/log" and req.method == "GET":
            return json_response(self.rec.records)
        if req.path == "/control/scenario" and req.method == "POST":
            try:
                self.load_scenario(json.loads(req.body))
            except ValueError as e:
                return json_response({"ok": False, "error": str(e)}, 400)
            return json_response({"ok": True})
        if req.path == "/control/shutdown" and req.method == "POST":
            self.loop.call_later(0.05, self.shutdown, "asked")
            return json_response({"ok": True})
        return None

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
            # libcurl asks before sending a larger body (RFC 9110 10.1.1).
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
        return Request(parts[0], parts[1], parts[2], headers, body)

    async def respond(self, writer, resp, keep=True):
        out = ["HTTP/1.1 %d %s" % (resp.status, REASONS.get(resp.status, "Status"))]
        headers = dict(resp.headers)
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
        headers["Content-Length"] = str(len(resp.body))
        headers["Connection"] = "keep-alive" if keep else "close"
        out.extend("%s: %s" % kv for kv in headers.items())
        writer.write(("\r\n".join(out) + "\r\n\r\n").encode("iso-8859-1") + resp.body)
        await writer.drain()

    async def upgrade(self, route, req, reader, writer):
        on_open, check, factory = route.ws
        h = req.headers
        problems = []
        if req.version != "HTTP/1.1":
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
        if check and not problems:
            problems.extend(check(req))
        if problems:
            self.violation("websocket handshake: " + "; ".join(problems))
            self.record_http(req, 400)
            await self.respond(writer, text_response("; ".join(problems) + "\n", 400), keep=False)
            return
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        writer.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % accept).encode())
        await writer.drain()
        ws = factory(self, len(self.websockets) + 1, reader, writer, req)
        self.websockets.append(ws)
        self.rec.add("ws_open", conn=ws.conn, path=req.path,
                     query={k: v[0] for k, v in req.query.items()})
        reading = asyncio.ensure_future(ws.reader_loop())
        await on_open(ws, req)
        await reading

    # life
    def shutdown(self, why):
        if self.stop is not None and not self.stop.is_set():
            self.stop_why = why
            self.stop.set()

    async def serve(self):
        self.loop = asyncio.get_running_loop()
        self.stop = asyncio.Event()
        srv = await asyncio.start_server(self.handle, "127.0.0.1", self.args.port,
                                         limit=MAX_HEADER)
        self.port = srv.sockets[0].getsockname()[1]
        self.base = "http://127.0.0.1:%d" % self.port
        sys.stdout.write("PORT %d\n" % self.port)
        sys.stdout.flush()
        if not self.args.ignore_stdin:
            def watch_stdin():
                # os.read, not sys.stdin: a buffered reader's lock held by
                # this daemon thread would abort the interpreter at exit.
                try:
                    while os.read(0, 4096):
                        pass
                except OSError:
                    pass
                self.loop.call_soon_threadsafe(self.shutdown, "stdin")
            threading.Thread(target=watch_stdin, daemon=True).start()
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                self.loop.add_signal_handler(sig, self.shutdown, "signal")
            except (NotImplementedError, RuntimeError):
                pass
        if self.scenario.get("steps"):
            asyncio.ensure_future(self.run_steps(self.scenario["steps"]))
        await self.started()
        timeout = None if self.args.forever or self.args.timeout <= 0 else self.args.timeout
        try:
            await asyncio.wait_for(self.stop.wait(), timeout)
        except asyncio.TimeoutError:
            self.stop_why = "timeout"
        self.rec.add("shutdown", why=self.stop_why)
        self.stopping = True
        srv.close()
        for ws in self.websockets:
            ws.abort()
        for w in list(self.conns):
            w.transport.abort()
        for _ in range(50):             # let the handlers see their ends
            if not self.conns:
                break
            await asyncio.sleep(0.01)

    @classmethod
    def parser(cls):
        here = os.path.dirname(os.path.abspath(__file__))
        p = argparse.ArgumentParser(description="loopback %s for govbot's tests" % cls.NAME)
        p.add_argument("--scenario", help="scenario JSON file")
        p.add_argument("--log", help="append the records here (JSON lines)")
        p.add_argument("--timeout", type=float, default=cls.DEFAULT_TIMEOUT,
                       help="stop after this many seconds (0: never); default %(default)s")
        p.add_argument("--forever", action="store_true", help="no time limit (a run by hand)")
        p.add_argument("--port", type=int, default=0)
        p.add_argument("--peer", help="govbot's HTTP base URL, {PEER} in scenarios")
        p.add_argument("--fixtures", default=os.path.join(here, "..", "data", cls.NAME,
                                                          "fixtures"))
        p.add_argument("--ignore-stdin", action="store_true",
                       help="do not stop at end of stdin")
        cls.add_arguments(p)
        return p

    @classmethod
    def main(cls, argv=None):
        args = cls.parser().parse_args(argv)
        server = cls(args)
        if args.scenario:
            try:
                with open(args.scenario, encoding="utf-8") as f:
                    server.load_scenario(json.load(f))
            except (OSError, ValueError) as e:
                sys.stderr.write("%s: %s: %s\n" % (cls.NAME, args.scenario, e))
                return 2
        asyncio.run(server.serve())
        return 0
