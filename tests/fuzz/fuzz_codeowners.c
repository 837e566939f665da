/*
 * fuzz_codeowners.c - libFuzzer target for the CODEOWNERS reader and the
 * module lookup it drives: whatever parses is matched against a few paths
 * (and its own patterns as paths), its labels become aliases of the bundled
 * roster, and it is compared with the roster; the input's first line is
 * also looked up as a module name.  Crashes, leaks and sanitizer reports
 * are the findings.  Build and run with scripts/fuzz.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/roster/codeowners.h"
#include "chatbot/roster/lookup.h"
#include "chatbot/roster/roster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct roster *bundled;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!bundled)
		bundled = roster_load_default();
	const char *text = (const char *)data;

	/* the first line as a `who` query */
	char q[512];
	size_t n = 0;
	while (n < size && n < sizeof(q) - 1 && text[n] != '\n' && text[n] != '\0')
		n++;
	memcpy(q, text, n);
	q[n] = '\0';
	struct lookup_result res;
	lookup_modules(bundled, q, &res);
	if (res.n > LOOKUP_MAX)
		abort();

	struct codeowners *co = NULL;
	char err[256];
	if (codeowners_parse(text, size, &co, err, sizeof(err)) < 0)
		return 0;
	static const char *const paths[] = {
		"torch/nn/functional.py", "torch/_inductor/codecache.py", "docs/index.md", "a", "/",
		"aten/src/ATen/native/cuda/LinearAlgebra.cpp",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		codeowners_match(co, paths[i]);
	for (size_t i = 0; i < co->nrules && i < 64; i++)
		codeowners_match(co, co->rules[i].pattern);
	struct roster *r = roster_clone(bundled);
	struct lookup_aliases *a = lookup_aliases_clone(lookup_aliases_bundled());
	codeowners_label_aliases(co, r, a);
	lookup_set_aliases(r, a);
	lookup_modules(r, q, &res);
	struct codeowners_report rep;
	codeowners_compare(co, r, NULL, &rep);
	codeowners_report_release(&rep);
	lookup_aliases_free(a);
	roster_free(r);
	codeowners_free(co);
	return 0;
}
