/*
 * cmd_evaluate.c - bontot evaluate: the evaluation JSON document (docs/evaluation.md), or a
 * readable Vietnamese report.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	int json;
	FILE *out;
	bt_buf buf;
	size_t cells, cells_good, members, members_good;
	int first;
} report;

static const char *const cell_titles[4] = {
	N_("1.1 Leads the political tasks to completion"), N_("1.2 Good quality of cell meetings"),
	N_("1.3 Good democracy, unity and discipline"),
	/* xgettext:no-c-format */
	N_("1.4 At least 50% of members are \"Đảng viên 4 tốt\"")};
static const char *const member_titles[4] = {"2.1", "2.2", "2.3", "2.4"};

static const char *member_name(const bt_cell_result *r, const char *id)
{
	for (size_t k = 0; k < r->n_members; k++)
		if (strcmp(r->members[k].id, id) == 0)
			return r->members[k].name;
	return id;
}

static void print_reason(FILE *f, const bt_cell_result *cell, const bt_reason *rs, const char *indent)
{
	char msg[512];
	bt_reason_message(msg, sizeof(msg), rs);
	/* Put the member's name beside the id the message names. */
	if (rs->member[0])
		fprintf(f, "%s- %s [%s]\n", indent, msg, member_name(cell, rs->member));
	else
		fprintf(f, "%s- %s\n", indent, msg);
}

static int text_cell(const bt_cell_result *r, report *rp)
{
	FILE *f = rp->out;
	fprintf(f, "\n%s (%s): %s\n", r->name, r->id, r->four_good ? _("PASSES \"Chi bộ 4 tốt\"") : _("DOES NOT YET PASS \"Chi bộ 4 tốt\""));
	for (int i = 0; i < 4; i++) {
		fprintf(f, "  %s: %s", _(cell_titles[i]), r->crit[i].pass ? _("passed") : _("not passed"));
		if (i == 3)
			fprintf(f, _(" (%zu/%zu members)"), r->members_four_good, r->members_evaluated);
		fprintf(f, "\n");
		size_t shown = 0;
		for (size_t k = 0; k < r->crit[i].n_reasons; k++, shown++) {
			if (shown == 15) {
				fprintf(f, _("      ... and %zu more reasons (see --json)\n"), r->crit[i].n_reasons - shown);
				break;
			}
			print_reason(f, r, &r->crit[i].reasons[k], "      ");
		}
	}
	size_t not_good = 0;
	for (size_t k = 0; k < r->n_members; k++)
		if (r->members[k].evaluated && !r->members[k].four_good)
			not_good++;
	if (not_good)
		fprintf(f, _("  Members not yet \"Đảng viên 4 tốt\" (%zu):\n"), not_good);
	for (size_t k = 0; k < r->n_members; k++) {
		const bt_member_result *m = &r->members[k];
		if (!m->evaluated || m->four_good)
			continue;
		fprintf(f, _("    %s (%s): not passed"), m->name, m->id);
		const char *sep = " ";
		for (int i = 0; i < 4; i++)
			if (!m->crit[i].pass) {
				fprintf(f, "%s%s", sep, member_titles[i]);
				sep = ", ";
			}
		fprintf(f, "\n");
		for (int i = 0; i < 4; i++)
			for (size_t j = 0; j < m->crit[i].n_reasons; j++)
				print_reason(f, r, &m->crit[i].reasons[j], "        ");
	}
	size_t exempt = 0;
	for (size_t k = 0; k < r->n_members; k++)
		exempt += !r->members[k].evaluated;
	if (exempt)
		fprintf(f, _("  %zu members not evaluated (exempt from activities, or no longer in the cell).\n"), exempt);
	return 0;
}

static int each(const bt_cell_result *r, void *payload)
{
	report *rp = payload;
	rp->cells++;
	rp->cells_good += r->four_good != 0;
	rp->members += r->members_evaluated;
	rp->members_good += r->members_four_good;
	if (!rp->json)
		return text_cell(r, rp);
	rp->buf.len = 0;
	if (!rp->first && bt_buf_put(&rp->buf, ",", 1) < 0)
		return BT_ENOMEM;
	rp->first = 0;
	if (bt_eval_cell_json(&rp->buf, r) < 0)
		return BT_ENOMEM;
	if (fwrite(rp->buf.data, 1, rp->buf.len, rp->out) != rp->buf.len)
		return BT_EIO;
	return 0;
}

static void help(void)
{
	printf(_("Usage: bontot [--db FILE] evaluate --year YEAR [--as-of DATE] [--cell ID] [--rules RULES] [--json]\n"
		"\n"
		"Evaluate \"Chi bộ 4 tốt\" and \"Đảng viên 4 tốt\" for YEAR, seeing only records dated\n"
		"no later than DATE.\n"
		"\n"
		"  --year YEAR       the year evaluated (required)\n"
		"  --as-of DATE      as of this day (dd/mm/yyyy or YYYY-MM-DD); default today, at most 31/12 of YEAR\n"
		"  --cell ID         evaluate one cell only\n"
		"  --rules RULES     a built-in rule set (KH-2023 by default, HD42-2025) or a JSON file\n"
		"  --json            print one JSON document (docs/evaluation.md) instead of the readable report\n"));
}

int cmd_evaluate(int argc, char **argv)
{
	static const struct option opts[] = {{"year", required_argument, NULL, 'y'}, {"as-of", required_argument, NULL, 'a'},
					     {"cell", required_argument, NULL, 'c'}, {"rules", required_argument, NULL, 'r'},
					     {"json", no_argument, NULL, 'j'},	   {"help", no_argument, NULL, 'h'},
					     {0}};
	int c, year = 0, rc = CLI_FAIL;
	const char *as_of_arg = NULL, *cell = NULL, *rules_arg = NULL;
	report rp;
	bt_rules rules;
	bt_store *s = NULL;
	bt_date as_of;

	memset(&rp, 0, sizeof(rp));
	rp.out = stdout;
	rp.first = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'y':
			if (cli_parse_year(optarg, &year) < 0)
				return cli_usage_error("evaluate", _("invalid year \"%s\""), optarg);
			break;
		case 'a': as_of_arg = optarg; break;
		case 'c': cell = optarg; break;
		case 'r': rules_arg = optarg; break;
		case 'j': rp.json = 1; break;
		case 'h': help(); return CLI_OK;
		default: return cli_usage_error("evaluate", _("invalid option"));
		}
	}
	if (optind != argc)
		return cli_usage_error("evaluate", _("unexpected argument \"%s\""), argv[optind]);
	if (!year)
		return cli_usage_error("evaluate", _("needs --year YEAR"));
	if (as_of_arg) {
		if (bt_date_parse_typed(&as_of, as_of_arg) < 0)
			return cli_usage_error("evaluate", "--as-of: %s", bt_error_last());
		int y, m, d;
		bt_date_to_ymd(as_of, &y, &m, &d);
		if (y != year)
			return cli_usage_error("evaluate", _("--as-of must be a day of the year %d"), year);
	} else {
		as_of = bt_eval_default_as_of(year, cli_today());
	}
	if (cli_load_rules(&rules, rules_arg) < 0)
		return CLI_FAIL;
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;

	if (cell) {
		/* An unknown cell is said before anything is printed (no half a JSON document). */
		bt_record *r = NULL;
		int err = bt_store_get(s, BT_KIND_CELL, cell, &r);
		bt_record_free(r);
		if (err < 0) {
			cli_fail(NULL);
			goto done;
		}
	}
	bt_eval_opts eo = BT_EVAL_OPTS_INIT;
	eo.year = year;
	eo.as_of = as_of;
	eo.rules = &rules;
	bt_buf_init(&rp.buf, 0);
	if (rp.json) {
		if (bt_eval_json_head(&rp.buf, year, as_of, &rules) < 0 || fwrite(rp.buf.data, 1, rp.buf.len, stdout) != rp.buf.len)
			goto done;
	} else {
		char d[16], label[96];
		cli_format_date_vi(d, as_of);
		bt_rules_label(label, sizeof(label), &rules);
		printf(_("EVALUATION \"CHI BỘ BỐN TỐT\", \"ĐẢNG VIÊN BỐN TỐT\" FOR %d (as of %s)\n"), year, d);
		printf(_("Rule set: %s — %s\n"), label, rules.title);
	}
	if (bt_store_evaluate(s, &eo, cell, each, &rp) < 0) {
		if (rp.json)
			printf("\n");
		cli_fail(_("evaluation failed"));
		goto done;
	}
	if (rp.json) {
		rp.buf.len = 0;
		if (bt_eval_json_tail(&rp.buf) < 0 || fwrite(rp.buf.data, 1, rp.buf.len, stdout) != rp.buf.len)
			goto done;
	} else {
		printf(_("\n"
			"SUMMARY: %zu/%zu cells pass \"Chi bộ 4 tốt\"; %zu/%zu evaluated members pass \"Đảng viên 4 tốt\".\n"),
		       rp.cells_good, rp.cells, rp.members_good, rp.members);
	}
	if (fflush(stdout) != 0)
		goto done;
	rc = CLI_OK;
done:
	bt_buf_free(&rp.buf);
	bt_store_free(s);
	return rc;
}
