/* bench_dispatch.c - `who MODULE` through the whole dispatcher (validation,
 * grammar, lookup, reply, console rendering), rotating over every module
 * of the bundled roster and names as people type them (words, paths,
 * torch.x names, a name that fits several modules), on one core.  Goal:
 * 1,000,000 a second (exit 1 below it).
 *
 * Prints:
 *   dispatch: N commands/s
 *   dispatch: rss growth N KiB over 10000000 commands
 * Exits 1 when a command fails, so a broken build cannot bench well. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chatbot/bot/config.h"
#include "chatbot/dispatch/dispatch.h"
#include "chatbot/bot/grammar.h"
#include "chatbot/roster/roster.h"
#include "commands/commands.h"

#define RSS_COMMANDS 10000000L
/* GOVBOT_BENCH_QUICK=1 (profiling under valgrind): 100,000 commands each phase. */
static long rss_commands = RSS_COMMANDS;
static long long min_cpu_ms = 2000;

/* CPU time of this process in ms: on a shared machine, the work done per
 * second of CPU is what the code costs; wall time is printed alongside. */
static long long cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Resident memory in KiB from /proc/self/statm: all of it, and the part not
 * backed by files (heap, stacks: what a leak would grow). */
static int rss_kib(long *total, long *anon)
{
	long size = 0, resident = 0, shared = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return -1;
	int n = fscanf(f, "%ld %ld %ld", &size, &resident, &shared);
	fclose(f);
	if (n != 3)
		return -1;
	long kib = sysconf(_SC_PAGESIZE) / 1024;
	*total = resident * kib;
	*anon = (resident - shared) * kib;
	return 0;
}

struct bench {
	struct govbot bot;
	struct reply *reply;
	struct buf out;
	char **lines;
	size_t *lens;
	size_t nlines;
	size_t bytes; /* rendered, so the work cannot be optimised away */
};

static int run(struct bench *b, long count)
{
	struct dispatch_request req = { NULL, 0, "console:bench", NULL, false };
	for (long i = 0; i < count; i++) {
		size_t k = (size_t)i % b->nlines;
		req.text = b->lines[k];
		req.len = b->lens[k];
		int rc = dispatch_line(&b->bot, &req, b->reply);
		if (rc != CMD_OK) {
			fprintf(stderr, "dispatch: '%s' failed (%d)\n", b->lines[k], rc);
			return -1;
		}
		buf_reset(&b->out);
		reply_render(b->reply, DIALECT_CONSOLE, &b->out);
		b->bytes += b->out.len;
	}
	return 0;
}

int main(void)
{
	struct bench b;
	memset(&b, 0, sizeof(b));
	const char *quick = getenv("GOVBOT_BENCH_QUICK");
	if (quick && *quick == '1') {
		rss_commands = 100000;
		min_cpu_ms = 1;
	}
	b.bot.config = config_default();
	b.bot.base = roster_load_default();
	b.bot.roster = roster_clone(b.bot.base);
	b.bot.grammar = grammar_new(NULL);
	b.reply = reply_new();
	buf_init(&b.out);
	if (!b.bot.grammar)
		return 1;

	/* one `who` line per module, by its first alias or its heading */
	const struct roster *r = b.bot.roster;
	b.lines = xcalloc(r->ngroups, sizeof(char *));
	b.lens = xcalloc(r->ngroups, sizeof(size_t));
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct roster_group *g = &r->groups[i];
		if (!roster_group_is_module(r, g))
			continue;
		struct buf line = BUF_INIT;
		buf_addf(&line, "who %s", g->naliases ? g->aliases[0] : g->title);
		b.lens[b.nlines] = line.len;
		b.lines[b.nlines++] = buf_detach(&line);
	}
	/* and the names people type: words, paths, torch.x names, several modules */
	static const char *const typed[] = {
		"who fx", "who triton", "who torch/fx/graph.py", "who torch/_inductor/codecache.py",
		"who torch.multiprocessing", "who inductor", "who pt2", "who the C++ API",
		"who torch/nn/functional.py", "who aten/src/ATen/native/mps/Copy.mm",
	};
	b.lines = xrealloc(b.lines, (b.nlines + ARRAY_SIZE(typed)) * sizeof(char *));
	b.lens = xrealloc(b.lens, (b.nlines + ARRAY_SIZE(typed)) * sizeof(size_t));
	for (size_t i = 0; i < ARRAY_SIZE(typed); i++) {
		b.lens[b.nlines] = strlen(typed[i]);
		b.lines[b.nlines++] = xstrdup(typed[i]);
	}
	if (!b.nlines) {
		fprintf(stderr, "dispatch: the bundled roster has no modules\n");
		return 1;
	}

	/* throughput: at least 2 s */
	if (run(&b, 10000) < 0)
		return 1;
	long done = 0;
	long long t0 = cpu_ms(), w0 = time_mono_ms(), t1;
	do {
		if (run(&b, 100000) < 0)
			return 1;
		done += 100000;
		t1 = cpu_ms();
	} while (t1 - t0 < min_cpu_ms);
	long long wall = time_mono_ms() - w0;
	double per_s = (double)done * 1000.0 / (double)(t1 - t0);
	printf("dispatch: %.0f commands/s (%ld commands in %lld ms of CPU, %lld ms wall; %zu queries)\n",
	       per_s, done, t1 - t0, wall, b.nlines);
	fflush(stdout);
	/* the goal: a million `who` a second on one core, reply rendered */
	if (per_s < 1000000.0 && !(quick && *quick == '1')) {
		fprintf(stderr, "dispatch: below the goal of 1,000,000 commands/s\n");
		return 1;
	}

	/* memory: RSS before and after 10 million more */
	long before = 0, before_anon = 0, after = 0, after_anon = 0;
	rss_kib(&before, &before_anon);
	if (run(&b, rss_commands) < 0)
		return 1;
	rss_kib(&after, &after_anon);
	/* growth is measured on anonymous memory (heap, stacks), which is what a
	 * leak grows; file-backed pages (code of shared libraries faulted in
	 * late) are shown in the total alone */
	printf("dispatch: rss growth %ld KiB over %ld commands (heap and stacks %ld -> %ld KiB; "
	       "total rss %ld -> %ld KiB)\n", after_anon - before_anon, rss_commands, before_anon,
	       after_anon, before, after);
	fprintf(stderr, "dispatch: rendered %zu bytes\n", b.bytes);

	for (size_t i = 0; i < b.nlines; i++)
		free(b.lines[i]);
	free(b.lines);
	free(b.lens);
	buf_release(&b.out);
	reply_free(b.reply);
	grammar_free(b.bot.grammar);
	roster_free(b.bot.roster);
	roster_free(b.bot.base);
	config_free(b.bot.config);
	return 0;
}
