#!/usr/bin/env python3
"""Loopback Slack: Socket Mode websocket server and Web API on 127.0.0.1.

Built on harness.py (HTTP, RFC 6455, records, scenarios, command line: see
there); this file holds only what is Slack's.  Python 3 standard library only.

Usage (the harness's options, plus the two tokens):
  slack_server.py [--scenario FILE] [--log FILE] [--timeout S | --forever]
                  [--app-token xapp-...] [--bot-token xoxb-...]
                  [--fixtures DIR] [--port N] [--ignore-stdin]
By hand (no time limit, not tied to a terminal's stdin):
  slack_server.py --scenario tests/data/slack/slash.json --log /tmp/slack.jsonl \
      --forever --ignore-stdin

Tokens, as Slack checks them: a method is called with the token in
"Authorization: Bearer".  apps.connections.open takes the app-level token
(xapp-), conversations.history either kind, every other method the bot
token (xoxb-).  The other kind of token answers not_allowed_token_type; a
token of the right kind that is not ours answers invalid_auth; none answers
not_authed (and is a violation).  A token the scenario revoked answers
token_revoked or token_expired from then on.

HTTP endpoints (HTTP/1.1, keep-alive):
  POST /api/apps.connections.open   -> {"ok":true,"url":"ws://.../link/?ticket=N&app_id=A111"}
  POST /api/auth.test               -> {"ok":true,"user_id":"U111","bot_id":"B111",...}
  POST /api/chat.postMessage        JSON body {channel, text|blocks, thread_ts?, metadata?}
                                    -> fixture-shaped answer; the message is kept for history
  POST /api/chat.postEphemeral      JSON body {channel, user, text|blocks, thread_ts?}
                                    -> {"ok":true,"message_ts":...}; never in history
  POST /api/conversations.history   form body {channel, limit?, cursor?, oldest?, latest?,
                                    inclusive?, include_all_metadata?} -> newest first;
                                    "metadata" only with include_all_metadata
  POST /api/<other method>          {"ok":false,"error":"unknown_method"}
  POST /response_url/...            a slash command's response_url; answers "ok"
  GET  /link/?ticket=N              the Socket Mode websocket (single-use ticket)
  and the harness's /control/log, /control/scenario, /control/shutdown.

Channels: the bot is a member of every channel unless the scenario's
"channels" says otherwise: {"C0ANNOUNCE": "not_in_channel" | "channel_not_found"
| "member"}.  chat.postMessage, chat.postEphemeral and conversations.history
to such a channel answer that error.  "history": {"C1": [MESSAGE, ...]}
preloads messages (oldest first, as posted; each {"ts", "text", "metadata"?,
...}) for conversations.history.

The scenario (JSON; harness keys "name", "comment", "api", "steps" too):
  {"api": {"chat.postMessage": [ANSWER...]}, "links": [[STEP...], ...],
   "tokens": {"bot": "token_revoked"}, "channels": {...}, "history": {...},
   "redeliver": true}
ANSWER: the harness's {"delay"}, {"status", "retry_after"}, {"status", "json"},
or Slack's error form {"ok": false, "error": "invalid_auth"} (HTTP 200, given
after the token checks).
"redeliver" (default true): like Slack, an events_api envelope that a closed
link left unacked is sent again (same event_id, retry_attempt + 1) on the
newest live link, or on the next one once it said hello.
"links"[i] is what the (i+1)-th websocket connection does; later connections
only get "hello".  STEP, beyond the harness's sleep, mark, wait_http,
wait_record and request:
  {"send": "FIXTURE.json", "set": {"dotted.path": VALUE, ...},
   "fragments": N, "ping_between": true}    a fixture, edited ("{BASE}" in a
                                            string becomes http://127.0.0.1:PORT)
  {"raw": "TEXT", "fragments": N}           any text frame (malformed JSON...)
  {"binary": "TEXT"}                        a binary frame
  {"big": BYTES, "set": {...}}              an events_api envelope about BYTES long
  {"disconnect": "refresh_requested"|"warning"|"link_disabled"|"too_many_websockets"}
  {"wait_ack": "ENVELOPE_ID", "timeout": S} {"wait_acks": true, "timeout": S}
  {"wait_link": N, "timeout": S}            until connection N said hello
  {"ping": "DATA"}
  {"close": CODE}                           close handshake, then TCP close
  {"kill": true}                            drop TCP at once, no close frame
  {"deaf": true}                            stop answering anything (dead link)
  {"revoke": "bot"|"app", "error": "token_revoked"|"token_expired"}
  {"channel": "C1", "state": "member"|"not_in_channel"|"channel_not_found"}
                                            (e.g. the bot is invited)

Records (harness kinds, plus):
  http      also {ts} for posted messages, {token_error} when the token was refused
  sent      {conn, envelope_id, type, reason, fragments, bytes, ok}
  ack       {conn, envelope_id, payload, delivered_on}
  ws_hello {conn}  rerouted / redeliver_queued / redelivered {conn, envelope_id}
  step_skipped {conn, step}  revoked {token, error}  channel {channel, state}
"""

import asyncio
import copy
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

TOKEN_KIND = {"apps.connections.open": ("app",), "conversations.history": ("bot", "app")}
PREFIX = {"app": "xapp-", "bot": "xoxb-"}
CHANNEL_STATES = ("member", "not_in_channel", "channel_not_found")


class Link(harness.WebSocket):
    """One Socket Mode connection: envelopes out, acks in."""

    def __init__(self, server, conn, reader, writer, req):
        super().__init__(server, conn, reader, writer, req)
        self.sent_envelopes = {}   # envelope_id -> times sent on this link
        self.sent_objs = {}        # envelope_id -> the envelope (for redelivery)
        self.acked = {}            # envelope_id -> times acked on this link
        self.hello_sent = False

    def sent_fields(self, obj):
        if not isinstance(obj, dict):
            return {"envelope_id": None, "type": None, "reason": None}
        return {"envelope_id": obj.get("envelope_id"), "type": obj.get("type"),
                "reason": obj.get("reason")}

    def note_envelope(self, env, obj=None):
        self.sent_envelopes[env] = self.sent_envelopes.get(env, 0) + 1
        if obj is not None:
            self.sent_objs[env] = obj
        self.server.delivered.setdefault(env, []).append(self.conn)

    async def send_json(self, obj, fragments=1, ping_between=False):
        env = obj.get("envelope_id") if isinstance(obj, dict) else None
        if env:
            self.note_envelope(env, obj)
        return await super().send_json(obj, fragments, ping_between)

    def on_message(self, op, data):
        obj = self.parse_message(op, data)
        if obj is None:
            return
        srv = self.server
        if isinstance(obj, dict) and "envelope_id" in obj:
            env = obj["envelope_id"]
            self.acked[env] = self.acked.get(env, 0) + 1
            delivered = srv.delivered.get(env, [])
            self.rec("ack", envelope_id=env, payload=obj.get("payload"), delivered_on=delivered)
            if not delivered:
                srv.violation("ack for an envelope never sent: %s" % env, conn=self.conn)
            elif self.conn not in delivered:
                srv.violation("ack on another connection than the envelope's: %s" % env,
                              conn=self.conn)
            elif self.acked[env] > self.sent_envelopes.get(env, 0):
                srv.violation("envelope acked more often than sent: %s" % env, conn=self.conn)
            srv.acks[env] = srv.acks.get(env, 0) + 1
            srv.check_slash_ack(obj, self.conn)
            return
        self.rec("ws_text", text=data.decode("utf-8"))

    def on_closed(self):
        self.server.redeliver_unacked(self)


class SlackServer(harness.FakeServer):
    NAME = "slack"
    SCENARIO_KEYS = ("links", "redeliver", "tokens", "channels", "history")

    def setup(self):
        self.next_ticket = 1
        self.tickets = {}          # ticket -> "issued" | "used"
        self.hellos = []           # connection numbers that got hello
        self.delivered = {}        # envelope_id -> [conn, ...]
        self.acks = {}             # envelope_id -> times acked
        self.pending = []          # envelopes waiting for a live link
        self.next_ts = 1
        self.token_state = {}      # "bot"/"app" -> error once revoked
        self.channels = {}         # channel -> state
        self.history = {}          # channel -> [message, ...] oldest first
        self.route("*", "/api/{method}", self.api, api="{method}")
        self.route("*", "/response_url/{rest*}", self.response_url, api="response_url")
        self.websocket("/link/", self.link_open, check=self.check_ticket, factory=Link)
        for name in ("send", "raw", "binary", "big", "disconnect", "wait_ack", "wait_acks",
                     "wait_link", "ping", "close", "kill", "deaf", "revoke", "channel"):
            self.step_handler(name, getattr(self, "step_" + name))

    @classmethod
    def add_arguments(cls, p):
        p.add_argument("--app-token",
                       default=os.environ.get("SLACK_APP_TOKEN", "xapp-1-A111-loopback"))
        p.add_argument("--bot-token",
                       default=os.environ.get("SLACK_BOT_TOKEN", "xoxb-111-loopback"))

    def load_scenario(self, obj):
        super().load_scenario(obj)
        tokens = obj.get("tokens", {})
        for kind, err in tokens.items():
            if kind not in PREFIX or err not in ("token_revoked", "token_expired"):
                raise ValueError('"tokens" maps "bot"/"app" to token_revoked or token_expired')
        channels = obj.get("channels", {})
        for ch, state in channels.items():
            if state not in CHANNEL_STATES:
                raise ValueError("channel %s: state %r is not one of %s" % (ch, state,
                                                                           CHANNEL_STATES))
        self.token_state = dict(tokens)
        self.channels = dict(channels)
        self.history = copy.deepcopy(obj.get("history", {}))

    def error_body(self, req, status):
        return {"ok": False, "error": "ratelimited" if status == 429 else "service_unavailable"}

    # ---- Web API ----------------------------------------------------------
    def refuse(self, req, error):
        req.note(error=error)
        return harness.json_response({"ok": False, "error": error})

    def token_problem(self, req, method):
        """The error Slack gives for this call's token, or None."""
        token = req.bearer()
        kinds = TOKEN_KIND.get(method, ("bot",))
        if not req.header("authorization"):
            self.violation("%s without an Authorization header" % method)
            return "not_authed"
        mine = {k: getattr(self.args, k + "_token") for k in PREFIX}
        kind = next((k for k in PREFIX if token.startswith(PREFIX[k])), None)
        if kind is None:
            req.note(token_error="not a Slack token")
            return "invalid_auth"
        if kind not in kinds:
            # Slack's answer to an xoxb- token where an xapp- one belongs and
            # the other way round; the caller should say which token to fix.
            req.note(token_error="%s token, want %s" % (kind, "/".join(kinds)))
            return "not_allowed_token_type"
        if token != mine[kind]:
            req.note(token_error="unknown %s token" % kind)
            return "invalid_auth"
        if kind in self.token_state:
            req.note(token_error="%s token %s" % (kind, self.token_state[kind]))
            return self.token_state[kind]
        return None

    def channel_problem(self, channel):
        if not channel:
            return "channel_not_found"
        state = self.channels.get(channel, "member")
        return None if state == "member" else state

    async def api(self, req):
        method = req.api
        body, body_err = req.parsed()
        if req.method != "POST":
            self.violation("%s called with %s, Slack's Web API wants POST" % (method, req.method))
        if body_err:
            self.violation("%s: %s" % (method, body_err))
        err = self.token_problem(req, method)
        if err:
            return self.refuse(req, err)
        script = req.script if isinstance(req.script, dict) else {}
        if script.get("ok") is False:
            return self.refuse(req, script.get("error", "fatal_error"))
        handler = {"apps.connections.open": self.connections_open, "auth.test": self.auth_test,
                   "chat.postMessage": self.post_message,
                   "chat.postEphemeral": self.post_ephemeral,
                   "conversations.history": self.conversations_history}.get(method)
        if handler is None:
            return self.refuse(req, "unknown_method")
        return handler(req, body)

    def connections_open(self, req, body):
        ticket = self.next_ticket
        self.next_ticket += 1
        self.tickets[ticket] = "issued"
        req.note(ticket=ticket)
        url = "ws://127.0.0.1:%d/link/?ticket=%d&app_id=A111" % (self.port, ticket)
        return harness.json_response({"ok": True, "url": url})

    def auth_test(self, req, body):
        return harness.json_response({
            "ok": True, "url": "https://loopback.slack.test/", "team": "Loopback",
            "user": "govbot", "team_id": "T111", "user_id": "U111", "bot_id": "B111",
            "is_enterprise_install": False})

    def new_ts(self):
        ts = "1700000000.%06d" % self.next_ts
        self.next_ts += 1
        return ts

    def check_message_body(self, req, body, method):
        """Slack's checks common to chat.postMessage and chat.postEphemeral;
        the error to answer, or None."""
        if not req.header("content-type").startswith("application/json"):
            self.violation("%s body is not sent as application/json" % method)
        if not isinstance(body, dict):
            return "invalid_arguments"
        err = self.channel_problem(body.get("channel"))
        if err:
            return err
        if not body.get("text") and not body.get("blocks"):
            return "no_text"
        return None

    def post_message(self, req, body):
        err = self.check_message_body(req, body, "chat.postMessage")
        if err:
            return self.refuse(req, err)
        meta = body.get("metadata")
        if meta is not None and not (isinstance(meta, dict) and
                                     isinstance(meta.get("event_type"), str) and
                                     isinstance(meta.get("event_payload"), dict)):
            return self.refuse(req, "invalid_metadata_format")
        ans = self.fixture("chat_postMessage_response_ok.json")
        ts = self.new_ts()
        ans["channel"] = body["channel"]
        ans["ts"] = ts
        ans["message"] = {"text": body.get("text", ""), "username": "govbot",
                          "bot_id": "B111", "type": "message", "subtype": "bot_message",
                          "ts": ts}
        if body.get("thread_ts"):
            ans["message"]["thread_ts"] = body["thread_ts"]
        kept = dict(ans["message"], user="U111")
        for key in ("blocks", "metadata"):
            if key in body:
                kept[key] = body[key]
        self.history.setdefault(body["channel"], []).append(kept)
        req.note(ts=ts)
        return harness.json_response(ans)

    def post_ephemeral(self, req, body):
        err = self.check_message_body(req, body, "chat.postEphemeral")
        if not err and not body.get("user"):
            err = "user_not_in_channel"
        if err:
            return self.refuse(req, err)
        ts = self.new_ts()
        req.note(ts=ts)
        return harness.json_response({"ok": True, "message_ts": ts})

    def conversations_history(self, req, body):
        if req.header("content-type").startswith("application/json"):
            self.violation("conversations.history takes form-encoded arguments, not JSON")
        if not isinstance(body, dict):
            return self.refuse(req, "invalid_arguments")
        err = self.channel_problem(body.get("channel"))
        if err:
            return self.refuse(req, err)
        try:
            limit = max(1, min(int(body.get("limit", 100)), 999))
            start = int(body.get("cursor") or 0)
            oldest = float(body.get("oldest") or 0)
            latest = float(body["latest"]) if body.get("latest") else None
        except ValueError:
            return self.refuse(req, "invalid_arguments")
        inclusive = str(body.get("inclusive", "")).lower() in ("1", "true")
        metadata = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
        msgs = []
        for m in reversed(self.history.get(body["channel"], [])):
            ts = float(m.get("ts", 0))
            if ts < oldest or (ts == oldest and not inclusive and oldest):
                continue
            if latest is not None and (ts > latest or (ts == latest and not inclusive)):
                continue
            m = dict(m)
            if not metadata:
                m.pop("metadata", None)
            msgs.append(m)
        page = msgs[start:start + limit]
        more = start + limit < len(msgs)
        return harness.json_response({
            "ok": True, "messages": page, "has_more": more, "pin_count": 0,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""}})

    def response_url(self, req):
        body, err = req.parsed()
        if err:
            self.violation("response_url: %s" % err)
        if isinstance(body, dict) and "response_type" in body and \
                body["response_type"] not in ("ephemeral", "in_channel"):
            self.violation("response_url: response_type %r" % body["response_type"])
        return harness.text_response("ok")

    def check_slash_ack(self, ack, conn):
        """An ack that answers a slash command carries a message payload."""
        payload = ack.get("payload")
        if isinstance(payload, dict) and "response_type" in payload and \
                payload["response_type"] not in ("ephemeral", "in_channel"):
            self.violation("ack payload response_type %r" % payload["response_type"], conn=conn)

    # ---- Socket Mode ------------------------------------------------------
    def check_ticket(self, req):
        ticket = None
        try:
            ticket = int(req.query.get("ticket", ["x"])[0])
        except ValueError:
            pass
        state = self.tickets.get(ticket)
        if state != "issued":
            return ["ticket %s %s" % (ticket, "reused" if state == "used" else "unknown")]
        self.tickets[ticket] = "used"
        return []

    async def link_open(self, link, req):
        links = self.scenario.get("links", [])
        n = link.conn
        steps = links[n - 1] if n - 1 < len(links) else [{"send": "socket_mode_hello.json"}]
        await self.run_steps(steps, link)

    async def run_steps(self, steps, ctx=None):
        if not isinstance(ctx, Link):
            return await super().run_steps(steps, ctx)
        alive_only = ("raw", "binary", "big", "disconnect", "wait_acks", "ping", "close",
                      "kill", "deaf")
        for step in steps:
            if ctx.closed and any(k in step for k in alive_only):
                ctx.rec("step_skipped", step=step)
                continue
            if not await self.run_step(step, ctx):
                break
        ctx.rec("steps_done")

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
        live = [ws for ws in self.websockets if not ws.closed and ws.hello_sent]
        if not live or not self.pending:
            return
        target = live[-1]
        todo, self.pending = self.pending, []
        for obj in todo:
            asyncio.ensure_future(target.send_json(obj))
            target.rec("redelivered", envelope_id=obj.get("envelope_id"))

    # ---- steps ------------------------------------------------------------
    def edited_fixture(self, step, name):
        obj = self.fixture(name)
        for path, value in step.get("set", {}).items():
            harness.set_path(obj, path, self.substitute(value))
        return obj

    async def step_send(self, step, link):
        obj = self.edited_fixture(step, step["send"])
        if link.closed:
            if "envelope_id" in obj:
                # Slack sends an envelope on one of the app's live links.
                self.pending.append(obj)
                link.rec("rerouted", envelope_id=obj["envelope_id"])
                self.flush_pending()
            else:
                link.rec("step_skipped", step=step)
            return
        hello = obj.get("type") == "hello"
        if hello:
            link.hello_sent = True
        await link.send_json(obj, step.get("fragments", 1), step.get("ping_between", False))
        if hello:
            self.hellos.append(link.conn)
            link.rec("ws_hello")
            self.flush_pending()

    async def step_raw(self, step, link):
        env = None
        try:
            parsed = json.loads(step["raw"])
            if isinstance(parsed, dict) and isinstance(parsed.get("envelope_id"), str):
                env = parsed["envelope_id"]
                link.note_envelope(env)
        except ValueError:
            pass
        ok = await link.send_text(step["raw"], step.get("fragments", 1))
        link.rec("sent", envelope_id=env, type="raw", bytes=len(step["raw"]), ok=ok)

    async def step_binary(self, step, link):
        ok = await link.send_text(step["binary"].encode(), opcode=harness.OP_BINARY)
        link.rec("sent", envelope_id=None, type="binary", ok=ok)

    async def step_big(self, step, link):
        obj = self.fixture("socket_mode_envelope_events_api_message.json")
        obj["envelope_id"] = "big-envelope"
        obj["payload"]["event_id"] = "EvBIG"
        obj["payload"]["event"]["channel_type"] = "im"
        obj["payload"]["event"]["channel"] = "D111"
        obj["payload"]["event"]["text"] = ""
        base_len = len(harness.jdump(obj))
        obj["payload"]["event"]["text"] = "who " + "x" * max(0, int(step["big"]) - base_len - 4)
        for path, value in step.get("set", {}).items():
            harness.set_path(obj, path, self.substitute(value))
        await link.send_json(obj, step.get("fragments", 1))

    async def step_disconnect(self, step, link):
        reason = step["disconnect"]
        if reason == "too_many_websockets":
            obj = self.fixture("socket_mode_disconnect_too_many_websockets.json")
        else:
            # Shape from Slack's Socket Mode implementation page (not in the fixtures).
            obj = {"type": "disconnect", "reason": reason,
                   "debug_info": {"host": "wss-111.slack.com"}}
        await link.send_json(obj)

    async def step_wait_ack(self, step, link):
        env = step["wait_ack"]
        await self.wait_until(lambda: self.acks.get(env, 0) >= step.get("count", 1),
                              step.get("timeout", 5), step, link)

    async def step_wait_acks(self, step, link):
        await self.wait_until(
            lambda: all(link.acked.get(e, 0) >= n for e, n in link.sent_envelopes.items()),
            step.get("timeout", 5), step, link)

    async def step_wait_link(self, step, link):
        n = int(step["wait_link"])
        await self.wait_until(lambda: n in self.hellos, step.get("timeout", 10), step, link)

    async def step_ping(self, step, link):
        await link.ping(step["ping"])

    async def step_close(self, step, link):
        await link.close(int(step["close"]))

    async def step_kill(self, step, link):
        link.rec("ws_close", by="server", code=None, clean=False)
        link.abort()

    async def step_deaf(self, step, link):
        link.deaf = True
        link.rec("deaf")

    async def step_revoke(self, step, ctx):
        kind, err = step["revoke"], step.get("error", "token_revoked")
        if kind not in PREFIX or err not in ("token_revoked", "token_expired"):
            raise ValueError("revoke: bot|app, error token_revoked|token_expired")
        self.token_state[kind] = err
        self.rec.add("revoked", token=kind, error=err)

    async def step_channel(self, step, ctx):
        if step.get("state") not in CHANNEL_STATES:
            raise ValueError("channel: state is one of %s" % (CHANNEL_STATES,))
        self.channels[step["channel"]] = step["state"]
        self.rec.add("channel", channel=step["channel"], state=step["state"])


if __name__ == "__main__":
    sys.exit(SlackServer.main())
