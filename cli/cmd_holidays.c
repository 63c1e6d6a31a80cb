/* cmd_holidays.c - bontot holidays YEAR: the year's non-working public holidays. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

int cmd_holidays(int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0}};
	int c, json = 0, year, use_db = 0, rc = CLI_FAIL;
	bt_calendar *cal = NULL;
	bt_holiday *list = NULL;
	size_t n = 0;
	bt_store *s = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'h':
			printf(_("Usage: bontot [--db FILE] holidays YEAR [--json]\n"
				"\n"
				"List the public holidays and Tết days (non-working) of YEAR under article 112 of the\n"
				"Labor Code 2019: New Year, Tết Nguyên đán (5 days, default: the eve to the 4th day),\n"
				"Giỗ Tổ Hùng Vương, 30/4, 1/5, Quốc khánh 2/9 and one adjacent day, and compensatory\n"
				"days. With --db (or $BONTOT_DB) the official decisions recorded in that store\n"
				"(\"holiday\" records) apply. See docs/calendar.md.\n"
				"\n"
				"  --json   print [{\"date\":\"YYYY-MM-DD\",\"name\":\"...\"}, ...]\n"));
			return CLI_OK;
		default: return cli_usage_error("holidays", _("invalid option"));
		}
	}
	if (optind + 1 != argc || cli_parse_year(argv[optind], &year) < 0)
		return cli_usage_error("holidays", _("needs a year from %d to %d"), BT_DATE_MIN_YEAR, BT_DATE_MAX_YEAR);
	/* Overrides come from a store only when one was named. */
	use_db = cli_db_given;
	if (use_db) {
		if (cli_open_store(&s) < 0)
			return CLI_FAIL;
		if (bt_store_calendar(s, &cal) < 0) {
			cli_fail(_("cannot read the holiday calendar"));
			goto done;
		}
	} else if (bt_calendar_new(&cal) < 0) {
		cli_fail(NULL);
		goto done;
	}
	if (bt_calendar_holidays(&list, &n, cal, year) < 0) {
		cli_fail(NULL);
		goto done;
	}
	if (json) {
		printf("[");
		for (size_t i = 0; i < n; i++) {
			char d[BT_DATE_STR_BYTES];
			bt_date_format(d, list[i].date);
			printf("%s{\"date\":\"%s\",\"name\":\"", i ? "," : "", d);
			for (const char *p = list[i].name; *p; p++) {
				if (*p == '"' || *p == '\\')
					putchar('\\');
				if ((unsigned char)*p >= 0x20)
					putchar(*p);
			}
			printf("\"}");
		}
		printf("]\n");
	} else {
		static const char *const wd[8] = {"", N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun")};
		printf(_("Public holidays and Tết of %d (%zu days):\n"), year, n);
		for (size_t i = 0; i < n; i++) {
			char d[16];
			cli_format_date_vi(d, list[i].date);
			printf("  %s  ", d);
			cli_pad(stdout, _(wd[bt_date_weekday(list[i].date)]), 8);
			printf("  %s\n", list[i].name);
		}
	}
	rc = CLI_OK;
done:
	free(list);
	bt_calendar_free(cal);
	bt_store_free(s);
	return rc;
}
