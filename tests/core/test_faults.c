/*
 * test_faults.c - fail each allocation in turn (after curl's torture
 * tests): parsing a record, evaluating a cell and building the JSON
 * must end in success or a clean BT_ENOMEM, never a crash or a leak (the
 * suite runs under ASan/LeakSanitizer).
 *
 * The library's own calls to malloc, calloc and realloc are wrapped at link
 * time (-Wl,--wrap); allocations inside SQLite, jansson and utf8proc are not
 * counted, their failures reach us as their own error codes.
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static long countdown = -1; /* fail when it reaches 0; -1: never */
static long calls;

static int fail_now(void)
{
	calls++;
	if (countdown < 0)
		return 0;
	return countdown-- == 0;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return fail_now() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }

static const char *const MEETING =
	"{\"kind\":\"meeting\",\"id\":\"M\",\"cell\":\"CB\",\"date\":\"2025-03-05\",\"start\":\"19:30\",\"end\":\"20:30\","
	"\"regular\":true,\"thematic\":true,\"prepared\":false,\"resolution\":true,\"minutes\":true,"
	"\"attendance\":{\"A\":\"present\",\"B\":\"absent\",\"C\":\"excused\"},\"speakers\":[\"A\"]}";

static void test_faults__record_parse_fails_cleanly_at_every_allocation(void)
{
	long n_calls;
	bt_record *r = NULL;
	calls = 0;
	countdown = -1;
	CU_ASSERT_EQUAL_FATAL(bt_record_parse(&r, MEETING, strlen(MEETING)), 0);
	bt_record_free(r);
	n_calls = calls;
	CU_ASSERT(n_calls > 5);
	for (long i = 0; i < n_calls; i++) {
		countdown = i;
		r = NULL;
		int err = bt_record_parse(&r, MEETING, strlen(MEETING));
		countdown = -1;
		/* jansson reports its own allocation failures as a parse error. */
		CU_ASSERT(err == 0 || err == BT_ENOMEM || err == BT_EINVALID);
		if (err == 0)
			bt_record_free(r);
		else
			CU_ASSERT_PTR_NULL(r);
	}
}

static void test_faults__evaluation_fails_cleanly_at_every_allocation(void)
{
	const char *lines[] = {
		"{\"kind\":\"cell\",\"id\":\"CB\",\"committee\":\"DU\",\"name\":\"Chi bộ\"}",
		"{\"kind\":\"member\",\"id\":\"A\",\"cell\":\"CB\",\"name\":\"An\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\"}",
		"{\"kind\":\"member\",\"id\":\"B\",\"cell\":\"CB\",\"name\":\"Bình\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\"}",
		"{\"kind\":\"member\",\"id\":\"C\",\"cell\":\"CB\",\"name\":\"Chi\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\"}",
		"{\"kind\":\"exemption\",\"member\":\"C\",\"from\":\"2025-06-01\"}",
		MEETING,
		"{\"kind\":\"dues\",\"member\":\"A\",\"month\":\"2025-01\",\"amount\":1,\"paid_on\":\"2025-01-05\"}",
		"{\"kind\":\"target\",\"id\":\"T\",\"cell\":\"CB\",\"year\":2025,\"title\":\"x\",\"done\":false}",
		"{\"kind\":\"commitment\",\"id\":\"K\",\"member\":\"A\",\"year\":2025,\"title\":\"x\"}",
		"{\"kind\":\"discipline\",\"member\":\"B\",\"date\":\"2025-04-01\",\"form\":\"khiển trách\"}",
		"{\"kind\":\"attestation\",\"subject\":\"A\",\"year\":2025,\"criterion\":\"2.4\",\"pass\":false}",
	};
	bt_test_records rs = {0};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		bt_test_add(&rs, "%s", lines[i]);
	bt_calendar *cal = NULL;
	CU_ASSERT_EQUAL_FATAL(bt_calendar_new(&cal), 0);
	bt_eval_opts o = BT_EVAL_OPTS_INIT;
	o.year = 2025;
	o.calendar = cal;
	bt_cell_result *res = NULL;
	bt_buf b;
	/* Warm the calendar's cache so that the counted run and the failing runs allocate the same. */
	CU_ASSERT_EQUAL_FATAL(bt_eval_cell(&res, (const bt_record *const *)rs.v, rs.n, "CB", &o), 0);
	bt_cell_result_free(res);
	calls = 0;
	CU_ASSERT_EQUAL_FATAL(bt_eval_cell(&res, (const bt_record *const *)rs.v, rs.n, "CB", &o), 0);
	bt_buf_init(&b, 0);
	CU_ASSERT_EQUAL_FATAL(bt_eval_cell_json(&b, res), 0);
	long n_calls = calls;
	CU_ASSERT(n_calls > 10); /* the wrapping works: the library's allocations are counted */
	bt_buf_free(&b);
	bt_cell_result_free(res);
	for (long i = 0; i < n_calls; i++) {
		countdown = i;
		res = NULL;
		int err = bt_eval_cell(&res, (const bt_record *const *)rs.v, rs.n, "CB", &o);
		if (err == 0) {
			bt_buf_init(&b, 0);
			err = bt_eval_cell_json(&b, res);
			bt_buf_free(&b);
			bt_cell_result_free(res);
		} else {
			CU_ASSERT_PTR_NULL(res);
		}
		countdown = -1;
		CU_ASSERT(err == 0 || err == BT_ENOMEM);
	}
	bt_calendar_free(cal);
	bt_test_records_free(&rs);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"record parsing fails cleanly at every allocation", test_faults__record_parse_fails_cleanly_at_every_allocation},
		{"evaluation fails cleanly at every allocation", test_faults__evaluation_fails_cleanly_at_every_allocation},
		CU_TEST_INFO_NULL};
	return bt_test_run("faults", tests);
}
