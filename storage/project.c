/*
 * project.c - a fact's state written into the projection tables the
 * evaluation reads (docs/storage.md). Rows are keyed by the fact's key, so
 * writing a state again replaces the row; nothing here depends on the order
 * in which states are written. Members are referred to by an interned
 * integer (member_key) that never leaves the store: the digest and every
 * reader go back to the member's id.
 */
#include "error.h"
#include "i18n.h"
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

void bt_store__mids_clear(bt_store *s) { bt_strmap_clear(&s->mids); }

int bt_store__member_key(bt_store *s, const char *id, int64_t *mid)
{
	sqlite3_stmt *st = s->st.mk_get;
	int r, err;
	if (bt_strmap_get(&s->mids, id, mid))
		return 0;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((r = bt_store__step_row(s, st, N_("reading the store"))) < 0)
		return r;
	if (r == 1) {
		*mid = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	} else {
		st = s->st.mk_put;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		if ((err = bt_store__step_done(s, st, N_("writing a table"))) < 0)
			return err;
		*mid = sqlite3_last_insert_rowid(s->db);
	}
	/* Without memory for the cache, simply do without it. */
	if (bt_strmap_put(&s->mids, id, *mid) < 0)
		bt_error_clear();
	return 0;
}

int bt_store__member_cell(bt_store *s, const char *member, const char *cell, int *added)
{
	sqlite3_stmt *st = s->st.mc_put;
	int err;
	sqlite3_bind_text(st, 1, member, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, cell, -1, SQLITE_STATIC);
	if ((err = bt_store__step_done(s, st, N_("writing a table"))) < 0)
		return err;
	*added = sqlite3_changes(s->db) > 0;
	/* The member's cells grew: the new one is dirty too (the others already are, or will be). */
	return *added ? bt_strset_add(&s->dirty_cells, cell, NULL) : 0;
}

int bt_store__dirty_member(bt_store *s, const char *member)
{
	sqlite3_stmt *st = s->st.mc_cells;
	int err = 0, rc, added;
	if ((err = bt_strset_add(&s->dirty_members, member, &added)) < 0 || !added)
		return err;
	sqlite3_bind_text(st, 1, member, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((err = bt_strset_add(&s->dirty_cells, (const char *)sqlite3_column_text(st, 0), NULL)) < 0)
			break;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the store"));
	return err;
}

#define DONE(what)                                                                                                     \
	do {                                                                                                           \
		if ((err = bt_store__step_done(s, st, what)) < 0)                                                      \
			return err;                                                                                    \
	} while (0)

static int bind_tri(sqlite3_stmt *st, int i, int v) { return v == BT_OPEN ? sqlite3_bind_null(st, i) : sqlite3_bind_int(st, i, v); }

static int is_speaker(const bt_record *r, const char *member)
{
	size_t lo = 0, hi = r->n_speakers;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(r->speakers[mid], member);
		if (d == 0)
			return 1;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int has_mark(const bt_record *r, const char *member)
{
	for (size_t i = 0; i < r->n_attendance; i++)
		if (strcmp(r->attendance[i].member, member) == 0)
			return 1;
	return 0;
}

static int project_meeting(bt_store *s, const bt_record *r, const char *ts, const char *ref)
{
	sqlite3_stmt *st = s->st.up_meeting;
	int err, rr;
	int64_t mtid, mid;
	bt_store__bind_text(st, 1, r->id);
	bt_store__bind_text(st, 2, r->cell);
	bt_store__bind_date(st, 3, r->date);
	sqlite3_bind_int(st, 4, r->start_minute);
	sqlite3_bind_int(st, 5, r->end_minute);
	sqlite3_bind_int(st, 6, (int)r->flags);
	bt_store__bind_text(st, 7, ts);
	bt_store__bind_text(st, 8, ref);
	DONE(N_("writing the meeting"));
	st = s->st.meeting_mtid;
	bt_store__bind_text(st, 1, r->id);
	if ((rr = bt_store__step_row(s, st, N_("reading the meeting"))) <= 0)
		return rr < 0 ? rr : bt__error_set(BT_EIO, BT_("reading the meeting"));
	mtid = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	st = s->st.mark_delete;
	sqlite3_bind_int64(st, 1, mtid);
	DONE(N_("writing the attendance"));
	for (size_t i = 0; i < r->n_attendance; i++) {
		if ((err = bt_store__member_key(s, r->attendance[i].member, &mid)) < 0)
			return err;
		st = s->st.mark_insert;
		sqlite3_bind_int64(st, 1, mtid);
		sqlite3_bind_int64(st, 2, mid);
		sqlite3_bind_int(st, 3, (int)r->attendance[i].status);
		sqlite3_bind_int(st, 4, is_speaker(r, r->attendance[i].member));
		DONE(N_("writing the attendance"));
	}
	/* A speaker without a mark (a merged state: SPEAKER_NOT_PRESENT) is kept too. */
	for (size_t i = 0; i < r->n_speakers; i++) {
		if (has_mark(r, r->speakers[i]))
			continue;
		if ((err = bt_store__member_key(s, r->speakers[i], &mid)) < 0)
			return err;
		st = s->st.mark_insert;
		sqlite3_bind_int64(st, 1, mtid);
		sqlite3_bind_int64(st, 2, mid);
		sqlite3_bind_null(st, 3);
		sqlite3_bind_int(st, 4, 1);
		DONE(N_("writing the attendance"));
	}
	return 0;
}

static int project_dues_month(bt_store *s, const bt_record *r, const char *ts, const char *ref)
{
	sqlite3_stmt *st = s->st.up_dues_month;
	bt_buf list;
	int err;
	int64_t mid;
	bt_buf_init(&list, 0);
	for (size_t i = 0; i < r->n_members; i++) {
		if (i)
			bt_buf_put(&list, "\t", 1);
		bt_buf_puts(&list, r->members[i]);
	}
	if (list.failed) {
		bt_buf_free(&list);
		return BT_ENOMEM;
	}
	bt_store__bind_text(st, 1, r->cell);
	sqlite3_bind_int(st, 2, bt_store__month_int(r->month));
	sqlite3_bind_int64(st, 3, r->amount);
	bt_store__bind_date(st, 4, r->date);
	sqlite3_bind_text(st, 5, list.data ? list.data : "", -1, SQLITE_STATIC);
	bt_store__bind_text(st, 6, ts);
	bt_store__bind_text(st, 7, ref);
	err = bt_store__step_done(s, st, N_("writing the dues"));
	bt_buf_free(&list);
	if (err < 0)
		return err;
	st = s->st.dmm_delete;
	bt_store__bind_text(st, 1, r->cell);
	sqlite3_bind_int(st, 2, bt_store__month_int(r->month));
	DONE(N_("writing the dues"));
	for (size_t i = 0; i < r->n_members; i++) {
		if ((err = bt_store__member_key(s, r->members[i], &mid)) < 0)
			return err;
		st = s->st.dmm_insert;
		sqlite3_bind_int64(st, 1, mid);
		bt_store__bind_text(st, 2, r->cell);
		sqlite3_bind_int(st, 3, bt_store__month_int(r->month));
		DONE(N_("writing the dues"));
	}
	return 0;
}

int bt_store__project(bt_store *s, const bt_record *r, const char *ts, const char *ref)
{
	sqlite3_stmt *st = NULL;
	int err;
	int64_t mid;

	switch (r->kind) {
	case BT_KIND_COMMITTEE:
		st = s->st.up_committee;
		bt_store__bind_text(st, 1, r->id);
		bt_store__bind_text(st, 2, r->name);
		break;
	case BT_KIND_CELL:
		st = s->st.up_cell;
		bt_store__bind_text(st, 1, r->id);
		bt_store__bind_text(st, 2, r->committee);
		bt_store__bind_text(st, 3, r->name);
		break;
	case BT_KIND_MEMBER:
		if ((err = bt_store__member_key(s, r->id, &mid)) < 0)
			return err;
		st = s->st.up_member;
		sqlite3_bind_int64(st, 1, mid);
		bt_store__bind_text(st, 2, r->cell);
		bt_store__bind_text(st, 3, r->name);
		bt_store__bind_date(st, 4, r->born);
		sqlite3_bind_int(st, 5, (int)r->status);
		sqlite3_bind_int(st, 6, (int)r->role);
		bt_store__bind_date(st, 7, r->joined);
		bt_store__bind_date(st, 8, r->left);
		break;
	case BT_KIND_EXEMPTION:
		st = s->st.up_exemption;
		bt_store__bind_text(st, 1, r->member);
		bt_store__bind_date(st, 2, r->from);
		bt_store__bind_date(st, 3, r->to);
		bt_store__bind_text(st, 4, r->text);
		break;
	case BT_KIND_HOLIDAY:
		st = s->st.up_holiday;
		bt_store__bind_date(st, 1, r->date);
		sqlite3_bind_int(st, 2, r->working);
		bt_store__bind_text(st, 3, r->text);
		break;
	case BT_KIND_REGULATION:
		st = s->st.up_regulation;
		bt_store__bind_text(st, 1, r->cell);
		bt_store__bind_date(st, 2, r->date);
		break;
	case BT_KIND_TARGET:
		st = s->st.up_target;
		bt_store__bind_text(st, 1, r->id);
		bt_store__bind_text(st, 2, r->cell);
		sqlite3_bind_int(st, 3, r->year);
		bt_store__bind_text(st, 4, r->text);
		bind_tri(st, 5, r->done);
		break;
	case BT_KIND_COMMITMENT:
		st = s->st.up_commitment;
		bt_store__bind_text(st, 1, r->id);
		bt_store__bind_text(st, 2, r->member);
		sqlite3_bind_int(st, 3, r->year);
		bt_store__bind_text(st, 4, r->text);
		bind_tri(st, 5, r->done);
		break;
	case BT_KIND_MEETING:
		return project_meeting(s, r, ts, ref);
	case BT_KIND_DUES:
		if ((err = bt_store__member_key(s, r->member, &mid)) < 0)
			return err;
		st = s->st.up_dues;
		sqlite3_bind_int64(st, 1, mid);
		sqlite3_bind_int(st, 2, bt_store__month_int(r->month));
		sqlite3_bind_int64(st, 3, r->amount);
		bt_store__bind_date(st, 4, r->date);
		break;
	case BT_KIND_DUES_MONTH:
		return project_dues_month(s, r, ts, ref);
	case BT_KIND_DISCIPLINE:
		st = s->st.up_discipline;
		bt_store__bind_text(st, 1, r->member);
		bt_store__bind_date(st, 2, r->date);
		bt_store__bind_text(st, 3, r->text);
		break;
	case BT_KIND_TRANSFER:
		st = s->st.up_transfer;
		bt_store__bind_text(st, 1, r->member);
		bt_store__bind_date(st, 2, r->date);
		bt_store__bind_text(st, 3, r->cell_from);
		bt_store__bind_text(st, 4, r->cell_to);
		bt_store__bind_text(st, 5, r->text);
		break;
	case BT_KIND_ATTESTATION:
		st = s->st.up_attestation;
		bt_store__bind_text(st, 1, r->subject);
		sqlite3_bind_int(st, 2, r->year);
		bt_store__bind_text(st, 3, r->criterion);
		sqlite3_bind_int(st, 4, r->pass);
		bt_store__bind_text(st, 5, r->text);
		break;
	case BT_KIND_SETTLE:
		st = s->st.up_settle;
		bt_store__bind_text(st, 1, r->finding);
		bt_store__bind_text(st, 2, r->cell);
		bt_store__bind_text(st, 3, r->text);
		break;
	}
	if (!st)
		return 0;
	DONE(N_("writing a table"));
	return 0;
}
