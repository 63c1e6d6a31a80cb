/*
 * query.c - small reads for the commands: a cell's members in Vietnamese
 * order, who is required at a meeting (by the one membership rule), one
 * fact by key, the to-do list, the cells.
 */
#include "bontot/membership.h"
#include "bontot/text.h"
#include "error.h"
#include "i18n.h"
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

void bt_records_free(bt_record **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		bt_record_free(v[i]);
	free(v);
}


void bt_strings_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

int bt_store_get(bt_store *s, bt_kind kind, const char *key, bt_record **out)
{
	int err = bt_store__current_record(s, kind, key, out);
	if (err == 0 && !*out) {
		char shown[128]; /* a key's parts as people write them, "DV-01/2026-03" */
		size_t n = 0;
		for (const char *p = key; *p && n + 1 < sizeof(shown); p++)
			shown[n++] = *p == '\t' ? '/' : *p;
		shown[n] = '\0';
		err = bt__error_set(BT_ENOTFOUND, BT_("no %s \"%.64s\""), bt_kind_title(kind), shown);
	}
	return err;
}

static int cmp_member(const void *a, const void *b)
{
	const bt_record *x = *(const bt_record *const *)a, *y = *(const bt_record *const *)b;
	int d = bt_vi_name_compare(x->name, y->name);
	return d ? d : strcmp(x->id, y->id);
}

typedef BT_ARRAY(bt_record *) record_list;

/* The current member records of the ids (in a cell's roster, or all). */
static int push_member(bt_store *s, record_list *v, const char *id)
{
	bt_record *r = NULL;
	int err = bt_store__current_record(s, BT_KIND_MEMBER, id, &r);
	if (err < 0 || !r)
		return err;
	bt_record **slot = BT_PUSH(v);
	if (!slot) {
		bt_record_free(r);
		return BT_ENOMEM;
	}
	*slot = r;
	return 0;
}

int bt_store_members(bt_store *s, const char *cell_id, bt_record ***out, size_t *count)
{
	record_list v = {0};
	int err = 0;
	*out = NULL;
	*count = 0;
	if (cell_id) {
		/* Those in the cell now: after their last transfer (bontot/membership.h). */
		bt_cell_records *cr = NULL;
		bt_roster *roster = NULL;
		size_t n;
		if ((err = bt_store_load_cell(&cr, s, cell_id, 0)) < 0)
			return err;
		const bt_record *const *recs = bt_cell_records_list(cr, &n);
		if ((err = bt_roster_build(&roster, recs, n)) == 0)
			for (size_t i = 0; i < bt_roster_size(roster) && err == 0; i++) {
				const bt_membership *m = bt_roster_at(roster, i);
				if (strcmp(bt_membership_current_cell(m), cell_id) == 0)
					err = push_member(s, &v, m->member->id);
			}
		bt_roster_free(roster);
		bt_cell_records_free(cr);
	} else {
		sqlite3_stmt *st = NULL;
		int rc;
		if (sqlite3_prepare_v2(s->db, "SELECT key FROM current WHERE kind = ?1 ORDER BY key", -1, &st, NULL) != SQLITE_OK)
			return bt_store__db_error(s, BT_EIO, BT_("reading the list of members"));
		sqlite3_bind_int(st, 1, (int)BT_KIND_MEMBER);
		BT_ARRAY(char *) ids = {0};
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			char **slot = BT_PUSH(&ids);
			if (!slot || !(*slot = strdup((const char *)sqlite3_column_text(st, 0)))) {
				if (slot)
					ids.n--;
				err = bt__oom();
				break;
			}
		}
		if (err == 0 && rc != SQLITE_DONE)
			err = bt_store__db_error(s, BT_EIO, BT_("reading the list of members"));
		sqlite3_finalize(st);
		for (size_t i = 0; i < ids.n; i++) {
			if (err == 0)
				err = push_member(s, &v, ids.v[i]);
			free(ids.v[i]);
		}
		free(ids.v);
	}
	if (err < 0) {
		bt_records_free(v.v, v.n);
		return err;
	}
	if (v.n > 1)
		qsort(v.v, v.n, sizeof(*v.v), cmp_member);
	*out = v.v;
	*count = v.n;
	return 0;
}

/* The ids of the roster's members who pass `keep`. */
static int roster_ids(bt_store *s, const char *cell_id, int year, bt_date first, bt_date last, int required, char ***out,
		      size_t *count)
{
	bt_cell_records *cr = NULL;
	bt_roster *roster = NULL;
	BT_ARRAY(char *) v = {0};
	size_t n;
	int err;
	*out = NULL;
	*count = 0;
	if ((err = bt_store_load_cell(&cr, s, cell_id, year)) < 0)
		return err;
	const bt_record *const *recs = bt_cell_records_list(cr, &n);
	if ((err = bt_roster_build(&roster, recs, n)) == 0)
		for (size_t i = 0; i < bt_roster_size(roster); i++) {
			const bt_membership *ms = bt_roster_at(roster, i);
			if (required ? !bt_membership_required_on(ms, cell_id, first)
				     : !bt_membership_in_cell_during(ms, cell_id, first, last))
				continue;
			char **slot = BT_PUSH(&v);
			if (!slot || !(*slot = strdup(ms->member->id))) {
				if (slot)
					v.n--;
				err = bt__oom();
				break;
			}
		}
	bt_roster_free(roster);
	bt_cell_records_free(cr);
	if (err < 0) {
		bt_strings_free(v.v, v.n);
		return err;
	}
	*out = v.v;
	*count = v.n;
	return 0;
}

int bt_store_members_during(bt_store *s, const char *cell_id, bt_date first, bt_date last, char ***out, size_t *count)
{
	return roster_ids(s, cell_id, 0, first, last, 0, out, count);
}

int bt_store_required(bt_store *s, const char *cell_id, bt_date date, char ***out, size_t *count)
{
	int y, m, d;
	bt_date_to_ymd(date, &y, &m, &d);
	return roster_ids(s, cell_id, y, date, date, 1, out, count);
}

int bt_store_status(bt_status *out, bt_store *s, const char *cell_id, bt_date date, const bt_rules *rules)
{
	bt_cell_records *cr = NULL;
	bt_calendar *cal = NULL;
	int y, m, d, err;
	size_t n;
	memset(out, 0, sizeof(*out));
	bt_date_to_ymd(date, &y, &m, &d);
	if ((err = bt_store_calendar(s, &cal)) < 0)
		return err;
	if ((err = bt_store_load_cell(&cr, s, cell_id, y)) == 0) {
		const bt_record *const *recs = bt_cell_records_list(cr, &n);
		err = bt_status_cell(out, recs, n, cell_id, date, rules, cal);
	}
	bt_cell_records_free(cr);
	bt_calendar_free(cal);
	return err;
}

int bt_store_cells(bt_store *s, char ***out, size_t *count)
{
	sqlite3_stmt *st = NULL;
	BT_ARRAY(char *) v = {0};
	int err = 0, rc;
	*out = NULL;
	*count = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT id FROM cell ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the list of cells"));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char **slot = BT_PUSH(&v);
		if (!slot || !(*slot = strdup((const char *)sqlite3_column_text(st, 0)))) {
			if (slot)
				v.n--;
			err = bt__oom();
			break;
		}
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the list of cells"));
	sqlite3_finalize(st);
	if (err < 0) {
		bt_strings_free(v.v, v.n);
		return err;
	}
	*out = v.v;
	*count = v.n;
	return 0;
}
