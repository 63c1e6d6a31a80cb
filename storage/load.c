/*
 * load.c - read the projections back as records for the evaluation, and the
 * store-wide evaluation loop.
 *
 * One query per table, each ordered by cell id, stepped in lockstep: for
 * each cell (in id order) every cursor hands over its rows for that cell and
 * stops at the next. So a whole province is read in a few sequential passes
 * (no query per cell), and only one cell's records are in memory at a time.
 * Records are built in an arena that is reset for each cell: no malloc per
 * row. They must never be passed to bt_record_free.
 */
#include "error.h"
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
		/* Append so that reset reuses every block in order. */
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

/* ---- the queries ---- */

enum {
	Q_MEMBERS, Q_EXEMPTIONS, Q_MEETINGS, Q_ATTENDANCE, Q_DUES, Q_TARGETS, Q_REGULATIONS,
	Q_COMMITMENTS, Q_DISCIPLINE, Q_CELL_ATTESTATIONS, Q_MEMBER_ATTESTATIONS, Q_COUNT
};

/*
 * Column 0 of each is the cell id; rows of one cell are contiguous and cells
 * come in id order (the indexes on cell make these scans, not sorts).
 * ?1 and ?2 bound the year as YYYYMMDD.
 */
static const char *const sql[Q_COUNT] = {
	"SELECT cell, mid, id, name, born, status, role, joined, left FROM member ORDER BY cell, id",
	"SELECT m.cell, e.member, e.from_date, e.to_date, e.reason FROM member m JOIN exemption e ON e.member = m.id"
	" ORDER BY m.cell, m.id",
	"SELECT cell, mtid, id, date, start, end, flags FROM meeting WHERE date BETWEEN ?1 AND ?2"
	" ORDER BY cell, date, mtid",
	"SELECT t.cell, a.meeting, a.member, a.status FROM meeting t JOIN attendance a ON a.meeting = t.mtid"
	" WHERE t.date BETWEEN ?1 AND ?2 ORDER BY t.cell, t.date, t.mtid",
	"SELECT m.cell, m.mid, d.month, d.amount, d.paid_on FROM member m JOIN dues d ON d.member = m.mid"
	" WHERE d.month BETWEEN ?1 / 100 AND ?2 / 100 ORDER BY m.cell, m.id",
	"SELECT cell, id, year, title, done FROM target WHERE year BETWEEN ?1 / 10000 AND ?2 / 10000 ORDER BY cell, id",
	"SELECT cell, issued FROM regulation ORDER BY cell, issued",
	"SELECT m.cell, c.id, c.member, c.year, c.title, c.fulfilled FROM member m JOIN commitment c ON c.member = m.id"
	" WHERE c.year BETWEEN ?1 / 10000 AND ?2 / 10000 ORDER BY m.cell, c.id",
	"SELECT m.cell, d.member, d.date, d.form FROM member m JOIN discipline d ON d.member = m.id"
	" WHERE d.date BETWEEN ?1 AND ?2 ORDER BY m.cell, m.id, d.date",
	"SELECT subject, subject, year, criterion, pass, note FROM attestation WHERE criterion = '1.3'"
	" AND year BETWEEN ?1 / 10000 AND ?2 / 10000 ORDER BY subject",
	"SELECT m.cell, a.subject, a.year, a.criterion, a.pass, a.note FROM member m JOIN attestation a"
	" ON a.subject = m.id WHERE a.criterion <> '1.3' AND a.year BETWEEN ?1 / 10000 AND ?2 / 10000"
	" ORDER BY m.cell, m.id, a.criterion",
};

typedef struct {
	int64_t id; /* mid or mtid */
	bt_record *rec;
} id_slot;

typedef struct {
	bt_store *s;
	sqlite3_stmt *q[Q_COUNT];
	int state[Q_COUNT]; /* SQLITE_ROW: a row is waiting; SQLITE_DONE: finished */
	arena mem;
	const bt_record **v;
	size_t n, cap;
	id_slot *members, *meetings;
	size_t n_members, n_meetings, cap_members, cap_meetings;
	bt_attendance *att; /* scratch for one meeting's marks */
	char **spk;
	size_t cap_att, cap_spk;
} loader;

static void loader_free(loader *l)
{
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(l->q[i]);
	arena_free(&l->mem);
	free(l->v);
	free(l->members);
	free(l->meetings);
	free(l->att);
	free(l->spk);
}

static int step(loader *l, int q)
{
	l->state[q] = sqlite3_step(l->q[q]);
	if (l->state[q] != SQLITE_ROW && l->state[q] != SQLITE_DONE)
		return bt_store__db_error(l->s, BT_EIO, "đọc kho dữ liệu");
	return 0;
}

static int loader_init(loader *l, bt_store *s, int year)
{
	int err;
	int64_t lo = year ? (int64_t)year * 10000 + 101 : 0, hi = year ? (int64_t)year * 10000 + 1231 : 99991231;
	memset(l, 0, sizeof(*l));
	l->s = s;
	for (int i = 0; i < Q_COUNT; i++) {
		if (sqlite3_prepare_v2(s->db, sql[i], -1, &l->q[i], NULL) != SQLITE_OK) {
			err = bt_store__db_error(s, BT_EIO, "chuẩn bị câu lệnh đọc");
			goto fail;
		}
		if (sqlite3_bind_parameter_count(l->q[i]) >= 2) {
			sqlite3_bind_int64(l->q[i], 1, lo);
			sqlite3_bind_int64(l->q[i], 2, hi);
		}
		if ((err = step(l, i)) < 0)
			goto fail;
	}
	return 0;
fail:
	loader_free(l);
	return err;
}

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

static bt_record *new_record(loader *l, bt_kind kind)
{
	if (grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v)) < 0)
		return NULL;
	bt_record *r = arena_alloc(&l->mem, sizeof(*r));
	if (!r) {
		bt__oom();
		return NULL;
	}
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->born = r->joined = r->left = r->from = r->to = r->date = BT_DATE_NONE;
	r->done = BT_OPEN;
	r->month = -1;
	l->v[l->n++] = r;
	return r;
}

/* Copy column i into the arena; NULL stays NULL. Sets *oom on failure. */
static char *text(loader *l, sqlite3_stmt *st, int i, int *oom)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	const char *t = (const char *)sqlite3_column_text(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);
	char *c = arena_alloc(&l->mem, n + 1);
	if (!c || !t) {
		*oom = 1;
		return NULL;
	}
	memcpy(c, t, n);
	c[n] = '\0';
	return c;
}

static bt_date col_date(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? BT_DATE_NONE : bt_store__int_date(sqlite3_column_int64(st, i));
}

static int col_tri(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? BT_OPEN : sqlite3_column_int(st, i);
}

/* 1 when query q's waiting row belongs to `cell`; rows of earlier (unknown) cells are skipped. */
static int at_cell(loader *l, int q, const char *cell, int *err)
{
	while (l->state[q] == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(l->q[q], 0);
		int d = strcmp(c ? c : "", cell);
		if (d == 0)
			return 1;
		if (d > 0)
			return 0;
		if ((*err = step(l, q)) < 0)
			return 0;
	}
	return 0;
}

static bt_record *find_slot(id_slot *v, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (v[mid].id == id)
			return v[mid].rec;
		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int cmp_slot(const void *a, const void *b)
{
	const id_slot *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

static int cmp_att(const void *a, const void *b)
{
	return strcmp(((const bt_attendance *)a)->member, ((const bt_attendance *)b)->member);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Load every record of `cell` from the cursors into l->v (arena reset first). */
static int load_cell(loader *l, const char *cell_id, const char *committee, const char *name)
{
	int err = 0, oom = 0;
	bt_record *r;
	sqlite3_stmt *st;

	arena_reset(&l->mem);
	l->n = l->n_members = l->n_meetings = 0;
	if (!(r = new_record(l, BT_KIND_CELL)))
		return BT_ENOMEM;
	r->id = arena_alloc(&l->mem, strlen(cell_id) + 1);
	r->committee = committee ? arena_alloc(&l->mem, strlen(committee) + 1) : NULL;
	r->name = name ? arena_alloc(&l->mem, strlen(name) + 1) : NULL;
	if (!r->id || (committee && !r->committee) || (name && !r->name))
		return bt__oom();
	strcpy(r->id, cell_id);
	if (committee)
		strcpy(r->committee, committee);
	if (name)
		strcpy(r->name, name);
	const char *cell = r->id;

	for (st = l->q[Q_MEMBERS]; !err && !oom && at_cell(l, Q_MEMBERS, cell_id, &err); err = step(l, Q_MEMBERS)) {
		if (!(r = new_record(l, BT_KIND_MEMBER)) ||
		    grow((void **)&l->members, &l->cap_members, l->n_members + 1, sizeof(id_slot)) < 0)
			return BT_ENOMEM;
		l->members[l->n_members].id = sqlite3_column_int64(st, 1);
		l->members[l->n_members++].rec = r;
		r->cell = (char *)cell;
		r->id = text(l, st, 2, &oom);
		r->name = text(l, st, 3, &oom);
		r->born = col_date(st, 4);
		r->status = (bt_member_status)sqlite3_column_int(st, 5);
		r->role = (bt_member_role)sqlite3_column_int(st, 6);
		r->joined = col_date(st, 7);
		r->left = col_date(st, 8);
	}
	qsort(l->members, l->n_members, sizeof(id_slot), cmp_slot);
	for (st = l->q[Q_EXEMPTIONS]; !err && !oom && at_cell(l, Q_EXEMPTIONS, cell_id, &err); err = step(l, Q_EXEMPTIONS)) {
		if (!(r = new_record(l, BT_KIND_EXEMPTION)))
			return BT_ENOMEM;
		r->member = text(l, st, 1, &oom);
		r->from = col_date(st, 2);
		r->to = col_date(st, 3);
		r->text = text(l, st, 4, &oom);
	}
	for (st = l->q[Q_MEETINGS]; !err && !oom && at_cell(l, Q_MEETINGS, cell_id, &err); err = step(l, Q_MEETINGS)) {
		if (!(r = new_record(l, BT_KIND_MEETING)) ||
		    grow((void **)&l->meetings, &l->cap_meetings, l->n_meetings + 1, sizeof(id_slot)) < 0)
			return BT_ENOMEM;
		l->meetings[l->n_meetings].id = sqlite3_column_int64(st, 1);
		l->meetings[l->n_meetings++].rec = r;
		r->cell = (char *)cell;
		r->id = text(l, st, 2, &oom);
		r->date = col_date(st, 3);
		r->start_minute = sqlite3_column_int(st, 4);
		r->end_minute = sqlite3_column_int(st, 5);
		r->flags = (unsigned)sqlite3_column_int(st, 6);
	}
	qsort(l->meetings, l->n_meetings, sizeof(id_slot), cmp_slot);
	/* Attendance arrives grouped by meeting; member ids come from the cell's members. */
	st = l->q[Q_ATTENDANCE];
	while (!err && !oom && at_cell(l, Q_ATTENDANCE, cell_id, &err)) {
		int64_t mtid = sqlite3_column_int64(st, 1);
		bt_record *mt = find_slot(l->meetings, l->n_meetings, mtid);
		size_t k = 0, n_spk = 0;
		while (!err && l->state[Q_ATTENDANCE] == SQLITE_ROW && sqlite3_column_int64(st, 1) == mtid) {
			bt_record *m = find_slot(l->members, l->n_members, sqlite3_column_int64(st, 2));
			int status = sqlite3_column_int(st, 3);
			/* A mark for someone no longer in this cell: the evaluation ignores it anyway. */
			if (m) {
				if (grow((void **)&l->att, &l->cap_att, k + 1, sizeof(bt_attendance)) < 0 ||
				    grow((void **)&l->spk, &l->cap_spk, n_spk + 1, sizeof(char *)) < 0)
					return BT_ENOMEM;
				l->att[k].member = m->id;
				l->att[k++].status = (bt_attendance_status)(status & 3);
				if (status & BT_ATTENDANCE_SPOKE)
					l->spk[n_spk++] = m->id;
			}
			err = step(l, Q_ATTENDANCE);
		}
		if (!mt || !k)
			continue;
		qsort(l->att, k, sizeof(bt_attendance), cmp_att);
		qsort(l->spk, n_spk, sizeof(char *), cmp_str);
		if (!(mt->attendance = arena_alloc(&l->mem, k * sizeof(bt_attendance))) ||
		    (n_spk && !(mt->speakers = arena_alloc(&l->mem, n_spk * sizeof(char *)))))
			return bt__oom();
		memcpy(mt->attendance, l->att, k * sizeof(bt_attendance));
		mt->n_attendance = k;
		if (n_spk)
			memcpy(mt->speakers, l->spk, n_spk * sizeof(char *));
		mt->n_speakers = n_spk;
	}
	for (st = l->q[Q_DUES]; !err && !oom && at_cell(l, Q_DUES, cell_id, &err); err = step(l, Q_DUES)) {
		bt_record *m = find_slot(l->members, l->n_members, sqlite3_column_int64(st, 1));
		if (!m)
			continue;
		if (!(r = new_record(l, BT_KIND_DUES)))
			return BT_ENOMEM;
		int ym = sqlite3_column_int(st, 2);
		r->member = m->id;
		r->month = (ym / 100) * 12 + ym % 100 - 1;
		r->amount = sqlite3_column_int64(st, 3);
		r->date = col_date(st, 4);
	}
	for (st = l->q[Q_TARGETS]; !err && !oom && at_cell(l, Q_TARGETS, cell_id, &err); err = step(l, Q_TARGETS)) {
		if (!(r = new_record(l, BT_KIND_TARGET)))
			return BT_ENOMEM;
		r->cell = (char *)cell;
		r->id = text(l, st, 1, &oom);
		r->year = sqlite3_column_int(st, 2);
		r->text = text(l, st, 3, &oom);
		r->done = col_tri(st, 4);
	}
	for (st = l->q[Q_REGULATIONS]; !err && !oom && at_cell(l, Q_REGULATIONS, cell_id, &err); err = step(l, Q_REGULATIONS)) {
		if (!(r = new_record(l, BT_KIND_REGULATION)))
			return BT_ENOMEM;
		r->cell = (char *)cell;
		r->date = col_date(st, 1);
	}
	for (st = l->q[Q_COMMITMENTS]; !err && !oom && at_cell(l, Q_COMMITMENTS, cell_id, &err); err = step(l, Q_COMMITMENTS)) {
		if (!(r = new_record(l, BT_KIND_COMMITMENT)))
			return BT_ENOMEM;
		r->id = text(l, st, 1, &oom);
		r->member = text(l, st, 2, &oom);
		r->year = sqlite3_column_int(st, 3);
		r->text = text(l, st, 4, &oom);
		r->done = col_tri(st, 5);
	}
	for (st = l->q[Q_DISCIPLINE]; !err && !oom && at_cell(l, Q_DISCIPLINE, cell_id, &err); err = step(l, Q_DISCIPLINE)) {
		if (!(r = new_record(l, BT_KIND_DISCIPLINE)))
			return BT_ENOMEM;
		r->member = text(l, st, 1, &oom);
		r->date = col_date(st, 2);
		r->text = text(l, st, 3, &oom);
	}
	for (int q = Q_CELL_ATTESTATIONS; q <= Q_MEMBER_ATTESTATIONS && !err && !oom; q++) {
		for (st = l->q[q]; !err && !oom && at_cell(l, q, cell_id, &err); err = step(l, q)) {
			if (!(r = new_record(l, BT_KIND_ATTESTATION)))
				return BT_ENOMEM;
			r->subject = text(l, st, 1, &oom);
			r->year = sqlite3_column_int(st, 2);
			const char *c = (const char *)sqlite3_column_text(st, 3);
			bt__copy_utf8(r->criterion, sizeof(r->criterion), c ? c : "");
			r->pass = sqlite3_column_int(st, 4);
			r->text = text(l, st, 5, &oom);
		}
	}
	if (oom && !err)
		err = bt__oom();
	return err;
}

/* ---- public ---- */

struct bt_cell_records {
	loader l;
};

int bt_store_load_cell(bt_cell_records **out, bt_store *s, const char *cell_id, int year)
{
	bt_cell_records *cr;
	sqlite3_stmt *st = NULL;
	int err;
	*out = NULL;
	if (!(cr = calloc(1, sizeof(*cr))))
		return bt__oom();
	if ((err = loader_init(&cr->l, s, year)) < 0) {
		free(cr);
		return err;
	}
	if (sqlite3_prepare_v2(s->db, "SELECT committee, name FROM cell WHERE id = ?1", -1, &st, NULL) != SQLITE_OK) {
		err = bt_store__db_error(s, BT_EIO, "đọc chi bộ");
		goto done;
	}
	sqlite3_bind_text(st, 1, cell_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		err = bt__error_set(BT_ENOTFOUND, "không có chi bộ \"%.64s\"", cell_id);
		goto done;
	}
	if (rc != SQLITE_ROW) {
		err = bt_store__db_error(s, BT_EIO, "đọc chi bộ");
		goto done;
	}
	err = load_cell(&cr->l, cell_id, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1));
done:
	sqlite3_finalize(st);
	if (err < 0) {
		bt_cell_records_free(cr);
		return err;
	}
	*out = cr;
	return 0;
}

const bt_record *const *bt_cell_records_list(const bt_cell_records *cr, size_t *count)
{
	*count = cr->l.n;
	return cr->l.v;
}

void bt_cell_records_free(bt_cell_records *cr)
{
	if (!cr)
		return;
	loader_free(&cr->l);
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
		err = bt_store__db_error(s, BT_EIO, "đọc ngày nghỉ");
		goto done;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((err = bt_calendar_set_override(cal, bt_store__int_date(sqlite3_column_int64(st, 0)),
						    sqlite3_column_int(st, 1), (const char *)sqlite3_column_text(st, 2))) < 0)
			goto done;
	if (rc != SQLITE_DONE) {
		err = bt_store__db_error(s, BT_EIO, "đọc ngày nghỉ");
		goto done;
	}
	*out = cal;
	cal = NULL;
done:
	sqlite3_finalize(st);
	bt_calendar_free(cal);
	return err;
}

int bt_store_evaluate(bt_store *s, const bt_eval_opts *opts, const char *cell_id,
		      int (*each)(const bt_cell_result *result, void *payload), void *payload)
{
	loader l;
	bt_calendar *own_cal = NULL;
	bt_eval_opts o;
	sqlite3_stmt *cells = NULL;
	int err, rc = SQLITE_DONE, began = 0, any = 0;

	if (!opts || opts->version != BT_EVAL_OPTS_VERSION)
		return bt__error_set(BT_EINVALID, "tùy chọn đánh giá không hợp lệ");
	o = *opts;
	/* One read transaction: every cell sees the same snapshot. */
	if ((err = bt_store__exec(s, "BEGIN")) < 0)
		return err;
	began = 1;
	if ((err = loader_init(&l, s, o.year)) < 0)
		goto done_noloader;
	if (!o.calendar) {
		if ((err = bt_store_calendar(s, &own_cal)) < 0)
			goto done;
		o.calendar = own_cal;
	}
	if (sqlite3_prepare_v2(s->db, "SELECT id, committee, name FROM cell ORDER BY id", -1, &cells, NULL) != SQLITE_OK) {
		err = bt_store__db_error(s, BT_EIO, "đọc danh sách chi bộ");
		goto done;
	}
	while ((rc = sqlite3_step(cells)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(cells, 0);
		bt_cell_result *res = NULL;
		/* Every cursor moves past the cell even when only one cell is wanted. */
		if ((err = load_cell(&l, id, (const char *)sqlite3_column_text(cells, 1),
				     (const char *)sqlite3_column_text(cells, 2))) < 0)
			break;
		if (cell_id && strcmp(cell_id, id) != 0)
			continue;
		any = 1;
		err = bt_eval_cell(&res, l.v, l.n, l.v[0]->id, &o);
		if (err == 0)
			err = each(res, payload);
		bt_cell_result_free(res);
		if (err < 0)
			break;
	}
	if (err == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = bt_store__db_error(s, BT_EIO, "đọc danh sách chi bộ");
	if (err == 0 && cell_id && !any)
		err = bt__error_set(BT_ENOTFOUND, "không có chi bộ \"%.64s\"", cell_id);
done:
	loader_free(&l);
done_noloader:
	if (began)
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(cells);
	bt_calendar_free(own_cal);
	return err;
}
