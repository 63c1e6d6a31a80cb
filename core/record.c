/*
 * record.c - parse, validate and canonicalise interchange records (docs/format.md).
 *
 * Canonical bytes (the "rec" of an event, and what idempotent import
 * compares): compact JSON, keys sorted by byte value, every field of the kind
 * present (an absent optional field is written as null; absent meeting flags
 * as false, absent speakers as []), strings in NFC, attendance keys sorted,
 * speakers sorted and unique. Two lines that state the same fact therefore
 * have the same canonical bytes, whatever their key order or Unicode form.
 */
#include "bontot/records.h"
#include "buf.h"
#include "error.h"
#include "i18n.h"
#include "records_internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[BT_KIND_COUNT + 1] = {
	NULL,	      "committee", "cell",     "member", "exemption",  "holiday",   "regulation",
	"target",     "commitment", "meeting", "dues",   "discipline", "attestation", "transfer",
	"dues_month", "settle"};

const char *bt_kind_name(bt_kind kind)
{
	return (kind >= 1 && kind <= BT_KIND_COUNT) ? kind_names[kind] : NULL;
}

static const char *const kind_titles[BT_KIND_COUNT + 1] = {
	NULL,		  N_("committee"),	N_("cell"),	     N_("member"),	     N_("exemption from activities"),
	N_("holiday"),	  N_("working regulation"), N_("target"),     N_("commitment"),	     N_("meeting"),
	N_("dues payment"), N_("discipline"),	N_("attestation"),   N_("transfer"),	     N_("month of dues"),
	N_("decision on a finding")};

const char *bt_kind_title(bt_kind kind) { return (kind >= 1 && kind <= BT_KIND_COUNT) ? BT_(kind_titles[kind]) : "?"; }

static const char *const status_names[] = {"official", "probationary"};
static const char *const role_names[] = {"secretary", "deputy", "committee", "member"};
static const char *const attendance_names[] = {"present", "excused", "absent"};

/* Allowed fields of each kind, in canonical (sorted) order. */
static const char *const fields[BT_KIND_COUNT + 1][16] = {
	{NULL},
	{"id", "kind", "name", NULL},
	{"committee", "id", "kind", "name", NULL},
	{"born", "cell", "id", "joined", "kind", "left", "name", "role", "status", NULL},
	{"from", "kind", "member", "reason", "to", NULL},
	{"date", "kind", "note", "working", NULL},
	{"cell", "issued", "kind", NULL},
	{"cell", "done", "id", "kind", "title", "year", NULL},
	{"fulfilled", "id", "kind", "member", "title", "year", NULL},
	{"attendance", "cell", "date", "end", "id", "kind", "minutes", "prepared", "regular", "resolution",
	 "speakers", "start", "thematic", NULL},
	{"amount", "kind", "member", "month", "paid_on", NULL},
	{"date", "form", "kind", "member", NULL},
	{"criterion", "kind", "note", "pass", "subject", "year", NULL},
	{"date", "from", "kind", "member", "note", "to", NULL},
	{"amount", "cell", "kind", "members", "month", "paid_on", NULL},
	{"cell", "finding", "kind", "note", NULL},
};

void bt_record_free(bt_record *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->name);
	free(r->committee);
	free(r->cell);
	free(r->member);
	free(r->subject);
	free(r->cell_from);
	free(r->cell_to);
	free(r->text);
	free(r->finding);
	for (size_t i = 0; i < r->n_members; i++)
		free(r->members[i]);
	free(r->members);
	free(r->ref);
	free(r->ts);
	for (size_t i = 0; i < r->n_attendance; i++)
		free(r->attendance[i].member);
	free(r->attendance);
	for (size_t i = 0; i < r->n_speakers; i++)
		free(r->speakers[i]);
	free(r->speakers);
	free(r->key);
	free(r->canonical);
	free(r);
}

static bt_record *record_new(bt_kind kind)
{
	bt_record *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->kind = kind;
	r->born = r->joined = r->left = r->from = r->to = r->date = BT_DATE_NONE;
	r->done = BT_OPEN;
	r->month = -1;
	return r;
}

/* ---- field readers: each returns 0 or BT_EINVALID with a message naming the field ---- */

typedef struct {
	json_t *obj;
	const char *kind;
	int merged; /* a state merged from several versions: cross-field rules become findings (docs/offline.md) */
} ctx;

static int field_error(const ctx *c, const char *field, const char *what)
{
	return bt__error_set(BT_EINVALID, BT_("%s: field \"%s\": %s"), c->kind, field, what);
}

static json_t *get(const ctx *c, const char *field) { return json_object_get(c->obj, field); }

static int read_text(const ctx *c, const char *field, char **out, int required, size_t max, int multiline)
{
	json_t *v = get(c, field);
	*out = NULL;
	if (!v || json_is_null(v))
		return required ? field_error(c, field, BT_("required, missing")) : 0;
	if (!json_is_string(v))
		return field_error(c, field, BT_("must be a string"));
	size_t len = json_string_length(v);
	if (len == 0 && required)
		return field_error(c, field, BT_("must not be empty"));
	if (len > max)
		return field_error(c, field, BT_("too long"));
	if (memchr(json_string_value(v), '\0', len))
		return field_error(c, field, BT_("contains a NUL character"));
	if (bt_text_nfc(out, json_string_value(v), len, multiline) < 0) {
		if (bt_error_last_code() == BT_ENOMEM)
			return BT_ENOMEM;
		return field_error(c, field, BT_("invalid text (UTF-8 or control characters)"));
	}
	return 0;
}

static int read_id(const ctx *c, const char *field, char **out)
{
	int err = read_text(c, field, out, 1, BT_ID_MAX_BYTES, 0);
	if (err == 0 && strchr(*out, '\t')) {
		free(*out);
		*out = NULL;
		return field_error(c, field, BT_("an id may not contain a tab"));
	}
	return err;
}

static int read_date(const ctx *c, const char *field, bt_date *out, int required)
{
	json_t *v = get(c, field);
	*out = BT_DATE_NONE;
	if (!v || json_is_null(v))
		return required ? field_error(c, field, BT_("required, missing")) : 0;
	if (!json_is_string(v) || bt_date_parse(out, json_string_value(v), json_string_length(v)) < 0)
		return field_error(c, field, BT_("invalid date (expected YYYY-MM-DD)"));
	return 0;
}

static int read_bool(const ctx *c, const char *field, int *out, int required)
{
	json_t *v = get(c, field);
	*out = 0;
	if (!v)
		return required ? field_error(c, field, BT_("required, missing")) : 0;
	if (!json_is_boolean(v))
		return field_error(c, field, BT_("must be true or false"));
	*out = json_is_true(v);
	return 0;
}

static int read_tri(const ctx *c, const char *field, int *out)
{
	json_t *v = get(c, field);
	*out = BT_OPEN;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return field_error(c, field, BT_("must be true, false or null"));
	*out = json_is_true(v);
	return 0;
}

static int read_int(const ctx *c, const char *field, int64_t *out, int64_t lo, int64_t hi)
{
	json_t *v = get(c, field);
	if (!v || json_is_null(v))
		return field_error(c, field, BT_("required, missing"));
	if (!json_is_integer(v))
		return field_error(c, field, BT_("must be a whole number"));
	json_int_t x = json_integer_value(v);
	if (x < lo || x > hi)
		return field_error(c, field, BT_("out of the allowed range"));
	*out = x;
	return 0;
}

/* The month, amount and paid_on of a dues or dues_month record. */
static int read_payment(const ctx *c, bt_record *r)
{
	json_t *v = get(c, "month");
	int64_t n;
	int err;

	if (!v || !json_is_string(v) || bt_month_parse(&r->month, json_string_value(v), json_string_length(v)) < 0)
		return field_error(c, "month", BT_("invalid month (expected YYYY-MM)"));
	if ((err = read_int(c, "amount", &n, 0, INT64_C(1000000000000))) ||
	    (err = read_date(c, "paid_on", &r->date, 1)))
		return err;
	r->amount = n;
	return 0;
}

static int read_year(const ctx *c, int *out)
{
	int64_t y;
	int err = read_int(c, "year", &y, BT_DATE_MIN_YEAR, BT_DATE_MAX_YEAR);
	*out = (int)y;
	return err;
}

static int read_enum(const ctx *c, const char *field, const char *const *names, int n, int *out)
{
	json_t *v = get(c, field);
	if (!v || json_is_null(v))
		return field_error(c, field, BT_("required, missing"));
	if (json_is_string(v))
		for (int i = 0; i < n; i++)
			if (strcmp(json_string_value(v), names[i]) == 0) {
				*out = i;
				return 0;
			}
	return field_error(c, field, BT_("invalid value"));
}

static int read_time(const ctx *c, const char *field, int *out)
{
	json_t *v = get(c, field);
	const char *s;
	if (!v || json_is_null(v))
		return field_error(c, field, BT_("required, missing"));
	if (!json_is_string(v) || json_string_length(v) != 5)
		return field_error(c, field, BT_("invalid time (expected HH:MM)"));
	s = json_string_value(v);
	if (s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' || s[2] != ':' || s[3] < '0' || s[3] > '5' ||
	    s[4] < '0' || s[4] > '9')
		return field_error(c, field, BT_("invalid time (expected HH:MM)"));
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23)
		return field_error(c, field, BT_("invalid time (expected HH:MM)"));
	*out = h * 60 + m;
	return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int cmp_att(const void *a, const void *b)
{
	return strcmp(((const bt_attendance *)a)->member, ((const bt_attendance *)b)->member);
}

/* A sorted list of unique member ids (speakers, a dues_month's members). A member listed twice counts once. */
static int read_id_list(const ctx *c, const char *field, char ***out, size_t *n_out, size_t max)
{
	json_t *spk = get(c, field), *v;
	size_t i, k = 0;
	char **ids;
	*out = NULL;
	*n_out = 0;
	if (!spk || json_is_null(spk))
		return 0;
	if (!json_is_array(spk))
		return field_error(c, field, BT_("must be an array of member ids"));
	if (json_array_size(spk) > max)
		return field_error(c, field, BT_("too many members"));
	if (!(ids = calloc(json_array_size(spk) + 1, sizeof(char *))))
		return bt__oom();
	*out = ids;
	json_array_foreach(spk, i, v)
	{
		if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > BT_ID_MAX_BYTES ||
		    memchr(json_string_value(v), '\0', json_string_length(v)))
			return field_error(c, field, BT_("must be an array of member ids"));
		if (bt_text_nfc(&ids[*n_out], json_string_value(v), json_string_length(v), 0) < 0)
			return field_error(c, field, BT_("invalid member id"));
		(*n_out)++;
	}
	qsort(ids, *n_out, sizeof(char *), cmp_str);
	for (i = 0; i < *n_out; i++) {
		if (k && strcmp(ids[k - 1], ids[i]) == 0) {
			free(ids[i]);
			continue;
		}
		ids[k++] = ids[i];
	}
	*n_out = k;
	return 0;
}

static int read_meeting_lists(const ctx *c, bt_record *r)
{
	json_t *att = get(c, "attendance");
	const char *key;
	json_t *v;
	int err;

	if (!att || !json_is_object(att))
		return field_error(c, "attendance", BT_("required, an object {\"member id\": status}"));
	r->attendance = calloc(json_object_size(att) + 1, sizeof(bt_attendance));
	if (!r->attendance)
		return bt__oom();
	json_object_foreach(att, key, v)
	{
		bt_attendance *a = &r->attendance[r->n_attendance];
		int st = -1;
		if (json_is_string(v))
			for (int i = 0; i < 3; i++)
				if (strcmp(json_string_value(v), attendance_names[i]) == 0)
					st = i;
		if (st < 0)
			return bt__error_set(BT_EINVALID,
					     BT_("%s: field \"attendance\": the status of %s must be present, excused or absent"),
					     c->kind, key);
		if (strlen(key) == 0 || strlen(key) > BT_ID_MAX_BYTES)
			return field_error(c, "attendance", BT_("invalid member id"));
		if ((err = bt_text_nfc(&a->member, key, strlen(key), 0)) < 0)
			return field_error(c, "attendance", BT_("invalid member id"));
		a->status = (bt_attendance_status)st;
		r->n_attendance++;
	}
	qsort(r->attendance, r->n_attendance, sizeof(bt_attendance), cmp_att);
	for (size_t i = 1; i < r->n_attendance; i++)
		if (strcmp(r->attendance[i - 1].member, r->attendance[i].member) == 0)
			return bt__error_set(BT_EINVALID, BT_("%s: field \"attendance\": %s appears twice"), c->kind,
					     r->attendance[i].member);

	if ((err = read_id_list(c, "speakers", &r->speakers, &r->n_speakers, BT_DUES_MONTH_MAX_MEMBERS)) < 0)
		return err;
	for (size_t i = 0; i < r->n_speakers && !c->merged; i++) {
		bt_attendance probe = {r->speakers[i], BT_PRESENT};
		bt_attendance *a = bsearch(&probe, r->attendance, r->n_attendance, sizeof(bt_attendance), cmp_att);
		if (!a || a->status != BT_PRESENT)
			return bt__error_set(BT_EINVALID,
					     BT_("%s: field \"speakers\": %s spoke but is not marked present"),
					     c->kind, r->speakers[i]);
	}
	return 0;
}

static int parse_fields(const ctx *c, bt_record *r)
{
	int err = 0, x = 0;
	switch (r->kind) {
	case BT_KIND_COMMITTEE:
		if ((err = read_id(c, "id", &r->id)) || (err = read_text(c, "name", &r->name, 1, 200, 0)))
			return err;
		break;
	case BT_KIND_CELL:
		if ((err = read_id(c, "id", &r->id)) || (err = read_id(c, "committee", &r->committee)) ||
		    (err = read_text(c, "name", &r->name, 1, 200, 0)))
			return err;
		break;
	case BT_KIND_MEMBER:
		if ((err = read_id(c, "id", &r->id)) || (err = read_id(c, "cell", &r->cell)) ||
		    (err = read_text(c, "name", &r->name, 1, 200, 0)) || (err = read_date(c, "born", &r->born, 0)) ||
		    (err = read_enum(c, "status", status_names, 2, &x)))
			return err;
		r->status = (bt_member_status)x;
		if ((err = read_enum(c, "role", role_names, 4, &x)))
			return err;
		r->role = (bt_member_role)x;
		if ((err = read_date(c, "joined", &r->joined, 1)) || (err = read_date(c, "left", &r->left, 0)))
			return err;
		if (r->left != BT_DATE_NONE && r->left < r->joined)
			return field_error(c, "left", BT_("leaving the cell before joining the Party"));
		if (r->born != BT_DATE_NONE && r->born >= r->joined)
			return field_error(c, "born", BT_("the birth date must come before joining the Party"));
		break;
	case BT_KIND_EXEMPTION:
		if ((err = read_id(c, "member", &r->member)) || (err = read_date(c, "from", &r->from, 1)) ||
		    (err = read_date(c, "to", &r->to, 0)) ||
		    (err = read_text(c, "reason", &r->text, 0, BT_TEXT_MAX_BYTES, 1)))
			return err;
		if (r->to != BT_DATE_NONE && r->to < r->from)
			return field_error(c, "to", BT_("the end date is before the start date"));
		break;
	case BT_KIND_HOLIDAY:
		if ((err = read_date(c, "date", &r->date, 1)) || (err = read_bool(c, "working", &r->working, 1)) ||
		    (err = read_text(c, "note", &r->text, 0, BT_TEXT_MAX_BYTES, 1)))
			return err;
		break;
	case BT_KIND_REGULATION:
		if ((err = read_id(c, "cell", &r->cell)) || (err = read_date(c, "issued", &r->date, 1)))
			return err;
		break;
	case BT_KIND_TARGET:
		if ((err = read_id(c, "id", &r->id)) || (err = read_id(c, "cell", &r->cell)) ||
		    (err = read_year(c, &r->year)) || (err = read_text(c, "title", &r->text, 1, BT_TEXT_MAX_BYTES, 1)) ||
		    (err = read_tri(c, "done", &r->done)))
			return err;
		break;
	case BT_KIND_COMMITMENT:
		if ((err = read_id(c, "id", &r->id)) || (err = read_id(c, "member", &r->member)) ||
		    (err = read_year(c, &r->year)) || (err = read_text(c, "title", &r->text, 1, BT_TEXT_MAX_BYTES, 1)) ||
		    (err = read_tri(c, "fulfilled", &r->done)))
			return err;
		break;
	case BT_KIND_MEETING: {
		static const char *const flag_names[5] = {"regular", "thematic", "prepared", "resolution", "minutes"};
		if ((err = read_id(c, "id", &r->id)) || (err = read_id(c, "cell", &r->cell)) ||
		    (err = read_date(c, "date", &r->date, 1)) || (err = read_time(c, "start", &r->start_minute)) ||
		    (err = read_time(c, "end", &r->end_minute)))
			return err;
		if (r->end_minute <= r->start_minute)
			return field_error(c, "end", BT_("the end time must be after the start time (same day)"));
		for (int i = 0; i < 5; i++) {
			if ((err = read_bool(c, flag_names[i], &x, 0)))
				return err;
			if (x)
				r->flags |= 1u << i;
		}
		if ((err = read_meeting_lists(c, r)))
			return err;
		break;
	}
	case BT_KIND_DUES:
		if ((err = read_id(c, "member", &r->member)))
			return err;
		if ((err = read_payment(c, r)))
			return err;
		break;
	case BT_KIND_DISCIPLINE:
		if ((err = read_id(c, "member", &r->member)) || (err = read_date(c, "date", &r->date, 1)) ||
		    (err = read_text(c, "form", &r->text, 1, 200, 0)))
			return err;
		break;
	case BT_KIND_TRANSFER:
		if ((err = read_id(c, "member", &r->member)) || (err = read_date(c, "date", &r->date, 1)) ||
		    (err = read_id(c, "from", &r->cell_from)) || (err = read_id(c, "to", &r->cell_to)) ||
		    (err = read_text(c, "note", &r->text, 0, BT_TEXT_MAX_BYTES, 1)))
			return err;
		if (strcmp(r->cell_from, r->cell_to) == 0)
			return field_error(c, "to", BT_("the same cell as \"from\""));
		break;
	case BT_KIND_DUES_MONTH:
		if ((err = read_id(c, "cell", &r->cell)))
			return err;
		if ((err = read_payment(c, r)))
			return err;
		if (!get(c, "members") || !json_is_array(get(c, "members")))
			return field_error(c, "members", BT_("required, an array of member ids"));
		if ((err = read_id_list(c, "members", &r->members, &r->n_members, BT_DUES_MONTH_MAX_MEMBERS)) < 0)
			return err;
		break;
	case BT_KIND_SETTLE:
		if ((err = read_id(c, "cell", &r->cell)) ||
		    (err = read_text(c, "finding", &r->finding, 1, BT_FINDING_ID_MAX_BYTES, 1)) ||
		    (err = read_text(c, "note", &r->text, 1, BT_TEXT_MAX_BYTES, 1)))
			return err;
		break;
	case BT_KIND_ATTESTATION: {
		static const char *const crits[4] = {"1.3", "2.1", "2.2", "2.4"};
		if ((err = read_id(c, "subject", &r->subject)) || (err = read_year(c, &r->year)) ||
		    (err = read_enum(c, "criterion", crits, 4, &x)))
			return err;
		memcpy(r->criterion, crits[x], 4);
		if ((err = read_bool(c, "pass", &r->pass, 1)) ||
		    (err = read_text(c, "note", &r->text, 0, BT_TEXT_MAX_BYTES, 1)))
			return err;
		break;
	}
	}
	return 0;
}

const char *bt__json_error_text(const json_error_t *e)
{
	const char *t = e->text;
	switch (json_error_code(e)) {
	case json_error_out_of_memory: return BT_("out of memory");
	case json_error_stack_overflow: return BT_("too deeply nested");
	case json_error_invalid_utf8: return BT_("the text is not valid UTF-8 (save the file as UTF-8)");
	case json_error_premature_end_of_input: return BT_("the line ends before the record is closed (a '}' or '\"' is missing)");
	case json_error_end_of_input_expected: return BT_("something follows the end of the record (one record per line)");
	case json_error_null_character:
	case json_error_null_byte_in_key: return BT_("the text contains a NUL character");
	case json_error_duplicate_key: return BT_("a field is given twice");
	case json_error_numeric_overflow: return BT_("a number is too large");
	case json_error_invalid_syntax:
		if (strncmp(t, "'[' or '{' expected", 19) == 0)
			return BT_("a record starts with '{'");
		if (strncmp(t, "string or '}' expected", 22) == 0)
			return BT_("a field name in double quotes, or '}', is expected");
		if (strncmp(t, "'}' expected", 12) == 0)
			return BT_("a ',' between fields or a '}' at the end is missing");
		if (strncmp(t, "']' expected", 12) == 0)
			return BT_("a ',' between items or a ']' at the end of the list is missing");
		if (strncmp(t, "':' expected", 12) == 0)
			return BT_("a ':' after the field name is missing");
		if (strncmp(t, "unexpected newline", 18) == 0 || strstr(t, "control character"))
			return BT_("a text value runs past the end of the line (a closing '\"' is missing)");
		if (strstr(t, "escape"))
			return BT_("an invalid \\ escape in a text value");
		return BT_("invalid JSON syntax (e.g. a text value without double quotes)");
	default: return BT_("invalid JSON");
	}
}

int bt_record_parse(bt_record **out, const char *text, size_t len) { return bt__record_parse(out, text, len, 0); }

int bt__record_parse(bt_record **out, const char *text, size_t len, int merged)
{
	json_error_t jerr;
	json_t *obj = NULL;
	bt_record *r = NULL;
	int err = 0;
	bt_kind kind = 0;
	const char *key;
	json_t *v;

	*out = NULL;
	if (len > BT_LINE_MAX_BYTES)
		return bt__error_set(BT_EINVALID, BT_("line longer than %d bytes"), BT_LINE_MAX_BYTES);
	obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!obj) {
		err = bt__error_set(BT_EINVALID, BT_("not valid JSON (column %d: %s)"), jerr.column, bt__json_error_text(&jerr));
		goto done;
	}
	if (!json_is_object(obj)) {
		err = bt__error_set(BT_EINVALID, BT_("each line must be one JSON object"));
		goto done;
	}
	v = json_object_get(obj, "kind");
	if (!v || !json_is_string(v)) {
		err = bt__error_set(BT_EINVALID, BT_("field \"kind\": required, missing"));
		goto done;
	}
	for (int k = 1; k <= BT_KIND_COUNT; k++)
		if (strcmp(json_string_value(v), kind_names[k]) == 0)
			kind = (bt_kind)k;
	if (!kind) {
		err = bt__error_set(BT_EINVALID, BT_("field \"kind\": unknown record kind \"%.40s\""),
				    json_string_value(v));
		goto done;
	}
	json_object_foreach(obj, key, v)
	{
		int known = 0;
		for (const char *const *f = fields[kind]; *f; f++)
			if (strcmp(*f, key) == 0)
				known = 1;
		if (!known) {
			err = bt__error_set(BT_EINVALID, BT_("%s: unknown field \"%.40s\""), bt_kind_title(kind), key);
			goto done;
		}
	}
	if (!(r = record_new(kind))) {
		err = bt__oom();
		goto done;
	}
	ctx c = {obj, bt_kind_title(kind), merged}; /* the kind as messages name it */
	if ((err = parse_fields(&c, r)) < 0)
		goto done;
	if ((err = bt_record_finish(r)) < 0)
		goto done;
	*out = r;
	r = NULL;
done:
	bt_record_free(r);
	json_decref(obj);
	return err;
}

/* ---- canonical bytes and keys ---- */

static void put_date(bt_buf *b, bt_date d)
{
	char s[BT_DATE_STR_BYTES];
	if (d == BT_DATE_NONE) {
		bt_buf_puts(b, "null");
		return;
	}
	bt_date_format(s, d);
	bt_buf_printf(b, "\"%s\"", s);
}

static void put_tri(bt_buf *b, int v) { bt_buf_puts(b, v == BT_OPEN ? "null" : v ? "true" : "false"); }

static void put_time(bt_buf *b, int minute) { bt_buf_printf(b, "\"%02d:%02d\"", minute / 60, minute % 60); }

/* Writes the fields in the sorted order of the `fields` table above. */
static void canonical(bt_buf *b, const bt_record *r)
{
	const char *k = kind_names[r->kind];
	char m[BT_MONTH_STR_BYTES];
	switch (r->kind) {
	case BT_KIND_COMMITTEE:
		bt_buf_puts(b, "{\"id\":"), bt_buf_json_string(b, r->id);
		bt_buf_printf(b, ",\"kind\":\"%s\",\"name\":", k), bt_buf_json_string(b, r->name);
		break;
	case BT_KIND_CELL:
		bt_buf_puts(b, "{\"committee\":"), bt_buf_json_string(b, r->committee);
		bt_buf_puts(b, ",\"id\":"), bt_buf_json_string(b, r->id);
		bt_buf_printf(b, ",\"kind\":\"%s\",\"name\":", k), bt_buf_json_string(b, r->name);
		break;
	case BT_KIND_MEMBER:
		bt_buf_puts(b, "{\"born\":"), put_date(b, r->born);
		bt_buf_puts(b, ",\"cell\":"), bt_buf_json_string(b, r->cell);
		bt_buf_puts(b, ",\"id\":"), bt_buf_json_string(b, r->id);
		bt_buf_puts(b, ",\"joined\":"), put_date(b, r->joined);
		bt_buf_printf(b, ",\"kind\":\"%s\",\"left\":", k), put_date(b, r->left);
		bt_buf_puts(b, ",\"name\":"), bt_buf_json_string(b, r->name);
		bt_buf_printf(b, ",\"role\":\"%s\",\"status\":\"%s\"", role_names[r->role], status_names[r->status]);
		break;
	case BT_KIND_EXEMPTION:
		bt_buf_puts(b, "{\"from\":"), put_date(b, r->from);
		bt_buf_printf(b, ",\"kind\":\"%s\",\"member\":", k), bt_buf_json_string(b, r->member);
		bt_buf_puts(b, ",\"reason\":"), bt_buf_json_string(b, r->text);
		bt_buf_puts(b, ",\"to\":"), put_date(b, r->to);
		break;
	case BT_KIND_HOLIDAY:
		bt_buf_puts(b, "{\"date\":"), put_date(b, r->date);
		bt_buf_printf(b, ",\"kind\":\"%s\",\"note\":", k), bt_buf_json_string(b, r->text);
		bt_buf_printf(b, ",\"working\":%s", r->working ? "true" : "false");
		break;
	case BT_KIND_REGULATION:
		bt_buf_puts(b, "{\"cell\":"), bt_buf_json_string(b, r->cell);
		bt_buf_puts(b, ",\"issued\":"), put_date(b, r->date);
		bt_buf_printf(b, ",\"kind\":\"%s\"", k);
		break;
	case BT_KIND_TARGET:
		bt_buf_puts(b, "{\"cell\":"), bt_buf_json_string(b, r->cell);
		bt_buf_puts(b, ",\"done\":"), put_tri(b, r->done);
		bt_buf_puts(b, ",\"id\":"), bt_buf_json_string(b, r->id);
		bt_buf_printf(b, ",\"kind\":\"%s\",\"title\":", k), bt_buf_json_string(b, r->text);
		bt_buf_printf(b, ",\"year\":%d", r->year);
		break;
	case BT_KIND_COMMITMENT:
		bt_buf_puts(b, "{\"fulfilled\":"), put_tri(b, r->done);
		bt_buf_puts(b, ",\"id\":"), bt_buf_json_string(b, r->id);
		bt_buf_printf(b, ",\"kind\":\"%s\",\"member\":", k), bt_buf_json_string(b, r->member);
		bt_buf_puts(b, ",\"title\":"), bt_buf_json_string(b, r->text);
		bt_buf_printf(b, ",\"year\":%d", r->year);
		break;
	case BT_KIND_MEETING:
		bt_buf_puts(b, "{\"attendance\":{");
		for (size_t i = 0; i < r->n_attendance; i++) {
			if (i)
				bt_buf_puts(b, ",");
			bt_buf_json_string(b, r->attendance[i].member);
			bt_buf_puts(b, ":\"");
			bt_buf_puts(b, attendance_names[r->attendance[i].status]);
			bt_buf_puts(b, "\"");
		}
		bt_buf_puts(b, "},\"cell\":"), bt_buf_json_string(b, r->cell);
		bt_buf_puts(b, ",\"date\":"), put_date(b, r->date);
		bt_buf_puts(b, ",\"end\":"), put_time(b, r->end_minute);
		bt_buf_puts(b, ",\"id\":"), bt_buf_json_string(b, r->id);
		bt_buf_printf(b, ",\"kind\":\"%s\",\"minutes\":%s,\"prepared\":%s,\"regular\":%s,\"resolution\":%s", k,
			      r->flags & BT_MEETING_MINUTES ? "true" : "false",
			      r->flags & BT_MEETING_PREPARED ? "true" : "false",
			      r->flags & BT_MEETING_REGULAR ? "true" : "false",
			      r->flags & BT_MEETING_RESOLUTION ? "true" : "false");
		bt_buf_puts(b, ",\"speakers\":[");
		for (size_t i = 0; i < r->n_speakers; i++) {
			if (i)
				bt_buf_puts(b, ",");
			bt_buf_json_string(b, r->speakers[i]);
		}
		bt_buf_puts(b, "],\"start\":"), put_time(b, r->start_minute);
		bt_buf_printf(b, ",\"thematic\":%s", r->flags & BT_MEETING_THEMATIC ? "true" : "false");
		break;
	case BT_KIND_DUES:
		bt_month_format(m, r->month);
		bt_buf_printf(b, "{\"amount\":%lld,\"kind\":\"%s\",\"member\":", (long long)r->amount, k);
		bt_buf_json_string(b, r->member);
		bt_buf_printf(b, ",\"month\":\"%s\",\"paid_on\":", m), put_date(b, r->date);
		break;
	case BT_KIND_DISCIPLINE:
		bt_buf_puts(b, "{\"date\":"), put_date(b, r->date);
		bt_buf_puts(b, ",\"form\":"), bt_buf_json_string(b, r->text);
		bt_buf_printf(b, ",\"kind\":\"%s\",\"member\":", k), bt_buf_json_string(b, r->member);
		break;
	case BT_KIND_TRANSFER:
		bt_buf_puts(b, "{\"date\":"), put_date(b, r->date);
		bt_buf_puts(b, ",\"from\":"), bt_buf_json_string(b, r->cell_from);
		bt_buf_printf(b, ",\"kind\":\"%s\",\"member\":", k), bt_buf_json_string(b, r->member);
		bt_buf_puts(b, ",\"note\":"), bt_buf_json_string(b, r->text);
		bt_buf_puts(b, ",\"to\":"), bt_buf_json_string(b, r->cell_to);
		break;
	case BT_KIND_DUES_MONTH:
		bt_month_format(m, r->month);
		bt_buf_printf(b, "{\"amount\":%lld,\"cell\":", (long long)r->amount);
		bt_buf_json_string(b, r->cell);
		bt_buf_printf(b, ",\"kind\":\"%s\",\"members\":[", k);
		for (size_t i = 0; i < r->n_members; i++) {
			if (i)
				bt_buf_puts(b, ",");
			bt_buf_json_string(b, r->members[i]);
		}
		bt_buf_printf(b, "],\"month\":\"%s\",\"paid_on\":", m), put_date(b, r->date);
		break;
	case BT_KIND_SETTLE:
		bt_buf_puts(b, "{\"cell\":"), bt_buf_json_string(b, r->cell);
		bt_buf_puts(b, ",\"finding\":"), bt_buf_json_string(b, r->finding);
		bt_buf_printf(b, ",\"kind\":\"%s\",\"note\":", k), bt_buf_json_string(b, r->text);
		break;
	case BT_KIND_ATTESTATION:
		bt_buf_printf(b, "{\"criterion\":\"%s\",\"kind\":\"%s\",\"note\":", r->criterion, k);
		bt_buf_json_string(b, r->text);
		bt_buf_printf(b, ",\"pass\":%s,\"subject\":", r->pass ? "true" : "false");
		bt_buf_json_string(b, r->subject);
		bt_buf_printf(b, ",\"year\":%d", r->year);
		break;
	}
	bt_buf_puts(b, "}");
}

int bt_record_finish(bt_record *r)
{
	bt_buf b, k;
	char s[BT_DATE_STR_BYTES], m[BT_MONTH_STR_BYTES];
	if (r->kind < 1 || r->kind > BT_KIND_COUNT)
		return bt__error_set(BT_EINVALID, BT_("unknown record kind"));
	bt_buf_init(&b, BT_LINE_MAX_BYTES * 4);
	bt_buf_init(&k, 4096);
	canonical(&b, r);
	switch (r->kind) {
	case BT_KIND_EXEMPTION:
		bt_date_format(s, r->from);
		bt_buf_printf(&k, "%s\t%s", r->member, s);
		break;
	case BT_KIND_HOLIDAY:
		bt_date_format(s, r->date);
		bt_buf_puts(&k, s);
		break;
	case BT_KIND_REGULATION:
		bt_date_format(s, r->date);
		bt_buf_printf(&k, "%s\t%s", r->cell, s);
		break;
	case BT_KIND_DUES:
		bt_month_format(m, r->month);
		bt_buf_printf(&k, "%s\t%s", r->member, m);
		break;
	case BT_KIND_DISCIPLINE:
	case BT_KIND_TRANSFER:
		bt_date_format(s, r->date);
		bt_buf_printf(&k, "%s\t%s", r->member, s);
		break;
	case BT_KIND_ATTESTATION:
		bt_buf_printf(&k, "%s\t%d\t%s", r->subject, r->year, r->criterion);
		break;
	case BT_KIND_DUES_MONTH:
		bt_month_format(m, r->month);
		bt_buf_printf(&k, "%s\t%s", r->cell, m);
		break;
	case BT_KIND_SETTLE:
		bt_buf_puts(&k, r->finding ? r->finding : "");
		break;
	default:
		bt_buf_puts(&k, r->id ? r->id : "");
	}
	if (b.failed || k.failed) {
		bt_buf_free(&b);
		bt_buf_free(&k);
		return BT_ENOMEM;
	}
	free(r->canonical);
	free(r->key);
	r->canonical = b.data;
	r->canonical_len = b.len;
	r->key = k.data;
	return 0;
}
