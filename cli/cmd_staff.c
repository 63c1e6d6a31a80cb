/*
 * cmd_staff.c - the office's staff accounts (bontot/staff.h), called by
 * cmd_office for:
 *   bontot office user add NAME --role office|auditor   (password on stdin)
 *   bontot office user list [--json] | user remove NAME
 *   bontot office token NAME [--revoke]
 *   bontot office reads [-n N] [--json]                 (who read what)
 */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static int help(void)
{
	printf(_("Usage:\n"
		 "  bontot [--db FILE] office user add NAME --role office|auditor   (the password on standard input)\n"
		 "  bontot [--db FILE] office user list [--json]\n"
		 "  bontot [--db FILE] office user remove NAME\n"
		 "  bontot [--db FILE] office token NAME [--revoke]\n"
		 "  bontot [--db FILE] office reads [-n COUNT] [--json]\n\n"
		 "The accounts of the office's staff and auditors, who read the office's data\n"
		 "(/v1/evaluation, /v1/findings, /v1/head; the dashboard). user add reads the password, one\n"
		 "line of at least 8 characters, from standard input (typed without echo on a terminal)\n"
		 "and keeps only a salted scrypt hash. token prints a new bearer token for scripts on its\n"
		 "last line (sent as \"Authorization: Bearer TOKEN\"); --revoke revokes every token of the\n"
		 "account; removing an account revokes them too. reads lists who read what, newest first.\n"));
	return CLI_OK;
}

/* One line from standard input, without echo when it is a terminal. */
static int read_password(char *out, size_t size)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		fprintf(stderr, _("Password: "));
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *got = fgets(out, (int)size, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (!got)
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

static int print_user(const bt_staff_info *u, void *payload)
{
	json_t *arr = payload;
	json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "name", u->name, "role", bt_staff_role_name(u->role), "created", u->created,
			      "tokens", (json_int_t)u->tokens);
	return o && json_array_append_new(arr, o) == 0 ? 0 : BT_ENOMEM;
}

static int print_read(const bt_access_entry *e, void *payload)
{
	json_t *arr = payload;
	json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)e->id, "at", e->at, "who", e->who, "what", e->what);
	return o && json_array_append_new(arr, o) == 0 ? 0 : BT_ENOMEM;
}

int cli_office_staff(int argc, char **argv)
{
	static const struct option opts[] = {{"role", required_argument, NULL, 'r'}, {"json", no_argument, NULL, 'j'},
					     {"revoke", no_argument, NULL, 'R'},       {"limit", required_argument, NULL, 'n'},
					     {"help", no_argument, NULL, 'h'},	       {0}};
	const char *sub = argv[1], *role_arg = NULL;
	int c, as_json = 0, revoke = 0, rc = CLI_FAIL;
	long limit = 20;
	optind = 2;
	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': role_arg = optarg; break;
		case 'j': as_json = 1; break;
		case 'R': revoke = 1; break;
		case 'n': {
			char *end;
			limit = strtol(optarg, &end, 10);
			if (!*optarg || *end || limit < 0)
				return cli_usage_error("office", _("-n: a number of entries"));
			break;
		}
		case 'h': return help();
		default: return cli_usage_error("office", _("invalid option"));
		}
	}
	const char *verb = NULL, *name = NULL;
	if (strcmp(sub, "user") == 0) {
		static const char *const verbs[] = {"add", "list", "remove", NULL};
		if (optind >= argc)
			return cli_usage_error("office", _("user needs add, list or remove"));
		verb = argv[optind++];
		if (strcmp(verb, "add") && strcmp(verb, "list") && strcmp(verb, "remove"))
			return cli_no_subcommand("office user", verb, verbs);
		if (strcmp(verb, "list") != 0 && optind < argc)
			name = argv[optind++];
		if (strcmp(verb, "list") != 0 && !name)
			return cli_usage_error("office", _("user %s needs the account's NAME"), verb);
	} else if (strcmp(sub, "token") == 0) {
		if (optind < argc)
			name = argv[optind++];
		if (!name)
			return cli_usage_error("office", _("token needs the account's NAME"));
	}
	if (optind != argc)
		return cli_usage_error("office", _("unexpected arguments"));
	bt_staff_role role = 0;
	if (verb && strcmp(verb, "add") == 0 && !(role = bt_staff_role_parse(role_arg)))
		return cli_usage_error("office", _("user add needs --role office or --role auditor"));

	char password[1024];
	if (verb && strcmp(verb, "add") == 0 && read_password(password, sizeof(password)) < 0) {
		fprintf(stderr, _("bontot: no password on standard input; nothing written.\n"));
		return CLI_FAIL;
	}
	bt_store *s = NULL;
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	json_t *arr = NULL;
	if (verb && strcmp(verb, "add") == 0) {
		int err = bt_staff_add(s, name, role, password);
		memset(password, 0, sizeof(password));
		if (err == BT_EINVALID)
			rc = cli_usage_error("office", "%s", bt_error_last());
		else if (err < 0)
			cli_fail(NULL);
		else {
			printf(_("Added the %s account %s.\n"), role == BT_STAFF_OFFICE ? _("office") : _("auditor"), name);
			rc = CLI_OK;
		}
	} else if (verb && strcmp(verb, "remove") == 0) {
		if (bt_staff_remove(s, name) < 0)
			cli_fail(NULL);
		else {
			printf(_("Removed the account %s; its tokens no longer work.\n"), name);
			rc = CLI_OK;
		}
	} else if (verb) {
		arr = json_array();
		if (!arr || bt_staff_list(s, print_user, arr) < 0)
			cli_fail(NULL);
		else if (as_json)
			rc = cli_json_print(arr);
		else {
			if (json_array_size(arr) == 0)
				printf(_("No accounts (bontot office user add NAME --role office|auditor).\n"));
			for (size_t i = 0; i < json_array_size(arr); i++) {
				json_t *u = json_array_get(arr, i);
				const char *r = json_string_value(json_object_get(u, "role"));
				cli_pad(stdout, json_string_value(json_object_get(u, "name")), 24);
				cli_pad(stdout, !strcmp(r, "office") ? _("office") : _("auditor"), 14);
				printf(_("%lld tokens\n"), (long long)json_integer_value(json_object_get(u, "tokens")));
			}
			rc = CLI_OK;
		}
	} else if (strcmp(sub, "token") == 0) {
		int64_t n = 0;
		char token[BT_STAFF_TOKEN_BYTES];
		if (revoke) {
			if (bt_staff_revoke_tokens(s, name, &n) < 0)
				cli_fail(NULL);
			else {
				printf(_("Revoked %lld tokens of %s.\n"), (long long)n, name);
				rc = CLI_OK;
			}
		} else if (bt_staff_token(s, name, token) < 0) {
			cli_fail(NULL);
		} else {
			printf(_("A new token for %s (shown once; send it as \"Authorization: Bearer TOKEN\"):\n%s\n"), name, token);
			memset(token, 0, sizeof(token));
			rc = CLI_OK;
		}
	} else {
		arr = json_array();
		if (!arr || bt_access_log(s, limit, print_read, arr) < 0)
			cli_fail(NULL);
		else if (as_json)
			rc = cli_json_print(arr);
		else {
			for (size_t i = 0; i < json_array_size(arr); i++) {
				json_t *e = json_array_get(arr, i);
				printf("%s  ", cli_timestamp_vi(json_string_value(json_object_get(e, "at"))));
				cli_pad(stdout, json_string_value(json_object_get(e, "who")), 20);
				printf("%s\n", json_string_value(json_object_get(e, "what")));
			}
			if (json_array_size(arr) == 0)
				printf(_("Nobody has read anything yet.\n"));
			rc = CLI_OK;
		}
	}
	json_decref(arr);
	bt_store_free(s);
	return rc;
}
