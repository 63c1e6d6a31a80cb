/* cmd_sample.c - bontot sample: print a generated commune (JSON Lines) for demos and tests. */
#include "cli.h"
#include "generate.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static int write_line(const char *line, size_t len, void *payload)
{
	FILE *f = payload;
	if (fwrite(line, 1, len, f) != len || fputc('\n', f) == EOF)
		return BT_EIO;
	return 0;
}

int cmd_sample(int argc, char **argv)
{
	static const struct option opts[] = {{"cells", required_argument, NULL, 'c'}, {"members", required_argument, NULL, 'm'},
					     {"year", required_argument, NULL, 'y'},  {"seed", required_argument, NULL, 's'},
					     {"until", required_argument, NULL, 'u'}, {"uniform", no_argument, NULL, 'U'},
					     {"help", no_argument, NULL, 'h'},	      {0}};
	gen_opts g = {12, 15, 40, 2025, 1, 1, BT_DATE_NONE};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			g.cells = atoi(optarg);
			if (g.cells < 1 || g.cells > 100000)
				return cli_usage_error("sample", _("--cells from 1 to 100000"));
			break;
		case 'm':
			if (sscanf(optarg, "%d-%d", &g.min_members, &g.max_members) != 2) {
				g.min_members = g.max_members = atoi(optarg);
			}
			if (g.min_members < 1 || g.max_members > 500 || g.min_members > g.max_members)
				return cli_usage_error("sample", _("--members N or MIN-MAX, from 1 to 500"));
			break;
		case 'y':
			if (cli_parse_year(optarg, &g.year) < 0 || g.year < 1950 || g.year > 2150)
				return cli_usage_error("sample", _("invalid year"));
			break;
		case 's': g.seed = strtoull(optarg, NULL, 10); break;
		case 'u':
			if (bt_date_parse_typed(&g.until, optarg) < 0)
				return cli_usage_error("sample", "--until: %s", bt_error_last());
			break;
		case 'U': g.realistic = 0; break;
		case 'h':
			printf(_("Usage: bontot sample [--cells N] [--members MIN-MAX] [--year YEAR] [--seed S] [--until DATE] [--uniform]\n"
				"\n"
				"Print (JSON Lines) a sample commune: cells, members, a year of meetings, attendance,\n"
				"dues, targets, commitments, residence attestations, with some common lapses. The same\n"
				"options always give the same data. For demonstrations and tests.\n"
				"\n"
				"  --cells N           number of cells (default 12)\n"
				"  --members MIN-MAX   members per cell (default 15-40)\n"
				"  --year YEAR         the year (default 2025)\n"
				"  --seed S            random seed (default 1)\n"
				"  --until DATE        no record after this day\n"
				"  --uniform           the benchmark workload: everyone attends and pays every month\n"));
			return CLI_OK;
		default: return cli_usage_error("sample", _("invalid option"));
		}
	}
	if (optind != argc)
		return cli_usage_error("sample", _("unexpected argument \"%s\""), argv[optind]);
	if (gen_commune(&g, write_line, stdout) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, _("bontot sample: error writing the output\n"));
		return CLI_FAIL;
	}
	return CLI_OK;
}
