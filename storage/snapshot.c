/*
 * snapshot.c - the projections read back as records: for the evaluation,
 * the to-do list and the findings (docs/storage.md, "Reading").
 *
 * Reading a province cell by cell with joins costs a B-tree seek per member
 * and per meeting; instead every table is read once, in key order, into
 * compact arrays (the snapshot), and each cell's records are then assembled
 * from the arrays in an arena reset per cell. The same code reads one cell:
 * each query then carries the cell, and the arrays hold that cell's rows.
 * A cell's records are: the cell; the members who have been in it (any
 * member version naming it, any transfer from or to it) with their dues,
 * transfers, exemptions, commitments, discipline and attestations; its
 * meetings with their marks (also of members this store does not know);
 * the dues months of the cell and those listing its members; its targets,
 * regulations and 1.3 attestations. Text the evaluation never reads
 * (titles, notes, reasons) is not loaded.
 */
#include "error.h"
#include "i18n.h"
#include "store_internal.h"

#include <stdio.h>
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

/* ---- the snapshot ---- */

typedef struct {
	const char *id, *committee, *name;
} s_cell;

typedef struct {
	const char *id;
	int has; /* a member record is applied (else only referred to, e.g. by a mark) */
	const char *cell, *name;
	bt_date born, joined, left;
	int status, role;
} s_member;

typedef struct {
	const char *id, *ts, *ref;
	int cell;
	bt_date date;
	int start, end, flags;
	size_t mark_first, mark_count;
} s_meeting;

typedef struct {
	int32_t member;
	int8_t status; /* -1: a speaker without a mark */
	uint8_t spoke;
} s_mark;

typedef struct {
	int32_t member;
	bt_month month;
	bt_date paid_on;
} s_dues;

typedef struct {
	const char *cell, *ts, *ref;
	bt_month month;
	bt_date paid_on;
	int64_t amount;
	char **members;
	size_t n_members;
} s_dm;

typedef struct {
	int32_t member, index; /* a member, and a dues month (or a cell's list entry) naming them */
} s_link;

typedef struct {
	int32_t member;
	bt_date date;
	const char *from, *to;
} s_transfer;

/* A row of a small table, owned by a member or a cell. */
typedef struct {
	uint8_t kind;
	uint8_t by_cell;
	int32_t owner;
	int32_t year;
	int8_t flag; /* done, fulfilled or pass */
	char criterion[4];
	bt_date date, date2;
	const char *text; /* an id (target, commitment) or a discipline's form */
} s_owned;

typedef struct {
	arena mem;
	BT_ARRAY(s_cell) cells;
	BT_ARRAY(s_member) members;
	int32_t *by_mid; /* member_key.mid -> index in members, -1 */
	size_t n_mid;
	int32_t *by_id;  /* member indexes sorted by id */
	BT_ARRAY(s_link) cell_members; /* (member, cell index), sorted by cell */
	BT_ARRAY(s_meeting) meetings;  /* sorted by cell, then mtid */
	int32_t *by_mtid;
	size_t n_mtid;
	BT_ARRAY(s_mark) marks;
	BT_ARRAY(s_dues) dues;         /* sorted by member */
	BT_ARRAY(s_dm) dms;
	BT_ARRAY(s_link) dm_links;     /* (member, dues month), sorted by member */
	BT_ARRAY(s_transfer) transfers; /* sorted by member, date */
	BT_ARRAY(s_owned) owned;       /* sorted by by_cell, owner, kind */
	int32_t *dm_stamp;             /* per dues month: the cell being assembled + 1 */
} snapshot;

static void snapshot_free(snapshot *s)
{
	arena_free(&s->mem);
	free(s->cells.v);
	free(s->members.v);
	free(s->by_mid);
	free(s->by_id);
	free(s->cell_members.v);
	free(s->meetings.v);
	free(s->by_mtid);
	free(s->marks.v);
	free(s->dues.v);
	free(s->dms.v);
	free(s->dm_links.v);
	free(s->transfers.v);
	free(s->owned.v);
	free(s->dm_stamp);
	memset(s, 0, sizeof(*s));
}

static const char *col_str(snapshot *s, sqlite3_stmt *st, int i, int *oom)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	char *c = arena_strdup(&s->mem, t ? t : "");
	if (!c)
		*oom = 1;
	return c;
}

static int find_cell(const snapshot *s, const char *id)
{
	size_t lo = 0, hi = s->cells.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(s->cells.v[mid].id, id);
		if (d == 0)
			return (int)mid;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int32_t find_member(const snapshot *s, const char *id)
{
	size_t lo = 0, hi = s->members.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(s->members.v[s->by_id[mid]].id, id);
		if (d == 0)
			return s->by_id[mid];
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static const snapshot *sort_ctx;
static int cmp_by_id(const void *a, const void *b)
{
	return strcmp(sort_ctx->members.v[*(const int32_t *)a].id, sort_ctx->members.v[*(const int32_t *)b].id);
}

static int cmp_link(const void *a, const void *b)
{
	const s_link *x = a, *y = b;
	if (x->member != y->member)
		return x->member < y->member ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

static int cmp_cell_link(const void *a, const void *b)
{
	const s_link *x = a, *y = b;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return (x->member > y->member) - (x->member < y->member);
}

static int cmp_meeting(const void *a, const void *b)
{
	const s_meeting *x = a, *y = b;
	if (x->cell != y->cell)
		return x->cell < y->cell ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int cmp_transfer(const void *a, const void *b)
{
	const s_transfer *x = a, *y = b;
	if (x->member != y->member)
		return x->member < y->member ? -1 : 1;
	return (x->date > y->date) - (x->date < y->date);
}

static int cmp_dues(const void *a, const void *b)
{
	const s_dues *x = a, *y = b;
	if (x->member != y->member)
		return x->member < y->member ? -1 : 1;
	return (x->month > y->month) - (x->month < y->month);
}

static int cmp_owned(const void *a, const void *b)
{
	const s_owned *x = a, *y = b;
	if (x->by_cell != y->by_cell)
		return x->by_cell - y->by_cell;
	if (x->owner != y->owner)
		return x->owner < y->owner ? -1 : 1;
	return x->kind - y->kind;
}

/*
 * Each query in two forms: the whole store, and one cell (?3). ?1 and ?2
 * bound the year (dates YYYYMMDD; the form divides for months and years).
 */
#define MEMBERS_OF_CELL "SELECT k.mid FROM member_key k JOIN member_cell c ON c.member = k.id WHERE c.cell = ?3"
static const struct {
	const char *all, *one;
} sql[] = {
	{"SELECT id, committee, name FROM cell ORDER BY id", "SELECT id, committee, name FROM cell WHERE id = ?3"},
	{"SELECT k.mid, k.id, m.mid IS NOT NULL, m.cell, m.name, m.born, m.status, m.role, m.joined, m.left"
	 " FROM member_key k LEFT JOIN member m ON m.mid = k.mid ORDER BY k.mid",
	 "SELECT k.mid, k.id, m.mid IS NOT NULL, m.cell, m.name, m.born, m.status, m.role, m.joined, m.left"
	 " FROM member_key k LEFT JOIN member m ON m.mid = k.mid WHERE k.mid IN (" MEMBERS_OF_CELL
	 "   UNION SELECT member FROM mark WHERE meeting IN (SELECT mtid FROM meeting WHERE cell = ?3)"
	 "   UNION SELECT member FROM dues_month_member WHERE cell = ?3) ORDER BY k.mid"},
	{"SELECT member, cell FROM member_cell", "SELECT member, cell FROM member_cell WHERE cell = ?3"},
	{"SELECT mtid, id, cell, date, start, end, flags, ts, ref FROM meeting WHERE date BETWEEN ?1 AND ?2",
	 "SELECT mtid, id, cell, date, start, end, flags, ts, ref FROM meeting WHERE cell = ?3 AND date BETWEEN ?1 AND ?2"},
	{"SELECT meeting, member, status, spoke FROM mark",
	 "SELECT meeting, member, status, spoke FROM mark WHERE meeting IN (SELECT mtid FROM meeting WHERE cell = ?3)"},
	{"SELECT member, month, paid_on FROM dues WHERE month BETWEEN ?1 / 100 AND ?2 / 100",
	 "SELECT member, month, paid_on FROM dues WHERE month BETWEEN ?1 / 100 AND ?2 / 100 AND member IN (" MEMBERS_OF_CELL ")"},
	{"SELECT cell, month, amount, paid_on, members, ts, ref FROM dues_month WHERE month BETWEEN ?1 / 100 AND ?2 / 100",
	 "SELECT cell, month, amount, paid_on, members, ts, ref FROM dues_month WHERE month BETWEEN ?1 / 100 AND ?2 / 100"
	 " AND (cell = ?3 OR EXISTS(SELECT 1 FROM dues_month_member d WHERE d.cell = dues_month.cell AND d.month = dues_month.month"
	 "   AND d.member IN (" MEMBERS_OF_CELL ")))"},
	{"SELECT member, date, from_cell, to_cell FROM transfer",
	 "SELECT member, date, from_cell, to_cell FROM transfer WHERE member IN (SELECT member FROM member_cell WHERE cell = ?3)"},
};
enum { Q_CELLS, Q_MEMBERS, Q_MEMBER_CELLS, Q_MEETINGS, Q_MARKS, Q_DUES, Q_DUES_MONTHS, Q_TRANSFERS };

#define OWNED_MEMBER "member IN (SELECT member FROM member_cell WHERE cell = ?3)"
static const struct {
	bt_kind kind;
	const char *all, *one;
} small[] = {
	{BT_KIND_EXEMPTION, "SELECT member, from_date, to_date FROM exemption",
	 "SELECT member, from_date, to_date FROM exemption WHERE " OWNED_MEMBER},
	{BT_KIND_TARGET, "SELECT cell, id, year, done FROM target WHERE year BETWEEN ?1 / 10000 AND ?2 / 10000",
	 "SELECT cell, id, year, done FROM target WHERE cell = ?3 AND year BETWEEN ?1 / 10000 AND ?2 / 10000"},
	{BT_KIND_REGULATION, "SELECT cell, issued FROM regulation", "SELECT cell, issued FROM regulation WHERE cell = ?3"},
	{BT_KIND_COMMITMENT, "SELECT member, id, year, fulfilled FROM commitment WHERE year BETWEEN ?1 / 10000 AND ?2 / 10000",
	 "SELECT member, id, year, fulfilled FROM commitment WHERE year BETWEEN ?1 / 10000 AND ?2 / 10000 AND " OWNED_MEMBER},
	{BT_KIND_DISCIPLINE, "SELECT member, date, form FROM discipline WHERE date BETWEEN ?1 AND ?2",
	 "SELECT member, date, form FROM discipline WHERE date BETWEEN ?1 AND ?2 AND " OWNED_MEMBER},
	{BT_KIND_ATTESTATION, "SELECT subject, year, criterion, pass FROM attestation WHERE year BETWEEN ?1 / 10000 AND ?2 / 10000",
	 "SELECT subject, year, criterion, pass FROM attestation WHERE year BETWEEN ?1 / 10000 AND ?2 / 10000"
	 " AND (subject = ?3 OR subject IN (SELECT member FROM member_cell WHERE cell = ?3))"},
};

/* A one-cell query is prepared once per store (a sync reads a cell per batch); a whole-store one each time. */
static int prepare(bt_store *st, sqlite3_stmt **q, const char *all, const char *one, int year, const char *cell)
{
	*q = NULL;
	if (cell) {
		for (int i = 0; i < st->n_snap && !*q; i++)
			if (st->snap[i].sql == one)
				*q = st->snap[i].st;
		if (!*q && st->n_snap < (int)(sizeof(st->snap) / sizeof(st->snap[0]))) {
			if (sqlite3_prepare_v3(st->db, one, -1, SQLITE_PREPARE_PERSISTENT, q, NULL) != SQLITE_OK)
				return bt_store__db_error(st, BT_EIO, N_("preparing a read statement"));
			st->snap[st->n_snap].sql = one;
			st->snap[st->n_snap++].st = *q;
		}
	}
	if (!*q && sqlite3_prepare_v2(st->db, cell ? one : all, -1, q, NULL) != SQLITE_OK)
		return bt_store__db_error(st, BT_EIO, N_("preparing a read statement"));
	int64_t lo = year ? (int64_t)year * 10000 + 101 : 0, hi = year ? (int64_t)year * 10000 + 1231 : 99991231;
	int n = sqlite3_bind_parameter_count(*q);
	if (n >= 2) {
		sqlite3_bind_int64(*q, 1, lo);
		sqlite3_bind_int64(*q, 2, hi);
	}
	if (cell && n >= 3)
		sqlite3_bind_text(*q, 3, cell, -1, SQLITE_STATIC);
	return 0;
}

/* Split a tab-separated list into arena strings. */
static char **split_ids(snapshot *s, const char *text, size_t *n, int *oom)
{
	size_t count = *text ? 1 : 0;
	for (const char *p = text; *p; p++)
		count += *p == '\t';
	char **v = arena_alloc(&s->mem, (count + 1) * sizeof(char *));
	*n = 0;
	if (!v) {
		*oom = 1;
		return NULL;
	}
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\t");
		char *c = arena_alloc(&s->mem, len + 1);
		if (!c) {
			*oom = 1;
			return v;
		}
		memcpy(c, p, len);
		c[len] = '\0';
		v[(*n)++] = c;
		p += len;
		if (*p == '\t')
			p++;
	}
	return v;
}

/* Done with a query: a kept one is reset, another finalized. */
static void release(bt_store *st, sqlite3_stmt **q)
{
	for (int i = 0; *q && i < st->n_snap; i++)
		if (st->snap[i].st == *q) {
			sqlite3_reset(*q);
			sqlite3_clear_bindings(*q);
			*q = NULL;
		}
	sqlite3_finalize(*q);
	*q = NULL;
}

static int snapshot_load(snapshot *s, bt_store *st, int year, const char *cell)
{
	sqlite3_stmt *q = NULL;
	int err = 0, oom = 0, rc = SQLITE_DONE;
	int64_t max_mid = 0, max_mtid = 0;

	memset(s, 0, sizeof(*s));
#define STEP_ROWS(query) for (; !oom && !err && (rc = sqlite3_step(query)) == SQLITE_ROW;)
#define END_QUERY()                                                                                                    \
	do {                                                                                                           \
		if (!oom && !err && rc != SQLITE_DONE)                                                                 \
			err = bt_store__db_error(st, BT_EIO, BT_("reading the store"));                                \
		release(st, &q);                                                                                       \
		if (oom || err)                                                                                        \
			goto done;                                                                                     \
	} while (0)

	/* Cells, by id. */
	if ((err = prepare(st, &q, sql[Q_CELLS].all, sql[Q_CELLS].one, year, cell)) < 0)
		goto done;
	STEP_ROWS(q)
	{
		s_cell *c = BT_PUSH(&s->cells);
		if (!c) {
			oom = 1;
			break;
		}
		c->id = col_str(s, q, 0, &oom);
		c->committee = col_str(s, q, 1, &oom);
		c->name = col_str(s, q, 2, &oom);
	}
	END_QUERY();

	/* Members, and every id a mark or a dues month names. */
	if ((err = prepare(st, &q, sql[Q_MEMBERS].all, sql[Q_MEMBERS].one, year, cell)) < 0)
		goto done;
	BT_ARRAY(int64_t) mids = {0};
	STEP_ROWS(q)
	{
		s_member *m = BT_PUSH(&s->members);
		int64_t *mid = BT_PUSH(&mids);
		if (!m || !mid) {
			oom = 1;
			break;
		}
		memset(m, 0, sizeof(*m));
		*mid = sqlite3_column_int64(q, 0);
		if (*mid < 1 || *mid > INT32_MAX) {
			err = bt__error_set(BT_ECORRUPT, BT_("the member table is damaged (mid %lld)"), (long long)*mid);
			break;
		}
		if (*mid > max_mid)
			max_mid = *mid;
		m->id = col_str(s, q, 1, &oom);
		m->has = sqlite3_column_int(q, 2);
		if (m->has) {
			m->cell = col_str(s, q, 3, &oom);
			m->name = col_str(s, q, 4, &oom);
			m->born = bt_store__col_date(q, 5);
			m->status = sqlite3_column_int(q, 6);
			m->role = sqlite3_column_int(q, 7);
			m->joined = bt_store__col_date(q, 8);
			m->left = bt_store__col_date(q, 9);
		}
	}
	if (!oom && !err && rc != SQLITE_DONE)
		err = bt_store__db_error(st, BT_EIO, BT_("reading the store"));
	release(st, &q);
	if (!oom && !err) {
		s->n_mid = (size_t)max_mid + 1;
		if (!(s->by_mid = malloc(s->n_mid * sizeof(int32_t))) || !(s->by_id = malloc((s->members.n + 1) * sizeof(int32_t))))
			oom = 1;
		else {
			memset(s->by_mid, 0xff, s->n_mid * sizeof(int32_t));
			for (size_t i = 0; i < s->members.n; i++) {
				s->by_mid[mids.v[i]] = (int32_t)i;
				s->by_id[i] = (int32_t)i;
			}
			sort_ctx = s;
			qsort(s->by_id, s->members.n, sizeof(int32_t), cmp_by_id);
			sort_ctx = NULL;
		}
	}
	free(mids.v);
	if (oom || err)
		goto done;

	/* Who has been in which cell. */
	if ((err = prepare(st, &q, sql[Q_MEMBER_CELLS].all, sql[Q_MEMBER_CELLS].one, year, cell)) < 0)
		goto done;
	STEP_ROWS(q)
	{
		int32_t m = find_member(s, (const char *)sqlite3_column_text(q, 0));
		int c = find_cell(s, (const char *)sqlite3_column_text(q, 1));
		if (m < 0 || c < 0)
			continue;
		s_link *l = BT_PUSH(&s->cell_members);
		if (!l) {
			oom = 1;
			break;
		}
		l->member = m;
		l->index = c;
	}
	END_QUERY();
	if (s->cell_members.n > 1)
		qsort(s->cell_members.v, s->cell_members.n, sizeof(s_link), cmp_cell_link);

	/* Meetings of the year, and their marks. */
	if ((err = prepare(st, &q, sql[Q_MEETINGS].all, sql[Q_MEETINGS].one, year, cell)) < 0)
		goto done;
	BT_ARRAY(int64_t) mtids = {0};
	STEP_ROWS(q)
	{
		int c = find_cell(s, (const char *)sqlite3_column_text(q, 2));
		if (c < 0)
			continue;
		s_meeting *m = BT_PUSH(&s->meetings);
		int64_t *mt = BT_PUSH(&mtids);
		if (!m || !mt) {
			oom = 1;
			break;
		}
		memset(m, 0, sizeof(*m));
		*mt = sqlite3_column_int64(q, 0);
		if (*mt < 1 || *mt > INT32_MAX) {
			err = bt__error_set(BT_ECORRUPT, BT_("the meeting table is damaged"));
			break;
		}
		if (*mt > max_mtid)
			max_mtid = *mt;
		m->id = col_str(s, q, 1, &oom);
		m->cell = c;
		m->date = bt_store__col_date(q, 3);
		m->start = sqlite3_column_int(q, 4);
		m->end = sqlite3_column_int(q, 5);
		m->flags = sqlite3_column_int(q, 6);
		m->ts = col_str(s, q, 7, &oom);
		m->ref = col_str(s, q, 8, &oom);
		m->mark_first = (size_t)(mtids.n - 1); /* until sorted: the index of its mtid */
	}
	if (!oom && !err && rc != SQLITE_DONE)
		err = bt_store__db_error(st, BT_EIO, BT_("reading the store"));
	release(st, &q);
	if (!oom && !err && s->meetings.n) {
		/* Sort by cell and id; keep mtid -> index. */
		int64_t *mt_of = malloc(s->meetings.n * sizeof(int64_t));
		if (!mt_of)
			oom = 1;
		else {
			for (size_t i = 0; i < s->meetings.n; i++)
				mt_of[i] = mtids.v[s->meetings.v[i].mark_first];
			/* Carry the mtid through the sort in mark_first. */
			for (size_t i = 0; i < s->meetings.n; i++)
				s->meetings.v[i].mark_first = (size_t)mt_of[i];
			qsort(s->meetings.v, s->meetings.n, sizeof(s_meeting), cmp_meeting);
			s->n_mtid = (size_t)max_mtid + 1;
			if (!(s->by_mtid = malloc(s->n_mtid * sizeof(int32_t))))
				oom = 1;
			else {
				memset(s->by_mtid, 0xff, s->n_mtid * sizeof(int32_t));
				for (size_t i = 0; i < s->meetings.n; i++) {
					s->by_mtid[s->meetings.v[i].mark_first] = (int32_t)i;
					s->meetings.v[i].mark_first = 0;
				}
			}
			free(mt_of);
		}
	}
	free(mtids.v);
	if (oom || err)
		goto done;
	if (s->meetings.n) {
		if ((err = prepare(st, &q, sql[Q_MARKS].all, sql[Q_MARKS].one, year, cell)) < 0)
			goto done;
		int64_t current = -1;
		STEP_ROWS(q)
		{
			int64_t mtid = sqlite3_column_int64(q, 0), mid = sqlite3_column_int64(q, 1);
			if (mtid < 0 || (size_t)mtid >= s->n_mtid || s->by_mtid[mtid] < 0)
				continue; /* another year */
			if (mid < 0 || (size_t)mid >= s->n_mid || s->by_mid[mid] < 0)
				continue;
			s_meeting *m = &s->meetings.v[s->by_mtid[mtid]];
			if (mtid != current) {
				current = mtid;
				m->mark_first = s->marks.n;
				m->mark_count = 0;
			}
			s_mark *k = BT_PUSH(&s->marks);
			if (!k) {
				oom = 1;
				break;
			}
			k->member = s->by_mid[mid];
			k->status = sqlite3_column_type(q, 2) == SQLITE_NULL ? -1 : (int8_t)sqlite3_column_int(q, 2);
			k->spoke = (uint8_t)sqlite3_column_int(q, 3);
			m->mark_count++;
		}
		END_QUERY();
	}

	/* Dues of the year, by member. */
	if ((err = prepare(st, &q, sql[Q_DUES].all, sql[Q_DUES].one, year, cell)) < 0)
		goto done;
	STEP_ROWS(q)
	{
		int64_t mid = sqlite3_column_int64(q, 0);
		if (mid < 0 || (size_t)mid >= s->n_mid || s->by_mid[mid] < 0)
			continue;
		s_dues *d = BT_PUSH(&s->dues);
		if (!d) {
			oom = 1;
			break;
		}
		d->member = s->by_mid[mid];
		d->month = bt_store__int_month(sqlite3_column_int64(q, 1));
		d->paid_on = bt_store__col_date(q, 2);
	}
	END_QUERY();
	if (s->dues.n > 1)
		qsort(s->dues.v, s->dues.n, sizeof(s_dues), cmp_dues);

	/* Dues months, and the members each names. */
	if ((err = prepare(st, &q, sql[Q_DUES_MONTHS].all, sql[Q_DUES_MONTHS].one, year, cell)) < 0)
		goto done;
	STEP_ROWS(q)
	{
		s_dm *d = BT_PUSH(&s->dms);
		if (!d) {
			oom = 1;
			break;
		}
		d->cell = col_str(s, q, 0, &oom);
		d->month = bt_store__int_month(sqlite3_column_int64(q, 1));
		d->amount = sqlite3_column_int64(q, 2);
		d->paid_on = bt_store__col_date(q, 3);
		d->members = split_ids(s, (const char *)sqlite3_column_text(q, 4), &d->n_members, &oom);
		d->ts = col_str(s, q, 5, &oom);
		d->ref = col_str(s, q, 6, &oom);
		for (size_t k = 0; !oom && k < d->n_members; k++) {
			int32_t m = find_member(s, d->members[k]);
			if (m < 0)
				continue;
			s_link *l = BT_PUSH(&s->dm_links);
			if (!l) {
				oom = 1;
				break;
			}
			l->member = m;
			l->index = (int32_t)(s->dms.n - 1);
		}
	}
	END_QUERY();
	if (s->dm_links.n > 1)
		qsort(s->dm_links.v, s->dm_links.n, sizeof(s_link), cmp_link);
	if (!(s->dm_stamp = calloc(s->dms.n + 1, sizeof(int32_t)))) {
		oom = 1;
		goto done;
	}

	/* Transfers, by member. */
	if ((err = prepare(st, &q, sql[Q_TRANSFERS].all, sql[Q_TRANSFERS].one, year, cell)) < 0)
		goto done;
	STEP_ROWS(q)
	{
		int32_t m = find_member(s, (const char *)sqlite3_column_text(q, 0));
		if (m < 0)
			continue;
		s_transfer *t = BT_PUSH(&s->transfers);
		if (!t) {
			oom = 1;
			break;
		}
		t->member = m;
		t->date = bt_store__col_date(q, 1);
		t->from = col_str(s, q, 2, &oom);
		t->to = col_str(s, q, 3, &oom);
	}
	END_QUERY();
	if (s->transfers.n > 1)
		qsort(s->transfers.v, s->transfers.n, sizeof(s_transfer), cmp_transfer);

	/* Small tables: whole rows, owned by a member or a cell. */
	for (size_t t = 0; t < sizeof(small) / sizeof(small[0]); t++) {
		if ((err = prepare(st, &q, small[t].all, small[t].one, year, cell)) < 0)
			goto done;
		STEP_ROWS(q)
		{
			const char *owner = (const char *)sqlite3_column_text(q, 0);
			bt_kind kind = small[t].kind;
			int by_cell = kind == BT_KIND_TARGET || kind == BT_KIND_REGULATION ||
				      (kind == BT_KIND_ATTESTATION && strcmp((const char *)sqlite3_column_text(q, 2), "1.3") == 0);
			int idx = by_cell ? find_cell(s, owner ? owner : "") : find_member(s, owner ? owner : "");
			if (idx < 0)
				continue;
			s_owned *o = BT_PUSH(&s->owned);
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
				o->date = bt_store__col_date(q, 1);
				o->date2 = bt_store__col_date(q, 2);
				break;
			case BT_KIND_TARGET:
			case BT_KIND_COMMITMENT:
				o->text = col_str(s, q, 1, &oom);
				o->year = sqlite3_column_int(q, 2);
				o->flag = (int8_t)(sqlite3_column_type(q, 3) == SQLITE_NULL ? BT_OPEN : sqlite3_column_int(q, 3));
				break;
			case BT_KIND_REGULATION:
				o->date = bt_store__col_date(q, 1);
				break;
			case BT_KIND_DISCIPLINE:
				o->date = bt_store__col_date(q, 1);
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
		END_QUERY();
	}
	if (s->owned.n > 1)
		qsort(s->owned.v, s->owned.n, sizeof(s_owned), cmp_owned);
#undef STEP_ROWS
#undef END_QUERY
done:
	release(st, &q);
	if (oom && !err)
		err = bt__oom();
	if (err)
		snapshot_free(s);
	return err;
}

/* ---- assembling one cell ---- */

typedef struct {
	arena mem;
	BT_ARRAY(const bt_record *) v;
} cell_out;

static bt_record *out_new(cell_out *o, bt_kind kind)
{
	const bt_record **slot = BT_PUSH(&o->v);
	bt_record *r = slot ? arena_alloc(&o->mem, sizeof(*r)) : NULL;
	if (!r) {
		if (slot)
			o->v.n--;
		bt__oom();
		return NULL;
	}
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->born = r->joined = r->left = r->from = r->to = r->date = BT_DATE_NONE;
	r->done = BT_OPEN;
	r->month = -1;
	*slot = r;
	return r;
}

static int cmp_att(const void *a, const void *b)
{
	return strcmp(((const bt_attendance *)a)->member, ((const bt_attendance *)b)->member);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* [first, end) of the rows of `member` in a sorted array of structs whose first field is the member index. */
#define RANGE_OF(arr, m, first, end)                                                                                   \
	do {                                                                                                           \
		size_t lo_ = 0, hi_ = (arr).n;                                                                         \
		while (lo_ < hi_) {                                                                                    \
			size_t mid_ = lo_ + (hi_ - lo_) / 2;                                                           \
			if ((arr).v[mid_].member < (m))                                                                \
				lo_ = mid_ + 1;                                                                        \
			else                                                                                           \
				hi_ = mid_;                                                                            \
		}                                                                                                      \
		(first) = lo_;                                                                                         \
		while (hi_ < (arr).n && (arr).v[hi_].member == (m))                                                    \
			hi_++;                                                                                         \
		(end) = hi_;                                                                                           \
	} while (0)

static char *month_key(arena *a, const char *who, bt_month month)
{
	char m[BT_MONTH_STR_BYTES], buf[BT_ID_MAX_BYTES * 2 + 16];
	bt_month_format(m, month);
	snprintf(buf, sizeof(buf), "%s\t%s", who, m);
	return arena_strdup(a, buf);
}

static char *date_key(arena *a, const char *who, bt_date date)
{
	char d[BT_DATE_STR_BYTES], buf[BT_ID_MAX_BYTES * 2 + 16];
	bt_date_format(d, date);
	snprintf(buf, sizeof(buf), "%s\t%s", who, d);
	return arena_strdup(a, buf);
}

static int add_owned(cell_out *o, const snapshot *s, int by_cell, int32_t owner)
{
	size_t lo = 0, hi = s->owned.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const s_owned *w = &s->owned.v[mid];
		if (w->by_cell < by_cell || (w->by_cell == by_cell && w->owner < owner))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < s->owned.n && s->owned.v[lo].by_cell == by_cell && s->owned.v[lo].owner == owner; lo++) {
		const s_owned *w = &s->owned.v[lo];
		bt_record *r = out_new(o, (bt_kind)w->kind);
		if (!r)
			return BT_ENOMEM;
		char *who = (char *)(by_cell ? s->cells.v[owner].id : s->members.v[owner].id);
		switch (w->kind) {
		case BT_KIND_EXEMPTION:
			r->member = who;
			r->from = w->date;
			r->to = w->date2;
			break;
		case BT_KIND_TARGET:
			r->cell = who;
			r->id = r->key = (char *)w->text;
			r->year = w->year;
			r->done = w->flag;
			break;
		case BT_KIND_REGULATION:
			r->cell = who;
			r->date = w->date;
			break;
		case BT_KIND_COMMITMENT:
			r->member = who;
			r->id = r->key = (char *)w->text;
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

static int add_dm(cell_out *o, snapshot *s, int32_t i, int c)
{
	s_dm *d = &s->dms.v[i];
	if (s->dm_stamp[i] == c + 1)
		return 0;
	s->dm_stamp[i] = c + 1;
	bt_record *r = out_new(o, BT_KIND_DUES_MONTH);
	if (!r)
		return BT_ENOMEM;
	r->cell = (char *)d->cell;
	r->month = d->month;
	r->date = d->paid_on;
	r->amount = d->amount;
	r->members = d->members;
	r->n_members = d->n_members;
	r->ts = (char *)d->ts;
	r->ref = (char *)d->ref;
	if (!(r->key = month_key(&o->mem, d->cell, d->month)))
		return bt__oom();
	return 0;
}

static int add_member(cell_out *o, snapshot *s, int32_t mi, int c)
{
	const s_member *m = &s->members.v[mi];
	bt_record *r;
	size_t first, end;
	int err;
	if (!m->has)
		return 0;
	if (!(r = out_new(o, BT_KIND_MEMBER)))
		return BT_ENOMEM;
	r->id = r->key = (char *)m->id;
	r->cell = (char *)m->cell;
	r->name = (char *)m->name;
	r->born = m->born;
	r->status = (bt_member_status)m->status;
	r->role = (bt_member_role)m->role;
	r->joined = m->joined;
	r->left = m->left;
	RANGE_OF(s->dues, mi, first, end);
	for (size_t k = first; k < end; k++) {
		if (!(r = out_new(o, BT_KIND_DUES)))
			return BT_ENOMEM;
		r->member = (char *)m->id;
		r->month = s->dues.v[k].month;
		r->date = s->dues.v[k].paid_on;
		if (!(r->key = month_key(&o->mem, m->id, r->month)))
			return bt__oom();
	}
	RANGE_OF(s->transfers, mi, first, end);
	for (size_t k = first; k < end; k++) {
		if (!(r = out_new(o, BT_KIND_TRANSFER)))
			return BT_ENOMEM;
		r->member = (char *)m->id;
		r->date = s->transfers.v[k].date;
		r->cell_from = (char *)s->transfers.v[k].from;
		r->cell_to = (char *)s->transfers.v[k].to;
		if (!(r->key = date_key(&o->mem, m->id, r->date)))
			return bt__oom();
	}
	RANGE_OF(s->dm_links, mi, first, end);
	for (size_t k = first; k < end; k++)
		if ((err = add_dm(o, s, s->dm_links.v[k].index, c)) < 0)
			return err;
	return add_owned(o, s, 0, mi);
}

static int assemble(cell_out *o, snapshot *s, int c)
{
	const s_cell *cell = &s->cells.v[c];
	bt_record *r;
	int err;
	size_t lo = 0, hi = s->cell_members.n;

	arena_reset(&o->mem);
	o->v.n = 0;
	if (!(r = out_new(o, BT_KIND_CELL)))
		return BT_ENOMEM;
	r->id = r->key = (char *)cell->id;
	r->committee = (char *)cell->committee;
	r->name = (char *)cell->name;
	/* Members who have been in the cell. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->cell_members.v[mid].index < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < s->cell_members.n && s->cell_members.v[lo].index == c; lo++)
		if ((err = add_member(o, s, s->cell_members.v[lo].member, c)) < 0)
			return err;
	for (size_t i = 0; i < s->dms.n; i++)
		if (strcmp(s->dms.v[i].cell, cell->id) == 0 && (err = add_dm(o, s, (int32_t)i, c)) < 0)
			return err;
	/* Meetings: sorted by cell, then id. */
	lo = 0, hi = s->meetings.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->meetings.v[mid].cell < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < s->meetings.n && s->meetings.v[lo].cell == c; lo++) {
		const s_meeting *m = &s->meetings.v[lo];
		if (!(r = out_new(o, BT_KIND_MEETING)))
			return BT_ENOMEM;
		r->id = r->key = (char *)m->id;
		r->cell = (char *)cell->id;
		r->date = m->date;
		r->start_minute = m->start;
		r->end_minute = m->end;
		r->flags = (unsigned)m->flags;
		r->ts = (char *)m->ts;
		r->ref = (char *)m->ref;
		if (!m->mark_count)
			continue;
		bt_attendance *a = arena_alloc(&o->mem, m->mark_count * sizeof(*a));
		char **sp = arena_alloc(&o->mem, m->mark_count * sizeof(*sp));
		if (!a || !sp)
			return bt__oom();
		size_t n = 0, n_sp = 0;
		for (size_t k = 0; k < m->mark_count; k++) {
			const s_mark *mk = &s->marks.v[m->mark_first + k];
			char *who = (char *)s->members.v[mk->member].id;
			if (mk->status >= 0) {
				a[n].member = who;
				a[n++].status = (bt_attendance_status)(mk->status & 3);
			}
			if (mk->spoke)
				sp[n_sp++] = who;
		}
		qsort(a, n, sizeof(*a), cmp_att);
		qsort(sp, n_sp, sizeof(*sp), cmp_str);
		r->attendance = a;
		r->n_attendance = n;
		r->speakers = sp;
		r->n_speakers = n_sp;
	}
	return add_owned(o, s, 1, c);
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
	if ((err = snapshot_load(&cr->snap, st, year, cell_id)) < 0) {
		free(cr);
		return err;
	}
	if ((c = find_cell(&cr->snap, cell_id)) < 0)
		err = bt__error_set(BT_ENOTFOUND, BT_("no cell \"%.64s\""), cell_id);
	else
		err = assemble(&cr->out, &cr->snap, c);
	if (err < 0) {
		bt_cell_records_free(cr);
		return err;
	}
	*out = cr;
	return 0;
}

const bt_record *const *bt_cell_records_list(const bt_cell_records *cr, size_t *count)
{
	*count = cr->out.v.n;
	return cr->out.v.v;
}

void bt_cell_records_free(bt_cell_records *cr)
{
	if (!cr)
		return;
	snapshot_free(&cr->snap);
	arena_free(&cr->out.mem);
	free(cr->out.v.v);
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

int bt_store__each_cell(bt_store *s, int year, const char *cell_id,
			int (*each)(const char *cell_id, const bt_record *const *records, size_t count, void *payload),
			void *payload)
{
	snapshot snap;
	cell_out out;
	int err;
	memset(&out, 0, sizeof(out));
	if ((err = snapshot_load(&snap, s, year, cell_id)) < 0)
		return err;
	int first = 0, last = (int)snap.cells.n;
	if (cell_id) {
		if ((first = find_cell(&snap, cell_id)) < 0) {
			err = bt__error_set(BT_ENOTFOUND, BT_("no cell \"%.64s\""), cell_id);
			goto done;
		}
		last = first + 1;
	}
	for (int c = first; c < last && err == 0; c++) {
		if ((err = assemble(&out, &snap, c)) < 0)
			break;
		err = each(snap.cells.v[c].id, out.v.v, out.v.n, payload);
	}
done:
	snapshot_free(&snap);
	arena_free(&out.mem);
	free(out.v.v);
	return err;
}

int bt_store_each_cell(bt_store *s, int year, const char *cell_id,
		       int (*each)(const char *cell_id, const bt_record *const *records, size_t count, void *payload),
		       void *payload)
{
	int err;
	/* One read transaction: every table is read from the same snapshot. */
	if (s->in_tx)
		return bt_store__each_cell(s, year, cell_id, each, payload);
	if ((err = bt_store__exec(s, "BEGIN")) < 0)
		return err;
	err = bt_store__each_cell(s, year, cell_id, each, payload);
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return err;
}

typedef struct {
	bt_store *s;
	const bt_eval_opts *opts;
	int (*each)(const bt_cell_result *result, void *payload);
	void *payload;
} eval_ctx;

typedef struct {
	BT_ARRAY(bt_finding) v;
} finding_list;

static int collect_finding(const bt_finding *f, void *payload)
{
	finding_list *l = payload;
	bt_finding *slot = BT_PUSH(&l->v);
	if (!slot)
		return BT_ENOMEM;
	*slot = *f;
	slot->settle_note = NULL;
	return 0;
}

static int eval_one(const char *cell_id, const bt_record *const *records, size_t count, void *payload)
{
	eval_ctx *e = payload;
	bt_cell_result *res = NULL;
	finding_list fl = {{0}};
	bt_findings_query q = BT_FINDINGS_QUERY_INIT;
	int err = bt_eval_cell(&res, records, count, cell_id, e->opts);
	q.cell = cell_id;
	q.year = e->opts->year;
	q.until = e->opts->as_of;
	if (err == 0)
		err = bt_store_findings(e->s, &q, collect_finding, &fl);
	if (err == 0) {
		/* The §6 order: by date, code, id, settled ones included. */
		bt_findings sorted = {fl.v.v, fl.v.n, fl.v.cap};
		bt_findings_sort(&sorted);
		res->findings = fl.v.v;
		res->n_findings = fl.v.n;
		err = e->each(res, e->payload);
	}
	free(fl.v.v);
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
	if (o.as_of == BT_DATE_NONE)
		o.as_of = bt_date_from_ymd(o.year, 12, 31);
	eval_ctx e = {s, &o, each, payload};
	err = bt_store_each_cell(s, o.year, cell_id, eval_one, &e);
	bt_calendar_free(own_cal);
	return err;
}

typedef struct {
	bt_buf *b;
	int first;
} eval_json_out;

static int eval_json_cell(const bt_cell_result *r, void *payload)
{
	eval_json_out *o = payload;
	if (!o->first && bt_buf_put(o->b, ",", 1) < 0)
		return BT_ENOMEM;
	o->first = 0;
	return bt_eval_cell_json(o->b, r);
}

int bt_store_evaluation_json(bt_buf *out, bt_store *s, const bt_eval_opts *opts, const char *cell_id)
{
	eval_json_out o = {out, 1};
	int err;
	if (!opts || opts->version != BT_EVAL_OPTS_VERSION || !opts->rules)
		return bt__error_set(BT_EINVALID, BT_("invalid evaluation options"));
	bt_date as_of = opts->as_of == BT_DATE_NONE ? bt_date_from_ymd(opts->year, 12, 31) : opts->as_of;
	if ((err = bt_eval_json_head(out, opts->year, as_of, opts->rules)) == 0 &&
	    (err = bt_store_evaluate(s, opts, cell_id, eval_json_cell, &o)) == 0)
		err = bt_eval_json_tail(out);
	return err;
}
