/* test_web_http.c - the public record served by the real binary on
 * http.listen (127.0.0.1, a free port): every page over a real socket with
 * its Content-Type, ETag, Last-Modified and CSP; 304 on If-None-Match and
 * If-Modified-Since; 404/405; a decision stored by `govbot ask` shows at
 * once; a SIGHUP with a changed roster shows on "/" without a restart.
 * Then each page rendered by headless Chromium (Debian's chromium, which
 * scripts/install-deps.sh installs for `make check`), checking the text a
 * reader sees and that no user text became an element. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/commands.h"
#include "tests/tu_httpd.h"

#define CHROMIUM "/usr/bin/chromium"

static char dir[256], cfg[300], roster_path[300], errlog[300], govbot[PATH_MAX];
static int port;
static pid_t pid;
static int bot_in = -1, bot_out = -1;

static const char roster_v1[] =
	"# Example <Project> | Maintainers\n\n"
	"## Lead Core Maintainer (BDFL)\n\n"
	"- Ada Lovelace ([adalove](https://github.com/adalove))\n\n"
	"## Core Maintainers\n\n"
	"- Grace Hopper ([ghopper](https://github.com/ghopper))\n"
	"- Alan Turing ([aturing](https://github.com/aturing))\n\n"
	"## Module-level maintainers\n\n"
	"### Widgets (torch.widgets)\n\n"
	"- Barbara Liskov ([bliskov](https://github.com/bliskov))\n\n"
	"### Gadgets (torch.gadgets)\n\n"
	"- Charles Babbage ([cbabbage](https://github.com/cbabbage))\n";

static const char config_fmt[] =
	"{ \"database\": \"gov.sqlite3\", \"roster\": \"roster.md\",\n"
	"  \"http\": { \"listen\": \"127.0.0.1:%d\" },\n"
	"  \"identities\": { \"adalove\": [\"console:ada\"], \"ghopper\": [\"console:grace\"],\n"
	"    \"aturing\": [\"console:alan\"], \"bliskov\": [\"console:barbara\"] } }\n";

/* Runs one command through `govbot ask` on the shared database. */
static void ask_ok(const char *as, const char *text)
{
	struct tu_proc p;
	const char *args[] = { "ask", "--config", cfg, "--as", as, text, NULL };
	tu_run(govbot, dir, args, NULL, 0, NULL, 0, 20000, &p);
	ck_assert_msg(p.status == 0, "%s -> %d %s%s", text, p.status, buf_str(&p.out), buf_str(&p.err));
	tu_proc_release(&p);
}

static int get(const char *path, const char *extra, struct buf *resp);

static void setup(void)
{
	char text[1024];
	ck_assert_int_eq(tu_find_govbot(govbot, "test_web_http"), 0);
	tu_mkdtemp(dir, sizeof(dir), "webhttp");
	snprintf(cfg, sizeof(cfg), "%s/govbot.json", dir);
	snprintf(roster_path, sizeof(roster_path), "%s/roster.md", dir);
	snprintf(errlog, sizeof(errlog), "%s/stderr.log", dir);
	tu_write_file(roster_path, roster_v1);
	port = tu_free_port();
	snprintf(text, sizeof(text), config_fmt, port);
	tu_write_file(cfg, text);

	ask_ok("console:barbara", "nominate @newbie for torch.widgets contributions: <script>alert(1)</script> "
	       "& 40 PRs interactions: kind <b>reviews</b> support: the widget maintainers agree");
	ask_ok("console:grace", "decide 1 accept great <work> & steady reviews");
	ask_ok("console:barbara", "nominate @third for torch.widgets contributions: docs interactions: "
	       "triage support: us");
	ask_ok("console:grace", "propose core adopt <the> RFC process");

	const char *args[] = { "run", "--config", cfg, NULL };
	int err;
	pid = tu_spawn(govbot, dir, args, NULL, errlog, &bot_in, &bot_out, &err);
	/* wait until it answers */
	struct buf resp = BUF_INIT;
	long long deadline = tu_now_ms() + 20000;
	while (tu_connect(port) < 0 || get("/healthz", NULL, &resp) != 200) {
		ck_assert_msg(tu_now_ms() < deadline, "govbot did not listen on %d", port);
		poll(NULL, 0, 50);
	}
	buf_release(&resp);
}

static void teardown(void)
{
	int status;
	if (bot_in >= 0)
		close(bot_in);   /* end of console input: it exits */
	long long deadline = tu_now_ms() + 10000;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (tu_now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		poll(NULL, 0, 20);
	}
	if (bot_out >= 0)
		close(bot_out);
	bot_in = bot_out = -1;
	if (tu_rmrf(dir) != 0)
		fprintf(stderr, "cleanup failed\n");
}

/* GET path (with extra header lines) into resp; returns the status. */
static int get(const char *path, const char *extra, struct buf *resp)
{
	char req[2048];
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%sConnection: close\r\n\r\n",
		 path, port, extra ? extra : "");
	ck_assert_int_eq(tu_http_raw(port, req, resp), 0);
	int status = 0;
	sscanf(buf_str(resp), "HTTP/1.1 %d", &status);
	return status;
}

/* The value of header name (lower case) in resp into out. */
static void header(const struct buf *resp, const char *name, char *out, size_t n)
{
	char key[64];
	snprintf(key, sizeof(key), "\r\n%s: ", name);
	const char *h = strstr(buf_str(resp), key);
	ck_assert_msg(h != NULL, "no %s header in:\n%.400s", name, buf_str(resp));
	h += strlen(key);
	size_t len = strcspn(h, "\r");
	snprintf(out, n, "%.*s", (int)len, h);
}

static const char *body_of(const struct buf *resp)
{
	const char *b = strstr(buf_str(resp), "\r\n\r\n");
	return b ? b + 4 : "";
}

#define contains(hay, s) ck_assert_msg(strstr((hay), (s)) != NULL, "missing '%s' in:\n%s", (s), (hay))
#define lacks(hay, s) ck_assert_msg(strstr((hay), (s)) == NULL, "unexpected '%s' in:\n%s", (s), (hay))

START_TEST(test_pages_over_the_wire)
{
	struct buf r = BUF_INIT;
	char etag[64], lm[64], v[256], extra[256];
	static const char *const html[] = { "/", "/agenda", "/decisions", "/items/1", "/items/3" };

	for (size_t i = 0; i < ARRAY_SIZE(html); i++) {
		ck_assert_msg(get(html[i], NULL, &r) == 200, "%s: %.300s", html[i], buf_str(&r));
		header(&r, "content-type", v, sizeof(v));
		ck_assert_str_eq(v, "text/html; charset=utf-8");
		header(&r, "content-security-policy", v, sizeof(v));
		contains(v, "default-src 'none'");
		header(&r, "cache-control", v, sizeof(v));
		ck_assert_str_eq(v, "no-cache");
		header(&r, "etag", etag, sizeof(etag));
		header(&r, "last-modified", lm, sizeof(lm));
		contains(lm, " GMT");
		lacks(body_of(&r), "<script");

		/* the same tag: 304, no body */
		snprintf(extra, sizeof(extra), "If-None-Match: %s\r\n", etag);
		ck_assert_int_eq(get(html[i], extra, &r), 304);
		ck_assert_str_eq(body_of(&r), "");
		/* the same date: 304; an older one: the page */
		snprintf(extra, sizeof(extra), "If-Modified-Since: %s\r\n", lm);
		ck_assert_int_eq(get(html[i], extra, &r), 304);
		ck_assert_int_eq(get(html[i], "If-Modified-Since: Thu, 01 Jan 1970 00:00:01 GMT\r\n", &r), 200);
	}
	ck_assert_int_eq(get("/decisions.atom", NULL, &r), 200);
	header(&r, "content-type", v, sizeof(v));
	ck_assert_str_eq(v, "application/atom+xml; charset=utf-8");
	snprintf(v, sizeof(v), "<link rel=\"alternate\" type=\"text/html\" href=\"http://127.0.0.1:%d/items/1\" />",
		 port);
	contains(body_of(&r), v);

	/* HEAD: the headers of the page, no body */
	ck_assert_int_eq(tu_http_raw(port, "HEAD /decisions HTTP/1.1\r\nConnection: close\r\n\r\n", &r), 0);
	contains(buf_str(&r), "HTTP/1.1 200 ");
	header(&r, "etag", etag, sizeof(etag));
	ck_assert_str_eq(body_of(&r), "");

	ck_assert_int_eq(get("/items/99", NULL, &r), 404);
	ck_assert_int_eq(get("/items/abc", NULL, &r), 404);
	/* the older pages of the decisions are routed too */
	ck_assert_int_eq(get("/decisions/before/2", NULL, &r), 200);
	contains(buf_str(&r), "Older decisions");
	ck_assert_int_eq(tu_http_raw(port, "POST /decisions HTTP/1.1\r\nConnection: close\r\n"
				     "Content-Length: 0\r\n\r\n", &r), 0);
	contains(buf_str(&r), "HTTP/1.1 405 ");
	contains(buf_str(&r), "allow: GET");
	buf_release(&r);
}
END_TEST

/* A decision made by another process shows at once: the old tag no longer
 * matches.  A changed roster shows on "/" after SIGHUP, without a restart,
 * with the stored decision still applied. */
START_TEST(test_changes_show_without_restart)
{
	struct buf r = BUF_INIT;
	char etag[64], extra[256];

	ck_assert_int_eq(get("/decisions", NULL, &r), 200);
	header(&r, "etag", etag, sizeof(etag));
	ask_ok("console:grace", "decide 2 accept thorough triage");
	snprintf(extra, sizeof(extra), "If-None-Match: %s\r\n", etag);
	ck_assert_int_eq(get("/decisions", extra, &r), 200);
	contains(body_of(&r), "thorough triage");
	ck_assert_int_eq(get("/", NULL, &r), 200);
	contains(body_of(&r), "@third");   /* the decision applied to the running roster */

	/* upstream adds a maintainer to Gadgets */
	char text[2048];
	snprintf(text, sizeof(text), "%s- Kathleen Booth ([kbooth](https://github.com/kbooth))\n", roster_v1);
	tu_write_file(roster_path, text);
	header(&r, "etag", etag, sizeof(etag));
	kill(pid, SIGHUP);
	long long deadline = tu_now_ms() + 20000;
	snprintf(extra, sizeof(extra), "If-None-Match: %s\r\n", etag);
	while (get("/", extra, &r) == 304) {
		ck_assert_msg(tu_now_ms() < deadline, "the roster page did not change after SIGHUP");
		poll(NULL, 0, 50);
	}
	contains(body_of(&r), "Kathleen Booth");
	contains(body_of(&r), "@newbie");
	contains(body_of(&r), "@third");
	ck_assert_int_eq(kill(pid, 0), 0);   /* the same process */
	buf_release(&r);
}
END_TEST

/* ---- the browser ---- */

/* Prints the text a reader sees (no style/title), the number of script-like
 * elements and of elements named b/img (which only user text could make). */
static const char text_of[] =
	"import sys, json\n"
	"from html.parser import HTMLParser\n"
	"class P(HTMLParser):\n"
	"    def __init__(s):\n"
	"        super().__init__(); s.t=[]; s.skip=0; s.bad=[]\n"
	"    def handle_starttag(s, tag, attrs):\n"
	"        if tag in ('script','img','iframe','b','i'): s.bad.append(tag)\n"
	"        if tag in ('style','title','script'): s.skip += 1\n"
	"    def handle_endtag(s, tag):\n"
	"        if tag in ('style','title','script'): s.skip -= 1\n"
	"    def handle_data(s, d):\n"
	"        if not s.skip: s.t.append(d)\n"
	"p = P(); p.feed(sys.stdin.read())\n"
	"print(json.dumps({'text': ' '.join(''.join(p.t).split()), 'bad': p.bad}))\n";

/* Renders url in headless Chromium; returns the DOM it built (caller frees). */
static char *chromium_dom(const char *url)
{
	char profile[320], script[320];
	struct tu_proc p;
	ck_assert_msg(access(CHROMIUM, X_OK) == 0,
		      "%s is not installed: `sh scripts/install-deps.sh check` installs it (make check does)",
		      CHROMIUM);
	snprintf(profile, sizeof(profile), "--user-data-dir=%s/chromium", dir);
	/* --no-sandbox: tests run as root in CI containers, where the sandbox
	 * cannot start */
	const char *args[] = { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
			       "--disable-extensions", "--disable-dev-shm-usage", "--window-size=390,844",
			       profile, "--dump-dom", url, NULL };
	const char *env[] = { "HOME", NULL };
	tu_run(CHROMIUM, dir, args, NULL, 0, env, 0, 90000, &p);
	ck_assert_msg(p.status == 0 && p.out.len > 0, "chromium %s: %d\n%s", url, p.status, buf_str(&p.err));
	char *dom = buf_detach(&p.out);
	tu_proc_release(&p);
	(void)script;
	return dom;
}

/* The visible text of dom, and whether user text became elements. */
static cJSON *visible(const char *dom)
{
	struct tu_proc p;
	const char *args[] = { "-c", text_of, NULL };
	tu_run("/usr/bin/python3", NULL, args, dom, strlen(dom), NULL, 0, 20000, &p);
	ck_assert_msg(p.status == 0, "%s", buf_str(&p.err));
	cJSON *j = cJSON_Parse(buf_str(&p.out));
	ck_assert_ptr_nonnull(j);
	tu_proc_release(&p);
	return j;
}

struct seen {
	const char *path;
	const char *const want[5];
};

static const struct seen pages[] = {
	{ "/", { "Example <Project> | Maintainers", "Widgets (torch.widgets)", "Barbara Liskov (@bliskov)",
		 "@newbie", "Maintainers Agenda Decisions Feed" } },
	{ "/agenda", { "Agenda", "item 2: nomination of @third", "the core maintainers to decide it",
		       "item 3: motion of the core maintainers: adopt <the> RFC process", "0 of 3 have voted" } },
	{ "/decisions", { "Decisions", "item 1: nomination of @newbie",
			  "Rationale: great <work> & steady reviews", "accepted by @ghopper", NULL } },
	{ "/items/1", { "Item 1: nomination of @newbie", "<script>alert(1)</script> & 40 PRs",
			"kind <b>reviews</b>", "State: accepted", "History" } },
};

START_TEST(test_chromium_shows_the_record)
{
	char url[128];
	for (size_t i = 0; i < ARRAY_SIZE(pages); i++) {
		snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, pages[i].path);
		char *dom = chromium_dom(url);
		cJSON *v = visible(dom);
		const char *text = cJSON_GetObjectItem(v, "text")->valuestring;
		for (size_t k = 0; k < 5 && pages[i].want[k]; k++)
			ck_assert_msg(strstr(text, pages[i].want[k]), "%s: a reader does not see '%s' in:\n%s",
				      pages[i].path, pages[i].want[k], text);
		ck_assert_msg(cJSON_GetArraySize(cJSON_GetObjectItem(v, "bad")) == 0,
			      "%s: user text became elements:\n%s", pages[i].path, dom);
		cJSON_Delete(v);
		free(dom);
	}
	/* the feed opens too, its entries readable */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/decisions.atom", port);
	char *dom = chromium_dom(url);
	contains(dom, "Item 1 accepted: nomination of @newbie");
	free(dom);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("web_http");
	TCase *tc = tcase_create("wire");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_pages_over_the_wire);
	tcase_add_test(tc, test_changes_show_without_restart);
	suite_add_tcase(s, tc);
	TCase *br = tcase_create("browser");
	tcase_add_checked_fixture(br, setup, teardown);
	tcase_set_timeout(br, 600);
	tcase_add_test(br, test_chromium_shows_the_record);
	suite_add_tcase(s, br);
	return s;
}

int main(void)
{
	return tu_run_suite(suite());
}
