/* grammar.c - see grammar.h.
 *
 * Three PCRE2 patterns, compiled and JIT-compiled once:
 *   prefix    a line that starts with /gov, !gov, @BOTNAME or BOTNAME: ;
 *   mention   @BOTNAME anywhere in a line, after a word boundary;
 *   question  the plain-word questions, one alternative each, in priority
 *             order.  Each alternative starts with (*MARK:cmd args) naming
 *             the command it means; a branch reset (?| ... ) makes group 1
 *             the argument the question carries ("torch.nn", "@alban").
 * To add a question: add an alternative to questions[] below and a case to
 * tests/test_grammar.c.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "chatbot/bot/grammar.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/util/log.h"
#include "chatbot/util/util.h"

struct grammar {
	char name[64];
	pcre2_code *prefix, *mention, *question;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
};

#define WS "[ \\t]"
/* A Matrix mention may carry the server: @govbot:example.org[:8448] */
#define MXID_SERVER "(?::[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+(?::[0-9]+)?)?"
#define HOW "how\\s+(?:do|can|does|would|should|is|are|was|were|could|to)\\b.*"

/* The questions, in priority order: the first that matches a whole line wins. */
static const char *const questions[] = {
	/* a person: who is @x, what is @x */
	"(*MARK:who)(?:who|what)(?:\\s+is|'s|\\s+are)\\s+(@[^\\s?!]+)",
	"(*MARK:who)(?:whois|tell\\s+me\\s+about)\\s+(@[^\\s?!]+)",
	"(*MARK:who)what\\s+(?:roles?|modules?)\\s+(?:does|do)\\s+(@[^\\s?!]+)\\s+(?:have|hold|maintain)",
	"(*MARK:who)what\\s+(?:does|do)\\s+(@[^\\s?!]+)\\s+(?:maintain|own|do)",
	/* is @x / is NAME ...: the `is` command reads the role */
	/* what does Natalia Gimelshein maintain? */
	"(*MARK:who)what\\s+(?:does|do)\\s+([A-Za-z][\\w.' -]*?)\\s+(?:maintain|own)",
	/* the lead */
	"(*MARK:lead)(?:who\\s+is|who's|whos)\\s+(?:the\\s+)?(?:bdfl|lead|leader|project\\s+lead|"
	"benevolent\\s+dictator)\\b(?!.*\\b(?:of|for)\\s)(?!\\s+maintainers?\\b).*",
	"(*MARK:who)who\\s+(?:is|are)\\s+(?:the\\s+)?leads?\\s+(?:of|for)\\s+(.+)",
	"(*MARK:lead)who\\s+leads\\b.*",
	/* who decides? who makes the decisions? */
	"(*MARK:process decides)who\\s+(?:decides|makes\\s+(?:the\\s+)?decisions|has\\s+the\\s+final\\s+say|"
	"is\\s+in\\s+charge|runs\\s+(?:the\\s+)?(?:project|pytorch))\\b.*",
	/* the core maintainers */
	"(*MARK:core)(?:who\\s+(?:are|is)|list|show(?:\\s+me)?|what\\s+are)\\s+(?:all\\s+)?(?:the\\s+)?"
	"core(?:\\s+(?:maintainers?|team|devs?|developers?))?",
	"(*MARK:core)who\\s+(?:is|are)\\s+(?:on|in)\\s+(?:the\\s+)?core(?:\\s+team)?",
	"(*MARK:core)(?:the\\s+)?core\\s+maintainers",
	/* the module list */
	"(*MARK:modules)(?:what|which)\\s+(?:modules|libraries)(?:\\s+(?:are\\s+there|exist|are\\s+listed|"
	"do\\s+you\\s+know|are\\s+known|does\\s+pytorch\\s+have))?",
	"(*MARK:modules)(?:list|show(?:\\s+me)?)\\s+(?:all\\s+)?(?:the\\s+)?(?:modules|libraries)",
	"(*MARK:modules)what\\s+are\\s+(?:all\\s+)?the\\s+(?:modules|libraries)",
	/* who maintains X */
	"(*MARK:who)who\\s+(?:maintains|owns|looks\\s+after|is\\s+responsible\\s+for|"
	"are\\s+(?:the\\s+)?(?:maintainers|owners)\\s+(?:of|for)|"
	"(?:is|are)\\s+(?:the\\s+)?(?:lead\\s+)?(?:maintainers?|owners?)\\s+(?:of|for)|"
	"can\\s+review|reviews|knows\\s+about|works\\s+on|"
	"(?:do|should|can)\\s+i\\s+(?:ask|talk\\s+to)\\s+about)\\s+(.+)",
	"(*MARK:who)(?:the\\s+)?(?:maintainers|owners)\\s+(?:of|for)\\s+(.+)",
	/* who is soumith? (one word: `who` tries a module, then a handle) */
	"(*MARK:help)(?:who|what)\\s+are\\s+you\\b.*",
	"(*MARK:who)(?:who\\s+is|who's|whos)\\s+((?:@|[A-Za-z0-9]).*)",
	/* how things work */
	"(*MARK:process lead)" HOW "\\b(?:lead|leader|bdfl)\\b.*",
	"(*MARK:process core)" HOW "\\b(?:nominate|propose|become|add|appoint|made|make)\\b.*\\bcore\\b.*",
	"(*MARK:process core)" HOW "\\bcore\\s+maintainers?\\s+(?:chosen|nominated|selected|appointed|added|made)\\b.*",
	"(*MARK:process modules)" HOW "\\b(?:add|adding|create|creating|propose|proposing|remove|removing|"
	"redefine|redefining|rename|split|merge|change|changing)\\s+(?:a\\s+|the\\s+)?(?:new\\s+)?"
	"(?:modules?|library|libraries|projects?|repos?|repositor(?:y|ies))\\b.*",
	"(*MARK:process modules)" HOW "\\b(?:modules?|libraries|projects)\\s+(?:added|removed|created|redefined)\\b.*",
	"(*MARK:process removal)" HOW "\\b(?:remove|removing|removed|removal|kick|demote|demoted|"
	"step\\s+down|stepping\\s+down|resign|retire|emeritus)\\b.*",
	"(*MARK:process decides)" HOW "\\b(?:decisions?|decided)\\b(?!.*\\b(?:lead|bdfl|core|modules?)\\b).*",
	"(*MARK:process become)" HOW "\\b(?:become|becoming|get\\s+to\\s+be)\\s+(?:an?\\s+)?(?:module\\s+)?"
	"maintainers?\\b(?!.*\\bcore\\b).*",
	"(*MARK:process nomination)" HOW "\\b(?:nominate|nominating|nominated|nominations?|"
	"become|becoming|get\\s+added|added\\s+as)\\b.*",
	"(*MARK:process motions)" HOW "\\b(?:vote|votes|voting|motions?|majority|proposals?)\\b.*",
	"(*MARK:process controversial)what\\s+happens\\s+(?:when|if)\\b.*\\b(?:disagree|disagreement|"
	"conflict|dispute|can't\\s+agree|cannot\\s+agree|don't\\s+agree)\\b.*",
	"(*MARK:process controversial)" HOW "\\b(?:disputes?|disagreements?|conflicts?|disagree|"
	"controversial|contentious)\\b.*",
	"(*MARK:process uncontroversial)what\\s+(?:is|counts\\s+as|are)\\s+(?:an?\\s+)?uncontroversial\\b.*",
	"(*MARK:process controversial)what\\s+(?:is|counts\\s+as|are)\\s+(?:an?\\s+)?controversial\\b.*",
	"(*MARK:process uncontroversial)" HOW "\\b(?:changes?|prs?|pull\\s+requests?)\\b.*"
	"\\b(?:approved|merged|landed|reviewed)\\b.*",
	"(*MARK:process)what\\s+(?:is|are)\\s+the\\s+(?:process|processes|rules|governance)\\b.*",
	"(*MARK:process company)(?:can|could|may|do|does)\\b.*\\b(?:company|companies|employer|corporations?|"
	"business|sponsors?)\\b.*\\b(?:buy|purchase|pay|get|have|fund)\\b.*",
	"(*MARK:process company)(?:can|could|may)\\b.*\\b(?:buy|purchase|pay\\s+for)\\b.*\\b(?:seat|influence|"
	"membership|a\\s+say|votes?|maintainership)\\b.*",
	"(*MARK:process license)(?:what|which)(?:\\s+is|'s)?\\s+(?:the\\s+|pytorch's\\s+|its\\s+)?licen[cs]e\\b.*",
	"(*MARK:process license)(?:what|which)\\s+licen[cs]e\\b.*",
	"(*MARK:process license)(?:is|how\\s+is)\\s+pytorch\\s+(?:open\\s+source|licen[cs]ed)\\b.*",
	"(*MARK:process foundation)(?:what|who)(?:\\s+is|'s|\\s+does)\\s+(?:the\\s+)?(?:pytorch\\s+)?foundation\\b.*",
	"(*MARK:process foundation)tell\\s+me\\s+about\\s+the\\s+(?:pytorch\\s+)?foundation\\b.*",
	"(*MARK:help)(?:what\\s+can\\s+you\\s+do|what\\s+do\\s+you\\s+do|how\\s+do\\s+i\\s+use\\s+"
	"(?:you|this|govbot)|what\\s+commands.*|commands)",
	/* any other question: `process` offers the nearest topics */
	"(*MARK:process)((?:how|what|why|when|where|which|can|could|does|do|should|may|will|would)\\b.*)",
};

static pcre2_code *compile(const char *pattern, const char *what)
{
	int err;
	PCRE2_SIZE at;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
				       PCRE2_CASELESS | PCRE2_DOLLAR_ENDONLY, &err, &at, NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(err, msg, sizeof(msg));
		log_error(NULL, "grammar: %s pattern at offset %zu: %s", what, (size_t)at, (char *)msg);
		return NULL;
	}
	/* JIT is an optimisation: without it (no JIT on this CPU) matching
	 * still works through the interpreter. */
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

static bool name_ok(const char *s)
{
	if (!*s || strlen(s) >= 64)
		return false;
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Appends the name with every non-alphanumeric byte escaped. */
static void add_quoted(struct buf *b, const char *name)
{
	for (const char *p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			buf_addc(b, '\\');
		buf_addc(b, *p);
	}
}

struct grammar *grammar_new(const char *bot_name)
{
	if (!bot_name || !*bot_name)
		bot_name = "govbot";
	if (bot_name[0] == '@')
		bot_name++;
	if (!name_ok(bot_name)) {
		log_error(NULL, "grammar: bot name must be letters, digits, '.', '_' or '-'");
		return NULL;
	}
	struct grammar *g = xcalloc(1, sizeof(*g));
	struct buf p = BUF_INIT;
	snprintf(g->name, sizeof(g->name), "%s", bot_name);

	/* line start: /gov !gov @NAME[:,] NAME[:,]; the prefix must end the word */
	buf_adds(&p, "^" WS "*(?:[/!]gov(?![^\\s:,])[:,]?|@");
	add_quoted(&p, bot_name);
	buf_adds(&p, MXID_SERVER "(?![^\\s:,])[:,]?|");
	add_quoted(&p, bot_name);
	buf_adds(&p, "[:,])" WS "*");
	g->prefix = compile(p.data, "prefix");

	buf_reset(&p);
	buf_adds(&p, "(?<![\\w@.+-])@");
	add_quoted(&p, bot_name);
	buf_adds(&p, MXID_SERVER "(?![\\w.-])[:,]?" WS "*");
	g->mention = compile(p.data, "mention");

	buf_reset(&p);
	buf_adds(&p, "^\\s*(?:(?:please|pls|hey|hi|hello)[\\s,]+)?(?|");
	for (size_t i = 0; i < ARRAY_SIZE(questions); i++) {
		if (i)
			buf_addc(&p, '|');
		buf_adds(&p, questions[i]);
	}
	buf_adds(&p, ")(?:[\\s,]+please)?[\\s?!.]*$");
	g->question = compile(p.data, "question");
	buf_release(&p);

	g->md = pcre2_match_data_create(4, NULL);
	g->mctx = pcre2_match_context_create(NULL);
	if (g->mctx)
		pcre2_set_match_limit(g->mctx, 200000);
	if (!g->prefix || !g->mention || !g->question || !g->md || !g->mctx) {
		grammar_free(g);
		return NULL;
	}
	return g;
}

void grammar_free(struct grammar *g)
{
	if (!g)
		return;
	pcre2_code_free(g->prefix);
	pcre2_code_free(g->mention);
	pcre2_code_free(g->question);
	pcre2_match_data_free(g->md);
	pcre2_match_context_free(g->mctx);
	free(g);
}

const char *grammar_bot_name(const struct grammar *g)
{
	return g->name;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Runs re on s[0..n); on a match returns true and the match's end offset. */
static bool match(struct grammar *g, pcre2_code *re, const char *s, size_t n, size_t *start,
		  size_t *end)
{
	int rc = pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, g->md, g->mctx);
	if (rc <= 0)
		return false;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(g->md);
	if (start)
		*start = ov[0];
	*end = ov[1];
	return true;
}

/* A cheap gate in front of the prefix pattern: a prefix starts with '/',
 * '!', '@' or the bot's name. */
static bool maybe_prefix(const struct grammar *g, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n)
		return false;
	char c = s[i];
	return c == '/' || c == '!' || c == '@' || ((c | 0x20) == (g->name[0] | 0x20));
}

/* Strips what a question may carry around its argument: "the ", a closing
 * "module"/"library", "please", and trailing punctuation. */
static void tidy_arg(const char **a, size_t *n)
{
	const char *s = *a;
	size_t len = *n;
	for (;;) {
		size_t before = len;
		while (len && (is_space(s[len - 1]) || s[len - 1] == '?' || s[len - 1] == '!' ||
			       s[len - 1] == '.' || s[len - 1] == ','))
			len--;
		static const char *const tails[] = { " please", " module", " library", " package" };
		for (size_t i = 0; i < ARRAY_SIZE(tails); i++) {
			size_t t = strlen(tails[i]);
			if (len > t && str_ieqn(s + len - t, tails[i], t))
				len -= t;
		}
		if (len == before)
			break;
	}
	if (len > 4 && str_ieqn(s, "the ", 4)) {
		s += 4;
		len -= 4;
	}
	*a = s;
	*n = len;
}

struct word {
	const char *s;
	size_t n;
};
#define W(x) { x, sizeof(x) - 1 }

/* Case-insensitive: is s[0..n) one of the words in list[0..count)? */
static bool word_in(const char *s, size_t n, const struct word *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (list[i].n == n && str_ieqn(s, list[i].s, n))
			return true;
	return false;
}

/* A cheap gate in front of the question pattern: every question starts
 * with one of these words (after an optional greeting), and "who" is a
 * question only before one of who_next.  Keep in step with questions[];
 * tests/test_grammar.c holds a case for every form. */
static bool maybe_question(const char *s, size_t n)
{
	static const struct word first[] = {
		W("who's"), W("whos"), W("what"), W("whois"), W("tell"), W("which"), W("list"),
		W("show"), W("the"), W("core"), W("maintainers"), W("owners"), W("how"), W("commands"),
		W("why"), W("when"), W("where"), W("can"), W("could"), W("does"), W("do"), W("should"),
		W("may"), W("will"), W("would"), W("is"),
		W("please"), W("please,"), W("pls"), W("hey"), W("hey,"), W("hi"), W("hi,"),
		W("hello"), W("hello,"),
	};
	static const struct word who_next[] = {
		W("is"), W("are"), W("leads"), W("maintains"), W("owns"), W("looks"), W("can"),
		W("do"), W("should"), W("reviews"), W("knows"), W("works"), W("decides"), W("makes"),
		W("has"), W("runs"),
	};
	size_t w = 0;
	while (w < n && !is_space(s[w]))
		w++;
	if (w == 3 && str_ieqn(s, "who", 3)) {
		while (w < n && is_space(s[w]))
			w++;
		size_t w2 = w;
		while (w2 < n && !is_space(s[w2]) && s[w2] != '?')
			w2++;
		return word_in(s + w, w2 - w, who_next, ARRAY_SIZE(who_next));
	}
	return word_in(s, w, first, ARRAY_SIZE(first));
}

/* The command line starts at s[0..n): a question, or WORD ARGS. */
static void parse_command(struct grammar *g, const char *s, size_t n, struct grammar_parse *out)
{
	while (n && is_space(*s)) {
		s++;
		n--;
	}
	while (n && is_space(s[n - 1]))
		n--;
	const char *nl = memchr(s, '\n', n);
	size_t line = nl ? (size_t)(nl - s) : n;

	out->cmd = s;
	out->cmd_len = 0;
	out->args = s + n;
	out->args_len = 0;
	if (!n)
		return;

	size_t end;
	if (maybe_question(s, line) && match(g, g->question, s, line, NULL, &end)) {
		const char *mark = (const char *)pcre2_get_mark(g->md);
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(g->md);
		out->question = true;
		if (!mark)
			mark = "help";
		const char *sp = strchr(mark, ' ');
		out->cmd = mark;
		out->cmd_len = sp ? (size_t)(sp - mark) : strlen(mark);
		if (pcre2_get_ovector_count(g->md) > 1 && ov[2] != PCRE2_UNSET) {
			out->args = s + ov[2];
			out->args_len = ov[3] - ov[2];
			tidy_arg(&out->args, &out->args_len);
		} else if (sp) {
			out->args = sp + 1;
			out->args_len = strlen(sp + 1);
		}
		return;
	}

	/* WORD ARGS...; a polite "please" in front is skipped */
	size_t w = 0;
	while (w < line && !is_space(s[w]))
		w++;
	if (w == 6 && str_ieqn(s, "please", 6) && w < line) {
		parse_command(g, s + w, n - w, out);
		return;
	}
	out->cmd = s;
	out->cmd_len = w;
	const char *a = s + w;
	size_t an = n - w;
	while (an && is_space(*a)) {
		a++;
		an--;
	}
	out->args = a;
	out->args_len = an;
}

bool grammar_parse(struct grammar *g, const char *text, size_t len, bool require_prefix,
		   struct grammar_parse *out)
{
	memset(out, 0, sizeof(*out));
	size_t end, start;
	while (len && is_space(*text)) {
		text++;
		len--;
	}

	/* Find the line that addresses the bot: the first one starting with a
	 * prefix, or (in rooms) the first that mentions @BOTNAME. */
	for (size_t at = 0; at <= len;) {
		const char *line = text + at;
		const char *nl = memchr(line, '\n', len - at);
		size_t n = nl ? (size_t)(nl - line) : len - at;
		if (maybe_prefix(g, line, n) && match(g, g->prefix, line, n, NULL, &end)) {
			out->addressed = true;
			parse_command(g, line + end, len - at - end, out);
			return true;
		}
		if (!require_prefix) {
			/* bare text: the whole message is the command */
			out->addressed = true;
			parse_command(g, text, len, out);
			return true;
		}
		if (memchr(line, '@', n) && match(g, g->mention, line, n, &start, &end)) {
			out->addressed = true;
			parse_command(g, line + end, len - at - end, out);
			return true;
		}
		if (!nl)
			break;
		at += n + 1;
	}
	return false;
}
