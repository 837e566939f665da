/* test_reply.c - the reply document and its renderers, dialect by dialect,
 * with injection attempts in every one. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/bot/reply.h"
#include "tests/testutil.h"

static char *render(struct reply *r, enum reply_dialect d)
{
	struct buf out = BUF_INIT;
	reply_render(r, d, &out);
	return buf_detach(&out);
}

/* One sample document: a paragraph with every span kind, then two items. */
static void sample(struct reply *r)
{
	reply_text(r, "Maintainers of ");
	reply_strong(r, "NN APIs");
	reply_text(r, " (");
	reply_code(r, "torch.nn");
	reply_text(r, "):");
	reply_item(r);
	reply_person(r, "Greg Chanan", "gchanan");
	reply_item(r);
	reply_person(r, "No Handle", NULL);
	reply_para(r);
	reply_text(r, "ask ");
	reply_handle(r, "soumith");
}

struct golden {
	enum reply_dialect d;
	const char *want;
};

static const struct golden goldens[] = {
	{ DIALECT_CONSOLE,
	  "Maintainers of NN APIs (`torch.nn`):\n- Greg Chanan (@gchanan)\n- No Handle\n\nask @soumith" },
	{ DIALECT_MATRIX_PLAIN,
	  "Maintainers of NN APIs (`torch.nn`):\n- Greg Chanan (@gchanan)\n- No Handle\n\nask @soumith" },
	{ DIALECT_SLACK,
	  "Maintainers of *NN APIs* (`torch.nn`):\n\xE2\x80\xA2 Greg Chanan (@gchanan)\n\xE2\x80\xA2 No Handle\n\nask @soumith" },
	{ DIALECT_MATRIX_HTML,
	  "<p>Maintainers of <strong>NN APIs</strong> (<code>torch.nn</code>):</p>"
	  "<ul><li>Greg Chanan (@gchanan)</li><li>No Handle</li></ul><p>ask @soumith</p>" },
	{ DIALECT_DISCOURSE,
	  "Maintainers of **NN APIs** (`torch.nn`):\n\n- Greg Chanan (`@gchanan`)\n- No Handle\n\nask `@soumith`" },
};

START_TEST(test_golden)
{
	struct reply *r = reply_new();
	sample(r);
	char *got = render(r, goldens[_i].d);
	ck_assert_str_eq(got, goldens[_i].want);
	free(got);
	reply_free(r);
}
END_TEST

/* Injection attempts: what a user could type, rendered as a text span. */
struct attack {
	enum reply_dialect d;
	const char *in;
	const char *want;
};

#define Z "\xE2\x80\x8B"
static const struct attack attacks[] = {
	{ DIALECT_SLACK, "<!channel> hi", "&lt;!channel&gt; hi" },
	{ DIALECT_SLACK, "<@U123>", "&lt;@U123&gt;" },
	{ DIALECT_SLACK, "<https://evil|click>", "&lt;https://evil|click&gt;" },
	{ DIALECT_SLACK, "a & b", "a &amp; b" },
	{ DIALECT_SLACK, "&lt;!here&gt;", "&amp;lt;!here&amp;gt;" },
	{ DIALECT_SLACK, "@here and @channel", "@" Z "here and @" Z "channel" },
	{ DIALECT_SLACK, "@EVERYONE", "@" Z "EVERYONE" },
	{ DIALECT_SLACK, "<script>", "&lt;script&gt;" },
	{ DIALECT_MATRIX_HTML, "<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>" },
	{ DIALECT_MATRIX_HTML, "\"x\" & 'y'", "<p>&quot;x&quot; &amp; &#39;y&#39;</p>" },
	{ DIALECT_MATRIX_HTML, "@room", "<p>@" Z "room</p>" },
	{ DIALECT_MATRIX_HTML, "a\nb", "<p>a<br>b</p>" },
	{ DIALECT_MATRIX_PLAIN, "@room now", "@" Z "room now" },
	{ DIALECT_MATRIX_PLAIN, "<b>&", "<b>&" },
	{ DIALECT_DISCOURSE, "@here @everyone @alice", "@" Z "here @" Z "everyone @" Z "alice" },
	{ DIALECT_DISCOURSE, "*bold* _it_ [l](u) <b>", "\\*bold\\* \\_it\\_ \\[l\\](u) \\<b\\>" },
	{ DIALECT_DISCOURSE, "# title", "\\# title" },
	{ DIALECT_DISCOURSE, "- item", "\\- item" },
	{ DIALECT_DISCOURSE, "1. x", "1\\. x" },
	{ DIALECT_DISCOURSE, "12) x", "12\\) x" },
	{ DIALECT_DISCOURSE, "Python 3.11: ok", "Python 3.11: ok" },
	{ DIALECT_DISCOURSE, "a\n2. b\n- c", "a\n2\\. b\n\\- c" },
	{ DIALECT_DISCOURSE, "a & b", "a \\& b" },
	{ DIALECT_DISCOURSE, "`code`", "\\`code\\`" },
	{ DIALECT_DISCOURSE, "    indented", "indented" },
	/* BBCode, quotes, polls, HTML and entities typed by a user stay text */
	{ DIALECT_DISCOURSE, "[quote=\"bob, post:1\"]hi[/quote]", "\\[quote=\"bob, post:1\"\\]hi\\[/quote\\]" },
	{ DIALECT_DISCOURSE, "x\n[poll type=regular]\n* a\n[/poll]", "x\n\\[poll type=regular\\]\n\\* a\n\\[/poll\\]" },
	{ DIALECT_DISCOURSE, "[details=x][url=http://e.vil]y[/url]", "\\[details=x\\]\\[url=http://e.vil\\]y\\[/url\\]" },
	{ DIALECT_DISCOURSE, "> quoted\n>> again", "\\> quoted\n\\>\\> again" },
	{ DIALECT_DISCOURSE, "<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert(1)\\>" },
	{ DIALECT_DISCOURSE, "&#64;everyone &lt;b&gt;", "\\&\\#64;everyone \\&lt;b\\&gt;" },
	{ DIALECT_DISCOURSE, "@staff @moderators", "@" Z "staff @" Z "moderators" },
	{ DIALECT_DISCOURSE, "$x^2$ and $$y$$", "\\$x^2\\$ and \\$\\$y\\$\\$" },
	{ DIALECT_DISCOURSE, "![img](http://e.vil/x.png)", "\\!\\[img\\](http://e.vil/x.png)" },
	{ DIALECT_CONSOLE, "bell\a esc\x1b[31m red", "bell esc[31m red" },
	{ DIALECT_CONSOLE, "c1\xC2\x9B" "x", "c1x" },
	{ DIALECT_CONSOLE, "rtl\xE2\x80\xAE" "x", "rtlx" },
	{ DIALECT_CONSOLE, "tab\tok", "tab\tok" },
	{ DIALECT_CONSOLE, "caf\xC3\xA9", "caf\xC3\xA9" },
	{ DIALECT_SLACK, "del\x7f" "x", "delx" },
	{ DIALECT_MATRIX_HTML, "nul\x01x", "<p>nulx</p>" },
};

START_TEST(test_attack_text)
{
	struct reply *r = reply_new();
	reply_text(r, attacks[_i].in);
	char *got = render(r, attacks[_i].d);
	ck_assert_msg(strcmp(got, attacks[_i].want) == 0, "dialect %d: %s -> '%s', want '%s'",
		      attacks[_i].d, attacks[_i].in, got, attacks[_i].want);
	free(got);
	reply_free(r);
}
END_TEST

/* No dialect lets a handle, code span or strong span carry a mass mention
 * or markup through. */
START_TEST(test_attack_spans)
{
	static const enum reply_dialect ds[] = { DIALECT_SLACK, DIALECT_MATRIX_HTML,
						 DIALECT_MATRIX_PLAIN, DIALECT_DISCOURSE };
	struct reply *r = reply_new();
	reply_handle(r, "here");
	reply_code(r, "<!everyone> @channel");
	reply_strong(r, "<@U1> @room");
	reply_person(r, "<!here>", "everyone");
	for (size_t i = 0; i < sizeof(ds) / sizeof(ds[0]); i++) {
		char *got = render(r, ds[i]);
		if (ds[i] == DIALECT_SLACK || ds[i] == DIALECT_MATRIX_HTML) { /* markup only there */
			ck_assert_msg(!strstr(got, "<!"), "dialect %d: %s", ds[i], got);
			ck_assert_msg(!strstr(got, "<@"), "dialect %d: %s", ds[i], got);
		}
		if (ds[i] == DIALECT_DISCOURSE) {
			/* every @ is defused, opens a `@handle` code span, or sits
			 * inside the one code span (inert in Markdown) */
			char *code = strstr(got, "`<!everyone> @channel`");
			ck_assert_ptr_nonnull(code);
			memset(code, '_', strlen("`<!everyone> @channel`"));
			for (const char *p = strchr(got, '@'); p; p = strchr(p + 1, '@'))
				ck_assert_msg(strncmp(p + 1, "\xE2\x80\x8B", 3) == 0 ||
					      (p > got && p[-1] == '`'), "discourse: %s", got);
			free(got);
			continue;
		}
		ck_assert_msg(!strstr(got, "@here"), "dialect %d: %s", ds[i], got);
		ck_assert_msg(!strstr(got, "@channel"), "dialect %d: %s", ds[i], got);
		ck_assert_msg(!strstr(got, "@everyone"), "dialect %d: %s", ds[i], got);
		ck_assert_msg(!strstr(got, "@room"), "dialect %d: %s", ds[i], got);
		free(got);
	}
	reply_free(r);
}
END_TEST

START_TEST(test_discourse_code_fence)
{
	struct reply *r = reply_new();
	reply_code(r, "a`b");
	reply_text(r, " ");
	reply_code(r, "`x`");
	char *got = render(r, DIALECT_DISCOURSE);
	ck_assert_str_eq(got, "``a`b`` `` `x` ``");
	free(got);
	reply_free(r);
}
END_TEST

START_TEST(test_slack_code_cannot_break_out)
{
	struct reply *r = reply_new();
	reply_code(r, "x` <!here> `y");
	char *got = render(r, DIALECT_SLACK);
	ck_assert_str_eq(got, "`x' &lt;!here&gt; 'y`");
	free(got);
	reply_free(r);
}
END_TEST

START_TEST(test_textf_and_merge)
{
	struct reply *r = reply_new();
	ck_assert(reply_empty(r));
	reply_para(r);
	ck_assert(reply_empty(r));
	reply_textf(r, "%d active, ", 4);
	reply_textf(r, "%s", "2 emeritus");
	reply_textn(r, "!xyz", 1);
	ck_assert(!reply_empty(r));
	char *got = render(r, DIALECT_CONSOLE);
	ck_assert_str_eq(got, "4 active, 2 emeritus!");
	free(got);
	reply_free(r);
}
END_TEST

START_TEST(test_reset_reuses)
{
	struct reply *r = reply_new();
	for (int round = 0; round < 1000; round++) {
		reply_reset(r);
		reply_textf(r, "round %d", round);
		reply_item(r);
		reply_person(r, "Name", "handle");
	}
	char *got = render(r, DIALECT_CONSOLE);
	ck_assert_str_eq(got, "round 999\n- Name (@handle)");
	free(got);
	reply_reset(r);
	got = render(r, DIALECT_CONSOLE);
	ck_assert_str_eq(got, "");
	free(got);
	reply_free(r);
}
END_TEST

START_TEST(test_empty_blocks_skipped)
{
	struct reply *r = reply_new();
	reply_para(r);
	reply_item(r);
	reply_text(r, "one");
	reply_para(r);
	reply_para(r);
	reply_text(r, "two");
	char *got = render(r, DIALECT_MATRIX_HTML);
	ck_assert_str_eq(got, "<ul><li>one</li></ul><p>two</p>");
	free(got);
	got = render(r, DIALECT_DISCOURSE);
	ck_assert_str_eq(got, "- one\n\ntwo");
	free(got);
	reply_free(r);
}
END_TEST

/* A notice's mention: the platform's own when the user id is well-formed
 * for the dialect, the plain handle otherwise (never raw text). */
START_TEST(test_mentions)
{
	static const struct {
		enum reply_dialect d;
		const char *id;
		const char *want;
	} cases[] = {
		{ DIALECT_SLACK, "U0SOUMITH", "For: <@U0SOUMITH>" },
		{ DIALECT_SLACK, "<!channel>", "For: @soumith" },
		{ DIALECT_SLACK, "u0lower", "For: @soumith" },
		{ DIALECT_SLACK, NULL, "For: @soumith" },
		{ DIALECT_MATRIX_HTML, "@soumith:example.org",
		  "<p>For: <a href=\"https://matrix.to/#/@soumith:example.org\">@soumith</a></p>" },
		{ DIALECT_MATRIX_HTML, "@x\"><script>:e.org", "<p>For: @soumith</p>" },
		{ DIALECT_MATRIX_PLAIN, "@soumith:example.org", "For: @soumith" },
		{ DIALECT_DISCOURSE, "smth", "For: @smth" },
		{ DIALECT_DISCOURSE, "here", "For: `@soumith`" },
		{ DIALECT_DISCOURSE, "a b", "For: `@soumith`" },
		{ DIALECT_CONSOLE, "U0SOUMITH", "For: @soumith" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reply *r = reply_new();
		reply_text(r, "For: ");
		reply_mention(r, "soumith", cases[i].id);
		char *t = render(r, cases[i].d);
		ck_assert_msg(strcmp(t, cases[i].want) == 0, "case %zu: \"%s\", want \"%s\"", i, t,
			      cases[i].want);
		free(t);
		struct buf id = BUF_INIT;
		ck_assert_int_eq(reply_mention_id(r, 0, &id), cases[i].id ? 0 : -1);
		if (cases[i].id)
			ck_assert_str_eq(buf_str(&id), cases[i].id);
		ck_assert_int_eq(reply_mention_id(r, 1, &id), -1);
		buf_release(&id);
		reply_free(r);
	}
	/* text never becomes a mention: the same id as text stays escaped */
	struct reply *r = reply_new();
	reply_text(r, "<@U0SOUMITH>");
	char *t = render(r, DIALECT_SLACK);
	ck_assert_str_eq(t, "&lt;@U0SOUMITH&gt;");
	free(t);
	reply_free(r);
}
END_TEST

START_TEST(test_render_appends)
{
	struct reply *r = reply_new();
	reply_text(r, "x");
	struct buf out = BUF_INIT;
	buf_adds(&out, "pre:");
	reply_render(r, DIALECT_CONSOLE, &out);
	ck_assert_str_eq(buf_str(&out), "pre:x");
	buf_release(&out);
	reply_free(r);
}
END_TEST

/* ---- cutting rendered text (reply_cut.c) ---- */

static const struct {
	const char *text;
	size_t max;
	size_t want;      /* length of the safe prefix */
} cuts[] = {
	{ "hello", 10, 5 },                 /* fits: untouched */
	{ "hello world", 5, 5 },
	{ "caf\xc3\xa9", 4, 3 },            /* not inside é */
	{ "\xe5\x90\x8d\xe5\x89\x8d", 5, 3 },  /* 名前: not inside 前 */
	{ "a &amp; b", 4, 2 },              /* not inside &amp; */
	{ "a &amp; b", 7, 7 },              /* after it: fine */
	{ "x &#x1F600; y", 8, 2 },          /* numeric entity */
	{ "a & b and more", 4, 4 },         /* a bare & is no entity */
	{ "see <a href=\"u\">x</a>", 12, 4 },  /* not inside a tag */
	{ "<b>bold</b> text", 6, 6 },       /* after a whole tag */
};

START_TEST(test_cut_len)
{
	size_t n = reply_cut_len(cuts[_i].text, strlen(cuts[_i].text), cuts[_i].max);

	ck_assert_uint_eq(n, cuts[_i].want);
}
END_TEST

START_TEST(test_limit_notes_per_dialect)
{
	static const struct {
		enum reply_dialect d;
		const char *note;
	} notes[] = {
		{ DIALECT_CONSOLE, "\n(truncated)" }, { DIALECT_SLACK, "\n_(truncated)_" },
		{ DIALECT_MATRIX_HTML, "<br><em>(truncated)</em>" },
		{ DIALECT_MATRIX_PLAIN, "\n(truncated)" }, { DIALECT_DISCOURSE, "\n\n_(truncated)_" },
	};
	for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++) {
		struct buf b = BUF_INIT;
		for (int k = 0; k < 100; k++)
			buf_adds(&b, "caf\xc3\xa9 &amp; ");
		ck_assert(reply_limit(&b, 200, notes[i].d));
		ck_assert_uint_le(b.len, 200);
		ck_assert(utf8_valid(b.data, b.len));
		size_t nl = strlen(notes[i].note);
		ck_assert_str_eq(b.data + b.len - nl, notes[i].note);
		/* every & left starts a whole entity */
		for (const char *p = strchr(b.data, '&'); p; p = strchr(p + 1, '&'))
			ck_assert(strncmp(p, "&amp;", 5) == 0);
		ck_assert(!reply_limit(&b, 0, notes[i].d));     /* 0: no limit */
		ck_assert(!reply_limit(&b, 1000, notes[i].d));  /* fits */
		buf_release(&b);
	}
}
END_TEST

START_TEST(test_split_at_line_ends)
{
	struct buf b = BUF_INIT, joined = BUF_INIT;
	size_t off = 0, parts = 0;

	for (int k = 0; k < 200; k++)
		buf_addf(&b, "line %d with \xc3\xa9 and &lt;x&gt;\n", k);
	while (off < b.len) {
		size_t n = reply_split_len(b.data + off, b.len - off, 500);
		ck_assert_uint_gt(n, 0);
		ck_assert_uint_le(n, 500);
		ck_assert(utf8_valid(b.data + off, n));
		if (off + n < b.len)
			ck_assert_int_eq(b.data[off + n - 1], '\n');
		buf_add(&joined, b.data + off, n);
		off += n;
		parts++;
	}
	ck_assert_uint_gt(parts, 1);
	ck_assert_str_eq(buf_str(&joined), buf_str(&b));
	buf_release(&b);
	buf_release(&joined);
}
END_TEST

static Suite *reply_suite(void)
{
	Suite *s = suite_create("reply");
	TCase *tc = tcase_create("render");
	tcase_add_loop_test(tc, test_golden, 0, (int)(sizeof(goldens) / sizeof(goldens[0])));
	tcase_add_loop_test(tc, test_attack_text, 0, (int)(sizeof(attacks) / sizeof(attacks[0])));
	tcase_add_test(tc, test_attack_spans);
	tcase_add_test(tc, test_discourse_code_fence);
	tcase_add_test(tc, test_slack_code_cannot_break_out);
	tcase_add_test(tc, test_textf_and_merge);
	tcase_add_test(tc, test_reset_reuses);
	tcase_add_test(tc, test_empty_blocks_skipped);
	tcase_add_test(tc, test_render_appends);
	tcase_add_test(tc, test_mentions);
	tcase_add_loop_test(tc, test_cut_len, 0, (int)(sizeof(cuts) / sizeof(cuts[0])));
	tcase_add_test(tc, test_limit_notes_per_dialect);
	tcase_add_test(tc, test_split_at_line_ends);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(reply_suite());
}
