/*
 * cmd_findings.c - what disagrees, and what a person decided:
 *   bontot findings [--cell C] [--all] [--json]   the findings (docs/offline.md)
 *   bontot settle ID --note "..."                 note a decision on one
 *   bontot conflicts [--all]                      the fields two devices changed differently
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	int json, code; /* code: -1 every code */
	size_t n;
	bt_buf buf;
} show_ctx;

void cli_print_finding(FILE *f, const bt_finding *x, const char *indent)
{
	char sid[BT_FINDING_SHORT_BYTES], msg[1024], d[16] = "";
	bt_finding_short_id(sid, x->id);
	bt_finding_message(msg, sizeof(msg), x);
	if (x->date != BT_DATE_NONE)
		cli_format_date_vi(d, x->date);
	fprintf(f, "%s[%s] %s%s%s%s%s%s\n", indent, sid, bt_finding_code_name(x->code), x->cell[0] ? " — " : "", x->cell,
		d[0] ? " — " : "", d, x->settled ? _(" (settled)") : "");
	fprintf(f, "%s    %s\n", indent, msg);
	if (x->n_records) {
		fprintf(f, _("%s    records:"), indent);
		for (size_t i = 0; i < x->n_records; i++)
			fprintf(f, " %s", x->records[i]);
		fprintf(f, "\n");
	}
	if (x->settled && x->settle_note)
		fprintf(f, _("%s    decision: %s\n"), indent, x->settle_note);
}

static int show(const bt_finding *f, void *payload)
{
	show_ctx *c = payload;
	if (c->code >= 0 && (int)f->code != c->code)
		return 0;
	if (c->json) {
		if (c->n && bt_buf_put(&c->buf, ",", 1) < 0)
			return BT_ENOMEM;
		c->n++;
		return bt_finding_json(&c->buf, f, 1);
	}
	if (c->n++)
		printf("\n");
	cli_print_finding(stdout, f, "");
	return 0;
}

static int list(int argc, char **argv, const char *cmd, int only_code)
{
	static const struct option opts[] = {{"cell", required_argument, NULL, 'c'}, {"all", no_argument, NULL, 'a'},
					     {"json", no_argument, NULL, 'j'},	      {"help", no_argument, NULL, 'h'},
					     {0}};
	bt_findings_query q = BT_FINDINGS_QUERY_INIT;
	show_ctx c = {0, only_code, 0, {0}};
	bt_store *s = NULL;
	int ch, rc = CLI_FAIL, all = 0;
	q.open_only = 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': q.cell = optarg; break;
		case 'a': all = 1; break;
		case 'j': c.json = 1; break;
		case 'h':
			if (only_code >= 0)
				printf(_("Usage: bontot [--db FILE] conflicts [--cell CELL] [--all] [--json]\n"
					 "\n"
					 "Fields of one record that two devices changed differently before they synced (the\n"
					 "same meeting's attendance, one member's dues...): the version recorded later counts\n"
					 "everywhere; the other is kept in the log and listed here. To keep the other value,\n"
					 "record it again with \"bontot correct\": the conflict is then settled. --all: settled\n"
					 "ones too. The same as bontot findings, for CONCURRENT_CHANGE only.\n"));
			else
				printf(_("Usage: bontot [--db FILE] findings [--cell CELL] [--all] [--json]\n"
					 "\n"
					 "Records that disagree with each other, kept for a person to settle: a mark for a member\n"
					 "who was not in the cell that day, a member required at a meeting without a mark, two\n"
					 "meetings on one date, two devices changing the same field, a record outside its\n"
					 "device's cell... Each says how it counts and what to do. Settle one with a correction,\n"
					 "or note a decision with bontot settle ID --note \"...\". Open ones only, unless --all.\n"
					 "--json: {\"findings\":[{\"code\",\"id\",\"records\",\"member\",\"date\",\"field\",\"settled\",\n"
					 "\"message\"}...]} (docs/offline.md).\n"));
			return CLI_OK;
		default: return cli_usage_error(cmd, _("invalid option"));
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, _("unexpected argument \"%s\""), argv[optind]);
	q.open_only = !all;
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	bt_buf_init(&c.buf, 0);
	if (c.json)
		bt_buf_put(&c.buf, "{\"findings\":[", 13);
	if (bt_store_findings(s, &q, show, &c) < 0) {
		cli_fail(NULL);
		goto done;
	}
	if (c.json) {
		bt_buf_put(&c.buf, "]}\n", 3);
		if (c.buf.failed || fwrite(c.buf.data, 1, c.buf.len, stdout) != c.buf.len)
			goto done;
	} else if (c.n == 0) {
		printf(only_code >= 0 ? (all ? _("No conflicts.\n") : _("No unsettled conflicts.\n"))
				      : (all ? _("No findings.\n") : _("No open findings.\n")));
	}
	rc = CLI_OK;
done:
	bt_buf_free(&c.buf);
	bt_store_free(s);
	return rc;
}

int cmd_findings(int argc, char **argv) { return list(argc, argv, "findings", -1); }
int cmd_conflicts(int argc, char **argv) { return list(argc, argv, "conflicts", BT_F_CONCURRENT_CHANGE); }

int cmd_settle(int argc, char **argv)
{
	static const struct option opts[] = {{"note", required_argument, NULL, 'n'}, {"help", no_argument, NULL, 'h'}, {0}};
	const char *note = NULL;
	bt_store *s = NULL;
	bt_finding f;
	int ch, rc = CLI_FAIL;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': note = optarg; break;
		case 'h':
			printf(_("Usage: bontot [--db FILE] settle ID --note \"DECISION\"\n"
				 "\n"
				 "Note a person's decision on a finding (ID as bontot findings shows it, e.g. 3fa2b1c9):\n"
				 "a settle record, which syncs like any other, so the finding shows as settled on every\n"
				 "device. The records stay as they are: to change what counts, record a correction\n"
				 "instead. Settling again replaces the note (the old one stays in the log).\n"));
			return CLI_OK;
		default: return cli_usage_error("settle", _("invalid option"));
		}
	}
	if (optind + 1 != argc || !note || !*note)
		return cli_usage_error("settle", _("needs a finding's ID and --note \"...\""));
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	if (bt_store_finding_find(s, argv[optind], &f) < 0) {
		cli_fail(NULL);
		goto done;
	}
	cli_json j;
	cli_json_begin(&j, "settle");
	cli_json_str(&j, "cell", f.cell[0] ? f.cell : "-");
	cli_json_str(&j, "finding", f.id);
	cli_json_str(&j, "note", note);
	bt_record *r = cli_parse_record(cli_json_end(&j)), *prev = NULL;
	if (r) {
		int again = bt_store_get(s, BT_KIND_SETTLE, f.id, &prev) == 0;
		bt_record_free(prev);
		bt_error_clear();
		rc = cli_record(s, r, again ? BT_RECORD_CORRECTION : BT_RECORD_NEW);
	} else {
		rc = CLI_USAGE;
	}
	bt_record_free(r);
done:
	bt_store_free(s);
	return rc;
}
