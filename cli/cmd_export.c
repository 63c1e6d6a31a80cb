/* cmd_export.c - bontot export [FILE]: every current record as JSON Lines. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_file(const char *data, size_t len, void *payload)
{
	return fwrite(data, 1, len, (FILE *)payload) == len ? 0 : BT_EIO;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	int c, rc = CLI_FAIL;
	bt_store *s = NULL;
	FILE *f = NULL;
	char *tmp = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf(_("Usage: bontot [--db FILE] export [OUT_FILE]\n"
				"\n"
				"Export every current record (the newest version of each) in the JSON Lines format\n"
				"that import reads. Without OUT_FILE, to standard output.\n"
				"The file is written under a temporary name and renamed: never left half-written.\n"));
			return CLI_OK;
		}
		return cli_usage_error("export", _("invalid option"));
	}
	if (argc - optind > 1)
		return cli_usage_error("export", _("at most one output file"));
	const char *path = optind < argc ? argv[optind] : NULL;
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	if (path) {
		size_t n = strlen(path) + 16;
		if (!(tmp = malloc(n)))
			goto done;
		snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
		if (!(f = fopen(tmp, "wb"))) {
			fprintf(stderr, _("bontot: cannot write %s: %s\n"), tmp, strerror(errno));
			goto done;
		}
	}
	cli_progress p;
	cli_progress_begin(&p, _("Exporting"));
	bt_store_set_progress(s, cli_progress_store, &p);
	int err = bt_store_export(s, write_file, f ? f : stdout);
	cli_progress_end(&p);
	if (err < 0) {
		cli_fail(_("export failed"));
		goto done;
	}
	if (f) {
		if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0) {
			f = NULL;
			fprintf(stderr, _("bontot: cannot write %s: %s\n"), tmp, strerror(errno));
			goto done;
		}
		f = NULL;
		if (rename(tmp, path) != 0) {
			fprintf(stderr, _("bontot: cannot rename %s to %s: %s\n"), tmp, path, strerror(errno));
			goto done;
		}
		fprintf(stderr, _("Exported to %s.\n"), path);
	} else if (fflush(stdout) != 0) {
		fprintf(stderr, _("bontot: error writing the output: %s\n"), strerror(errno));
		goto done;
	}
	rc = CLI_OK;
done:
	if (f) {
		fclose(f);
		remove(tmp);
	} else if (tmp && rc != CLI_OK) {
		remove(tmp);
	}
	free(tmp);
	bt_store_free(s);
	return rc;
}
