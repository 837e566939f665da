/* test_web.c - the public record's pages (chatbot/web/) rendered in-process
 * from a real SQLite file filled through the dispatcher: every page and the
 * feed parse as XML (python3's xml.etree) and as HTML (html.parser), no
 * scripts, user text escaped, every internal link and fragment resolves to
 * a page that answers 200, ETag / Last-Modified / conditional GET. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/web/web.h"
#include "commands/commands.h"
#include "tests/testutil.h"

static char dir[256], cfg[300], roster_path[300], script[300];
static struct govbot bot;
static struct reply *reply;
static char *out;

#define NOW 1700000000LL
#define DAY 86400LL

/* A roster whose module title, names and links carry markup and a
 * javascript: link that must never become a link. */
static const char roster_text[] =
	"# Example <Project> | Maintainers\n\n"
	"## Lead Core Maintainer (BDFL)\n\n"
	"- Ada Lovelace ([adalove](https://github.com/adalove))\n\n"
	"## Core Maintainers\n\n"
	"- Grace Hopper ([ghopper](https://github.com/ghopper))\n"
	"- Alan Turing ([aturing](https://github.com/aturing))\n\n"
	"## Module-level maintainers\n\n"
	"### Widgets <b>\"&\"</b> (torch.widgets)\n\n"
	"- Barbara Liskov ([bliskov](https://github.com/bliskov))\n"
	"- Mallory <i>Evil</i> ([mallory](javascript:alert))\n"
	"- (emeritus) Niklaus Wirth ([nwirth](https://github.com/nwirth))\n\n"
	"### Gadgets (torch.gadgets)\n\n"
	"- (emeritus) Charles Babbage ([cbabbage](https://github.com/cbabbage))\n";

static const char config_fmt[] =
	"{ \"database\": \"gov.sqlite3\", \"roster\": \"%s\",\n"
	"  \"identities\": {\n"
	"    \"adalove\": [\"console:ada\"], \"ghopper\": [\"console:grace\"],\n"
	"    \"aturing\": [\"console:alan\"], \"bliskov\": [\"console:barbara\"],\n"
	"    \"mallory\": [\"console:mallory\"] } }\n";

/* Prints one JSON object: well-formedness (xml), hrefs, ids, script tags,
 * the visible text; exit 1 with the parser's complaint when not XML. */
static const char checker[] =
	"import sys, json, xml.etree.ElementTree as ET\n"
	"from html.parser import HTMLParser\n"
	"data = open(sys.argv[1], encoding='utf-8').read()\n"
	"try:\n"
	"    root = ET.fromstring(data.split('\\n', 1)[1] if data.startswith('<!DOCTYPE') else data)\n"
	"except ET.ParseError as e:\n"
	"    print('not well-formed:', e); sys.exit(1)\n"
	"class P(HTMLParser):\n"
	"    def __init__(s):\n"
	"        super().__init__(); s.hrefs=[]; s.ids=[]; s.scripts=0; s.text=[]; s.skip=0; s.on=[]\n"
	"    def handle_starttag(s, tag, attrs):\n"
	"        a = dict(attrs)\n"
	"        if tag in ('script','iframe','object','embed'): s.scripts += 1\n"
	"        for k in a:\n"
	"            if k.startswith('on'): s.on.append(k)\n"
	"        if tag in ('a','link') and 'href' in a: s.hrefs.append(a['href'])\n"
	"        if 'id' in a: s.ids.append(a['id'])\n"
	"        if tag in ('style','title'): s.skip += 1\n"
	"    def handle_endtag(s, tag):\n"
	"        if tag in ('style','title'): s.skip -= 1\n"
	"    def handle_data(s, d):\n"
	"        if not s.skip: s.text.append(d)\n"
	"p = P(); p.feed(data)\n"
	"print(json.dumps({'root': root.tag, 'hrefs': p.hrefs, 'ids': p.ids, 'scripts': p.scripts,\n"
	"                  'on': p.on, 'text': ' '.join(''.join(p.text).split()),\n"
	"                  'entries': len(root.findall('{http://www.w3.org/2005/Atom}entry'))}))\n";

static void setup(void)
{
	char text[2048];
	tu_mkdtemp(dir, sizeof(dir), "web");
	snprintf(cfg, sizeof(cfg), "%s/govbot.json", dir);
	snprintf(roster_path, sizeof(roster_path), "%s/roster.md", dir);
	snprintf(script, sizeof(script), "%s/check.py", dir);
	tu_write_file(roster_path, roster_text);
	snprintf(text, sizeof(text), config_fmt, roster_path);
	tu_write_file(cfg, text);
	tu_write_file(script, checker);
	tu_bot_open(&bot, cfg, NOW);
	reply = reply_new();
	out = NULL;
}

static void teardown(void)
{
	free(out);
	out = NULL;
	reply_free(reply);
	bot_close(&bot);
	if (tu_rmrf(dir) != 0)
		fprintf(stderr, "cleanup failed\n");
}

static void ask_ok(const char *as, const char *text)
{
	struct dispatch_request req = { text, strlen(text), as, "console", false };
	int rc = tu_dispatch(&bot, &req, reply, &out);
	ck_assert_msg(rc == CMD_OK, "%s: %s -> %s", as, text, out);
}

/* Fills the record: a decided nomination whose texts carry markup, a
 * rejected one, an open complete one, an incomplete one, an open motion. */
static void fill(void)
{
	ask_ok("console:barbara", "nominate @newbie for torch.widgets contributions: <script>alert(1)</script> "
	       "& 40 PRs interactions: \"kind\" <b>reviews</b> support: the widget maintainers' agree");
	ask_ok("console:grace", "decide 1 accept great <work> & \"steady\" reviews");
	ask_ok("console:barbara", "nominate @other for torch.widgets contributions: a few interactions: ok "
	       "support: some");
	ask_ok("console:alan", "decide 2 reject not yet; come back in a quarter");
	ask_ok("console:barbara", "nominate @third for torch.widgets contributions: docs interactions: "
	       "triage support: us");
	ask_ok("console:mallory", "support 3 <img src=x onerror=alert(1)> yes");
	ask_ok("console:barbara", "nominate @fourth for torch.gadgets contributions: tests");
	ask_ok("console:grace", "propose core adopt <the> RFC process & more");
}

struct parsed {
	cJSON *json;
	const char *text;
};

/* Writes body to a file and runs the checker on it. */
static void parse_page(const struct web_page *p, struct parsed *out_p)
{
	char page[320];
	struct tu_proc proc;
	snprintf(page, sizeof(page), "%s/page", dir);
	tu_write_bytes(page, p->body.data, p->body.len);
	const char *args[] = { script, page, NULL };
	tu_run("/usr/bin/python3", NULL, args, NULL, 0, NULL, 0, 20000, &proc);
	ck_assert_msg(proc.status == 0, "checker: %s%s\n--- page:\n%s", buf_str(&proc.out),
		      buf_str(&proc.err), p->body.data);
	out_p->json = cJSON_Parse(buf_str(&proc.out));
	ck_assert_ptr_nonnull(out_p->json);
	out_p->text = cJSON_GetObjectItem(out_p->json, "text")->valuestring;
	tu_proc_release(&proc);
}

static void render(const char *path, struct web_page *p, const char *base)
{
	struct web_ctx ctx = { &bot, base, NOW - 10 * DAY };
	web_page(&ctx, path, p);
}

#define contains(hay, s) ck_assert_msg(strstr((hay), (s)) != NULL, "missing '%s' in:\n%s", (s), (hay))
#define lacks(hay, s) ck_assert_msg(strstr((hay), (s)) == NULL, "unexpected '%s' in:\n%s", (s), (hay))

static const char *const pages[] = { "/", "/agenda", "/decisions", "/items/1", "/items/2",
				     "/items/3", "/items/4", "/items/5", "/decisions.atom" };

START_TEST(test_pages_well_formed_escaped_no_scripts)
{
	fill();
	for (size_t i = 0; i < ARRAY_SIZE(pages); i++) {
		struct web_page p;
		struct parsed q;
		render(pages[i], &p, NULL);
		ck_assert_msg(p.status == 200, "%s -> %d", pages[i], p.status);
		bool atom = strstr(pages[i], ".atom") != NULL;
		ck_assert_str_eq(p.ctype, atom ? "application/atom+xml; charset=utf-8"
			     : "text/html; charset=utf-8");
		parse_page(&p, &q);
		ck_assert_str_eq(cJSON_GetObjectItem(q.json, "root")->valuestring,
				 atom ? "{http://www.w3.org/2005/Atom}feed" : "html");
		ck_assert_int_eq(cJSON_GetObjectItem(q.json, "scripts")->valueint, 0);
		ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(q.json, "on")), 0);
		/* markup typed by users never reaches the page as markup */
		lacks(p.body.data, "<script>");
		lacks(p.body.data, "<img");
		lacks(p.body.data, "<b>");
		lacks(p.body.data, "<i>");
		lacks(p.body.data, "javascript:");
		cJSON_Delete(q.json);
		web_page_release(&p);
	}
}
END_TEST

START_TEST(test_reader_sees_the_record)
{
	struct web_page p;
	struct parsed q;
	fill();

	render("/", &p, NULL);
	parse_page(&p, &q);
	contains(q.text, "Example <Project> | Maintainers");
	contains(q.text, "Widgets <b>\"&\"</b> (torch.widgets)");
	contains(q.text, "Barbara Liskov (@bliskov)");
	contains(q.text, "@newbie");                         /* the accepted decision applied */
	contains(q.text, "Mallory <i>Evil</i> (@mallory)");  /* shown, not linked */
	contains(q.text, "Emeritus: Niklaus Wirth (@nwirth)");
	contains(q.text, "No active maintainers; the core maintainers are the ones to ask");
	contains(p.body.data, "&lt;b&gt;&quot;&amp;&quot;&lt;/b&gt;");
	cJSON_Delete(q.json);
	web_page_release(&p);

	render("/decisions", &p, NULL);
	parse_page(&p, &q);
	contains(q.text, "item 2: nomination of @other");
	contains(q.text, "rejected by @aturing");
	contains(q.text, "Rationale: not yet; come back in a quarter");
	contains(q.text, "Rationale: great <work> & \"steady\" reviews");
	/* newest first */
	ck_assert(strstr(q.text, "item 2:") < strstr(q.text, "item 1:"));
	cJSON_Delete(q.json);
	web_page_release(&p);

	render("/agenda", &p, NULL);
	parse_page(&p, &q);
	contains(q.text, "item 3: nomination of @third");
	contains(q.text, "the core maintainers to decide it; 1 letter of support, 0 objections");
	contains(q.text, "item 4: nomination of @fourth");
	contains(q.text, "its nominator to give: interactions, support");
	contains(q.text, "item 5: motion of the core maintainers: adopt <the> RFC process & more");
	contains(q.text, "0 of 3 have voted");
	contains(q.text, "(less than a day ago)");
	contains(q.text, "(14 days left)");   /* vote_days 14, opened just now */
	lacks(q.text, "@newbie");   /* decided: off the agenda */
	cJSON_Delete(q.json);
	web_page_release(&p);

	render("/items/1", &p, NULL);
	parse_page(&p, &q);
	contains(q.text, "Contributions<script>alert(1)</script> & 40 PRs");
	contains(q.text, "State: accepted");
	contains(q.text, "accepted by @ghopper");
	contains(q.text, "History");
	cJSON_Delete(q.json);
	web_page_release(&p);

	render("/items/3", &p, NULL);
	parse_page(&p, &q);
	contains(q.text, "Support from @mallory");
	contains(q.text, "<img src=x onerror=alert(1)> yes");
	cJSON_Delete(q.json);
	web_page_release(&p);

	/* a vote's result, with its tally, joins the log and the feed */
	ask_ok("console:ada", "vote 5 yes");
	ask_ok("console:grace", "vote 5 yes");
	render("/decisions", &p, NULL);
	parse_page(&p, &q);
	contains(q.text, "item 5: motion of the core maintainers: adopt <the> RFC process & more passed by vote");
	contains(q.text, "Tally: yes 2 (@adalove, @ghopper); no 0; abstain 0; not voted 1 (@aturing)");
	cJSON_Delete(q.json);
	web_page_release(&p);
	render("/items/5", &p, NULL);
	parse_page(&p, &q);
	contains(q.text, "State: passed");
	contains(q.text, "Tally: yes 2 (@adalove, @ghopper); no 0; abstain 0; not voted 1 (@aturing)");
	cJSON_Delete(q.json);
	web_page_release(&p);

	render("/decisions.atom", &p, "http://record.example:8088");
	parse_page(&p, &q);
	ck_assert_int_eq(cJSON_GetObjectItem(q.json, "entries")->valueint, 3);
	contains(p.body.data, "<id>http://record.example:8088/items/5#d");
	contains(p.body.data, "href=\"http://record.example:8088/items/1\"");
	contains(q.text, "Rationale: great <work> & \"steady\" reviews");
	cJSON_Delete(q.json);
	web_page_release(&p);
}
END_TEST

/* Every internal link of every page answers 200, and a link with a
 * fragment points at an id that page has. */
START_TEST(test_links_resolve)
{
	fill();
	size_t checked = 0;
	for (size_t i = 0; i < ARRAY_SIZE(pages); i++) {
		struct web_page p;
		struct parsed q;
		const cJSON *h;
		render(pages[i], &p, NULL);
		parse_page(&p, &q);
		cJSON_ArrayForEach(h, cJSON_GetObjectItem(q.json, "hrefs")) {
			char path[512];
			const char *href = h->valuestring, *frag;
			if (strncmp(href, "https://", 8) == 0) {
				ck_assert_msg(strncmp(href, "https://github.com/", 19) == 0, "%s", href);
				continue;
			}
			if (href[0] == '#') {
				snprintf(path, sizeof(path), "%s%s", pages[i], href);
			} else {
				ck_assert_msg(href[0] == '/', "%s: link %s is neither internal nor https",
					      pages[i], href);
				snprintf(path, sizeof(path), "%s", href);
			}
			frag = strchr(path, '#');
			if (frag)
				path[frag - path] = '\0';
			struct web_page t;
			render(path, &t, NULL);
			ck_assert_msg(t.status == 200, "%s links %s: %d", pages[i], href, t.status);
			if (frag) {
				struct parsed tq;
				const cJSON *id;
				bool found = false;
				parse_page(&t, &tq);
				cJSON_ArrayForEach(id, cJSON_GetObjectItem(tq.json, "ids"))
					found |= strcmp(id->valuestring, strchr(href, '#') + 1) == 0;
				ck_assert_msg(found, "%s links %s: no such id", pages[i], href);
				cJSON_Delete(tq.json);
			}
			web_page_release(&t);
			checked++;
		}
		cJSON_Delete(q.json);
		web_page_release(&p);
	}
	ck_assert_uint_gt(checked, 20);
}
END_TEST

START_TEST(test_not_found_and_paths)
{
	struct web_page p;
	fill();
	static const char *const bad[] = { "/items/99", "/items/0", "/items/01", "/items/-1",
					   "/items/", "/items/1x", "/nope", "/decisions/" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		render(bad[i], &p, NULL);
		ck_assert_msg(p.status == 404, "%s -> %d", bad[i], p.status);
		ck_assert_str_eq(p.ctype, "text/html; charset=utf-8");
		web_page_release(&p);
	}
	ck_assert(web_is_page("/"));
	ck_assert(web_is_page("/items/12"));
	ck_assert(web_is_page("/decisions.atom"));
	ck_assert(!web_is_page("/items/012"));
	ck_assert(!web_is_page("/healthz"));
}
END_TEST

/* A big record is never cut silently: every open item is on the agenda,
 * and the decisions come in pages that say how many are older and link
 * them (1,100 rows written straight into the real database file). */
START_TEST(test_big_record_not_cut)
{
	struct web_page p;
	struct parsed q;
	sqlite3 *db = store_db(bot.store);
	char sql[1024];
	snprintf(sql, sizeof(sql),
		 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1100)"
		 " INSERT INTO items (id, kind, state, subject, grp, opened_by, created_at)"
		 " SELECT i, 'nominate-module', CASE WHEN i <= 450 THEN 'accepted' ELSE 'open' END,"
		 " 'person' || i, 'Widgets', 'console:barbara', %lld FROM n;"
		 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 450)"
		 " INSERT INTO decisions (id, item_id, outcome, by_handle, rationale, at)"
		 " SELECT i, i, 'accepted', 'ghopper', 'reason ' || i, %lld + i FROM n;", NOW, NOW);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);

	render("/agenda", &p, NULL);
	ck_assert_int_eq(p.status, 200);
	contains(p.body.data, "href=\"/items/451\"");
	contains(p.body.data, "href=\"/items/1100\"");   /* the 650th open item, past any old cap */
	web_page_release(&p);

	/* newest page: 450..251, then a link to the 250 older */
	render("/decisions", &p, NULL);
	parse_page(&p, &q);
	contains(p.body.data, "id=\"d450\"");
	contains(p.body.data, "id=\"d251\"");
	lacks(p.body.data, "id=\"d250\"");
	contains(q.text, "250 older decisions: the next 200");
	contains(p.body.data, "href=\"/decisions/before/251\"");
	cJSON_Delete(q.json);
	web_page_release(&p);
	render("/decisions/before/251", &p, NULL);
	ck_assert_int_eq(p.status, 200);
	parse_page(&p, &q);
	contains(p.body.data, "id=\"d250\"");
	contains(p.body.data, "id=\"d51\"");
	lacks(p.body.data, "id=\"d251\"");
	lacks(p.body.data, "id=\"d50\"");
	contains(q.text, "50 older decisions: the next 50");
	contains(p.body.data, "href=\"/decisions/before/51\"");
	cJSON_Delete(q.json);
	web_page_release(&p);
	render("/decisions/before/51", &p, NULL);
	ck_assert_int_eq(p.status, 200);
	contains(p.body.data, "id=\"d1\"");
	lacks(p.body.data, "older decision");
	web_page_release(&p);
	render("/decisions/before/1", &p, NULL);
	ck_assert_int_eq(p.status, 200);
	contains(p.body.data, "no decisions older");
	web_page_release(&p);
	ck_assert(web_is_page("/decisions/before/251"));
	ck_assert(!web_is_page("/decisions/before/0251"));
	ck_assert(!web_is_page("/decisions/before/"));
}
END_TEST

START_TEST(test_etag_and_conditional_get)
{
	struct web_page a, b;
	char date[64];
	fill();

	render("/decisions", &a, NULL);
	render("/decisions", &b, NULL);
	ck_assert_str_eq(a.etag, b.etag);
	ck_assert_int_eq(a.last_modified, NOW);   /* both decisions were made at NOW */
	ck_assert(web_not_modified(&a, b.etag, NULL));
	ck_assert(web_not_modified(&a, "\"x\", W/" , NULL) == false);
	char list[80];
	snprintf(list, sizeof(list), "\"zzz\", W/%s", a.etag);
	ck_assert(web_not_modified(&a, list, NULL));
	ck_assert(web_not_modified(&a, "*", NULL));
	web_http_date(a.last_modified, date, sizeof(date));
	ck_assert_str_eq(date, "Tue, 14 Nov 2023 22:13:20 GMT");
	ck_assert_int_eq(web_parse_http_date(date), NOW);
	ck_assert_int_eq(web_parse_http_date("Tuesday, 14-Nov-23 22:13:20 GMT"), NOW);
	ck_assert_int_eq(web_parse_http_date("Tue Nov 14 22:13:20 2023"), NOW);
	ck_assert_int_eq(web_parse_http_date("yesterday"), -1);
	ck_assert(web_not_modified(&a, NULL, date));
	web_http_date(a.last_modified - 1, date, sizeof(date));
	ck_assert(!web_not_modified(&a, NULL, date));
	/* If-None-Match wins over If-Modified-Since */
	web_http_date(a.last_modified + 100, date, sizeof(date));
	ck_assert(!web_not_modified(&a, "\"other\"", date));
	web_page_release(&b);

	/* a new decision changes the page, its tag and its date */
	bot.now_override = NOW + 60;
	ask_ok("console:grace", "decide 3 accept thorough triage");
	render("/decisions", &b, NULL);
	ck_assert_str_ne(a.etag, b.etag);
	ck_assert_int_eq(b.last_modified, NOW + 60);
	ck_assert(!web_not_modified(&b, a.etag, NULL));
	web_page_release(&a);
	web_page_release(&b);
}
END_TEST

/* An item page's Last-Modified follows what happens to that item only; the
 * roster page's follows the decisions that changed the roster. */
START_TEST(test_last_modified_per_item)
{
	struct web_page a, b, r;
	fill();
	render("/items/3", &a, NULL);
	render("/items/1", &b, NULL);
	ck_assert_int_eq(a.last_modified, NOW);
	web_page_release(&a);
	bot.now_override = NOW + 100;
	ask_ok("console:alan", "support 3 a fine triager");
	render("/items/3", &a, NULL);
	ck_assert_int_eq(a.last_modified, NOW + 100);
	web_page_release(&a);
	render("/items/1", &a, NULL);
	ck_assert_int_eq(a.last_modified, b.last_modified);
	ck_assert_str_eq(a.etag, b.etag);
	web_page_release(&a);
	web_page_release(&b);
	render("/", &r, NULL);
	ck_assert_int_eq(r.last_modified, NOW);   /* decision 1 added @newbie at NOW */
	web_page_release(&r);
	bot.now_override = NOW + 200;
	ask_ok("console:grace", "decide 3 accept thorough");
	render("/", &r, NULL);
	ck_assert_int_eq(r.last_modified, NOW + 200);
	contains(r.body.data, "@third");
	web_page_release(&r);
}
END_TEST

/* The agenda shows ages; its Last-Modified moves when a day passes, so a
 * reader polling with If-Modified-Since sees the new age. */
START_TEST(test_agenda_ages_move_last_modified)
{
	struct web_page a, b;
	fill();
	render("/agenda", &a, NULL);
	bot.now_override = NOW + DAY + 5;
	render("/agenda", &b, NULL);
	ck_assert_str_ne(a.etag, b.etag);
	contains(b.body.data, "1 day ago");
	ck_assert_int_gt(b.last_modified, a.last_modified);
	ck_assert_int_le(b.last_modified, NOW + DAY + 5);
	char date[64];
	web_http_date(a.last_modified, date, sizeof(date));
	ck_assert(!web_not_modified(&b, NULL, date));
	web_page_release(&a);
	web_page_release(&b);
	/* and within the same day nothing a reader sees changes */
	render("/agenda", &a, NULL);
	bot.now_override = NOW + DAY + 50;
	render("/agenda", &b, NULL);
	ck_assert_str_eq(a.etag, b.etag);
	ck_assert_int_eq(a.last_modified, b.last_modified);
	web_page_release(&a);
	web_page_release(&b);
}
END_TEST

/* An election's result shows every round of the count. */
START_TEST(test_election_rounds)
{
	struct web_page p;
	struct parsed q;
	ask_ok("console:grace", "propose remove-lead unavailable for a year");
	ask_ok("console:grace", "vote 1 yes");
	ask_ok("console:alan", "vote 1 yes");
	ask_ok("console:grace", "propose elect-lead @ghopper @aturing @adalove");
	ask_ok("console:grace", "ballot 2 @ghopper > @aturing");
	ask_ok("console:alan", "ballot 2 @aturing > @ghopper");
	/* the former lead stays a core maintainer, and an elector */
	ask_ok("console:ada", "ballot 2 @adalove > @aturing");
	render("/decisions", &p, NULL);
	parse_page(&p, &q);
	contains(q.text, "item 2: election of the lead core maintainer elected by vote");
	contains(q.text, "round 1: ");
	contains(q.text, "@adalove eliminated");   /* the tie broken by lot, seeded */
	contains(q.text, "round 2: @aturing 2");
	contains(p.body.data, "<br />\nround 1: ");   /* one line a round */
	cJSON_Delete(q.json);
	web_page_release(&p);
	render("/", &p, NULL);
	parse_page(&p, &q);
	contains(q.text, "Lead Core Maintainer (BDFL) Alan Turing (@aturing)");
	cJSON_Delete(q.json);
	web_page_release(&p);
}
END_TEST

START_TEST(test_escape)
{
	struct buf b = BUF_INIT;
	const char in[] = "a<b>&\"c'\x01\x7f\td\n";
	web_escape(&b, in, sizeof(in) - 1);
	ck_assert_str_eq(buf_str(&b), "a&lt;b&gt;&amp;&quot;c&#39;\td\n");
	buf_release(&b);
}
END_TEST

START_TEST(test_empty_record)
{
	struct web_page p;
	struct parsed q;
	render("/decisions", &p, NULL);
	parse_page(&p, &q);
	contains(q.text, "No decisions yet");
	cJSON_Delete(q.json);
	web_page_release(&p);
	render("/agenda", &p, NULL);
	parse_page(&p, &q);
	contains(q.text, "Nothing is open");
	cJSON_Delete(q.json);
	web_page_release(&p);
	render("/decisions.atom", &p, NULL);
	parse_page(&p, &q);
	ck_assert_int_eq(cJSON_GetObjectItem(q.json, "entries")->valueint, 0);
	contains(p.body.data, "<id>urn:govbot:decisions</id>");
	cJSON_Delete(q.json);
	web_page_release(&p);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("web");
	TCase *tc = tcase_create("pages");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_pages_well_formed_escaped_no_scripts);
	tcase_add_test(tc, test_reader_sees_the_record);
	tcase_add_test(tc, test_links_resolve);
	tcase_add_test(tc, test_not_found_and_paths);
	tcase_add_test(tc, test_big_record_not_cut);
	tcase_add_test(tc, test_etag_and_conditional_get);
	tcase_add_test(tc, test_agenda_ages_move_last_modified);
	tcase_add_test(tc, test_last_modified_per_item);
	tcase_add_test(tc, test_election_rounds);
	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_empty_record);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(suite());
}
