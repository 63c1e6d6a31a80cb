/*
 * test_cli.c - end to end: the bontot command as a user runs it, as a
 * separate process, checking output, exit codes and the store afterwards.
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#define B BT_CLI

static char *out, *err;

static int sh(const char *fmt, const char *a, const char *b)
{
	char cmd[4096];
	free(out);
	free(err);
	snprintf(cmd, sizeof(cmd), fmt, a ? a : "", b ? b : "");
	return bt_test_sh(&out, &err, "%s", cmd);
}

static void test_cli__help_usage_and_exit_codes(void)
{
	CU_ASSERT_EQUAL(sh("'" B "' --help", NULL, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "evaluate"));
	CU_ASSERT_EQUAL(sh("'" B "'", NULL, NULL), 2);
	CU_ASSERT_EQUAL(sh("'" B "' frobnicate", NULL, NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "không có lệnh"));
	const char *cmds[] = {"init", "import", "export", "evaluate", "rebuild", "lunar", "holidays", "sample"};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		CU_ASSERT_EQUAL(sh("'" B "' %s --help", cmds[i], NULL), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "Cách dùng"));
	}
	CU_ASSERT_EQUAL(sh("'" B "' evaluate", NULL, NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--year"));
	CU_ASSERT_EQUAL(sh("'" B "' evaluate --year 2025 --as-of 2024-01-01", NULL, NULL), 2);
	CU_ASSERT_EQUAL(sh("'" B "' lunar 2026-02-30", NULL, NULL), 2);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' evaluate --year 2025", bt_test_path("none.db"), NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bontot init"));
}

static void test_cli__lunar_and_holidays(void)
{
	CU_ASSERT_EQUAL(sh("'" B "' lunar 2026-02-17 --json", NULL, NULL), 0);
	CU_ASSERT_STRING_EQUAL(out, "{\"solar\":\"2026-02-17\",\"year\":2026,\"month\":1,\"day\":1,\"leap\":false,\"can_chi\":\"Bính Ngọ\"}\n");
	CU_ASSERT_EQUAL(sh("'" B "' lunar 2025-07-25", NULL, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "tháng 6 nhuận"));
	CU_ASSERT_EQUAL(sh("'" B "' holidays 2026 --json", NULL, NULL), 0);
	const char *head = "[{\"date\":\"2026-01-01\",\"name\":\"Tết Dương lịch\"},{\"date\":\"2026-02-16\"";
	CU_ASSERT(strncmp(out, head, strlen(head)) == 0);
	/* With a store, its overrides apply. */
	const char *db = bt_test_path("hol.db");
	const char *file = bt_test_path("hol.jsonl");
	bt_test_write(file, "{\"kind\":\"holiday\",\"date\":\"2026-02-23\",\"working\":false,\"note\":\"Nghỉ Tết bổ sung\"}\n"
			    "{\"kind\":\"holiday\",\"date\":\"2026-09-03\",\"working\":true}\n");
	CU_ASSERT_EQUAL(sh("rm -f '%s' && '" B "' --db '%s' init", db, db), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' import '%s'", db, file), 0);
	CU_ASSERT_EQUAL(sh("BONTOT_DB='%s' '" B "' holidays 2026 --json", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "{\"date\":\"2026-02-23\",\"name\":\"Nghỉ Tết bổ sung\"}"));
	CU_ASSERT_PTR_NULL(strstr(out, "2026-09-03"));
}

/* The whole flow: sample -> import (twice) -> evaluate -> export -> import elsewhere -> same JSON -> rebuild. */
static void test_cli__import_evaluate_export_round_trip(void)
{
	const char *db = bt_test_path("flow.db"), *db2 = bt_test_path("flow2.db");
	const char *data = bt_test_path("flow.jsonl"), *exp = bt_test_path("flow-export.jsonl");
	CU_ASSERT_EQUAL(sh("rm -f '%s' '%s'", db, db2), 0);
	CU_ASSERT_EQUAL(sh("'" B "' sample --cells 5 --year 2025 --seed 4 > '%s'", data, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' init --log-id office", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' import '%s'", db, data), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "thêm mới"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' import '%s'", db, data), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "thêm mới 0, thay đổi 0"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' evaluate --year 2025 --json > '%s.eval1'", db, data), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' export '%s'", db, exp), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' init", db2, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' import '%s'", db2, exp), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' evaluate --year 2025 --json > '%s.eval2'", db2, data), 0);
	CU_ASSERT_EQUAL(sh("cmp '%s.eval1' '%s.eval2'", data, data), 0);
	char *json = bt_test_read(bt_test_path("flow.jsonl.eval1"), NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	const char *head = "{\"year\":2025,\"as_of\":\"2025-12-31\",\"rules\":\"KH-2023.1\",\"cells\":[{\"id\":\"CB-0001\"";
	CU_ASSERT(strncmp(json, head, strlen(head)) == 0);
	free(json);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' evaluate --year 2025 --cell CB-0002 --rules HD42-2025", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "HD42-2025.1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Chi bộ thôn An Bình (CB-0002)"));
	CU_ASSERT_PTR_NULL(strstr(out, "CB-0003"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' evaluate --year 2025 --cell NOPE", db, NULL), 1);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' rebuild", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "trùng khớp"));
}

static void test_cli__a_bad_file_is_refused_with_line_and_field(void)
{
	const char *db = bt_test_path("bad.db"), *file = bt_test_path("bad.jsonl");
	bt_test_write(file, "{\"kind\":\"committee\",\"id\":\"DU\",\"name\":\"Đảng ủy\"}\n"
			    "{\"kind\":\"cell\",\"id\":\"CB\",\"committee\":\"DU\",\"name\":\"Chi bộ\"}\n"
			    "\n"
			    "{\"kind\":\"member\",\"id\":\"A\",\"cell\":\"CB\",\"name\":\"An\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-13-01\"}\n");
	CU_ASSERT_EQUAL(sh("rm -f '%s' && '" B "' --db '%s' init", db, db), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' import '%s'", db, file), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "dòng 4"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "\"joined\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "không ghi gì"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' export", db, NULL), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' import --check '%s'", db, file), 1);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' import '%s'", db, bt_test_path("no-such-file")), 1);
	/* init never overwrites. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' init", db, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "không ghi đè"));
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"help, usage and exit codes", test_cli__help_usage_and_exit_codes},
		{"lunar and holidays", test_cli__lunar_and_holidays},
		{"import, evaluate, export round trip", test_cli__import_evaluate_export_round_trip},
		{"a bad file is refused with line and field", test_cli__a_bad_file_is_refused_with_line_and_field},
		CU_TEST_INFO_NULL};
	int rc = bt_test_run("cli", tests);
	free(out);
	free(err);
	return rc;
}
