/* bench_decisions.c - record and announce 10,000 decisions on a real file
 * in WAL mode.  Setup (timed apart): 10,000 complete nominations, each in
 * its own transaction (item, three fields, audit), spread over the modules.
 * Measured: each decision in its own transaction (decision row, item state,
 * roster event, audit, outbox row + delivery) followed by the roster sync,
 * then every announcement delivered through outbox_pump() to a counting
 * target (each marked done in its own write).  Goal: under 2 s.
 * Exit 1 when anything fails or the goal is missed. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "chatbot/bot/bot.h"
#include "chatbot/bot/config.h"
#include "chatbot/gov/gov.h"
#include "chatbot/roster/roster.h"

#define N 10000
#define GOAL_MS 2000.0

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of this process, in ms: the figure that does not depend on
 * how busy the machine is. */
static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int counting(void *arg, const struct outbox_entry *e, struct buf *error)
{
	(*(long *)arg)++;
	return OUTBOX_SENT;
}

static int field(struct store *s, long long id, const char *name, long long now)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO fields(item_id, name, text, by_id, at)"
				      " VALUES (?1, ?2, 'forty pull requests and many reviews', 'console:carol', ?3)");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	int rc = store_check(s, sqlite3_step(st), "field");
	sqlite3_reset(st);
	return rc;
}

/* The module groups of the roster: nominations go round them. */
static const char *modules[256];
static size_t nmodules;

static int nominate_one(struct govbot *bot, int i, long long now, long long *id)
{
	struct store *s = bot->store;
	char handle[32];
	snprintf(handle, sizeof(handle), "bench%05d", i);
	const char *grp = modules[(size_t)i % nmodules];
	struct gov_item it = { .kind = GOV_NOMINATE_MODULE, .subject = handle, .grp = (char *)grp,
			       .opened_by = "console:carol", .created_at = now };
	int rc = store_begin(s);
	if (rc == STORE_OK)
		rc = gov_item_insert(s, &it, id);
	if (rc == STORE_OK)
		rc = field(s, *id, "contributions", now);
	if (rc == STORE_OK)
		rc = field(s, *id, "interactions", now);
	if (rc == STORE_OK)
		rc = field(s, *id, "support", now);
	if (rc == STORE_OK)
		rc = store_audit(s, now, "console:carol", NULL, "nominate", *id, grp);
	if (rc == STORE_OK)
		rc = store_commit(s);
	else
		store_rollback(s);
	return rc;
}

static int decide_one(struct govbot *bot, int i, long long id, long long now)
{
	struct store *s = bot->store;
	char handle[32], title[64], body[160];
	snprintf(handle, sizeof(handle), "bench%05d", i);
	const char *grp = modules[(size_t)i % nmodules];
	struct gov_event ev = { "add", grp, NULL, handle };
	snprintf(title, sizeof(title), "Decision on nomination %lld: accepted", id);
	snprintf(body, sizeof(body), "@%s becomes a maintainer of %s. Decided by @ezyang. "
		 "Rationale: steady reviews.", handle, grp);
	struct gov_decision d = { .item_id = id, .state = "accepted", .by_id = "console:ed",
				  .by_handle = "ezyang", .rationale = "steady reviews", .title = title,
				  .body = body, .action = "decide", .events = &ev, .nevents = 1 };
	int rc = store_begin(s);
	if (rc == STORE_OK)
		rc = gov_record_decision(bot_gov(bot), &d, now, NULL);
	if (rc == STORE_OK)
		rc = store_commit(s);
	else
		store_rollback(s);
	if (rc == STORE_OK)
		rc = gov_roster_sync(bot_gov(bot));
	return rc;
}

int main(void)
{
	char dir[] = "/tmp/govbot-bench-XXXXXX";
	char path[64], err[256];
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/bench.sqlite3", dir);
	adapters_register();   /* as main.c does: the announce targets come from the adapters */
	struct govbot bot;
	memset(&bot, 0, sizeof(bot));
	bot.config = config_default();
	cJSON_Delete(bot.config->adapters);
	bot.config->adapters = cJSON_Parse("{\"console\": {}}");
	bot.base = roster_load_default();
	bot.roster = roster_clone(bot.base);
	int status = 1;
	if (store_open(path, &bot.store, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "bench_decisions: %s\n", err);
		goto cleanup;
	}
	for (size_t g = 0; g < bot.base->ngroups && nmodules < 256; g++)
		if (roster_group_is_module(bot.base, &bot.base->groups[g]))
			modules[nmodules++] = bot.base->groups[g].title;
	long long now = 1700000000;
	static long long ids[N];
	double t0 = now_ms();
	for (int i = 0; i < N; i++) {
		if (nominate_one(&bot, i, now, &ids[i]) != STORE_OK) {
			fprintf(stderr, "bench_decisions: nomination %d failed: %s\n", i, store_errmsg(bot.store));
			goto cleanup;
		}
	}
	double t1 = now_ms(), c1 = cpu_ms();
	for (int i = 0; i < N; i++) {
		if (decide_one(&bot, i, ids[i], now) != STORE_OK) {
			fprintf(stderr, "bench_decisions: decision %d failed: %s\n", i, store_errmsg(bot.store));
			goto cleanup;
		}
	}
	double t2 = now_ms();
	long delivered = 0;
	int offered = outbox_pump(bot.store, now, "console", counting, &delivered);
	double t3 = now_ms(), c3 = cpu_ms();
	long long left = store_count(bot.store, "SELECT count(*) FROM outbox_delivery WHERE state = 'pending'", 0);
	if (offered != N || delivered != N || left != 0) {
		fprintf(stderr, "bench_decisions: delivered %ld of %d (%lld left)\n", delivered, N, left);
		goto cleanup;
	}
	size_t active = 0;
	for (size_t m = 0; m < nmodules; m++)
		active += roster_group_active(gov_find_group(bot.roster, modules[m]));
	if (active < N) {
		fprintf(stderr, "bench_decisions: the roster lacks the accepted maintainers\n");
		goto cleanup;
	}
	double total = t3 - t1;
	printf("bench_decisions: setup: %d complete nominations, each its own transaction, in %.0f ms\n"
	       "bench_decisions: recorded %d decisions (each one transaction: decision, item state, "
	       "roster event, audit, outbox row; roster synced after each) in %.0f ms and announced "
	       "them through outbox_pump in %.0f ms: %.0f ms in all (goal < %.0f ms; WAL file), "
	       "%.0f ms of it CPU time\n",
	       N, t1 - t0, N, t2 - t1, t3 - t2, total, GOAL_MS, c3 - c1);
	status = total < GOAL_MS ? 0 : 1;
cleanup:
	store_close(bot.store);
	roster_free(bot.roster);
	roster_free(bot.base);
	config_free(bot.config);
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_decisions: cleanup of %s failed\n", dir);
	return status;
}
