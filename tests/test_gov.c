/* test_gov.c - governance state below the commands: item numbers, required
 * fields, announce targets, decisions written in one transaction, and the
 * roster rebuilt from base + stored events (incrementally and in full). */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/bot/bot.h"
#include "chatbot/bot/config.h"
#include "chatbot/gov/gov.h"
#include "chatbot/roster/roster.h"
#include "tests/testutil.h"

static struct govbot bot;

static void setup(void)
{
	memset(&bot, 0, sizeof(bot));
	bot.config = config_default();
	bot.base = roster_load_default();
	bot.roster = roster_clone(bot.base);
	char err[128];
	ck_assert_int_eq(store_open(":memory:", &bot.store, err, sizeof(err)), STORE_OK);
	bot.now_override = 1000;
}

static void teardown(void)
{
	store_close(bot.store);
	roster_free(bot.roster);
	roster_free(bot.base);
	config_free(bot.config);
	memset(&bot, 0, sizeof(bot));
}

static long long count(const char *sql)
{
	return store_count(bot.store, sql, 0);
}

/* ---- numbers ------------------------------------------------------------- */

static const struct {
	const char *in;
	int rc;
	long long id;
	const char *rest;
} numbers[] = {
	{ "7", 0, 7, "" },
	{ "#12 accept fine", 0, 12, "accept fine" },
	{ "  3\n support: x", 0, 3, "support: x" },
	{ "x", -1, 0, NULL },
	{ "7x", -1, 0, NULL },
	{ "0", -1, 0, NULL },
	{ "-3", -1, 0, NULL },
	{ "", -1, 0, NULL },
	{ "99999999999999999999", -1, 0, NULL },
};

START_TEST(test_parse_number)
{
	long long id = 0;
	const char *rest = NULL;
	int rc = gov_parse_number(numbers[_i].in, &id, &rest);
	ck_assert_int_eq(rc, numbers[_i].rc);
	if (rc == 0) {
		ck_assert_int_eq(id, numbers[_i].id);
		ck_assert_str_eq(rest, numbers[_i].rest);
	}
}
END_TEST

/* ---- announce targets ---------------------------------------------------- */

static const struct {
	const char *adapters;   /* JSON, or NULL for none */
	const char *want;       /* targets joined by spaces */
} targets[] = {
	{ NULL, "console" },
	{ "{\"console\": {}}", "console" },
	{ "{\"slack\": {\"announce_channel\": \"C1\"}}", "slack" },
	{ "{\"slack\": {}}", "" },
	{ "{\"slack\": {\"announce_channel\": \"\"}}", "" },
	{ "{\"console\": {}, \"slack\": {\"announce_channel\": \"C1\"}, \"matrix\": {\"announce_room\": "
	  "\"!a:b\"}, \"discourse\": {\"announce_category_id\": 5}}", "console slack matrix discourse" },
	{ "{\"matrix\": {\"homeserver_url\": \"https://m\"}, \"discourse\": {\"announce_category_id\": 5}}",
	  "discourse" },
};

START_TEST(test_announce_targets)
{
	if (targets[_i].adapters) {
		cJSON_Delete(bot.config->adapters);
		bot.config->adapters = cJSON_Parse(targets[_i].adapters);
		ck_assert_ptr_nonnull(bot.config->adapters);
	}
	const char *t[GOV_MAX_TARGETS];
	size_t n = bot_announce_targets(bot.config, t, GOV_MAX_TARGETS);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_addf(&b, "%s%s", i ? " " : "", t[i]);
	ck_assert_str_eq(buf_str(&b), targets[_i].want);
	buf_release(&b);
}
END_TEST

/* ---- items, fields, decisions -------------------------------------------- */

static long long open_item(const char *kind, const char *subject, const char *grp, const char *text)
{
	struct gov_item it = { .kind = (char *)kind, .subject = (char *)subject, .grp = (char *)grp,
			       .text = (char *)text, .opened_by = "console:carol", .created_at = 1000 };
	long long id = 0;
	ck_assert_int_eq(store_begin(bot.store), STORE_OK);
	ck_assert_int_eq(gov_item_insert(bot.store, &it, &id), STORE_OK);
	ck_assert_int_eq(store_commit(bot.store), STORE_OK);
	return id;
}

START_TEST(test_one_sequence_and_fields)
{
	long long a = open_item(GOV_NOMINATE_MODULE, "alice", "NN APIs (torch.nn)", NULL);
	long long b = open_item(GOV_MOTION_CORE, NULL, GOV_CORE, "adopt a policy");
	long long c = open_item(GOV_REMOVE_MODULE, "albanD", "NN APIs (torch.nn)", "inactive");
	ck_assert_int_eq(a, 1);
	ck_assert_int_eq(b, 2);
	ck_assert_int_eq(c, 3);
	struct gov_item it;
	ck_assert_int_eq(gov_item_get(bot.store, a, &it), 1);
	ck_assert_str_eq(it.state, "open");
	ck_assert_str_eq(gov_item_noun(&it), "nomination");
	struct buf m = BUF_INIT;
	ck_assert_int_eq(gov_missing_fields(bot.store, &it, &m), 3);
	ck_assert_str_eq(buf_str(&m), "contributions, interactions, support");
	ck_assert_int_eq(store_execf(bot.store, "INSERT INTO fields(item_id, name, text, by_id, at)"
				     " VALUES (1, 'interactions', 'good', 'console:carol', 1)", 0), STORE_OK);
	buf_reset(&m);
	ck_assert_int_eq(gov_missing_fields(bot.store, &it, &m), 2);
	ck_assert_str_eq(buf_str(&m), "contributions, support");
	gov_item_release(&it);
	ck_assert_int_eq(gov_item_get(bot.store, c, &it), 1);
	ck_assert_int_eq(gov_missing_fields(bot.store, &it, NULL), 0);   /* the reason is there */
	ck_assert_str_eq(gov_item_noun(&it), "removal");
	gov_item_release(&it);
	ck_assert_int_eq(gov_item_get(bot.store, b, &it), 1);
	ck_assert(gov_kind_is_vote(it.kind));
	ck_assert_str_eq(gov_item_noun(&it), "motion");
	gov_item_release(&it);
	ck_assert_int_eq(gov_item_get(bot.store, 99, &it), 0);
	buf_release(&m);
}
END_TEST

static struct gov_decision decision(long long id, const struct gov_event *ev, size_t n)
{
	struct gov_decision d = { .item_id = id, .state = "accepted", .by_id = "console:ed",
				  .by_handle = "ezyang", .rationale = "why", .title = "T", .body = "B",
				  .events = ev, .nevents = n };
	return d;
}

START_TEST(test_record_decision_is_one_transaction)
{
	cJSON_Delete(bot.config->adapters);
	bot.config->adapters = cJSON_Parse("{\"console\": {}, \"slack\": {\"announce_channel\": \"C1\"}}");
	long long id = open_item(GOV_NOMINATE_MODULE, "alice", "NN APIs (torch.nn)", NULL);
	struct gov_event ev = { "add", "NN APIs (torch.nn)", "Alice A", "alice" };
	struct gov_decision d = decision(id, &ev, 1);
	/* rolled back: nothing at all */
	ck_assert_int_eq(store_begin(bot.store), STORE_OK);
	ck_assert_int_eq(gov_record_decision(bot_gov(&bot), &d, 2000, NULL), STORE_OK);
	store_rollback(bot.store);
	ck_assert_int_eq(count("SELECT count(*) FROM decisions") + count("SELECT count(*) FROM roster_events")
			 + count("SELECT count(*) FROM outbox") + count("SELECT count(*) FROM audit"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM items WHERE state = 'open'"), 1);
	/* committed: every row together */
	long long did = 0;
	ck_assert_int_eq(store_begin(bot.store), STORE_OK);
	ck_assert_int_eq(gov_record_decision(bot_gov(&bot), &d, 2000, &did), STORE_OK);
	ck_assert_int_eq(store_commit(bot.store), STORE_OK);
	ck_assert_int_eq(did, 1);
	ck_assert_int_eq(count("SELECT count(*) FROM items WHERE state = 'accepted' AND closed_at = 2000"
			       " AND result = 'accepted'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM roster_events WHERE decision_id = 1 AND op = 'add'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'decide' AND item_id = 1"
			       " AND detail = 'accepted; rationale: why'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE decision_id = 1"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_delivery WHERE state = 'pending'"), 2);
	/* a second close of the same item is refused */
	ck_assert_int_eq(store_begin(bot.store), STORE_OK);
	ck_assert_int_ne(gov_record_decision(bot_gov(&bot), &d, 3000, NULL), STORE_OK);
	store_rollback(bot.store);
	ck_assert_int_eq(count("SELECT count(*) FROM decisions"), 1);
}
END_TEST

static long long fixed_clock(void *arg)
{
	return *(long long *)arg;
}

/* Governance knows nothing of the config: a context of its own, with its
 * own targets, rosters and clock, is all it uses. */
START_TEST(test_context_alone)
{
	/* a config that would announce to console and slack: not consulted */
	cJSON_Delete(bot.config->adapters);
	bot.config->adapters = cJSON_Parse("{\"console\": {}, \"slack\": {\"announce_channel\": \"C1\"}}");
	struct roster *current = roster_clone(bot.base);
	const char *const tgts[] = { "alpha", "beta", "gamma" };
	long long now = 4242;
	struct gov_ctx g = {
		.store = bot.store, .base = bot.base, .current = &current,
		.targets = tgts, .ntargets = 3, .vote_days = 1,
		.now = fixed_clock, .now_arg = &now,
	};
	ck_assert_int_eq(gov_now(&g), 4242);
	long long id = open_item(GOV_NOMINATE_MODULE, "zed", "NN APIs (torch.nn)", NULL);
	struct gov_event ev = { "add", "NN APIs (torch.nn)", "Zed Z", "zed" };
	struct gov_decision d = decision(id, &ev, 1);
	ck_assert_int_eq(store_begin(bot.store), STORE_OK);
	ck_assert_int_eq(gov_record_decision(&g, &d, gov_now(&g), NULL), STORE_OK);
	ck_assert_int_eq(store_commit(bot.store), STORE_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_delivery WHERE target IN ('alpha', 'beta', 'gamma')"), 3);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_delivery"), 3);
	/* the roster it syncs is the one it was given, not the bot's */
	ck_assert_int_eq(gov_tick(&g), 0);
	ck_assert(roster_in_group(gov_find_group(current, "NN APIs (torch.nn)"), "zed", NULL));
	ck_assert(!roster_in_group(gov_find_group(bot.roster, "NN APIs (torch.nn)"), "zed", NULL));
	roster_free(current);
}
END_TEST

static void record(const char *kind, const char *subject, const char *grp, const struct gov_event *ev)
{
	long long id = open_item(kind, subject, grp, "r");
	struct gov_decision d = decision(id, ev, 1);
	ck_assert_int_eq(store_begin(bot.store), STORE_OK);
	ck_assert_int_eq(gov_record_decision(bot_gov(&bot), &d, 2000, NULL), STORE_OK);
	ck_assert_int_eq(store_commit(bot.store), STORE_OK);
}

START_TEST(test_roster_events_apply)
{
	const char *nn = "NN APIs (torch.nn)";
	const struct roster_group *g = gov_find_group(bot.roster, nn);
	ck_assert_ptr_nonnull(g);
	ck_assert_ptr_eq(gov_find_group(bot.roster, "nn apis (TORCH.NN)"), g);
	ck_assert_ptr_null(gov_find_group(bot.roster, "no such module"));
	struct gov_event add = { "add", nn, "Alice A", "alice" };
	record(GOV_NOMINATE_MODULE, "alice", nn, &add);
	ck_assert_int_eq(gov_roster_sync(bot_gov(&bot)), STORE_OK);
	ck_assert(roster_in_group(gov_find_group(bot.roster, nn), "alice", NULL));
	/* an emeritus maintainer nominated again becomes active again */
	struct gov_event back = { "add", nn, NULL, "apaszke" };
	record(GOV_NOMINATE_MODULE, "apaszke", nn, &back);
	struct gov_event em = { "emeritus", nn, NULL, "albanD" };
	record(GOV_REMOVE_MODULE, "albanD", nn, &em);
	struct gov_event core = { "add-core", NULL, "Alice A", "alice" };
	record(GOV_NOMINATE_CORE, "alice", GOV_CORE, &core);
	struct gov_event uncore = { "remove-core", NULL, NULL, "dzhulgakov" };
	record(GOV_REMOVE_CORE, "dzhulgakov", GOV_CORE, &uncore);
	struct gov_event stale = { "add", "A Module Renamed Since", NULL, "bob" };
	record(GOV_NOMINATE_MODULE, "bob", "A Module Renamed Since", &stale);
	ck_assert_int_eq(gov_roster_sync(bot_gov(&bot)), STORE_OK);
	ck_assert_int_eq(store_roster_mark(bot.store), 6);
	g = gov_find_group(bot.roster, nn);
	bool e = false;
	ck_assert(roster_in_group(g, "apaszke", &e));
	ck_assert(!roster_in_group(g, "albanD", &e));
	ck_assert(e);
	ck_assert(roster_is_core(bot.roster, "alice"));
	ck_assert(!roster_is_core(bot.roster, "dzhulgakov"));
	ck_assert_ptr_null(roster_find_person(bot.roster, "bob"));
	/* the base is untouched; a full rebuild gives the same roster */
	ck_assert(roster_in_group(gov_find_group(bot.base, nn), "albanD", NULL));
	struct buf inc = BUF_INIT, full = BUF_INIT;
	roster_write(bot.roster, ROSTER_FMT_MD, &inc);
	ck_assert_int_eq(gov_roster_rebuild(bot_gov(&bot)), STORE_OK);
	roster_write(bot.roster, ROSTER_FMT_MD, &full);
	ck_assert_str_eq(buf_str(&inc), buf_str(&full));
	buf_release(&inc);
	buf_release(&full);
	/* a store that went back (events gone) rebuilds from the base */
	ck_assert_int_eq(store_execf(bot.store, "DELETE FROM roster_events WHERE id > 1", 0), STORE_OK);
	ck_assert_int_eq(gov_roster_sync(bot_gov(&bot)), STORE_OK);
	ck_assert(roster_in_group(gov_find_group(bot.roster, nn), "albanD", NULL));
	ck_assert(roster_in_group(gov_find_group(bot.roster, nn), "alice", NULL));
	ck_assert(!roster_is_core(bot.roster, "alice"));
}
END_TEST

static int counting(void *arg, const struct outbox_entry *e, struct buf *error)
{
	(*(int *)arg)++;
	return OUTBOX_SENT;
}

/* What the host does once per pump: gov_tick, then each target's outbox. */
static int tick(const char *target, outbox_deliver_fn *fn, void *arg)
{
	gov_tick(bot_gov(&bot));
	return outbox_pump(bot.store, bot_now(&bot), target, fn, arg);
}

START_TEST(test_tick_syncs_and_pumps)
{
	struct gov_event add = { "add", "NN APIs (torch.nn)", NULL, "alice" };
	record(GOV_NOMINATE_MODULE, "alice", "NN APIs (torch.nn)", &add);
	int n = 0;
	bot.now_override = 1999;   /* the announcement is due from its decision's time */
	ck_assert_int_eq(tick("console", counting, &n), 0);
	bot.now_override = 2000;
	ck_assert_int_eq(tick("console", counting, &n), 1);
	ck_assert_int_eq(n, 1);
	ck_assert(roster_in_group(gov_find_group(bot.roster, "NN APIs (torch.nn)"), "alice", NULL));
	ck_assert_int_eq(tick("console", counting, &n), 0);
	ck_assert_int_eq(n, 1);
}
END_TEST

static Suite *gov_suite(void)
{
	Suite *su = suite_create("gov");
	TCase *tc = tcase_create("gov");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_parse_number, 0, (int)ARRAY_SIZE(numbers));
	tcase_add_loop_test(tc, test_announce_targets, 0, (int)ARRAY_SIZE(targets));
	tcase_add_test(tc, test_one_sequence_and_fields);
	tcase_add_test(tc, test_record_decision_is_one_transaction);
	tcase_add_test(tc, test_context_alone);
	tcase_add_test(tc, test_roster_events_apply);
	tcase_add_test(tc, test_tick_syncs_and_pumps);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	return tu_run_suite(gov_suite());
}
