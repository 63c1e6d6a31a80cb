/*
 * import.c - import of interchange lines (SPEC.md 5) and the projection
 * writer shared with rebuild.
 *
 * An import is one SQLite transaction. For each line: parse and canonicalise
 * (core/record.c); look up the fact's current version by (kind, key); if its
 * canonical bytes are the same, nothing happens (idempotence); otherwise check
 * the references against the store as it stands (earlier lines of the same
 * file included), append an event to the store's own log and apply it to the
 * projections. The first bad line aborts the import and nothing is kept.
 */
#include "error.h"
#include "i18n.h"
#include "buf.h"
#include "sha256.h"
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bt_import {
	bt_store *s;
	bt_import_opts opts;
	bt_import_stats stats;
	int failed;
	int64_t seq;                  /* head of our log inside this transaction */
	uint8_t head[BT_HASH_BYTES];
	bt_buf ev;                    /* event bytes being built */
	char author[201];
	char ts[BT_TIMESTAMP_BYTES];
};

static int row_exists(bt_store *s, sqlite3_stmt *st, const char *id)
{
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return bt_store__db_error(s, BT_EIO, BT_("reading the store"));
}

typedef bt_member_entry member_row;

static uint64_t hash_id(const char *id)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 1099511628211ull;
	return h;
}

void bt_store__members_clear(bt_store *s)
{
	if (s->members.n)
		memset(s->members.slots, 0, s->members.cap * sizeof(bt_member_entry));
	s->members.n = 0;
}

/* The slot for id: its entry, or the empty slot where it belongs. NULL if the table is full. */
static bt_member_entry *cache_slot(bt_member_cache *c, const char *id)
{
	if (!c->cap)
		return NULL;
	for (size_t i = hash_id(id) & (c->cap - 1), probes = 0; probes < c->cap; i = (i + 1) & (c->cap - 1), probes++)
		if (!c->slots[i].used || strcmp(c->slots[i].id, id) == 0)
			return &c->slots[i];
	return NULL;
}

static void cache_put(bt_member_cache *c, const bt_member_entry *e)
{
	if ((c->n + 1) * 2 > c->cap) {
		/* Grow (or start); when memory is short, simply do without the cache. */
		size_t cap = c->cap ? c->cap * 2 : 1024;
		bt_member_entry *old = c->slots, *slots = calloc(cap, sizeof(*slots));
		size_t old_cap = c->cap;
		if (!slots)
			return;
		c->slots = slots;
		c->cap = cap;
		c->n = 0;
		for (size_t i = 0; i < old_cap; i++)
			if (old[i].used)
				cache_put(c, &old[i]);
		free(old);
	}
	bt_member_entry *slot = cache_slot(c, e->id);
	if (!slot)
		return;
	if (!slot->used)
		c->n++;
	*slot = *e;
	slot->used = 1;
}

/* A member record was written: drop what the cache knew (its next lookup reads the table). */
static void cache_forget(bt_member_cache *c, const char *id)
{
	bt_member_entry *slot = cache_slot(c, id);
	if (slot && slot->used)
		slot->mid = -1; /* stale marker: looked up again */
}

/* 1 found, 0 not found, <0 error. */
static int member_get(bt_store *s, const char *id, member_row *m)
{
	bt_member_entry *hit = cache_slot(&s->members, id);
	if (hit && hit->used && hit->mid >= 0) {
		*m = *hit;
		return 1;
	}
	sqlite3_stmt *st = s->st.member_get;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), found = 0;
	if (rc == SQLITE_ROW) {
		memset(m, 0, sizeof(*m));
		bt__copy_utf8(m->id, sizeof(m->id), id);
		m->mid = sqlite3_column_int64(st, 0);
		bt__copy_utf8(m->cell, sizeof(m->cell), (const char *)sqlite3_column_text(st, 1));
		m->joined = bt_store__int_date(sqlite3_column_int64(st, 2));
		m->left = sqlite3_column_type(st, 3) == SQLITE_NULL ? BT_DATE_NONE
								    : bt_store__int_date(sqlite3_column_int64(st, 3));
		found = 1;
		cache_put(&s->members, m);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return bt_store__db_error(s, BT_EIO, BT_("reading the store"));
	return found;
}

static int need(bt_store *s, sqlite3_stmt *st, const char *id, const char *field, const char *what)
{
	int r = row_exists(s, st, id);
	if (r < 0)
		return r;
	if (!r)
		return bt__error_set(BT_ENOTFOUND, BT_("field \"%s\": no %s \"%s\" (it must be declared first)"), field, what,
				     id);
	return 0;
}

static int need_member(bt_store *s, const char *id, const char *field, member_row *m)
{
	int r = member_get(s, id, m);
	if (r < 0)
		return r;
	if (!r)
		return bt__error_set(BT_ENOTFOUND, BT_("field \"%s\": no member \"%s\" (it must be declared first)"),
				     field, id);
	return 0;
}

static int fmt_date_err(int code, const char *fmt_prefix, const char *id, bt_date d)
{
	char ds[BT_DATE_STR_BYTES];
	bt_date_format(ds, d);
	return bt__error_set(code, BT_("%s %s on %s"), fmt_prefix, id, ds);
}

/* Every attendance mark names a member of the cell on that date; every required member has a mark. */
static int check_meeting(bt_store *s, const bt_record *r)
{
	sqlite3_stmt *st = s->st.cell_members_on;
	int err = 0, rc;
	size_t a = 0;
	if ((err = need(s, s->st.cell_exists, r->cell, "cell", BT_("cell"))) < 0)
		return err;
	sqlite3_bind_text(st, 1, r->cell, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, bt_store__date_int(r->date));
	/* Merge walk: both sides sorted by member id (byte order). */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 1);
		int exempt = sqlite3_column_int(st, 2);
		while (a < r->n_attendance && strcmp(r->attendance[a].member, id) < 0) {
			err = BT_ENOTFOUND;
			break;
		}
		if (err)
			break;
		if (a < r->n_attendance && strcmp(r->attendance[a].member, id) == 0) {
			a++;
			continue;
		}
		if (!exempt) {
			err = fmt_date_err(BT_EINVALID,
					   BT_("field \"attendance\": missing the mark of a member required at the meeting"), id,
					   r->date);
			sqlite3_reset(st);
			return err;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return bt_store__db_error(s, BT_EIO, BT_("reading the store"));
	if (err == BT_ENOTFOUND || a < r->n_attendance) {
		/* An attendance mark that matched no member of the cell on that date: say why. */
		member_row m;
		const char *id = r->attendance[a].member;
		int found = member_get(s, id, &m);
		if (found < 0)
			return found;
		if (!found)
			return bt__error_set(BT_ENOTFOUND, BT_("field \"attendance\": no member \"%s\""), id);
		if (strcmp(m.cell, r->cell) != 0)
			return bt__error_set(BT_EINVALID, BT_("field \"attendance\": member %s is not in cell %s"), id,
					     r->cell);
		return fmt_date_err(BT_EINVALID, BT_("field \"attendance\": not yet in the Party or already left the cell: member"), id,
				    r->date);
	}
	return 0;
}

/* Reference checks that need the store. */
static int check_refs(bt_store *s, const bt_record *r)
{
	member_row m;
	int err = 0;
	switch (r->kind) {
	case BT_KIND_COMMITTEE:
	case BT_KIND_HOLIDAY:
		return 0;
	case BT_KIND_CELL:
		return need(s, s->st.committee_exists, r->committee, "committee", BT_("committee"));
	case BT_KIND_MEMBER:
	case BT_KIND_REGULATION:
	case BT_KIND_TARGET:
		return need(s, s->st.cell_exists, r->cell, "cell", BT_("cell"));
	case BT_KIND_EXEMPTION:
	case BT_KIND_COMMITMENT:
	case BT_KIND_DISCIPLINE:
		return need_member(s, r->member, "member", &m);
	case BT_KIND_DUES:
		if ((err = need_member(s, r->member, "member", &m)) < 0)
			return err;
		if (r->month < bt_month_of(m.joined)) {
			char ms[BT_MONTH_STR_BYTES];
			bt_month_format(ms, r->month);
			return bt__error_set(BT_EINVALID, BT_("field \"month\": month %s is before member %s joined the Party"), ms,
					     r->member);
		}
		return 0;
	case BT_KIND_ATTESTATION:
		if (strcmp(r->criterion, "1.3") == 0)
			return need(s, s->st.cell_exists, r->subject, "subject", BT_("cell"));
		return need_member(s, r->subject, "subject", &m);
	case BT_KIND_MEETING:
		return check_meeting(s, r);
	case BT_KIND_TRANSFER:
		if ((err = need_member(s, r->member, "member", &m)) < 0 ||
		    (err = need(s, s->st.cell_exists, r->cell_from, "from", BT_("cell"))) < 0 ||
		    (err = need(s, s->st.cell_exists, r->cell_to, "to", BT_("cell"))) < 0)
			return err;
		if (r->date < m.joined)
			return fmt_date_err(BT_EINVALID, BT_("field \"date\": a transfer before joining the Party: member"),
					    r->member, r->date);
		return 0;
	}
	return 0;
}

#define DONE(what)                                                                                                     \
	do {                                                                                                           \
		if ((err = bt_store__step_done(s, st, what)) < 0)                                                      \
			return err;                                                                                    \
	} while (0)

static int apply_meeting(bt_store *s, const bt_record *r, int superseding)
{
	sqlite3_stmt *st = s->st.up_meeting;
	int err;
	int64_t mtid;
	bt_store__bind_text(st, 1, r->id);
	bt_store__bind_text(st, 2, r->cell);
	bt_store__bind_date(st, 3, r->date);
	sqlite3_bind_int(st, 4, r->start_minute);
	sqlite3_bind_int(st, 5, r->end_minute);
	sqlite3_bind_int(st, 6, (int)r->flags);
	DONE(BT_("writing the meeting"));
	if (superseding) {
		st = s->st.meeting_mtid;
		bt_store__bind_text(st, 1, r->id);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_reset(st);
			return bt_store__db_error(s, BT_EIO, BT_("reading the meeting"));
		}
		mtid = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		st = s->st.att_delete;
		sqlite3_bind_int64(st, 1, mtid);
		DONE(BT_("writing the attendance"));
	} else {
		mtid = sqlite3_last_insert_rowid(s->db);
	}
	/* Speakers are a subset of those present (record.c checks it): a flag on their mark. */
	size_t sp = 0;
	for (size_t i = 0; i < r->n_attendance; i++) {
		member_row m;
		int status = (int)r->attendance[i].status;
		if ((err = need_member(s, r->attendance[i].member, "attendance", &m)) < 0)
			return err;
		while (sp < r->n_speakers && strcmp(r->speakers[sp], r->attendance[i].member) < 0)
			sp++;
		if (sp < r->n_speakers && strcmp(r->speakers[sp], r->attendance[i].member) == 0)
			status |= BT_ATTENDANCE_SPOKE;
		st = s->st.att_insert;
		sqlite3_bind_int64(st, 1, mtid);
		sqlite3_bind_int64(st, 2, m.mid);
		sqlite3_bind_int(st, 3, status);
		DONE(BT_("writing the attendance"));
	}
	return 0;
}

static int bind_tri(sqlite3_stmt *st, int i, int v) { return v == BT_OPEN ? sqlite3_bind_null(st, i) : sqlite3_bind_int(st, i, v); }

int bt_store__apply(bt_store *s, const bt_record *r, int64_t event_id, int superseding)
{
	sqlite3_stmt *st = NULL;
	uint8_t rec_hash[BT_HASH_BYTES];
	member_row m;
	int err;

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
		cache_forget(&s->members, r->id);
		st = s->st.up_member;
		bt_store__bind_text(st, 1, r->id);
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
		if ((err = apply_meeting(s, r, superseding)) < 0)
			return err;
		break;
	case BT_KIND_DUES:
		if ((err = need_member(s, r->member, "member", &m)) < 0)
			return err;
		st = s->st.up_dues;
		sqlite3_bind_int64(st, 1, m.mid);
		sqlite3_bind_int(st, 2, (r->month / 12) * 100 + r->month % 12 + 1);
		sqlite3_bind_int64(st, 3, r->amount);
		bt_store__bind_date(st, 4, r->date);
		break;
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
	}
	if (st && (err = bt_store__step_done(s, st, BT_("writing a table"))) < 0)
		return err;
	if (bt__sha256(rec_hash, r->canonical, r->canonical_len) < 0)
		return bt__error_set(BT_ERROR, BT_("SHA-256 failed"));
	st = s->st.cur_put;
	sqlite3_bind_int(st, 1, (int)r->kind);
	bt_store__bind_text(st, 2, r->key);
	sqlite3_bind_int64(st, 3, event_id);
	sqlite3_bind_blob(st, 4, rec_hash, BT_HASH_BYTES, SQLITE_STATIC);
	return bt_store__step_done(s, st, BT_("writing a table"));
}

/* Decode the event with local id `id` (free with bt_event_clear). */
static int event_by_id(bt_store *s, int64_t id, bt_event *ev)
{
	sqlite3_stmt *st = s->st.event_bytes;
	int err;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	}
	err = bt_event_decode(ev, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	sqlite3_reset(st);
	return err;
}

/*
 * 1 when a winning version from `log` over the current version `cur` is a
 * correction made knowingly rather than a concurrent one: `log` is the
 * office's (which holds every version), or a version from `log` already lost
 * to `cur` (the conflict was listed, and this answers it). 0 otherwise.
 */
static int deliberate(bt_store *s, const char *log, int64_t cur)
{
	static const char sql[] = "SELECT EXISTS(SELECT 1 FROM device WHERE id = ?1 AND role = 'office')"
				  " OR EXISTS(SELECT 1 FROM conflict c JOIN event e ON e.id = c.event"
				  "           WHERE c.winner = ?2 AND e.log = ?1)";
	sqlite3_stmt *st = NULL;
	int r;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the store"));
	sqlite3_bind_text(st, 1, log, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cur);
	r = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : bt_store__db_error(s, BT_EIO, BT_("reading the store"));
	sqlite3_finalize(st);
	return r;
}

int bt_store__apply_ordered(bt_store *s, const bt_record *r, int64_t event_id, const char *ts, const char *log,
			    int64_t seq, int *lost)
{
	sqlite3_stmt *st = s->st.cur_get;
	int64_t cur = 0;
	int rc, err;
	if (lost)
		*lost = 0;
	sqlite3_bind_int(st, 1, (int)r->kind);
	sqlite3_bind_text(st, 2, r->key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		cur = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return bt_store__db_error(s, BT_EIO, BT_("reading the store"));
	if (cur) {
		/* The current version's place in the order, from its own bytes. */
		bt_event ev;
		if ((err = event_by_id(s, cur, &ev)) < 0)
			return err;
		int d = strcmp(ts, ev.ts);
		if (d == 0)
			d = strcmp(log, ev.log);
		if (d == 0)
			d = seq < ev.seq ? -1 : seq > ev.seq;
		/*
		 * A version from another device arriving over a different device's
		 * version is a conflict even when it wins: the secretary whose
		 * version was replaced should see it (bontot conflicts). A local
		 * write over another device's version is a correction, not one,
		 * and so is (deliberate()) the office's, or a device's answer to a
		 * conflict already listed.
		 */
		int foreign_over_other = strcmp(log, ev.log) != 0 && strcmp(log, bt_store_log_id(s)) != 0;
		bt_event_clear(&ev);
		if (foreign_over_other && d > 0 && (err = deliberate(s, log, cur)) != 0) {
			if (err < 0)
				return err;
			foreign_over_other = 0;
		}
		if (d < 0 || foreign_over_other) {
			st = s->st.conflict_put;
			sqlite3_bind_int64(st, 1, d < 0 ? event_id : cur);
			sqlite3_bind_int64(st, 2, d < 0 ? cur : event_id);
			sqlite3_bind_int(st, 3, (int)r->kind);
			sqlite3_bind_text(st, 4, r->key, -1, SQLITE_STATIC);
			if ((err = bt_store__step_done(s, st, BT_("writing a table"))) < 0)
				return err;
		}
		if (d < 0) {
			if (lost)
				*lost = 1;
			return 0;
		}
	}
	return bt_store__apply(s, r, event_id, cur != 0);
}

int bt_store__append_foreign(bt_store *s, const bt_event *ev, const uint8_t *bytes, size_t len, int *lost)
{
	sqlite3_stmt *st = s->st.ev_insert;
	int err;
	if ((err = check_refs(s, ev->rec)) < 0)
		return err;
	sqlite3_bind_text(st, 1, ev->log, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, ev->seq);
	sqlite3_bind_blob(st, 3, ev->hash, BT_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, (int)ev->rec->kind);
	sqlite3_bind_text(st, 5, ev->rec->key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, bytes, (int)len, SQLITE_STATIC);
	if ((err = bt_store__step_done(s, st, BT_("writing the log"))) < 0)
		return err;
	return bt_store__apply_ordered(s, ev->rec, sqlite3_last_insert_rowid(s->db), ev->ts, ev->log, ev->seq, lost);
}

int bt_import_begin(bt_import **out, bt_store *s, const bt_import_opts *opts)
{
	bt_import *imp;
	int err;
	*out = NULL;
	if (!opts || opts->version != BT_IMPORT_OPTS_VERSION || !opts->timestamp || !opts->author)
		return bt__error_set(BT_EINVALID, BT_("invalid import options (a timestamp and an author are needed)"));
	if (!bt_timestamp_valid(opts->timestamp))
		return bt__error_set(BT_EINVALID, BT_("invalid timestamp \"%.40s\""), opts->timestamp);
	if (strlen(opts->author) == 0 || strlen(opts->author) > 200)
		return bt__error_set(BT_EINVALID, BT_("invalid author name"));
	if (s->in_import)
		return bt__error_set(BT_EINVALID, BT_("another import is in progress"));
	if (!(imp = calloc(1, sizeof(*imp))))
		return bt__oom();
	/* A large import touches many pages: keep them in memory until commit rather than spill. */
	if ((err = bt_store__exec(s, "PRAGMA cache_size = -65536")) < 0 || (err = bt_store__exec(s, "BEGIN IMMEDIATE")) < 0) {
		free(imp);
		return err;
	}
	bt_store__members_clear(s);
	imp->s = s;
	imp->opts = *opts;
	snprintf(imp->author, sizeof(imp->author), "%s", opts->author);
	snprintf(imp->ts, sizeof(imp->ts), "%s", opts->timestamp);
	imp->opts.author = imp->author;
	imp->opts.timestamp = imp->ts;
	imp->seq = s->head_seq;
	memcpy(imp->head, s->head_hash, BT_HASH_BYTES);
	bt_buf_init(&imp->ev, BT_EVENT_MAX_BYTES * 2);
	s->in_import = 1;
	*out = imp;
	return 0;
}

/*
 * Make `ts` ("YYYY-MM-DDTHH:MM:SSZ") later than the timestamp of event `cur`
 * (the version being replaced) when it is not: one second after it. Versions
 * are ordered by (timestamp, log, sequence) (DESIGN.md decision 7); without
 * this, a correction on a tablet whose clock is behind, or made in the same
 * second as another device's version, would lose to the version it corrects.
 */
static int after_version(bt_store *s, int64_t cur, char ts[BT_TIMESTAMP_BYTES])
{
	bt_event ev;
	int err;
	if ((err = event_by_id(s, cur, &ev)) < 0)
		return err;
	if (strcmp(ts, ev.ts) <= 0) {
		int y, mo, d, h, mi, se;
		if (sscanf(ev.ts, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &se) != 6 || !bt_date_valid(y, mo, d)) {
			bt_event_clear(&ev);
			return bt__error_set(BT_ECORRUPT, BT_("event number %lld is damaged"), (long long)cur);
		}
		int64_t t = (int64_t)bt_date_from_ymd(y, mo, d) * 86400 + h * 3600 + mi * 60 + se + 1;
		int64_t day = t / 86400, sec = t % 86400;
		bt_date_to_ymd((bt_date)day, &y, &mo, &d);
		char tmp[64];
		snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, (int)(sec / 3600), (int)(sec / 60 % 60),
			 (int)(sec % 60));
		memcpy(ts, tmp, BT_TIMESTAMP_BYTES - 1);
		ts[BT_TIMESTAMP_BYTES - 1] = '\0';
	}
	bt_event_clear(&ev);
	return 0;
}

/* mode 0: import (add, change or leave unchanged); else bt_record_mode. */
static int import_record(bt_import *imp, const bt_record *r, int mode, int64_t *event_id)
{
	bt_store *s = imp->s;
	sqlite3_stmt *st = s->st.cur_get;
	uint8_t rec_hash[BT_HASH_BYTES], ev_hash[BT_HASH_BYTES];
	char ts[BT_TIMESTAMP_BYTES];
	int err, rc, exists = 0;
	int64_t cur = 0;

	if (bt__sha256(rec_hash, r->canonical, r->canonical_len) < 0)
		return bt__error_set(BT_ERROR, BT_("SHA-256 failed"));
	sqlite3_bind_int(st, 1, (int)r->kind);
	sqlite3_bind_text(st, 2, r->key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		exists = 1;
		cur = sqlite3_column_int64(st, 0);
		if (mode != BT_RECORD_NEW && sqlite3_column_bytes(st, 1) == BT_HASH_BYTES &&
		    memcmp(sqlite3_column_blob(st, 1), rec_hash, BT_HASH_BYTES) == 0) {
			sqlite3_reset(st);
			imp->stats.unchanged++;
			return 0;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return bt_store__db_error(s, BT_EIO, BT_("reading the store"));
	if (mode == BT_RECORD_NEW && exists)
		return bt__error_set(BT_EEXISTS, BT_("%s \"%s\" is already recorded; to change it, record a correction"),
				     bt_kind_name(r->kind), r->key);
	if (mode == BT_RECORD_CORRECTION && !exists)
		return bt__error_set(BT_ENOTFOUND, BT_("no %s \"%s\" to correct"), bt_kind_name(r->kind), r->key);
	if ((err = check_refs(s, r)) < 0)
		return err;

	/* A new version must come after the one it replaces, even if this clock is behind. */
	memcpy(ts, imp->ts, sizeof(ts));
	if (exists && (err = after_version(s, cur, ts)) < 0)
		return err;
	imp->ev.len = 0;
	if ((err = bt_event_encode(&imp->ev, s->log_id, imp->seq + 1, imp->head, ts, imp->author, r)) < 0)
		return err;
	if (bt__sha256(ev_hash, imp->ev.data, imp->ev.len) < 0)
		return bt__error_set(BT_ERROR, BT_("SHA-256 failed"));
	st = s->st.ev_insert;
	sqlite3_bind_text(st, 1, s->log_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, imp->seq + 1);
	sqlite3_bind_blob(st, 3, ev_hash, BT_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, (int)r->kind);
	sqlite3_bind_text(st, 5, r->key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, imp->ev.data, (int)imp->ev.len, SQLITE_STATIC);
	if ((err = bt_store__step_done(s, st, BT_("writing the log"))) < 0)
		return err;
	int64_t id = sqlite3_last_insert_rowid(s->db);
	int lost = 0;
	if ((err = bt_store__apply_ordered(s, r, id, ts, s->log_id, imp->seq + 1, &lost)) < 0)
		return err;
	imp->stats.lost += (size_t)lost;
	if (event_id)
		*event_id = id;
	imp->seq++;
	memcpy(imp->head, ev_hash, BT_HASH_BYTES);
	if (exists)
		imp->stats.changed++;
	else
		imp->stats.added++;
	return 0;
}

int bt_import_line(bt_import *imp, const char *text, size_t len)
{
	bt_record *r = NULL;
	int err;
	if (imp->failed)
		return bt__error_set(BT_EINVALID, BT_("the import was abandoned after an earlier error"));
	imp->stats.lines++;
	if (len && text[len - 1] == '\r')
		len--;
	size_t i = 0;
	while (i < len && (text[i] == ' ' || text[i] == '\t'))
		i++;
	if (i == len)
		return 0;
	/* A UTF-8 byte-order mark on the first line (spreadsheets write one) is not part of the record. */
	if (imp->stats.lines == 1 && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	imp->stats.records++;
	if ((err = bt_record_parse(&r, text, len)) == 0)
		err = import_record(imp, r, 0, NULL);
	bt_record_free(r);
	if (err < 0) {
		imp->failed = 1;
		imp->stats.error_line = imp->stats.lines;
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", bt_error_last());
		bt__error_set(err, BT_("line %zu: %s"), imp->stats.lines, msg);
	}
	return err;
}

void bt_import_get_stats(const bt_import *imp, bt_import_stats *stats) { *stats = imp->stats; }

int bt_import_commit(bt_import *imp, bt_import_stats *stats)
{
	bt_store *s = imp->s;
	int err;
	if (stats)
		*stats = imp->stats;
	if (imp->failed)
		return bt__error_set(BT_EINVALID, BT_("the import was abandoned after an error, nothing written"));
	if ((err = bt_store__exec(s, "COMMIT")) < 0) {
		imp->failed = 1;
		return err;
	}
	s->head_seq = imp->seq;
	memcpy(s->head_hash, imp->head, BT_HASH_BYTES);
	s->in_import = 0;
	bt_store__members_clear(s);
	sqlite3_exec(s->db, "PRAGMA cache_size = -2000", NULL, NULL, NULL);
	imp->s = NULL;
	return 0;
}

void bt_import_free(bt_import *imp)
{
	if (!imp)
		return;
	if (imp->s) {
		sqlite3_exec(imp->s->db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_exec(imp->s->db, "PRAGMA cache_size = -2000", NULL, NULL, NULL);
		bt_store__members_clear(imp->s);
		imp->s->in_import = 0;
	}
	bt_buf_free(&imp->ev);
	free(imp);
}

int bt_store_record(bt_store *s, const bt_record *rec, bt_record_mode mode, const bt_import_opts *opts, int64_t *event_id)
{
	bt_import *imp = NULL;
	int err;
	if (event_id)
		*event_id = 0;
	if (mode != BT_RECORD_NEW && mode != BT_RECORD_CORRECTION)
		return bt__error_set(BT_EINVALID, BT_("invalid recording mode"));
	if (!rec || !rec->canonical || !rec->key)
		return bt__error_set(BT_EINVALID, BT_("the record was not checked (bt_record_parse or bt_record_finish)"));
	if ((err = bt_import_begin(&imp, s, opts)) < 0)
		return err;
	if ((err = import_record(imp, rec, (int)mode, event_id)) == 0)
		err = bt_import_commit(imp, NULL);
	if (err < 0 && event_id)
		*event_id = 0;
	bt_import_free(imp);
	return err;
}
