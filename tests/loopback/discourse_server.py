#!/usr/bin/env python3
"""Loopback Discourse: the forum API govbot calls, and the signed webhooks
it receives.  Built on harness.py (Python 3 standard library only).

The forum keeps users, topics and posts in memory and checks what a real
Discourse checks on the calls govbot makes: the API key and username, and
the validations of titles, bodies and external ids, worded as Discourse
words them.  The webhook sender signs each body as Discourse does
(X-Discourse-Event-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>)
and posts it to govbot (--peer, plus --webhook-path).  No official example
of a webhook body is published: posts carry the fields of Discourse's
WebHookPostSerializer listed in the fixtures' NOTES.md.

Usage (besides harness.py's options):
  discourse_server.py --api-key KEY --secret SECRET [--api-username govbot]
                      [--peer http://127.0.0.1:BOTPORT] [--webhook-path /discourse/webhook]
                      [--min-title 15] [--min-post 20]

Forum API (api names in the records and in the scenario's "api"):
  POST /posts.json             posts.create  Api-Key + Api-Username; JSON or form.
                               {topic_id, raw, reply_to_post_number}: a reply;
                               {title, raw, category, external_id}: a new topic.
                               422 {"errors": [...]}: "Title is too short (minimum
                               is 15 characters)", "Title has already been used",
                               "Body is too short (minimum is 20 characters)",
                               "External ID has already been taken", "External
                               ID is invalid".
  GET  /posts.json[?before=ID] posts.latest  latest public posts, newest first,
                               with raw, under "latest_posts" (50 a page)
  GET  /t/external_id/ID.json  topics.external_id  404, or 301 to the topic's JSON
  GET  /t/SLUG/ID.json         topics.show
  A wrong key or another Api-Username: 403 (error_type invalid_access).
Scripted answers (scenario "api"), besides the harness's own forms:
  {"status": 429, "wait_seconds": S}     rate_limit JSON body, no Retry-After
  {"status": 429, "retry_after": S}      the header (and the JSON body)
  {"text429": true, "retry_after": S}    a plain-text 429 (nginx-style)
  {"status": 422, "errors": [...]}       Discourse's validation answer
  {"hold": S}                            do the work (the topic exists, it is
                                         recorded), then answer S seconds later

Control (the test's side), besides /control/log, /control/scenario, /control/shutdown:
  POST /control/post     a user writes a post: {username, raw, topic_id?, title?,
                         archetype?, post_type?, version?, set?, deliver?,
                         event?, event_id?, sign?, pad?}, or edits one
                         ({post_id, raw}: version + 1, event post_edited).
                         It is stored (GET /posts.json lists it unless it is in
                         a private message) and, unless deliver is false, sent
                         as a signed webhook.  Answers {"post", "webhook"}.
  POST /control/webhook  any webhook: {event, event_type, event_id, body (JSON)
                         or raw (text), sign, pad, content_type}, or
                         {"redeliver": EVENT_ID} (the same body and id again).
                         sign: "good" (default), "none", "bad" (another secret),
                         "malformed" (not sha256=<64 hex>), "tamper" (signed,
                         then a byte changed), "upper" (hex in capitals: valid).
                         pad: N makes the body about N bytes.  Answers
                         {"webhook": {"status", "body", "event_id"}}.

Records, besides the harness's "http" (with api_key_ok and api_username):
  post     {id, topic_id, post_number, username, raw, reply_to_post_number}
           a post created through the API (the bot's replies)
  topic    {id, title, category, external_id, raw, username}
  webhook  {event, event_id, sign, status, bytes, error}
"""

import asyncio
import hashlib
import hmac
import json
import re
import socket
import sys
import time
import urllib.parse

import harness

EXTERNAL_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,50}$")
PAGE = 50
INVALID_ACCESS = {
    "errors": ["You are not permitted to view the requested resource. "
               "The API username or key is invalid."],
    "error_type": "invalid_access",
}
NOT_FOUND = {"errors": ["The requested URL or resource could not be found."],
             "error_type": "not_found"}


def slugify(title):
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "topic"


def signature(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


class DiscourseServer(harness.FakeServer):
    NAME = "discourse"
    DEFAULT_TIMEOUT = 120.0

    @classmethod
    def add_arguments(cls, p):
        p.add_argument("--api-key", required=True)
        p.add_argument("--secret", required=True)
        p.add_argument("--api-username", default="govbot")
        p.add_argument("--webhook-path", default="/discourse/webhook")
        p.add_argument("--min-title", type=int, default=15)
        p.add_argument("--min-post", type=int, default=20)

    def setup(self):
        self.users = {"system": -1, "discobot": -2, self.args.api_username.lower(): 2}
        self.next_user = 10
        self.topics = {}
        self.posts = {}
        self.next_topic = 100
        self.next_post = 1000
        self.event_seq = 0
        self.sent = {}              # event id -> (body bytes, spec) as first sent
        self.route("POST", "/posts.json", self.create, api="posts.create")
        self.route("GET", "/posts.json", self.latest, api="posts.latest")
        self.route("GET", "/t/external_id/{ext}.json", self.by_external_id,
                   api="topics.external_id")
        self.route("GET", "/t/{slug}/{id}.json", self.show, api="topics.show")

    # ---- answers ------------------------------------------------------------
    def error_body(self, req, status):
        script = req.script if isinstance(req.script, dict) else {}
        if status == 429:
            wait = script.get("wait_seconds", script.get("retry_after", 1))
            return {"errors": ["You’ve performed this action too many times. "
                               "Please wait %s seconds before trying again." % wait],
                    "error_type": "rate_limit",
                    "extras": {"wait_seconds": wait, "time_left": "%s seconds" % wait}}
        if status == 422:
            return {"action": "create_post", "errors": script.get("errors", ["Validation failed"])}
        if status == 403:
            return INVALID_ACCESS
        return {"errors": ["%d %s" % (status, harness.REASONS.get(status, "error"))],
                "error_type": "server_error"}

    def authorized(self, req):
        ok = (req.header("api-key") == self.args.api_key and
              req.header("api-username").lower() == self.args.api_username.lower())
        req.note(api_key_ok=ok, api_username=req.header("api-username"))
        return ok

    async def scripted_extra(self, req, work=None):
        """The scripted forms the harness leaves to the handler; returns a
        Response, or None to answer normally."""
        s = req.script if isinstance(req.script, dict) else {}
        if s.get("text429"):
            h = {"Retry-After": str(s["retry_after"])} if "retry_after" in s else {}
            return harness.text_response("Slow down, too many requests from this IP address.\n",
                                         429, h)
        if "hold" in s and work is not None:
            resp = work()
            await asyncio.sleep(float(s["hold"]))
            return resp
        return None

    # ---- the API ------------------------------------------------------------
    def user_id(self, username):
        key = username.lower()
        if key not in self.users:
            self.users[key] = self.next_user
            self.next_user += 1
        return self.users[key]

    def new_topic(self, title, category, archetype, external_id, username):
        t = {"id": self.next_topic, "title": title, "slug": slugify(title),
             "category_id": category, "archetype": archetype, "external_id": external_id,
             "posts": [], "created_by": username}
        self.next_topic += 1
        self.topics[t["id"]] = t
        return t

    def add_post(self, topic, username, raw, post_type=1, reply_to=None, version=1):
        # shaped like Discourse's own answer (tests/data/discourse/fixtures/
        # posts_create_response.json), with this post's values
        p = self.fixture("posts_create_response.json")
        p.update({
            "id": self.next_post, "name": username.capitalize(), "username": username,
            "avatar_template": "/user_avatar/forum.test/%s/{size}/1_2.png" % username.lower(),
            "created_at": now_iso(), "updated_at": now_iso(),
            "cooked": "<p>%s</p>" % raw.replace("&", "&amp;").replace("<", "&lt;"),
            "post_number": len(topic["posts"]) + 1, "post_type": post_type,
            "reply_to_post_number": reply_to, "topic_id": topic["id"], "topic_slug": topic["slug"],
            "topic_title": topic["title"], "topic_posts_count": len(topic["posts"]) + 1,
            "topic_archetype": topic["archetype"], "category_id": topic["category_id"],
            "display_username": username.capitalize(), "version": version, "raw": raw,
            "admin": False, "staff": False, "yours": username.lower() == self.args.api_username.lower(),
            "user_id": self.user_id(username), "trust_level": 1,
        })
        self.next_post += 1
        topic["posts"].append(p["id"])
        self.posts[p["id"]] = p
        return p

    def validate_topic(self, data, raw):
        errors = []
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
            elif any((t["external_id"] or "").lower() == ext.lower() for t in self.topics.values()):
                errors.append("External ID has already been taken")
        return errors

    def do_create(self, req, data):
        raw = data.get("raw") if isinstance(data.get("raw"), str) else ""
        user = self.args.api_username
        if data.get("topic_id") not in (None, ""):
            try:
                topic = self.topics.get(int(data["topic_id"]))
            except (TypeError, ValueError):
                topic = None
            if topic is None:
                return harness.json_response(NOT_FOUND, 404)
            if len(raw.strip()) < self.args.min_post:
                return harness.json_response({"action": "create_post", "errors": [
                    "Body is too short (minimum is %d characters)" % self.args.min_post]}, 422)
            reply_to = data.get("reply_to_post_number")
            p = self.add_post(topic, user, raw, reply_to=int(reply_to) if reply_to else None)
            self.rec.add("post", id=p["id"], topic_id=p["topic_id"], post_number=p["post_number"],
                         username=user, raw=raw, reply_to_post_number=p["reply_to_post_number"])
            return harness.json_response(p)
        errors = self.validate_topic(data, raw)
        if errors:
            return harness.json_response({"action": "create_post", "errors": errors}, 422)
        try:
            category = int(data["category"]) if data.get("category") not in (None, "") else None
        except (TypeError, ValueError):
            category = None
        t = self.new_topic(data["title"].strip(), category, "regular", data.get("external_id"),
                           user)
        p = self.add_post(t, user, raw)
        self.rec.add("topic", id=t["id"], title=t["title"], category=category,
                     external_id=t["external_id"], raw=raw, username=user)
        return harness.json_response(p)

    async def create(self, req):
        if not self.authorized(req):
            return harness.json_response(INVALID_ACCESS, 403)
        data, problem = req.parsed()
        if problem or not isinstance(data, dict):
            self.violation("POST /posts.json: %s" % (problem or "the body is not an object"))
            return harness.json_response({"errors": ["bad request"]}, 400)
        if not isinstance(data.get("raw"), str):
            self.violation("POST /posts.json without raw")
        resp = await self.scripted_extra(req, lambda: self.do_create(req, data))
        return resp if resp is not None else self.do_create(req, data)

    async def latest(self, req):
        if not self.authorized(req):
            return harness.json_response(INVALID_ACCESS, 403)
        resp = await self.scripted_extra(req)
        if resp is not None:
            return resp
        before = req.query.get("before", [None])[0]
        posts = sorted(self.posts.values(), key=lambda p: -p["id"])
        posts = [p for p in posts if p["topic_archetype"] != "private_message"]
        if before:
            posts = [p for p in posts if p["id"] < int(before)]
        return harness.json_response({"latest_posts": [dict(p) for p in posts[:PAGE]]})

    async def by_external_id(self, req):
        if not self.authorized(req):
            return harness.json_response(INVALID_ACCESS, 403)
        resp = await self.scripted_extra(req)
        if resp is not None:
            return resp
        ext = urllib.parse.unquote(req.params["ext"]).lower()
        found = [t for t in self.topics.values() if (t["external_id"] or "").lower() == ext]
        if not found:
            return harness.json_response(NOT_FOUND, 404)
        t = found[0]
        return harness.Response(301, b"", {"Location": "/t/%s/%d.json" % (t["slug"], t["id"]),
                                           "Content-Type": "text/html"})

    async def show(self, req):
        if not self.authorized(req):
            return harness.json_response(INVALID_ACCESS, 403)
        t = self.topics.get(int(req.params["id"])) if req.params["id"].isdigit() else None
        if not t:
            return harness.json_response(NOT_FOUND, 404)
        return harness.json_response({"id": t["id"], "title": t["title"], "slug": t["slug"],
                                      "category_id": t["category_id"],
                                      "external_id": t["external_id"],
                                      "posts_count": len(t["posts"])})

    # ---- control ------------------------------------------------------------
    async def dispatch(self, route, allowed, req):
        if req.method == "POST" and req.path in ("/control/post", "/control/webhook"):
            try:
                spec = json.loads(req.body or b"{}")
            except ValueError:
                return harness.json_response({"error": "control bodies are JSON"}, 400)
            if req.path == "/control/post":
                return harness.json_response(await self.control_post(spec))
            return harness.json_response({"webhook": await self.send_webhook(spec)})
        return await super().dispatch(route, allowed, req)

    async def control_post(self, spec):
        username = spec.get("username", "alice")
        if spec.get("post_id"):             # an edit
            p = self.posts[int(spec["post_id"])]
            p["raw"] = spec.get("raw", p["raw"])
            p["version"] += 1
            p["updated_at"] = now_iso()
            post = dict(p)
        else:
            tid = spec.get("topic_id")
            topic = self.topics.get(int(tid)) if tid else None
            if topic is None:
                topic = self.new_topic(spec.get("title", "A question about the maintainers"),
                                       spec.get("category", 4),
                                       spec.get("archetype", "regular"), None, username)
            p = self.add_post(topic, username, spec.get("raw", ""),
                              post_type=int(spec.get("post_type", 1)),
                              reply_to=spec.get("reply_to_post_number"),
                              version=int(spec.get("version", 1)))
            for k, v in (spec.get("set") or {}).items():
                p[k] = v
            post = dict(p)
        hook = None
        if spec.get("deliver", True) and self.peer:
            hook = await self.send_webhook({
                "event": spec.get("event", "post_edited" if spec.get("post_id") else "post_created"),
                "event_type": "post", "event_id": spec.get("event_id"),
                "body": {"post": post}, "sign": spec.get("sign", "good"), "pad": spec.get("pad"),
            })
        return {"post": post, "webhook": hook}

    def webhook_body(self, spec):
        if "raw" in spec:
            return spec["raw"].encode("utf-8")
        obj = spec.get("body", {"ping": "OK"})
        if spec.get("pad"):
            obj = dict(obj)
            obj["padding"] = ""
            obj["padding"] = "x" * max(0, int(spec["pad"]) - len(harness.jdump(obj).encode()))
        return harness.jdump(obj).encode("utf-8")

    async def send_webhook(self, spec):
        """Signs and POSTs one webhook to govbot; returns {"status", "body",
        "event_id"} (status 0 and "error" when it could not be sent)."""
        if spec.get("redeliver"):
            event_id = str(spec["redeliver"])
            body, first = self.sent[event_id]
            spec = dict(first, **{k: v for k, v in spec.items() if k != "redeliver"})
        else:
            self.event_seq += 1
            event_id = str(spec.get("event_id") or self.event_seq)
            body = self.webhook_body(spec)
            self.sent.setdefault(event_id, (body, spec))
        how = spec.get("sign", "good")
        headers = {
            "Content-Type": spec.get("content_type", "application/json"),
            "X-Discourse-Instance": self.base,
            "X-Discourse-Event-Id": event_id,
            "X-Discourse-Event-Type": spec.get("event_type", "post"),
            "X-Discourse-Event": spec.get("event", "post_created"),
        }
        sent = body
        sig = signature(self.args.secret, body)
        if how == "good":
            headers["X-Discourse-Event-Signature"] = sig
        elif how == "upper":
            headers["X-Discourse-Event-Signature"] = "sha256=" + sig[7:].upper()
        elif how == "bad":
            headers["X-Discourse-Event-Signature"] = signature(self.args.secret + "-other", body)
        elif how == "malformed":
            headers["X-Discourse-Event-Signature"] = "sha1=" + sig[7:47]
        elif how == "tamper":
            headers["X-Discourse-Event-Signature"] = sig
            i = max(0, body.rfind(b"e"))
            sent = body[:i] + b"E" + body[i + 1:]
        status, answer, error = await self.post_raw(self.peer.rstrip("/") + self.args.webhook_path,
                                                    headers, sent)
        self.rec.add("webhook", event=headers["X-Discourse-Event"], event_id=event_id, sign=how,
                     status=status, bytes=len(sent), error=error)
        return {"status": status, "body": answer, "event_id": event_id, "error": error}

    async def post_raw(self, url, headers, body):
        """POSTs body to govbot (in a worker thread: a blocking socket still
        reads an answer sent before the body was taken, as a 413 is).
        Returns (status, body text, error)."""
        return await asyncio.get_running_loop().run_in_executor(
            None, post_blocking, url, headers, body)


def post_blocking(url, headers, body):
    u = urllib.parse.urlsplit(url)
    try:
        s = socket.create_connection((u.hostname, u.port), timeout=20)
    except OSError as e:
        return 0, "", repr(e)
    raw = b""
    try:
        head = "POST %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nContent-Length: %d\r\n" % (
            u.path or "/", u.netloc, len(body))
        head += "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
        try:
            s.sendall(head.encode("iso-8859-1") + body)
        except OSError:
            pass                             # refused early: the answer is still there
        while True:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            raw += chunk
    finally:
        s.close()
    top, _, rest = raw.partition(b"\r\n\r\n")
    try:
        status = int(top.split(b" ")[1])
    except (IndexError, ValueError):
        return 0, "", "no HTTP answer"
    return status, rest.decode("utf-8", "replace"), None


if __name__ == "__main__":
    sys.exit(DiscourseServer.main())
