/*
 * config.c - see config.h.
 *
 * The file is parsed with cJSON, then walked once against the schema below.
 * Every problem becomes one line "json.path: message"; the walk never stops
 * at the first one, so check-config can show them all.
 */
#include "chatbot/bot/config.h"
#include "chatbot/gov/notice.h"
#include "chatbot/roster/lookup.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_BYTES (1u << 20)
#define VOTE_DAYS_MAX 3650

/* The platforms of this build (config_set_platforms). */
static const struct config_platform *platforms;
static size_t nplatforms;

void config_set_platforms(const struct config_platform *p, size_t n)
{
	platforms = p;
	nplatforms = n;
}

const struct config_platform *config_platform_nth(size_t i)
{
	return i < nplatforms ? &platforms[i] : NULL;
}

bool config_mention_word_start(const char *text, const char *p)
{
	return p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '@' || p[-1] == '.');
}

const struct config_platform *config_platform(const char *name, size_t n)
{
	for (size_t i = 0; name && i < nplatforms; i++)
		if (strlen(platforms[i].name) == n && str_ieqn(name, platforms[i].name, n))
			return &platforms[i];
	return NULL;
}

static const char *const root_keys[] = {
	"roster", "database", "bot_name", "http", "adapters", "identities", "governance", "aliases",
	"codeowners", NULL,
};
static const char *const http_keys[] = { "listen", NULL };
static const char *const governance_keys[] = { "vote_days", "nomination_days", "agenda_digest",
						NULL };

/* The walk's state: where problems go. */
struct check {
	struct buf *problems;
	size_t count;
};

static void problem(struct check *ck, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct check *ck, const char *path, const char *fmt, ...)
{
	va_list ap;
	buf_adds(ck->problems, path && *path ? path : "(root)");
	buf_adds(ck->problems, ": ");
	va_start(ap, fmt);
	buf_vaddf(ck->problems, fmt, ap);
	va_end(ap);
	buf_addc(ck->problems, '\n');
	ck->count++;
}

/* "adapters" + "slack" -> "adapters.slack"; caller frees. */
static char *path_join(const char *parent, const char *key)
{
	struct buf b = BUF_INIT;
	if (parent && *parent)
		buf_addf(&b, "%s.%s", parent, key);
	else
		buf_adds(&b, key);
	return buf_detach(&b);
}

static char *path_index(const char *parent, int i)
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "%s[%d]", parent, i);
	return buf_detach(&b);
}

static bool looks_secret(const char *key)
{
	static const char *const words[] = { "token", "secret", "password", "api_key", "apikey", "passwd" };
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		size_t n = strlen(words[i]);
		for (const char *p = key; *p; p++)
			if (str_ieqn(p, words[i], n))
				return true;
	}
	return false;
}

static void unknown_key(struct check *ck, const char *parent, const char *key,
			const char *const *known, const char *const *secrets)
{
	char *path = path_join(parent, key);
	if (looks_secret(key)) {
		struct buf env = BUF_INIT;
		for (size_t i = 0; secrets && secrets[i]; i++)
			buf_addf(&env, "%s%s", i ? ", " : "", secrets[i]);
		problem(ck, path, "unknown key; secrets are never read from the file: set %s in the environment",
			env.len ? env.data : "the adapter's variables");
		buf_release(&env);
		free(path);
		return;
	}
	const char *best = NULL;
	size_t best_d = 3;
	for (size_t i = 0; known && known[i]; i++) {
		size_t d = str_edit_distance(key, known[i]);
		if (d < best_d) {
			best_d = d;
			best = known[i];
		}
	}
	if (best)
		problem(ck, path, "unknown key (did you mean \"%s\"?)", best);
	else
		problem(ck, path, "unknown key");
	free(path);
}

/* Flags every key of obj that appears twice. */
static void check_duplicates(struct check *ck, const char *parent, const cJSON *obj)
{
	for (const cJSON *a = obj->child; a; a = a->next)
		for (const cJSON *b = obj->child; b != a; b = b->next)
			if (a->string && b->string && strcmp(a->string, b->string) == 0) {
				char *path = path_join(parent, a->string);
				problem(ck, path, "duplicate key");
				free(path);
				break;
			}
}

static bool has_space_or_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s == 0x7f)
			return true;
	return false;
}

static bool valid_url(const char *s)
{
	const char *host;
	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return false;
	if (!*host || *host == '/' || *host == ':' || has_space_or_control(s))
		return false;
	return true;
}

/* "server" part of a Matrix id: non-empty, printable, no spaces. */
static bool matrix_id(const char *s, char sigil)
{
	if (s[0] != sigil || !s[1] || s[1] == ':' || has_space_or_control(s))
		return false;
	const char *colon = strchr(s + 1, ':');
	return colon && colon[1];
}

static bool integral(const cJSON *v, long long lo, long long hi, long long *out)
{
	if (!cJSON_IsNumber(v))
		return false;
	double d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < (double)lo || d > (double)hi)
		return false;
	*out = (long long)d;
	return true;
}

/* Checks one value against its kind. */
static void check_value(struct check *ck, const char *path, const cJSON *v, enum config_kind kind)
{
	long long n;
	if (kind == CONFIG_BOOL) {
		if (!cJSON_IsBool(v))
			problem(ck, path, "expected true or false");
		return;
	}
	if (kind == CONFIG_POSINT) {
		if (!cJSON_IsNumber(v))
			problem(ck, path, "expected an integer");
		else if (!integral(v, 1, 2147483647LL, &n))
			problem(ck, path, "expected a whole number of at least 1");
		return;
	}
	if (kind == CONFIG_ROOM_LIST) {
		if (!cJSON_IsArray(v)) {
			problem(ck, path, "expected an array of room ids");
			return;
		}
		int i = 0;
		for (const cJSON *e = v->child; e; e = e->next, i++) {
			char *p = path_index(path, i);
			check_value(ck, p, e, CONFIG_MATRIX_ROOM);
			free(p);
		}
		return;
	}
	if (!cJSON_IsString(v)) {
		problem(ck, path, "expected a string");
		return;
	}
	const char *s = v->valuestring;
	if (!*s) {
		problem(ck, path, "must not be empty");
		return;
	}
	if (!utf8_valid(s, strlen(s)) || str_has_controls(s, strlen(s))) {
		problem(ck, path, "has control characters or invalid UTF-8");
		return;
	}
	switch (kind) {
	case CONFIG_URL:
		if (!valid_url(s))
			problem(ck, path, "not a URL");
		break;
	case CONFIG_MATRIX_USER:
		if (!matrix_id(s, '@'))
			problem(ck, path, "not a Matrix user id (@user:server)");
		break;
	case CONFIG_MATRIX_ROOM:
		if (!matrix_id(s, '!') && !matrix_id(s, '#'))
			problem(ck, path, "not a Matrix room (!id:server or #alias:server)");
		break;
	case CONFIG_HTTP_PATH:
		if (s[0] != '/' || has_space_or_control(s))
			problem(ck, path, "not a path starting with /");
		break;
	default:
		break;
	}
}

/* The platform named exactly name (the config's keys are case-sensitive). */
static const struct config_platform *find_spec(const char *name)
{
	for (size_t i = 0; name && i < nplatforms; i++)
		if (strcmp(platforms[i].name, name) == 0)
			return &platforms[i];
	return NULL;
}

/* A string that is one of choices ("webhook|poll"). */
static void check_choice(struct check *ck, const char *path, const cJSON *v, const char *choices)
{
	const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
	size_t n = s ? strlen(s) : 0;

	for (const char *c = choices; s && n && c && *c;) {
		const char *bar = strchr(c, '|');
		size_t len = bar ? (size_t)(bar - c) : strlen(c);
		if (len == n && memcmp(c, s, n) == 0)
			return;
		c = bar ? bar + 1 : NULL;
	}
	struct buf want = BUF_INIT;
	for (const char *c = choices; c && *c; c++)
		buf_adds(&want, *c == '|' ? "\" or \"" : (char[]){ *c, 0 });
	problem(ck, path, "expected \"%s\"", buf_str(&want));
	buf_release(&want);
}

static void check_adapter(struct check *ck, const struct config_platform *spec, const cJSON *section)
{
	char *base = path_join("adapters", spec->name);
	if (!cJSON_IsObject(section)) {
		problem(ck, base, "expected an object");
		free(base);
		return;
	}
	check_duplicates(ck, base, section);
	const char *known[16];
	size_t nk = 0;
	for (const struct config_key *k = spec->keys; k && k->name && nk + 1 < ARRAY_SIZE(known); k++)
		known[nk++] = k->name;
	known[nk] = NULL;

	for (const cJSON *item = section->child; item; item = item->next) {
		const struct config_key *k = spec->keys;
		while (k && k->name && strcmp(k->name, item->string) != 0)
			k++;
		if (!k || !k->name) {
			unknown_key(ck, base, item->string, known, spec->secrets);
			continue;
		}
		char *path = path_join(base, k->name);
		if (k->kind == CONFIG_CHOICE)
			check_choice(ck, path, item, k->dflt);
		else
			check_value(ck, path, item, k->kind);
		free(path);
	}
	for (const struct config_key *k = spec->keys; k && k->name; k++)
		if (k->required && !cJSON_GetObjectItemCaseSensitive(section, k->name)) {
			char *path = path_join(base, k->name);
			problem(ck, path, "missing (the %s adapter needs it)", spec->name);
			free(path);
		}
	free(base);
}

static void check_adapters(struct check *ck, const cJSON *adapters)
{
	if (!cJSON_IsObject(adapters)) {
		problem(ck, "adapters", "expected an object");
		return;
	}
	check_duplicates(ck, "adapters", adapters);
	const char **known = xcalloc(nplatforms + 1, sizeof(*known));
	for (size_t i = 0; i < nplatforms; i++)
		known[i] = platforms[i].name;
	for (const cJSON *a = adapters->child; a; a = a->next) {
		const struct config_platform *spec = find_spec(a->string);
		if (spec)
			check_adapter(ck, spec, a);
		else
			unknown_key(ck, "adapters", a->string, known, NULL);
	}
	free(known);
}

/* Gives every absent key with a default its value, in each known section. */
static void apply_defaults(cJSON *adapters)
{
	for (cJSON *a = adapters->child; a; a = a->next) {
		const struct config_platform *spec = find_spec(a->string);
		if (!spec || !cJSON_IsObject(a))
			continue;
		for (const struct config_key *k = spec->keys; k && k->name; k++) {
			if (!k->dflt || cJSON_GetObjectItemCaseSensitive(a, k->name))
				continue;
			if (k->kind == CONFIG_CHOICE) {
				const char *bar = strchr(k->dflt, '|');
				char *first = xstrndup(k->dflt, bar ? (size_t)(bar - k->dflt) : strlen(k->dflt));
				cJSON_AddStringToObject(a, k->name, first);
				free(first);
			} else {
				cJSON_AddStringToObject(a, k->name, k->dflt);
			}
		}
	}
}

static bool valid_handle(const char *h)
{
	size_t n = strlen(h);
	if (n == 0 || n > 39)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)h[i]) && h[i] != '-' && h[i] != '_' && h[i] != '.')
			return false;
	return true;
}

/* Checks "identities" and fills c->identities with the valid entries. */
static void read_identities(struct check *ck, const cJSON *ids, struct config *c)
{
	if (!cJSON_IsObject(ids)) {
		problem(ck, "identities", "expected an object (handle: [\"PLATFORM:ID\", ...])");
		return;
	}
	size_t n = (size_t)cJSON_GetArraySize(ids);
	c->identities = xcalloc(n ? n : 1, sizeof(*c->identities));
	for (const cJSON *h = ids->child; h; h = h->next) {
		char *path = path_join("identities", h->string);
		bool ok = true;
		if (!valid_handle(h->string)) {
			problem(ck, path, "not a GitHub handle");
			ok = false;
		}
		for (size_t i = 0; i < c->nidentities; i++)
			if (str_ieq(c->identities[i].handle, h->string)) {
				problem(ck, path, "the same handle as identities.%s (handles ignore case)",
					c->identities[i].handle);
				ok = false;
			}
		if (!cJSON_IsArray(h)) {
			problem(ck, path, "expected an array of identities (PLATFORM:ID)");
			free(path);
			continue;
		}
		struct config_identity ent = { xstrdup(h->string), NULL, 0 };
		ent.ids = xcalloc((size_t)cJSON_GetArraySize(h) + 1, sizeof(char *));
		int idx = 0;
		for (const cJSON *e = h->child; e; e = e->next, idx++) {
			char *epath = path_index(path, idx);
			if (!cJSON_IsString(e)) {
				problem(ck, epath, "expected a string");
			} else if (!config_id_valid(e->valuestring)) {
				problem(ck, epath, "not an identity (PLATFORM:ID)");
			} else {
				const char *owner = NULL;
				for (size_t i = 0; i < c->nidentities && !owner; i++)
					for (size_t j = 0; j < c->identities[i].nids; j++)
						if (config_id_equal(c->identities[i].ids[j], e->valuestring))
							owner = c->identities[i].handle;
				for (size_t j = 0; j < ent.nids && !owner; j++)
					if (config_id_equal(ent.ids[j], e->valuestring))
						owner = ent.handle;
				if (owner)
					problem(ck, epath, "%s is already mapped to %s", e->valuestring, owner);
				else
					ent.ids[ent.nids++] = xstrdup(e->valuestring);
			}
			free(epath);
		}
		if (ok) {
			c->identities[c->nidentities++] = ent;
		} else {
			for (size_t j = 0; j < ent.nids; j++)
				free(ent.ids[j]);
			free(ent.ids);
			free(ent.handle);
		}
		free(path);
	}
}

/* value resolved against dir (NULL: the current directory); caller frees. */
static char *resolve(const char *dir, const char *value)
{
	if (!dir || value[0] == '/')
		return xstrdup(value);
	struct buf b = BUF_INIT;
	buf_addf(&b, "%s/%s", dir, value);
	return buf_detach(&b);
}

static bool valid_listen(const char *s)
{
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s || has_space_or_control(s))
		return false;
	if (s[0] == '[' && colon[-1] != ']')
		return false;
	const char *p = colon + 1;
	if (!*p || strlen(p) > 5)
		return false;
	long port = 0;
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
		port = port * 10 + (*p - '0');
	}
	return port >= 1 && port <= 65535;
}

static void read_http(struct check *ck, const cJSON *http, struct config *c)
{
	if (!cJSON_IsObject(http)) {
		problem(ck, "http", "expected an object");
		return;
	}
	check_duplicates(ck, "http", http);
	for (const cJSON *k = http->child; k; k = k->next) {
		if (strcmp(k->string, "listen") != 0) {
			unknown_key(ck, "http", k->string, http_keys, NULL);
			continue;
		}
		if (!cJSON_IsString(k))
			problem(ck, "http.listen", "expected a string");
		else if (!valid_listen(k->valuestring))
			problem(ck, "http.listen", "not HOST:PORT (e.g. 127.0.0.1:8088)");
		else {
			free(c->http_listen);
			c->http_listen = xstrdup(k->valuestring);
		}
	}
}

static void read_governance(struct check *ck, const cJSON *gov, struct config *c)
{
	if (!cJSON_IsObject(gov)) {
		problem(ck, "governance", "expected an object");
		return;
	}
	check_duplicates(ck, "governance", gov);
	for (const cJSON *k = gov->child; k; k = k->next) {
		long long n;
		if (strcmp(k->string, "nomination_days") == 0) {
			if (!cJSON_IsNumber(k) || !integral(k, 1, 3650, &n))
				problem(ck, "governance.nomination_days", "expected a whole number of days "
					"from 1 to 3650 (default %d, one quarter)", CONFIG_DEFAULT_NOMINATION_DAYS);
			else
				c->nomination_days = (int)n;
			continue;
		}
		if (strcmp(k->string, "agenda_digest") == 0) {
			struct notice_schedule sched;
			char msg[256];
			if (!cJSON_IsString(k))
				problem(ck, "governance.agenda_digest", "expected a string such as "
					"\"monday 09:00 UTC every 13 weeks\"");
			else if (notice_schedule_parse(k->valuestring, &sched, msg, sizeof(msg)) < 0)
				problem(ck, "governance.agenda_digest", "%s", msg);
			else {
				free(c->agenda_digest);
				c->agenda_digest = xmalloc(sizeof(sched));
				*c->agenda_digest = sched;
			}
			continue;
		}
		if (strcmp(k->string, "vote_days") != 0)
			unknown_key(ck, "governance", k->string, governance_keys, NULL);
		else if (!cJSON_IsNumber(k))
			problem(ck, "governance.vote_days", "expected an integer");
		else if (!integral(k, 1, VOTE_DAYS_MAX, &n))
			problem(ck, "governance.vote_days", "expected a whole number of days from 1 to %d",
				VOTE_DAYS_MAX);
		else
			c->vote_days = (int)n;
	}
}

static bool valid_bot_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

/* A path-valued root key ("roster", "database"): resolved into *slot. */
static void read_path(struct check *ck, const char *key, const cJSON *v, const char *dir, char **slot)
{
	if (!cJSON_IsString(v)) {
		problem(ck, key, "expected a string (a file path)");
		return;
	}
	if (!*v->valuestring) {
		problem(ck, key, "must not be empty");
		return;
	}
	if (str_has_controls(v->valuestring, strlen(v->valuestring))) {
		problem(ck, key, "has control characters");
		return;
	}
	free(*slot);
	*slot = resolve(dir, v->valuestring);
}

/* "aliases": {"pt2": ["TorchDynamo", "TorchInductor"]} (chatbot/roster/lookup.h). */
static void read_aliases(struct check *ck, const cJSON *v, struct config *c)
{
	size_t before = ck->problems->len;
	struct lookup_aliases *a = lookup_aliases_from_json(v, "aliases", ck->problems);
	for (size_t i = before; i < ck->problems->len; i++)
		ck->count += ck->problems->data[i] == '\n';
	if (a) {
		lookup_aliases_free(c->aliases);
		c->aliases = a;
	}
}

static void read_root(struct check *ck, cJSON *root, const char *dir, struct config *c)
{
	check_duplicates(ck, "", root);
	for (cJSON *k = root->child; k; k = k->next) {
		const char *name = k->string;
		if (strcmp(name, "roster") == 0) {
			read_path(ck, "roster", k, dir, &c->roster_path);
		} else if (strcmp(name, "database") == 0) {
			read_path(ck, "database", k, dir, &c->database);
		} else if (strcmp(name, "bot_name") == 0) {
			if (!cJSON_IsString(k))
				problem(ck, "bot_name", "expected a string");
			else if (!valid_bot_name(k->valuestring))
				problem(ck, "bot_name", "not a bot name (letters, digits, '-', '_', '.'; at most 64)");
			else {
				free(c->bot_name);
				c->bot_name = xstrdup(k->valuestring);
			}
		} else if (strcmp(name, "http") == 0) {
			read_http(ck, k, c);
		} else if (strcmp(name, "adapters") == 0) {
			check_adapters(ck, k);
		} else if (strcmp(name, "identities") == 0) {
			if (!c->identities)
				read_identities(ck, k, c);
		} else if (strcmp(name, "governance") == 0) {
			read_governance(ck, k, c);
		} else if (strcmp(name, "codeowners") == 0) {
			read_path(ck, "codeowners", k, dir, &c->codeowners_path);
		} else if (strcmp(name, "aliases") == 0) {
			read_aliases(ck, k, c);
		} else {
			unknown_key(ck, "", name, root_keys, NULL);
		}
	}
	if (!c->database)
		c->database = resolve(dir, CONFIG_DEFAULT_DATABASE);

	cJSON *adapters = cJSON_DetachItemFromObjectCaseSensitive(root, "adapters");
	if (!cJSON_IsObject(adapters)) {
		cJSON_Delete(adapters);
		adapters = cJSON_CreateObject();
		cJSON_AddItemToObject(adapters, "console", cJSON_CreateObject());
	}
	apply_defaults(adapters);
	c->adapters = adapters;
	for (const cJSON *a = adapters->child; a && !c->http_listen; a = a->next) {
		const struct config_platform *spec = find_spec(a->string);
		if (spec && config_section_listens(spec->name, a)) {
			problem(ck, "http.listen", "missing (the %s adapter receives its webhook there)",
				spec->name);
			break;
		}
	}
}

static struct config *config_new(void)
{
	struct config *c = xcalloc(1, sizeof(*c));
	c->bot_name = xstrdup(CONFIG_DEFAULT_BOT_NAME);
	c->vote_days = CONFIG_DEFAULT_VOTE_DAYS;
	c->nomination_days = CONFIG_DEFAULT_NOMINATION_DAYS;
	return c;
}

struct config *config_default(void)
{
	struct config *c = config_new();
	c->database = xstrdup(CONFIG_DEFAULT_DATABASE);
	c->adapters = cJSON_CreateObject();
	cJSON_AddItemToObject(c->adapters, "console", cJSON_CreateObject());
	return c;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->roster_path);
	free(c->codeowners_path);
	lookup_aliases_free(c->aliases);
	free(c->database);
	free(c->bot_name);
	free(c->http_listen);
	free(c->agenda_digest);
	cJSON_Delete(c->adapters);
	for (size_t i = 0; i < c->nidentities; i++) {
		for (size_t j = 0; j < c->identities[i].nids; j++)
			free(c->identities[i].ids[j]);
		free(c->identities[i].ids);
		free(c->identities[i].handle);
	}
	free(c->identities);
	free(c);
}

/* "line 3, column 7" of the byte at off. */
static void describe_offset(const char *text, size_t off, struct buf *out)
{
	size_t line = 1, col = 1;
	for (size_t i = 0; i < off && text[i]; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	buf_addf(out, "line %zu, column %zu", line, col);
}

int config_load_partial(const char *path, struct config **partial, struct buf *problems)
{
	struct check ck = { problems, 0 };
	char err[512];
	size_t len = 0;
	char *text = NULL, *dir = NULL;
	cJSON *root = NULL;
	struct config *c = NULL;
	int rc = -1;

	*partial = NULL;
	if (!nplatforms) {
		/* a program error, not the operator's: every binary registers */
		problem(&ck, "adapters", "no adapter is registered in this program "
			"(adapters_register() was not called)");
		return -1;
	}
	if (!path) {
		const char *env = getenv("GOVBOT_CONFIG");
		if (!env || !*env) {
			*partial = config_default();
			return 0;
		}
		path = env;
	}
	text = file_read(path, CONFIG_MAX_BYTES, &len, err, sizeof(err));
	if (!text) {
		problem(&ck, "(file)", "cannot read the config: %s", err);
		goto cleanup;
	}
	if (!utf8_valid(text, len) || memchr(text, '\0', len)) {
		problem(&ck, "(root)", "not valid JSON: the file is not UTF-8 text");
		goto cleanup;
	}
	const char *start = text;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		start += 3;   /* a UTF-8 byte order mark, as some editors write */
	const char *end = NULL;
	root = cJSON_ParseWithLengthOpts(start, len - (size_t)(start - text), &end, false);
	if (!root) {
		struct buf where = BUF_INIT;
		if (str_skip_space(start)[0] == '\0') {
			buf_adds(&where, "the file is empty");
		} else {
			const char *at = cJSON_GetErrorPtr();
			size_t off = at && at >= text && at <= text + len ? (size_t)(at - text) : len;
			describe_offset(text, off, &where);
		}
		problem(&ck, "(root)", "not valid JSON: %s", where.data);
		buf_release(&where);
		goto cleanup;
	}
	if (*str_skip_space(end)) {
		struct buf where = BUF_INIT;
		describe_offset(text, (size_t)(end - text), &where);
		problem(&ck, "(root)", "not valid JSON: text after the end of the object at %s", where.data);
		buf_release(&where);
		goto cleanup;
	}
	if (!cJSON_IsObject(root)) {
		problem(&ck, "(root)", "expected an object");
		goto cleanup;
	}
	const char *slash = strrchr(path, '/');
	if (slash)
		dir = xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
	c = config_new();
	c->path = xstrdup(path);
	read_root(&ck, root, dir, c);
	rc = ck.count ? -1 : 0;
	*partial = c;

cleanup:
	cJSON_Delete(root);
	free(text);
	free(dir);
	return rc;
}

int config_load(const char *path, struct config **out, struct buf *problems)
{
	struct config *c = NULL;
	*out = NULL;
	if (config_load_partial(path, &c, problems) < 0) {
		config_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

const struct cJSON *config_adapter(const struct config *c, const char *name)
{
	if (!c || !c->adapters)
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(c->adapters, name);
}

const char *config_adapter_str(const struct config *c, const char *adapter, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(config_adapter(c, adapter), key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

long long config_adapter_int(const struct config *c, const char *adapter, const char *key, long long dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(config_adapter(c, adapter), key);
	long long n;
	return integral(v, -2147483647LL, 2147483647LL, &n) ? n : dflt;
}

size_t config_announce_targets(const struct config *c, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; c && i < nplatforms; i++) {
		const struct config_platform *p = &platforms[i];
		const cJSON *sec = config_adapter(c, p->name), *k;

		if (!sec)
			continue;
		if (p->announce_key) {
			k = cJSON_GetObjectItemCaseSensitive(sec, p->announce_key);
			if (!k || cJSON_IsNull(k) || (cJSON_IsString(k) && !*k->valuestring))
				continue;
		}
		if (n < max)
			out[n] = p->name;
		n++;
	}
	return n;
}

const char *const *config_secrets(const char *adapter)
{
	const struct config_platform *spec = find_spec(adapter);
	return spec ? spec->secrets : NULL;
}

bool config_section_listens(const char *adapter, const cJSON *section)
{
	const struct config_platform *spec = find_spec(adapter);

	return spec && spec->listens && (!spec->listening || spec->listening(section));
}

bool config_secret_needed(const char *adapter, const cJSON *section, const char *secret)
{
	const struct config_platform *spec = find_spec(adapter);

	if (!spec)
		return false;
	for (size_t i = 0; spec->listen_secrets && spec->listen_secrets[i]; i++)
		if (strcmp(spec->listen_secrets[i], secret) == 0)
			return config_section_listens(adapter, section);
	return true;
}

size_t config_missing_secrets(const struct config *c, struct buf *problems)
{
	struct check ck = { problems, 0 };
	if (!c || !c->adapters)
		return 0;
	for (const cJSON *a = c->adapters->child; a; a = a->next) {
		const char *const *secrets = config_secrets(a->string);
		for (size_t i = 0; secrets && secrets[i]; i++) {
			const char *v = getenv(secrets[i]);
			if ((!v || !*v) && config_secret_needed(a->string, a, secrets[i])) {
				char *path = path_join("adapters", a->string);
				problem(&ck, path, "%s is not set in the environment", secrets[i]);
				free(path);
			}
		}
	}
	return ck.count;
}

/* ---- the schema, for the manual's test ---- */

void config_schema_keys(struct buf *out)
{
	for (size_t i = 0; root_keys[i]; i++)
		buf_addf(out, "%s\n", root_keys[i]);
	for (size_t i = 0; http_keys[i]; i++)
		buf_addf(out, "http.%s\n", http_keys[i]);
	for (size_t i = 0; governance_keys[i]; i++)
		buf_addf(out, "governance.%s\n", governance_keys[i]);
	/* the adapters' sections, as they registered them (config_set_platforms) */
	for (size_t i = 0; i < nplatforms; i++) {
		buf_addf(out, "adapters.%s\n", platforms[i].name);
		for (const struct config_key *k = platforms[i].keys; k && k->name; k++)
			buf_addf(out, "adapters.%s.%s\n", platforms[i].name, k->name);
	}
}

/* Length of the platform prefix when it names a registered platform, else 0. */
static size_t id_platform_len(const char *id)
{
	const char *colon = strchr(id, ':');
	if (!colon)
		return 0;
	size_t n = (size_t)(colon - id);
	return config_platform(id, n) ? n : 0;
}

bool config_id_valid(const char *id)
{
	if (!id)
		return false;
	size_t plen = id_platform_len(id);
	if (!plen)
		return false;
	const struct config_platform *p = config_platform(id, plen);
	const char *rest = id + plen + 1;
	size_t n = strlen(rest);
	if (n == 0 || n > CONFIG_ID_MAX || !utf8_valid(rest, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)rest[i];
		if (c <= 0x20 || c == 0x7f)
			return false;
	}
	/* C1 controls are two-byte UTF-8 sequences: U+0080..U+009F */
	if (str_has_controls(rest, n))
		return false;
	/* and what the platform itself requires (matrix: @user:server) */
	return !p->valid_id || p->valid_id(rest);
}

bool config_id_equal(const char *a, const char *b)
{
	size_t pa = id_platform_len(a), pb = id_platform_len(b);
	if (!pa || pa != pb || !str_ieqn(a, b, pa))
		return pa == 0 && pb == 0 && strcmp(a, b) == 0;
	return strcmp(a + pa, b + pb) == 0;
}
