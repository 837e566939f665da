/* fuzz_commands.c - libFuzzer target: the governance commands on a real
 * database.  fuzz_grammar runs without a store, so nominate, amend, decide,
 * propose, vote, ballot, link ... never reach their handlers there; here
 * they do, as a sequence, so one input can open an item and act on it.
 *
 * The input is split at 0x1e (a control character, which the dispatcher
 * would refuse anyway) into messages.  The first input byte picks the
 * dialect; the first byte of each message picks the caller (bits 0-2: an
 * unmapped user, the lead, core or module maintainers of the bundled
 * roster) and, with bit 7, moves the clock 15 days on first (deadlines).
 * The database (in a mkdtemp directory under /dev/shm, else /tmp) starts
 * afresh every 256 inputs, so item numbers stay small.  Besides crashes, it
 * aborts on a result outside enum cmd_result, an empty answer, or a
 * rendered reply that could notify a crowd. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chatbot/dispatch/dispatch.h"
#include "chatbot/util/log.h"
#include "commands/commands.h"
#include "adapters/adapter.h"
#include "tests/fuzz/fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char cfg[96];
static struct govbot bot;
static struct reply *reply;
static struct buf out;
static unsigned runs;

static const char config_text[] =
	"{ \"database\": \"fuzz.sqlite3\", \"identities\": {\n"
	"  \"soumith\": [\"console:soumith\"], \"ezyang\": [\"console:ed\"],\n"
	"  \"gchanan\": [\"console:greg\"], \"dzhulgakov\": [\"console:dz\"],\n"
	"  \"albanD\": [\"console:alban\"], \"jbschlosser\": [\"console:joel\"],\n"
	"  \"malfet\": [\"console:malfet\"] } }\n";

static void open_fresh(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -f '%s'/fuzz.sqlite3*", dir);
	if (system(cmd) != 0)
		abort();
	struct buf err = BUF_INIT;
	if (bot_open(&bot, cfg, BOT_OPEN_STORE, &err) < 0) {
		fprintf(stderr, "fuzz_commands: %s", buf_str(&err));
		abort();
	}
	buf_release(&err);
	bot.now_override = 1800000000LL;
}

/* At exit: the database directory goes away with the run. */
static void remove_dir(void)
{
	char cmd[96];
	bot_close(&bot);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_commands: could not remove %s\n", dir);
}

static void init(void)
{
	adapters_register();   /* the platforms identities may name, as main.c does */
	log_set_level(LOG_FATAL); /* refusals and busy retries are logged: keep quiet */
	snprintf(dir, sizeof(dir), "%s/govbot-fuzz-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(cfg, sizeof(cfg), "%s/govbot.json", dir);
	FILE *f = fopen(cfg, "w");
	if (!f)
		abort();
	fputs(config_text, f);
	fclose(f);
	open_fresh();
	atexit(remove_dir);
	reply = reply_new();
	buf_init(&out);
}

static void one(const uint8_t *msg, size_t len, enum reply_dialect d)
{
	static const char *const callers[] = { "console:fuzz", "console:soumith", "console:ed",
					       "console:greg", "console:dz", "console:alban",
					       "console:joel", "console:malfet" };
	if (len == 0)
		return;
	if (msg[0] & 0x80)
		bot.now_override += 15 * 86400;
	/* a copy of exactly the message, so any read past it is caught */
	char *text = malloc(len - 1 ? len - 1 : 1);
	memcpy(text, msg + 1, len - 1);
	struct dispatch_request req = { text, len - 1, callers[msg[0] & 7], "console:fuzz", false };
	fuzz_dispatch_checked(&bot, &req, reply, d, &out);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!reply)
		init();
	if (size == 0)
		return 0;
	if (++runs % 256 == 0) {
		bot_close(&bot);
		open_fresh();
	}
	enum reply_dialect d = (enum reply_dialect)(data[0] % 5);
	const uint8_t *p = data + 1, *end = data + size;
	while (p < end) {
		const uint8_t *sep = memchr(p, 0x1e, (size_t)(end - p));
		const uint8_t *stop = sep ? sep : end;
		one(p, (size_t)(stop - p), d);
		p = sep ? sep + 1 : end;
	}
	return 0;
}
