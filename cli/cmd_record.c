/*
 * cmd_record.c - bontot record KIND FIELD=VALUE... and bontot correct KIND KEY
 * FIELD=VALUE...: record any fact (dues, targets, commitments, attestations,
 * the working regulation, discipline, holidays...) as one event, or correct
 * a recorded one. Values are typed by field (docs/format.md); the library
 * checks everything before anything is written.
 */
#include "cli.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const int_fields[] = {"year", "amount", NULL};
static const char *const tri_fields[] = {"done", "fulfilled", NULL};
static const char *const bool_fields[] = {"pass", "working", "regular", "thematic", "prepared", "resolution", "minutes", NULL};
/* Fields that hold a date (but a transfer's from and to are cells). */
static const char *const date_fields[] = {"paid_on", "issued", "date", "from", "to", "born", "joined", "left", NULL};

static int in(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* Set field=value on obj with the type the format wants. Prints and returns -1 on a bad value. */
static int set_field(const char *cmd, json_t *obj, const char *field, const char *value)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	int transfer = kind && strcmp(kind, "transfer") == 0;
	json_t *v = NULL;
	if (strncmp(field, "att.", 4) == 0) {
		json_t *att = json_object_get(obj, "attendance");
		if (!att || !json_is_object(att)) {
			att = json_object();
			json_object_set_new(obj, "attendance", att);
		}
		return json_object_set_new(att, field + 4, json_string(value)) == 0 ? 0 : -1;
	}
	if (in(int_fields, field)) {
		char *end;
		errno = 0;
		long long x = strtoll(value, &end, 10);
		if (!*value || *end || errno) {
			cli_usage_error(cmd, _("%s=%s: needs a whole number"), field, value);
			return -1;
		}
		v = json_integer(x);
	} else if (in(tri_fields, field) || in(bool_fields, field)) {
		if (!strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "có"))
			v = json_true();
		else if (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "không"))
			v = json_false();
		else if (in(tri_fields, field) && (!strcmp(value, "open") || !strcmp(value, "null")))
			v = json_null();
		else {
			cli_usage_error(cmd, _("%s=%s: needs yes or no%s"), field, value, in(tri_fields, field) ? _(" or open") : "");
			return -1;
		}
	} else if (strcmp(field, "speakers") == 0) {
		v = json_array();
		for (const char *p = value; *p;) {
			const char *e = strchr(p, ',');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			if (len)
				json_array_append_new(v, json_stringn(p, len));
			p = e ? e + 1 : p + len;
		}
	} else if (!strcmp(value, "null") || !strcmp(value, "none") || !*value) {
		v = json_null();
	} else if ((in(date_fields, field) && !(transfer && (!strcmp(field, "from") || !strcmp(field, "to")))) ||
		   !strcmp(field, "month")) {
		/* A date as people write it, dd/mm/yyyy (a month mm/yyyy) or ISO: the record keeps the ISO form. */
		char iso[BT_DATE_STR_BYTES];
		if (!strcmp(field, "month") ? cli_month_arg(cmd, field, value, iso, NULL) : cli_date_arg(cmd, field, value, iso, NULL))
			return -1;
		v = json_string(iso);
	} else {
		v = json_string(value);
		if (!v) {
			cli_usage_error(cmd, _("%s: text is not valid UTF-8"), field);
			return -1;
		}
	}
	return json_object_set_new(obj, field, v) == 0 ? 0 : -1;
}

static void fields_help(const char *kind)
{
	static const struct {
		const char *kind, *fields;
	} k[] = {
		{"dues", N_("member=ID month=YYYY-MM amount=NUMBER paid_on=YYYY-MM-DD")},
		{"target", N_("id=ID cell=CELL year=YEAR title=\"...\" done=yes|no|open")},
		{"commitment", N_("id=ID member=ID year=YEAR title=\"...\" fulfilled=yes|no|open")},
		{"attestation", N_("subject=ID year=YEAR criterion=1.3|2.1|2.2|2.4 pass=yes|no note=\"...\"")},
		{"regulation", N_("cell=CELL issued=YYYY-MM-DD")},
		{"discipline", N_("member=ID date=YYYY-MM-DD form=\"khiển trách\"")},
		{"exemption", N_("member=ID from=YYYY-MM-DD to=YYYY-MM-DD|none reason=\"...\"")},
		{"holiday", "date=YYYY-MM-DD working=yes|no note=\"...\""},
		{"member", N_("id=ID cell=CELL name=\"...\" born=... status=official|probationary role=... joined=... left=...|none")},
		{"meeting", N_("(use bontot meeting record) ... att.ID=present|excused|absent speakers=ID,ID")},
		{"cell", N_("id=ID committee=ID name=\"...\"")},
		{"committee", N_("id=ID name=\"...\"")},
	};
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (!kind || strcmp(kind, k[i].kind) == 0)
			printf("  %-12s %s\n", k[i].kind, _(k[i].fields));
}

static int help(const char *cmd)
{
	if (strcmp(cmd, "record") == 0)
		printf(_("Usage: bontot [--db FILE] record KIND FIELD=VALUE...\n"
			"\n"
			"Record a new fact (one event in the log). Every field is checked before anything is\n"
			"written; a fact with the same key already recorded is refused (use bontot correct).\n"
			"Example: bontot record dues member=DV-01 month=2026-03 amount=20000 paid_on=2026-03-06\n"
			"Dates may also be typed dd/mm/yyyy (paid_on=06/03/2026), months mm/yyyy.\n"
			"\n"
			"Kinds and fields:\n"));
	else
		printf(_("Usage: bontot [--db FILE] correct KIND KEY FIELD=VALUE...\n"
			"\n"
			"Correct a recorded fact: record a new version that replaces the current one; the old\n"
			"version stays in the log (bontot log). Only the fields given change. KEY is the record's\n"
			"id, or the parts of its key joined by \"/\": dues MEMBER/YYYY-MM, exemption MEMBER/DATE,\n"
			"regulation CELL/DATE, discipline MEMBER/DATE, attestation SUBJECT/YEAR/CRITERION,\n"
			"holiday DATE. For a meeting: att.ID=present|excused|absent, speakers=ID,ID.\n"
			"Example: bontot correct meeting CB-01-2026-03-06 att.DV-02=present end=21:30\n"
			"\n"
			"Kinds and fields:\n"));
	fields_help(NULL);
	return CLI_OK;
}

/* How a kind's key is written on the command line. */
static const char *key_form(bt_kind kind)
{
	switch (kind) {
	case BT_KIND_DUES: return N_("MEMBER/YYYY-MM, e.g. DV-01/2026-03");
	case BT_KIND_DUES_MONTH: return N_("CELL/YYYY-MM, e.g. CB-01/2026-03");
	case BT_KIND_EXEMPTION:
	case BT_KIND_DISCIPLINE:
	case BT_KIND_TRANSFER: return N_("MEMBER/YYYY-MM-DD, e.g. DV-01/2026-03-06");
	case BT_KIND_REGULATION: return N_("CELL/YYYY-MM-DD, e.g. CB-01/2026-01-15");
	case BT_KIND_ATTESTATION: return N_("SUBJECT/YEAR/CRITERION, e.g. DV-01/2026/2.1");
	case BT_KIND_HOLIDAY: return N_("YYYY-MM-DD");
	case BT_KIND_SETTLE: return N_("the finding's id");
	default: return N_("its id, e.g. CB-01-2026-03-06 for a meeting");
	}
}

static bt_kind kind_of(const char *name)
{
	for (int k = 1; k <= BT_KIND_COUNT; k++)
		if (strcmp(bt_kind_name((bt_kind)k), name) == 0)
			return (bt_kind)k;
	return 0;
}

static int run(int argc, char **argv, int correct)
{
	const char *cmd = argv[0];
	bt_store *s = NULL;
	bt_record *cur = NULL, *r = NULL;
	json_t *obj = NULL;
	char key[512];
	int rc = CLI_FAIL, first = 2;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return help(cmd);
	if (argc < (correct ? 3 : 2))
		return cli_usage_error(cmd, correct ? _("needs KIND, KEY and FIELD=VALUE...") : _("needs KIND and FIELD=VALUE..."));
	bt_kind kind = kind_of(argv[1]);
	if (!kind)
		return cli_usage_error(cmd, _("no record kind \"%s\""), argv[1]);
	if (argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
		fields_help(argv[1]);
		return CLI_OK;
	}
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	if (correct) {
		snprintf(key, sizeof(key), "%s", argv[2]);
		for (char *p = key; *p; p++)
			if (*p == '/')
				*p = '\t';
		if (bt_store_get(s, kind, key, &cur) < 0) {
			fprintf(stderr, _("bontot: %s; nothing written.\n"), bt_error_last());
			if (bt_error_last_code() == BT_ENOTFOUND)
				fprintf(stderr, _("(the key of a %s is written %s)\n"), bt_kind_title(kind), _(key_form(kind)));
			goto done;
		}
		obj = json_loads(cur->canonical, 0, NULL);
		first = 3;
	} else {
		obj = json_object();
		json_object_set_new(obj, "kind", json_string(argv[1]));
	}
	if (!obj) {
		fprintf(stderr, _("bontot: out of memory\n"));
		goto done;
	}
	for (int i = first; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq || eq == argv[i]) {
			rc = cli_usage_error(cmd, _("\"%s\" is not of the form FIELD=VALUE"), argv[i]);
			goto done;
		}
		*eq = '\0';
		if (strcmp(argv[i], "kind") == 0) {
			rc = cli_usage_error(cmd, _("the kind of a record cannot change"));
			goto done;
		}
		if (set_field(cmd, obj, argv[i], eq + 1) < 0) {
			rc = CLI_USAGE;
			goto done;
		}
	}
	char *line = json_dumps(obj, JSON_COMPACT);
	r = cli_parse_record(line);
	free(line);
	if (!r) {
		rc = CLI_USAGE;
		goto done;
	}
	if (correct && strcmp(r->key, cur->key) != 0) {
		fprintf(stderr, _("bontot: the key of a record cannot change (%s); nothing written.\n"), cli_key(cur->key));
		goto done;
	}
	rc = cli_record(s, r, correct ? BT_RECORD_CORRECTION : BT_RECORD_NEW);
done:
	json_decref(obj);
	bt_record_free(r);
	bt_record_free(cur);
	bt_store_free(s);
	return rc;
}

int cmd_record(int argc, char **argv) { return run(argc, argv, 0); }
int cmd_correct(int argc, char **argv) { return run(argc, argv, 1); }
