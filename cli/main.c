/*
 * main.c - the bontot command: global options and the table of subcommands.
 * Each subcommand lives in cli/cmd_<name>.c and calls only the public API.
 */
#include "cli.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef BT_LOCALEDIR
#define BT_LOCALEDIR "/usr/local/share/locale"
#endif

/*
 * Where the message catalogs are: $BONTOT_LOCALEDIR; else "locale" beside
 * the executable (a build tree); else the installed share/locale.
 */
static void bind_messages(void)
{
	static char beside[4096];
	const char *dir = getenv("BONTOT_LOCALEDIR");
	if (!dir || !*dir) {
		ssize_t n = readlink("/proc/self/exe", beside, sizeof(beside) - 16);
		dir = BT_LOCALEDIR;
		if (n > 0) {
			beside[n] = '\0';
			char *slash = strrchr(beside, '/');
			if (slash) {
				strcpy(slash + 1, "locale");
				if (access(beside, R_OK | X_OK) == 0)
					dir = beside;
			}
		}
	}
	bindtextdomain(BT_TEXT_DOMAIN, dir);
	bind_textdomain_codeset(BT_TEXT_DOMAIN, "UTF-8");
	textdomain(BT_TEXT_DOMAIN);
}

int cmd_init(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_evaluate(int argc, char **argv);
int cmd_rebuild(int argc, char **argv);
int cmd_lunar(int argc, char **argv);
int cmd_holidays(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_member(int argc, char **argv);
int cmd_meeting(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_conflicts(int argc, char **argv);
int cmd_findings(int argc, char **argv);
int cmd_settle(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_correct(int argc, char **argv);
int cmd_dues(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_office(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_enroll(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_vkey(int argc, char **argv);

static const cli_command commands[] = {
	{"init", cmd_init, N_("create a new store")},
	{"import", cmd_import, N_("import records from a JSON Lines file (all or nothing)")},
	{"export", cmd_export, N_("export every current record as JSON Lines")},
	{"evaluate", cmd_evaluate, N_("evaluate \"Chi bộ 4 tốt\" and \"Đảng viên 4 tốt\" for a year")},
	{"member", cmd_member, N_("members: add, edit, transfer, exempt, list")},
	{"meeting", cmd_meeting, N_("cell meetings: the year's plan, record, show, list")},
	{"status", cmd_status, N_("what to do today: meeting deadlines, dues, absences...")},
	{"dues", cmd_dues, N_("dues: one member's, or a whole month for a cell (except those named)")},
	{"record", cmd_record, N_("record any fact: dues, targets, commitments, attestations...")},
	{"correct", cmd_correct, N_("correct a recorded fact (the old version stays in the log)")},
	{"log", cmd_log, N_("the history of records (newest first), corrections included")},
	{"findings", cmd_findings, N_("records that disagree, kept for a person to settle")},
	{"settle", cmd_settle, N_("note a decision on a finding")},
	{"conflicts", cmd_conflicts, N_("fields two devices changed differently, and which value is kept")},
	{"office", cmd_office, N_("the office: its key, enrollment codes, devices, staff accounts and tokens, who read what")},
	{"serve", cmd_serve, N_("serve the office store to tablets over HTTP or HTTPS")},
	{"enroll", cmd_enroll, N_("join this tablet to the office with a one-time code")},
	{"vkey", cmd_vkey, N_("this tablet's cosigner key, for auditors")},
	{"audit", cmd_audit, N_("the auditors' offline bundle: export it at the office, verify it anywhere")},
	{"sync", cmd_sync, N_("send this tablet's records to the office and receive the office's and the cell's")},
	{"rebuild", cmd_rebuild, N_("check the log and rebuild every table from it")},
	{"lunar", cmd_lunar, N_("convert a solar date to the Vietnamese lunar calendar")},
	{"holidays", cmd_holidays, N_("list a year's public holidays and Tết days")},
	{"sample", cmd_sample, N_("generate a sample commune (for tests and demos)")},
};

static void usage(FILE *f)
{
	fprintf(f, _("Usage: bontot [--db FILE] COMMAND [OPTIONS...]\n"
		"\n"
		"Records and evaluation of \"Chi bộ bốn tốt, Đảng viên bốn tốt\".\n"
		"\n"
		"Commands:\n"));
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
	fprintf(f, _("\n"
		"Global options:\n"
		"  --db FILE    the store (default: $BONTOT_DB, else ./bontot.db)\n"
		"  --help       this help; \"bontot COMMAND --help\" for each command\n"
		"  --version    the version\n"
		"\n"
		"Dates are typed dd/mm/yyyy (or YYYY-MM-DD); files keep YYYY-MM-DD.\n"
		"\n"
		"Exit codes, the same for every command:\n"
		"  0  done\n"
		"  1  refused or failed: the data or the store (the message says why; nothing half-written)\n"
		"  2  wrong usage: an unknown command or option, a missing or badly written value\n"
		"  3  sync: the office could not be reached\n"
		"  4  sync: part was exchanged, then the link failed (run sync again to go on)\n"));
}

/* The command nearest to a mistyped one, if near enough to be what was meant; else NULL. */
static const char *nearest_command(const char *typed)
{
	const char *names[sizeof(commands) / sizeof(commands[0]) + 1];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		names[i] = commands[i].name;
	names[sizeof(commands) / sizeof(commands[0])] = NULL;
	return cli_nearest(typed, names);
}

int main(int argc, char **argv)
{
	const char *env = getenv("BONTOT_DB");
	char **args;
	int n = 0;

	setlocale(LC_ALL, "");
	bind_messages();
	if (env && *env) {
		cli_db_path = env;
		cli_db_given = 1;
	}
	/* Global --db may stand anywhere before "--"; take it out of argv. */
	args = calloc((size_t)argc + 1, sizeof(char *));
	if (!args)
		return CLI_FAIL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				args[n++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--db") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, _("bontot: --db needs a file name\n"));
				free(args);
				return CLI_USAGE;
			}
			cli_db_path = argv[++i];
			cli_db_given = 1;
			continue;
		}
		if (strncmp(argv[i], "--db=", 5) == 0) {
			cli_db_path = argv[i] + 5;
			cli_db_given = 1;
			continue;
		}
		args[n++] = argv[i];
	}
	int rc = CLI_USAGE;
	if (n < 2) {
		usage(stderr);
	} else if (strcmp(args[1], "--help") == 0 || strcmp(args[1], "-h") == 0 || strcmp(args[1], "help") == 0) {
		usage(stdout);
		rc = CLI_OK;
	} else if (strcmp(args[1], "--version") == 0) {
		printf("bontot %s\n", BT_VERSION);
		rc = CLI_OK;
	} else {
		size_t i;
		for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (strcmp(args[1], commands[i].name) == 0)
				break;
		if (i == sizeof(commands) / sizeof(commands[0])) {
			const char *near = nearest_command(args[1]);
			if (near)
				fprintf(stderr, _("bontot: no command \"%s\". Did you mean \"%s\"?\n"), args[1], near);
			else
				fprintf(stderr, _("bontot: no command \"%s\".\n"), args[1]);
			fprintf(stderr, _("The commands: bontot --help\n"));
		} else {
			rc = commands[i].run(n - 1, args + 1);
		}
	}
	free(args);
	return rc;
}
