/* test_log.c - chatbot/util/log.c: one line an event in both formats; the
 * JSON format is one valid object a line with the logfmt extras as members,
 * whatever the message holds (quotes, backslashes, newlines, controls). */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chatbot/util/log.h"
#include "tests/testutil.h"

/* Runs the events with stderr sent to a file; returns what was written
 * (caller frees). */
static char *capture(enum log_format f)
{
	char path[] = "/tmp/govbot-log-XXXXXX", err[128];
	size_t len;
	int fd = mkstemp(path), saved = dup(2);
	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	dup2(fd, 2);
	log_set_format(f);
	log_info("slack", "connected");
	log_event(LOG_INFO, NULL, "cmd=decide caller=\"console:a b\" handle=x reason=role", "refused");
	log_warn(NULL, "odd \"quoted\" \\ text\nsecond line\x01 end");
	log_debug(NULL, "not shown at the default level");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	log_set_format(LOG_FORMAT_TEXT);
	char *text = file_read(path, 1u << 16, &len, err, sizeof(err));
	unlink(path);
	ck_assert_ptr_nonnull(text);
	return text;
}

START_TEST(test_text)
{
	char *t = capture(LOG_FORMAT_TEXT);
	ck_assert_str_eq(t, "level=info adapter=slack msg=\"connected\"\n"
			 "level=info msg=\"refused\" cmd=decide caller=\"console:a b\" handle=x reason=role\n"
			 "level=warn msg=\"odd \\\"quoted\\\" \\\\ text\\nsecond line? end\"\n");
	free(t);
}
END_TEST

START_TEST(test_json)
{
	char *t = capture(LOG_FORMAT_JSON);
	const char *want[3][3] = {
		{ "level", "info", NULL }, { "cmd", "decide", NULL }, { "msg", "odd \"quoted\" \\ text\nsecond line\x01 end", NULL },
	};
	int n = 0;
	for (char *l = t, *nl; *l; l = nl + 1, n++) {
		nl = strchr(l, '\n');
		ck_assert_ptr_nonnull(nl);
		*nl = '\0';
		cJSON *j = cJSON_Parse(l);
		ck_assert_msg(j != NULL && cJSON_IsObject(j), "not a JSON object: %s", l);
		ck_assert_str_eq(cJSON_GetObjectItem(j, want[n][0])->valuestring, want[n][1]);
		if (n == 0)
			ck_assert_str_eq(cJSON_GetObjectItem(j, "adapter")->valuestring, "slack");
		if (n == 1) {
			ck_assert_str_eq(cJSON_GetObjectItem(j, "caller")->valuestring, "console:a b");
			ck_assert_str_eq(cJSON_GetObjectItem(j, "reason")->valuestring, "role");
			ck_assert_str_eq(cJSON_GetObjectItem(j, "msg")->valuestring, "refused");
		}
		cJSON_Delete(j);
	}
	ck_assert_int_eq(n, 3);
	free(t);
}
END_TEST

START_TEST(test_parse_format)
{
	enum log_format f;
	ck_assert_int_eq(log_parse_format("json", &f), 0);
	ck_assert_int_eq(f, LOG_FORMAT_JSON);
	ck_assert_int_eq(log_parse_format("text", &f), 0);
	ck_assert_int_eq(f, LOG_FORMAT_TEXT);
	ck_assert_int_eq(log_parse_format("xml", &f), -1);
	ck_assert_int_eq(log_parse_format(NULL, &f), -1);
}
END_TEST

/* The binary: --log-format anywhere on the line, a bad value is a usage error. */
START_TEST(test_binary_option)
{
	char govbot[PATH_MAX];
	struct tu_proc p;
	ck_assert_int_eq(tu_find_govbot(govbot, "test_log"), 0);
	const char *a[] = { "ask", "--config", "/nonexistent/govbot.json", "--log-format", "json", "who", NULL };
	tu_run(govbot, NULL, a, NULL, 0, NULL, 0, 20000, &p);
	ck_assert_int_eq(p.status, 1);
	cJSON *j = cJSON_Parse(buf_str(&p.err));
	ck_assert_msg(j != NULL, "not one JSON object: %s", buf_str(&p.err));
	ck_assert_str_eq(cJSON_GetObjectItem(j, "level")->valuestring, "error");
	ck_assert_ptr_nonnull(strstr(cJSON_GetObjectItem(j, "msg")->valuestring, "/nonexistent/govbot.json"));
	cJSON_Delete(j);
	tu_proc_release(&p);
	const char *b[] = { "--log-format=xml", "check-config", NULL };
	tu_run(govbot, NULL, b, NULL, 0, NULL, 0, 20000, &p);
	ck_assert_int_eq(p.status, 2);
	ck_assert_ptr_nonnull(strstr(buf_str(&p.err), "--log-format xml: expected text or json"));
	tu_proc_release(&p);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");
	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_parse_format);
	tcase_add_test(tc, test_binary_option);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(suite());
}
