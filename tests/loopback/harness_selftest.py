#!/usr/bin/env python3
"""Self-test of harness.py, the base every fake platform is built on, with
a fake of its own that knows no platform: a route with a parameter, a
websocket that echoes, scripted answers, steps, control endpoints, 404/405,
and the bounded life.  Run by tests/test_slack.c (case "loopback").
  python3 tests/loopback/harness_selftest.py          (exit 0 when all is well)
  python3 tests/loopback/harness_selftest.py --serve  (the fake alone, harness options)
"""

import base64
import http.client
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class EchoWebSocket(harness.WebSocket):
    def on_message(self, op, data):
        obj = self.parse_message(op, data)
        if obj is not None:
            self.rec("ws_json", obj=obj)
            self.server.loop.create_task(self.send_json({"type": "echo", "obj": obj}))


class EchoServer(harness.FakeServer):
    NAME = "echo"
    SCENARIO_KEYS = ("greeting",)

    def setup(self):
        self.route("POST", "/v1/echo/{name}", self.echo, api="echo")
        self.route(("GET", "HEAD"), "/v1/files/{path*}", self.files, api="files")
        self.websocket("/ws", self.ws_open, check=self.ws_check, factory=EchoWebSocket)
        self.step_handler("shout", self.shout)

    def echo(self, req):
        body, problem = req.parsed()
        if problem:
            self.violation("echo: " + problem)
        req.note(name=req.params["name"])
        return harness.json_response({"name": req.params["name"], "body": body,
                                      "greeting": self.scenario.get("greeting")})

    async def files(self, req):
        return harness.text_response(req.params["path"])

    def ws_check(self, req):
        return [] if req.query.get("ok") == ["1"] else ["no ok=1"]

    async def ws_open(self, ws, req):
        await ws.send_json({"type": "hello"})

    async def shout(self, step, ctx):
        self.rec.add("shouted", text=step["shout"].upper())


def records(log):
    with open(log) as f:
        return [json.loads(line) for line in f]


def wait(log, cond, secs=5):
    until = time.monotonic() + secs
    while True:
        recs = records(log)
        if cond(recs):
            return recs
        assert time.monotonic() < until, "not seen within %s s: %s" % (secs, recs[-3:])
        time.sleep(0.01)


def start(d, scenario, *extra):
    sc = os.path.join(d, "scenario.json")
    with open(sc, "w") as f:
        json.dump(scenario, f)
    log = os.path.join(d, "log.jsonl")
    p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve", "--scenario", sc,
                          "--log", log] + list(extra),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    line = p.stdout.readline().decode()
    assert line.startswith("PORT "), line
    return p, int(line.split()[1]), log


def request(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request(method, path, body, headers or {})
    r = c.getresponse()
    return r.status, dict(r.getheaders()), r.read()


def ws_connect(port, path):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            break
        head += chunk
    return s, head


def ws_send(s, text):
    data, key = text.encode(), os.urandom(4)
    s.sendall(bytes([0x81, 0x80 | len(data)]) + key +
              bytes(b ^ key[i % 4] for i, b in enumerate(data)))


def ws_recv(s):
    b0, b1 = s.recv(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", s.recv(2))[0]
    data = b""
    while len(data) < n:
        data += s.recv(n - len(data))
    return json.loads(data)


def main():
    d = tempfile.mkdtemp(prefix="harnessself.")
    scenario = {
        "greeting": "hi",
        "api": {"echo": [{"status": 429, "retry_after": 2}, {"status": 201, "json": {"x": 1}},
                         {"delay": 0.2}]},
        "steps": [{"wait_http": "echo", "count": 3, "timeout": 5}, {"shout": "done"},
                  {"request": "POST", "url": "{BASE}/v1/echo/peer", "json": {"from": "step"}},
                  {"wait_record": "ws_json", "match": {"obj.n": 2}, "timeout": 5},
                  {"mark": "end"}],
    }
    p, port, log = start(d, scenario)
    try:
        st, h, b = request(port, "POST", "/v1/echo/a", b"{}", {"Content-Type": "application/json"})
        assert st == 429 and h["Retry-After"] == "2", (st, h)
        st, _, b = request(port, "POST", "/v1/echo/b", b"{}", {"Content-Type": "application/json"})
        assert st == 201 and json.loads(b) == {"x": 1}, (st, b)
        t0 = time.monotonic()
        st, _, b = request(port, "POST", "/v1/echo/c", b"k=v&n=1",
                           {"Content-Type": "application/x-www-form-urlencoded"})
        assert time.monotonic() - t0 >= 0.2
        assert json.loads(b) == {"name": "c", "body": {"k": "v", "n": "1"}, "greeting": "hi"}, b
        recs = wait(log, lambda r: any(x["kind"] == "client" for x in r))
        assert [x["text"] for x in recs if x["kind"] == "shouted"] == ["DONE"]
        client = [x for x in recs if x["kind"] == "client"][0]
        assert client["status"] == 200 and json.loads(client["body"])["body"] == {"from": "step"}
        st, _, b = request(port, "GET", "/v1/files/a/b/c.txt")
        assert st == 200 and b == b"a/b/c.txt", (st, b)
        st, h, _ = request(port, "DELETE", "/v1/files/x")
        assert st == 405 and h["Allow"] == "GET, HEAD", (st, h)
        assert request(port, "GET", "/nope")[0] == 404
        s, head = ws_connect(port, "/ws")
        assert head.startswith(b"HTTP/1.1 400"), head
        s, head = ws_connect(port, "/ws?ok=1")
        assert head.startswith(b"HTTP/1.1 101"), head
        assert ws_recv(s) == {"type": "hello"}
        ws_send(s, json.dumps({"n": 2}))
        assert ws_recv(s) == {"type": "echo", "obj": {"n": 2}}
        recs = wait(log, lambda r: any(x["kind"] == "mark" for x in r))
        st, _, b = request(port, "GET", "/control/log")
        assert [x["label"] for x in json.loads(b) if x["kind"] == "mark"] == ["end"], b[-200:]
        st, _, b = request(port, "POST", "/control/scenario", b'{"nope": 1}')
        assert st == 400, b
        st, _, b = request(port, "POST", "/control/scenario", b'{"greeting": "again"}')
        assert st == 200
        st, _, b = request(port, "POST", "/v1/echo/d", b"{}", {"Content-Type": "application/json"})
        assert st == 200 and json.loads(b)["greeting"] == "again", b
        recs = records(log)
        https = [x for x in recs if x["kind"] == "http"]
        assert [(x["api"], x["status"]) for x in https] == [
            ("echo", 429), ("echo", 201), ("echo", 200), ("echo", 200), ("files", 200),
            (None, 405), (None, 404), (None, 400), ("echo", 200)], https
        assert https[2]["name"] == "c" and https[2]["body"] == {"k": "v", "n": "1"}
        viol = [x["what"] for x in recs if x["kind"] == "violation"]
        assert viol == ["websocket handshake: no ok=1"], viol
        assert not [x for x in recs if x["kind"] in ("scenario_error", "wait_timeout")], recs
        s.close()
    finally:
        p.stdin.close()
        p.wait(5)
    assert p.returncode == 0 and records(log)[-1]["why"] == "stdin"
    # bounded: it stops by itself; --forever does not
    p, port, log = start(d, {}, "--timeout", "0.3")
    assert p.wait(5) == 0 and records(log)[-1]["why"] == "timeout"
    p, port, log = start(d, {}, "--timeout", "0.3", "--forever")
    time.sleep(0.8)
    assert p.poll() is None, "--forever stopped at the timeout"
    p.terminate()
    assert p.wait(5) == 0 and records(log)[-1]["why"] == "signal"
    p.stdin.close()
    shutil.rmtree(d, ignore_errors=True)
    print("harness self-test: ok")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        sys.exit(EchoServer.main(sys.argv[2:]))
    sys.exit(main())
