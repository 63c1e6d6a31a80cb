/* test_status.c - the secretary's to-do list (bontot/status.h). */
#include "support.h"

#include <stdlib.h>
#include <string.h>

static bt_date D(const char *s)
{
	bt_date d = 0;
	CU_ASSERT_FATAL(bt_date_parse(&d, s, strlen(s)) == 0);
	return d;
}

static const bt_status_item *find(const bt_status *st, bt_status_code code, const char *member)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->items[i].code == code && (!member || strcmp(st->items[i].member, member) == 0))
			return &st->items[i];
	return NULL;
}

static int count(const bt_status *st, bt_status_code code)
{
	int n = 0;
	for (size_t i = 0; i < st->n; i++)
		n += st->items[i].code == code;
	return n;
}

static void fixture(bt_test_records *rs)
{
	bt_test_add(rs, "{\"kind\":\"cell\",\"id\":\"CB\",\"committee\":\"DU\",\"name\":\"Chi bộ\"}");
	const char *names[3] = {"Nguyễn Văn An", "Trần Văn Bình", "Lê Thị Chi"};
	for (int k = 0; k < 3; k++)
		bt_test_add(rs, "{\"kind\":\"member\",\"id\":\"%c\",\"cell\":\"CB\",\"name\":\"%s\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\"}",
			    'A' + k, names[k]);
	/* Meetings in January, March, April and May (February missing). B absent three times; C excused twice in a row. */
	const char *dates[4] = {"2025-01-06", "2025-03-05", "2025-04-07", "2025-05-05"};
	const char *b[4] = {"absent", "absent", "absent", "present"};
	const char *c[4] = {"present", "present", "excused", "excused"};
	for (int i = 0; i < 4; i++)
		bt_test_add(rs, "{\"kind\":\"meeting\",\"id\":\"M%d\",\"cell\":\"CB\",\"date\":\"%s\",\"start\":\"19:00\",\"end\":\"21:00\",\"regular\":true,\"thematic\":%s,"
				"\"attendance\":{\"A\":\"present\",\"B\":\"%s\",\"C\":\"%s\"},\"speakers\":[\"A\"]}",
			    i, dates[i], i == 1 ? "true" : "false", b[i], c[i]);
	/* A and C pay every month to April; B pays nothing. */
	for (int m = 1; m <= 4; m++) {
		bt_test_add(rs, "{\"kind\":\"dues\",\"member\":\"A\",\"month\":\"2025-%02d\",\"amount\":1,\"paid_on\":\"2025-%02d-20\"}", m, m);
		bt_test_add(rs, "{\"kind\":\"dues\",\"member\":\"C\",\"month\":\"2025-%02d\",\"amount\":1,\"paid_on\":\"2025-%02d-20\"}", m, m);
	}
}

static void test_status__what_is_due_on_20_may(void)
{
	bt_test_records rs = {0};
	bt_status st;
	fixture(&rs);
	CU_ASSERT_EQUAL_FATAL(bt_status_cell(&st, (const bt_record *const *)rs.v, rs.n, "CB", D("2025-05-20"), NULL, NULL), 0);
	const bt_status_item *it = find(&st, BT_S_MEETING_OVERDUE, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(it);
	CU_ASSERT_STRING_EQUAL(it->value, "2025-02");
	CU_ASSERT_EQUAL(count(&st, BT_S_MEETING_OVERDUE), 1);
	/* May is held: the next meeting is June's, window 5-10 June, due the 10th. */
	it = find(&st, BT_S_NEXT_MEETING, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(it);
	CU_ASSERT_EQUAL(it->from, D("2025-06-05"));
	CU_ASSERT_EQUAL(it->deadline, D("2025-06-10"));
	/* Q2 has no thematic meeting yet: due 30 June. */
	it = find(&st, BT_S_THEMATIC_DUE, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(it);
	CU_ASSERT_EQUAL(it->deadline, D("2025-06-30"));
	/* C: two excused in a row, one away from failing. */
	it = find(&st, BT_S_EXCUSED_STREAK, "C");
	CU_ASSERT_PTR_NOT_NULL(it);
	CU_ASSERT_PTR_NULL(find(&st, BT_S_EXCUSED_STREAK, "B"));
	/* B: dues January-April unpaid (May has not ended); removal review for absences and dues. */
	it = find(&st, BT_S_DUES_UNPAID, "B");
	CU_ASSERT_PTR_NOT_NULL_FATAL(it);
	CU_ASSERT_STRING_EQUAL(it->value, "2025-01,2025-02,2025-03,2025-04");
	CU_ASSERT_PTR_NOT_NULL(strstr(it->message, "01/2025, 02/2025, 03/2025, 04/2025"));
	CU_ASSERT_PTR_NULL(find(&st, BT_S_DUES_UNPAID, "A"));
	it = find(&st, BT_S_REMOVAL_REVIEW, "B");
	CU_ASSERT_PTR_NOT_NULL_FATAL(it);
	CU_ASSERT_STRING_EQUAL(it->value, "absent=3,unpaid=4");
	CU_ASSERT_EQUAL(count(&st, BT_S_REMOVAL_REVIEW), 1);
	/* Before October: no reminder about targets and commitments. */
	CU_ASSERT_EQUAL(count(&st, BT_S_TARGETS_MISSING) + count(&st, BT_S_COMMITMENT_MISSING), 0);
	bt_status_free(&st);
	bt_test_records_free(&rs);
}

static void test_status__year_end_reminders_from_october(void)
{
	bt_test_records rs = {0};
	bt_status st;
	fixture(&rs);
	bt_test_add(&rs, "{\"kind\":\"target\",\"id\":\"T1\",\"cell\":\"CB\",\"year\":2025,\"title\":\"x\",\"done\":null}");
	bt_test_add(&rs, "{\"kind\":\"commitment\",\"id\":\"K1\",\"member\":\"A\",\"year\":2025,\"title\":\"x\",\"fulfilled\":null}");
	CU_ASSERT_EQUAL_FATAL(bt_status_cell(&st, (const bt_record *const *)rs.v, rs.n, "CB", D("2025-10-15"), NULL, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(find(&st, BT_S_TARGET_OPEN, NULL));
	CU_ASSERT_PTR_NOT_NULL(find(&st, BT_S_COMMITMENT_OPEN, "A"));
	CU_ASSERT_PTR_NOT_NULL(find(&st, BT_S_COMMITMENT_MISSING, "B"));
	CU_ASSERT_PTR_NOT_NULL(find(&st, BT_S_COMMITMENT_MISSING, "C"));
	CU_ASSERT_EQUAL(find(&st, BT_S_TARGET_OPEN, NULL)->deadline, D("2025-12-31"));
	bt_status_free(&st);
	CU_ASSERT_EQUAL(bt_status_cell(&st, (const bt_record *const *)rs.v, rs.n, "NOPE", D("2025-10-15"), NULL, NULL),
			BT_ENOTFOUND);
	CU_ASSERT_EQUAL(st.n, 0);
	bt_test_records_free(&rs);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"what is due on 20 May", test_status__what_is_due_on_20_may},
		{"year-end reminders from October", test_status__year_end_reminders_from_october},
		CU_TEST_INFO_NULL};
	return bt_test_run("status", tests);
}
