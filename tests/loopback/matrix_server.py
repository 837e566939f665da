#!/usr/bin/env python3
"""Loopback Matrix homeserver (Client-Server API v3) on 127.0.0.1.

Python 3 standard library only.  It keeps real state (rooms, members, a
stream of events, transaction ids per access token, m.direct account data)
and answers the endpoints govbot's Matrix adapter uses in the shapes of the
spec's own examples (tests/data/matrix/fixtures/, from matrix-org/matrix-spec):
so a test drives it like a homeserver, by making things happen in rooms.

Usage:
  matrix_server.py --log FILE [--scenario FILE] [--timeout SECONDS]
                   [--token TOKEN] [--user @bot:server] [--fixtures DIR]
                   [--ignore-stdin]

Prints "PORT N" as its first stdout line once it listens.  Exits after
--timeout seconds (default 60), or when stdin reaches end of file (unless
--ignore-stdin).  Each stdin line is one JSON operation (below), applied in
order; {"op": "shutdown"} exits.

Endpoints (HTTP/1.1, keep-alive; all but /versions need
"Authorization: Bearer TOKEN", else 401 M_MISSING_TOKEN / M_UNKNOWN_TOKEN):
  GET  /_matrix/client/versions
  GET  /_matrix/client/v3/account/whoami
  GET  /_matrix/client/v3/profile/{userId}[/displayname]
  POST /_matrix/client/v3/user/{userId}/filter          -> {"filter_id"}
  GET  /_matrix/client/v3/sync?since=&timeout=&filter=   long-poll
  POST /_matrix/client/v3/join/{roomIdOrAlias}, /rooms/{roomId}/join
  POST /_matrix/client/v3/rooms/{roomId}/leave, /forget
  PUT  /_matrix/client/v3/rooms/{roomId}/send/{type}/{txnId}
  GET  /_matrix/client/v3/joined_rooms

Sync: next_batch is "s<N>" (a stream position).  Without since: every joined
room with its last `limit` timeline events (the filter's, default 10;
"limited" when more), lazy-loaded member state, a summary, m.direct and the
pending invites.  With since: what happened after it, waiting up to timeout
ms (capped at 60 s) for something to happen.  The filter (inline JSON or an
uploaded filter id) is applied: room.timeline.types / not_types / limit,
room.state.types, account_data.types, presence.types.

Operations (stdin lines or the scenario's "ops"):
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
  {"op":"big","room":R,"bytes":N,"sender":U}     an m.text chat message of N bytes
  {"op":"mark","label":L}                        a record, for ordering
  {"op":"shutdown"}
Scenario (JSON): {"rooms"|"more_rooms": {R: {"members":[U...], "joined": BOOL (the bot
is in it), "name": S, "forbidden_send": BOOL, "forbidden_join": BOOL,
"encrypted": BOOL}}, "displayname": S, "ops": [OP...], "faults": [RULE...]}.

Fault RULE: {"match": "sync"|"send"|"join"|"whoami"|"profile"|"filter"|"any",
  "room": R (send/join only), "after": K (applies from the K-th request of
  that kind, 0-based, counted per room for send/join), "times": N (default 1), "status": CODE, "json": OBJ, "raw": TEXT,
  "fixture": FILE, "headers": {NAME: VALUE}, "delay": SECONDS,
  "store": true (send: store the event, then answer with the fault),
  "pad": BYTES (sync: answer normally, padded with an ignored room of BYTES)}

Records (JSON lines in --log), each with "t" and "kind":
  http  {method, path, query, status, errcode, auth, body (JSON) or body_text}
  sync  {since, timeout, filter, next_batch, events, bytes, status}
  sync_wait {since, timeout}      a long-poll found nothing new and waits
  sync_abandoned {since}          the client closed a waiting long-poll
  send_stored {room, txn, ...}    a send stored before a fault answers it
  send  {room, type, txn, event_id, dup, stored, content, status}
  join / leave / forget {room, status}
  op    {op...}   applied operations
  violation {what}  govbot broke the protocol
"""

import argparse
import bisect
import copy
import json
import os
import select
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/_matrix/client/v3"
MAX_TIMEOUT_MS = 60000
HERE = os.path.dirname(os.path.abspath(__file__))


class Recorder:
    def __init__(self, path):
        self.start = time.monotonic()
        self.lock = threading.Lock()
        self.file = open(path, "a", encoding="utf-8") if path else None

    def add(self, kind, **fields):
        rec = {"t": round(time.monotonic() - self.start, 6), "kind": kind}
        rec.update(fields)
        line = json.dumps(rec, separators=(",", ":"))
        with self.lock:
            if self.file:
                self.file.write(line + "\n")
                self.file.flush()
        return rec


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


class Room:
    def __init__(self, room_id, name=None):
        self.id = room_id
        self.name = name
        self.members = {}            # user -> membership ("join", "leave", "invite", "ban")
        self.member_pos = 0          # stream position of the last membership change
        self.forbidden_send = False
        self.forbidden_join = False
        self.encrypted = False


class Homeserver:
    def __init__(self, args):
        self.args = args
        self.rec = Recorder(args.log)
        self.cond = threading.Condition()
        self.user = args.user
        self.server_name = args.user.split(":", 1)[1]
        self.token = args.token
        self.revoked = None          # None, or {"soft": bool}
        self.displayname = "govbot"
        self.pos = 0                 # stream position
        self.events = []             # (pos, room_id, event), in pos order
        self.positions = []          # the events' positions, for bisect
        self.rooms = {}
        self.bot_joined = {}         # room -> pos of the bot's join (or leave: negative)
        self.bot_left = {}           # room -> (pos, event) of the bot's leave / kick
        self.invites = {}            # room -> (pos, [stripped state events])
        self.direct = None           # (pos, content)
        self.txns = {}               # (token, txn) -> event_id
        self.filters = {}
        self.faults = []
        self.seen_requests = {}
        self.rewind_to = None
        self.event_seq = 0
        self.fixtures = args.fixtures
        self.stopping = False

    # ---- fixtures ----------------------------------------------------
    def fixture(self, name):
        with open(os.path.join(self.fixtures, name), encoding="utf-8") as f:
            return json.load(f)

    # ---- state changes (call with self.cond held) ----------------------
    def room(self, room_id):
        r = self.rooms.get(room_id)
        if r is None:
            r = self.rooms[room_id] = Room(room_id)
        return r

    def new_event_id(self):
        self.event_seq += 1
        return "$ev%d:%s" % (self.event_seq, self.server_name)

    def append(self, room_id, event):
        """Adds a timeline event (shaped like the spec's m.room.message example)."""
        self.pos += 1
        event.setdefault("event_id", self.new_event_id())
        event.setdefault("origin_server_ts", int(time.time() * 1000))
        event.setdefault("unsigned", {"age": 0})
        self.events.append((self.pos, room_id, event))
        self.positions.append(self.pos)
        self.cond.notify_all()
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

    def joined_count(self, r):
        return sum(1 for m in r.members.values() if m == "join")

    def message_event(self, op, i=None):
        ev = self.fixture("event_m_room_message_m_text.json")
        ev.pop("room_id", None)       # timeline events carry no room_id
        ev.pop("event_id", None)
        ev["unsigned"] = {"age": 0}
        ev["origin_server_ts"] = int(time.time() * 1000)
        ev["type"] = op.get("type", "m.room.message")
        ev["sender"] = op.get("sender", "@alice:" + self.server_name)
        content = {"msgtype": op.get("msgtype", "m.text"),
                   "body": op.get("body", "")}
        if i is not None:
            content["body"] = content["body"].replace("{i}", str(i))
        content.update(copy.deepcopy(op.get("content", {})))
        ev["content"] = content
        if "event_id" in op:
            ev["event_id"] = op["event_id"] if i is None else "%s-%d" % (op["event_id"], i)
        return ev

    def apply(self, op):
        kind = op.get("op")
        with self.cond:
            if kind == "message":
                count = op.get("count")
                ids = []
                if count is None:
                    ids.append(self.append(op["room"], self.message_event(op))["event_id"])
                else:
                    for i in range(int(count)):
                        ids.append(self.append(op["room"], self.message_event(op, i))["event_id"])
                self.rec.add("op", op=kind, room=op["room"], event_ids=ids[:5], count=len(ids),
                             pos=self.pos)
                return
            if kind == "big":
                body = "x" * max(0, int(op["bytes"]))
                self.append(op["room"], self.message_event({"sender": op.get("sender"),
                                                            "body": body}))
            elif kind == "member":
                self.set_member(op["room"], op["user"], op.get("membership", "join"),
                                op.get("sender"))
            elif kind == "invite":
                r = self.room(op["room"])
                if op.get("name"):
                    r.name = op["name"]
                sender = op.get("sender", "@alice:" + self.server_name)
                r.members.setdefault(sender, "join")
                self.set_member(op["room"], self.user, "invite", sender)
                self.invites[op["room"]] = (self.pos, sender)
            elif kind == "kick":
                self.set_member(op["room"], self.user, "leave", op.get("sender"),
                                op.get("reason"))
            elif kind == "direct":
                self.pos += 1
                self.direct = (self.pos, op["content"])
                self.cond.notify_all()
            elif kind == "fault":
                rule = dict(op)
                rule.pop("op")
                self.faults.append(rule)
            elif kind == "revoke":
                self.revoked = {"soft": bool(op.get("soft"))}
            elif kind == "rewind":
                self.rewind_to = op["to"]
            elif kind == "shutdown":
                self.stopping = True
                self.cond.notify_all()
            elif kind != "mark":
                self.rec.add("scenario_error", error="unknown op", op=op)
                return
            self.rec.add("op", pos=self.pos, **op) if kind != "big" else \
                self.rec.add("op", op="big", room=op["room"], bytes=op["bytes"], pos=self.pos)

    def load_scenario(self, sc):
        with self.cond:
            self.displayname = sc.get("displayname", self.displayname)
            rooms = dict(sc.get("rooms", {}))
            rooms.update(sc.get("more_rooms", {}))
            for room_id, spec in rooms.items():
                r = self.room(room_id)
                r.name = spec.get("name")
                r.forbidden_send = bool(spec.get("forbidden_send"))
                r.forbidden_join = bool(spec.get("forbidden_join"))
                r.encrypted = bool(spec.get("encrypted"))
                for u in spec.get("members", []):
                    self.set_member(room_id, u, "join")
                if r.encrypted:
                    self.append(room_id, {"type": "m.room.encryption", "state_key": "",
                                          "sender": next(iter(r.members), self.user),
                                          "content": {"algorithm": "m.megolm.v1.aes-sha2"}})
                if spec.get("joined"):
                    self.set_member(room_id, self.user, "join")
            self.faults.extend(sc.get("faults", []))
        for op in sc.get("ops", []):
            self.apply(op)

    # ---- faults --------------------------------------------------------
    def take_fault(self, what, room=None):
        """The first rule that applies to this request (the n-th of its kind,
        0-based, counted per kind and room), used up once per request."""
        with self.cond:
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

    # ---- sync ----------------------------------------------------------
    def parse_since(self, since):
        if since is None:
            return None
        if not since.startswith("s") or not since[1:].isdigit():
            return -1
        return int(since[1:])

    def build_sync(self, since, flt):
        """The sync response for events after since (None: initial); call locked."""
        room_f = flt.get("room", {}) if isinstance(flt, dict) else {}
        tl_f = room_f.get("timeline", {})
        st_f = room_f.get("state", {})
        limit = tl_f.get("limit", 10)
        lazy = bool(st_f.get("lazy_load_members") or tl_f.get("lazy_load_members"))
        base = self.fixture("sync_response.json")
        room_tpl = base["rooms"]["join"]["!726s6s6q:example.com"]
        res = {"next_batch": "s%d" % self.pos, "rooms": {"join": {}, "invite": {}, "leave": {}}}
        pres_f = flt.get("presence", {}) if isinstance(flt, dict) else {}
        if filter_allows(pres_f, "m.presence"):
            res["presence"] = {"events": []}
        acc_f = flt.get("account_data", {}) if isinstance(flt, dict) else {}
        acc = []
        if self.direct and (since is None or self.direct[0] > since) and \
                filter_allows(acc_f, "m.direct"):
            acc.append({"type": "m.direct", "content": self.direct[1]})
        res["account_data"] = {"events": acc}
        after = since if since is not None else -1
        nevents = 0
        by_room = {}
        for pos, room_id, ev in self.events[bisect.bisect_right(self.positions, after):]:
            by_room.setdefault(room_id, []).append(ev)
        for room_id, joined_at in self.bot_joined.items():
            r = self.rooms[room_id]
            evs = [e for e in by_room.get(room_id, []) if filter_allows(tl_f, e["type"])]
            if since is None:
                evs = [e for e in self.room_events(room_id) if filter_allows(tl_f, e["type"])]
            elif joined_at <= since and not evs and r.member_pos <= since:
                continue
            limited = len(evs) > limit
            if limited:
                evs = evs[len(evs) - limit:] if limit > 0 else []
            entry = {"timeline": {"events": copy.deepcopy(evs), "limited": limited,
                                  "prev_batch": "t%d" % max(0, self.pos - len(evs))}}
            senders = {e.get("sender") for e in evs} if lazy else set(r.members)
            state = []
            if since is None or joined_at > since:
                for u in sorted(senders):
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
                summary["m.joined_member_count"] = self.joined_count(r)
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
            name = self.rooms[room_id].name or room_id
            evs[0]["sender"] = sender
            evs[0]["content"]["name"] = name
            evs[1]["sender"] = sender
            evs[1]["state_key"] = self.user
            res["rooms"]["invite"][room_id] = inv
        for room_id, (pos, ev) in self.bot_left.items():
            if since is None or pos <= since:
                continue
            tl = [e for e in by_room.get(room_id, []) if filter_allows(tl_f, e["type"])]
            if ev not in tl and filter_allows(tl_f, "m.room.member"):
                tl.append(ev)
            res["rooms"]["leave"][room_id] = {"timeline": {"events": copy.deepcopy(tl),
                                                            "limited": False},
                                              "state": {"events": []}}
        return res, nevents

    def room_events(self, room_id):
        return [ev for pos, rid, ev in self.events if rid == room_id]


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024   # a burst of sends must not overflow the listen backlog


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LoopbackMatrix/1.0"
    disable_nagle_algorithm = True   # headers and body go out at once, no delayed-ACK stalls
    hs = None  # the Homeserver

    def log_message(self, fmt, *args):  # quiet
        pass

    # ---- plumbing -----------------------------------------------------
    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def answer(self, status, obj=None, raw=None, headers=None):
        data = raw.encode() if isinstance(raw, str) else raw
        if data is None:
            data = json.dumps(obj if obj is not None else {}, separators=(",", ":")).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, str(v))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        return len(data)

    def error(self, status, errcode, message, **extra):
        body = {"errcode": errcode, "error": message}
        body.update(extra)
        self.answer(status, body)
        return status, errcode

    def fault_answer(self, rule):
        """Answers with a fault rule; returns (status, errcode)."""
        if rule.get("delay"):
            time.sleep(float(rule["delay"]))
        status = int(rule.get("status", 500))
        if "fixture" in rule:
            obj = self.hs.fixture(rule["fixture"])
            self.answer(status, obj, headers=rule.get("headers"))
            return status, obj.get("errcode")
        if "raw" in rule:
            self.answer(status, raw=rule["raw"], headers=rule.get("headers"))
            return status, None
        obj = rule.get("json", {"errcode": "M_UNKNOWN", "error": "loopback fault"})
        self.answer(status, obj, headers=rule.get("headers"))
        return status, obj.get("errcode") if isinstance(obj, dict) else None

    def auth(self):
        """None when the token is good, else the (status, errcode) answered."""
        h = self.headers.get("Authorization", "")
        if not h.startswith("Bearer "):
            return self.error(401, "M_MISSING_TOKEN", "Missing access token")
        if h[7:] != self.hs.token:
            obj = self.hs.fixture("error_unknown_token.json")
            self.answer(401, obj)
            return 401, obj["errcode"]
        if self.hs.revoked is not None:
            name = "error_unknown_token_soft_logout.json" if self.hs.revoked["soft"] \
                else "error_unknown_token.json"
            obj = self.hs.fixture(name)
            self.answer(401, obj)
            return 401, obj["errcode"]
        return None

    def record(self, status, errcode, body, path, query, auth_ok):
        rec = {"method": self.command, "path": path, "query": query, "status": status,
               "errcode": errcode, "auth": auth_ok}
        if body:
            try:
                rec["body"] = json.loads(body)
            except ValueError:
                rec["body_text"] = body.decode("utf-8", "replace")[:2000]
        self.hs.rec.add("http", **rec)

    # ---- dispatch -----------------------------------------------------
    def do_GET(self):
        self.route()

    def do_POST(self):
        self.route()

    def do_PUT(self):
        self.route()

    def route(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        body = self.read_body()
        if "access_token" in query:
            self.hs.rec.add("violation", what="access token in the query string")
        status, errcode = 0, None
        auth_ok = False
        try:
            if path == "/_matrix/client/versions" and self.command == "GET":
                self.answer(200, {"versions": ["v1.1", "v1.6", "v1.7", "v1.11"]})
                status = 200
            else:
                denied = self.auth()
                if denied:
                    status, errcode = denied
                else:
                    auth_ok = True
                    status, errcode = self.endpoint(path, query, body)
        except Exception as e:  # noqa: BLE001 - a server bug must show in the log
            self.hs.rec.add("server_error", path=path, error=repr(e))
            status, errcode = self.error(500, "M_UNKNOWN", "loopback server error")
        if path.endswith("/sync") and status == 200:
            return  # recorded as a sync record
        self.record(status, errcode, body, path, query, auth_ok)

    def endpoint(self, path, query, body):
        hs = self.hs
        if not path.startswith(PREFIX + "/"):
            return self.error(404, "M_UNRECOGNIZED", "Unrecognized request")
        parts = [urllib.parse.unquote(p) for p in path[len(PREFIX) + 1:].split("/")]
        m = self.command
        if parts == ["account", "whoami"] and m == "GET":
            rule = hs.take_fault("whoami")
            if rule:
                return self.fault_answer(rule)
            self.answer(200, {"user_id": hs.user, "device_id": "LOOPBACK", "is_guest": False})
            return 200, None
        if parts[0] == "profile" and m == "GET":
            rule = hs.take_fault("profile")
            if rule:
                return self.fault_answer(rule)
            if len(parts) >= 2 and parts[1] == hs.user:
                if len(parts) == 3 and parts[2] == "displayname":
                    self.answer(200, {"displayname": hs.displayname})
                else:
                    self.answer(200, {"displayname": hs.displayname})
                return 200, None
            return self.error(404, "M_NOT_FOUND", "Profile not found")
        if len(parts) == 3 and parts[0] == "user" and parts[2] == "filter" and m == "POST":
            rule = hs.take_fault("filter")
            if rule:
                return self.fault_answer(rule)
            try:
                flt = json.loads(body)
            except ValueError:
                hs.rec.add("violation", what="filter body is not JSON")
                return self.error(400, "M_NOT_JSON", "Content not JSON.")
            with hs.cond:
                fid = str(len(hs.filters) + 1)
                hs.filters[fid] = flt
            self.answer(200, {"filter_id": fid})
            return 200, None
        if parts == ["sync"] and m == "GET":
            return self.sync(query)
        if parts == ["joined_rooms"] and m == "GET":
            with hs.cond:
                self.answer(200, {"joined_rooms": sorted(hs.bot_joined)})
            return 200, None
        if (len(parts) == 2 and parts[0] == "join") or \
                (len(parts) == 3 and parts[0] == "rooms" and parts[2] == "join"):
            if m != "POST":
                return self.error(405, "M_UNRECOGNIZED", "Method not allowed")
            room_id = parts[1]
            rule = hs.take_fault("join", room_id)
            if rule:
                st = self.fault_answer(rule)
                hs.rec.add("join", room=room_id, status=st[0])
                return st
            with hs.cond:
                r = hs.rooms.get(room_id)
                if r is None:
                    st = self.error(404, "M_NOT_FOUND", "No known servers")
                elif r.forbidden_join and room_id not in hs.invites:
                    st = self.error(403, "M_FORBIDDEN", "You are not invited to this room.")
                else:
                    if room_id not in hs.bot_joined:
                        hs.set_member(room_id, hs.user, "join")
                    self.answer(200, {"room_id": room_id})
                    st = (200, None)
            hs.rec.add("join", room=room_id, status=st[0])
            return st
        if len(parts) == 3 and parts[0] == "rooms" and parts[2] in ("leave", "forget") \
                and m == "POST":
            room_id = parts[1]
            with hs.cond:
                if parts[2] == "leave":
                    if room_id in hs.bot_joined or room_id in hs.invites:
                        hs.set_member(room_id, hs.user, "leave")
                else:
                    if room_id in hs.bot_joined:
                        st = self.error(400, "M_UNKNOWN", "User is in the room")
                        hs.rec.add("forget", room=room_id, status=400)
                        return st
                    hs.bot_left.pop(room_id, None)
            self.answer(200, {})
            hs.rec.add(parts[2], room=room_id, status=200)
            return 200, None
        if len(parts) == 5 and parts[0] == "rooms" and parts[2] == "send" and m == "PUT":
            return self.send(parts[1], parts[3], parts[4], body)
        return self.error(404, "M_UNRECOGNIZED", "Unrecognized request")

    def send(self, room_id, etype, txn, body):
        hs = self.hs
        rec = {"room": room_id, "type": etype, "txn": txn}
        try:
            content = json.loads(body)
            if not isinstance(content, dict):
                raise ValueError
        except ValueError:
            hs.rec.add("violation", what="send body is not a JSON object")
            hs.rec.add("send", status=400, **rec)
            return self.error(400, "M_NOT_JSON", "Content not JSON.")
        rec["content"] = content
        rule = hs.take_fault("send", room_id)
        if rule and not rule.get("store"):
            st = self.fault_answer(rule)
            hs.rec.add("send", status=st[0], stored=False, dup=False, **rec)
            return st
        with hs.cond:
            r = hs.rooms.get(room_id)
            key = (hs.token, txn)
            if key in hs.txns:
                event_id, dup, stored = hs.txns[key], True, False
            elif r is None or room_id not in hs.bot_joined:
                st = self.error(403, "M_FORBIDDEN", "User %s not in room %s" % (hs.user, room_id))
                hs.rec.add("send", status=403, stored=False, dup=False, **rec)
                return st
            elif r.forbidden_send:
                st = self.error(403, "M_FORBIDDEN", "You don't have permission to post that "
                                "to the room. user_level (0) < send_level (50)")
                hs.rec.add("send", status=403, stored=False, dup=False, **rec)
                return st
            else:
                ev = hs.append(room_id, {"type": etype, "sender": hs.user,
                                         "content": content})
                event_id, dup, stored = ev["event_id"], False, True
                hs.txns[key] = event_id
        rec.update(event_id=event_id, dup=dup, stored=stored)
        if rule:  # stored, then the answer is late or lost
            hs.rec.add("send_stored", **rec)
            st = self.fault_answer(rule)
            hs.rec.add("send", status=st[0], **rec)
            return st
        resp = hs.fixture("room_send_response.json")
        resp["event_id"] = event_id
        self.answer(200, resp)
        hs.rec.add("send", status=200, **rec)
        return 200, None

    def client_gone(self):
        try:
            r, _, _ = select.select([self.connection], [], [], 0)
            if r:
                data = self.connection.recv(1, socket.MSG_PEEK)
                return data == b""
        except OSError:
            return True
        return False

    def sync(self, query):
        hs = self.hs
        since_tok = query.get("since")
        try:
            timeout = int(query.get("timeout", "0"))
        except ValueError:
            return self.error(400, "M_INVALID_PARAM", "timeout is not an integer")
        timeout = max(0, min(timeout, MAX_TIMEOUT_MS))
        flt_text = query.get("filter")
        flt = {}
        if flt_text:
            if flt_text.lstrip().startswith("{"):
                try:
                    flt = json.loads(flt_text)
                except ValueError:
                    hs.rec.add("violation", what="sync filter is not JSON")
                    return self.error(400, "M_INVALID_PARAM", "filter is not JSON")
            else:
                with hs.cond:
                    flt = hs.filters.get(flt_text)
                if flt is None:
                    return self.error(400, "M_INVALID_PARAM", "unknown filter id")
        rule = hs.take_fault("sync")
        if rule and "pad" not in rule:
            st = self.fault_answer(rule)
            hs.rec.add("sync", since=since_tok, timeout=timeout, status=st[0], errcode=st[1],
                       filter=flt_text)
            return st
        with hs.cond:
            if since_tok is not None and hs.rewind_to is not None:
                since_tok, hs.rewind_to = hs.rewind_to, None
        since = hs.parse_since(since_tok)
        if since == -1:
            return self.error(400, "M_INVALID_PARAM", "bad since token")
        deadline = time.monotonic() + timeout / 1000.0
        waiting = False
        with hs.cond:
            while True:
                res, n = hs.build_sync(since, flt)
                empty = n == 0 and not any(res["rooms"][k] for k in ("invite", "leave")) \
                    and not res["account_data"]["events"]
                # changed membership counts as something too
                if since is None or not empty or hs.stopping:
                    break
                if any(res["rooms"]["join"].values()):
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if not waiting:
                    waiting = True
                    hs.rec.add("sync_wait", since=since_tok, timeout=timeout)
                hs.cond.wait(min(left, 0.05))
                if self.client_gone():
                    hs.rec.add("sync_abandoned", since=since_tok)
                    self.close_connection = True
                    return 0, None
        if rule:  # pad: an ignored room of that many bytes
            res["rooms"]["join"]["!padding:" + hs.server_name] = {
                "timeline": {"events": [{"type": "org.example.padding", "sender": hs.user,
                                         "event_id": "$pad", "origin_server_ts": 0,
                                         "content": {"data": "p" * int(rule["pad"])}}],
                             "limited": False}}
        nbytes = self.answer(200, res)
        hs.rec.add("sync", since=since_tok, timeout=timeout, filter=flt_text,
                   next_batch=res["next_batch"], events=n, bytes=nbytes, status=200,
                   invites=sorted(res["rooms"]["invite"]), leaves=sorted(res["rooms"]["leave"]))
        return 200, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log", required=True)
    ap.add_argument("--scenario")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--token", default="syt_loopback_token")
    ap.add_argument("--user", default="@govbot:example.org")
    ap.add_argument("--fixtures", default=os.path.join(HERE, "..", "data", "matrix", "fixtures"))
    ap.add_argument("--ignore-stdin", action="store_true")
    args = ap.parse_args()

    hs = Homeserver(args)
    if args.scenario:
        with open(args.scenario, encoding="utf-8") as f:
            hs.load_scenario(json.load(f))
    Handler.hs = hs
    httpd = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    print("PORT %d" % httpd.server_address[1], flush=True)

    def read_stdin():
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                hs.apply(json.loads(line))
            except (ValueError, KeyError) as e:
                hs.rec.add("scenario_error", error=repr(e), line=line[:200])
        if not args.ignore_stdin:
            with hs.cond:
                hs.stopping = True
                hs.cond.notify_all()

    threading.Thread(target=read_stdin, daemon=True).start()
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline and not hs.stopping:
        time.sleep(0.05)
    os._exit(0)


if __name__ == "__main__":
    main()
