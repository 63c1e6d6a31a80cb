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
	const char *cmds[] = {"init", "import", "export", "evaluate", "rebuild", "lunar", "holidays", "sample", "member", "meeting", "log", "record", "correct", "dues", "status"};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		CU_ASSERT_EQUAL(sh("'" B "' %s --help", cmds[i], NULL), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "Cách dùng"));
	}
	/* English outside a Vietnamese locale, Vietnamese under vi_VN (the suites run under vi_VN). */
	CU_ASSERT_EQUAL(sh("LC_ALL=C.UTF-8 '" B "' --help", NULL, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Usage: bontot [--db FILE] COMMAND"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "record any fact"));
	CU_ASSERT_EQUAL(sh("LC_ALL=C.UTF-8 '" B "' --db '%s' evaluate --year 2025", bt_test_path("none.db"), NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "there is no store"));
	CU_ASSERT_EQUAL(sh("'" B "' --help", NULL, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Cách dùng: bontot [--db TỆP] LỆNH"));
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
	CU_ASSERT_EQUAL(sh("LC_ALL=C.UTF-8 '" B "' --db '%s' import '%s'", db, file), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "line 4: member: field \"joined\": invalid date"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' export", db, NULL), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' import --check '%s'", db, file), 1);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' import '%s'", db, bt_test_path("no-such-file")), 1);
	/* init never overwrites. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' init", db, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "không ghi đè"));
}

/* A secretary's month: members, the year's plan, a meeting, a correction, the log, the evaluation. */
static void test_cli__secretary_records_a_meeting_and_corrects_it(void)
{
	const char *db = bt_test_path("sec.db"), *base = bt_test_path("sec.jsonl");
	bt_test_write(base, "{\"kind\":\"committee\",\"id\":\"DU\",\"name\":\"Đảng ủy xã\"}\n"
			    "{\"kind\":\"cell\",\"id\":\"CB-01\",\"committee\":\"DU\",\"name\":\"Chi bộ thôn Phú Lộc\"}\n");
	CU_ASSERT_EQUAL(sh("rm -f '%s' && '" B "' --db '%s' init", db, db), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' import '%s'", db, base), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member add --id DV-01 --cell CB-01 --name 'Nguyễn Văn An' --joined 1995-05-19 --role secretary", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member add --id DV-02 --cell CB-01 --name 'Trần Thị Bình' --joined 2001-03-02", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member add --id DV-03 --cell CB-01 --name 'Đỗ Văn Ân' --joined 2010-09-09", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member add --id DV-04 --cell CB-01 --name 'Lê Thị Ánh' --joined 1980-01-01", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member exempt DV-04 --from 2025-01-01 --reason 'tuổi cao'", db, NULL), 0);
	/* The same member twice is refused, and a bad date names the field. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member add --id DV-01 --cell CB-01 --name 'X' --joined 2000-01-01", db, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "đã ghi đảng viên \"DV-01\""));
	/* A badly written value is a usage error (2), whichever option it is. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member add --id DV-09 --cell CB-01 --name 'X' --joined 2000-02-30", db, NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--joined"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member add --id DV-09 --cell CB-01 --name 'X' --joined 2000-01-01 --role boss", db, NULL), 2);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member add --id DV-09 --cell CB-01 --name 'X' --joined 1/2/2000 --status maybe", db, NULL), 2);
	/* Listed in the Vietnamese order: An, Ánh, Ân, Bình. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member list --cell CB-01", db, NULL), 0);
	const char *an = strstr(out, "Nguyễn Văn An"), *anh = strstr(out, "Lê Thị Ánh"), *aan = strstr(out, "Đỗ Văn Ân"),
		   *binh = strstr(out, "Trần Thị Bình");
	CU_ASSERT(an && anh && aan && binh && an < anh && anh < aan && aan < binh);
	/* The plan moves April 2026's meeting off Sunday the 5th. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting plan --year 2026", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Tháng  4: T2 06/04/2026"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "ngày 05/04/2026 là Chủ Nhật"));
	/* Record March's meeting: DV-02 excused, everyone else required is present; DV-04 is exempt. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting record --cell CB-01 --date 2026-03-06 --start 19:30 --end 21:05 --regular --thematic "
			   "--prepared --resolution --minutes --excused DV-02 --spoke DV-01,DV-03", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting record --cell CB-01 --date 2026-03-06 --start 19:30 --end 21:05", db, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "đã ghi buổi sinh hoạt"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting record --cell CB-01 --date 2026-04-06 --start 19:30 --end 21:05 --absent DV-04", db, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "DV-04"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting record --cell CB-01 --date 2026-04-06 --start 21:00 --end 19:00", db, NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "\"end\""));
	/* A correction: DV-02 was in fact present and spoke. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting record --cell CB-01 --date 2026-03-06 --correct --present DV-02 --spoke DV-01,DV-02", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "bản cũ vẫn giữ"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting record --id NO-SUCH --correct --absent DV-01", db, NULL), 1);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting list --cell CB-01 --year 2026", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "06/03/2026  CB-01-2026-03-06"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "có mặt 3/3, 2 phát biểu"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting show CB-01-2026-03-06", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Trần Thị Bình — có mặt, có phát biểu"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Có mặt 3/3"));
	/* The log keeps both versions, the newest first, and says what it replaced. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' log --kind meeting --key CB-01-2026-03-06", db, NULL), 0);
	const char *v2 = strstr(out, "sửa đổi, thay thế sự kiện"), *v1 = strstr(out, "ghi mới");
	CU_ASSERT(v2 && v1 && v2 < v1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"DV-02\":\"excused\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "đã đổi: attendance.DV-02: excused → present; speakers:"));
	/* The evaluation uses the corrected version: no one excused, two of three spoke. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' evaluate --year 2026 --as-of 2026-03-31 --json", db, NULL), 0);
	CU_ASSERT_PTR_NULL(strstr(out, "CONSECUTIVE"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"code\":\"MEETING_MISSING\",\"month\":\"2026-01\""));
	CU_ASSERT_PTR_NULL(strstr(out, "\"meeting\":\"CB-01-2026-03-06\""));
	/* Dues for the whole month, one named exception; then the rest; nothing twice. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' dues month --cell CB-01 --month 2026-03 --amount 20000 --paid-on 2026-03-06 --except DV-03", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "cho 3 đảng viên"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Đỗ Văn Ân (DV-03)"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' dues month --cell CB-01 --month 2026-03 --amount 20000 --paid-on 2026-03-20", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "cho 1 đảng viên"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' dues pay --member DV-03 --month 2009-12 --amount 1 --paid-on 2026-03-20", db, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "\"month\""));
	/* Any other fact through record / correct. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' record target id=T1 cell=CB-01 year=2026 title='Kết nạp 1 đảng viên mới' done=open", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' correct target T1 done=yes", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' correct target T404 done=yes", db, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "T404"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' record attestation subject=DV-01 year=2026 criterion=2.4 pass=yes", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' correct attestation DV-01/2026/2.4 pass=no note='phản ánh của chi hội'", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' record target id=T2 cell=CB-01 year=abc title=x", db, NULL), 2);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' record target id=T2 cell=CB-09 year=2026 title=x", db, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "\"cell\""));
	/* The to-do list on 7 April: January and February overdue, April's meeting due by the 10th. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' status --cell CB-01 --date 2026-04-07", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Tháng 01/2026 chưa ghi buổi sinh hoạt định kỳ"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Sinh hoạt định kỳ tháng 04/2026: trong khoảng 03/04/2026 đến 10/04/2026"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "chưa đóng đảng phí 2 tháng: 01/2026, 02/2026"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' status --date 2026-04-07 --json", db, NULL), 0);
	CU_ASSERT(strncmp(out, "{\"date\":\"2026-04-07\",\"cells\":[{\"cell\":\"CB-01\",\"findings\":[],\"items\":[{\"code\":\"MEETING_OVERDUE\"", 94) == 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' correct meeting CB-01-2026-03-06 end=21:30", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' log -n 1", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"end\":\"21:30\""));
	/* The rest of the quarter: April, May, and June with the thematic meeting; dues each month. */
	const char *q2[3][2] = {{"2026-04-06", "no"}, {"2026-05-05", "no"}, {"2026-06-05", "yes"}};
	for (int i = 0; i < 3; i++) {
		char cmd[1024];
		snprintf(cmd, sizeof(cmd),
			 "'" B "' --db '%%s' meeting record --cell CB-01 --date %s --start 19:30 --end 21:30 --regular --thematic=%s "
			 "--prepared --resolution --minutes --spoke DV-01,DV-02 && '" B "' --db '%%s' dues month --cell CB-01 --month %.7s "
			 "--amount 20000 --paid-on %s",
			 q2[i][0], q2[i][1], q2[i][0], q2[i][0]);
		CU_ASSERT_EQUAL(sh(cmd, db, db), 0);
	}
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' evaluate --year 2026 --as-of 2026-06-30 --json", db, NULL), 0);
	CU_ASSERT_PTR_NULL(strstr(out, "\"month\":\"2026-04\""));
	CU_ASSERT_PTR_NULL(strstr(out, "\"month\":\"2026-05\""));
	CU_ASSERT_PTR_NULL(strstr(out, "\"month\":\"2026-06\""));
	/* Q1's thematic meeting was March's, Q2's June's. */
	CU_ASSERT_PTR_NULL(strstr(out, "THEMATIC_MISSING"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' status --cell CB-01 --date 2026-07-01", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Sinh hoạt định kỳ tháng 07/2026"));
	CU_ASSERT_PTR_NULL(strstr(out, "Tháng 04/2026 chưa ghi"));
	/* DV-03 moves to another cell from 1 July; edit --cell is refused (it would lose the history). */
	bt_test_write(base, "{\"kind\":\"cell\",\"id\":\"CB-02\",\"committee\":\"DU\",\"name\":\"Chi bộ thôn Hai\"}\n");
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' import '%s'", db, base), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member edit DV-03 --cell CB-02", db, NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "member transfer"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member transfer DV-03 --to CB-02 --from 2026-07-01", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "từ chi bộ CB-01 sang chi bộ CB-02"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member list --cell CB-02", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Đỗ Văn Ân"));
	/* March's meeting in CB-01 still counts DV-03; July's does not need it. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting show CB-01-2026-03-06", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Đỗ Văn Ân"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting record --cell CB-01 --date 2026-07-06 --start 19:30 --end 21:30 --absent DV-03", db, NULL), 1);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' rebuild", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "trùng khớp"));
}

/* What a new user tripped over, each as they met it. */
static void test_cli__rough_edges_a_new_user_met(void)
{
	char db[512], base[512], empty[512]; /* bt_test_path's buffers are reused */
	snprintf(db, sizeof(db), "%s", bt_test_path("edges.db"));
	snprintf(base, sizeof(base), "%s", bt_test_path("edges.jsonl"));
	snprintf(empty, sizeof(empty), "%s", bt_test_path("empty.jsonl"));
	/* A typo suggests the nearest command instead of printing the whole help. */
	CU_ASSERT_EQUAL(sh("'" B "' meetng", NULL, NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "Ý bạn là \"meeting\"?"));
	CU_ASSERT_PTR_NULL(strstr(err, "Các lệnh"));
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(sh("'" B "' meeting recrod", NULL, NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "Ý bạn là \"record\"?"));
	CU_ASSERT_EQUAL(sh("LC_ALL=C.UTF-8 '" B "' sycn", NULL, NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "Did you mean \"sync\"?"));
	/* The top-level help documents every exit code. */
	CU_ASSERT_EQUAL(sh("'" B "' --help", NULL, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "  2  dùng sai lệnh"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "  4  đồng bộ"));

	bt_test_write(base, "{\"kind\":\"committee\",\"id\":\"DU\",\"name\":\"Đảng ủy xã\"}\n"
			    "{\"kind\":\"cell\",\"id\":\"CB-01\",\"committee\":\"DU\",\"name\":\"Chi bộ thôn Phú Lộc\"}\n");
	CU_ASSERT_EQUAL(sh("rm -f '%s' && '" B "' --db '%s' init", db, db), 0);
	/* Importing an empty file warns. */
	bt_test_write(empty, "\n\n");
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' import '%s'", db, empty), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cảnh báo"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "không có bản ghi nào"));
	/* Progress only on a terminal (forced here); quiet when piped. */
	CU_ASSERT_EQUAL(sh("BONTOT_PROGRESS=1 '" B "' --db '%s' import '%s'", db, base), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bản ghi"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/s"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' import '%s'", db, base), 0);
	CU_ASSERT_PTR_NULL(strchr(err, '\r'));
	/* A line that is not JSON is told in Vietnamese, not in the parser's English. */
	bt_test_write(bt_test_path("notjson.jsonl"), "kind: member\n");
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' import '%s'", db, bt_test_path("notjson.jsonl")), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bản ghi phải bắt đầu bằng '{'"));
	CU_ASSERT_PTR_NULL(strstr(err, "expected"));

	/* Dates as people write them (d/m/yyyy, dd/mm/yyyy), kept ISO; kinds named in Vietnamese. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member add --id DV-01 --cell CB-01 --name 'Nguyễn Văn An' --joined 3/2/1995 --born 05/11/1970 --role secretary", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Đã ghi đảng viên \"DV-01\""));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member add --id DV-02 --cell CB-01 --name 'Trần Thị Bình' --joined 2001-03-02", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member add --id DV-LONG-000001 --cell CB-01 --name 'Tôn Nữ Hoàng Thị Phương Nguyệt Ánh' --joined 2001-03-02 --role committee", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member add --id DV-03 --cell CB-01 --name 'Đỗ Văn Ân' --joined 30/2/2001", db, NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "dd/mm/yyyy"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member list --cell CB-01 --json", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"joined\": \"1995-02-03\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"born\": \"1970-11-05\""));
	CU_ASSERT(out[0] == '[');
	/* Columns line up by display width: the role starts at the same column on each row. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member list --cell CB-01", db, NULL), 0);
	long c1 = bt_test_column(out, "DV-01", "Bí thư"), c2 = bt_test_column(out, "DV-02", "Đảng viên"), c0 = bt_test_column(out, "STT", "Chức vụ");
	long c3 = bt_test_column(out, "DV-LONG-000001", "Chi ủy viên");
	CU_ASSERT(c1 > 0 && c1 == c2 && c1 == c0 && c1 == c3);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "03/02/1995"));
	/* A meeting in the future asks for --force; the past one is recorded with its date typed d/m/yyyy. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting record --cell CB-01 --date 6/3/2099 --start 19:30 --end 21:00", db, NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "06/03/2099"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--force"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting record --cell CB-01 --date 6/3/2026 --start 19:30 --end 21:00", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "buổi sinh hoạt \"CB-01-2026-03-06\""));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting record --cell CB-01 --date 6/4/2099 --start 19:30 --end 21:00 --force", db, NULL), 0);
	/* A member transferred is listed under his new cell, with his first cell noted. */
	bt_test_write(bt_test_path("cb02.jsonl"), "{\"kind\":\"cell\",\"id\":\"CB-02\",\"committee\":\"DU\",\"name\":\"Chi bộ thôn Đông\"}\n");
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' import '%s'", db, bt_test_path("cb02.jsonl")), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member transfer DV-LONG-000001 --to CB-02 --from 1/5/2026", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member list", db, NULL), 0);
	CU_ASSERT(bt_test_column(out, "DV-LONG-000001", "CB-02") > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "ban đầu ở chi bộ CB-01"));
	/* A correction changes only what it names: a member added since is not marked present behind one's back. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' member add --id DV-05 --cell CB-01 --name 'Hà Văn Năm' --joined 1/1/2020", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting record --cell CB-01 --date 6/3/2026 --correct --absent DV-02", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting show CB-01-2026-03-06 --json", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"DV-02\": \"absent\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"DV-01\": \"present\""));
	CU_ASSERT_PTR_NULL(strstr(out, "DV-05"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting record --cell CB-01 --date 6/3/2026 --correct --excused DV-05", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting show CB-01-2026-03-06 --json", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"DV-05\": \"excused\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"DV-02\": \"absent\""));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' dues month --cell CB-01 --month 3/2026 --amount 20000 --paid-on 06/03/2026", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' record dues member=DV-01 month=04/2026 amount=20000 paid_on=5/4/2026", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' record dues member=DV-02 month=04/2026 amount=20000 paid_on=31/4/2026", db, NULL), 2);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' record dues member=DV-02 month=04/2026 amount=20000 paid_on=2026-13-01", db, NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "dd/mm/yyyy"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' correct member DV-01 joined=31/2/2005", db, NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bontot correct: joined"));
	/* A key not found is shown as typed, with how that kind's key is written. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' correct dues DV-01/04/2026 amount=1", db, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "\"DV-01/04/2026\""));
	CU_ASSERT_PTR_NULL(strchr(err, '\t'));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "DV-01/2026-03"));
	/* A validation error names the kind in Vietnamese. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' record dues member=DV-02 month=04/2026 paid_on=5/4/2026", db, NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "đảng phí: trường \"amount\""));
	/* Badly written values are usage errors everywhere; an unknown cell prints no half a document. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' init --log-id máy-phó-bí-thư", bt_test_path("bad-id.db"), NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "không dấu"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' evaluate --year 2026 --json --cell NOPE", db, NULL), 1);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "NOPE"));
	/* Enrolling with an office that does not answer: exit 3, as sync. */
	CU_ASSERT_EQUAL(sh("rm -f '%s'* && '" B "' --db '%s' init", bt_test_path("never.db"), bt_test_path("never.db")), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' enroll --server http://127.0.0.1:1 --code AAAA-AAAA-AAAA", bt_test_path("never.db"), NULL), 3);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' status --cell CB-01 --date 07/04/2026", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' evaluate --year 2026 --as-of 30/6/2026 --json", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "2026-06-30"));
	CU_ASSERT_EQUAL(sh("'" B "' lunar 17/2/2026 --json", NULL, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"solar\":\"2026-02-17\""));
	/* --json on the listings: the records as in the import format. */
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting show CB-01-2026-03-06 --json", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"kind\": \"meeting\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"date\": \"2026-03-06\""));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' meeting list --cell CB-01 --year 2026 --json", db, NULL), 0);
	CU_ASSERT(out[0] == '[' && strstr(out, "CB-01-2026-03-06") && strstr(out, "CB-01-2099-04-06") == NULL);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' log -n 2 --json", db, NULL), 0);
	CU_ASSERT(out[0] == '[' && strstr(out, "\"event\":") && strstr(out, "\"record\":") && strstr(out, "\"kind\": \"dues\""));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' log -n x", db, NULL), 2);
	/* Dates in messages as people write them: the log's times, an import's error. */
	CU_ASSERT_EQUAL(sh("TZ=UTC '" B "' --db '%s' log -n 1", db, NULL), 0);
	CU_ASSERT(strstr(out, "/20") && !strstr(out, "Z  "));
	bt_test_write(bt_test_path("late.jsonl"),
		      "{\"kind\":\"meeting\",\"id\":\"CB-01-2026-05-06\",\"cell\":\"CB-01\",\"date\":\"2026-05-06\",\"start\":\"19:30\","
		      "\"end\":\"21:00\",\"regular\":true,\"thematic\":false,\"prepared\":true,\"resolution\":true,\"minutes\":true,"
		      "\"attendance\":{\"DV-01\":\"present\",\"DV-02\":\"present\",\"DV-77\":\"present\"},\"speakers\":[]}\n"
		      "{\"kind\":\"member\",\"id\":\"DV-77\",\"cell\":\"CB-01\",\"name\":\"Lò Văn Bảy\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\",\"left\":\"2026-01-31\"}\n");
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' import '%s'", db, bt_test_path("late.jsonl")), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "06/05/2026"));
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' conflicts --json", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"findings\":[]"));

	/* A rebuild that repairs says which tables differed and keeps the counts before. */
	CU_ASSERT_EQUAL(sh("sqlite3 '%s' 'DELETE FROM dues; UPDATE cell SET name = 1'", db, NULL), 0);
	CU_ASSERT_EQUAL(sh("'" B "' --db '%s' rebuild", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "KHÁC"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "dues               trước 0 dòng, sau 1 dòng"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "cell               trước 2 dòng, sau 2 dòng"));
	CU_ASSERT_PTR_NULL(strstr(out, "member "));
	CU_ASSERT_EQUAL(sh("sqlite3 '%s' 'SELECT tables FROM rebuild_log'", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"dues\":0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "{\"table\":\"dues\",\"before\":0,\"after\":1}"));
	CU_ASSERT_EQUAL(sh("BONTOT_PROGRESS=1 '" B "' --db '%s' rebuild", db, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "trùng khớp"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "sự kiện"));
	CU_ASSERT_EQUAL(sh("sqlite3 '%s' 'SELECT count(*) FROM rebuild_log'", db, NULL), 0);
	CU_ASSERT_STRING_EQUAL(out, "2\n");
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"help, usage and exit codes", test_cli__help_usage_and_exit_codes},
		{"lunar and holidays", test_cli__lunar_and_holidays},
		{"import, evaluate, export round trip", test_cli__import_evaluate_export_round_trip},
		{"a bad file is refused with line and field", test_cli__a_bad_file_is_refused_with_line_and_field},
		{"a secretary records a meeting and corrects it", test_cli__secretary_records_a_meeting_and_corrects_it},
		{"the rough edges a new user met", test_cli__rough_edges_a_new_user_met},
		CU_TEST_INFO_NULL};
	int rc = bt_test_run("cli", tests);
	free(out);
	free(err);
	return rc;
}
