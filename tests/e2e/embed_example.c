/* A tablet app's use of the library: open the cell's store, record a
 * meeting, read the to-do list and the evaluation. Build: cc app.c
 * $(pkg-config --cflags --libs --static bontot). Usage: app STORE */
#include <bontot.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int print_cell(const bt_cell_result *r, void *payload)
{
	(void)payload;
	printf("%s: %s\n", r->name, r->four_good ? "four-good" : "not yet");
	return 0;
}

int main(int argc, char **argv)
{
	bt_store *store = NULL;
	bt_record *meeting = NULL;
	bt_status todo;
	int64_t event = 0;
	int rc = 1;

	if (argc != 2)
		return 2;
	/* Messages in the tablet's language: Vietnamese under a vi_VN locale. */
	setlocale(LC_ALL, "");
	bt_messages_init(getenv("BONTOT_LOCALEDIR"));
	if (bt_store_open(&store, argv[1]) < 0)
		goto fail;

	/* 1. Record a meeting: build its record, let the library check it. */
	const char *line = "{\"kind\":\"meeting\",\"id\":\"CB-01-2026-03-06\",\"cell\":\"CB-01\","
			   "\"date\":\"2026-03-06\",\"start\":\"19:30\",\"end\":\"21:05\",\"regular\":true,"
			   "\"thematic\":true,\"prepared\":true,\"resolution\":true,\"minutes\":true,"
			   "\"attendance\":{\"DV-01\":\"present\",\"DV-02\":\"excused\"},\"speakers\":[\"DV-01\"]}";
	if (bt_record_parse(&meeting, line, strlen(line)) < 0)
		goto fail;
	bt_import_opts who = BT_IMPORT_OPTS_INIT;
	who.timestamp = "2026-03-06T14:10:00Z"; /* from the tablet's clock, UTC */
	who.author = "tablet-CB-01";
	if (bt_store_record(store, meeting, BT_RECORD_NEW, &who, &event) < 0)
		goto fail;
	printf("recorded as event %lld\n", (long long)event);

	/* 2. What is still due on 7 March. */
	bt_date today;
	if (bt_date_parse(&today, "2026-03-07", 10) < 0 || bt_store_status(&todo, store, "CB-01", today, NULL) < 0)
		goto fail;
	for (size_t i = 0; i < todo.n; i++)
		printf("todo %s: %s\n", bt_status_code_name(todo.items[i].code), todo.items[i].message);
	bt_status_free(&todo);

	/* 3. The evaluation so far, with the default rule set. */
	bt_eval_opts opts = BT_EVAL_OPTS_INIT;
	opts.year = 2026;
	opts.as_of = today;
	if (bt_store_evaluate(store, &opts, "CB-01", print_cell, NULL) < 0)
		goto fail;
	rc = 0;
fail:
	if (rc)
		fprintf(stderr, "error: %s\n", bt_error_last());
	bt_record_free(meeting);
	bt_store_free(store);
	return rc;
}
