/*
 * main.c - the govbot binary: a table of verbs (run, ask, check-config,
 * export-roster, check-ownership), each parsing its own options.  Exit codes: 0 ok,
 * 1 refused/failed/bad config, 2 usage.
 */
#include "adapters/adapter.h"
#include "chatbot/bot/bot.h"
#include "chatbot/bot/config.h"
#include "chatbot/dispatch/dispatch.h"
#include "chatbot/host/host.h"
#include "chatbot/host/reload.h"
#include "chatbot/bot/identity.h"
#include "chatbot/util/log.h"
#include "chatbot/bot/reply.h"
#include "chatbot/roster/codeowners.h"
#include "chatbot/roster/lookup.h"
#include "chatbot/roster/roster.h"
#include "commands/commands.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef GOVBOT_VERSION
#define GOVBOT_VERSION "0.1.0"
#endif

#define EXIT_USAGE 2

static const char usage_text[] =
	"usage: govbot [run] [--config FILE]\n"
	"       govbot ask [--config FILE] [--as PLATFORM:ID] TEXT...\n"
	"       govbot check-config [--config FILE]\n"
	"       govbot export-roster [--config FILE] [--format md|rst|json]\n"
	"       govbot check-ownership [--config FILE]\n"
	"       govbot --help | --version\n"
	"every verb also takes --log-format text|json\n";

static const char help_text[] =
	"govbot answers questions about the project's maintainers and runs its\n"
	"governance process (nominations, decisions, votes) from chat.\n"
	"\n"
	"  run            run the bot on every adapter of the config (default;\n"
	"                 with no config: the console on the bundled roster)\n"
	"  ask TEXT...    run one command or question and print the reply;\n"
	"                 exit 0 answered, 1 refused or failed, 2 usage\n"
	"  check-config   validate the config and the roster, print every problem\n"
	"  export-roster  print the roster with decisions applied (md, rst or json)\n"
	"  check-ownership  compare the config's CODEOWNERS with the roster; exit 0\n"
	"                 when they agree, 1 when they differ, 2 on an error\n"
	"\n"
	"options:\n"
	"  --config FILE  the JSON config (else $GOVBOT_CONFIG, else built-in defaults)\n"
	"  --as ID        the caller of ask, e.g. console:soumith or slack:U0123\n"
	"  --format FMT   md (default), rst or json\n"
	"  --log-format F text (default: key=value, one line an event) or json (one\n"
	"                 object a line)\n"
	"\n"
	"SIGHUP re-reads the config and the roster; check-config says what a reload\n"
	"of the running bot would change.\n"
	"\n";

/* Options every verb may get; which ones a verb accepts is in its row. */
struct options {
	const char *config;
	const char *as;
	const char *format;
	char **rest;       /* ask: the TEXT words */
	int nrest;
};

enum { OPT_CONFIG = 1, OPT_AS = 2, OPT_FORMAT = 4, OPT_TEXT = 8 };

struct verb {
	const char *name;
	int (*run)(const struct options *o);
	unsigned opts;
};

static int usage(const char *fmt, const char *arg)
{
	if (fmt) {
		fputs("govbot: ", stderr);
		fprintf(stderr, fmt, arg);
		fputc('\n', stderr);
	}
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

/* Logs each line of problems as one error event, after prefix. */
static void log_lines(const char *prefix, const struct buf *problems)
{
	const char *s = buf_str(problems);
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		log_error(NULL, "%s%.*s", prefix, (int)n, s);
		s += n + (nl ? 1 : 0);
	}
}

static int open_bot(struct govbot *bot, const struct options *o, unsigned flags)
{
	struct buf err = BUF_INIT;
	int rc = bot_open(bot, o->config, flags, &err);
	if (rc < 0)
		log_lines("", &err);
	buf_release(&err);
	return rc;
}

/* A configured adapter this build does not have (Matrix and Discourse are
 * planned, not written yet): say so, and what would work. */
static void no_adapter(struct buf *problems, const char *name)
{
	buf_addf(problems, "adapters.%s: this build has no %s adapter yet (it is planned, not "
		 "implemented); remove adapters.%s to run the others\n", name, name, name);
}

/* ---- run ---- */

/* Every configured adapter must be in this build and have its secrets. */
static int check_adapters_ready(const struct config *c)
{
	struct buf problems = BUF_INIT;
	for (const cJSON *a = c->adapters ? c->adapters->child : NULL; a; a = a->next) {
		const struct adapter *ad = adapters_find(a->string);
		if (!ad || !ad->start)
			no_adapter(&problems, a->string);
	}
	config_missing_secrets(c, &problems);
	int rc = problems.len ? -1 : 0;
	if (rc < 0)
		log_lines("cannot start: ", &problems);
	buf_release(&problems);
	return rc;
}

static int verb_run(const struct options *o)
{
	struct govbot bot;
	if (open_bot(&bot, o, BOT_OPEN_STORE) < 0)
		return 1;
	if (check_adapters_ready(bot.config) < 0) {
		bot_close(&bot);
		return 1;
	}
	/* every adapter on the shared loop; see chatbot/host/host.h */
	int rc = host_run(&bot);
	bot_close(&bot);
	return rc;
}

/* ---- ask ---- */

static int verb_ask(const struct options *o)
{
	char caller[IDENTITY_MAX_ID + 16];
	struct govbot bot;
	struct buf text = BUF_INIT, out = BUF_INIT;
	int rc = 1;

	if (o->nrest == 0)
		return usage("ask needs the TEXT of a command or question", NULL);
	if (o->as) {
		if (!identity_valid(o->as))
			return usage("--as %s: not an identity (PLATFORM:ID, e.g. console:alice or slack:U0123)",
				     o->as);
		snprintf(caller, sizeof(caller), "%s", o->as);
	} else {
		identity_console_user(caller, sizeof(caller));
	}
	for (int i = 0; i < o->nrest; i++) {
		if (i)
			buf_addc(&text, ' ');
		buf_adds(&text, o->rest[i]);
	}
	if (open_bot(&bot, o, BOT_OPEN_STORE) < 0) {
		buf_release(&text);
		return 1;
	}
	struct reply *reply = reply_new();
	struct dispatch_request req = {
		.text = buf_str(&text), .len = text.len, .caller_id = caller, .place = "console",
		.require_prefix = false,
	};
	int result = dispatch_line(&bot, &req, reply);
	reply_render(reply, DIALECT_CONSOLE, &out);
	if (out.len) {
		fwrite(out.data, 1, out.len, stdout);
		if (out.data[out.len - 1] != '\n')
			fputc('\n', stdout);
	}
	rc = result == CMD_OK ? 0 : 1;
	if (fflush(stdout) != 0)
		rc = 1;
	reply_free(reply);
	bot_close(&bot);
	buf_release(&text);
	buf_release(&out);
	return rc;
}

/* ---- check-config ---- */

static size_t count_modules(const struct roster *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->ngroups; i++)
		if (roster_group_is_module(r, &r->groups[i]))
			n++;
	return n;
}

/* Mapped handles nobody in the roster has: likely typos (a warning, not a
 * problem: the person may join through a decision stored in the database). */
static void warn_unknown_handles(const struct config *c, const struct roster *r, struct buf *out)
{
	for (size_t i = 0; r && i < c->nidentities; i++) {
		const char *h = c->identities[i].handle;
		if (roster_find_person(r, h))
			continue;
		const char *best = NULL;
		size_t best_d = 3;
		for (size_t g = 0; g < r->ngroups; g++)
			for (size_t p = 0; p < r->groups[g].npeople; p++) {
				const char *other = r->groups[g].people[p].handle;
				size_t d = other ? str_edit_distance(h, other) : best_d;
				if (d < best_d) {
					best_d = d;
					best = other;
				}
			}
		buf_addf(out, "identities.%s: warning: no one in the roster has this handle", h);
		if (best)
			buf_addf(out, " (did you mean \"%s\"?)", best);
		buf_addc(out, '\n');
	}
}

/* What a SIGHUP of the bot running on this database would change. */
static void print_reload_preview(const struct config *c, const struct roster *r)
{
	struct buf preview = BUF_INIT;
	reload_preview(c, r, &preview);
	fwrite(buf_str(&preview), 1, preview.len, stdout);
	buf_release(&preview);
}

static int verb_check_config(const struct options *o)
{
	struct buf problems = BUF_INIT, names = BUF_INIT, warnings = BUF_INIT;
	struct config *c = NULL;
	struct roster *r = NULL;
	char msg[512];
	int rc = 1;

	config_load_partial(o->config, &c, &problems);
	if (c) {
		if (c->roster_path) {
			if (roster_load(c->roster_path, &r, msg, sizeof(msg)) < 0)
				buf_addf(&problems, "roster: %s\n", msg);
		} else {
			r = roster_load_default();
		}
		for (const cJSON *a = c->adapters ? c->adapters->child : NULL; a; a = a->next) {
			buf_addf(&names, "%s%s", names.len ? ", " : "", a->string);
			/* adapters the schema does not know were reported as unknown keys */
			const struct adapter *ad = adapters_find(a->string);
			if (ad && !ad->start)
				no_adapter(&problems, a->string);
		}
		if (c->adapters && !c->adapters->child)   /* `run` refuses to start then */
			buf_adds(&problems, "adapters: names no adapter, so `govbot run` has nothing to start; "
				 "add \"console\": {} (or leave the key out for the console alone)\n");
		config_missing_secrets(c, &problems);
		warn_unknown_handles(c, r, &warnings);
		if (c->aliases && r)   /* skipped when the bot runs; said here */
			lookup_aliases_check(r, c->aliases, "aliases", &warnings);
		struct codeowners *co = NULL;
		if (c->codeowners_path && codeowners_load(c->codeowners_path, &co, msg, sizeof(msg)) < 0)
			buf_addf(&problems, "codeowners: %s\n", msg);
		codeowners_free(co);
	}
	if (problems.len) {
		fwrite(problems.data, 1, problems.len, stdout);
		fwrite(buf_str(&warnings), 1, warnings.len, stdout);
		goto cleanup;
	}
	fwrite(buf_str(&warnings), 1, warnings.len, stdout);
	printf("config OK: %s; roster %s (%zu modules and libraries); adapters: %s; "
	       "%zu mapped handle%s; database %s\n",
	       c->path ? c->path : "built-in defaults",
	       c->roster_path ? c->roster_path : "bundled", count_modules(r),
	       names.len ? names.data : "none", c->nidentities, c->nidentities == 1 ? "" : "s",
	       c->database);
	print_reload_preview(c, r);
	rc = 0;
cleanup:
	roster_free(r);
	config_free(c);
	buf_release(&problems);
	buf_release(&names);
	buf_release(&warnings);
	return rc;
}

/* ---- export-roster ---- */

static int verb_export_roster(const struct options *o)
{
	enum roster_format fmt = ROSTER_FMT_MD;
	if (o->format) {
		if (strcmp(o->format, "md") == 0)
			fmt = ROSTER_FMT_MD;
		else if (strcmp(o->format, "rst") == 0)
			fmt = ROSTER_FMT_RST;
		else if (strcmp(o->format, "json") == 0)
			fmt = ROSTER_FMT_JSON;
		else
			return usage("--format %s: expected md, rst or json", o->format);
	}
	struct govbot bot;
	if (open_bot(&bot, o, BOT_OPEN_STORE) < 0)
		return 1;
	struct buf out = BUF_INIT;
	roster_write(bot.roster, fmt, &out);
	fwrite(out.data ? out.data : "", 1, out.len, stdout);
	int rc = fflush(stdout) == 0 ? 0 : 1;
	buf_release(&out);
	bot_close(&bot);
	return rc;
}

/* ---- check-ownership ---- */

static void print_handles(const char *label, const char *const *h, size_t n)
{
	if (!n)
		return;
	printf("  %s (%zu):", label, n);
	for (size_t i = 0; i < n; i++)
		printf(" @%s", h[i]);
	putchar('\n');
}

static int verb_check_ownership(const struct options *o)
{
	struct govbot bot;
	if (open_bot(&bot, o, 0) < 0)
		return EXIT_USAGE;
	if (!bot.codeowners) {
		log_error(NULL, "check-ownership: the config names no CODEOWNERS file; set \"codeowners\": "
			  "\"path/to/CODEOWNERS\"");
		bot_close(&bot);
		return EXIT_USAGE;
	}
	struct codeowners_report rep;
	size_t findings = codeowners_compare(bot.codeowners, bot.roster, NULL, &rep);
	size_t nrules = bot.codeowners->nrules, named = nrules - rep.unmapped;
	printf("CODEOWNERS %s: %zu rule%s; %zu name%s paths of %zu roster module%s, %zu name%s none\n",
	       bot.config->codeowners_path, nrules, nrules == 1 ? "" : "s", named, named == 1 ? "s" : "",
	       rep.nmodules, rep.nmodules == 1 ? "" : "s", rep.unmapped, rep.unmapped == 1 ? "s" : "");
	for (size_t i = 0; i < rep.nmodules; i++) {
		const struct codeowners_drift *d = &rep.modules[i];
		if (!(d->nstrangers + d->nidle + d->nemeritus))
			continue;
		printf("%s (%zu rule%s):\n", d->group->title, d->nrules, d->nrules == 1 ? "" : "s");
		print_handles("owners who are not its maintainers", d->strangers, d->nstrangers);
		print_handles("active maintainers owning none of its paths", d->idle, d->nidle);
		print_handles("emeritus maintainers still owners", d->emeritus, d->nemeritus);
	}
	if (rep.nunknown) {
		printf("handles unknown to the roster:\n");
		print_handles("owners", rep.unknown, rep.nunknown);
	}
	printf("%zu difference%s\n", findings, findings == 1 ? "" : "s");
	codeowners_report_release(&rep);
	bot_close(&bot);
	return fflush(stdout) == 0 ? (findings ? 1 : 0) : EXIT_USAGE;
}

static const struct verb verbs[] = {
	{ "run", verb_run, OPT_CONFIG },
	{ "ask", verb_ask, OPT_CONFIG | OPT_AS | OPT_TEXT },
	{ "check-config", verb_check_config, OPT_CONFIG },
	{ "export-roster", verb_export_roster, OPT_CONFIG | OPT_FORMAT },
	{ "check-ownership", verb_check_ownership, OPT_CONFIG },
};

/* "--config FILE" or "--config=FILE": returns the value and advances *i, or
 * NULL when argv[*i] is not that option. */
static const char *option_value(int argc, char **argv, int *i, const char *name, int *missing)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

static int parse_options(const struct verb *v, int argc, char **argv, int i, struct options *o)
{
	memset(o, 0, sizeof(*o));
	for (; i < argc; i++) {
		const char *a = argv[i], *val;
		int missing = 0;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if ((v->opts & OPT_CONFIG) && (val = option_value(argc, argv, &i, "--config", &missing)))
			o->config = val;
		else if ((v->opts & OPT_AS) && (val = option_value(argc, argv, &i, "--as", &missing)))
			o->as = val;
		else if ((v->opts & OPT_FORMAT) && (val = option_value(argc, argv, &i, "--format", &missing)))
			o->format = val;
		else if (missing)
			return usage("%s needs a value", a);
		else
			return usage("unknown option %s", a);
	}
	if (i < argc) {
		if (!(v->opts & OPT_TEXT))
			return usage("unexpected argument %s", argv[i]);
		o->rest = argv + i;
		o->nrest = argc - i;
	}
	if (o->config && !*o->config)
		return usage("--config needs a file name", NULL);
	return 0;
}

/* Takes "--log-format F" / "--log-format=F" out of argv wherever it is
 * (every verb accepts it) and applies it.  Returns 0, or the usage exit. */
static int take_log_format(int *argc, char **argv)
{
	for (int i = 1; i < *argc; i++) {
		const char *val = NULL;
		int drop = 1;
		enum log_format f;
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strncmp(argv[i], "--log-format=", 13) == 0) {
			val = argv[i] + 13;
		} else if (strcmp(argv[i], "--log-format") == 0) {
			if (i + 1 >= *argc)
				return usage("--log-format needs a value (text or json)", NULL);
			val = argv[i + 1];
			drop = 2;
		} else {
			continue;
		}
		if (log_parse_format(val, &f) < 0)
			return usage("--log-format %s: expected text or json", val);
		log_set_format(f);
		memmove(argv + i, argv + i + drop, (size_t)(*argc - i - drop + 1) * sizeof(*argv));
		*argc -= drop;
		i--;
	}
	return 0;
}

/* "prefix words." on stdout, wrapped at 72 columns. */
static void print_wrapped(const char *prefix, const char *words)
{
	size_t col = strlen(prefix);
	bool first = true;
	fputs(prefix, stdout);
	while (*words) {
		const char *sp = strchr(words, ' ');
		size_t n = sp ? (size_t)(sp - words) : strlen(words);
		if (!first) {
			bool wrap = col + 1 + n + 1 > 72;
			fputc(wrap ? '\n' : ' ', stdout);
			col = wrap ? 0 : col + 1;
		}
		fwrite(words, 1, n, stdout);
		col += n;
		first = false;
		words += n + (sp ? 1 : 0);
	}
	fputs(".\n", stdout);
}

int main(int argc, char **argv)
{
	const struct verb *v = &verbs[0];   /* run */
	int first = 1;
	struct options o;

	adapters_register();   /* the config layer learns the adapters' schemas */
	if (take_log_format(&argc, argv))
		return EXIT_USAGE;

	if (argc > 1) {
		const char *a = argv[1];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage_text, stdout);
			fputc('\n', stdout);
			fputs(help_text, stdout);
			struct buf secrets = BUF_INIT;
			adapters_secrets_help(&secrets);
			print_wrapped("Secrets come from the environment: ", buf_str(&secrets));
			buf_release(&secrets);
			return 0;
		}
		if (strcmp(a, "--version") == 0) {
			puts("govbot " GOVBOT_VERSION);
			return 0;
		}
		if (a[0] != '-') {
			v = NULL;
			for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
				if (strcmp(verbs[i].name, a) == 0)
					v = &verbs[i];
			if (!v)
				return usage("unknown verb %s", a);
			first = 2;
		}
	}
	int rc = parse_options(v, argc, argv, first, &o);
	if (rc)
		return rc;
	return v->run(&o);
}
