#!/usr/bin/env python3
"""Self-test of slack_server.py with a minimal Socket Mode client of our own.

Run by tests/test_slack.c (case "loopback").  Not govbot: this checks the loopback server itself (handshake, masking,
fragment reassembly on the client side, ping/pong, close, tickets, scripted
Web API answers) so that a failing tests/test_slack.c points at govbot.
Run: python3 tests/loopback/slack_selftest.py   (exit 0 when all is well)
"""

import base64
import hashlib
import http.client
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "slack_server.py")
APP, BOT = "xapp-1-A111-selftest", "xoxb-111-selftest"


def start(scenario):
    d = tempfile.mkdtemp(prefix="slackself.")
    sc = os.path.join(d, "scenario.json")
    with open(sc, "w") as f:
        json.dump(scenario, f)
    log = os.path.join(d, "log.jsonl")
    p = subprocess.Popen([sys.executable, SERVER, "--scenario", sc, "--log", log,
                          "--timeout", "20", "--app-token", APP, "--bot-token", BOT],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    line = p.stdout.readline().decode()
    assert line.startswith("PORT "), line
    return p, int(line.split()[1]), log


def api(port, method, token, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    headers = {"Authorization": "Bearer " + token}
    data = b""
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json; charset=utf-8"
    else:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    c.request("POST", "/api/" + method, data, headers)
    r = c.getresponse()
    return r.status, dict(r.getheaders()), json.loads(r.read())


class Client:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.s = socket.create_connection((u.hostname, u.port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(("GET %s?%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n" % (u.path, u.query, u.netloc, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.s.recv(1)
        assert head.startswith(b"HTTP/1.1 101"), head
        want = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                                             .encode()).digest())
        assert b"Sec-WebSocket-Accept: " + want in head, head
        self.pings = 0
        self.fragmented = 0

    def recvn(self, n):
        b = b""
        while len(b) < n:
            chunk = self.s.recv(n - len(b))
            if not chunk:
                raise EOFError
            b += chunk
        return b

    def frame(self):
        b0, b1 = self.recvn(2)
        assert not b1 & 0x80, "server frames are never masked"
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.recvn(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.recvn(8))[0]
        return bool(b0 & 0x80), b0 & 0x0F, self.recvn(n)

    def send(self, opcode, data):
        key = os.urandom(4)
        n = len(data)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        self.s.sendall(head + key + bytes(b ^ key[i % 4] for i, b in enumerate(data)))

    def message(self):
        """The next complete text message (None on close)."""
        buf = None
        while True:
            fin, op, data = self.frame()
            if op == 9:
                self.pings += 1
                self.send(10, data)
                continue
            if op == 8:
                self.send(8, data[:2])
                return None
            if op == 0:
                buf += data
            else:
                buf = data
            if not fin:
                self.fragmented += 1
                continue
            return json.loads(buf.decode())


def records(log):
    with open(log) as f:
        return [json.loads(line) for line in f]


def main():
    scenario = {
        "api": {"chat.postMessage": [{"status": 429, "retry_after": 1}]},
        "links": [
            [{"send": "socket_mode_hello.json"},
             {"send": "socket_mode_envelope_slash_commands.json",
              "set": {"payload.command": "/gov", "payload.text": "who torch.nn",
                      "payload.response_url": "{BASE}/response_url/T111/111/xxx"},
              "fragments": 4, "ping_between": True},
             {"wait_ack": "1d3c79ab-0ffb-41f3-a080-d19e85f53649"},
             {"big": 1048576},
             {"disconnect": "refresh_requested"},
             {"wait_link": 2},
             {"close": 1000}],
            [{"send": "socket_mode_hello.json"}, {"kill": True}],
        ],
    }
    p, port, log = start(scenario)
    try:
        st, _, r = api(port, "apps.connections.open", BOT)
        assert r == {"ok": False, "error": "invalid_auth"}, r
        st, _, r = api(port, "auth.test", BOT)
        assert r["ok"] and r["user_id"] == "U111", r
        st, _, r = api(port, "apps.connections.open", APP)
        assert r["ok"] and r["url"].startswith("ws://127.0.0.1:%d/link/?ticket=" % port), r
        c = Client(r["url"])
        assert c.message()["type"] == "hello"
        env = c.message()
        assert c.fragmented == 3 and c.pings == 3, (c.fragmented, c.pings)
        assert env["payload"]["text"] == "who torch.nn"
        assert env["payload"]["response_url"] == "http://127.0.0.1:%d/response_url/T111/111/xxx" % port
        c.send(1, json.dumps({"envelope_id": env["envelope_id"],
                              "payload": {"text": "Alban"}}).encode())
        big = c.message()
        assert 1048000 < len(json.dumps(big)) < 1049000, len(json.dumps(big))
        c.send(1, json.dumps({"envelope_id": "big-envelope"}).encode())
        assert c.message()["reason"] == "refresh_requested"
        # the ticket is single-use
        try:
            Client(r["url"])
            raise AssertionError("reused ticket accepted")
        except AssertionError as e:
            assert b"400" in str(e).encode() or "400" in str(e), e
        st, _, r2 = api(port, "apps.connections.open", APP)
        c2 = Client(r2["url"])
        assert c2.message()["type"] == "hello"
        assert c.message() is None      # old link closed with a close frame after the new hello
        try:
            c2.message()
            raise AssertionError("killed link still delivers")
        except (EOFError, ConnectionError):
            pass
        st, h, r = api(port, "chat.postMessage", BOT, {"channel": "C111", "text": "hi"})
        assert st == 429 and h.get("Retry-After") == "1", (st, h)
        st, h, r = api(port, "chat.postMessage", BOT, {"channel": "C111", "text": "hi",
                                                       "thread_ts": "1.2"})
        assert st == 200 and r["ok"] and r["channel"] == "C111", r
        time.sleep(0.2)
        recs = records(log)
        acks = [x for x in recs if x["kind"] == "ack"]
        assert [a["envelope_id"] for a in acks] == ["1d3c79ab-0ffb-41f3-a080-d19e85f53649",
                                                     "big-envelope"], acks
        assert acks[0]["payload"] == {"text": "Alban"}
        viol = [x["what"] for x in recs if x["kind"] == "violation"]
        assert len(viol) == 2 and "wrong kind of token" in viol[0] and "reused" in viol[1], viol
        posts = [x for x in recs if x.get("api") == "chat.postMessage"]
        assert [x["status"] for x in posts] == [429, 200]
    finally:
        p.stdin.close()
        p.wait(5)
    assert p.returncode == 0
    print("slack_server self-test: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
