/*
 * query.c - reading current facts for the tablet's commands: a cell's
 * members in Vietnamese order, who is required at a meeting, one fact by key.
 */
#include "error.h"
#include "i18n.h"
#include "store_internal.h"
#include "bontot/text.h"

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

/* Append a copy of str to a growing vector of strings. */
static int push_string(char ***v, size_t *n, size_t *cap, const char *str)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		char **nv = realloc(*v, nc * sizeof(*nv));
		if (!nv)
			return bt__oom();
		*v = nv;
		*cap = nc;
	}
	if (!((*v)[*n] = strdup(str ? str : "")))
		return bt__oom();
	(*n)++;
	return 0;
}

/* The canonical record of the current version of (kind, key): parsed back from its event. */
int bt_store_get(bt_store *s, bt_kind kind, const char *key, bt_record **out)
{
	sqlite3_stmt *st = NULL;
	bt_event ev;
	int err = 0, rc;
	*out = NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT e.bytes FROM current c JOIN event e ON e.id = c.event WHERE c.kind = ?1 AND c.key = ?2",
			       -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the store"));
	sqlite3_bind_int(st, 1, (int)kind);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		err = bt__error_set(BT_ENOTFOUND, BT_("no %s \"%.64s\""), bt_kind_name(kind) ? bt_kind_name(kind) : "?", key);
	} else if (rc != SQLITE_ROW) {
		err = bt_store__db_error(s, BT_EIO, BT_("reading the store"));
	} else if ((err = bt_event_decode(&ev, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0))) == 0) {
		*out = ev.rec;
		ev.rec = NULL;
		bt_event_clear(&ev);
	}
	sqlite3_finalize(st);
	return err;
}

static int cmp_member(const void *a, const void *b)
{
	const bt_record *x = *(const bt_record *const *)a, *y = *(const bt_record *const *)b;
	int d = bt_vi_name_compare(x->name, y->name);
	return d ? d : strcmp(x->id, y->id);
}

int bt_store_members(bt_store *s, const char *cell_id, bt_record ***out, size_t *count)
{
	sqlite3_stmt *st = NULL;
	bt_record **v = NULL;
	size_t n = 0, cap = 0;
	int err = 0, rc;
	*out = NULL;
	*count = 0;
	if (sqlite3_prepare_v2(s->db,
			       cell_id ? "SELECT e.bytes FROM member m JOIN current c ON c.kind = ?2 AND c.key = m.id"
					 " JOIN event e ON e.id = c.event WHERE m.cell = ?1"
				       : "SELECT e.bytes FROM current c JOIN event e ON e.id = c.event WHERE c.kind = ?2",
			       -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the list of members"));
	if (cell_id)
		sqlite3_bind_text(st, 1, cell_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)BT_KIND_MEMBER);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bt_event ev;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			bt_record **nv = realloc(v, nc * sizeof(*nv));
			if (!nv) {
				err = bt__oom();
				break;
			}
			v = nv;
			cap = nc;
		}
		if ((err = bt_event_decode(&ev, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0))) < 0)
			break;
		v[n++] = ev.rec;
		ev.rec = NULL;
		bt_event_clear(&ev);
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the list of members"));
	sqlite3_finalize(st);
	if (err < 0) {
		bt_records_free(v, n);
		return err;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_member);
	*out = v;
	*count = n;
	return 0;
}

int bt_store_required(bt_store *s, const char *cell_id, bt_date date, char ***out, size_t *count)
{
	sqlite3_stmt *st = s->st.cell_members_on;
	char **v = NULL;
	size_t n = 0, cap = 0;
	int err = 0, rc;
	*out = NULL;
	*count = 0;
	sqlite3_bind_text(st, 1, cell_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, bt_store__date_int(date));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 2))
			continue; /* exempt that day */
		if ((err = push_string(&v, &n, &cap, (const char *)sqlite3_column_text(st, 1))) < 0)
			break;
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the list of members"));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (err < 0) {
		bt_strings_free(v, n);
		return err;
	}
	*out = v;
	*count = n;
	return 0;
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
	char **v = NULL;
	size_t n = 0, cap = 0;
	int err = 0, rc;
	*out = NULL;
	*count = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT id FROM cell ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the list of cells"));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((err = push_string(&v, &n, &cap, (const char *)sqlite3_column_text(st, 0))) < 0)
			break;
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the list of cells"));
	sqlite3_finalize(st);
	if (err < 0) {
		bt_strings_free(v, n);
		return err;
	}
	*out = v;
	*count = n;
	return 0;
}
