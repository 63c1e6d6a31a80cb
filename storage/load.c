/*
 * load.c - read one cell's records back from the projections for the
 * evaluation, and the store-wide evaluation loop (one cell in memory at a
 * time, so memory stays bounded by the largest cell).
 */
#include "error.h"
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

enum {
	L_CELL, L_MEMBERS, L_EXEMPTIONS, L_MEETINGS, L_ATTENDANCE, L_SPEAKERS, L_DUES, L_TARGETS, L_REGULATIONS,
	L_COMMITMENTS, L_DISCIPLINE, L_ATTESTATIONS, L_COUNT
};

/* ?1 is the cell id; ?2 and ?3 bound the year (YYYYMMDD, or YYYYMM for dues, or the year). */
static const char *const load_sql[L_COUNT] = {
	"SELECT id, committee, name FROM cell WHERE id = ?1",
	"SELECT id, name, born, status, role, joined, left FROM member WHERE cell = ?1 ORDER BY id",
	"SELECT e.member, e.from_date, e.to_date, e.reason FROM exemption e JOIN member m ON m.id = e.member"
	" WHERE m.cell = ?1 ORDER BY e.member, e.from_date",
	"SELECT mtid, id, date, start, end, flags FROM meeting WHERE cell = ?1 AND date BETWEEN ?2 AND ?3"
	" ORDER BY mtid",
	"SELECT a.meeting, m.id, a.status FROM meeting t JOIN attendance a ON a.meeting = t.mtid"
	" JOIN member m ON m.mid = a.member WHERE t.cell = ?1 AND t.date BETWEEN ?2 AND ?3 ORDER BY a.meeting, m.id",
	"SELECT s.meeting, m.id FROM meeting t JOIN speaker s ON s.meeting = t.mtid"
	" JOIN member m ON m.mid = s.member WHERE t.cell = ?1 AND t.date BETWEEN ?2 AND ?3 ORDER BY s.meeting, m.id",
	"SELECT m.id, d.month, d.amount, d.paid_on FROM member m JOIN dues d ON d.member = m.mid"
	" WHERE m.cell = ?1 AND d.month BETWEEN ?2 / 100 AND ?3 / 100",
	"SELECT id, year, title, done FROM target WHERE cell = ?1 AND year BETWEEN ?2 / 10000 AND ?3 / 10000 ORDER BY id",
	"SELECT issued FROM regulation WHERE cell = ?1 ORDER BY issued",
	"SELECT c.id, c.member, c.year, c.title, c.fulfilled FROM commitment c JOIN member m ON m.id = c.member"
	" WHERE m.cell = ?1 AND c.year BETWEEN ?2 / 10000 AND ?3 / 10000 ORDER BY c.id",
	"SELECT d.member, d.date, d.form FROM discipline d JOIN member m ON m.id = d.member"
	" WHERE m.cell = ?1 AND d.date BETWEEN ?2 AND ?3 ORDER BY d.member, d.date",
	"SELECT subject, year, criterion, pass, note FROM attestation WHERE year BETWEEN ?2 / 10000 AND ?3 / 10000 AND"
	" ((criterion = '1.3' AND subject = ?1) OR"
	" (criterion <> '1.3' AND subject IN (SELECT id FROM member WHERE cell = ?1)))"
	" ORDER BY subject, criterion",
};

typedef struct {
	bt_store *s;
	sqlite3_stmt *st[L_COUNT];
} loader;

static void loader_free(loader *l)
{
	for (int i = 0; i < L_COUNT; i++)
		sqlite3_finalize(l->st[i]);
}

static int loader_init(loader *l, bt_store *s)
{
	memset(l, 0, sizeof(*l));
	l->s = s;
	for (int i = 0; i < L_COUNT; i++)
		if (sqlite3_prepare_v2(s->db, load_sql[i], -1, &l->st[i], NULL) != SQLITE_OK) {
			int err = bt_store__db_error(s, BT_EIO, "chuẩn bị câu lệnh đọc");
			loader_free(l);
			return err;
		}
	return 0;
}

typedef struct {
	bt_record **v;
	size_t n, cap;
} rec_list;

static bt_record *push(rec_list *L, bt_kind kind)
{
	if (L->n == L->cap) {
		size_t cap = L->cap ? L->cap * 2 : 64;
		bt_record **v = realloc(L->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		L->v = v;
		L->cap = cap;
	}
	bt_record *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->kind = kind;
	r->born = r->joined = r->left = r->from = r->to = r->date = BT_DATE_NONE;
	r->done = BT_OPEN;
	r->month = -1;
	L->v[L->n++] = r;
	return r;
}

void bt_records_free(bt_record **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		bt_record_free(v[i]);
	free(v);
}

static char *col_text(sqlite3_stmt *st, int i, int *oom)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	const char *t = (const char *)sqlite3_column_text(st, i);
	char *c = t ? strdup(t) : NULL;
	if (!c)
		*oom = 1;
	return c;
}

static bt_date col_date(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? BT_DATE_NONE : bt_store__int_date(sqlite3_column_int64(st, i));
}

static int col_tri(sqlite3_stmt *st, int i) { return sqlite3_column_type(st, i) == SQLITE_NULL ? BT_OPEN : sqlite3_column_int(st, i); }

/* Meetings are loaded in mtid order; attendance and speakers come sorted by (meeting, member id). */
typedef struct {
	int64_t mtid;
	bt_record *rec;
} meeting_slot;

static bt_record *slot_find(meeting_slot *slots, size_t n, int64_t mtid)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (slots[mid].mtid == mtid)
			return slots[mid].rec;
		if (slots[mid].mtid < mtid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int load(loader *l, const char *cell, int year, bt_record ***out, size_t *count)
{
	rec_list L = {0};
	meeting_slot *slots = NULL;
	size_t n_slots = 0, cap_slots = 0;
	int err = 0, oom = 0, rc = SQLITE_DONE, found = 0;
	int64_t lo = year ? (int64_t)year * 10000 + 101 : 0, hi = year ? (int64_t)year * 10000 + 1231 : 99991231;
	bt_record *r;

	for (int q = 0; q < L_COUNT && !err && !oom; q++) {
		sqlite3_stmt *st = l->st[q];
		sqlite3_bind_text(st, 1, cell, -1, SQLITE_STATIC);
		if (sqlite3_bind_parameter_count(st) >= 2) {
			sqlite3_bind_int64(st, 2, lo);
			if (sqlite3_bind_parameter_count(st) >= 3)
				sqlite3_bind_int64(st, 3, hi);
		}
		while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			switch (q) {
			case L_CELL:
				if (!(r = push(&L, BT_KIND_CELL))) {
					oom = 1;
					break;
				}
				found = 1;
				r->id = col_text(st, 0, &oom);
				r->committee = col_text(st, 1, &oom);
				r->name = col_text(st, 2, &oom);
				break;
			case L_MEMBERS:
				if (!(r = push(&L, BT_KIND_MEMBER))) {
					oom = 1;
					break;
				}
				r->id = col_text(st, 0, &oom);
				r->cell = strdup(cell);
				oom |= !r->cell;
				r->name = col_text(st, 1, &oom);
				r->born = col_date(st, 2);
				r->status = (bt_member_status)sqlite3_column_int(st, 3);
				r->role = (bt_member_role)sqlite3_column_int(st, 4);
				r->joined = col_date(st, 5);
				r->left = col_date(st, 6);
				break;
			case L_EXEMPTIONS:
				if (!(r = push(&L, BT_KIND_EXEMPTION))) {
					oom = 1;
					break;
				}
				r->member = col_text(st, 0, &oom);
				r->from = col_date(st, 1);
				r->to = col_date(st, 2);
				r->text = col_text(st, 3, &oom);
				break;
			case L_MEETINGS:
				if (!(r = push(&L, BT_KIND_MEETING))) {
					oom = 1;
					break;
				}
				if (n_slots == cap_slots) {
					size_t cap = cap_slots ? cap_slots * 2 : 32;
					meeting_slot *ns = realloc(slots, cap * sizeof(*ns));
					if (!ns) {
						oom = 1;
						break;
					}
					slots = ns;
					cap_slots = cap;
				}
				slots[n_slots].mtid = sqlite3_column_int64(st, 0);
				slots[n_slots++].rec = r;
				r->id = col_text(st, 1, &oom);
				r->cell = strdup(cell);
				oom |= !r->cell;
				r->date = col_date(st, 2);
				r->start_minute = sqlite3_column_int(st, 3);
				r->end_minute = sqlite3_column_int(st, 4);
				r->flags = (unsigned)sqlite3_column_int(st, 5);
				break;
			case L_ATTENDANCE:
			case L_SPEAKERS: {
				bt_record *mt = slot_find(slots, n_slots, sqlite3_column_int64(st, 0));
				if (!mt)
					break;
				char *id = col_text(st, 1, &oom);
				if (!id)
					break;
				if (q == L_ATTENDANCE) {
					bt_attendance *a = realloc(mt->attendance, (mt->n_attendance + 1) * sizeof(*a));
					if (!a) {
						free(id);
						oom = 1;
						break;
					}
					mt->attendance = a;
					a[mt->n_attendance].member = id;
					a[mt->n_attendance++].status = (bt_attendance_status)sqlite3_column_int(st, 2);
				} else {
					char **sp = realloc(mt->speakers, (mt->n_speakers + 1) * sizeof(*sp));
					if (!sp) {
						free(id);
						oom = 1;
						break;
					}
					mt->speakers = sp;
					sp[mt->n_speakers++] = id;
				}
				break;
			}
			case L_DUES: {
				if (!(r = push(&L, BT_KIND_DUES))) {
					oom = 1;
					break;
				}
				int ym = sqlite3_column_int(st, 1);
				r->member = col_text(st, 0, &oom);
				r->month = (ym / 100) * 12 + ym % 100 - 1;
				r->amount = sqlite3_column_int64(st, 2);
				r->date = col_date(st, 3);
				break;
			}
			case L_TARGETS:
				if (!(r = push(&L, BT_KIND_TARGET))) {
					oom = 1;
					break;
				}
				r->id = col_text(st, 0, &oom);
				r->cell = strdup(cell);
				oom |= !r->cell;
				r->year = sqlite3_column_int(st, 1);
				r->text = col_text(st, 2, &oom);
				r->done = col_tri(st, 3);
				break;
			case L_REGULATIONS:
				if (!(r = push(&L, BT_KIND_REGULATION))) {
					oom = 1;
					break;
				}
				r->cell = strdup(cell);
				oom |= !r->cell;
				r->date = col_date(st, 0);
				break;
			case L_COMMITMENTS:
				if (!(r = push(&L, BT_KIND_COMMITMENT))) {
					oom = 1;
					break;
				}
				r->id = col_text(st, 0, &oom);
				r->member = col_text(st, 1, &oom);
				r->year = sqlite3_column_int(st, 2);
				r->text = col_text(st, 3, &oom);
				r->done = col_tri(st, 4);
				break;
			case L_DISCIPLINE:
				if (!(r = push(&L, BT_KIND_DISCIPLINE))) {
					oom = 1;
					break;
				}
				r->member = col_text(st, 0, &oom);
				r->date = col_date(st, 1);
				r->text = col_text(st, 2, &oom);
				break;
			case L_ATTESTATIONS: {
				if (!(r = push(&L, BT_KIND_ATTESTATION))) {
					oom = 1;
					break;
				}
				r->subject = col_text(st, 0, &oom);
				r->year = sqlite3_column_int(st, 1);
				const char *c = (const char *)sqlite3_column_text(st, 2);
				bt__copy_utf8(r->criterion, sizeof(r->criterion), c ? c : "");
				r->pass = sqlite3_column_int(st, 3);
				r->text = col_text(st, 4, &oom);
				break;
			}
			}
		}
		if (!oom && rc != SQLITE_DONE)
			err = bt_store__db_error(l->s, BT_EIO, "đọc kho dữ liệu");
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (q == L_CELL && !found && !err && !oom)
			err = bt__error_set(BT_ENOTFOUND, "không có chi bộ \"%.64s\"", cell);
	}
	free(slots);
	if (oom && !err)
		err = bt__oom();
	if (err) {
		bt_records_free(L.v, L.n);
		return err;
	}
	*out = L.v;
	*count = L.n;
	return 0;
}

int bt_store_load_cell(bt_store *s, const char *cell_id, bt_record ***out, size_t *count)
{
	loader l;
	int err;
	*out = NULL;
	*count = 0;
	if ((err = loader_init(&l, s)) < 0)
		return err;
	err = load(&l, cell_id, 0, out, count);
	loader_free(&l);
	return err;
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
	int err, rc = SQLITE_DONE, began = 0;

	if (!opts || opts->version != BT_EVAL_OPTS_VERSION)
		return bt__error_set(BT_EINVALID, "tùy chọn đánh giá không hợp lệ");
	o = *opts;
	if ((err = loader_init(&l, s)) < 0)
		return err;
	/* One read transaction: every cell sees the same snapshot. */
	if ((err = bt_store__exec(s, "BEGIN")) < 0)
		goto done;
	began = 1;
	if (!o.calendar) {
		if ((err = bt_store_calendar(s, &own_cal)) < 0)
			goto done;
		o.calendar = own_cal;
	}
	if (sqlite3_prepare_v2(s->db, cell_id ? "SELECT id FROM cell WHERE id = ?1" : "SELECT id FROM cell ORDER BY id",
			       -1, &cells, NULL) != SQLITE_OK) {
		err = bt_store__db_error(s, BT_EIO, "đọc danh sách chi bộ");
		goto done;
	}
	if (cell_id)
		sqlite3_bind_text(cells, 1, cell_id, -1, SQLITE_STATIC);
	int any = 0;
	while ((rc = sqlite3_step(cells)) == SQLITE_ROW) {
		bt_record **recs = NULL;
		size_t n = 0;
		bt_cell_result *res = NULL;
		char id[BT_ID_MAX_BYTES + 1];
		bt__copy_utf8(id, sizeof(id), (const char *)sqlite3_column_text(cells, 0));
		any = 1;
		if ((err = load(&l, id, o.year, &recs, &n)) < 0)
			break;
		err = bt_eval_cell(&res, (const bt_record *const *)recs, n, id, &o);
		if (err == 0)
			err = each(res, payload);
		bt_cell_result_free(res);
		bt_records_free(recs, n);
		if (err < 0)
			break;
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, "đọc danh sách chi bộ");
	if (err == 0 && cell_id && !any)
		err = bt__error_set(BT_ENOTFOUND, "không có chi bộ \"%.64s\"", cell_id);
done:
	if (began)
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(cells);
	bt_calendar_free(own_cal);
	loader_free(&l);
	return err;
}
