/*
 * test_discourse.c - govbot's Discourse adapter end to end, against a
 * loopback forum, on the shared two-process harness (tests/harness.h).
 *
 * Every test starts two real processes: tests/loopback/discourse_server.py
 * (the forum's API on 127.0.0.1, which also signs webhooks with
 * HMAC-SHA256 and posts them to govbot when the test asks) and `govbot run`
 * with an API key and a webhook secret the forum checks.  The forum writes
 * every request and every post, topic and webhook as JSON lines; each test
 * waits for the record it asserts.
 *
 * Environment: GOVBOT (the binary; default build/govbot), DISCOURSE_SERVER
 * (the fake; default tests/loopback/discourse_server.py), PYTHON.  A failed
 * case keeps its files in /tmp/govbot-discourse.XXXXXX.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tests/harness.h"

#define API_KEY "dsc-key-loopback-0123456789"
#define SECRET "whsec-loopback-abcdef"
#define ZWSP "\xE2\x80\x8B"

static struct harness H;
static int bot_port;      /* govbot's http.listen */

#define now harness_now

/* A port nobody listens on right now (bound to 0, then released). */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert(fd >= 0);
	ck_assert(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	ck_assert(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* ---- processes ------------------------------------------------------------ */

static void start_server(const char *const *extra)
{
	char peer[64];
	const char *args[24] = { "--api-key", API_KEY, "--secret", SECRET, "--peer", peer };
	size_t n = 6;

	harness_begin(&H, "discourse");
	bot_port = free_port();
	snprintf(peer, sizeof peer, "http://127.0.0.1:%d", bot_port);
	for (size_t i = 0; extra && extra[i] && n < 23; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	harness_start_server(&H, harness_env_or("DISCOURSE_SERVER", "tests/loopback/discourse_server.py"),
			     args);
}

/* The bot's config: mode "webhook" or "poll"; extra is more keys of
 * adapters.discourse ("" or ",\"private_messages\":true"). */
static void write_config(const char *mode, const char *extra)
{
	harness_config(&H, "{\"adapters\":{\"discourse\":{\"base_url\":\"http://127.0.0.1:%d\","
		       "\"api_username\":\"govbot\",\"announce_category_id\":5,\"mode\":\"%s\"%s}},"
		       "\"http\":{\"listen\":\"127.0.0.1:%d\"},\"database\":\"%s/db.sqlite3\","
		       "\"identities\":{\"ezyang\":[\"discourse:ezyang\"],\"soumith\":[\"discourse:smth\"]}}\n",
		       H.port, mode, extra, bot_port, H.dir);
}

static const char *batch_env = "GOVBOT_DISCOURSE_BATCH_US=5000";   /* the default */

static void start_bot_key(const char *key)
{
	char k[128];
	const char *env[] = { k, "DISCOURSE_WEBHOOK_SECRET=" SECRET, "GOVBOT_DISCOURSE_POLL_MS=150",
			      "GOVBOT_HTTP_BACKOFF_MS=100", batch_env, NULL };

	snprintf(k, sizeof k, "DISCOURSE_API_KEY=%s", key);
	harness_start_bot(&H, NULL, env);
}

static void start_bot(void)
{
	start_bot_key(API_KEY);
}

static bool bot_exited(double secs)
{
	return harness_bot_exited(&H, secs);
}

static const char *err_tail(void)
{
	return harness_err_tail(&H);
}

/* Lines of govbot's stderr holding needle. */
static int count_err(const char *needle)
{
	return harness_stderr_lines(&H, (const char *const[]){ needle, NULL });
}

static void stop_bot_cleanly(void)
{
	harness_stop_bot(&H);
}

static void kill_bot_hard(void)
{
	kill(-H.bot, SIGKILL);
	ck_assert(bot_exited(10));
}

/* `govbot ask --config CFG --as ID TEXT`: its exit code. */
static int ask(const char *as, const char *text)
{
	const char *args[] = { "ask", "--config", H.cfg, "--as", as, text, NULL };
	const char *env[] = { "DISCOURSE_API_KEY=" API_KEY, "DISCOURSE_WEBHOOK_SECRET=" SECRET, NULL };

	return harness_run_bot(&H, args, env, 20);
}

static void finish(void)
{
	harness_check_protocol(&H);
	harness_pass(&H);
}

static void reload(void)
{
	harness_reload(&H);
}

static const char *str_of(const cJSON *o, const char *k)
{
	return harness_str(o, k);
}

static double num_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

#define WAIT(secs, cond) HARNESS_WAIT(&H, secs, cond)

/* ---- talking to the forum's control side ----------------------------------- */

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct { char *data; size_t len; } *b = arg;
	char *grown = realloc(b->data, b->len + size * n + 1);

	if (!grown)
		return 0;
	b->data = grown;
	memcpy(b->data + b->len, p, size * n);
	b->len += size * n;
	b->data[b->len] = '\0';
	return size * n;
}

/* POSTs json to the forum's /control/WHAT; returns the parsed answer
 * (caller frees). */
static cJSON *control(const char *what, const char *json)
{
	CURL *c = curl_easy_init();
	char url[128];
	struct { char *data; size_t len; } b = { NULL, 0 };
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	cJSON *j;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/control/%s", H.port, what);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	ck_assert_msg(curl_easy_perform(c) == CURLE_OK, "control %s failed", what);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	j = cJSON_Parse(b.data ? b.data : "");
	ck_assert_msg(j != NULL, "control %s answered no JSON: %s", what, b.data ? b.data : "");
	free(b.data);
	return j;
}

/* A user writes a post (JSON of /control/post); returns the webhook's HTTP
 * status, or 0 when none was sent; *topic gets the post's topic. */
static int user_posts(const char *json, long long *topic)
{
	cJSON *j = control("post", json);
	const cJSON *hook = cJSON_GetObjectItemCaseSensitive(j, "webhook");
	const cJSON *post = cJSON_GetObjectItemCaseSensitive(j, "post");
	int st = cJSON_IsObject(hook) ? cJSON_GetObjectItemCaseSensitive(hook, "status")->valueint : 0;

	if (topic)
		*topic = (long long)num_of(post, "topic_id");
	cJSON_Delete(j);
	return st;
}

/* Sends a webhook (JSON of /control/webhook); returns its HTTP status. */
static int send_webhook(const char *json)
{
	cJSON *j = control("webhook", json);
	const cJSON *hook = cJSON_GetObjectItemCaseSensitive(j, "webhook");
	int st = cJSON_GetObjectItemCaseSensitive(hook, "status")->valueint;

	cJSON_Delete(j);
	return st;
}

static void scenario(const char *json)
{
	cJSON_Delete(control("scenario", json));
}

/* ---- the forum's records ---------------------------------------------------- */

/* The i-th record of kind (and, for "http", method and path, and status
 * when >= 0), or NULL. */
static const cJSON *rec_nth(const char *kind, const char *method, const char *path, int status, int i)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, H.recs) {
		if (!str_of(r, "kind") || strcmp(str_of(r, "kind"), kind) != 0)
			continue;
		if (method && (!str_of(r, "method") || strcmp(str_of(r, "method"), method) != 0))
			continue;
		if (path && (!str_of(r, "path") || strncmp(str_of(r, "path"), path, strlen(path)) != 0))
			continue;
		if (status >= 0 && num_of(r, "status") != status)
			continue;
		if (i-- == 0)
			return r;
	}
	return NULL;
}

static int rec_count(const char *kind, const char *method, const char *path, int status)
{
	int n = 0;
	while (rec_nth(kind, method, path, status, n))
		n++;
	return n;
}

/* Bot replies (records "post") in topic, or in any topic when topic < 0. */
static int replies_in(long long topic)
{
	int n = 0;
	const cJSON *r;

	for (int i = 0; (r = rec_nth("post", NULL, NULL, -1, i)) != NULL; i++)
		if (topic < 0 || num_of(r, "topic_id") == (double)topic)
			n++;
	return n;
}

static const cJSON *reply_in(long long topic)
{
	const cJSON *r;

	for (int i = 0; (r = rec_nth("post", NULL, NULL, -1, i)) != NULL; i++)
		if (num_of(r, "topic_id") == (double)topic)
			return r;
	return NULL;
}

/* Waits for the bot's first poll of /posts.json to have been answered. */
static void wait_polling(int n)
{
	WAIT(15, rec_count("http", "GET", "/posts.json", 200) >= n);
	ck_assert_msg(rec_count("http", "GET", "/posts.json", 200) >= n, "govbot did not poll: %s", err_tail());
}

/* ---- poll mode ----------------------------------------------------------------- */

START_TEST(poll_answers_new_posts_and_skips_the_backlog)
{
	long long old_topic, t1, t2, t3;

	start_server(NULL);
	write_config("poll", "");
	user_posts("{\"username\":\"alice\",\"raw\":\"@govbot who maintains torch.nn? (backlog)\",\"deliver\":false}",
		   &old_topic);
	start_bot();
	wait_polling(1);
	user_posts("{\"username\":\"alice\",\"raw\":\"Hi all,\\n@govbot who maintains torch.nn?\",\"deliver\":false}", &t1);
	user_posts("{\"username\":\"bob\",\"raw\":\"Context first.\\n/gov lead\",\"deliver\":false}", &t2);
	/* a forum user named in the arguments is the person identities map */
	user_posts("{\"username\":\"carol\",\"raw\":\"@govbot who is @smth?\",\"deliver\":false}", &t3);
	WAIT(15, replies_in(t1) >= 1 && replies_in(t2) >= 1 && replies_in(t3) >= 1);
	ck_assert_msg(reply_in(t3) && strstr(str_of(reply_in(t3), "raw"), "Soumith Chintala"),
		      "@smth is not soumith: %s", reply_in(t3) ? str_of(reply_in(t3), "raw") : err_tail());
	ck_assert_msg(replies_in(t1) == 1, "mention answered %d times: %s", replies_in(t1), err_tail());
	ck_assert_msg(replies_in(t2) == 1, "/gov line answered %d times: %s", replies_in(t2), err_tail());
	const cJSON *r = reply_in(t1);
	ck_assert_msg(strstr(str_of(r, "raw"), "torch.nn") && strstr(str_of(r, "raw"), "@soumith"),
		      "not the maintainers of torch.nn: %s", str_of(r, "raw"));
	ck_assert_int_eq((int)num_of(r, "reply_to_post_number"), 1);
	ck_assert_msg(strstr(str_of(reply_in(t2), "raw"), "Soumith"), "not the lead: %s", str_of(reply_in(t2), "raw"));
	const cJSON *h = rec_nth("http", "POST", "/posts.json", 200, 0);
	ck_assert_msg(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "api_key_ok")), "bad Api-Key/Api-Username");
	ck_assert_int_eq(replies_in(old_topic), 0);
	stop_bot_cleanly();
	finish();
}
END_TEST

/* Behind NAT: no webhook secret, no http.listen; polling still answers. */
START_TEST(poll_needs_no_listener_or_webhook_secret)
{
	long long t;
	const char *env[] = { "DISCOURSE_API_KEY=" API_KEY, "DISCOURSE_WEBHOOK_SECRET",
			      "GOVBOT_DISCOURSE_POLL_MS=150", NULL };

	start_server(NULL);
	harness_config(&H, "{\"adapters\":{\"discourse\":{\"base_url\":\"http://127.0.0.1:%d\","
		       "\"api_username\":\"govbot\",\"mode\":\"poll\"}},\"database\":\"%s/db.sqlite3\"}\n",
		       H.port, H.dir);
	ck_assert_int_eq(harness_run_bot(&H, (const char *[]){ "check-config", "--config", H.cfg, NULL },
					 env, 20), 0);
	harness_start_bot(&H, NULL, env);
	wait_polling(1);
	user_posts("{\"username\":\"alice\",\"raw\":\"@govbot lead\",\"deliver\":false}", &t);
	WAIT(15, replies_in(t) >= 1);
	ck_assert_msg(replies_in(t) == 1, "not answered: %s", err_tail());
	stop_bot_cleanly();
	finish();
}
END_TEST

START_TEST(poll_skips_own_bots_edits_whispers)
{
	long long t, last;

	start_server(NULL);
	write_config("poll", "");
	start_bot();
	wait_polling(1);
	user_posts("{\"username\":\"govbot\",\"raw\":\"@govbot lead (my own post)\",\"deliver\":false}", &t);
	user_posts("{\"username\":\"system\",\"raw\":\"@govbot lead (system)\",\"deliver\":false}", &t);
	user_posts("{\"username\":\"helperbot\",\"raw\":\"@govbot lead (a bot)\",\"set\":{\"user_id\":-5},\"deliver\":false}", &t);
	user_posts("{\"username\":\"carol\",\"raw\":\"@govbot lead (edited)\",\"version\":2,\"deliver\":false}", &t);
	user_posts("{\"username\":\"carol\",\"raw\":\"@govbot lead (whisper)\",\"post_type\":4,\"deliver\":false}", &t);
	user_posts("{\"username\":\"carol\",\"raw\":\"[quote=\\\"bob\\\"]\\n@govbot lead\\n[/quote]\\nquoted only\",\"deliver\":false}", &t);
	user_posts("{\"username\":\"carol\",\"raw\":\"@govbot core\",\"deliver\":false}", &last);
	WAIT(15, replies_in(last) >= 1);
	ck_assert_msg(replies_in(last) == 1, "the last post was not answered: %s", err_tail());
	ck_assert_msg(replies_in(-1) == 1, "%d replies, want only the last post's", replies_in(-1));
	stop_bot_cleanly();
	finish();
}
END_TEST

START_TEST(poll_remembers_the_last_post_across_restarts)
{
	long long t1, t2;

	start_server(NULL);
	write_config("poll", "");
	start_bot();
	wait_polling(1);
	user_posts("{\"username\":\"alice\",\"raw\":\"@govbot lead\",\"deliver\":false}", &t1);
	WAIT(15, replies_in(t1) >= 1);
	ck_assert_int_eq(replies_in(t1), 1);
	stop_bot_cleanly();
	/* written while the bot was down: not backlog, a question */
	user_posts("{\"username\":\"bob\",\"raw\":\"@govbot core\",\"deliver\":false}", &t2);
	start_bot();
	WAIT(15, replies_in(t2) >= 1);
	ck_assert_msg(replies_in(t2) == 1, "the post written during the restart was not answered: %s", err_tail());
	ck_assert_msg(replies_in(t1) == 1, "the first post was answered again");
	stop_bot_cleanly();
	finish();
}
END_TEST

/* The text with its Markdown code spans blanked (they are inert): a run of
 * n backticks up to the next run of exactly n.  Caller frees. */
static char *outside_code(const char *raw)
{
	char *t = strdup(raw);
	size_t n = strlen(t);

	for (size_t i = 0; i < n;) {
		if (t[i] != '`' || (i > 0 && t[i - 1] == '\\')) {
			i++;
			continue;
		}
		size_t run = 0, j;
		while (i + run < n && t[i + run] == '`')
			run++;
		for (j = i + run; j < n; j++) {
			size_t r = 0;
			while (j + r < n && t[j + r] == '`')
				r++;
			if (r == run)
				break;
			j += r ? r - 1 : 0;
		}
		if (j >= n) {
			i += run;
			continue;
		}
		memset(t + i, ' ', j + run - i);
		i = j + run;
	}
	return t;
}

/* Outside code spans: every @ defused, every [ and < escaped, no line
 * starting a quote. */
static void check_inert(const char *what, const char *raw)
{
	char *t = outside_code(raw);

	for (const char *p = strchr(t, '@'); p; p = strchr(p + 1, '@'))
		ck_assert_msg(strncmp(p + 1, ZWSP, 3) == 0, "%s: an @ that could mention someone: %s", what, raw);
	for (const char *p = strchr(t, '['); p; p = strchr(p + 1, '['))
		ck_assert_msg(p > t && p[-1] == '\\', "%s: an unescaped [ (BBCode): %s", what, raw);
	for (const char *p = strchr(t, '<'); p; p = strchr(p + 1, '<'))
		ck_assert_msg(p > t && p[-1] == '\\', "%s: an unescaped < (HTML): %s", what, raw);
	for (const char *p = t; p; p = strchr(p, '\n')) {
		p += *p == '\n';
		ck_assert_msg(*p != '>', "%s: a quote line: %s", what, raw);
	}
	free(t);
}

/* What a user typed comes back inert: no mention, quote, poll, HTML or BBCode. */
START_TEST(reply_escapes_user_text)
{
	long long t;

	start_server(NULL);
	write_config("poll", "");
	start_bot();
	wait_polling(1);
	user_posts("{\"username\":\"mallory\",\"raw\":\"@govbot nominate @newbie for torch.nn contributions: "
		   "@everyone [quote]x[/quote] <img src=x> [poll] @staff\\n> q\\n# h\",\"deliver\":false}", &t);
	WAIT(15, replies_in(t) >= 1);
	ck_assert_msg(replies_in(t) == 1, "not answered: %s", err_tail());
	user_posts("{\"username\":\"mallory\",\"raw\":\"/gov show 1\",\"deliver\":false}", &t);
	WAIT(15, replies_in(t) >= 1);
	const char *raw = str_of(reply_in(t), "raw");
	ck_assert_msg(raw && strstr(raw, "everyone") && strstr(raw, "staff") && strstr(raw, "poll"),
		      "the reply does not show the text, so it tests nothing: %s", raw ? raw : err_tail());
	check_inert("reply", raw);
	stop_bot_cleanly();
	finish();
}
END_TEST

/* ---- replies: errors ----------------------------------------------------------- */

START_TEST(reply_retried_after_429_and_5xx)
{
	long long t;

	start_server(NULL);
	write_config("poll", "");
	start_bot();
	wait_polling(1);
	scenario("{\"api\":{\"posts.create\":[{\"status\":429,\"retry_after\":1},{\"status\":503},{\"status\":502}]}}");
	user_posts("{\"username\":\"alice\",\"raw\":\"@govbot lead\",\"deliver\":false}", &t);
	WAIT(20, replies_in(t) >= 1);
	ck_assert_msg(replies_in(t) == 1, "not posted after 429, 503, 502: %s", err_tail());
	const cJSON *first = rec_nth("http", "POST", "/posts.json", 429, 0);
	const cJSON *second = rec_nth("http", "POST", "/posts.json", 503, 0);
	ck_assert(first && second);
	ck_assert_msg(num_of(second, "t") - num_of(first, "t") >= 0.9,
		      "retried %.2f s after a 429 with Retry-After: 1", num_of(second, "t") - num_of(first, "t"));
	stop_bot_cleanly();
	finish();
}
END_TEST

START_TEST(reply_refused_422_logged_with_discourse_errors)
{
	long long t;

	start_server(NULL);
	write_config("poll", "");
	start_bot();
	wait_polling(1);
	scenario("{\"api\":{\"posts.create\":[{\"status\":422,\"errors\":[\"Body is too similar to what you recently posted\"]}]}}");
	user_posts("{\"username\":\"alice\",\"raw\":\"@govbot lead\",\"deliver\":false}", &t);
	WAIT(15, count_err("too similar") >= 1);
	ck_assert_msg(count_err("too similar") == 1, "Discourse's error not logged: %s", err_tail());
	reload();
	ck_assert_int_eq(rec_count("http", "POST", "/posts.json", 422), 1);
	ck_assert_int_eq(replies_in(t), 0);
	stop_bot_cleanly();
	finish();
}
END_TEST

START_TEST(bad_api_key_stops_with_one_line)
{
	start_server(NULL);
	write_config("poll", "");
	start_bot_key("not-the-key");
	ck_assert_msg(bot_exited(15), "govbot kept running with a key the forum refuses");
	ck_assert_msg(WIFEXITED(H.bot_status) && WEXITSTATUS(H.bot_status) == 1, "exit status 0x%x", H.bot_status);
	ck_assert_msg(count_err("DISCOURSE_API_KEY") == 1, "no one clear line naming the key: %s", err_tail());
	ck_assert_msg(!strstr(err_tail(), "not-the-key"), "the key was logged");
	finish();
}
END_TEST

/* ---- announcements ---------------------------------------------------------------- */

static void decide_nomination(void)
{
	ck_assert_int_eq(ask("discourse:ezyang", "nominate @newbie for torch.nn contributions: many "
			     "fixes interactions: kind reviews support: the NN maintainers agree"), 0);
	ck_assert_int_eq(ask("discourse:smth", "decide 1 accept steady work @everyone [quote]x[/quote]"), 0);
}

static int topics(void)
{
	return rec_count("topic", NULL, NULL, -1);
}

/* The topics whose title contains what (an opening's "opened", a decision's
 * "Decision on"). */
static int topics_titled(const char *what)
{
	int n = 0;
	for (int i = 0; i < topics(); i++) {
		const char *title = str_of(rec_nth("topic", NULL, NULL, -1, i), "title");
		n += title && strstr(title, what) != NULL;
	}
	return n;
}

/* The decision's topic (decide_nomination() also announced the opening). */
static const cJSON *decision_topic(void)
{
	for (int i = 0; i < topics(); i++) {
		const cJSON *t = rec_nth("topic", NULL, NULL, -1, i);
		const char *title = str_of(t, "title");
		if (title && strstr(title, "Decision on"))
			return t;
	}
	return NULL;
}

START_TEST(announcement_topic_once_across_restart)
{
	start_server(NULL);
	write_config("poll", "");
	decide_nomination();   /* two topics: the opening and the decision */
	start_bot();
	WAIT(15, topics() >= 2);
	const cJSON *t = decision_topic();
	ck_assert_msg(t != NULL, "no decision topic: %s", err_tail());
	ck_assert_int_eq((int)num_of(t, "category"), 5);
	const char *title = str_of(t, "title"), *raw = str_of(t, "raw"), *ext = str_of(t, "external_id");
	ck_assert_msg(title && strlen(title) >= 15 && !strchr(title, '\n'), "title: %s", title);
	ck_assert_msg(ext && strncmp(ext, "govbot-", 7) == 0, "external_id: %s", ext ? ext : "(none)");
	ck_assert_msg(strstr(raw, "newbie") && strstr(raw, "steady work"), "what was decided and why: %s", raw);
	check_inert("announcement", raw);
	/* each looked up before it was posted */
	ck_assert_int_eq(rec_count("http", "GET", "/t/external_id/", 404), 2);
	stop_bot_cleanly();
	start_bot();
	wait_polling(rec_count("http", "GET", "/posts.json", 200) + 2);
	reload();
	ck_assert_msg(topics() == 2 && topics_titled("opened") == 1 && topics_titled("Decision on") == 1,
		      "%d topics, want the opening and the decision once each", topics());
	stop_bot_cleanly();
	finish();
}
END_TEST

/* The forum created the topic but its answer never reached the bot (killed
 * with -9 meanwhile): the restarted bot finds it by external_id. */
START_TEST(announcement_once_after_kill9_between_post_and_mark)
{
	start_server(NULL);
	write_config("poll", "");
	decide_nomination();   /* the opening and the decision */
	/* the forum creates each topic but holds its answer */
	scenario("{\"api\":{\"posts.create\":[{\"hold\":30},{\"hold\":30}]}}");
	start_bot();
	WAIT(15, topics() >= 1);
	/* Both announcements may be in flight: count what the forum made only
	 * once the bot is dead (counted before the kill, a second topic made
	 * meanwhile was a false failure under load). */
	kill_bot_hard();
	reload();
	int before = topics();
	ck_assert_msg(before >= 1, "no topic made before the kill: %s", err_tail());
	start_bot();
	WAIT(15, rec_count("http", "GET", "/t/external_id/", 301) >= before && topics() >= 2);
	ck_assert_msg(rec_count("http", "GET", "/t/external_id/", 301) >= before,
		      "the restarted bot did not look up the %d topic(s) made: %s", before, err_tail());
	wait_polling(rec_count("http", "GET", "/posts.json", 200) + 2);
	reload();
	ck_assert_msg(topics() == 2 && topics_titled("opened") == 1 && topics_titled("Decision on") == 1,
		      "%d topics, want the opening and the decision once each", topics());
	stop_bot_cleanly();
	finish();
}
END_TEST

START_TEST(announcement_retitled_once_after_422)
{
	start_server(NULL);
	write_config("poll", "");
	decide_nomination();
	scenario("{\"api\":{\"posts.create\":[{\"status\":422,\"errors\":[\"Title has already been used\"]}]}}");
	start_bot();
	WAIT(15, topics() >= 2);
	ck_assert_msg(topics() == 2, "not both posted after a title was refused: %s", err_tail());
	ck_assert_msg(topics_titled("(govbot announcement") == 1, "no title adjusted once: %s / %s",
		      str_of(rec_nth("topic", NULL, NULL, -1, 0), "title"),
		      str_of(rec_nth("topic", NULL, NULL, -1, 1), "title"));
	ck_assert_msg(count_err("Title has already been used") >= 1, "Discourse's words not logged: %s", err_tail());
	stop_bot_cleanly();
	finish();
}
END_TEST

/* ---- webhooks ------------------------------------------------------------------- */

/* GET on the bot's listener: the status, the body into out (may be NULL). */
static long bot_get(const char *path, char *out, size_t outlen)
{
	CURL *c = curl_easy_init();
	char url[128];
	struct { char *data; size_t len; } b = { NULL, 0 };
	long status = 0;

	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", bot_port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (out)
		snprintf(out, outlen, "%s", b.data ? b.data : "");
	free(b.data);
	return status;
}

/* Starts the bot in webhook mode and waits until it listens. */
static void start_listening(const char *extra)
{
	write_config("webhook", extra);
	start_bot();
	double until = now() + 15;
	while (bot_get("/healthz", NULL, 0) != 200 && now() < until) {
		ck_assert_msg(!bot_exited(0), "govbot exited: %s", err_tail());
		usleep(20000);
	}
	ck_assert_msg(bot_get("/healthz", NULL, 0) == 200, "govbot does not listen: %s", err_tail());
}

START_TEST(webhook_mention_and_gov_line_answered_in_topic)
{
	long long t1, t2;
	char metrics[4096];

	start_server(NULL);
	start_listening("");
	ck_assert_int_eq(user_posts("{\"username\":\"alice\",\"raw\":\"Hello\\n@govbot who maintains torch.nn?\"}", &t1), 200);
	ck_assert_int_eq(user_posts("{\"username\":\"bob\",\"raw\":\"Context.\\n/gov lead\"}", &t2), 200);
	WAIT(15, replies_in(t1) >= 1 && replies_in(t2) >= 1);
	ck_assert_msg(replies_in(t1) == 1 && replies_in(t2) == 1, "not answered: %s", err_tail());
	ck_assert_msg(strstr(str_of(reply_in(t1), "raw"), "torch.nn"), "%s", str_of(reply_in(t1), "raw"));
	ck_assert_msg(strstr(str_of(reply_in(t2), "raw"), "Soumith"), "%s", str_of(reply_in(t2), "raw"));
	ck_assert_int_eq((int)num_of(reply_in(t1), "reply_to_post_number"), 1);
	ck_assert_int_eq(bot_get("/metrics", metrics, sizeof metrics), 200);
	ck_assert_msg(strstr(metrics, "govbot_adapters_running 1"), "%s", metrics);
	stop_bot_cleanly();
	finish();
}
END_TEST

/* Unsigned, wrongly signed, malformed and changed-after-signing requests are
 * refused with nothing done; a good one after them is answered. */
START_TEST(webhook_forged_requests_refused)
{
	long long t;
	static const struct { const char *sign; int status; } forged[] = {
		{ "none", 401 }, { "malformed", 401 }, { "bad", 403 }, { "tamper", 403 },
	};
	char json[256];

	start_server(NULL);
	start_listening("");
	for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
		snprintf(json, sizeof json, "{\"username\":\"mallory\",\"raw\":\"@govbot lead %zu\",\"sign\":\"%s\"}",
			 i, forged[i].sign);
		ck_assert_int_eq(user_posts(json, &t), forged[i].status);
	}
	ck_assert_int_eq(count_err("webhook refused"), 4);
	/* capital hex digits are the same signature */
	ck_assert_int_eq(user_posts("{\"username\":\"alice\",\"raw\":\"@govbot core\",\"sign\":\"upper\"}", &t), 200);
	WAIT(15, replies_in(t) >= 1);
	ck_assert_msg(replies_in(t) == 1, "the good webhook was not answered: %s", err_tail());
	ck_assert_msg(replies_in(-1) == 1, "a forged webhook was answered (%d replies)", replies_in(-1));
	stop_bot_cleanly();
	finish();
}
END_TEST

START_TEST(webhook_ping_non_json_and_sizes)
{
	long long t;

	start_server(NULL);
	start_listening("");
	ck_assert_int_eq(send_webhook("{\"event\":\"ping\",\"event_type\":\"ping\",\"body\":{\"ping\":\"OK\"}}"), 200);
	ck_assert_int_eq(send_webhook("{\"event\":\"post_created\",\"raw\":\"not json {\"}"), 400);
	ck_assert_int_eq(send_webhook("{\"event\":\"post_created\",\"raw\":\"payload=%7B%22post%22%3A1%7D\","
				      "\"content_type\":\"application/x-www-form-urlencoded\"}"), 400);
	ck_assert_int_eq(count_err("not a JSON object"), 2);
	/* over 2 MB: 413 and one line; just under: taken and answered */
	ck_assert_int_eq(user_posts("{\"username\":\"alice\",\"raw\":\"@govbot lead\",\"pad\":2097252}", &t), 413);
	ck_assert_int_eq(count_err("refused (413)"), 1);
	ck_assert_int_eq(user_posts("{\"username\":\"alice\",\"raw\":\"@govbot core\",\"pad\":2000000}", &t), 200);
	WAIT(15, replies_in(t) >= 1);
	ck_assert_msg(replies_in(t) == 1, "a 2 MB webhook was not answered: %s", err_tail());
	ck_assert_msg(replies_in(-1) == 1, "%d replies, want 1", replies_in(-1));
	stop_bot_cleanly();
	finish();
}
END_TEST

START_TEST(webhook_redelivery_answered_once_across_restart)
{
	long long t1, t2;

	start_server(NULL);
	start_listening("");
	ck_assert_int_eq(user_posts("{\"username\":\"alice\",\"raw\":\"@govbot lead\",\"event_id\":\"9001\"}", &t1), 200);
	WAIT(15, replies_in(t1) >= 1);
	ck_assert_int_eq(send_webhook("{\"redeliver\":\"9001\"}"), 200);
	stop_bot_cleanly();
	start_listening("");
	ck_assert_int_eq(send_webhook("{\"redeliver\":\"9001\"}"), 200);
	ck_assert_int_eq(user_posts("{\"username\":\"bob\",\"raw\":\"@govbot core\",\"event_id\":\"9002\"}", &t2), 200);
	WAIT(15, replies_in(t2) >= 1);
	ck_assert_msg(replies_in(t2) == 1, "the new event was not answered: %s", err_tail());
	ck_assert_msg(replies_in(t1) == 1, "a redelivered event was answered %d times", replies_in(t1));
	ck_assert_int_eq(rec_count("webhook", NULL, NULL, 200), 4);
	stop_bot_cleanly();
	finish();
}
END_TEST

/* The posts of one batch window are answered together after it, each
 * once, while every webhook got its 2xx at once; a post still waiting for
 * its batch when the bot is stopped is answered before it exits. */
START_TEST(webhook_batch_answers_after_its_window)
{
	long long t1, t2, t3;
	double sent;

	batch_env = "GOVBOT_DISCOURSE_BATCH_US=1000000";
	start_server(NULL);
	start_listening("");
	sent = now();
	ck_assert_int_eq(user_posts("{\"username\":\"alice\",\"raw\":\"@govbot lead\"}", &t1), 200);
	ck_assert_int_eq(user_posts("{\"username\":\"bob\",\"raw\":\"@govbot core\"}", &t2), 200);
	harness_reload(&H);
	if (now() - sent < 0.8)
		ck_assert_msg(replies_in(-1) == 0, "a reply left before its batch's window ended");
	WAIT(15, replies_in(t1) >= 1 && replies_in(t2) >= 1);
	ck_assert_msg(replies_in(t1) == 1 && replies_in(t2) == 1, "the batch was not answered once each: %s",
		      err_tail());
	ck_assert_msg(now() - sent >= 0.9, "the batch was answered before its window ended");
	/* stopped within a window: the waiting post is answered first */
	ck_assert_int_eq(user_posts("{\"username\":\"carol\",\"raw\":\"@govbot lead\"}", &t3), 200);
	stop_bot_cleanly();
	harness_reload(&H);
	ck_assert_msg(replies_in(t3) == 1, "a post waiting for its batch at exit was not answered: %s",
		      err_tail());
	ck_assert_msg(count_err("was not posted") == 0, "a reply was cut off at exit: %s", err_tail());
	batch_env = "GOVBOT_DISCOURSE_BATCH_US=5000";
	finish();
}
END_TEST

START_TEST(webhook_skips_own_bots_pms_edits_whispers)
{
	long long t, pm, last;

	start_server(NULL);
	start_listening("");
	user_posts("{\"username\":\"govbot\",\"raw\":\"@govbot lead (own)\"}", &t);
	user_posts("{\"username\":\"system\",\"raw\":\"@govbot lead (system)\",\"set\":{\"user_id\":-1}}", &t);
	user_posts("{\"username\":\"helperbot\",\"raw\":\"@govbot lead (bot)\",\"set\":{\"user_id\":-3}}", &t);
	user_posts("{\"username\":\"carol\",\"raw\":\"@govbot lead (pm)\",\"archetype\":\"private_message\"}", &pm);
	user_posts("{\"username\":\"carol\",\"raw\":\"@govbot lead (whisper)\",\"post_type\":4}", &t);
	user_posts("{\"username\":\"carol\",\"raw\":\"nothing for the bot\"}", &t);
	/* an edit that adds the mention: post_edited, version 2 */
	char json[160];
	long long post_id = 0;
	cJSON *j = control("post", "{\"username\":\"carol\",\"raw\":\"no mention yet\",\"deliver\":false}");
	post_id = (long long)num_of(cJSON_GetObjectItemCaseSensitive(j, "post"), "id");
	cJSON_Delete(j);
	snprintf(json, sizeof json, "{\"post_id\":%lld,\"raw\":\"@govbot lead (edited)\"}", post_id);
	cJSON_Delete(control("post", json));
	user_posts("{\"username\":\"carol\",\"raw\":\"@govbot core\"}", &last);
	WAIT(15, replies_in(last) >= 1);
	ck_assert_msg(replies_in(last) == 1, "the last post was not answered: %s", err_tail());
	ck_assert_msg(replies_in(-1) == 1, "%d replies, want only the last post's", replies_in(-1));
	stop_bot_cleanly();

	/* "private_messages": true answers in private messages */
	start_listening(",\"private_messages\":true");
	user_posts("{\"username\":\"carol\",\"raw\":\"@govbot lead (pm)\",\"archetype\":\"private_message\"}", &pm);
	WAIT(15, replies_in(pm) >= 1);
	ck_assert_msg(replies_in(pm) == 1, "a private message was not answered with private_messages: %s", err_tail());
	stop_bot_cleanly();
	finish();
}
END_TEST

/* A 429 whose delay is only in the JSON body (extras.wait_seconds), and one
 * in plain text with Retry-After. */
START_TEST(reply_waits_out_429_in_both_forms)
{
	long long t1, t2;

	start_server(NULL);
	start_listening("");
	scenario("{\"api\":{\"posts.create\":[{\"status\":429,\"wait_seconds\":2}]}}");
	user_posts("{\"username\":\"alice\",\"raw\":\"@govbot lead\"}", &t1);
	WAIT(20, replies_in(t1) >= 1);
	ck_assert_msg(replies_in(t1) == 1, "not posted after a 429: %s", err_tail());
	double gap = num_of(rec_nth("http", "POST", "/posts.json", 200, 0), "t") -
		     num_of(rec_nth("http", "POST", "/posts.json", 429, 0), "t");
	ck_assert_msg(gap >= 1.8, "retried %.2f s after extras.wait_seconds: 2", gap);
	scenario("{\"api\":{\"posts.create\":[{\"text429\":true,\"retry_after\":1}]}}");
	user_posts("{\"username\":\"bob\",\"raw\":\"@govbot core\"}", &t2);
	WAIT(20, replies_in(t2) >= 1);
	ck_assert_msg(replies_in(t2) == 1, "not posted after a plain-text 429: %s", err_tail());
	gap = num_of(rec_nth("http", "POST", "/posts.json", 200, 1), "t") -
	      num_of(rec_nth("http", "POST", "/posts.json", 429, 1), "t");
	ck_assert_msg(gap >= 0.9, "retried %.2f s after Retry-After: 1", gap);
	stop_bot_cleanly();
	finish();
}
END_TEST

static Suite *discourse_suite(void)
{
	Suite *s = suite_create("discourse");
	TCase *tc = tcase_create("discourse");

	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, poll_answers_new_posts_and_skips_the_backlog);
	tcase_add_test(tc, poll_needs_no_listener_or_webhook_secret);
	tcase_add_test(tc, poll_skips_own_bots_edits_whispers);
	tcase_add_test(tc, poll_remembers_the_last_post_across_restarts);
	tcase_add_test(tc, reply_escapes_user_text);
	tcase_add_test(tc, reply_retried_after_429_and_5xx);
	tcase_add_test(tc, reply_refused_422_logged_with_discourse_errors);
	tcase_add_test(tc, bad_api_key_stops_with_one_line);
	tcase_add_test(tc, announcement_topic_once_across_restart);
	tcase_add_test(tc, announcement_once_after_kill9_between_post_and_mark);
	tcase_add_test(tc, announcement_retitled_once_after_422);
	tcase_add_test(tc, webhook_mention_and_gov_line_answered_in_topic);
	tcase_add_test(tc, webhook_forged_requests_refused);
	tcase_add_test(tc, webhook_ping_non_json_and_sizes);
	tcase_add_test(tc, webhook_redelivery_answered_once_across_restart);
	tcase_add_test(tc, webhook_batch_answers_after_its_window);
	tcase_add_test(tc, webhook_skips_own_bots_pms_edits_whispers);
	tcase_add_test(tc, reply_waits_out_429_in_both_forms);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(discourse_suite());
	int failed;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? 1 : 0;
}
