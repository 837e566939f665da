#!/usr/bin/env python3
"""A reference Socket Mode client that behaves as adapters/slack.md and
/work's Slack notes say govbot does, used only to check the tests themselves:

  GOVBOT=tests/loopback/reference_bot.py build/tests/test_slack

must pass, so that a failing test against the real govbot points at govbot,
not at the test.  It knows two answers (torch.nn, autograd); it is not govbot.
Standard library only.  Command line: reference_bot.py run --config FILE
"""

import asyncio
import base64
import json
import os
import random
import signal
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

FATAL = ("not_authed", "invalid_auth", "account_inactive", "user_removed_from_team",
         "team_disabled", "not_allowed_token_type", "token_revoked", "token_expired")
ANSWERS = {"torch.nn": "*NN APIs (torch.nn)*: Greg Chanan, Soumith Chintala, Joel Schlosser, "
                       "Alban Desmaison",
           "autograd": "*Autograd (torch.autograd)*: Edward Yang, Alban Desmaison, Jeffrey Wan"}


def log(level, msg):
    sys.stderr.write('level=%s adapter=slack msg="%s"\n' % (level, msg.replace('"', "'")))
    sys.stderr.flush()


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def answer(text):
    t = text.strip()
    for word in ("who maintains ", "who "):
        if t.startswith(word):
            t = t[len(word):]
            break
    t = t.rstrip("?").strip()
    for key, ans in ANSWERS.items():
        if t == key:
            return ans
    return "No module named %s." % esc(t[:200])


class Link:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.last_rx = time.monotonic()
        self.closed = False

    async def send(self, opcode, data):
        key = os.urandom(4)
        n = len(data)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0xFE]) + struct.pack("!H", n)
        else:
            head += bytes([0xFF]) + struct.pack("!Q", n)
        masked = (int.from_bytes(data, "big") ^ int.from_bytes((key * (n // 4 + 1))[:n], "big")
                  ).to_bytes(n, "big") if n else b""
        self.writer.write(head + key + masked)
        await self.writer.drain()

    async def messages(self):
        buf = None
        while True:
            b0, b1 = await self.reader.readexactly(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", await self.reader.readexactly(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", await self.reader.readexactly(8))[0]
            data = await self.reader.readexactly(n)
            self.last_rx = time.monotonic()
            op = b0 & 0x0F
            if op == 9:
                await self.send(10, data)
            elif op == 10:
                pass
            elif op == 8:
                if not self.closed:
                    await self.send(8, data[:2])
                return
            elif op == 0:
                buf += data
                if b0 & 0x80:
                    yield buf
                    buf = None
            else:
                buf = data
                if b0 & 0x80:
                    yield (op, buf)[1] if op == 1 else None
                    buf = None

    async def close(self):
        if not self.closed:
            self.closed = True
            try:
                await self.send(8, struct.pack("!H", 1000))
                await asyncio.sleep(0.05)
            except (ConnectionError, OSError):
                pass
            self.writer.close()


class Bot:
    def __init__(self, cfg_path):
        with open(cfg_path) as f:
            cfg = json.load(f)
        self.api = cfg["adapters"]["slack"].get("api_url", "https://slack.com/api/")
        self.seen_path = cfg["database"] + ".refbot-events"
        self.seen = set()
        if os.path.exists(self.seen_path):
            with open(self.seen_path) as f:
                self.seen = set(f.read().split())
        self.app = os.environ.get("SLACK_APP_TOKEN")
        self.bot = os.environ.get("SLACK_BOT_TOKEN")
        self.ping = int(os.environ.get("GOVBOT_SLACK_PING_MS", "5000")) / 1000
        self.backoff = int(os.environ.get("GOVBOT_SLACK_BACKOFF_MS", "1000")) / 1000
        self.http_backoff = int(os.environ.get("GOVBOT_HTTP_BACKOFF_MS", "500")) / 1000
        self.paused_until = 0.0
        self.user_id = None
        self.stop = asyncio.Event()
        self.exit_code = 0
        self.links = []

    def call(self, method, token, body=None, url=None):
        data = json.dumps(body).encode() if body is not None else b""
        req = urllib.request.Request(url or self.api + method, data=data, method="POST")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        req.add_header("Content-Type", "application/json; charset=utf-8" if body is not None
                       else "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return 200, {}, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), None

    async def api_call(self, method, token, body=None):
        loop = asyncio.get_running_loop()
        delay = self.http_backoff
        for _ in range(6):
            wait = self.paused_until - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            status, headers, ans = await loop.run_in_executor(None, self.call, method, token, body)
            if status == 429:
                self.paused_until = time.monotonic() + float(headers.get("Retry-After", "1"))
                continue
            if status >= 500:
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))
                delay *= 2
                continue
            return ans
        return None

    async def post(self, body):
        if "_url" in body:
            url = body.pop("_url")
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, lambda: self.call("", None, body, url=url))
            return
        ans = await self.api_call("chat.postMessage", self.bot, body)
        if ans and ans.get("error") in FATAL:
            log("error", "chat.postMessage failed: %s (check SLACK_BOT_TOKEN); stopping"
                % ans.get("error"))
            self.exit_code = 1
            self.stop.set()
        elif ans and not ans.get("ok"):
            log("warn", "chat.postMessage failed: %s" % ans.get("error"))

    async def connect(self):
        ans = await self.api_call("apps.connections.open", self.app)
        if not ans or not ans.get("ok"):
            err = ans.get("error") if ans else "http"
            if err in FATAL:
                log("error", "apps.connections.open failed: %s (check SLACK_APP_TOKEN); stopping" % err)
                self.exit_code = 1
                self.stop.set()
            return None
        u = urllib.parse.urlsplit(ans["url"])
        reader, writer = await asyncio.open_connection(u.hostname, u.port, limit=2 ** 24)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(("GET %s?%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade"
                      "\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                      % (u.path, u.query, u.netloc, key)).encode())
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            writer.close()
            return None
        link = Link(reader, writer)
        self.links.append(link)
        return link

    def handle(self, env):
        typ, payload = env.get("type"), env.get("payload")
        if not isinstance(payload, dict):
            return None, None
        if typ == "slash_commands":
            ans = {"text": answer(payload.get("text", ""))}
            if env.get("accepts_response_payload"):
                return ans, None
            ans["response_type"] = "ephemeral"
            ans["_url"] = payload.get("response_url")
            return None, ans
        if typ != "events_api":
            return None, None
        ev = payload.get("event") or {}
        eid = payload.get("event_id")
        if eid in self.seen:
            return None, None
        if ev.get("bot_id") or ev.get("subtype") or ev.get("user") == self.user_id:
            return None, None
        text = ev.get("text", "")
        if len(text) > 4096:
            body = {"channel": ev.get("channel"), "text": "That message is too long."}
        elif ev.get("type") == "app_mention":
            if text.startswith("<@"):
                text = text[text.find(">") + 1:]
            body = {"channel": ev["channel"], "text": answer(text),
                    "thread_ts": ev.get("thread_ts") or ev.get("ts")}
        elif ev.get("type") == "message" and ev.get("channel_type") == "im":
            body = {"channel": ev["channel"], "text": answer(text)}
        else:
            return None, None
        if eid:
            self.seen.add(eid)
            with open(self.seen_path, "a") as f:
                f.write(eid + "\n")
        return None, body

    async def serve(self, link, switched):
        """Reads one link; returns 'reconnect', 'switch', 'stop' or 'backoff'."""
        pinger = asyncio.ensure_future(self.pinger(link))
        try:
            async for raw in link.messages():
                if raw is None:
                    log("warn", "malformed frame ignored")
                    continue
                try:
                    msg = json.loads(raw.decode("utf-8"))
                    if not isinstance(msg, dict):
                        raise ValueError
                except ValueError:
                    log("warn", "malformed frame ignored")
                    continue
                if msg.get("type") == "hello":
                    log("info", "connected")
                    switched.set()
                    continue
                if msg.get("type") == "disconnect":
                    reason = msg.get("reason")
                    if reason == "link_disabled":
                        log("error", "link disabled by Slack; stopping")
                        return "stop"
                    if reason in ("refresh_requested", "warning"):
                        asyncio.ensure_future(self.switch(link))
                        continue
                    return "backoff"
                env_id = msg.get("envelope_id")
                if not isinstance(env_id, str):
                    log("warn", "malformed frame ignored")
                    continue
                ack_payload, post = self.handle(msg)
                ack = {"envelope_id": env_id}
                if ack_payload:
                    ack["payload"] = ack_payload
                await link.send(1, json.dumps(ack).encode())
                if post:
                    asyncio.ensure_future(self.post(post))
            return "reconnect" if not link.closed else "switched"
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            return "reconnect" if not link.closed else "switched"
        finally:
            pinger.cancel()

    async def pinger(self, link):
        while True:
            await asyncio.sleep(self.ping)
            if time.monotonic() - link.last_rx > 6 * self.ping:
                link.writer.transport.abort()
                return
            try:
                await link.send(9, b"govbot")
            except (ConnectionError, OSError):
                return

    async def switch(self, old):
        new = await self.connect()
        if new is None:
            return
        done = asyncio.Event()
        task = asyncio.ensure_future(self.run_link(new, done))
        await done.wait()
        await old.close()
        self.tasks.append(task)

    async def run_link(self, link, hello):
        how = await self.serve(link, hello)
        if how in ("switched",):
            return
        await link.close()
        if how == "stop":
            self.exit_code = 1
            self.stop.set()
            return
        await asyncio.sleep(self.backoff * random.uniform(0.5, 1.0) if how == "backoff" else 0)
        self.reconnect.set()

    async def main(self):
        if not self.app or not self.bot:
            log("error", "SLACK_APP_TOKEN and SLACK_BOT_TOKEN must be set")
            return 1
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self.stop.set)
        loop.add_signal_handler(signal.SIGINT, self.stop.set)
        ans = await self.api_call("auth.test", self.bot)
        if not ans or not ans.get("ok"):
            log("error", "auth.test failed: %s (check SLACK_BOT_TOKEN)" % (ans or {}).get("error"))
            return 1
        self.user_id = ans["user_id"]
        self.tasks = []
        self.reconnect = asyncio.Event()
        self.reconnect.set()
        attempt = 0
        while not self.stop.is_set():
            waiter = asyncio.ensure_future(self.reconnect.wait())
            stopper = asyncio.ensure_future(self.stop.wait())
            await asyncio.wait([waiter, stopper], return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            stopper.cancel()
            if self.stop.is_set():
                break
            self.reconnect.clear()
            link = await self.connect()
            if link is None:
                if self.stop.is_set():
                    break
                attempt += 1
                await asyncio.sleep(self.backoff * min(2 ** attempt, 60) * random.uniform(0.5, 1))
                self.reconnect.set()
                continue
            attempt = 0
            self.tasks.append(asyncio.ensure_future(self.run_link(link, asyncio.Event())))
        for link in self.links:
            await link.close()
        await asyncio.sleep(0.1)
        return self.exit_code


def main():
    args = sys.argv[1:]
    if len(args) != 3 or args[0] != "run" or args[1] != "--config":
        sys.stderr.write("usage: reference_bot.py run --config FILE\n")
        return 2
    return asyncio.run(Bot(args[2]).main())


if __name__ == "__main__":
    sys.exit(main())
