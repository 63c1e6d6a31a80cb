/*
 * cmd_dues.c - bontot dues pay|month: one member's dues, or a whole month for
 * a cell at once with the exceptions named: one dues_month record, the
 * secretary's one act (docs/format.md).
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void help(void)
{
	printf(_("Usage:\n"
		"  bontot dues pay --member ID --month MM/YYYY --amount NUMBER [--paid-on DATE]\n"
		"  bontot dues month --cell CELL --month MM/YYYY --amount NUMBER [--paid-on DATE] [--except ID,ID]\n"
		"\n"
		"pay records one member's dues for a month. month records, as one record, that month's dues\n"
		"for every member in the cell during the month, except those named with --except; members\n"
		"who already paid that month on their own are skipped. Recording a month again records,\n"
		"one by one, those who were not on its list and have paid since (the list stays as it was).\n"
		"--paid-on defaults to today. Amounts in đồng. Months as mm/yyyy or YYYY-MM, dates as\n"
		"dd/mm/yyyy or YYYY-MM-DD.\n"));
}

static void dues_line(cli_json *j, const char *member, const char *month, const char *amount, const char *paid_on)
{
	cli_json_begin(j, "dues");
	cli_json_str(j, "member", member);
	cli_json_str(j, "month", month);
	cli_json_raw(j, "amount", amount);
	cli_json_str(j, "paid_on", paid_on);
}

int cmd_dues(int argc, char **argv)
{
	static const struct option opts[] = {{"member", required_argument, NULL, 'm'}, {"cell", required_argument, NULL, 'c'},
					     {"month", required_argument, NULL, 'M'},  {"amount", required_argument, NULL, 'a'},
					     {"paid-on", required_argument, NULL, 'p'}, {"except", required_argument, NULL, 'x'},
					     {"help", no_argument, NULL, 'h'},	       {0}};
	const char *member = NULL, *cell = NULL, *month = NULL, *amount = NULL, *paid_on = NULL, *except = NULL;
	char today[BT_DATE_STR_BYTES];
	bt_store *s = NULL;
	int c, rc = CLI_FAIL;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		help();
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *sub = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': member = optarg; break;
		case 'c': cell = optarg; break;
		case 'M': month = optarg; break;
		case 'a': amount = optarg; break;
		case 'p': paid_on = optarg; break;
		case 'x': except = optarg; break;
		case 'h': help(); return CLI_OK;
		default: return cli_usage_error("dues", _("invalid option"));
		}
	}
	if (optind != argc)
		return cli_usage_error("dues", _("unexpected argument \"%s\""), argv[optind]);
	if (strcmp(sub, "pay") && strcmp(sub, "month"))
		return cli_no_subcommand("dues", sub, (const char *const[]){"pay", "month", NULL});
	if (!month || !amount || (strcmp(sub, "pay") == 0 ? !member : !cell))
		return cli_usage_error("dues", _("%s needs %s, --month and --amount"), sub, strcmp(sub, "pay") == 0 ? "--member" : "--cell");
	if (strspn(amount, "0123456789") != strlen(amount) || strlen(amount) > 12)
		return cli_usage_error("dues", _("--amount must be a number of đồng (whole)"));
	bt_month m;
	char month_iso[BT_MONTH_STR_BYTES], paid_iso[BT_DATE_STR_BYTES];
	if (cli_month_arg("dues", "--month", month, month_iso, &m) != 0)
		return CLI_USAGE;
	month = month_iso;
	if (paid_on) {
		if (cli_date_arg("dues", "--paid-on", paid_on, paid_iso, NULL) != 0)
			return CLI_USAGE;
		paid_on = paid_iso;
	} else {
		bt_date_format(today, cli_today());
		paid_on = today;
	}
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	cli_json j;
	if (strcmp(sub, "pay") == 0) {
		dues_line(&j, member, month, amount, paid_on);
		bt_record *r = cli_parse_record(cli_json_end(&j));
		rc = r ? cli_record(s, r, BT_RECORD_NEW) : CLI_USAGE;
		bt_record_free(r);
		goto done;
	}

	/*
	 * The whole month for the cell: one dues_month record listing who paid
	 * (docs/format.md) - the members in the cell during the month, except
	 * those named and those who paid the month already. When the month is
	 * recorded already, those who pay now are recorded one by one, with
	 * their own date, so nobody's earlier payment changes.
	 */
	char **ids = NULL, key[256], already[4096] = "", skipped[4096] = "";
	size_t n = 0, listed = 0;
	bt_record *prev = NULL;
	char **pay = NULL;
	if (bt_store_members_during(s, cell, bt_month_first_day(m), bt_month_last_day(m), &ids, &n) < 0) {
		fprintf(stderr, "bontot: %s\n", bt_error_last());
		goto done;
	}
	snprintf(key, sizeof(key), "%s\t%s", cell, month);
	int recorded_before = bt_store_get(s, BT_KIND_DUES_MONTH, key, &prev) == 0;
	bt_error_clear();
	if (!(pay = calloc(n + 1, sizeof(char *)))) {
		bt_strings_free(ids, n);
		bt_record_free(prev);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		bt_record *paid = NULL, *who = NULL;
		const char *name = ids[i];
		if (bt_store_get(s, BT_KIND_MEMBER, ids[i], &who) == 0)
			name = who->name;
		bt_error_clear();
		int in_month = 0;
		for (size_t k = 0; prev && k < prev->n_members; k++)
			in_month |= strcmp(prev->members[k], ids[i]) == 0;
		snprintf(key, sizeof(key), "%s\t%s", ids[i], month);
		if (in_month || bt_store_get(s, BT_KIND_DUES, key, &paid) == 0) {
			snprintf(already + strlen(already), sizeof(already) - strlen(already), "%s%s", already[0] ? ", " : "", ids[i]);
		} else if (cli_list_contains(except, ids[i])) {
			snprintf(skipped + strlen(skipped), sizeof(skipped) - strlen(skipped), "%s%s (%s)", skipped[0] ? ", " : "", name,
				 ids[i]);
		} else {
			pay[listed++] = ids[i];
		}
		bt_error_clear();
		bt_record_free(paid);
		bt_record_free(who);
	}
	if (!recorded_before) {
		/* One record: the list is what the secretary read out. */
		char members[65536];
		size_t at = 0;
		members[at++] = '[';
		for (size_t i = 0; i < listed; i++) {
			if (i)
				members[at++] = ',';
			cli_json_escape(members, sizeof(members) - 2, &at, pay[i]);
		}
		members[at++] = ']';
		members[at] = '\0';
		cli_json_begin(&j, "dues_month");
		cli_json_str(&j, "cell", cell);
		cli_json_str(&j, "month", month);
		cli_json_raw(&j, "amount", amount);
		cli_json_str(&j, "paid_on", paid_on);
		cli_json_raw(&j, "members", members);
		bt_record *r = cli_parse_record(cli_json_end(&j));
		if (!r)
			rc = CLI_USAGE;
		if (r) {
			bt_import_opts io = BT_IMPORT_OPTS_INIT;
			char ts[BT_TIMESTAMP_BYTES];
			cli_timestamp(ts);
			io.timestamp = ts;
			io.author = cli_author();
			if (bt_store_record(s, r, BT_RECORD_NEW, &io, NULL) < 0)
				fprintf(stderr, _("bontot: nothing written: %s\n"), bt_error_last());
			else
				rc = CLI_OK;
		}
		bt_record_free(r);
	} else if (listed) {
		/* The month is recorded: the late payers one by one, all or none. */
		bt_import *imp = NULL;
		bt_import_opts io = BT_IMPORT_OPTS_INIT;
		char ts[BT_TIMESTAMP_BYTES];
		cli_timestamp(ts);
		io.timestamp = ts;
		io.author = cli_author();
		int ok = bt_import_begin(&imp, s, &io) == 0;
		for (size_t i = 0; ok && i < listed; i++) {
			dues_line(&j, pay[i], month, amount, paid_on);
			const char *line = cli_json_end(&j);
			ok = line && bt_import_line(imp, line, strlen(line)) == 0;
		}
		if (ok && bt_import_commit(imp, NULL) == 0)
			rc = CLI_OK;
		else
			fprintf(stderr, _("bontot: nothing written: %s\n"), bt_error_last());
		bt_import_free(imp);
	} else {
		rc = CLI_OK;
	}
	free(pay);
	bt_strings_free(ids, n);
	bt_record_free(prev);
	if (rc != CLI_OK)
		goto done;
	printf(_("Recorded the dues of %02d/%04d for %zu members of cell %s.\n"), m % 12 + 1, m / 12, listed, cell);
	if (already[0])
		printf(_("Already paid (skipped): %s.\n"), already);
	if (skipped[0])
		printf(_("Not paid (per --except): %s.\n"), skipped);
done:
	bt_store_free(s);
	return rc;
}
