/*
 * test_membership.c - the one membership rule at its edges (the day of
 * joining, of leaving, of a transfer), the field-by-field merge of a fact's
 * versions, and the cell findings.
 */
#include "support.h"
#include "merge.h"

#include <stdlib.h>
#include <string.h>

static bt_date d(int y, int m, int dd) { return bt_date_from_ymd(y, m, dd); }

static void test_membership__the_edges_of_joining_leaving_and_transfers(void)
{
	bt_test_records rs = {0};
	bt_roster *r = NULL;
	bt_test_add(&rs, "{\"kind\":\"member\",\"id\":\"A\",\"cell\":\"C1\",\"name\":\"An\",\"status\":\"official\",\"role\":\"member\","
			 "\"joined\":\"2026-01-10\",\"left\":\"2026-11-20\"}");
	bt_test_add(&rs, "{\"kind\":\"transfer\",\"member\":\"A\",\"date\":\"2026-07-01\",\"from\":\"C1\",\"to\":\"C2\"}");
	bt_test_add(&rs, "{\"kind\":\"transfer\",\"member\":\"A\",\"date\":\"2026-03-01\",\"from\":\"C0\",\"to\":\"C1\"}");
	bt_test_add(&rs, "{\"kind\":\"exemption\",\"member\":\"A\",\"from\":\"2026-08-01\",\"to\":\"2026-08-31\",\"reason\":\"ốm\"}");
	bt_test_add(&rs, "{\"kind\":\"member\",\"id\":\"B\",\"cell\":\"C1\",\"name\":\"Bình\",\"status\":\"official\",\"role\":\"member\","
			 "\"joined\":\"2000-01-01\"}");
	CU_ASSERT_EQUAL_FATAL(bt_roster_build(&r, (const bt_record *const *)rs.v, rs.n), 0);
	CU_ASSERT_EQUAL(bt_roster_size(r), 2);
	const bt_membership *a = bt_roster_find(r, "A"), *b = bt_roster_find(r, "B");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NULL(bt_roster_find(r, "Z"));
	CU_ASSERT_EQUAL(a->n_transfers, 2);
	CU_ASSERT_EQUAL(a->transfers[0]->date, d(2026, 3, 1)); /* sorted by date */
	/* Joining: the day itself counts; the day before does not. */
	CU_ASSERT_FALSE(bt_membership_in_party_on(a, d(2026, 1, 9)));
	CU_ASSERT_TRUE(bt_membership_in_party_on(a, d(2026, 1, 10)));
	/* Before the first transfer: its "from". */
	CU_ASSERT_STRING_EQUAL(bt_membership_cell_on(a, d(2026, 2, 28)), "C0");
	CU_ASSERT_TRUE(bt_membership_in_cell_on(a, "C0", d(2026, 1, 10)));
	CU_ASSERT_FALSE(bt_membership_in_cell_on(a, "C1", d(2026, 2, 28)));
	/* The day of a transfer is in the new cell. */
	CU_ASSERT_TRUE(bt_membership_in_cell_on(a, "C1", d(2026, 3, 1)));
	CU_ASSERT_TRUE(bt_membership_in_cell_on(a, "C1", d(2026, 6, 30)));
	CU_ASSERT_FALSE(bt_membership_in_cell_on(a, "C1", d(2026, 7, 1)));
	CU_ASSERT_TRUE(bt_membership_in_cell_on(a, "C2", d(2026, 7, 1)));
	CU_ASSERT_STRING_EQUAL(bt_membership_current_cell(a), "C2");
	/* Leaving: the day itself is already out. */
	CU_ASSERT_TRUE(bt_membership_in_cell_on(a, "C2", d(2026, 11, 19)));
	CU_ASSERT_FALSE(bt_membership_in_cell_on(a, "C2", d(2026, 11, 20)));
	/* Exempt from and to, both included: in the cell, but not required. */
	CU_ASSERT_TRUE(bt_membership_in_cell_on(a, "C2", d(2026, 8, 1)));
	CU_ASSERT_FALSE(bt_membership_required_on(a, "C2", d(2026, 8, 1)));
	CU_ASSERT_FALSE(bt_membership_required_on(a, "C2", d(2026, 8, 31)));
	CU_ASSERT_TRUE(bt_membership_required_on(a, "C2", d(2026, 9, 1)));
	CU_ASSERT_TRUE(bt_membership_required_on(a, "C2", d(2026, 7, 31)));
	/* During a span: any day of it. */
	CU_ASSERT_TRUE(bt_membership_in_cell_during(a, "C1", d(2026, 6, 30), d(2026, 7, 31)));
	CU_ASSERT_FALSE(bt_membership_in_cell_during(a, "C1", d(2026, 7, 1), d(2026, 7, 31)));
	CU_ASSERT_TRUE(bt_membership_in_cell_during(a, "C2", d(2026, 6, 1), d(2026, 7, 1)));
	CU_ASSERT_FALSE(bt_membership_in_cell_during(a, "C0", d(2025, 12, 1), d(2026, 1, 9)));
	CU_ASSERT_TRUE(bt_membership_in_cell_during(a, "C0", d(2025, 12, 1), d(2026, 1, 10)));
	CU_ASSERT_TRUE(bt_membership_ever_in(a, "C0") && bt_membership_ever_in(a, "C1") && bt_membership_ever_in(a, "C2"));
	CU_ASSERT_FALSE(bt_membership_ever_in(a, "C9"));
	/* No transfer: the record's cell, always. */
	CU_ASSERT_STRING_EQUAL(bt_membership_cell_on(b, d(1999, 1, 1)), "C1");
	CU_ASSERT_FALSE(bt_membership_in_cell_on(b, "C1", d(1999, 12, 31)));
	bt_roster_free(r);
	bt_test_records_free(&rs);
}

/* A version of a fact, as the store hands them to the merge. */
static bt_version version(bt_test_records *rs, const char *ref, const char *ts, const char *const *base, size_t n_base,
			  const char *fmt)
{
	bt_test_add(rs, "%s", fmt);
	bt_version v = {rs->v[rs->n - 1], ref, ts, "", 0, base, n_base, 1};
	v.log = ref; /* the order of the tests is by timestamp first */
	v.seq = 1;
	return v;
}

static void test_merge__fields_merge_and_only_one_field_twice_conflicts(void)
{
	bt_test_records rs = {0};
	bt_merge_result m;
	static const char *const base1[] = {"office#1"};
	static const char *const both[] = {"office#2", "tab#1"};
	/* The first version; the office corrects the name, the tablet (not having seen that) the role. */
	bt_version v[4];
	v[0] = version(&rs, "office#1", "2026-01-01T00:00:00Z", NULL, 0,
		       "{\"kind\":\"member\",\"id\":\"A\",\"cell\":\"C1\",\"name\":\"An\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\"}");
	v[1] = version(&rs, "office#2", "2026-02-01T00:00:00Z", base1, 1,
		       "{\"kind\":\"member\",\"id\":\"A\",\"cell\":\"C1\",\"name\":\"Ân\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\"}");
	v[2] = version(&rs, "tab#1", "2026-01-15T00:00:00Z", base1, 1,
		       "{\"kind\":\"member\",\"id\":\"A\",\"cell\":\"C1\",\"name\":\"An\",\"status\":\"official\",\"role\":\"secretary\",\"joined\":\"2000-01-01\"}");
	CU_ASSERT_EQUAL_FATAL(bt_merge(&m, v, 3), 0);
	CU_ASSERT_STRING_EQUAL(m.merged->name, "Ân");
	CU_ASSERT_EQUAL(m.merged->role, BT_ROLE_SECRETARY);
	CU_ASSERT_EQUAL(m.conflicts.n, 0);
	CU_ASSERT_EQUAL(m.n_heads, 2);
	CU_ASSERT_EQUAL(m.latest, 1);
	bt_merge_result_free(&m);
	/* Any order in, the same out. */
	bt_version w[3] = {v[2], v[0], v[1]};
	CU_ASSERT_EQUAL_FATAL(bt_merge(&m, w, 3), 0);
	CU_ASSERT_STRING_EQUAL(m.merged->name, "Ân");
	CU_ASSERT_EQUAL(m.merged->role, BT_ROLE_SECRETARY);
	bt_merge_result_free(&m);
	/* The same field both ways: the later counts, and it is a conflict. */
	v[2] = version(&rs, "tab#1", "2026-01-15T00:00:00Z", base1, 1,
		       "{\"kind\":\"member\",\"id\":\"A\",\"cell\":\"C1\",\"name\":\"Anh\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\"}");
	CU_ASSERT_EQUAL_FATAL(bt_merge(&m, v, 3), 0);
	CU_ASSERT_STRING_EQUAL(m.merged->name, "Ân");
	CU_ASSERT_EQUAL_FATAL(m.conflicts.n, 1);
	CU_ASSERT_STRING_EQUAL(m.conflicts.v[0].field, "name");
	CU_ASSERT_EQUAL(m.conflicts.v[0].winner, 1);
	CU_ASSERT_EQUAL(m.conflicts.v[0].loser, 2);
	CU_ASSERT_FALSE(m.conflicts.v[0].settled);
	bt_merge_result_free(&m);
	/* A correction that saw both settles it, and its value counts. */
	v[3] = version(&rs, "tab#2", "2026-03-01T00:00:00Z", both, 2,
		       "{\"kind\":\"member\",\"id\":\"A\",\"cell\":\"C1\",\"name\":\"Anh\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\"}");
	CU_ASSERT_EQUAL_FATAL(bt_merge(&m, v, 4), 0);
	CU_ASSERT_STRING_EQUAL(m.merged->name, "Anh");
	CU_ASSERT_EQUAL(m.n_heads, 1);
	for (size_t i = 0; i < m.conflicts.n; i++)
		CU_ASSERT_TRUE(m.conflicts.v[i].settled);
	bt_merge_result_free(&m);
	/* Version-1 events (no base) replace the whole record, as before. */
	v[1].base_known = v[2].base_known = 0;
	CU_ASSERT_EQUAL_FATAL(bt_merge(&m, v, 3), 0);
	CU_ASSERT_STRING_EQUAL(m.merged->name, "Ân");
	CU_ASSERT_EQUAL(m.merged->role, BT_ROLE_MEMBER);
	CU_ASSERT_EQUAL(m.conflicts.n, 0);
	bt_merge_result_free(&m);
	bt_test_records_free(&rs);
}

static void test_merge__a_meetings_marks_are_one_field_each(void)
{
	bt_test_records rs = {0};
	bt_merge_result m;
	static const char *const base1[] = {"t1#1"};
	bt_version v[3];
	v[0] = version(&rs, "t1#1", "2026-01-01T00:00:00Z", NULL, 0,
		       "{\"kind\":\"meeting\",\"id\":\"M\",\"cell\":\"C1\",\"date\":\"2026-03-06\",\"start\":\"19:00\",\"end\":\"21:00\","
		       "\"attendance\":{\"A\":\"present\",\"B\":\"present\"},\"speakers\":[\"A\"]}");
	v[1] = version(&rs, "t1#2", "2026-01-02T00:00:00Z", base1, 1,
		       "{\"kind\":\"meeting\",\"id\":\"M\",\"cell\":\"C1\",\"date\":\"2026-03-06\",\"start\":\"19:00\",\"end\":\"21:00\","
		       "\"attendance\":{\"A\":\"excused\",\"B\":\"present\"}}");
	v[2] = version(&rs, "t2#1", "2026-01-03T00:00:00Z", base1, 1,
		       "{\"kind\":\"meeting\",\"id\":\"M\",\"cell\":\"C1\",\"date\":\"2026-03-06\",\"start\":\"19:00\",\"end\":\"22:00\","
		       "\"attendance\":{\"A\":\"present\",\"B\":\"present\"},\"speakers\":[\"A\",\"B\"]}");
	CU_ASSERT_EQUAL_FATAL(bt_merge(&m, v, 3), 0);
	/* One took A's speech away and excused A; the other added B's speech and a later end: all apply. */
	CU_ASSERT_EQUAL(m.merged->end_minute, 22 * 60);
	CU_ASSERT_EQUAL(m.merged->n_attendance, 2);
	CU_ASSERT_EQUAL(m.merged->attendance[0].status, BT_EXCUSED);
	CU_ASSERT_EQUAL(m.merged->n_speakers, 1);
	CU_ASSERT_STRING_EQUAL(m.merged->speakers[0], "B");
	CU_ASSERT_EQUAL(m.conflicts.n, 0);
	bt_merge_result_free(&m);
	bt_test_records_free(&rs);
}

static void test_findings__a_cells_disagreements(void)
{
	bt_test_records rs = {0};
	bt_findings f = {0};
	bt_test_add(&rs, "{\"kind\":\"cell\",\"id\":\"C1\",\"committee\":\"D\",\"name\":\"Một\"}");
	bt_test_add(&rs, "{\"kind\":\"member\",\"id\":\"A\",\"cell\":\"C1\",\"name\":\"An\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\"}");
	bt_test_add(&rs, "{\"kind\":\"member\",\"id\":\"B\",\"cell\":\"C1\",\"name\":\"Bình\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\"}");
	bt_test_add(&rs, "{\"kind\":\"member\",\"id\":\"C\",\"cell\":\"C1\",\"name\":\"Cúc\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2026-05-01\"}");
	bt_test_add(&rs, "{\"kind\":\"transfer\",\"member\":\"B\",\"date\":\"2026-07-01\",\"from\":\"C1\",\"to\":\"C2\"}");
	/* July: B is gone (NOT_IN_CELL), C is not marked (UNMARKED_MEMBER), Q unknown (NOT_IN_CELL). */
	bt_test_add(&rs, "{\"kind\":\"meeting\",\"id\":\"M7\",\"cell\":\"C1\",\"date\":\"2026-07-06\",\"start\":\"19:00\",\"end\":\"21:00\","
			 "\"attendance\":{\"A\":\"present\",\"B\":\"present\",\"Q\":\"present\"}}");
	/* Dues of a month before C joined; a dues month naming B after he left. */
	bt_test_add(&rs, "{\"kind\":\"dues\",\"member\":\"C\",\"month\":\"2026-04\",\"amount\":1,\"paid_on\":\"2026-05-02\"}");
	bt_test_add(&rs, "{\"kind\":\"dues\",\"member\":\"C\",\"month\":\"2026-05\",\"amount\":1,\"paid_on\":\"2026-05-02\"}");
	bt_test_add(&rs, "{\"kind\":\"dues_month\",\"cell\":\"C1\",\"month\":\"2026-08\",\"amount\":1,\"paid_on\":\"2026-08-06\",\"members\":[\"A\",\"B\",\"C\"]}");
	bt_test_add(&rs, "{\"kind\":\"dues_month\",\"cell\":\"C1\",\"month\":\"2026-07\",\"amount\":1,\"paid_on\":\"2026-07-06\",\"members\":[\"A\",\"B\",\"C\"]}");
	CU_ASSERT_EQUAL_FATAL(bt_findings_cell(&f, (const bt_record *const *)rs.v, rs.n, "C1"), 0);
	bt_findings_sort(&f);
	/* B moved on 1 July: July's dues month names him too (he was in C1 no day of July). */
	const char *want[] = {"NOT_IN_CELL|dues:C/2026-04|C",	  "NOT_IN_CELL|dues_month:C1/2026-07|B", "NOT_IN_CELL|meeting:M7|B",
			      "NOT_IN_CELL|meeting:M7|Q", "UNMARKED_MEMBER|meeting:M7|C",	   "NOT_IN_CELL|dues_month:C1/2026-08|B"};
	CU_ASSERT_EQUAL(f.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < f.n && i < sizeof(want) / sizeof(want[0]); i++) {
		if (strcmp(f.v[i].id, want[i]) != 0)
			fprintf(stderr, "finding %zu: %s, wanted %s\n", i, f.v[i].id, want[i]);
		CU_ASSERT_STRING_EQUAL(f.v[i].id, want[i]);
		char msg[1024];
		bt_finding_message(msg, sizeof(msg), &f.v[i]);
		CU_ASSERT(strlen(msg) > 40);
	}
	bt_findings_free(&f);
	/* Two meetings on one date: the later counts, the other is DUPLICATE_MEETING (and raises nothing else). */
	bt_test_add(&rs, "{\"kind\":\"meeting\",\"id\":\"M7b\",\"cell\":\"C1\",\"date\":\"2026-07-06\",\"start\":\"19:00\",\"end\":\"21:00\","
			 "\"attendance\":{\"A\":\"present\",\"C\":\"present\"}}");
	rs.v[5]->ts = strdup("2026-07-06T10:00:00Z");
	rs.v[rs.n - 1]->ts = strdup("2026-07-06T11:00:00Z");
	CU_ASSERT_EQUAL_FATAL(bt_findings_cell(&f, (const bt_record *const *)rs.v, rs.n, "C1"), 0);
	int dup = 0, about_m7 = 0;
	for (size_t i = 0; i < f.n; i++) {
		dup += f.v[i].code == BT_F_DUPLICATE_MEETING && strcmp(f.v[i].key, "M7") == 0 && strcmp(f.v[i].other_key, "M7b") == 0;
		about_m7 += f.v[i].code != BT_F_DUPLICATE_MEETING && strcmp(f.v[i].key, "M7") == 0;
	}
	CU_ASSERT_EQUAL(dup, 1);
	CU_ASSERT_EQUAL(about_m7, 0);
	bt_findings_free(&f);
	bt_test_records_free(&rs);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"membership: the edges of joining, leaving and transfers", test_membership__the_edges_of_joining_leaving_and_transfers},
		{"merge: fields merge, only one field twice conflicts", test_merge__fields_merge_and_only_one_field_twice_conflicts},
		{"merge: a meeting's marks are one field each", test_merge__a_meetings_marks_are_one_field_each},
		{"findings: a cell's disagreements", test_findings__a_cells_disagreements},
		CU_TEST_INFO_NULL};
	return bt_test_run("membership", tests);
}
