/* cmd_lunar.c - bontot lunar DATE: the Vietnamese lunar date of a civil date. */
#include "cli.h"

#include <getopt.h>
#include <string.h>

int cmd_lunar(int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0}};
	int c, json = 0;
	bt_date d;
	bt_lunar_date l;
	char name[64], ds[BT_DATE_STR_BYTES];
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'h':
			printf(_("Usage: bontot lunar DATE [--json]\n"
				"\n"
				"Convert the solar date DATE (dd/mm/yyyy or YYYY-MM-DD, years %d-%d) to the Vietnamese lunar calendar\n"
				"(UTC+7). Checked exact for 1968-2100; see docs/calendar.md.\n"
				"\n"
				"  --json   print {\"solar\",\"year\",\"month\",\"day\",\"leap\",\"can_chi\"}\n"),
			       BT_DATE_MIN_YEAR, BT_DATE_MAX_YEAR);
			return CLI_OK;
		default: return cli_usage_error("lunar", _("invalid option"));
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("lunar", _("needs exactly one date, dd/mm/yyyy or YYYY-MM-DD"));
	if (bt_date_parse_typed(&d, argv[optind]) < 0)
		return cli_usage_error("lunar", "%s", bt_error_last());
	if (bt_lunar_from_solar(&l, d) < 0)
		return cli_fail(NULL);
	bt_lunar_year_name(name, sizeof(name), l.year);
	bt_date_format(ds, d);
	if (json)
		printf("{\"solar\":\"%s\",\"year\":%d,\"month\":%d,\"day\":%d,\"leap\":%s,\"can_chi\":\"%s\"}\n", ds, l.year,
		       l.month, l.day, l.leap ? "true" : "false", name);
	else {
		char vi[16];
		cli_format_date_vi(vi, d);
		printf(_("%s (solar) is day %d of month %d%s of the lunar year %s (%d).\n"), vi, l.day, l.month,
		       l.leap ? _(" (leap)") : "", name, l.year);
	}
	return CLI_OK;
}
