/* cmd_status.c - bontot status: the secretary's to-do list for a day. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void json_str(const char *key, const char *value, int comma)
{
	char buf[1200];
	size_t len = 0;
	cli_json_escape(buf, sizeof(buf), &len, value);
	printf("%s\"%s\":%s", comma ? "," : "", key, buf);
}

typedef struct {
	int json, first;
	bt_date date;
	const bt_rules *rules;
	bt_calendar *cal;
	bt_store *store;
} status_ctx;

typedef struct {
	int json;
	size_t n;
} findings_ctx;

static int print_finding(const bt_finding *f, void *payload)
{
	findings_ctx *c = payload;
	if (c->json) {
		bt_buf b;
		bt_buf_init(&b, 0);
		int err = bt_finding_json(&b, f, 1);
		if (err == 0)
			printf("%s%s", c->n ? "," : "", b.data);
		bt_buf_free(&b);
		c->n++;
		return err;
	}
	if (c->n++ == 0)
		printf(_("  TO REVIEW (records that disagree; bontot findings):\n"));
	cli_print_finding(stdout, f, "    ");
	return 0;
}

static int print_cell(const char *cell, const bt_record *const *recs, size_t n, void *payload)
{
	status_ctx *c = payload;
	bt_status st;
	char day[16], iso[BT_DATE_STR_BYTES];
	int err = bt_status_cell(&st, recs, n, cell, c->date, c->rules, c->cal);
	bt_findings_query q = BT_FINDINGS_QUERY_INIT;
	findings_ctx fc = {c->json, 0};
	if (err < 0)
		return err;
	/* The open findings come first: what the secretary must look at before anything else. */
	q.cell = cell;
	q.open_only = 1;
	if (c->json) {
		printf("%s{", c->first ? "" : ",");
		json_str("cell", cell, 0);
		printf(",\"findings\":[");
		if ((err = bt_store_findings(c->store, &q, print_finding, &fc)) < 0) {
			bt_status_free(&st);
			return err;
		}
		printf("],\"items\":[");
		for (size_t k = 0; k < st.n; k++) {
			const bt_status_item *it = &st.items[k];
			printf("%s{\"code\":\"%s\"", k ? "," : "", bt_status_code_name(it->code));
			if (it->member[0])
				json_str("member", it->member, 1);
			if (it->target[0])
				json_str("target", it->target, 1);
			if (it->deadline != BT_DATE_NONE) {
				bt_date_format(iso, it->deadline);
				printf(",\"deadline\":\"%s\"", iso);
			}
			if (it->value[0])
				json_str("value", it->value, 1);
			json_str("message", it->message, 1);
			printf("}");
		}
		printf("]}");
	} else {
		cli_format_date_vi(day, c->date);
		printf(_("TO DO — cell %s — %s\n"), cell, day);
		if ((err = bt_store_findings(c->store, &q, print_finding, &fc)) < 0) {
			bt_status_free(&st);
			return err;
		}
		if (fc.n)
			printf(_("  TO DO:\n"));
		for (size_t k = 0; k < st.n; k++)
			printf("  %zu. %s\n", k + 1, st.items[k].message);
		if (!st.n)
			printf(_("  Nothing overdue or coming due.\n"));
		printf("\n");
	}
	c->first = 0;
	bt_status_free(&st);
	return 0;
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {{"cell", required_argument, NULL, 'c'}, {"date", required_argument, NULL, 'd'},
					     {"rules", required_argument, NULL, 'r'}, {"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},	      {0}};
	const char *cell = NULL, *date_arg = NULL, *rules_arg = NULL;
	int c, rc = CLI_FAIL;
	bt_rules rules;
	bt_store *s = NULL;
	status_ctx ctx = {0, 1, 0, &rules, NULL, NULL};
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cell = optarg; break;
		case 'd': date_arg = optarg; break;
		case 'r': rules_arg = optarg; break;
		case 'j': ctx.json = 1; break;
		case 'h':
			printf(_("Usage: bontot [--db FILE] status [--cell CELL] [--date DATE] [--rules RULES] [--json]\n"
				"\n"
				"A cell's to-do list on a day (default today): first the records that disagree and\n"
				"need a person (bontot findings), then the next meeting and its deadline,\n"
				"months without a recorded meeting, the quarter's thematic meeting, members one excused\n"
				"absence away from three in a row, unpaid dues, open targets and commitments (from\n"
				"October), and members to be considered for removal (absent without reason, or dues\n"
				"unpaid, three months in the year). Without --cell: every cell in the store.\n"
				"DATE as dd/mm/yyyy or YYYY-MM-DD.\n"));
			return CLI_OK;
		default: return cli_usage_error("status", _("invalid option"));
		}
	}
	if (optind != argc)
		return cli_usage_error("status", _("unexpected argument \"%s\""), argv[optind]);
	if (date_arg) {
		if (bt_date_parse_typed(&ctx.date, date_arg) < 0)
			return cli_usage_error("status", "--date: %s", bt_error_last());
	} else {
		ctx.date = cli_today();
	}
	if (cli_load_rules(&rules, rules_arg) < 0)
		return CLI_FAIL;
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	ctx.store = s;
	if (bt_store_calendar(s, &ctx.cal) < 0) {
		cli_fail(NULL);
		goto done;
	}
	int y, m, d;
	char iso[BT_DATE_STR_BYTES];
	bt_date_to_ymd(ctx.date, &y, &m, &d);
	bt_date_format(iso, ctx.date);
	/* Before anything: the office's log disagreed with what this tablet saw (the evidence is kept). */
	char conflict[2 * BT_NOTE_MAX_BYTES + 64];
	int forked = bt_store_setting(s, "checkpoint_conflict", conflict, sizeof(conflict)) == 0 && conflict[0];
	bt_error_clear();
	if (forked && !ctx.json)
		printf(_("WARNING: the office's signed log did not agree with what this tablet saw before; do not trust its\n"
			 "evaluation and report it to the inspection committee. The two checkpoints kept as evidence:\n%s\n\n"),
		       conflict);
	if (ctx.json) {
		printf("{\"date\":\"%s\",", iso);
		if (forked) {
			char esc[sizeof(conflict) * 2];
			size_t n = 0;
			cli_json_escape(esc, sizeof(esc), &n, conflict);
			printf("\"log_conflict\":%s,", esc);
		}
		printf("\"cells\":[");
	}
	int err = bt_store_each_cell(s, y, cell, print_cell, &ctx);
	if (ctx.json)
		printf("]}\n");
	if (err < 0) {
		cli_fail(NULL);
		goto done;
	}
	rc = CLI_OK;
done:
	bt_calendar_free(ctx.cal);
	bt_store_free(s);
	return rc;
}
