/*
 * findings.c - the findings kept up to date (docs/offline.md): when a
 * transaction commits, every cell whose records changed gets its findings
 * recomputed from its records (core/findings.c); the findings about
 * versions are written by fact.c. Listing joins the settle records, so a
 * finding a person settled shows as settled on every replica that holds
 * the settle record.
 */
#include "bontot/findings.h"
#include "error.h"
#include "i18n.h"
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FEW_CELLS 16 /* more dirty cells than this: one pass over the whole store */

int bt_store__finding_put(bt_store *s, const bt_finding *f, int origin)
{
	sqlite3_stmt *st = s->st.f_insert;
	char refs[BT_FINDING_RECORDS * BT_REF_BYTES + 8];
	size_t at = 0;
	refs[0] = '\0';
	for (size_t i = 0; i < f->n_records; i++)
		at += (size_t)snprintf(refs + at, sizeof(refs) - at, "%s%s", i ? "," : "", f->records[i]);
	sqlite3_bind_text(st, 1, f->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->cell, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, (int)f->code);
	sqlite3_bind_int(st, 4, (int)f->kind);
	sqlite3_bind_text(st, 5, f->key, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, (int)f->other_kind);
	sqlite3_bind_text(st, 7, f->other_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, f->member, -1, SQLITE_STATIC);
	bt_store__bind_date(st, 9, f->date);
	sqlite3_bind_text(st, 10, f->field, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, f->device, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, refs, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 13, origin);
	sqlite3_bind_int(st, 14, f->settled != 0);
	return bt_store__step_done(s, st, N_("writing the findings"));
}

static int ref_of_fact(bt_store *s, bt_kind kind, const char *key, char out[BT_REF_BYTES])
{
	sqlite3_stmt *st = s->st.cur_ref;
	int r;
	out[0] = '\0';
	sqlite3_bind_int(st, 1, (int)kind);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	if ((r = bt_store__step_row(s, st, N_("reading the store"))) <= 0)
		return r;
	snprintf(out, BT_REF_BYTES, "%s#%lld", (const char *)sqlite3_column_text(st, 0), (long long)sqlite3_column_int64(st, 1));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return 0;
}

int bt_store__finding_refs(bt_store *s, bt_finding *f)
{
	int err;
	if (f->n_records)
		return 0;
	if ((err = ref_of_fact(s, f->kind, f->key, f->records[0])) < 0)
		return err;
	if (f->records[0][0])
		f->n_records = 1;
	if (f->other_kind && f->n_records < BT_FINDING_RECORDS) {
		if ((err = ref_of_fact(s, f->other_kind, f->other_key, f->records[f->n_records])) < 0)
			return err;
		if (f->records[f->n_records][0])
			f->n_records++;
	}
	return 0;
}

int bt_store__finding_ids(bt_store *s, const char *cell, bt_strset *set)
{
	sqlite3_stmt *st = s->st.f_fids_of_cell;
	int err = 0, rc;
	sqlite3_bind_text(st, 1, cell, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((err = bt_strset_add(set, (const char *)sqlite3_column_text(st, 0), NULL)) < 0)
			break;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the findings"));
	return err;
}

static int replace_cell(bt_store *s, const char *cell, bt_findings *found)
{
	sqlite3_stmt *st = s->st.f_delete_cell;
	int err;
	sqlite3_bind_text(st, 1, cell, -1, SQLITE_STATIC);
	if ((err = bt_store__step_done(s, st, N_("writing the findings"))) < 0)
		return err;
	for (size_t i = 0; i < found->n; i++)
		if ((err = bt_store__finding_refs(s, &found->v[i])) < 0 || (err = bt_store__finding_put(s, &found->v[i], 0)) < 0)
			return err;
	return 0;
}

typedef struct {
	bt_store *s;
	const bt_strset *only; /* NULL: every cell */
	bt_strset *done;
	uint64_t n_done;       /* for the progress report */
} refresh_ctx;

static int refresh_one(const char *cell, const bt_record *const *recs, size_t n, void *payload)
{
	refresh_ctx *c = payload;
	bt_findings found = {0};
	int err;
	if (c->only && !bt_strset_has(c->only, cell))
		return 0;
	if ((err = bt_findings_cell(&found, recs, n, cell)) == 0)
		err = replace_cell(c->s, cell, &found);
	bt_findings_free(&found);
	if (err == 0 && c->done)
		err = bt_strset_add(c->done, cell, NULL);
	if (err == 0)
		bt_store__progress(c->s, "findings", ++c->n_done, c->only ? c->only->n : 0);
	return err;
}

int bt_store__refresh_findings(bt_store *s)
{
	bt_strset cells = s->dirty_cells, done = {0};
	int err = 0;
	if (!cells.n)
		return 0;
	/* Take the set: what the refresh itself reads must not add to it. */
	memset(&s->dirty_cells, 0, sizeof(s->dirty_cells));
	refresh_ctx c = {s, &cells, &done, 0};
	if (cells.n > FEW_CELLS) {
		err = bt_store__each_cell(s, 0, NULL, refresh_one, &c);
	} else {
		for (size_t i = 0; i < cells.cap && err == 0; i++) {
			if (!cells.slots[i])
				continue;
			err = bt_store__each_cell(s, 0, cells.slots[i], refresh_one, &c);
			if (err == BT_ENOTFOUND) {
				bt_error_clear();
				err = 0;
			}
		}
	}
	/* A cell that is no longer there keeps no findings of its own. */
	for (size_t i = 0; i < cells.cap && err == 0; i++)
		if (cells.slots[i] && !bt_strset_has(&done, cells.slots[i])) {
			bt_findings none = {0};
			err = replace_cell(s, cells.slots[i], &none);
		}
	bt_strset_free(&done);
	bt_strset_free(&s->dirty_cells);
	s->dirty_cells = cells;
	bt_strset_clear(&s->dirty_cells);
	return err;
}

/* ---- reading ---- */

/* The note of the settle record naming a finding: 1 and the note, 0 when none. */
static int settle_note(bt_store *s, const char *fid, char *out, size_t size)
{
	sqlite3_stmt *st = NULL;
	int r = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT note FROM settle WHERE finding = ?1", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, N_("reading the findings"));
	sqlite3_bind_text(st, 1, fid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		bt__copy_utf8(out, size, (const char *)sqlite3_column_text(st, 0));
		r = 1;
	}
	sqlite3_finalize(st);
	return r;
}

static int finding_of_row(bt_finding *f, sqlite3_stmt *st)
{
	const char *refs = (const char *)sqlite3_column_text(st, 11);
	memset(f, 0, sizeof(*f));
	bt__copy_utf8(f->id, sizeof(f->id), (const char *)sqlite3_column_text(st, 0));
	bt__copy_utf8(f->cell, sizeof(f->cell), (const char *)sqlite3_column_text(st, 1));
	f->code = (bt_finding_code)sqlite3_column_int(st, 2);
	f->kind = (bt_kind)sqlite3_column_int(st, 3);
	bt__copy_utf8(f->key, sizeof(f->key), (const char *)sqlite3_column_text(st, 4));
	f->other_kind = (bt_kind)sqlite3_column_int(st, 5);
	bt__copy_utf8(f->other_key, sizeof(f->other_key), (const char *)sqlite3_column_text(st, 6));
	bt__copy_utf8(f->member, sizeof(f->member), (const char *)sqlite3_column_text(st, 7));
	f->date = bt_store__col_date(st, 8);
	bt__copy_utf8(f->field, sizeof(f->field), (const char *)sqlite3_column_text(st, 9));
	bt__copy_utf8(f->device, sizeof(f->device), (const char *)sqlite3_column_text(st, 10));
	for (const char *p = refs ? refs : ""; *p && f->n_records < BT_FINDING_RECORDS;) {
		size_t n = strcspn(p, ",");
		if (n && n < BT_REF_BYTES) {
			memcpy(f->records[f->n_records], p, n);
			f->records[f->n_records++][n] = '\0';
		}
		p += n;
		if (*p == ',')
			p++;
	}
	f->settle_note = sqlite3_column_type(st, 12) != SQLITE_NULL ? (const char *)sqlite3_column_text(st, 12) : NULL;
	f->settled = f->settle_note || sqlite3_column_int(st, 13);
	return 0;
}

int bt_store_findings(bt_store *s, const bt_findings_query *q, int (*each)(const bt_finding *f, void *payload), void *payload)
{
	sqlite3_stmt *st = s->st.f_list;
	BT_ARRAY(bt_finding) found = {0};
	int err = 0, rc;
	if (!q || q->version != BT_FINDINGS_QUERY_VERSION)
		return bt__error_set(BT_EINVALID, BT_("invalid findings query"));
	bt_store__bind_text(st, 1, q->cell);
	sqlite3_bind_int(st, 2, q->open_only);
	sqlite3_bind_int(st, 3, q->year);
	sqlite3_bind_int64(st, 4, q->year ? (q->until != BT_DATE_NONE ? bt_store__date_int(q->until) : (int64_t)q->year * 10000 + 1231) : 0);
	/* Read them all first: `each` may use the store (and so this statement). */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bt_finding *f = BT_PUSH(&found);
		if (!f) {
			err = BT_ENOMEM;
			break;
		}
		finding_of_row(f, st);
		f->settle_note = NULL; /* borrowed from the row: read again below, for the call */
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, N_("reading the findings"));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	for (size_t i = 0; i < found.n && err == 0; i++) {
		char note[BT_TEXT_MAX_BYTES + 1] = "";
		if (found.v[i].settled && settle_note(s, found.v[i].id, note, sizeof(note)) == 1)
			found.v[i].settle_note = note;
		err = each(&found.v[i], payload);
	}
	free(found.v);
	return err < 0 ? err : 0;
}

typedef struct {
	const char *want;
	bt_finding *out;
	int matches;
} find_ctx;

static int match(const bt_finding *f, void *payload)
{
	find_ctx *c = payload;
	char sid[BT_FINDING_SHORT_BYTES];
	bt_finding_short_id(sid, f->id);
	if (strcmp(f->id, c->want) == 0 || (strlen(c->want) >= 4 && strncmp(sid, c->want, strlen(c->want)) == 0)) {
		if (c->matches++ == 0)
			*c->out = *f;
		if (strcmp(f->id, c->want) == 0) {
			*c->out = *f;
			c->matches = 1;
			return 1;
		}
	}
	return 0;
}

int bt_store_finding_find(bt_store *s, const char *id, bt_finding *out)
{
	bt_findings_query q = BT_FINDINGS_QUERY_INIT;
	find_ctx c = {id, out, 0};
	int err = bt_store_findings(s, &q, match, &c);
	if (err < 0)
		return err;
	if (c.matches == 0)
		return bt__error_set(BT_ENOTFOUND, BT_("no finding \"%.64s\" (bontot findings lists them)"), id);
	if (c.matches > 1)
		return bt__error_set(BT_EINVALID, BT_("\"%.64s\" names more than one finding: give more of its id"), id);
	out->settle_note = NULL;
	return 0;
}
