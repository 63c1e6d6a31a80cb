/* cmd_import.c - bontot import FILE: all-or-nothing import of JSON Lines. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void help(void)
{
	printf(_("Usage: bontot [--db FILE] import [--check] FILE\n"
		"\n"
		"Import records (JSON Lines, one record per line, see docs/format.md) into the store.\n"
		"All or nothing: a single bad line writes nothing, and the error names the line and\n"
		"the field. Importing the same records again changes nothing; a record with a known\n"
		"key but other content is recorded as a new version (the old one stays in the log).\n"
		"The file is checked as a whole: the order of its lines does not matter (a member may\n"
		"come after the meeting that names him). FILE \"-\" reads standard input.\n"
		"\n"
		"  --check   check only, write nothing\n"));
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {{"check", no_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'}, {0}};
	int c, check = 0, rc = CLI_FAIL;
	bt_store *s = NULL;
	bt_import *imp = NULL;
	bt_import_stats stats;
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0;
	char ts[BT_TIMESTAMP_BYTES];
	struct stat sb;
	long long total = 0, done = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': check = 1; break;
		case 'h': help(); return CLI_OK;
		default: return cli_usage_error("import", _("invalid option"));
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("import", _("needs exactly one file"));
	const char *path = argv[optind];
	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f) {
		fprintf(stderr, _("bontot: cannot open the file %s: %s\n"), path, strerror(errno));
		return CLI_FAIL;
	}
	if (f != stdin && fstat(fileno(f), &sb) == 0)
		total = (long long)sb.st_size;
	if (cli_open_store(&s) < 0)
		goto done;
	cli_timestamp(ts);
	bt_import_opts io = BT_IMPORT_OPTS_INIT;
	io.timestamp = ts;
	io.author = cli_author();
	if (bt_import_begin(&imp, s, &io) < 0) {
		cli_fail(_("cannot start the import"));
		goto done;
	}
	/* Progress in bytes of the file while reading it, then in cells while checking them. */
	cli_progress p;
	char what[4200];
	snprintf(what, sizeof(what), _("Reading %s"), path);
	cli_progress_begin(&p, what);
	bt_store_set_progress(s, cli_progress_store, &p);
	ssize_t n;
	while ((n = getline(&line, &cap, f)) >= 0) {
		done += n;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if (bt_import_line(imp, line, (size_t)n) < 0) {
			cli_progress_end(&p);
			fprintf(stderr, _("bontot: import failed, nothing was written to the store.\n"
				"  %s: %s\n"), path, bt_error_last());
			goto done;
		}
		if (p.on) {
			bt_import_get_stats(imp, &stats);
			cli_progress_show(&p, stats.records, (uint64_t)done, (uint64_t)total, _("records"));
		}
	}
	cli_progress_end(&p);
	if (ferror(f)) {
		fprintf(stderr, _("bontot: error reading the file %s: %s; nothing was written to the store.\n"), path, strerror(errno));
		goto done;
	}
	bt_import_get_stats(imp, &stats);
	if (stats.records == 0)
		fprintf(stderr, _("bontot: warning: %s holds no records (%zu lines); nothing to import.\n"), path, stats.lines);
	cli_progress_begin(&p, _("Checking"));
	if (check) {
		int err = bt_import_check(imp, &stats);
		cli_progress_end(&p);
		if (err < 0) {
			fprintf(stderr, _("bontot: the file does not import; nothing was written to the store.\n"
				"  %s: %s\n"), path, bt_error_last());
			goto done;
		}
		printf(_("Checked %s: %zu valid records (new %zu, changed %zu, unchanged %zu). Nothing written.\n"), path,
		       stats.records, stats.added, stats.changed, stats.unchanged);
		rc = CLI_OK;
		goto done;
	}
	int err = bt_import_commit(imp, &stats);
	cli_progress_end(&p);
	if (err < 0) {
		fprintf(stderr, _("bontot: import failed, nothing was written to the store.\n"
			"  %s: %s\n"), path, bt_error_last());
		goto done;
	}
	printf(_("Imported %s: %zu records — new %zu, changed %zu, unchanged %zu.\n"), path, stats.records,
	       stats.added, stats.changed, stats.unchanged);
	if (stats.changed)
		printf(_("The old versions of the %zu changed records stay in the log.\n"), stats.changed);
	if (stats.findings)
		printf(_("%zu records already in the store now disagree with the file: see bontot findings.\n"), stats.findings);
	rc = CLI_OK;
done:
	free(line);
	bt_import_free(imp);
	bt_store_free(s);
	if (f && f != stdin)
		fclose(f);
	return rc;
}
