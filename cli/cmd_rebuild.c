/* cmd_rebuild.c - bontot rebuild: verify the log and replay it into fresh projections. */
#include "cli.h"

#include <getopt.h>
#include <string.h>

int cmd_rebuild(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	bt_store *s = NULL;
	bt_rebuild_stats st;
	int c, rc = CLI_FAIL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf(_("Usage: bontot [--db FILE] rebuild\n"
				"\n"
				"Check the whole log (each event's hash, the chain, the canonical encoding), then\n"
				"empty and rebuild every table from the log. If the log is damaged, say so and change\n"
				"nothing. Tells whether the rebuilt tables equal the previous ones, and if not, which\n"
				"tables differed and their rows before and after (kept in the store's rebuild_log).\n"));
			return CLI_OK;
		}
		return cli_usage_error("rebuild", _("invalid option"));
	}
	if (optind != argc)
		return cli_usage_error("rebuild", _("unexpected argument \"%s\""), argv[optind]);
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	cli_progress p;
	cli_progress_begin(&p, _("Rebuilding"));
	bt_store_set_progress(s, cli_progress_store, &p);
	int err = bt_store_rebuild(s, &st);
	cli_progress_end(&p);
	if (err < 0) {
		cli_fail(_("rebuild failed, nothing changed"));
		goto done;
	}
	if (st.n_differed == 0) {
		printf(_("Checked and replayed %zu events. The rebuilt tables are identical to the previous ones.\n"), st.events);
	} else {
		printf(_("Checked and replayed %zu events. The previous tables DIFFERED from the log and were repaired from it:\n"),
		       st.events);
		for (size_t i = 0; i < st.n_differed; i++)
			printf(_("  %-18s %lld rows before, %lld after\n"), st.differed[i].table,
			       (long long)st.differed[i].rows_before, (long long)st.differed[i].rows_after);
		printf(_("Every table's rows before the rebuild are kept in the store (table rebuild_log).\n"));
	}
	rc = CLI_OK;
done:
	bt_store_free(s);
	return rc;
}
