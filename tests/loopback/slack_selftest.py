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
import shutil
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


DIRS = []


def start(scenario, timeout="20", *extra):
    d = tempfile.mkdtemp(prefix="slackself.")
    DIRS.append(d)
    sc = os.path.join(d, "scenario.json")
    with open(sc, "w") as f:
        json.dump(scenario, f)
    log = os.path.join(d, "log.jsonl")
    p = subprocess.Popen([sys.executable, SERVER, "--scenario", sc, "--log", log,
                          "--timeout", timeout, "--app-token", APP, "--bot-token", BOT]
                         + list(extra), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    line = p.stdout.readline().decode()
    assert line.startswith("PORT "), line
    return p, int(line.split()[1]), log


def api(port, method, token, body=None, form=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    headers = {"Authorization": "Bearer " + token}
    data = b""
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json; charset=utf-8"
    else:
        data = urllib.parse.urlencode(form or {}).encode()
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
        assert r == {"ok": False, "error": "not_allowed_token_type"}, r
        st, _, r = api(port, "auth.test", APP)
        assert r == {"ok": False, "error": "not_allowed_token_type"}, r
        st, _, r = api(port, "auth.test", "xoxb-999-someone-else")
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
        assert len(viol) == 1 and "reused" in viol[0], viol
        refused = [x for x in recs if x.get("error") == "not_allowed_token_type"]
        assert [x["token_error"] for x in refused] == ["bot token, want app",
                                                       "app token, want bot"], refused
        posts = [x for x in recs if x.get("api") == "chat.postMessage"]
        assert [x["status"] for x in posts] == [429, 200]
    finally:
        p.stdin.close()
        p.wait(5)
    assert p.returncode == 0
    web_api()
    life()
    for d in DIRS:
        shutil.rmtree(d, ignore_errors=True)
    print("slack_server self-test: ok")
    return 0


def web_api():
    """Revoked tokens, channels the bot is not in, ephemeral messages,
    history with metadata, and the harness's routes and steps."""
    meta = {"event_type": "govbot_announcement", "event_payload": {"id": 7}}
    scenario = {
        "channels": {"C0ANNOUNCE": "not_in_channel", "C404": "channel_not_found"},
        "history": {"C0OLD": [{"ts": "1600000000.000001", "text": "old", "metadata": meta}]},
        "steps": [{"wait_http": "chat.postMessage", "count": 1, "timeout": 5},
                  {"channel": "C0ANNOUNCE", "state": "member"},
                  {"wait_http": "conversations.history", "count": 3, "timeout": 5},
                  {"revoke": "bot", "error": "token_expired"},
                  {"request": "GET", "url": "{BASE}/control/log"},
                  {"mark": "done"}],
    }
    p, port, log = start(scenario)
    try:
        post = {"channel": "C0ANNOUNCE", "text": "decided", "metadata": meta}
        _, _, r = api(port, "chat.postMessage", BOT, post)
        assert r == {"ok": False, "error": "not_in_channel"}, r
        wait(log, lambda recs: any(x["kind"] == "channel" for x in recs))
        _, _, r = api(port, "chat.postMessage", BOT, post)
        assert r["ok"], r
        _, _, r = api(port, "chat.postEphemeral", BOT, {"channel": "C404", "user": "U1",
                                                        "text": "no"})
        assert r == {"ok": False, "error": "channel_not_found"}, r
        _, _, r = api(port, "chat.postEphemeral", BOT, {"channel": "C111", "user": "U1",
                                                        "text": "only you"})
        assert r["ok"] and r["message_ts"], r
        _, _, r = api(port, "conversations.history", BOT, form={"channel": "C0ANNOUNCE"})
        assert r["ok"] and [m["text"] for m in r["messages"]] == ["decided"], r
        assert "metadata" not in r["messages"][0], r
        _, _, r = api(port, "conversations.history", APP,
                      form={"channel": "C0ANNOUNCE", "include_all_metadata": "true"})
        assert r["messages"][0]["metadata"] == meta, r
        _, _, r = api(port, "conversations.history", BOT,
                      form={"channel": "C0OLD", "include_all_metadata": "1", "limit": "1"})
        assert r["messages"][0]["metadata"] == meta and not r["has_more"], r
        wait(log, lambda recs: any(x["kind"] == "mark" for x in recs))
        _, _, r = api(port, "auth.test", BOT)
        assert r == {"ok": False, "error": "token_expired"}, r
        _, _, r = api(port, "apps.connections.open", APP)
        assert r["ok"], r
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/nowhere")
        assert c.getresponse().status == 404
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("DELETE", "/link/")
        r = c.getresponse()
        assert r.status == 405 and r.getheader("Allow") == "GET", (r.status, r.getheaders())
        recs = records(log)
        client = [x for x in recs if x["kind"] == "client"]
        assert client and client[0]["status"] == 200, client
        assert not [x for x in recs if x["kind"] in ("violation", "scenario_error",
                                                     "wait_timeout")], recs
    finally:
        p.stdin.close()
        p.wait(5)


def life():
    """It stops by itself after --timeout; --forever outlives it."""
    p, port, log = start({}, "0.5")
    assert p.wait(5) == 0
    assert records(log)[-1] == dict(records(log)[-1], kind="shutdown", why="timeout")
    p, port, log = start({}, "0.5", "--forever")
    time.sleep(1.0)
    assert p.poll() is None, "--forever stopped after the --timeout"
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("POST", "/control/shutdown", b"")
    assert c.getresponse().status == 200
    assert p.wait(5) == 0
    assert records(log)[-1]["why"] == "asked"
    p.stdin.close()


def wait(log, cond, secs=5):
    until = time.monotonic() + secs
    while not cond(records(log)):
        assert time.monotonic() < until, "not seen within %s s" % secs
        time.sleep(0.01)


if __name__ == "__main__":
    sys.exit(main())
