/*
 * cmd_meeting.c - bontot meeting plan|record|show: the cell's meeting
 * calendar, recording a meeting (everyone required is present unless named
 * excused or absent), and showing one.
 */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void help(void)
{
	printf(_("Usage:\n"
		"  bontot meeting plan --year YEAR [--rules RULES]\n"
		"  bontot meeting record --cell CELL --date DATE --start HH:MM --end HH:MM [--id ID]\n"
		"        [--regular[=no]] [--thematic[=no]] [--prepared[=no]] [--resolution[=no]] [--minutes[=no]]\n"
		"        [--excused ID,ID] [--absent ID,ID] [--present ID,ID] [--spoke ID,ID] [--correct] [--force]\n"
		"  bontot meeting show ID [--json]\n"
		"  bontot meeting list --cell CELL --year YEAR [--json]\n"
		"\n"
		"plan: the year's meeting calendar — one regular meeting a month between the 5th and the 10th\n"
		"(moved off Saturdays, Sundays, holidays and Tết, saying why), the quarter's thematic meeting\n"
		"with the regular meeting of the quarter's last month.\n"
		"record: record a meeting. Every member required that day is recorded present, except those\n"
		"named with --excused (absent with a reason) or --absent (absent without reason). --spoke: who\n"
		"spoke. Default id: CELL-DATE. With --correct: fix a recorded meeting (by --id, or cell and\n"
		"date); only what is given changes, --present marks someone present again; the old version\n"
		"stays in the log. A date after today is refused unless --force (a typo, most often).\n"
		"Dates as dd/mm/yyyy or YYYY-MM-DD.\n"
		"show and list: --json prints the meeting records as in the import format (show: one\n"
		"object; list: an array, by date).\n"));
}

enum {
	O_CELL = 1, O_DATE, O_START, O_END, O_ID, O_REGULAR, O_THEMATIC, O_PREPARED, O_RESOLUTION, O_MINUTES,
	O_EXCUSED, O_ABSENT, O_PRESENT, O_SPOKE, O_CORRECT, O_YEAR, O_RULES, O_JSON, O_FORCE, O_HELP
};

static const struct option opts[] = {
	{"cell", required_argument, NULL, O_CELL},	  {"date", required_argument, NULL, O_DATE},
	{"start", required_argument, NULL, O_START},	  {"end", required_argument, NULL, O_END},
	{"id", required_argument, NULL, O_ID},		  {"regular", optional_argument, NULL, O_REGULAR},
	{"thematic", optional_argument, NULL, O_THEMATIC}, {"prepared", optional_argument, NULL, O_PREPARED},
	{"resolution", optional_argument, NULL, O_RESOLUTION}, {"minutes", optional_argument, NULL, O_MINUTES},
	{"excused", required_argument, NULL, O_EXCUSED},  {"absent", required_argument, NULL, O_ABSENT},
	{"present", required_argument, NULL, O_PRESENT},  {"spoke", required_argument, NULL, O_SPOKE},
	{"correct", no_argument, NULL, O_CORRECT},	  {"year", required_argument, NULL, O_YEAR},
	{"rules", required_argument, NULL, O_RULES},	  {"json", no_argument, NULL, O_JSON},
	{"force", no_argument, NULL, O_FORCE},		  {"help", no_argument, NULL, O_HELP},
	{0}};

typedef struct {
	const char *v[O_HELP];
	int given[O_HELP];
} args;

/* Every id of a list must be one of `ids`; else print which is not and return -1. */
static int check_list(const char *opt, const char *list, char **ids, size_t n)
{
	char item[128];
	for (const char *p = list; cli_list_next(&p, item, sizeof(item));) {
		int found = 0;
		for (size_t i = 0; i < n && !found; i++)
			found = strcmp(ids[i], item) == 0;
		if (!found) {
			fprintf(stderr, _("bontot: --%s: \"%s\" is not a member required at this meeting (not in the cell that day, or exempt from activities); nothing written.\n"),
				opt, item);
			return -1;
		}
	}
	return 0;
}

static int yes(const args *a, int o, int current)
{
	if (!a->given[o])
		return current;
	return !a->v[o] || strcmp(a->v[o], "yes") == 0 || strcmp(a->v[o], "true") == 0 || strcmp(a->v[o], "1") == 0;
}

static int record(bt_store *s, const args *a)
{
	bt_record *cur = NULL, *r = NULL;
	char **req = NULL, id_buf[BT_ID_MAX_BYTES + 1], date_s[BT_DATE_STR_BYTES], t[2][32];
	size_t n_req = 0;
	bt_date date;
	int correct = a->given[O_CORRECT], rc = CLI_FAIL;
	const char *cell = a->v[O_CELL], *id = a->v[O_ID];

	if (correct) {
		if (!id && (!cell || !a->v[O_DATE]))
			return cli_usage_error("meeting", _("--correct needs --id, or --cell and --date"));
		if (!id) {
			snprintf(id_buf, sizeof(id_buf), "%s-%s", cell, a->v[O_DATE]);
			id = id_buf;
		}
		if (bt_store_get(s, BT_KIND_MEETING, id, &cur) < 0) {
			fprintf(stderr, _("bontot: %s; nothing written.\n"), bt_error_last());
			return CLI_FAIL;
		}
		cell = cur->cell;
	} else if (!cell || !a->v[O_DATE] || !a->v[O_START] || !a->v[O_END]) {
		return cli_usage_error("meeting", _("record needs --cell, --date, --start and --end"));
	}
	const char *date_arg = a->v[O_DATE];
	if (!date_arg) {
		bt_date_format(date_s, cur->date);
		date_arg = date_s;
	}
	if (bt_date_parse(&date, date_arg, strlen(date_arg)) < 0) {
		rc = cli_usage_error("meeting", "--date: %s", bt_error_last());
		goto done;
	}
	if (a->v[O_DATE] && date > cli_today() && !a->given[O_FORCE]) {
		char d[16];
		cli_format_date_vi(d, date);
		rc = cli_usage_error("meeting", _("--date %s is after today: a meeting is recorded once it has been held. "
						  "If the date is right (this tablet's clock is behind), add --force"),
				     d);
		goto done;
	}
	if (!id) {
		snprintf(id_buf, sizeof(id_buf), "%s-%s", cell, date_arg);
		id = id_buf;
	}
	if (bt_store_required(s, cell, date, &req, &n_req) < 0) {
		fprintf(stderr, "bontot: %s\n", bt_error_last());
		goto done;
	}
	if (check_list("excused", a->v[O_EXCUSED], req, n_req) < 0 || check_list("absent", a->v[O_ABSENT], req, n_req) < 0 ||
	    check_list("present", a->v[O_PRESENT], req, n_req) < 0 || check_list("spoke", a->v[O_SPOKE], req, n_req) < 0)
		goto done;

	/*
	 * Attendance. A new meeting: every member required that day, present
	 * unless named. A correction changes only what is named: the marks
	 * recorded before stay as they were (a member added to the cell since,
	 * or moved out of it, is neither marked nor dropped), and a required
	 * member named who had no mark gets one.
	 */
	char att[40000];
	size_t len = 0;
	att[len++] = '{';
	size_t n_cand = cur ? cur->n_attendance + n_req : n_req;
	for (size_t i = 0; i < n_cand; i++) {
		const char *who, *st = "present";
		if (cur && i < cur->n_attendance) {
			who = cur->attendance[i].member;
			st = cur->attendance[i].status == BT_EXCUSED ? "excused" : cur->attendance[i].status == BT_ABSENT ? "absent" : "present";
		} else {
			who = req[cur ? i - cur->n_attendance : i];
			int marked = 0;
			for (size_t k = 0; cur && k < cur->n_attendance && !marked; k++)
				marked = strcmp(cur->attendance[k].member, who) == 0;
			int named = cli_list_contains(a->v[O_EXCUSED], who) || cli_list_contains(a->v[O_ABSENT], who) ||
				    cli_list_contains(a->v[O_PRESENT], who);
			if (marked || (cur && !named))
				continue;
		}
		if (cli_list_contains(a->v[O_EXCUSED], who))
			st = "excused";
		if (cli_list_contains(a->v[O_ABSENT], who))
			st = "absent";
		if (cli_list_contains(a->v[O_PRESENT], who))
			st = "present";
		if (len + 2 * BT_ID_MAX_BYTES + 32 > sizeof(att)) {
			fprintf(stderr, _("bontot: too many members for one meeting; nothing written.\n"));
			goto done;
		}
		if (len > 1)
			att[len++] = ',';
		cli_json_escape(att, sizeof(att), &len, who);
		len += (size_t)snprintf(att + len, sizeof(att) - len, ":\"%s\"", st);
	}
	att[len++] = '}';
	att[len] = '\0';
	/* Speakers: those named, or in a correction the earlier ones, all of them. */
	char spk[20000];
	len = 0;
	spk[len++] = '[';
	size_t n_spk = a->v[O_SPOKE] || !cur ? n_req : cur->n_speakers;
	for (size_t i = 0; i < n_spk; i++) {
		const char *who = a->v[O_SPOKE] || !cur ? req[i] : cur->speakers[i];
		if ((a->v[O_SPOKE] || !cur) && !cli_list_contains(a->v[O_SPOKE], who))
			continue;
		if (len + 2 * BT_ID_MAX_BYTES + 8 > sizeof(spk)) {
			fprintf(stderr, _("bontot: too many members for one meeting; nothing written.\n"));
			goto done;
		}
		if (len > 1)
			spk[len++] = ',';
		cli_json_escape(spk, sizeof(spk), &len, who);
	}
	spk[len++] = ']';
	spk[len] = '\0';

	cli_json j;
	cli_json_begin(&j, "meeting");
	cli_json_str(&j, "id", id);
	cli_json_str(&j, "cell", cell);
	cli_json_str(&j, "date", date_arg);
	if (cur) {
		snprintf(t[0], sizeof(t[0]), "%02d:%02d", cur->start_minute / 60, cur->start_minute % 60);
		snprintf(t[1], sizeof(t[1]), "%02d:%02d", cur->end_minute / 60, cur->end_minute % 60);
	}
	cli_json_str(&j, "start", a->v[O_START] ? a->v[O_START] : t[0]);
	cli_json_str(&j, "end", a->v[O_END] ? a->v[O_END] : t[1]);
	unsigned f = cur ? cur->flags : 0;
	cli_json_raw(&j, "regular", yes(a, O_REGULAR, (f & BT_MEETING_REGULAR) != 0) ? "true" : "false");
	cli_json_raw(&j, "thematic", yes(a, O_THEMATIC, (f & BT_MEETING_THEMATIC) != 0) ? "true" : "false");
	cli_json_raw(&j, "prepared", yes(a, O_PREPARED, (f & BT_MEETING_PREPARED) != 0) ? "true" : "false");
	cli_json_raw(&j, "resolution", yes(a, O_RESOLUTION, (f & BT_MEETING_RESOLUTION) != 0) ? "true" : "false");
	cli_json_raw(&j, "minutes", yes(a, O_MINUTES, (f & BT_MEETING_MINUTES) != 0) ? "true" : "false");
	cli_json_raw(&j, "attendance", att);
	cli_json_raw(&j, "speakers", spk);
	r = cli_parse_record(cli_json_end(&j));
	rc = r ? cli_record(s, r, correct ? BT_RECORD_CORRECTION : BT_RECORD_NEW) : CLI_USAGE;
done:
	bt_record_free(r);
	bt_record_free(cur);
	bt_strings_free(req, n_req);
	return rc;
}

static int cmp_member_name(const void *a, const void *b)
{
	const bt_record *x = *(const bt_record *const *)a, *y = *(const bt_record *const *)b;
	int d = bt_vi_name_compare(x->name, y->name);
	return d ? d : strcmp(x->id, y->id);
}

static int show(bt_store *s, const char *id, int as_json)
{
	bt_record *m = NULL, **members = NULL;
	size_t n = 0;
	char d[16];
	if (bt_store_get(s, BT_KIND_MEETING, id, &m) < 0) {
		fprintf(stderr, "bontot: %s\n", bt_error_last());
		return CLI_FAIL;
	}
	if (as_json) {
		json_t *o = json_loads(m->canonical, 0, NULL);
		int rc = cli_json_print(o);
		json_decref(o);
		bt_record_free(m);
		return rc;
	}
	/* Everyone marked, including members who have since moved to another cell, in Vietnamese order. */
	if (!(members = calloc(m->n_attendance + 1, sizeof(*members)))) {
		bt_record_free(m);
		return CLI_FAIL;
	}
	for (size_t k = 0; k < m->n_attendance; k++)
		if (bt_store_get(s, BT_KIND_MEMBER, m->attendance[k].member, &members[n]) == 0)
			n++;
	qsort(members, n, sizeof(*members), cmp_member_name);
	cli_format_date_vi(d, m->date);
	printf(_("Meeting %s — cell %s — %s, %02d:%02d-%02d:%02d (%d minutes)\n"), m->id, m->cell, d,
	       m->start_minute / 60, m->start_minute % 60, m->end_minute / 60, m->end_minute % 60,
	       m->end_minute - m->start_minute);
	printf(_("  %s%s; prepared: %s; resolution: %s; minutes: %s\n"), m->flags & BT_MEETING_REGULAR ? _("regular") : "",
	       m->flags & BT_MEETING_THEMATIC ? (m->flags & BT_MEETING_REGULAR ? _(" and thematic") : _("thematic")) : "",
	       m->flags & BT_MEETING_PREPARED ? _("yes") : _("no"), m->flags & BT_MEETING_RESOLUTION ? _("yes") : _("no"),
	       m->flags & BT_MEETING_MINUTES ? _("yes") : _("no"));
	static const char *const st[] = {N_("present"), N_("excused"), N_("absent without reason")};
	size_t present = 0;
	/* In the Vietnamese order of names. */
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < m->n_attendance; k++)
			if (strcmp(m->attendance[k].member, members[i]->id) == 0) {
				int spoke = 0;
				for (size_t q = 0; q < m->n_speakers; q++)
					spoke |= strcmp(m->speakers[q], members[i]->id) == 0;
				present += m->attendance[k].status == BT_PRESENT;
				printf(_("    %-14s %s — %s%s\n"), members[i]->id, members[i]->name, _(st[m->attendance[k].status]),
				       spoke ? _(", spoke") : "");
			}
	printf(_("  Present %zu/%zu; %zu speakers.\n"), present, m->n_attendance, m->n_speakers);
	bt_records_free(members, n);
	bt_record_free(m);
	return CLI_OK;
}

static int cmp_meeting(const void *a, const void *b)
{
	const bt_record *x = *(const bt_record *const *)a, *y = *(const bt_record *const *)b;
	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int list(bt_store *s, const args *a)
{
	int year;
	bt_cell_records *cr = NULL;
	size_t n, k = 0;
	if (!a->v[O_CELL] || !a->v[O_YEAR] || cli_parse_year(a->v[O_YEAR], &year) < 0)
		return cli_usage_error("meeting", _("list needs --cell and --year"));
	if (bt_store_load_cell(&cr, s, a->v[O_CELL], year) < 0) {
		fprintf(stderr, "bontot: %s\n", bt_error_last());
		return CLI_FAIL;
	}
	const bt_record *const *recs = bt_cell_records_list(cr, &n);
	const bt_record **m = calloc(n + 1, sizeof(*m));
	if (!m) {
		bt_cell_records_free(cr);
		return CLI_FAIL;
	}
	for (size_t i = 0; i < n; i++)
		if (recs[i]->kind == BT_KIND_MEETING)
			m[k++] = recs[i];
	qsort(m, k, sizeof(*m), cmp_meeting);
	if (a->given[O_JSON]) {
		/* The records as stored (the cell's snapshot holds the fields, not the bytes). */
		json_t *arr = json_array();
		for (size_t i = 0; i < k && arr; i++) {
			bt_record *r = NULL;
			if (bt_store_get(s, BT_KIND_MEETING, m[i]->id, &r) < 0 ||
			    json_array_append_new(arr, json_loads(r->canonical, 0, NULL)) < 0) {
				fprintf(stderr, "bontot: %s\n", bt_error_last());
				json_decref(arr), arr = NULL;
			}
			bt_record_free(r);
		}
		int rc = arr ? cli_json_print(arr) : CLI_FAIL;
		json_decref(arr);
		free(m);
		bt_cell_records_free(cr);
		return rc;
	}
	printf(_("Meetings of %d of cell %s:\n"), year, a->v[O_CELL]);
	for (size_t i = 0; i < k; i++) {
		char d[16];
		size_t present = 0;
		for (size_t q = 0; q < m[i]->n_attendance; q++)
			present += m[i]->attendance[q].status == BT_PRESENT;
		cli_format_date_vi(d, m[i]->date);
		printf(_("  %s  %-22s %02d:%02d-%02d:%02d  %s%s  present %zu/%zu, %zu spoke\n"), d, m[i]->id,
		       m[i]->start_minute / 60, m[i]->start_minute % 60, m[i]->end_minute / 60, m[i]->end_minute % 60,
		       m[i]->flags & BT_MEETING_REGULAR ? _("regular") : "       ",
		       m[i]->flags & BT_MEETING_THEMATIC ? _("+thematic") : "          ", present, m[i]->n_attendance,
		       m[i]->n_speakers);
	}
	printf(_("%zu meetings.\n"), k);
	free(m);
	bt_cell_records_free(cr);
	return CLI_OK;
}

static int plan(bt_store *s, const args *a)
{
	int year;
	bt_rules rules;
	bt_calendar *cal = NULL;
	bt_plan_month p[12];
	if (!a->v[O_YEAR] || cli_parse_year(a->v[O_YEAR], &year) < 0)
		return cli_usage_error("meeting", _("plan needs --year YEAR"));
	if (cli_load_rules(&rules, a->v[O_RULES]) < 0)
		return CLI_FAIL;
	if (bt_store_calendar(s, &cal) < 0 || bt_plan_year(p, cal, &rules, year) < 0) {
		fprintf(stderr, "bontot: %s\n", bt_error_last());
		bt_calendar_free(cal);
		return CLI_FAIL;
	}
	static const char *const wd[8] = {"", N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun")};
	printf(_("CELL MEETING CALENDAR %d (days %02d-%02d of each month; the thematic meeting with the quarter's last regular one)\n"),
	       year, rules.window_first_day, rules.window_last_day);
	for (int m = 0; m < 12; m++) {
		char lo[16], hi[16], d[16];
		cli_format_date_vi(lo, p[m].window_first);
		cli_format_date_vi(hi, p[m].window_last);
		cli_format_date_vi(d, p[m].date);
		printf(_("  Month %2d: %s %s%s   (window %s - %s)%s%s\n"), p[m].month, _(wd[bt_date_weekday(p[m].date)]), d,
		       p[m].thematic ? _(" + thematic") : "            ", lo, hi, p[m].reason[0] ? _("; moved because ") : "",
		       p[m].reason);
	}
	bt_calendar_free(cal);
	return CLI_OK;
}

int cmd_meeting(int argc, char **argv)
{
	args a;
	bt_store *s = NULL;
	int c, rc;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		help();
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *sub = argv[1];
	memset(&a, 0, sizeof(a));
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == O_HELP || c == 'h') {
			help();
			return CLI_OK;
		}
		if (c < 1 || c >= O_HELP)
			return cli_usage_error("meeting", _("invalid option"));
		a.v[c] = optarg;
		a.given[c] = 1;
	}
	char iso[BT_DATE_STR_BYTES];
	if (a.v[O_DATE]) {
		if (cli_date_arg("meeting", "--date", a.v[O_DATE], iso, NULL) != 0)
			return CLI_USAGE;
		a.v[O_DATE] = iso;
	}
	int want_id = strcmp(sub, "show") == 0;
	if (want_id ? optind + 1 != argc : optind != argc)
		return cli_usage_error("meeting", want_id ? _("show needs exactly one meeting id") : _("unexpected arguments"));
	if (strcmp(sub, "plan") && strcmp(sub, "record") && strcmp(sub, "show") && strcmp(sub, "list"))
		return cli_no_subcommand("meeting", sub, (const char *const[]){"plan", "record", "show", "list", NULL});
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	if (strcmp(sub, "plan") == 0)
		rc = plan(s, &a);
	else if (strcmp(sub, "record") == 0)
		rc = record(s, &a);
	else if (strcmp(sub, "list") == 0)
		rc = list(s, &a);
	else
		rc = show(s, argv[optind], a.given[O_JSON]);
	bt_store_free(s);
	return rc;
}
