/* test_matrix_text.c - adapters/matrix.c's pure parts, reached by including
 * the file: which messages are commands (and their text), the m.notice
 * content, txnIds, the room facts kept across restarts, error
 * bodies, and the spec's own sync example read as a sync (the end-to-end
 * tests are tests/test_matrix.c). */
#include "adapters/matrix.c"
#include "tests/testutil.h"

#include <check.h>

#define FIXTURES "tests/data/matrix/fixtures/"

static cJSON *fixture(const char *name)
{
	char path[256], err[128];
	size_t len;
	char *text;
	cJSON *j;

	snprintf(path, sizeof path, FIXTURES "%s", name);
	text = file_read(path, 1 << 20, &len, err, sizeof err);
	ck_assert_msg(text != NULL, "%s: %s", path, err);
	j = cJSON_ParseWithLength(text, len);
	ck_assert_msg(j != NULL, "%s: not JSON", path);
	free(text);
	return j;
}

static struct mx *test_mx(void)
{
	struct mx *m = xcalloc(1, sizeof(*m));
	m->user_id = xstrdup("@govbot:example.org");
	m->display_name = xstrdup("GovBot");
	return m;
}

static void test_mx_free(struct mx *m)
{
	while (m->rooms) {
		struct mx_room *r = m->rooms;
		m->rooms = r->next;
		free(r->id);
		free(r);
	}
	free(m->user_id);
	free(m->display_name);
	free(m);
}

struct cmd_case {
	const char *content;   /* an m.room.message's content (JSON) */
	bool direct;
	const char *text;      /* NULL: not a command */
	bool require_prefix;
};

static const struct cmd_case cmd_cases[] = {
	{ "{\"msgtype\":\"m.text\",\"body\":\"!gov who torch.nn\"}", false, "!gov who torch.nn", true },
	{ "{\"msgtype\":\"m.text\",\"body\":\"  !GOV lead\"}", false, "!GOV lead", true },
	{ "{\"msgtype\":\"m.text\",\"body\":\"!gov\"}", false, "!gov", true },
	{ "{\"msgtype\":\"m.text\",\"body\":\"!government is slow\"}", false, NULL, false },
	{ "{\"msgtype\":\"m.text\",\"body\":\"who maintains autograd?\"}", false, NULL, false },
	{ "{\"msgtype\":\"m.text\",\"body\":\"who maintains autograd?\"}", true,
	  "who maintains autograd?", false },
	/* mentions: the user id, the display name, with : or , after it */
	{ "{\"msgtype\":\"m.text\",\"body\":\"@govbot:example.org: lead\"}", false, "lead", false },
	{ "{\"msgtype\":\"m.text\",\"body\":\"GovBot, who torch.nn\"}", false, "who torch.nn", false },
	{ "{\"msgtype\":\"m.text\",\"body\":\"hey govbot who is the lead?\"}", false,
	  "who is the lead?", false },
	{ "{\"msgtype\":\"m.text\",\"body\":\"who is the lead, @GovBot?\"}", false,
	  "who is the lead", false },
	{ "{\"msgtype\":\"m.text\",\"body\":\"govbotx is a word\"}", false, NULL, false },
	/* m.mentions decides when present */
	{ "{\"msgtype\":\"m.text\",\"body\":\"GovBot is great\",\"m.mentions\":{}}", false, NULL, false },
	{ "{\"msgtype\":\"m.text\",\"body\":\"Gov: lead\",\"m.mentions\":{\"user_ids\":"
	  "[\"@govbot:example.org\"]}}", false, "Gov: lead", false },
	/* not for the bot: notices, emotes, edits, no body */
	{ "{\"msgtype\":\"m.notice\",\"body\":\"!gov lead\"}", true, NULL, false },
	{ "{\"msgtype\":\"m.emote\",\"body\":\"!gov lead\"}", true, NULL, false },
	{ "{\"msgtype\":\"m.text\",\"body\":\" * !gov lead\",\"m.new_content\":{\"msgtype\":"
	  "\"m.text\",\"body\":\"!gov lead\"},\"m.relates_to\":{\"rel_type\":\"m.replace\","
	  "\"event_id\":\"$a\"}}", true, NULL, false },
	{ "{\"msgtype\":\"m.text\"}", true, NULL, false },
	/* a rich reply's fallback quote is not the command */
	{ "{\"msgtype\":\"m.text\",\"body\":\"> <@alice:example.org> !gov core\\n\\n!gov lead\","
	  "\"m.relates_to\":{\"m.in_reply_to\":{\"event_id\":\"$q\"}}}", false, "!gov lead", true },
};

START_TEST(commands_detected)
{
	const struct cmd_case *c = &cmd_cases[_i];
	struct mx *m = test_mx();
	cJSON *content = cJSON_Parse(c->content);
	bool req = !c->require_prefix;
	char *text;

	ck_assert(content != NULL);
	text = mx_command(m, content, c->direct, &req);
	if (!c->text) {
		ck_assert_msg(text == NULL, "case %d: \"%s\" taken as a command", _i, text);
	} else {
		ck_assert_msg(text != NULL, "case %d: not taken as a command", _i);
		ck_assert_str_eq(text, c->text);
		ck_assert_msg(req == c->require_prefix, "case %d: require_prefix %d", _i, req);
	}
	free(text);
	cJSON_Delete(content);
	test_mx_free(m);
}
END_TEST

START_TEST(notice_content)
{
	char *json = mx_notice_json("a <b>", "a &lt;b&gt;", NULL, "$cmd", NULL);
	cJSON *c = cJSON_Parse(json), *t;

	ck_assert_str_eq(json_str(c, "msgtype"), "m.notice");
	ck_assert_str_eq(json_str(c, "body"), "a <b>");
	ck_assert_str_eq(json_str(c, "format"), "org.matrix.custom.html");
	ck_assert_str_eq(json_str(c, "formatted_body"), "a &lt;b&gt;");
	ck_assert(cJSON_IsObject(json_at(c, "m.mentions", NULL)));
	ck_assert_int_eq(cJSON_GetArraySize(json_at(c, "m.mentions", NULL)), 0);
	ck_assert_str_eq(json_str(json_at(json_at(c, "m.relates_to", NULL), "m.in_reply_to", NULL),
				  "event_id"), "$cmd");
	ck_assert_ptr_null(json_at(c, "m.relates_to", "rel_type"));
	cJSON_Delete(c);
	cJSON_free(json);

	/* in a thread: the thread relation, and a genuine reply inside it */
	json = mx_notice_json("x", "x", NULL, "$cmd", "$root");
	c = cJSON_Parse(json);
	t = cJSON_GetObjectItemCaseSensitive(c, "m.relates_to");
	ck_assert_str_eq(json_str(t, "rel_type"), "m.thread");
	ck_assert_str_eq(json_str(t, "event_id"), "$root");
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(t, "is_falling_back")));
	ck_assert_str_eq(json_str(json_at(t, "m.in_reply_to", NULL), "event_id"), "$cmd");
	cJSON_Delete(c);
	cJSON_free(json);

	/* an announcement naming people: their user ids in m.mentions, and
	 * only those with a Matrix id */
	{
		struct reply *r = reply_new();
		reply_text(r, "Nomination 1 opened; ");
		reply_mention(r, "soumith", "@soumith:example.org");
		reply_text(r, " and ");
		reply_mention(r, "ezyang", NULL);
		reply_text(r, " decide.");
		json = mx_notice_json("x", "x", r, NULL, NULL);
		c = cJSON_Parse(json);
		const cJSON *ids = json_at(json_at(c, "m.mentions", NULL), "user_ids", NULL);
		ck_assert_int_eq(cJSON_GetArraySize(ids), 1);
		ck_assert_str_eq(cJSON_GetArrayItem(ids, 0)->valuestring, "@soumith:example.org");
		cJSON_Delete(c);
		cJSON_free(json);
		reply_free(r);
	}

	/* an announcement: no relation, still m.mentions */
	json = mx_notice_json("x", "x", NULL, NULL, NULL);
	c = cJSON_Parse(json);
	ck_assert_ptr_null(json_at(c, "m.relates_to", NULL));
	ck_assert(cJSON_IsObject(json_at(c, "m.mentions", NULL)));
	cJSON_Delete(c);
	cJSON_free(json);
}
END_TEST

START_TEST(txn_ids_stable)
{
	struct buf a = BUF_INIT, b = BUF_INIT, c = BUF_INIT;

	mx_txn(&a, "an", "outbox:12:matrix");
	mx_txn(&b, "an", "outbox:12:matrix");
	mx_txn(&c, "an", "outbox:12/matrix");
	ck_assert_str_eq(a.data, b.data);               /* same delivery, same txnId */
	ck_assert_str_ne(a.data, c.data);               /* differ only in dropped characters */
	ck_assert_msg(strncmp(a.data, "govbot.an.outbox12matrix.", 25) == 0, "%s", a.data);
	for (const char *p = a.data; *p; p++)
		ck_assert_msg(isalnum((unsigned char)*p) || strchr("._-", *p), "%s", a.data);
	buf_release(&a);
	buf_release(&b);
	buf_release(&c);
}
END_TEST

START_TEST(pills_become_user_ids)
{
	char *t = pills_to_ids("!gov who is Soumith C?", "!gov who is <a href=\"https://matrix.to/#/"
			       "%40soumith%3Aexample.org\">Soumith C</a>?");
	ck_assert_str_eq(t, "!gov who is @soumith:example.org?");
	free(t);
	/* two pills; a link whose name is not in the body changes nothing */
	t = pills_to_ids("!gov recuse 3 Al and Bo", "<a href='https://matrix.to/#/@al:x.org'>Al</a>"
			 " and <a href=\"https://matrix.to/#/@bo:x.org?via=x.org\">Bo</a> "
			 "<a href=\"https://matrix.to/#/@cy:x.org\">Cy</a>");
	ck_assert_str_eq(t, "!gov recuse 3 @al:x.org and @bo:x.org");
	free(t);
	/* no formatted_body, or a broken one */
	t = pills_to_ids("who Al", NULL);
	ck_assert_str_eq(t, "who Al");
	free(t);
	t = pills_to_ids("who Al", "<a href=\"https://matrix.to/#/@al:x.org");
	ck_assert_str_eq(t, "who Al");
	free(t);
	t = url_unescape("%40a%3Ab%zz%4", 13);
	ck_assert_str_eq(t, "@a:b%zz%4");
	free(t);
}
END_TEST

START_TEST(room_facts_round_trip)
{
	struct mx *m = test_mx(), *n = test_mx();
	cJSON *direct = cJSON_Parse("{\"@alice:example.org\":[\"!a:x\",\"!b:x\"]}");
	char *json;

	room_find(m, "!c:x", true)->members = 2;
	room_find(m, "!d:x", true)->members = 5;
	rooms_set_direct(m, direct);
	ck_assert(room_is_direct(room_find(m, "!a:x", false)));
	ck_assert(room_is_direct(room_find(m, "!c:x", false)));     /* a room of two */
	ck_assert(!room_is_direct(room_find(m, "!d:x", false)));
	json = rooms_json(m);
	rooms_load(n, json);
	ck_assert(room_is_direct(room_find(n, "!a:x", false)));
	ck_assert(room_is_direct(room_find(n, "!b:x", false)));
	ck_assert(room_is_direct(room_find(n, "!c:x", false)));
	ck_assert_int_eq(room_find(n, "!d:x", false)->members, 5);
	ck_assert(!room_is_direct(room_find(n, "!d:x", false)));
	free(json);
	cJSON_Delete(direct);
	test_mx_free(m);
	test_mx_free(n);
}
END_TEST

/* The spec's example sync: the room of two (summary) is direct, so its
 * m.text is a command; the member event is not; the first sync skips all. */
START_TEST(spec_sync_example_read)
{
	cJSON *sync = fixture("sync_response.json"), *it;
	struct mx *m = test_mx();
	struct mx_cmd *cmds = NULL;
	size_t n = 0, cap = 0;

	cJSON_ArrayForEach(it, json_at(json_at(sync, "rooms", NULL), "join", NULL))
		mx_room_entry(m, it->string, it, true, &cmds, &n, &cap);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(room_find(m, "!726s6s6q:example.com", false)->members, 2);
	cJSON_ArrayForEach(it, json_at(json_at(sync, "rooms", NULL), "join", NULL))
		mx_room_entry(m, it->string, it, false, &cmds, &n, &cap);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(cmds[0].room, "!726s6s6q:example.com");
	ck_assert_str_eq(cmds[0].sender, "@example:example.org");
	ck_assert_str_eq(cmds[0].event_id, "$143273582443PhrSn:example.org");
	ck_assert_str_eq(cmds[0].text, "This is an example text message");
	ck_assert(!cmds[0].require_prefix);
	ck_assert_ptr_null(cmds[0].thread);
	free(cmds[0].text);
	free(cmds);
	ck_assert_str_eq(json_str(sync, "next_batch"), "s72595_4483_1934");
	cJSON_Delete(sync);
	test_mx_free(m);
}
END_TEST

/* Our own events, and a notice, are never commands, even in a direct room. */
START_TEST(own_and_notice_events_skipped)
{
	cJSON *sync = fixture("sync_response.json");
	cJSON *room = cJSON_GetObjectItemCaseSensitive(
		json_at(json_at(sync, "rooms", NULL), "join", NULL), "!726s6s6q:example.com");
	cJSON *events = (cJSON *)json_at(json_at(room, "timeline", NULL), "events", NULL);
	cJSON *notice = fixture("event_m_room_message_m_notice.json");
	struct mx *m = test_mx();
	struct mx_cmd *cmds = NULL;
	size_t n = 0, cap = 0;

	cJSON_AddItemToArray(events, notice);
	free(m->user_id);
	m->user_id = xstrdup("@example:example.org");   /* the example's sender is us */
	mx_room_entry(m, "!726s6s6q:example.com", room, false, &cmds, &n, &cap);
	ck_assert_uint_eq(n, 0);
	free(cmds);
	cJSON_Delete(sync);
	test_mx_free(m);
}
END_TEST

/* One answer through jsonapi's HTTP classification and mx_classify. */
static enum jsonapi_outcome classify(long status, const char *body, long retry_after_s,
				     long long *retry_ms, char *code, size_t codelen)
{
	struct http_response r;
	struct jsonapi_result res;
	cJSON *json;
	char err[256];

	memset(&r, 0, sizeof r);
	r.status = status;
	r.body = body;
	r.body_len = strlen(body);
	r.retry_after_s = retry_after_s;
	jsonapi_classify(&r, mx_classify, &res, &json, err, sizeof err);
	*retry_ms = res.retry_after_ms;
	snprintf(code, codelen, "%s", mx_errcode(&res));
	cJSON_Delete(json);
	return res.outcome;
}

START_TEST(error_bodies_read)
{
	const char *lim = "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"error\":\"Too many requests\","
			  "\"retry_after_ms\":2000}";
	long long ms;
	char code[64];

	/* the fixture's body: retry_after_ms, unless Retry-After says otherwise */
	ck_assert_int_eq(classify(429, lim, -1, &ms, code, sizeof code), JSONAPI_RETRY_AFTER);
	ck_assert_int_eq(ms, 2000);
	ck_assert_str_eq(code, "M_LIMIT_EXCEEDED");
	ck_assert_int_eq(classify(429, lim, 3, &ms, code, sizeof code), JSONAPI_RETRY_AFTER);
	ck_assert_int_eq(ms, 3000);
	/* tokens and forbidden rooms: retrying cannot help */
	ck_assert_int_eq(classify(401, "{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"x\","
				  "\"soft_logout\":true}", -1, &ms, code, sizeof code), JSONAPI_FATAL);
	ck_assert_int_eq(classify(403, "{\"errcode\":\"M_FORBIDDEN\"}", -1, &ms, code, sizeof code),
			 JSONAPI_FATAL);
	/* a server error, and a 200 that is not JSON: retried */
	ck_assert_int_eq(classify(502, "<html>bad gateway</html>", -1, &ms, code, sizeof code),
			 JSONAPI_RETRY);
	ck_assert_str_eq(code, "");
	ck_assert_int_eq(classify(200, "{\"next_batch\": [not json", -1, &ms, code, sizeof code),
			 JSONAPI_RETRY);
	ck_assert_int_eq(classify(200, "{\"event_id\":\"$e\"}", -1, &ms, code, sizeof code),
			 JSONAPI_OK);
}
END_TEST

START_TEST(filter_is_json)
{
	cJSON *f = cJSON_Parse(mx_filter);
	const cJSON *tl = json_at(json_at(f, "room", NULL), "timeline", NULL);

	ck_assert_msg(f != NULL, "the sync filter is not JSON");
	ck_assert(cJSON_IsTrue(json_at(json_at(json_at(f, "room", NULL), "state", NULL),
				       "lazy_load_members", NULL)));
	ck_assert_int_eq(json_at(tl, "limit", NULL)->valueint, MX_TIMELINE_LIMIT);
	ck_assert_int_eq(cJSON_GetArraySize(json_at(json_at(f, "presence", NULL), "types", NULL)), 0);
	cJSON_Delete(f);
	f = cJSON_Parse(mx_filter_first);
	ck_assert_msg(f != NULL, "the first sync's filter is not JSON");
	ck_assert_int_eq(json_at(json_at(json_at(f, "room", NULL), "timeline", NULL), "limit",
				 NULL)->valueint, 1);
	cJSON_Delete(f);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("matrix_text");
	TCase *tc = tcase_create("text");

	tcase_add_loop_test(tc, commands_detected, 0, (int)ARRAY_SIZE(cmd_cases));
	tcase_add_test(tc, notice_content);
	tcase_add_test(tc, txn_ids_stable);
	tcase_add_test(tc, pills_become_user_ids);
	tcase_add_test(tc, room_facts_round_trip);
	tcase_add_test(tc, spec_sync_example_read);
	tcase_add_test(tc, own_and_notice_events_skipped);
	tcase_add_test(tc, error_bodies_read);
	tcase_add_test(tc, filter_is_json);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(suite());
}
