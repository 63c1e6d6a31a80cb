/* cmd_init.c - bontot init: create a new store. */
#include "cli.h"

#include <getopt.h>
#include <string.h>

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {{"log-id", required_argument, NULL, 'l'}, {"help", no_argument, NULL, 'h'}, {0}};
	bt_store_opts so = BT_STORE_OPTS_INIT;
	bt_store *s = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': so.log_id = optarg; break;
		case 'h':
			printf(_("Usage: bontot [--db FILE] init [--log-id ID]\n"
				"\n"
				"Create a new, empty store (never overwrites an existing file).\n"
				"\n"
				"  --log-id ID   the id of this store's log (letters, digits, - _ .); default: random\n"));
			return CLI_OK;
		default: return cli_usage_error("init", _("invalid option"));
		}
	}
	if (optind != argc)
		return cli_usage_error("init", _("unexpected argument \"%s\""), argv[optind]);
	if (so.log_id && !bt_log_id_valid(so.log_id))
		return cli_usage_error("init", _("--log-id: 1 to %d letters without accents, digits, \"-\", \"_\" or \".\" (e.g. tablet-cb01)"),
				       BT_LOG_ID_MAX_BYTES);
	if (bt_store_init(&s, cli_db_path, &so) < 0)
		return cli_fail(_("cannot create the store"));
	printf(_("Created the store %s (log %s).\n"), cli_db_path, bt_store_log_id(s));
	bt_store_free(s);
	return CLI_OK;
}
