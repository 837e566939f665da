#!/usr/bin/env python3
"""Loopback Discourse: the forum API govbot calls and the webhooks it gets.

Python 3 standard library only, on 127.0.0.1.  The forum keeps users,
topics and posts in memory and checks what a real Discourse checks on the
calls govbot makes (API key and username, validation of titles, bodies and
external ids); the webhook sender signs bodies as Discourse does
(X-Discourse-Event-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>).

Usage:
  discourse_server.py --api-key KEY --secret SECRET [--api-username govbot]
                      [--webhook URL] [--log FILE] [--timeout SECONDS]
                      [--min-title N] [--min-post N] [--ignore-stdin]

Prints "PORT N" as its first stdout line once it listens.  Exits after
--timeout seconds (default 120), on POST /control/shutdown, or when stdin
reaches end of file (unless --ignore-stdin).

Forum API (what govbot uses):
  POST /posts.json            Api-Key + Api-Username; JSON or form body.
                              {topic_id, raw, reply_to_post_number}: a reply;
                              {title, raw, category, external_id}: a new topic.
                              422 {"errors": [...]} as Discourse words them:
                              "Title is too short (minimum is 15 characters)",
                              "Title has already been used", "Body is too short
                              (minimum is 20 characters)", "External ID has
                              already been taken", "External ID is invalid".
  GET  /posts.json[?before=ID] latest public posts, newest first, with raw,
                              under "latest_posts" (50 a page).
  GET  /t/external_id/ID.json 404, or 301 to /t/SLUG/TOPIC_ID.json.
  GET  /t/SLUG/ID.json        the topic.
  A wrong key or an unknown Api-Username: 403 {"error_type":"invalid_access"}.

Control (the test's side):
  POST /control/post       a user writes a post: {username, raw, topic_id?,
                           title?, archetype?, post_type?, version?, event?,
                           event_id?, sign?, deliver?, pad?}.  It is stored
                           (so GET /posts.json lists it unless it is private)
                           and, when deliver is not false and a webhook URL is
                           set, sent as a signed webhook.  Answers {"post":
                           {...}, "webhook": {"status": N} | null}.
  POST /control/webhook    sends any webhook: {event, event_type, event_id,
                           body (JSON value) or raw (text), sign, pad,
                           content_type}.  Answers {"status": N}.
                           sign: "good" (default), "none", "bad" (another
                           secret), "malformed" (not sha256=hex), "tamper"
                           (signed, then a byte of the body changed), "upper"
                           (good, hex in capitals: still valid).
                           pad: N adds a field so the body is about N bytes.
                           {"redeliver": EVENT_ID}: the same body and event
                           id again, as Discourse redelivers.
  POST /control/config     {webhook: URL} and other settings.
  POST /control/scenario   scripted answers, used one per call, in order:
                           {"POST /posts.json": [RESP...], "GET /posts.json":
                           [...], "GET /t/external_id": [...]}.  RESP is
                           {"status": 429, "retry_after": S} (header),
                           {"status": 429, "wait_seconds": S} (JSON body only),
                           {"status": 429, "text": true, "retry_after": S},
                           {"status": 500|502|503}, {"status": 422, "errors":
                           [...]}, {"status": 403}, {"delay": S} (answer
                           normally after a pause), {"hold": S} (do the work,
                           record it, then wait S seconds before answering).
  GET  /control/log        every record so far, as a JSON array.
  POST /control/shutdown   exits.

Records (JSON lines in --log and GET /control/log), each with "t" and "kind":
  http        {method, path, query, api_key_ok, api_username, body, status}
  post        {id, topic_id, post_number, username, raw, reply_to_post_number}
              a post stored through the API (the bot's replies)
  topic       {id, title, category, external_id, raw, username}
  webhook     {event, event_id, sign, status, bytes}
  scripted    {route, resp}
"""

import argparse
import hashlib
import hmac
import http.client
import http.server
import json
import re
import socketserver
import sys
import threading
import time
import urllib.parse

EXTERNAL_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,50}$")
PAGE = 50
INVALID_ACCESS = {
    "errors": ["You are not permitted to view the requested resource. "
               "The API username or key is invalid."],
    "error_type": "invalid_access",
}
NOT_FOUND = {
    "errors": ["The requested URL or resource could not be found."],
    "error_type": "not_found",
}


class Recorder:
    def __init__(self, path):
        self.start = time.monotonic()
        self.records = []
        self.lock = threading.Lock()
        self.file = open(path, "a", encoding="utf-8") if path else None

    def add(self, kind, **fields):
        rec = {"t": round(time.monotonic() - self.start, 6), "kind": kind}
        rec.update(fields)
        with self.lock:
            self.records.append(rec)
            if self.file:
                self.file.write(json.dumps(rec, separators=(",", ":")) + "\n")
                self.file.flush()
        return rec

    def all(self):
        with self.lock:
            return list(self.records)


def slugify(title):
    s = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return s or "topic"


def sign(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Forum:
    """Users, topics and posts, and the validations Discourse applies."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.users = {"system": -1, "discobot": -2, args.api_username.lower(): 2}
        self.next_user = 10
        self.topics = {}
        self.posts = {}
        self.next_topic = 100
        self.next_post = 1000
        self.webhook = args.webhook
        self.scenario = {}
        self.event_seq = 0
        self.sent = {}             # event id -> (body, spec) as first sent

    def user_id(self, username):
        key = username.lower()
        if key not in self.users:
            self.users[key] = self.next_user
            self.next_user += 1
        return self.users[key]

    def scripted(self, route):
        with self.lock:
            queue = self.scenario.get(route)
            if queue:
                return queue.pop(0)
        return None

    def new_topic(self, title, category, archetype, external_id, username):
        tid = self.next_topic
        self.next_topic += 1
        t = {"id": tid, "title": title, "slug": slugify(title), "category_id": category,
             "archetype": archetype, "external_id": external_id, "posts": [],
             "created_by": username}
        self.topics[tid] = t
        return t

    def add_post(self, topic, username, raw, post_type=1, reply_to=None, version=1):
        pid = self.next_post
        self.next_post += 1
        p = {
            "id": pid, "name": username.capitalize(), "username": username,
            "avatar_template": "/user_avatar/forum.test/%s/{size}/1_2.png" % username.lower(),
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "cooked": "<p>%s</p>" % raw.replace("&", "&amp;").replace("<", "&lt;"),
            "post_number": len(topic["posts"]) + 1, "post_type": post_type,
            "updated_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "reply_count": 0, "reply_to_post_number": reply_to, "quote_count": 0,
            "incoming_link_count": 0, "reads": 0, "score": 0,
            "topic_id": topic["id"], "topic_slug": topic["slug"],
            "topic_title": topic["title"], "topic_posts_count": len(topic["posts"]) + 1,
            "topic_archetype": topic["archetype"], "category_id": topic["category_id"],
            "display_username": username.capitalize(), "primary_group_name": None,
            "version": version, "user_title": None, "raw": raw,
            "moderator": False, "admin": False, "staff": False,
            "user_id": self.user_id(username), "hidden": False, "trust_level": 1,
            "deleted_at": None, "user_deleted": False, "edit_reason": None, "wiki": False,
        }
        topic["posts"].append(pid)
        self.posts[pid] = p
        return p

    def create(self, data, username):
        """POST /posts.json: (status, answer, record kind or None)."""
        raw = data.get("raw") or ""
        errors = []
        with self.lock:
            if data.get("topic_id") not in (None, ""):
                try:
                    topic = self.topics.get(int(data["topic_id"]))
                except (TypeError, ValueError):
                    topic = None
                if topic is None:
                    return 404, NOT_FOUND, None
                if len(raw.strip()) < self.args.min_post:
                    errors.append("Body is too short (minimum is %d characters)" % self.args.min_post)
                if errors:
                    return 422, {"action": "create_post", "errors": errors}, None
                reply_to = data.get("reply_to_post_number")
                try:
                    reply_to = int(reply_to) if reply_to not in (None, "") else None
                except (TypeError, ValueError):
                    reply_to = None
                p = self.add_post(topic, username, raw, reply_to=reply_to)
                return 200, p, "post"
            title = (data.get("title") or "").strip()
            ext = data.get("external_id")
            if not title:
                errors.append("Title can't be blank")
            elif len(title) < self.args.min_title:
                errors.append("Title is too short (minimum is %d characters)" % self.args.min_title)
            elif len(title) > 255:
                errors.append("Title is too long (maximum is 255 characters)")
            elif any(t["title"].lower() == title.lower() for t in self.topics.values()
                     if t["archetype"] == "regular"):
                errors.append("Title has already been used")
            if len(raw.strip()) < self.args.min_post:
                errors.append("Body is too short (minimum is %d characters)" % self.args.min_post)
            if ext is not None:
                if not isinstance(ext, str) or not EXTERNAL_ID_RE.match(ext):
                    errors.append("External ID is invalid")
                elif any((t["external_id"] or "").lower() == ext.lower()
                         for t in self.topics.values()):
                    errors.append("External ID has already been taken")
            if errors:
                return 422, {"action": "create_post", "errors": errors}, None
            try:
                category = int(data.get("category")) if data.get("category") not in (None, "") else None
            except (TypeError, ValueError):
                category = None
            t = self.new_topic(title, category, data.get("archetype") or "regular", ext, username)
            p = self.add_post(t, username, raw)
            return 200, p, "topic"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "discourse-loopback"

    def log_message(self, fmt, *args):  # quiet
        pass

    # ---- plumbing -----------------------------------------------------
    @property
    def forum(self):
        return self.server.forum

    @property
    def rec(self):
        return self.server.rec

    def answer(self, status, body, ctype="application/json; charset=utf-8", headers=None):
        data = body if isinstance(body, bytes) else (
            json.dumps(body).encode() if not isinstance(body, str) else body.encode())
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def parsed_body(self, raw):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        text = raw.decode("utf-8", "replace")
        if ctype == "application/x-www-form-urlencoded":
            return {k: v[-1] for k, v in urllib.parse.parse_qs(text).items()}
        try:
            return json.loads(text) if text else {}
        except ValueError:
            return text

    def api_auth(self):
        key = self.headers.get("Api-Key")
        user = self.headers.get("Api-Username") or ""
        ok = key == self.server.args.api_key and user.lower() == self.server.args.api_username.lower()
        return ok, user

    def scripted_answer(self, route, work):
        """Applies a scripted answer for route, if any; returns True when it
        answered (work() is done first for "hold")."""
        resp = self.forum.scripted(route)
        if resp is None:
            return False
        self.rec.add("scripted", route=route, resp=resp)
        if "delay" in resp:
            time.sleep(float(resp["delay"]))
            return False
        if "hold" in resp:
            status, body, headers = work()
            self.server.record_http(self, status)
            time.sleep(float(resp["hold"]))
            try:
                self.answer(status, body, headers=headers)
            except OSError:
                pass
            return True
        status = int(resp.get("status", 500))
        headers = {}
        if "retry_after" in resp:
            headers["Retry-After"] = str(resp["retry_after"])
        if status == 429:
            if resp.get("text"):
                body = "Slow down, too many requests from this IP address"
                self.server.record_http(self, status)
                self.answer(status, body, ctype="text/plain; charset=utf-8", headers=headers)
                return True
            wait = resp.get("wait_seconds", resp.get("retry_after", 1))
            body = {"errors": ["You’ve performed this action too many times. Please wait %s "
                               "seconds before trying again." % wait],
                    "error_type": "rate_limit", "extras": {"wait_seconds": wait,
                                                           "time_left": "%s seconds" % wait}}
        elif status == 422:
            body = {"action": "create_post", "errors": resp.get("errors", ["Validation failed"])}
        elif status == 403:
            body = INVALID_ACCESS
        else:
            body = {"errors": ["Internal Server Error"]}
        self.server.record_http(self, status)
        self.answer(status, body, headers=headers)
        return True

    # ---- verbs --------------------------------------------------------
    def do_GET(self):
        self.req_body = b""
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, urllib.parse.parse_qs(url.query)
        if path == "/control/log":
            return self.answer(200, self.rec.all())
        ok, user = self.api_auth()
        if not ok:
            self.server.record_http(self, 403)
            return self.answer(403, INVALID_ACCESS)
        if path == "/posts.json":
            if self.scripted_answer("GET /posts.json", None):
                return None
            before = query.get("before", [None])[0]
            with self.forum.lock:
                posts = sorted(self.forum.posts.values(), key=lambda p: -p["id"])
                posts = [p for p in posts if p["topic_archetype"] != "private_message"]
                if before:
                    posts = [p for p in posts if p["id"] < int(before)]
                page = [dict(p) for p in posts[:PAGE]]
            self.server.record_http(self, 200)
            return self.answer(200, {"latest_posts": page})
        m = re.match(r"^/t/external_id/([^/]+)\.json$", path)
        if m:
            if self.scripted_answer("GET /t/external_id", None):
                return None
            ext = urllib.parse.unquote(m.group(1)).lower()
            with self.forum.lock:
                found = [t for t in self.forum.topics.values()
                         if (t["external_id"] or "").lower() == ext]
            if not found:
                self.server.record_http(self, 404)
                return self.answer(404, NOT_FOUND)
            t = found[0]
            self.server.record_http(self, 301)
            return self.answer(301, "", ctype="text/html",
                               headers={"Location": "/t/%s/%d.json" % (t["slug"], t["id"])})
        m = re.match(r"^/t/[^/]+/(\d+)\.json$", path)
        if m:
            t = self.forum.topics.get(int(m.group(1)))
            if not t:
                self.server.record_http(self, 404)
                return self.answer(404, NOT_FOUND)
            self.server.record_http(self, 200)
            return self.answer(200, {"id": t["id"], "title": t["title"], "slug": t["slug"],
                                     "category_id": t["category_id"],
                                     "external_id": t["external_id"],
                                     "posts_count": len(t["posts"])})
        self.server.record_http(self, 404)
        return self.answer(404, NOT_FOUND)

    def do_POST(self):
        raw = self.read_body()
        self.req_body = raw
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/control/"):
            return self.control(path, raw)
        if path != "/posts.json":
            self.server.record_http(self, 404)
            return self.answer(404, NOT_FOUND)
        ok, user = self.api_auth()
        if not ok:
            self.server.record_http(self, 403)
            return self.answer(403, INVALID_ACCESS)
        data = self.parsed_body(raw)
        if not isinstance(data, dict):
            self.server.record_http(self, 400)
            return self.answer(400, {"errors": ["bad request"]})

        def work():
            status, answer, kind = self.forum.create(data, self.server.args.api_username)
            if kind == "topic":
                t = self.forum.topics[answer["topic_id"]]
                self.rec.add("topic", id=t["id"], title=t["title"], category=t["category_id"],
                             external_id=t["external_id"], raw=answer["raw"], username=user)
            elif kind == "post":
                self.rec.add("post", id=answer["id"], topic_id=answer["topic_id"],
                             post_number=answer["post_number"], username=user,
                             raw=answer["raw"],
                             reply_to_post_number=answer["reply_to_post_number"])
            return status, answer, None

        if self.scripted_answer("POST /posts.json", work):
            return None
        status, answer, _ = work()
        self.server.record_http(self, status)
        return self.answer(status, answer)

    # ---- control ------------------------------------------------------
    def control(self, path, raw):
        try:
            data = json.loads(raw.decode() or "{}")
        except ValueError:
            return self.answer(400, {"error": "control bodies are JSON"})
        if path == "/control/shutdown":
            self.answer(200, {"ok": True})
            self.rec.add("shutdown", why="control")
            threading.Thread(target=self.server.shutdown, daemon=True).start()
            return None
        if path == "/control/config":
            if "webhook" in data:
                self.forum.webhook = data["webhook"]
            return self.answer(200, {"ok": True})
        if path == "/control/scenario":
            with self.forum.lock:
                for k, v in data.items():
                    self.forum.scenario[k] = list(v)
            return self.answer(200, {"ok": True})
        if path == "/control/post":
            return self.answer(200, self.control_post(data))
        if path == "/control/webhook":
            return self.answer(200, {"webhook": self.server.send_webhook(data)})
        return self.answer(404, {"error": "unknown control"})

    def control_post(self, data):
        f = self.forum
        username = data.get("username", "alice")
        with f.lock:
            if data.get("post_id"):  # an edit of an existing post
                p = f.posts[int(data["post_id"])]
                p["raw"] = data.get("raw", p["raw"])
                p["version"] = p["version"] + 1
                post = dict(p)
            else:
                tid = data.get("topic_id")
                topic = f.topics.get(int(tid)) if tid else None
                if topic is None:
                    topic = f.new_topic(data.get("title", "A question about maintainers"),
                                        data.get("category", 4),
                                        data.get("archetype", "regular"), None, username)
                post = dict(f.add_post(topic, username, data.get("raw", ""),
                                       post_type=int(data.get("post_type", 1)),
                                       reply_to=data.get("reply_to_post_number"),
                                       version=int(data.get("version", 1))))
            for k, v in (data.get("set") or {}).items():
                post[k] = v
                if k in ("user_id", "post_type", "topic_archetype"):
                    f.posts[post["id"]][k] = v
        hook = None
        if data.get("deliver", True) and f.webhook:
            hook = self.server.send_webhook({
                "event": data.get("event", "post_edited" if data.get("post_id") else "post_created"),
                "event_type": "post", "event_id": data.get("event_id"),
                "body": {"post": post}, "sign": data.get("sign", "good"),
                "pad": data.get("pad"),
            })
        return {"post": post, "webhook": hook}


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, args):
        super().__init__(("127.0.0.1", 0), Handler)
        self.args = args
        self.rec = Recorder(args.log)
        self.forum = Forum(args)

    def base(self):
        return "http://127.0.0.1:%d" % self.server_address[1]

    def record_http(self, handler, status):
        url = urllib.parse.urlsplit(handler.path)
        body = handler.parsed_body(handler.req_body) if handler.req_body else None
        ok, user = handler.api_auth()
        self.rec.add("http", method=handler.command, path=url.path, query=url.query,
                     api_key_ok=ok, api_username=handler.headers.get("Api-Username"),
                     body=body, status=status)

    def send_webhook(self, spec):
        """Signs and POSTs one webhook to the bot; returns {"status", "body"}."""
        url = self.forum.webhook
        if not url:
            return {"status": 0, "error": "no webhook URL"}
        with self.forum.lock:
            self.forum.event_seq += 1
            seq = self.forum.event_seq
        event_id = str(spec.get("event_id") or seq)
        if spec.get("redeliver"):
            # Discourse's redelivery: the same event id and body again
            event_id = str(spec["redeliver"])
            with self.forum.lock:
                body, first = self.forum.sent[event_id]
            spec = dict(first, **{k: v for k, v in spec.items() if k != "redeliver"})
        elif "raw" in spec:
            body = spec["raw"].encode("utf-8")
        else:
            obj = spec.get("body", {"ping": "OK"})
            if spec.get("pad"):
                obj = dict(obj)
                obj["padding"] = ""
                short = len(json.dumps(obj).encode())
                obj["padding"] = "x" * max(0, int(spec["pad"]) - short)
            body = json.dumps(obj).encode("utf-8")
        with self.forum.lock:
            self.forum.sent.setdefault(event_id, (body, spec))
        how = spec.get("sign", "good")
        headers = {
            "Content-Type": spec.get("content_type", "application/json"),
            "X-Discourse-Instance": self.base(),
            "X-Discourse-Event-Id": event_id,
            "X-Discourse-Event-Type": spec.get("event_type", "post"),
            "X-Discourse-Event": spec.get("event", "post_created"),
        }
        sent = body
        if how == "good":
            headers["X-Discourse-Event-Signature"] = sign(self.args.secret, body)
        elif how == "upper":
            headers["X-Discourse-Event-Signature"] = "sha256=" + sign(self.args.secret, body)[7:].upper()
        elif how == "bad":
            headers["X-Discourse-Event-Signature"] = sign(self.args.secret + "-other", body)
        elif how == "malformed":
            headers["X-Discourse-Event-Signature"] = "sha1=" + sign(self.args.secret, body)[7:47]
        elif how == "tamper":
            headers["X-Discourse-Event-Signature"] = sign(self.args.secret, body)
            i = body.rfind(b"e") if b"e" in body else 0
            sent = body[:i] + b"E" + body[i + 1:] if body else b"x"
        status, answer, error = 0, "", None
        try:
            u = urllib.parse.urlsplit(url)
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=20)
            conn.putrequest("POST", u.path or "/")
            for k, v in headers.items():
                conn.putheader(k, v)
            conn.putheader("Content-Length", str(len(sent)))
            conn.endheaders()
            try:
                for i in range(0, len(sent), 65536):
                    conn.send(sent[i:i + 65536])
            except OSError:
                pass  # refused early (413): the answer is still there to read
            r = conn.getresponse()
            status, answer = r.status, r.read().decode("utf-8", "replace")
            conn.close()
        except OSError as e:
            error = str(e)
        self.rec.add("webhook", event=headers["X-Discourse-Event"], event_id=event_id, sign=how,
                     status=status, bytes=len(sent), error=error)
        return {"status": status, "body": answer, "event_id": event_id, "error": error}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--api-key", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--api-username", default="govbot")
    p.add_argument("--webhook", default=None)
    p.add_argument("--log", default=None)
    p.add_argument("--timeout", type=float, default=120.0)
    p.add_argument("--min-title", type=int, default=15)
    p.add_argument("--min-post", type=int, default=20)
    p.add_argument("--ignore-stdin", action="store_true")
    args = p.parse_args()

    srv = Server(args)
    print("PORT %d" % srv.server_address[1], flush=True)
    if not args.ignore_stdin:
        def watch_stdin():
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            except OSError:
                pass
            srv.rec.add("shutdown", why="stdin")
            srv.shutdown()
        threading.Thread(target=watch_stdin, daemon=True).start()

    def deadline():
        time.sleep(args.timeout)
        srv.rec.add("shutdown", why="timeout")
        srv.shutdown()
    threading.Thread(target=deadline, daemon=True).start()
    srv.serve_forever(poll_interval=0.1)
    srv.server_close()


if __name__ == "__main__":
    main()
