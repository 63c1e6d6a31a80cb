/*
 * load.c - read the projections back as records for the evaluation, and the
 * store-wide evaluation loop.
 *
 * The evaluation reads a year of a whole commune or province. Reading it cell
 * by cell with joins costs a B-tree seek per member and per meeting (hundreds
 * of thousands for a province); instead every table is read once, in its own
 * key order, into compact arrays (a snapshot: about 40 bytes per attendance
 * or dues row), and each cell's records are then assembled from the arrays in
 * an arena that is reset per cell. Text the evaluation never reads (titles,
 * notes, reasons) is not loaded. Memory grows with the year's rows (about
 * 25 MiB for a 2,000-cell province), not with the log.
 */
#include "error.h"
#include "i18n.h"
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- arena ---- */

typedef struct block {
	struct block *next;
	size_t used, cap;
	max_align_t data[];
} block;

typedef struct {
	block *first, *cur;
} arena;

static void *arena_alloc(arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	while (a->cur && a->cur->used + n > a->cur->cap)
		a->cur = a->cur->next;
	if (!a->cur) {
		size_t cap = n > 65536 ? n : 65536;
		block *b = malloc(sizeof(block) + cap);
		if (!b)
			return NULL;
		b->used = 0;
		b->cap = cap;
		b->next = NULL;
		/* Append so that a reset reuses every block in order. */
		block **tail = &a->first;
		while (*tail)
			tail = &(*tail)->next;
		*tail = b;
		a->cur = b;
	}
	void *p = (char *)a->cur->data + a->cur->used;
	a->cur->used += n;
	return p;
}

static char *arena_strdup(arena *a, const char *s)
{
	size_t n = strlen(s);
	char *c = arena_alloc(a, n + 1);
	if (c)
		memcpy(c, s, n + 1);
	return c;
}

static void arena_reset(arena *a)
{
	for (block *b = a->first; b; b = b->next)
		b->used = 0;
	a->cur = a->first;
}

static void arena_free(arena *a)
{
	block *b = a->first;
	while (b) {
		block *n = b->next;
		free(b);
		b = n;
	}
	a->first = a->cur = NULL;
}

/* ---- growable arrays ---- */

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 64;
	while (c < need)
		c *= 2;
	void *n = realloc(*v, c * size);
	if (!n)
		return bt__oom();
	*v = n;
	*cap = c;
	return 0;
}

#define PUSH(arr, n, cap) (grow((void **)&(arr), &(cap), (n) + 1, sizeof(*(arr))) < 0 ? NULL : &(arr)[(n)++])

/* ---- the snapshot ---- */

typedef struct {
	const char *id, *name, *cell;
	bt_date born, joined, left;
	int status, role;
	int cell_idx;
} s_member;

typedef struct {
	const char *id;
	int cell_idx;
	bt_date date;
	int start, end, flags;
	size_t att_first, att_count; /* range in snapshot.att */
} s_meeting;

typedef struct {
	int32_t member; /* index in members */
	uint8_t status; /* with BT_ATTENDANCE_SPOKE */
} s_mark;

/* The amount is not read by the evaluation and is not loaded (records carry 0). */
typedef struct {
	int32_t member;
	int32_t month; /* bt_month */
	bt_date paid_on;
} s_dues;

/* A small record that belongs to a member or a cell: kept as a full record in the snapshot arena. */
/* A row of a small table (exemptions, targets, regulations, commitments, discipline, attestations). */
typedef struct {
	uint8_t by_cell; /* 1: owner is a cell index (targets, regulations, 1.3 attestations); 0: a member index */
	uint8_t kind;
	char criterion[4];
	int32_t owner;
	int32_t year;
	int8_t flag;     /* done, fulfilled or pass */
	bt_date date, date2;
	const char *text; /* an id (target, commitment) or the discipline's form */
} s_owned;

typedef struct {
	size_t first, end;
} s_run;

/* A transfer (bontot's extension): member leaves cell `from` for cell `to` on `date`. */
typedef struct {
	int32_t member, from, to; /* member and cell indices (-1: a cell that no longer exists) */
	bt_date date;
	const char *from_id, *to_id;
} s_transfer;

typedef struct {
	const char *id, *committee, *name;
	size_t first_member, n_members; /* range in by_cell (member indices sorted by cell, id) */
	size_t first_meeting, n_meetings;
} s_cell;

typedef struct {
	arena mem; /* strings and small records of the snapshot */
	s_cell *cells;
	size_t n_cells, cap_cells;
	s_member *members;
	size_t n_members, cap_members;
	int32_t *mid_to_member; /* dense: mid -> member index, -1 */
	size_t n_mid;
	int32_t *by_cell; /* member indices sorted by (cell, id) */
	s_meeting *meetings;
	size_t n_meetings, cap_meetings;
	int32_t *mtid_to_meeting;
	size_t n_mtid;
	int32_t *meetings_by_cell;
	s_mark *att;
	size_t n_att, cap_att;
	s_dues *dues; /* sorted by member index */
	size_t n_dues, cap_dues;
	s_owned *owned; /* exemptions, commitments, discipline, member attestations: by member; others by cell */
	size_t n_owned, cap_owned;
	s_run *runs; /* [first, end) of each (by_cell, kind) group of owned */
	size_t n_runs, cap_runs;
	int32_t *dues_first; /* per member: first dues row; dues_count likewise */
	int32_t *dues_count;
	s_transfer *transfers; /* sorted by member */
	size_t n_transfers, cap_transfers;
	int32_t *stamp; /* per member: (cell index + 1) of the cell being assembled when included */
	int32_t *extra; /* scratch: members of the cell being assembled who are now in another cell */
} snapshot;

static void snapshot_free(snapshot *s)
{
	arena_free(&s->mem);
	free(s->cells);
	free(s->members);
	free(s->mid_to_member);
	free(s->by_cell);
	free(s->meetings);
	free(s->mtid_to_meeting);
	free(s->meetings_by_cell);
	free(s->att);
	free(s->dues);
	free(s->owned);
	free(s->runs);
	free(s->dues_first);
	free(s->dues_count);
	free(s->transfers);
	free(s->stamp);
	free(s->extra);
	memset(s, 0, sizeof(*s));
}

static bt_date col_date(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? BT_DATE_NONE : bt_store__int_date(sqlite3_column_int64(st, i));
}

static int col_tri(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? BT_OPEN : sqlite3_column_int(st, i);
}

static const char *col_str(snapshot *s, sqlite3_stmt *st, int i, int *oom)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	char *c = arena_strdup(&s->mem, t ? t : "");
	if (!c)
		*oom = 1;
	return c;
}

static snapshot *sort_ctx;

static int cmp_by_cell(const void *a, const void *b)
{
	const s_member *x = &sort_ctx->members[*(const int32_t *)a], *y = &sort_ctx->members[*(const int32_t *)b];
	if (x->cell_idx != y->cell_idx)
		return x->cell_idx < y->cell_idx ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int cmp_meeting_by_cell(const void *a, const void *b)
{
	const s_meeting *x = &sort_ctx->meetings[*(const int32_t *)a], *y = &sort_ctx->meetings[*(const int32_t *)b];
	if (x->cell_idx != y->cell_idx)
		return x->cell_idx < y->cell_idx ? -1 : 1;
	return (*(const int32_t *)a > *(const int32_t *)b) - (*(const int32_t *)a < *(const int32_t *)b);
}

static int cmp_owned(const void *a, const void *b)
{
	const s_owned *x = a, *y = b;
	if (x->by_cell != y->by_cell)
		return x->by_cell - y->by_cell;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return (x->owner > y->owner) - (x->owner < y->owner);
}

static int cmp_transfer_member(const void *a, const void *b)
{
	const s_transfer *x = a, *y = b;
	if (x->member != y->member)
		return x->member < y->member ? -1 : 1;
	return (x->date > y->date) - (x->date < y->date);
}

/* Index of a cell by id (cells sorted by id), or -1. */
static int find_cell(const snapshot *s, const char *id)
{
	size_t lo = 0, hi = s->n_cells;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int d = strcmp(s->cells[mid].id, id);
		if (d == 0)
			return (int)mid;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Index of a member by id (through by_cell order is not by id: use the sorted id index). */
typedef struct {
	const char *id;
	int32_t idx;
} id_index;

static int cmp_id_index(const void *a, const void *b) { return strcmp(((const id_index *)a)->id, ((const id_index *)b)->id); }

static int32_t find_member(const id_index *ix, size_t n, const char *id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int d = strcmp(ix[mid].id, id);
		if (d == 0)
			return ix[mid].idx;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int prepare(bt_store *st, sqlite3_stmt **q, const char *sql, int year)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, q, NULL) != SQLITE_OK)
		return bt_store__db_error(st, BT_EIO, BT_("preparing a read statement"));
	int64_t lo = year ? (int64_t)year * 10000 + 101 : 0, hi = year ? (int64_t)year * 10000 + 1231 : 99991231;
	if (sqlite3_bind_parameter_count(*q) >= 2) {
		sqlite3_bind_int64(*q, 1, lo);
		sqlite3_bind_int64(*q, 2, hi);
	}
	return 0;
}

/* Read the year's rows of every table. `only_cell`, when not NULL, restricts meetings to that cell. */
static int snapshot_load(snapshot *s, bt_store *st, int year)
{
	sqlite3_stmt *q = NULL;
	id_index *ix = NULL;
	int err = 0, oom = 0, rc;
	int64_t max_mid = 0, max_mtid = 0;

	memset(s, 0, sizeof(*s));
	/* Cells, by id. */
	if ((err = prepare(st, &q, "SELECT id, committee, name FROM cell ORDER BY id", year)) < 0)
		goto done;
	while (!oom && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		s_cell *c = PUSH(s->cells, s->n_cells, s->cap_cells);
		if (!c) {
			oom = 1;
			break;
		}
		memset(c, 0, sizeof(*c));
		c->id = col_str(s, q, 0, &oom);
		c->committee = col_str(s, q, 1, &oom);
		c->name = col_str(s, q, 2, &oom);
	}
	sqlite3_finalize(q);
	q = NULL;
	if (oom)
		goto done;

	/* Members. */
	if ((err = prepare(st, &q, "SELECT mid, id, cell, name, born, status, role, joined, left FROM member ORDER BY mid",
			   year)) < 0)
		goto done;
	while (!oom && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t mid = sqlite3_column_int64(q, 0);
		s_member *m = PUSH(s->members, s->n_members, s->cap_members);
		if (!m || mid < 1 || mid > INT32_MAX) {
			oom = !m;
			if (m) {
				err = bt__error_set(BT_ECORRUPT, BT_("the member table is damaged (mid %lld)"), (long long)mid);
				break;
			}
			break;
		}
		if (mid > max_mid)
			max_mid = mid;
		m->id = col_str(s, q, 1, &oom);
		const char *cell = (const char *)sqlite3_column_text(q, 2);
		m->cell_idx = cell ? find_cell(s, cell) : -1;
		m->cell = m->cell_idx >= 0 ? s->cells[m->cell_idx].id : NULL;
		m->name = col_str(s, q, 3, &oom);
		m->born = col_date(q, 4);
		m->status = sqlite3_column_int(q, 5);
		m->role = sqlite3_column_int(q, 6);
		m->joined = col_date(q, 7);
		m->left = col_date(q, 8);
	}
	sqlite3_finalize(q);
	q = NULL;
	if (oom || err)
		goto done;
	s->n_mid = (size_t)max_mid + 1;
	if (!(s->mid_to_member = malloc(s->n_mid * sizeof(int32_t))) ||
	    !(s->by_cell = malloc((s->n_members + 1) * sizeof(int32_t))) ||
	    !(ix = malloc((s->n_members + 1) * sizeof(*ix)))) {
		oom = 1;
		goto done;
	}
	memset(s->mid_to_member, 0xff, s->n_mid * sizeof(int32_t));
	/* mid order is the row order above, so mid i maps to member i; keep the map general anyway. */
	{
		sqlite3_stmt *m2 = NULL;
		if ((err = prepare(st, &m2, "SELECT mid FROM member ORDER BY mid", year)) < 0)
			goto done;
		for (int32_t i = 0; sqlite3_step(m2) == SQLITE_ROW && (size_t)i < s->n_members; i++)
			s->mid_to_member[sqlite3_column_int64(m2, 0)] = i;
		sqlite3_finalize(m2);
	}
	for (size_t i = 0; i < s->n_members; i++) {
		s->by_cell[i] = (int32_t)i;
		ix[i].id = s->members[i].id;
		ix[i].idx = (int32_t)i;
	}
	sort_ctx = s;
	qsort(s->by_cell, s->n_members, sizeof(int32_t), cmp_by_cell);
	qsort(ix, s->n_members, sizeof(*ix), cmp_id_index);
	for (size_t i = 0; i < s->n_members; i++) {
		int c = s->members[s->by_cell[i]].cell_idx;
		if (c < 0)
			continue;
		if (s->cells[c].n_members == 0)
			s->cells[c].first_member = i;
		s->cells[c].n_members++;
	}

	/* Meetings of the year. */
	if ((err = prepare(st, &q, "SELECT mtid, id, cell, date, start, end, flags FROM meeting WHERE date BETWEEN ?1 AND ?2"
				   " ORDER BY mtid",
			   year)) < 0)
		goto done;
	while (!oom && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		s_meeting *m = PUSH(s->meetings, s->n_meetings, s->cap_meetings);
		if (!m) {
			oom = 1;
			break;
		}
		int64_t mtid = sqlite3_column_int64(q, 0);
		if (mtid > max_mtid)
			max_mtid = mtid;
		memset(m, 0, sizeof(*m));
		m->id = col_str(s, q, 1, &oom);
		const char *cell = (const char *)sqlite3_column_text(q, 2);
		m->cell_idx = cell ? find_cell(s, cell) : -1;
		m->date = col_date(q, 3);
		m->start = sqlite3_column_int(q, 4);
		m->end = sqlite3_column_int(q, 5);
		m->flags = sqlite3_column_int(q, 6);
		m->att_first = (size_t)mtid; /* the mtid, until the map is built */
	}
	sqlite3_finalize(q);
	q = NULL;
	if (oom)
		goto done;
	s->n_mtid = (size_t)max_mtid + 1;
	if (!(s->mtid_to_meeting = malloc(s->n_mtid * sizeof(int32_t))) ||
	    !(s->meetings_by_cell = malloc((s->n_meetings + 1) * sizeof(int32_t)))) {
		oom = 1;
		goto done;
	}
	memset(s->mtid_to_meeting, 0xff, s->n_mtid * sizeof(int32_t));
	for (size_t i = 0; i < s->n_meetings; i++) {
		s->mtid_to_meeting[s->meetings[i].att_first] = (int32_t)i;
		s->meetings[i].att_first = 0;
		s->meetings_by_cell[i] = (int32_t)i;
	}
	qsort(s->meetings_by_cell, s->n_meetings, sizeof(int32_t), cmp_meeting_by_cell);
	for (size_t i = 0; i < s->n_meetings; i++) {
		int c = s->meetings[s->meetings_by_cell[i]].cell_idx;
		if (c < 0)
			continue;
		if (s->cells[c].n_meetings == 0)
			s->cells[c].first_meeting = i;
		s->cells[c].n_meetings++;
	}

	/* Attendance: the primary key order groups the marks of each meeting. */
	if ((err = prepare(st, &q, "SELECT meeting, member, status FROM attendance", year)) < 0)
		goto done;
	{
		int64_t current = -1;
		while (!oom && (rc = sqlite3_step(q)) == SQLITE_ROW) {
			int64_t mtid = sqlite3_column_int64(q, 0), mid = sqlite3_column_int64(q, 1);
			if (mtid < 0 || (size_t)mtid >= s->n_mtid || s->mtid_to_meeting[mtid] < 0)
				continue; /* another year */
			if (mid < 0 || (size_t)mid >= s->n_mid || s->mid_to_member[mid] < 0)
				continue;
			s_meeting *m = &s->meetings[s->mtid_to_meeting[mtid]];
			if (mtid != current) {
				current = mtid;
				m->att_first = s->n_att;
				m->att_count = 0;
			}
			s_mark *k = PUSH(s->att, s->n_att, s->cap_att);
			if (!k) {
				oom = 1;
				break;
			}
			k->member = s->mid_to_member[mid];
			k->status = (uint8_t)sqlite3_column_int(q, 2);
			m->att_count++;
		}
	}
	sqlite3_finalize(q);
	q = NULL;
	if (oom)
		goto done;

	/* Dues of the year: the primary key order is (member, month). */
	if ((err = prepare(st, &q, "SELECT member, month, paid_on FROM dues WHERE month BETWEEN ?1 / 100 AND ?2 / 100",
			   year)) < 0)
		goto done;
	if (!(s->dues_first = calloc(s->n_members + 1, sizeof(int32_t))) ||
	    !(s->dues_count = calloc(s->n_members + 1, sizeof(int32_t)))) {
		oom = 1;
		goto done;
	}
	while (!oom && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t mid = sqlite3_column_int64(q, 0);
		if (mid < 0 || (size_t)mid >= s->n_mid || s->mid_to_member[mid] < 0)
			continue;
		int32_t mi = s->mid_to_member[mid];
		s_dues *d = PUSH(s->dues, s->n_dues, s->cap_dues);
		if (!d) {
			oom = 1;
			break;
		}
		int ym = sqlite3_column_int(q, 1);
		d->member = mi;
		d->month = (ym / 100) * 12 + ym % 100 - 1;
		d->paid_on = col_date(q, 2);
		if (s->dues_count[mi]++ == 0)
			s->dues_first[mi] = (int32_t)(s->n_dues - 1);
	}
	sqlite3_finalize(q);
	q = NULL;
	if (oom)
		goto done;

	/* Small tables: whole records, owned by a member or a cell. */
	static const struct {
		bt_kind kind;
		const char *sql;
	} small[] = {
		{BT_KIND_EXEMPTION, "SELECT member, from_date, to_date FROM exemption"},
		{BT_KIND_TARGET, "SELECT cell, id, year, done FROM target WHERE year BETWEEN ?1 / 10000 AND ?2 / 10000"},
		{BT_KIND_REGULATION, "SELECT cell, issued FROM regulation"},
		{BT_KIND_COMMITMENT, "SELECT member, id, year, fulfilled FROM commitment WHERE year BETWEEN ?1 / 10000 AND ?2 / 10000"},
		{BT_KIND_DISCIPLINE, "SELECT member, date, form FROM discipline WHERE date BETWEEN ?1 AND ?2"},
		{BT_KIND_ATTESTATION, "SELECT subject, year, criterion, pass FROM attestation WHERE year BETWEEN ?1 / 10000 AND ?2 / 10000"},
	};
	for (size_t t = 0; t < sizeof(small) / sizeof(small[0]) && !oom && !err; t++) {
		if ((err = prepare(st, &q, small[t].sql, year)) < 0)
			goto done;
		while (!oom && (rc = sqlite3_step(q)) == SQLITE_ROW) {
			const char *owner = (const char *)sqlite3_column_text(q, 0);
			bt_kind kind = small[t].kind;
			int by_cell = kind == BT_KIND_TARGET || kind == BT_KIND_REGULATION ||
				      (kind == BT_KIND_ATTESTATION && strcmp((const char *)sqlite3_column_text(q, 2), "1.3") == 0);
			int idx = by_cell ? find_cell(s, owner ? owner : "") : find_member(ix, s->n_members, owner ? owner : "");
			if (idx < 0)
				continue;
			s_owned *o = PUSH(s->owned, s->n_owned, s->cap_owned);
			if (!o) {
				oom = 1;
				break;
			}
			memset(o, 0, sizeof(*o));
			o->by_cell = (uint8_t)by_cell;
			o->kind = (uint8_t)kind;
			o->owner = idx;
			o->date = o->date2 = BT_DATE_NONE;
			switch (kind) {
			case BT_KIND_EXEMPTION:
				o->date = col_date(q, 1);
				o->date2 = col_date(q, 2);
				break;
			case BT_KIND_TARGET:
			case BT_KIND_COMMITMENT:
				o->text = col_str(s, q, 1, &oom);
				o->year = sqlite3_column_int(q, 2);
				o->flag = (int8_t)col_tri(q, 3);
				break;
			case BT_KIND_REGULATION:
				o->date = col_date(q, 1);
				break;
			case BT_KIND_DISCIPLINE:
				o->date = col_date(q, 1);
				o->text = col_str(s, q, 2, &oom);
				break;
			case BT_KIND_ATTESTATION:
				o->year = sqlite3_column_int(q, 1);
				bt__copy_utf8(o->criterion, sizeof(o->criterion), (const char *)sqlite3_column_text(q, 2));
				o->flag = (int8_t)sqlite3_column_int(q, 3);
				break;
			default:
				break;
			}
		}
		sqlite3_finalize(q);
		q = NULL;
	}
	/* Group by owner type, kind, then owner: each owner's records of a kind are one run. */
	/* Transfers, grouped by member. */
	if ((err = prepare(st, &q, "SELECT member, date, from_cell, to_cell FROM transfer ORDER BY member, date", year)) < 0)
		goto done;
	while (!oom && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		int32_t mi = -1;
		const char *mid = (const char *)sqlite3_column_text(q, 0);
		for (size_t i = 0; mid && i < s->n_members && mi < 0; i++)
			if (strcmp(s->members[i].id, mid) == 0)
				mi = (int32_t)i;
		if (mi < 0)
			continue;
		s_transfer *t = PUSH(s->transfers, s->n_transfers, s->cap_transfers);
		if (!t) {
			oom = 1;
			break;
		}
		t->member = mi;
		t->date = col_date(q, 1);
		t->from_id = col_str(s, q, 2, &oom);
		t->to_id = col_str(s, q, 3, &oom);
		t->from = t->from_id ? find_cell(s, t->from_id) : -1;
		t->to = t->to_id ? find_cell(s, t->to_id) : -1;
	}
	sqlite3_finalize(q);
	q = NULL;
	if (oom)
		goto done;
	if (s->n_transfers > 1)
		qsort(s->transfers, s->n_transfers, sizeof(s_transfer), cmp_transfer_member);
	if (!(s->stamp = calloc(s->n_members + 1, sizeof(int32_t))) || !(s->extra = malloc((s->n_transfers + 1) * sizeof(int32_t)))) {
		oom = 1;
		goto done;
	}
	if (s->n_owned) /* qsort wants a real array, even for no elements */
		qsort(s->owned, s->n_owned, sizeof(s_owned), cmp_owned);
	for (size_t i = 0; i < s->n_owned && !oom;) {
		size_t end = i;
		while (end < s->n_owned && s->owned[end].kind == s->owned[i].kind && s->owned[end].by_cell == s->owned[i].by_cell)
			end++;
		s_run *run = PUSH(s->runs, s->n_runs, s->cap_runs);
		if (!run)
			oom = 1;
		else
			*run = (s_run){i, end};
		i = end;
	}
done:
	sqlite3_finalize(q);
	free(ix);
	if (oom && !err)
		err = bt__oom();
	if (err)
		snapshot_free(s);
	return err;
}

/* ---- assembling one cell ---- */

typedef struct {
	arena mem;
	const bt_record **v;
	size_t n, cap;
} cell_out;

static bt_record *out_new(cell_out *o, bt_kind kind)
{
	if (grow((void **)&o->v, &o->cap, o->n + 1, sizeof(*o->v)) < 0)
		return NULL;
	bt_record *r = arena_alloc(&o->mem, sizeof(*r));
	if (!r) {
		bt__oom();
		return NULL;
	}
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->born = r->joined = r->left = r->from = r->to = r->date = BT_DATE_NONE;
	r->done = BT_OPEN;
	r->month = -1;
	o->v[o->n++] = r;
	return r;
}

static int cmp_att(const void *a, const void *b)
{
	return strcmp(((const bt_attendance *)a)->member, ((const bt_attendance *)b)->member);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The transfers of member mi: [*first, *first + count) in s->transfers. */
static size_t transfers_of(const snapshot *s, int32_t mi, size_t *first)
{
	size_t lo = 0, hi = s->n_transfers;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->transfers[mid].member < mi)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (hi < s->n_transfers && s->transfers[hi].member == mi)
		hi++;
	return hi - lo;
}

static int add_member(cell_out *o, const snapshot *s, int32_t mi)
{
	const s_member *m = &s->members[mi];
	bt_record *r = out_new(o, BT_KIND_MEMBER);
	size_t first, n;
	if (!r)
		return BT_ENOMEM;
	r->id = (char *)m->id;
	r->cell = (char *)(m->cell ? m->cell : "");
	r->name = (char *)m->name;
	r->born = m->born;
	r->status = (bt_member_status)m->status;
	r->role = (bt_member_role)m->role;
	r->joined = m->joined;
	r->left = m->left;
	for (int32_t k = 0; k < s->dues_count[mi]; k++) {
		const s_dues *d = &s->dues[s->dues_first[mi] + k];
		if (!(r = out_new(o, BT_KIND_DUES)))
			return BT_ENOMEM;
		r->member = (char *)m->id;
		r->month = d->month;
		r->date = d->paid_on;
	}
	n = transfers_of(s, mi, &first);
	for (size_t k = 0; k < n; k++) {
		const s_transfer *t = &s->transfers[first + k];
		if (!(r = out_new(o, BT_KIND_TRANSFER)))
			return BT_ENOMEM;
		r->member = (char *)m->id;
		r->date = t->date;
		r->cell_from = (char *)t->from_id;
		r->cell_to = (char *)t->to_id;
	}
	return 0;
}

/*
 * The cell's records. Its members are those in it now (by_cell) and those
 * moved out of it (s->extra, n_extra): the evaluation decides from the
 * transfers who was in the cell when. s->stamp marks them for this cell.
 */
static int assemble(cell_out *o, snapshot *s, int c, size_t *n_extra)
{
	const s_cell *cell = &s->cells[c];
	bt_record *r;
	int err;

	arena_reset(&o->mem);
	o->n = 0;
	*n_extra = 0;
	if (!(r = out_new(o, BT_KIND_CELL)))
		return BT_ENOMEM;
	r->id = (char *)cell->id;
	r->committee = (char *)cell->committee;
	r->name = (char *)cell->name;
	for (size_t i = 0; i < cell->n_members; i++)
		s->stamp[s->by_cell[cell->first_member + i]] = c + 1;
	for (size_t i = 0; i < s->n_transfers; i++) {
		const s_transfer *t = &s->transfers[i];
		if ((t->from == c || t->to == c) && s->stamp[t->member] != c + 1) {
			s->stamp[t->member] = c + 1;
			s->extra[(*n_extra)++] = t->member;
		}
	}
	for (size_t i = 0; i < cell->n_members; i++)
		if ((err = add_member(o, s, s->by_cell[cell->first_member + i])) < 0)
			return err;
	for (size_t i = 0; i < *n_extra; i++)
		if ((err = add_member(o, s, s->extra[i])) < 0)
			return err;
	for (size_t i = 0; i < cell->n_meetings; i++) {
		const s_meeting *m = &s->meetings[s->meetings_by_cell[cell->first_meeting + i]];
		if (!(r = out_new(o, BT_KIND_MEETING)))
			return BT_ENOMEM;
		r->id = (char *)m->id;
		r->cell = (char *)cell->id;
		r->date = m->date;
		r->start_minute = m->start;
		r->end_minute = m->end;
		r->flags = (unsigned)m->flags;
		if (!m->att_count)
			continue;
		bt_attendance *a = arena_alloc(&o->mem, m->att_count * sizeof(*a));
		char **sp = arena_alloc(&o->mem, m->att_count * sizeof(*sp));
		if (!a || !sp)
			return bt__oom();
		size_t n = 0, n_sp = 0;
		for (size_t k = 0; k < m->att_count; k++) {
			const s_mark *mk = &s->att[m->att_first + k];
			/* A mark for someone not of this cell, now or before: the evaluation ignores it anyway. */
			if (s->stamp[mk->member] != c + 1)
				continue;
			a[n].member = (char *)s->members[mk->member].id;
			a[n++].status = (bt_attendance_status)(mk->status & 3);
			if (mk->status & BT_ATTENDANCE_SPOKE)
				sp[n_sp++] = (char *)s->members[mk->member].id;
		}
		qsort(a, n, sizeof(*a), cmp_att);
		qsort(sp, n_sp, sizeof(*sp), cmp_str);
		r->attendance = a;
		r->n_attendance = n;
		r->speakers = sp;
		r->n_speakers = n_sp;
	}
	return 0;
}

/* Append, as records, the owned rows of `owner` in the run [first, end) (sorted by owner). */
static int add_run(cell_out *o, const snapshot *s, size_t first, size_t end, int owner)
{
	size_t lo = first, hi = end;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->owned[mid].owner < owner)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < end && s->owned[lo].owner == owner; lo++) {
		const s_owned *w = &s->owned[lo];
		bt_record *r = out_new(o, (bt_kind)w->kind);
		if (!r)
			return BT_ENOMEM;
		char *who = (char *)(w->by_cell ? s->cells[owner].id : s->members[owner].id);
		switch (w->kind) {
		case BT_KIND_EXEMPTION:
			r->member = who;
			r->from = w->date;
			r->to = w->date2;
			break;
		case BT_KIND_TARGET:
			r->cell = who;
			r->id = (char *)w->text;
			r->year = w->year;
			r->done = w->flag;
			break;
		case BT_KIND_REGULATION:
			r->cell = who;
			r->date = w->date;
			break;
		case BT_KIND_COMMITMENT:
			r->member = who;
			r->id = (char *)w->text;
			r->year = w->year;
			r->done = w->flag;
			break;
		case BT_KIND_DISCIPLINE:
			r->member = who;
			r->date = w->date;
			r->text = (char *)w->text;
			break;
		case BT_KIND_ATTESTATION:
			r->subject = who;
			r->year = w->year;
			memcpy(r->criterion, w->criterion, sizeof(r->criterion));
			r->pass = w->flag;
			break;
		}
	}
	return 0;
}

/* The small records of cell c and its members: one binary search per run and owner. */
static int add_owned(cell_out *o, const snapshot *s, int c, size_t n_extra)
{
	const s_cell *cell = &s->cells[c];
	int err;
	for (size_t r = 0; r < s->n_runs; r++) {
		const s_run *run = &s->runs[r];
		if (s->owned[run->first].by_cell) {
			if ((err = add_run(o, s, run->first, run->end, c)) < 0)
				return err;
		} else {
			for (size_t m = 0; m < cell->n_members; m++)
				if ((err = add_run(o, s, run->first, run->end, s->by_cell[cell->first_member + m])) < 0)
					return err;
			for (size_t m = 0; m < n_extra; m++)
				if ((err = add_run(o, s, run->first, run->end, s->extra[m])) < 0)
					return err;
		}
	}
	return 0;
}

/* ---- public ---- */

struct bt_cell_records {
	snapshot snap;
	cell_out out;
};

int bt_store_load_cell(bt_cell_records **out, bt_store *st, const char *cell_id, int year)
{
	bt_cell_records *cr;
	int err, c;
	*out = NULL;
	if (!(cr = calloc(1, sizeof(*cr))))
		return bt__oom();
	if ((err = snapshot_load(&cr->snap, st, year)) < 0) {
		free(cr);
		return err;
	}
	if ((c = find_cell(&cr->snap, cell_id)) < 0)
		err = bt__error_set(BT_ENOTFOUND, BT_("no cell \"%.64s\""), cell_id);
	else {
		size_t n_extra;
		if ((err = assemble(&cr->out, &cr->snap, c, &n_extra)) == 0)
			err = add_owned(&cr->out, &cr->snap, c, n_extra);
	}
	if (err < 0) {
		bt_cell_records_free(cr);
		return err;
	}
	*out = cr;
	return 0;
}

const bt_record *const *bt_cell_records_list(const bt_cell_records *cr, size_t *count)
{
	*count = cr->out.n;
	return cr->out.v;
}

void bt_cell_records_free(bt_cell_records *cr)
{
	if (!cr)
		return;
	snapshot_free(&cr->snap);
	arena_free(&cr->out.mem);
	free(cr->out.v);
	free(cr);
}

int bt_store_calendar(bt_store *s, bt_calendar **out)
{
	bt_calendar *cal = NULL;
	sqlite3_stmt *st = NULL;
	int err, rc;
	*out = NULL;
	if ((err = bt_calendar_new(&cal)) < 0)
		return err;
	if (sqlite3_prepare_v2(s->db, "SELECT date, working, note FROM holiday ORDER BY date", -1, &st, NULL) != SQLITE_OK) {
		err = bt_store__db_error(s, BT_EIO, BT_("reading the holidays"));
		goto done;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((err = bt_calendar_set_override(cal, bt_store__int_date(sqlite3_column_int64(st, 0)),
						    sqlite3_column_int(st, 1), (const char *)sqlite3_column_text(st, 2))) < 0)
			goto done;
	if (rc != SQLITE_DONE) {
		err = bt_store__db_error(s, BT_EIO, BT_("reading the holidays"));
		goto done;
	}
	*out = cal;
	cal = NULL;
done:
	sqlite3_finalize(st);
	bt_calendar_free(cal);
	return err;
}

int bt_store_each_cell(bt_store *s, int year, const char *cell_id,
		       int (*each)(const char *cell_id, const bt_record *const *records, size_t count, void *payload),
		       void *payload)
{
	snapshot snap;
	cell_out out;
	int err;

	memset(&out, 0, sizeof(out));
	/* One read transaction: every table is read from the same snapshot. */
	if ((err = bt_store__exec(s, "BEGIN")) < 0)
		return err;
	err = snapshot_load(&snap, s, year);
	/* The data is in memory: end the read transaction before the (long) work on it. */
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (err < 0)
		return err;
	int first = 0, last = (int)snap.n_cells;
	if (cell_id) {
		if ((first = find_cell(&snap, cell_id)) < 0) {
			err = bt__error_set(BT_ENOTFOUND, BT_("no cell \"%.64s\""), cell_id);
			goto done;
		}
		last = first + 1;
	}
	for (int c = first; c < last && err == 0; c++) {
		size_t n_extra;
		if ((err = assemble(&out, &snap, c, &n_extra)) < 0 || (err = add_owned(&out, &snap, c, n_extra)) < 0)
			break;
		err = each(snap.cells[c].id, out.v, out.n, payload);
	}
done:
	snapshot_free(&snap);
	arena_free(&out.mem);
	free(out.v);
	return err;
}

typedef struct {
	const bt_eval_opts *opts;
	int (*each)(const bt_cell_result *result, void *payload);
	void *payload;
} eval_ctx;

static int eval_one(const char *cell_id, const bt_record *const *records, size_t count, void *payload)
{
	eval_ctx *e = payload;
	bt_cell_result *res = NULL;
	int err = bt_eval_cell(&res, records, count, cell_id, e->opts);
	if (err == 0)
		err = e->each(res, e->payload);
	bt_cell_result_free(res);
	return err;
}

int bt_store_evaluate(bt_store *s, const bt_eval_opts *opts, const char *cell_id,
		      int (*each)(const bt_cell_result *result, void *payload), void *payload)
{
	bt_calendar *own_cal = NULL;
	bt_eval_opts o;
	int err;
	if (!opts || opts->version != BT_EVAL_OPTS_VERSION)
		return bt__error_set(BT_EINVALID, BT_("invalid evaluation options"));
	o = *opts;
	if (!o.calendar) {
		if ((err = bt_store_calendar(s, &own_cal)) < 0)
			return err;
		o.calendar = own_cal;
	}
	eval_ctx e = {&o, each, payload};
	err = bt_store_each_cell(s, o.year, cell_id, eval_one, &e);
	bt_calendar_free(own_cal);
	return err;
}
