/*
 * cmd_member.c - bontot member add|edit|exempt|list: a cell's members.
 * Each change is one event (bt_store_record); edit records a correction.
 */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const role_vi[] = {N_("Secretary"), N_("Deputy secretary"), N_("Committee member"), N_("Member")};

static void help(void)
{
	printf(_("Usage:\n"
		"  bontot member add --id ID --cell CELL --name \"FULL NAME\" --joined DATE [--born DATE]\n"
		"                    [--status official|probationary] [--role secretary|deputy|committee|member]\n"
		"  bontot member edit ID [--name ...] [--born ...] [--joined ...] [--status ...] [--role ...]\n"
		"                    [--left DATE|none]\n"
		"  bontot member transfer ID --to CELL --from DATE [--reason \"NOTE\"]\n"
		"  bontot member exempt ID --from DATE [--to DATE] --reason \"REASON\"\n"
		"  bontot member list [--cell CELL] [--json]\n"
		"\n"
		"add records a new member (default: official, member). edit records a correction (leaving\n"
		"the cell with --left); the old version stays in the log. transfer moves a member to another\n"
		"cell from a day on: the member counts in the old cell before it and in the new one after.\n"
		"exempt records an exemption from activities from one day to another (no --to: open-ended).\n"
		"list prints in Vietnamese name order (given name, middle names, family name); --json: an\n"
		"array of the member records as in the import format. Dates as dd/mm/yyyy or YYYY-MM-DD.\n"));
}

enum { O_ID = 1, O_CELL, O_NAME, O_JOINED, O_BORN, O_STATUS, O_ROLE, O_LEFT, O_FROM, O_TO, O_REASON, O_JSON, O_HELP };

static const struct option opts[] = {
	{"id", required_argument, NULL, O_ID},	       {"cell", required_argument, NULL, O_CELL},
	{"name", required_argument, NULL, O_NAME},     {"joined", required_argument, NULL, O_JOINED},
	{"born", required_argument, NULL, O_BORN},     {"status", required_argument, NULL, O_STATUS},
	{"role", required_argument, NULL, O_ROLE},     {"left", required_argument, NULL, O_LEFT},
	{"from", required_argument, NULL, O_FROM},     {"to", required_argument, NULL, O_TO},
	{"reason", required_argument, NULL, O_REASON}, {"json", no_argument, NULL, O_JSON},
	{"help", no_argument, NULL, O_HELP},
	{0}};

typedef struct {
	const char *v[O_HELP];
	char iso[O_HELP][BT_DATE_STR_BYTES]; /* the date options, as typed, in ISO form */
} args;

static const char *const opt_name[O_HELP] = {[O_JOINED] = "--joined", [O_BORN] = "--born", [O_LEFT] = "--left",
					     [O_FROM] = "--from", [O_TO] = "--to"};

static int parse(args *a, int argc, char **argv, const char *sub)
{
	int c;
	memset(a, 0, sizeof(*a));
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == O_HELP || c == 'h') {
			help();
			return -1;
		}
		if (c < 1 || c >= O_HELP)
			return cli_usage_error("member", _("invalid option for \"%s\""), sub);
		a->v[c] = optarg ? optarg : "";
	}
	if (a->v[O_STATUS] && strcmp(a->v[O_STATUS], "official") && strcmp(a->v[O_STATUS], "probationary"))
		return cli_usage_error("member", _("--status: official or probationary"));
	if (a->v[O_ROLE] && strcmp(a->v[O_ROLE], "secretary") && strcmp(a->v[O_ROLE], "deputy") &&
	    strcmp(a->v[O_ROLE], "committee") && strcmp(a->v[O_ROLE], "member"))
		return cli_usage_error("member", _("--role: secretary, deputy, committee or member"));
	/* Dates as people write them (dd/mm/yyyy) become the records' ISO dates; a bad one is a usage error. */
	for (int o = O_JOINED; o <= O_TO; o++) {
		if (!a->v[o] || !opt_name[o] || ((o == O_LEFT || o == O_TO) && strcmp(a->v[o], "none") == 0) ||
		    (o == O_TO && strcmp(sub, "transfer") == 0))
			continue;
		if (cli_date_arg("member", opt_name[o], a->v[o], a->iso[o], NULL) != 0)
			return CLI_USAGE;
		a->v[o] = a->iso[o];
	}
	return 0;
}

static int add(bt_store *s, const args *a)
{
	cli_json j;
	if (!a->v[O_ID] || !a->v[O_CELL] || !a->v[O_NAME] || !a->v[O_JOINED])
		return cli_usage_error("member", _("add needs --id, --cell, --name and --joined"));
	cli_json_begin(&j, "member");
	cli_json_str(&j, "id", a->v[O_ID]);
	cli_json_str(&j, "cell", a->v[O_CELL]);
	cli_json_str(&j, "name", a->v[O_NAME]);
	cli_json_str(&j, "born", a->v[O_BORN]);
	cli_json_str(&j, "status", a->v[O_STATUS] ? a->v[O_STATUS] : "official");
	cli_json_str(&j, "role", a->v[O_ROLE] ? a->v[O_ROLE] : "member");
	cli_json_str(&j, "joined", a->v[O_JOINED]);
	bt_record *r = cli_parse_record(cli_json_end(&j));
	if (!r)
		return CLI_USAGE;
	int rc = cli_record(s, r, BT_RECORD_NEW);
	bt_record_free(r);
	return rc;
}

/* Start from the current record, apply the options, and record a correction. */
static int edit(bt_store *s, const char *id, const args *a)
{
	bt_record *cur = NULL, *r = NULL;
	cli_json j;
	char d[3][BT_DATE_STR_BYTES];
	static const char *const status[] = {"official", "probationary"};
	static const char *const role[] = {"secretary", "deputy", "committee", "member"};
	int rc = CLI_FAIL;
	if (a->v[O_CELL])
		return cli_usage_error("member", _("a member changes cell with \"member transfer\", which keeps the history"));
	if (bt_store_get(s, BT_KIND_MEMBER, id, &cur) < 0) {
		fprintf(stderr, "bontot: %s\n", bt_error_last());
		return CLI_FAIL;
	}
	if (cur->born != BT_DATE_NONE)
		bt_date_format(d[0], cur->born);
	bt_date_format(d[1], cur->joined);
	if (cur->left != BT_DATE_NONE)
		bt_date_format(d[2], cur->left);
	cli_json_begin(&j, "member");
	cli_json_str(&j, "id", cur->id);
	cli_json_str(&j, "cell", cur->cell);
	cli_json_str(&j, "name", a->v[O_NAME] ? a->v[O_NAME] : cur->name);
	cli_json_str(&j, "born", a->v[O_BORN] ? a->v[O_BORN] : cur->born != BT_DATE_NONE ? d[0] : NULL);
	cli_json_str(&j, "status", a->v[O_STATUS] ? a->v[O_STATUS] : status[cur->status]);
	cli_json_str(&j, "role", a->v[O_ROLE] ? a->v[O_ROLE] : role[cur->role]);
	cli_json_str(&j, "joined", a->v[O_JOINED] ? a->v[O_JOINED] : d[1]);
	if (a->v[O_LEFT])
		cli_json_str(&j, "left", strcmp(a->v[O_LEFT], "none") == 0 ? NULL : a->v[O_LEFT]);
	else
		cli_json_str(&j, "left", cur->left != BT_DATE_NONE ? d[2] : NULL);
	r = cli_parse_record(cli_json_end(&j));
	rc = r ? cli_record(s, r, BT_RECORD_CORRECTION) : CLI_USAGE;
	bt_record_free(r);
	bt_record_free(cur);
	return rc;
}

/*
 * A transfer: the member is in the old cell before the day and in the new
 * one from it. Only the transfer is recorded; the member's record is left
 * as it is, so no edit of it elsewhere can move the member back
 * (docs/offline.md).
 */
static int transfer(bt_store *s, const char *id, const args *a)
{
	bt_record *cur = NULL, *r = NULL;
	char **cells = NULL;
	size_t n_cells = 0;
	bt_date day;
	cli_json j;
	int rc = CLI_FAIL;
	if (!a->v[O_TO] || !a->v[O_FROM])
		return cli_usage_error("member", _("transfer needs --to CELL and --from DATE (the day of the move)"));
	if (bt_date_parse(&day, a->v[O_FROM], strlen(a->v[O_FROM])) < 0) /* made ISO by parse() */
		return cli_usage_error("member", "--from: %s", bt_error_last());
	if (bt_store_get(s, BT_KIND_MEMBER, id, &cur) < 0) {
		fprintf(stderr, "bontot: %s\n", bt_error_last());
		return CLI_FAIL;
	}
	/* The cell the member leaves: where the one rule puts them the day before. */
	const char *from = cur->cell;
	char from_buf[BT_ID_MAX_BYTES + 1];
	if (bt_store_cells(s, &cells, &n_cells) == 0)
		for (size_t i = 0; i < n_cells; i++) {
			char **ids = NULL;
			size_t n = 0;
			if (bt_store_members_during(s, cells[i], day - 1, day - 1, &ids, &n) == 0)
				for (size_t k = 0; k < n; k++)
					if (strcmp(ids[k], id) == 0) {
						snprintf(from_buf, sizeof(from_buf), "%s", cells[i]);
						from = from_buf;
					}
			bt_strings_free(ids, n);
		}
	bt_strings_free(cells, n_cells);
	cli_json_begin(&j, "transfer");
	cli_json_str(&j, "member", cur->id);
	cli_json_str(&j, "date", a->v[O_FROM]);
	cli_json_str(&j, "from", from);
	cli_json_str(&j, "to", a->v[O_TO]);
	cli_json_str(&j, "note", a->v[O_REASON]);
	if (!(r = cli_parse_record(cli_json_end(&j))))
		rc = CLI_USAGE;
	else if ((rc = cli_record(s, r, BT_RECORD_NEW)) == CLI_OK)
	{
		char d[16];
		cli_format_date_vi(d, day);
		printf(_("Recorded the transfer of %s from cell %s to cell %s on %s.\n"), cur->id, from, a->v[O_TO], d);
	}
	bt_record_free(r);
	bt_record_free(cur);
	return rc;
}

static int exempt(bt_store *s, const char *id, const args *a)
{
	cli_json j;
	if (!a->v[O_FROM] || !a->v[O_REASON])
		return cli_usage_error("member", _("exempt needs --from and --reason"));
	cli_json_begin(&j, "exemption");
	cli_json_str(&j, "member", id);
	cli_json_str(&j, "from", a->v[O_FROM]);
	cli_json_str(&j, "to", a->v[O_TO] && strcmp(a->v[O_TO], "none") ? a->v[O_TO] : NULL);
	cli_json_str(&j, "reason", a->v[O_REASON]);
	bt_record *r = cli_parse_record(cli_json_end(&j));
	if (!r)
		return CLI_USAGE;
	int rc = cli_record(s, r, BT_RECORD_NEW);
	bt_record_free(r);
	return rc;
}

static void pad(const char *s, size_t cols) { cli_pad(stdout, s, cols); }

typedef struct {
	const char *id;
	size_t i; /* its place in the listing */
} member_at;

static int cmp_member_at(const void *x, const void *y) { return strcmp(((const member_at *)x)->id, ((const member_at *)y)->id); }

static int list(bt_store *s, const args *a)
{
	bt_record **v = NULL;
	size_t n = 0;
	if (bt_store_members(s, a->v[O_CELL], &v, &n) < 0) {
		fprintf(stderr, "bontot: %s\n", bt_error_last());
		return CLI_FAIL;
	}
	if (a->v[O_JSON]) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n && arr; i++)
			if (json_array_append_new(arr, json_loads(v[i]->canonical, 0, NULL)) < 0)
				json_decref(arr), arr = NULL;
		int rc = cli_json_print(arr);
		json_decref(arr);
		bt_records_free(v, n);
		return rc;
	}
	/* The cell each member is in now: the store lists a member under the cell of his last transfer. */
	const char **now = calloc(n + 1, sizeof(*now));
	char **cells = NULL;
	size_t n_cells = 0;
	if (!now) {
		bt_records_free(v, n);
		return CLI_FAIL;
	}
	for (size_t i = 0; i < n; i++)
		now[i] = a->v[O_CELL] ? a->v[O_CELL] : v[i]->cell;
	/* The listed members by id, so each cell's list finds them by binary search. */
	member_at *by_id = a->v[O_CELL] ? NULL : calloc(n + 1, sizeof(*by_id));
	for (size_t i = 0; by_id && i < n; i++)
		by_id[i] = (member_at){v[i]->id, i};
	if (by_id)
		qsort(by_id, n, sizeof(*by_id), cmp_member_at);
	if (by_id && bt_store_cells(s, &cells, &n_cells) == 0)
		for (size_t c = 0; c < n_cells; c++) {
			bt_record **w = NULL;
			size_t m = 0;
			if (bt_store_members(s, cells[c], &w, &m) == 0)
				for (size_t k = 0; k < m; k++) {
					member_at key = {w[k]->id, 0};
					const member_at *hit = bsearch(&key, by_id, n, sizeof(*by_id), cmp_member_at);
					if (hit)
						now[hit->i] = cells[c];
				}
			bt_records_free(w, m);
		}
	free(by_id);
	/* Columns as wide as their widest value (display width). */
	size_t wid[5] = {bt_text_width(_("ID")), bt_text_width(_("Full name")), bt_text_width(_("Role")), bt_text_width(_("Joined")),
			 bt_text_width(_("Cell"))};
	for (size_t i = 0; i < n; i++) {
		size_t w[5] = {bt_text_width(v[i]->id), bt_text_width(v[i]->name), bt_text_width(_(role_vi[v[i]->role])), 10,
			       bt_text_width(now[i])};
		for (int k = 0; k < 5; k++)
			if (w[k] > wid[k])
				wid[k] = w[k];
	}
	pad("STT", 5), pad(_("ID"), wid[0] + 2), pad(_("Full name"), wid[1] + 2), pad(_("Role"), wid[2] + 2);
	pad(_("Joined"), wid[3] + 2), pad(_("Cell"), wid[4] + 2);
	printf(_("Notes\n"));
	for (size_t i = 0; i < n; i++) {
		char no[24], joined[16], left[16] = "";
		snprintf(no, sizeof(no), "%zu", i + 1);
		cli_format_date_vi(joined, v[i]->joined);
		if (v[i]->left != BT_DATE_NONE)
			cli_format_date_vi(left, v[i]->left);
		pad(no, 5), pad(v[i]->id, wid[0] + 2), pad(v[i]->name, wid[1] + 2), pad(_(role_vi[v[i]->role]), wid[2] + 2);
		pad(joined, wid[3] + 2), pad(now[i], wid[4] + 2);
		printf("%s%s%s", v[i]->status == BT_PROBATIONARY ? _("probationary ") : "", left[0] ? _("left on ") : "", left);
		if (strcmp(now[i], v[i]->cell) != 0)
			printf(_("%sfirst recorded in cell %s"), v[i]->status == BT_PROBATIONARY || left[0] ? "; " : "", v[i]->cell);
		printf("\n");
	}
	free(now);
	bt_strings_free(cells, n_cells);
	printf(_("%zu members.\n"), n);
	bt_records_free(v, n);
	return CLI_OK;
}

int cmd_member(int argc, char **argv)
{
	args a;
	bt_store *s = NULL;
	int rc;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		help();
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *sub = argv[1];
	if ((rc = parse(&a, argc, argv, sub)) != 0)
		return rc < 0 ? CLI_OK : rc;
	int want_id = strcmp(sub, "edit") == 0 || strcmp(sub, "exempt") == 0 || strcmp(sub, "transfer") == 0;
	if (want_id ? optind + 1 != argc : optind != argc)
		return cli_usage_error("member", want_id ? _("%s needs exactly one member id") : _("%s: unexpected arguments"), sub);
	if (strcmp(sub, "add") && strcmp(sub, "edit") && strcmp(sub, "exempt") && strcmp(sub, "list") &&
	    strcmp(sub, "transfer"))
		return cli_no_subcommand("member", sub, (const char *const[]){"add", "edit", "exempt", "transfer", "list", NULL});
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	if (strcmp(sub, "add") == 0)
		rc = add(s, &a);
	else if (strcmp(sub, "edit") == 0)
		rc = edit(s, argv[optind], &a);
	else if (strcmp(sub, "exempt") == 0)
		rc = exempt(s, argv[optind], &a);
	else if (strcmp(sub, "transfer") == 0)
		rc = transfer(s, argv[optind], &a);
	else
		rc = list(s, &a);
	bt_store_free(s);
	return rc;
}
