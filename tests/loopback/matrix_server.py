#!/usr/bin/env python3
"""Loopback Matrix homeserver (Client-Server API v3) on 127.0.0.1.

Built on harness.py (HTTP, records, scenarios, command line: see there);
this file holds only what is Matrix's.  Python 3 standard library only.
It keeps real state (rooms, members, a stream of events, transaction ids
per access token, m.direct account data) and answers in the shapes of the
spec's own examples (tests/data/matrix/fixtures/, from matrix-org/matrix-spec),
so a test drives it like a homeserver: by making things happen in rooms.

Usage (the harness's options, plus the bot's token and user id):
  matrix_server.py [--scenario FILE] [--log FILE] [--timeout S | --forever]
                   [--token TOKEN] [--user @bot:server] [--fixtures DIR]
                   [--port N] [--ignore-stdin]

Endpoints (all but /versions need "Authorization: Bearer TOKEN", else 401
M_MISSING_TOKEN / M_UNKNOWN_TOKEN, as the fixtures show):
  GET  /_matrix/client/versions
  GET  /_matrix/client/v3/account/whoami
  GET  /_matrix/client/v3/profile/{userId}[/displayname]
  POST /_matrix/client/v3/user/{userId}/filter          -> {"filter_id"}
  GET  /_matrix/client/v3/sync?since=&timeout=&filter=   long-poll
  POST /_matrix/client/v3/join/{roomIdOrAlias}, /rooms/{roomId}/join
  POST /_matrix/client/v3/rooms/{roomId}/leave, /forget
  PUT  /_matrix/client/v3/rooms/{roomId}/send/{type}/{txnId}
  GET  /_matrix/client/v3/joined_rooms
  GET  /_matrix/client/v3/directory/room/{roomAlias}    -> {"room_id", "servers"}
  POST /_loopback/op      the test's operations (below): one JSON op or a list

Sync: next_batch is "s<N>" (a stream position).  Without since: every joined
room with its last `limit` timeline events (the filter's, default 10;
"limited" when more), lazy-loaded member state, a summary, m.direct and the
pending invites.  With since: what happened after it, waiting up to timeout
ms (capped at 60 s) for something to happen.  The filter (inline JSON or an
uploaded filter id) is applied: room.timeline.types / not_types / senders /
not_senders / limit (a long-poll waits on while everything new is filtered out),
room.state.types, account_data.types, presence.types.

Operations (POST /_loopback/op, or the scenario's "ops"):
  {"op":"message","room":R,"sender":U,"body":B,"msgtype":"m.text",
   "content":{...merged...},"type":"m.room.message","event_id":E,"count":N}
       a timeline event; with count, N of them ("{i}" in body is the index)
  {"op":"member","room":R,"user":U,"membership":"join"|"leave","sender":S}
  {"op":"invite","room":R,"sender":U,"name":NAME}   the bot is invited
  {"op":"kick","room":R,"sender":U,"reason":TEXT}  the bot is kicked
  {"op":"direct","content":{U:[R,...]}}          m.direct account data
  {"op":"fault", RULE}                           see below
  {"op":"revoke","soft":BOOL}                    the token stops working
  {"op":"rewind","to":"sN"}   the next sync with a since answers as if since were sN
  {"op":"mark","label":L}                        a record, for ordering
The scenario (JSON; harness keys "name", "comment", "api", "steps" too):
  {"rooms"|"more_rooms": {R: {"members":[U...], "joined": BOOL (the bot is
   in it), "name": S, "alias": "#name:server", "forbidden_send": BOOL,
   "forbidden_join": BOOL, "encrypted": BOOL}}, "displayname": S, "ops": [OP...], "faults": [RULE...]}

Fault RULE: {"match": "sync"|"send"|"join"|"whoami"|"profile"|"filter"|"any",
  "room": R (send/join only), "after": K (applies from the K-th request of
  that kind, 0-based, counted per room for send/join), "times": N (default 1),
  "status": CODE, "json": OBJ, "raw": TEXT, "fixture": FILE,
  "headers": {NAME: VALUE}, "delay": SECONDS,
  "store": true (send: store the event, then answer with the fault),
  "pad": BYTES (sync: answer normally, padded with an ignored room of BYTES)}

Records, beyond the harness's "http" (one per request):
  sync  {since, timeout, filter, next_batch, events, bytes, status, invites, leaves}
  sync_wait {since, timeout}      a long-poll found nothing new and waits
  send  {room, type, txn, event_id, dup, stored, content, status}
  send_stored {room, txn, ...}    a send stored before a fault answers it
  join / leave / forget {room, status}
  op    {op...}   applied operations
  violation {what}  govbot broke the protocol
"""

import asyncio
import bisect
import copy
import json
import sys
import time
import urllib.parse

import harness

PREFIX = "/_matrix/client/v3"
MAX_TIMEOUT_MS = 60000


def type_matches(pattern, t):
    if pattern.endswith("*"):
        return t.startswith(pattern[:-1])
    return pattern == t


def filter_allows(flt, t):
    """A RoomEventFilter/EventFilter's types/not_types test."""
    if not isinstance(flt, dict):
        return True
    if any(type_matches(p, t) for p in flt.get("not_types", []) or []):
        return False
    types = flt.get("types")
    if types is None:
        return True
    return any(type_matches(p, t) for p in types)


def event_allowed(flt, ev):
    """A RoomEventFilter's types/not_types and senders/not_senders test of
    one event (a homeserver leaves such an event out of the sync, and a
    long-poll keeps waiting when nothing else is new)."""
    if not filter_allows(flt, ev["type"]):
        return False
    if not isinstance(flt, dict):
        return True
    sender = ev.get("sender")
    if sender in (flt.get("not_senders") or []):
        return False
    senders = flt.get("senders")
    return senders is None or sender in senders


class Room:
    def __init__(self, room_id):
        self.id = room_id
        self.name = None
        self.members = {}            # user -> membership
        self.member_pos = 0          # stream position of the last membership change
        self.forbidden_send = False
        self.forbidden_join = False
        self.encrypted = False


class MatrixServer(harness.FakeServer):
    NAME = "matrix"
    SCENARIO_KEYS = ("rooms", "more_rooms", "displayname", "ops", "faults")

    def setup(self):
        self.user = self.args.user
        self.server_name = self.user.split(":", 1)[1]
        self.token = self.args.token
        self.revoked = None          # None, or {"soft": bool}
        self.displayname = "govbot"
        self.pos = 0
        self.events = []             # (pos, room_id, event), in pos order
        self.positions = []
        self.rooms = {}
        self.bot_joined = {}         # room -> pos of the bot's join
        self.bot_left = {}           # room -> (pos, event) of the bot's leave / kick
        self.invites = {}            # room -> (pos, sender)
        self.direct = None           # (pos, content)
        self.txns = {}               # (token, txn) -> event_id
        self.filters = {}
        self.aliases = {}            # "#name:server" -> room id
        self.faults = []
        self.seen_requests = {}
        self.rewind_to = None
        self.event_seq = 0
        self.changed = None          # asyncio.Event, set whenever the stream moves
        r = self.route
        r("GET", "/_matrix/client/versions", self.versions, api="versions")
        r("GET", PREFIX + "/account/whoami", self.whoami, api="whoami")
        r("GET", PREFIX + "/profile/{user}", self.profile, api="profile")
        r("GET", PREFIX + "/profile/{user}/displayname", self.profile, api="profile")
        r("POST", PREFIX + "/user/{user}/filter", self.filter, api="filter")
        r("GET", PREFIX + "/sync", self.sync, api="sync")
        r("GET", PREFIX + "/joined_rooms", self.joined_rooms, api="joined_rooms")
        r("GET", PREFIX + "/directory/room/{alias}", self.directory, api="directory")
        r("POST", PREFIX + "/join/{room}", self.join, api="join")
        r("POST", PREFIX + "/rooms/{room}/join", self.join, api="join")
        r("POST", PREFIX + "/rooms/{room}/leave", self.leave, api="leave")
        r("POST", PREFIX + "/rooms/{room}/forget", self.forget, api="forget")
        r("PUT", PREFIX + "/rooms/{room}/send/{type}/{txn}", self.send, api="send")
        r("POST", "/_loopback/op", self.op, api="op")

    @classmethod
    def add_arguments(cls, p):
        p.add_argument("--token", default="syt_loopback_token")
        p.add_argument("--user", default="@govbot:example.org")

    def load_scenario(self, obj):
        super().load_scenario(obj)
        self.displayname = obj.get("displayname", self.displayname)
        rooms = dict(obj.get("rooms", {}))
        rooms.update(obj.get("more_rooms", {}))
        for room_id, spec in rooms.items():
            r = self.room(room_id)
            r.name = spec.get("name")
            r.forbidden_send = bool(spec.get("forbidden_send"))
            r.forbidden_join = bool(spec.get("forbidden_join"))
            r.encrypted = bool(spec.get("encrypted"))
            if spec.get("alias"):
                self.aliases[spec["alias"]] = room_id
            for u in spec.get("members", []):
                self.set_member(room_id, u, "join")
            if r.encrypted:
                self.append(room_id, {"type": "m.room.encryption", "state_key": "",
                                      "sender": next(iter(r.members), self.user),
                                      "content": {"algorithm": "m.megolm.v1.aes-sha2"}})
            if spec.get("joined"):
                self.set_member(room_id, self.user, "join")
        self.faults.extend(copy.deepcopy(obj.get("faults", [])))
        for op in obj.get("ops", []):
            self.apply(op)

    async def started(self):
        self.changed = asyncio.Event()

    # ---- state --------------------------------------------------------
    def moved(self):
        if self.changed is not None:
            self.changed.set()
            self.changed = asyncio.Event()

    def room(self, room_id):
        r = self.rooms.get(room_id)
        if r is None:
            r = self.rooms[room_id] = Room(room_id)
        return r

    def new_event_id(self):
        self.event_seq += 1
        return "$ev%d:%s" % (self.event_seq, self.server_name)

    def append(self, room_id, event):
        self.pos += 1
        event.setdefault("event_id", self.new_event_id())
        event.setdefault("origin_server_ts", int(time.time() * 1000))
        event.setdefault("unsigned", {"age": 0})
        self.events.append((self.pos, room_id, event))
        self.positions.append(self.pos)
        self.moved()
        return event

    def set_member(self, room_id, user, membership, sender=None, reason=None):
        r = self.room(room_id)
        r.members[user] = membership
        content = {"membership": membership}
        if reason:
            content["reason"] = reason
        ev = self.append(room_id, {"type": "m.room.member", "state_key": user,
                                   "sender": sender or user, "content": content})
        r.member_pos = self.pos
        if user == self.user:
            if membership == "join":
                self.bot_joined[room_id] = self.pos
                self.bot_left.pop(room_id, None)
                self.invites.pop(room_id, None)
            elif membership in ("leave", "ban"):
                self.bot_joined.pop(room_id, None)
                self.bot_left[room_id] = (self.pos, ev)
                self.invites.pop(room_id, None)
        return ev

    def message_event(self, op, i=None):
        """An event shaped like the spec's m.room.message example."""
        ev = self.fixture("event_m_room_message_m_text.json")
        ev.pop("room_id", None)       # timeline events carry no room_id
        ev.pop("event_id", None)
        ev["unsigned"] = {"age": 0}
        ev["origin_server_ts"] = int(time.time() * 1000)
        ev["type"] = op.get("type", "m.room.message")
        ev["sender"] = op.get("sender", "@alice:" + self.server_name)
        content = {"msgtype": op.get("msgtype", "m.text"), "body": op.get("body", "")}
        if i is not None:
            content["body"] = content["body"].replace("{i}", str(i))
        content.update(copy.deepcopy(op.get("content", {})))
        ev["content"] = content
        if "event_id" in op:
            ev["event_id"] = op["event_id"] if i is None else "%s-%d" % (op["event_id"], i)
        return ev

    def apply(self, op):
        kind = op.get("op")
        if kind == "message":
            count = op.get("count")
            ids = []
            for i in ([None] if count is None else range(int(count))):
                ids.append(self.append(op["room"], self.message_event(op, i))["event_id"])
            self.rec.add("op", op=kind, room=op["room"], event_ids=ids[:5], count=len(ids),
                         pos=self.pos)
            return
        if kind == "member":
            self.set_member(op["room"], op["user"], op.get("membership", "join"),
                            op.get("sender"))
        elif kind == "invite":
            r = self.room(op["room"])
            r.name = op.get("name", r.name)
            sender = op.get("sender", "@alice:" + self.server_name)
            r.members.setdefault(sender, "join")
            self.set_member(op["room"], self.user, "invite", sender)
            self.invites[op["room"]] = (self.pos, sender)
        elif kind == "kick":
            self.set_member(op["room"], self.user, "leave", op.get("sender"), op.get("reason"))
        elif kind == "direct":
            self.pos += 1
            self.direct = (self.pos, op["content"])
            self.moved()
        elif kind == "fault":
            rule = dict(op)
            rule.pop("op")
            self.faults.append(rule)
        elif kind == "revoke":
            self.revoked = {"soft": bool(op.get("soft"))}
        elif kind == "rewind":
            self.rewind_to = op["to"]
        elif kind != "mark":
            raise ValueError("unknown op %r" % kind)
        self.rec.add("op", pos=self.pos, **op)

    # ---- faults -------------------------------------------------------
    def take_fault(self, what, room=None):
        """The first rule that applies to this request (the n-th of its kind,
        0-based, counted per kind and room), used up once per request."""
        key = (what, room)
        n = self.seen_requests.get(key, 0)
        self.seen_requests[key] = n + 1
        for rule in self.faults:
            if rule.get("match", "any") not in (what, "any"):
                continue
            if "room" in rule and rule["room"] != room:
                continue
            if n < rule.get("after", 0) or rule.get("times", 1) <= 0:
                continue
            rule["times"] = rule.get("times", 1) - 1
            return rule
        return None

    async def fault_answer(self, rule):
        """(response, status, errcode) for a fault rule."""
        if rule.get("delay"):
            await asyncio.sleep(float(rule["delay"]))
        status = int(rule.get("status", 500))
        headers = rule.get("headers") or {}
        if "fixture" in rule:
            obj = self.fixture(rule["fixture"])
            return harness.json_response(obj, status, headers), status, obj.get("errcode")
        if "raw" in rule:
            return harness.Response(status, rule["raw"], headers), status, None
        obj = rule.get("json", {"errcode": "M_UNKNOWN", "error": "loopback fault"})
        code = obj.get("errcode") if isinstance(obj, dict) else None
        return harness.json_response(obj, status, headers), status, code

    # ---- plumbing -----------------------------------------------------
    @staticmethod
    def error(status, errcode, message, **extra):
        body = {"errcode": errcode, "error": message}
        body.update(extra)
        return harness.json_response(body, status)

    def denied(self, req):
        """None when the token is good, else the 401 to answer."""
        if "access_token" in req.query:
            self.violation("access token in the query string")
        auth = req.header("authorization")
        if not auth.startswith("Bearer "):
            return self.error(401, "M_MISSING_TOKEN", "Missing access token")
        if req.bearer() != self.token or self.revoked is not None:
            soft = self.revoked is not None and self.revoked["soft"]
            name = "error_unknown_token_soft_logout.json" if soft else "error_unknown_token.json"
            return harness.json_response(self.fixture(name), 401)
        return None

    @staticmethod
    def param(req, name):
        return urllib.parse.unquote(req.params[name])

    @staticmethod
    def query(req, name, default=None):
        v = req.query.get(name)
        return v[0] if v else default

    # ---- endpoints ----------------------------------------------------
    def versions(self, req):
        return harness.json_response({"versions": ["v1.1", "v1.6", "v1.7", "v1.11"]})

    async def whoami(self, req):
        no = self.denied(req)
        if no:
            return no
        rule = self.take_fault("whoami")
        if rule:
            return (await self.fault_answer(rule))[0]
        return harness.json_response({"user_id": self.user, "device_id": "LOOPBACK",
                                      "is_guest": False})

    async def profile(self, req):
        no = self.denied(req)
        if no:
            return no
        rule = self.take_fault("profile")
        if rule:
            return (await self.fault_answer(rule))[0]
        if self.param(req, "user") != self.user:
            return self.error(404, "M_NOT_FOUND", "Profile not found")
        return harness.json_response({"displayname": self.displayname})

    async def filter(self, req):
        no = self.denied(req)
        if no:
            return no
        try:
            flt = json.loads(req.body)
        except ValueError:
            self.violation("filter body is not JSON")
            return self.error(400, "M_NOT_JSON", "Content not JSON.")
        fid = str(len(self.filters) + 1)
        self.filters[fid] = flt
        return harness.json_response({"filter_id": fid})

    def joined_rooms(self, req):
        return self.denied(req) or harness.json_response({"joined_rooms": sorted(self.bot_joined)})

    def directory(self, req):
        no = self.denied(req)
        if no:
            return no
        alias = self.param(req, "alias")
        if alias not in self.aliases:
            return self.error(404, "M_NOT_FOUND", "Room alias %s not found" % alias)
        return harness.json_response({"room_id": self.aliases[alias],
                                      "servers": [self.server_name]})

    async def join(self, req):
        no = self.denied(req)
        if no:
            return no
        room_id = self.param(req, "room")
        room_id = self.aliases.get(room_id, room_id)
        rule = self.take_fault("join", room_id)
        if rule:
            resp, status, _ = await self.fault_answer(rule)
        else:
            r = self.rooms.get(room_id)
            if r is None:
                resp, status = self.error(404, "M_NOT_FOUND", "No known servers"), 404
            elif r.forbidden_join and room_id not in self.invites:
                resp, status = self.error(403, "M_FORBIDDEN",
                                          "You are not invited to this room."), 403
            else:
                if room_id not in self.bot_joined:
                    self.set_member(room_id, self.user, "join")
                resp, status = harness.json_response({"room_id": room_id}), 200
        self.rec.add("join", room=room_id, status=status)
        return resp

    def leave(self, req):
        no = self.denied(req)
        if no:
            return no
        room_id = self.param(req, "room")
        if room_id in self.bot_joined or room_id in self.invites:
            self.set_member(room_id, self.user, "leave")
        self.rec.add("leave", room=room_id, status=200)
        return harness.json_response({})

    def forget(self, req):
        no = self.denied(req)
        if no:
            return no
        room_id = self.param(req, "room")
        if room_id in self.bot_joined:
            self.rec.add("forget", room=room_id, status=400)
            return self.error(400, "M_UNKNOWN", "User is in the room")
        self.bot_left.pop(room_id, None)
        self.rec.add("forget", room=room_id, status=200)
        return harness.json_response({})

    async def send(self, req):
        no = self.denied(req)
        if no:
            return no
        room_id, txn = self.param(req, "room"), self.param(req, "txn")
        rec = {"room": room_id, "type": self.param(req, "type"), "txn": txn}
        try:
            content = json.loads(req.body)
            if not isinstance(content, dict):
                raise ValueError
        except ValueError:
            self.violation("send body is not a JSON object")
            self.rec.add("send", status=400, **rec)
            return self.error(400, "M_NOT_JSON", "Content not JSON.")
        rec["content"] = content
        rule = self.take_fault("send", room_id)
        if rule and not rule.get("store"):
            resp, status, _ = await self.fault_answer(rule)
            self.rec.add("send", status=status, stored=False, dup=False, **rec)
            return resp
        r = self.rooms.get(room_id)
        key = (req.bearer(), txn)
        if key in self.txns:
            event_id, dup, stored = self.txns[key], True, False
        elif r is None or room_id not in self.bot_joined:
            self.rec.add("send", status=403, stored=False, dup=False, **rec)
            return self.error(403, "M_FORBIDDEN", "User %s not in room %s" % (self.user, room_id))
        elif r.forbidden_send:
            self.rec.add("send", status=403, stored=False, dup=False, **rec)
            return self.error(403, "M_FORBIDDEN", "You don't have permission to post that to "
                              "the room. user_level (0) < send_level (50)")
        else:
            ev = self.append(room_id, {"type": rec["type"], "sender": self.user,
                                       "content": content})
            event_id, dup, stored = ev["event_id"], False, True
            self.txns[key] = event_id
        rec.update(event_id=event_id, dup=dup, stored=stored)
        if rule:  # stored, then the answer is late or lost
            self.rec.add("send_stored", **rec)
            resp, status, _ = await self.fault_answer(rule)
            self.rec.add("send", status=status, **rec)
            return resp
        answer = self.fixture("room_send_response.json")
        answer["event_id"] = event_id
        self.rec.add("send", status=200, **rec)
        return harness.json_response(answer)

    def op(self, req):
        try:
            ops = json.loads(req.body)
            for o in ops if isinstance(ops, list) else [ops]:
                self.apply(o)
        except (ValueError, KeyError, TypeError) as e:
            self.rec.add("scenario_error", error=repr(e))
            return harness.json_response({"ok": False, "error": repr(e)}, 400)
        return harness.json_response({"ok": True})

    # ---- sync ---------------------------------------------------------
    def build_sync(self, since, flt):
        """The sync response for events after since (None: initial), and how
        many timeline events it carries."""
        room_f = flt.get("room", {}) if isinstance(flt, dict) else {}
        tl_f = room_f.get("timeline", {})
        st_f = room_f.get("state", {})
        limit = tl_f.get("limit", 10)
        lazy = bool(st_f.get("lazy_load_members") or tl_f.get("lazy_load_members"))
        base = self.fixture("sync_response.json")
        room_tpl = base["rooms"]["join"]["!726s6s6q:example.com"]
        res = {"next_batch": "s%d" % self.pos, "rooms": {"join": {}, "invite": {}, "leave": {}}}
        if filter_allows(flt.get("presence", {}) if isinstance(flt, dict) else {}, "m.presence"):
            res["presence"] = {"events": []}
        acc_f = flt.get("account_data", {}) if isinstance(flt, dict) else {}
        acc = []
        if self.direct and (since is None or self.direct[0] > since) and \
                filter_allows(acc_f, "m.direct"):
            acc.append({"type": "m.direct", "content": self.direct[1]})
        res["account_data"] = {"events": acc}
        after = since if since is not None else -1
        by_room = {}
        for _, room_id, ev in self.events[bisect.bisect_right(self.positions, after):]:
            by_room.setdefault(room_id, []).append(ev)
        nevents = 0
        for room_id, joined_at in self.bot_joined.items():
            r = self.rooms[room_id]
            if since is None:
                evs = [e for _, rid, e in self.events if rid == room_id]
            else:
                evs = by_room.get(room_id, [])
            evs = [e for e in evs if event_allowed(tl_f, e)]
            if since is not None and joined_at <= since and not evs and r.member_pos <= since:
                continue
            limited = len(evs) > limit
            if limited:
                evs = evs[len(evs) - limit:] if limit > 0 else []
            entry = {"timeline": {"events": copy.deepcopy(evs), "limited": limited,
                                  "prev_batch": "t%d" % max(0, self.pos - len(evs))}}
            senders = {e.get("sender") for e in evs} if lazy else set(r.members)
            state = []
            if since is None or joined_at > since:
                for u in sorted(s for s in senders if s):
                    if u in r.members and filter_allows(st_f, "m.room.member"):
                        state.append({"type": "m.room.member", "state_key": u, "sender": u,
                                      "event_id": "$state-%s-%s" % (room_id, u),
                                      "origin_server_ts": 0,
                                      "content": {"membership": r.members[u]}})
                if r.encrypted and filter_allows(st_f, "m.room.encryption"):
                    state.append({"type": "m.room.encryption", "state_key": "",
                                  "sender": self.user, "event_id": "$enc-%s" % room_id,
                                  "origin_server_ts": 0,
                                  "content": {"algorithm": "m.megolm.v1.aes-sha2"}})
            entry["state"] = {"events": state}
            if since is None or r.member_pos > since or joined_at > since:
                summary = copy.deepcopy(room_tpl["summary"])
                summary["m.joined_member_count"] = sum(
                    1 for m in r.members.values() if m == "join")
                summary["m.invited_member_count"] = sum(
                    1 for m in r.members.values() if m == "invite")
                summary["m.heroes"] = sorted(u for u in r.members if u != self.user)[:5]
                entry["summary"] = summary
            entry["ephemeral"] = {"events": []}
            entry["account_data"] = {"events": []}
            entry["unread_notifications"] = {"highlight_count": 0, "notification_count": 0}
            nevents += len(evs)
            res["rooms"]["join"][room_id] = entry
        for room_id, (pos, sender) in self.invites.items():
            if since is not None and pos <= since:
                continue
            inv = copy.deepcopy(base["rooms"]["invite"]["!696r7674:example.com"])
            evs = inv["invite_state"]["events"]
            evs[0]["sender"] = sender
            evs[0]["content"]["name"] = self.rooms[room_id].name or room_id
            evs[1]["sender"] = sender
            evs[1]["state_key"] = self.user
            res["rooms"]["invite"][room_id] = inv
        for room_id, (pos, ev) in self.bot_left.items():
            if since is None or pos <= since:
                continue
            tl = [e for e in by_room.get(room_id, []) if event_allowed(tl_f, e)]
            if ev not in tl and event_allowed(tl_f, ev):
                tl.append(ev)
            res["rooms"]["leave"][room_id] = {"timeline": {"events": copy.deepcopy(tl),
                                                            "limited": False},
                                              "state": {"events": []}}
        return res, nevents

    async def sync(self, req):
        no = self.denied(req)
        if no:
            return no
        since_tok = self.query(req, "since")
        try:
            timeout = int(self.query(req, "timeout", "0"))
        except ValueError:
            return self.error(400, "M_INVALID_PARAM", "timeout is not an integer")
        timeout = max(0, min(timeout, MAX_TIMEOUT_MS))
        flt_text = self.query(req, "filter")
        flt = {}
        if flt_text:
            if flt_text.lstrip().startswith("{"):
                try:
                    flt = json.loads(flt_text)
                except ValueError:
                    self.violation("sync filter is not JSON")
                    return self.error(400, "M_INVALID_PARAM", "filter is not JSON")
            elif flt_text in self.filters:
                flt = self.filters[flt_text]
            else:
                return self.error(400, "M_INVALID_PARAM", "unknown filter id")
        rule = self.take_fault("sync")
        if rule and "pad" not in rule:
            resp, status, code = await self.fault_answer(rule)
            self.rec.add("sync", since=since_tok, timeout=timeout, status=status, errcode=code,
                         filter=flt_text)
            return resp
        if since_tok is not None and self.rewind_to is not None:
            since_tok, self.rewind_to = self.rewind_to, None
        since = None
        if since_tok is not None:
            if not since_tok.startswith("s") or not since_tok[1:].isdigit():
                return self.error(400, "M_INVALID_PARAM", "bad since token")
            since = int(since_tok[1:])
        deadline = time.monotonic() + timeout / 1000.0
        waiting = False
        while True:
            res, n = self.build_sync(since, flt)
            rooms = res["rooms"]
            if since is None or any(rooms[k] for k in ("join", "invite", "leave")) or \
                    res["account_data"]["events"] or self.stopping:
                break
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if not waiting:
                waiting = True
                self.rec.add("sync_wait", since=since_tok, timeout=timeout)
            try:
                await asyncio.wait_for(self.changed.wait(), min(left, 1.0))
            except asyncio.TimeoutError:
                pass
        if rule:  # pad: an ignored room of that many bytes
            res["rooms"]["join"]["!padding:" + self.server_name] = {
                "timeline": {"events": [{"type": "org.example.padding", "sender": self.user,
                                         "event_id": "$pad", "origin_server_ts": 0,
                                         "content": {"data": "p" * int(rule["pad"])}}],
                             "limited": False}}
        resp = harness.json_response(res)
        self.rec.add("sync", since=since_tok, timeout=timeout, filter=flt_text,
                     next_batch=res["next_batch"], events=n, bytes=len(resp.body), status=200,
                     invites=sorted(res["rooms"]["invite"]), leaves=sorted(res["rooms"]["leave"]))
        return resp


if __name__ == "__main__":
    sys.exit(MatrixServer.main())
