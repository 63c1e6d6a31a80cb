/*
 * findings.c - the findings of a cell's records (bontot/findings.h) and the
 * words that explain each one to a secretary. Pure: no I/O, no clock, no
 * global state. The rules are in docs/offline.md.
 */
#include "bontot/findings.h"
#include "bontot/membership.h"
#include "buf.h"
#include "error.h"
#include "sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const code_names[BT_F_COUNT] = {"NOT_IN_CELL",	   "UNMARKED_MEMBER",    "SPEAKER_NOT_PRESENT",
						   "DUPLICATE_MEETING", "CONCURRENT_CHANGE", "OUT_OF_SCOPE"};

const char *bt_finding_code_name(bt_finding_code c) { return c >= 0 && c < BT_F_COUNT ? code_names[c] : NULL; }

void bt_findings_free(bt_findings *f)
{
	free(f->v);
	memset(f, 0, sizeof(*f));
}

/* A key for people and for ids: tabs between its parts become "/". */
static void key_text(char *out, size_t size, const char *key)
{
	size_t n = 0;
	for (; *key && n + 1 < size; key++)
		out[n++] = *key == '\t' ? '/' : *key;
	out[n] = '\0';
}

void bt_finding_make_id(bt_finding *f)
{
	char key[BT_FACT_KEY_BYTES], other[BT_FACT_KEY_BYTES], id[1024];
	const char *kind = bt_kind_name(f->kind) ? bt_kind_name(f->kind) : "";
	key_text(key, sizeof(key), f->key);
	key_text(other, sizeof(other), f->other_key);
	switch (f->code) {
	case BT_F_DUPLICATE_MEETING:
		snprintf(id, sizeof(id), "%s|%s:%s|%s", code_names[f->code], kind, key, other);
		break;
	case BT_F_CONCURRENT_CHANGE:
		snprintf(id, sizeof(id), "%s|%s:%s|%s|%s", code_names[f->code], kind, key, f->field,
			 f->n_records > 1 ? f->records[1] : "");
		break;
	case BT_F_OUT_OF_SCOPE:
		snprintf(id, sizeof(id), "%s|%s", code_names[f->code], f->n_records ? f->records[0] : "");
		break;
	default:
		snprintf(id, sizeof(id), "%s|%s:%s|%s", code_names[f->code], kind, key, f->member);
	}
	bt__copy_utf8(f->id, sizeof(f->id), id);
}

void bt_finding_short_id(char out[BT_FINDING_SHORT_BYTES], const char *id)
{
	uint8_t h[BT_SHA256_BYTES];
	char hex[BT_SHA256_HEX_BYTES];
	if (bt__sha256(h, id, strlen(id)) < 0)
		memset(h, 0, sizeof(h));
	bt__hex(hex, h, sizeof(h));
	memcpy(out, hex, BT_FINDING_SHORT_BYTES - 1);
	out[BT_FINDING_SHORT_BYTES - 1] = '\0';
}

static void vi_date(char out[16], bt_date d)
{
	int y, m, dd;
	if (d == BT_DATE_NONE) {
		snprintf(out, 16, "?");
		return;
	}
	bt_date_to_ymd(d, &y, &m, &dd);
	snprintf(out, 16, "%02d/%02d/%04d", dd, m, y);
}

/* The fact in words ("buổi sinh hoạt M-01", "đảng phí DV-01/2026-03"). */
static void fact_words(char *out, size_t size, bt_kind kind, const char *key)
{
	static const char *const vi[BT_KIND_COUNT + 1] = {
		"", "đảng ủy", "chi bộ", "đảng viên", "miễn sinh hoạt", "ngày nghỉ", "quy chế làm việc", "chỉ tiêu",
		"đăng ký nêu gương", "buổi sinh hoạt", "đảng phí", "kỷ luật", "nhận xét", "chuyển sinh hoạt",
		"đảng phí tháng", "quyết định"};
	char k[BT_FACT_KEY_BYTES];
	key_text(k, sizeof(k), key);
	snprintf(out, size, "%s %s", kind >= 1 && kind <= BT_KIND_COUNT ? vi[kind] : "?", k);
}

void bt_finding_message(char *out, size_t size, const bt_finding *f)
{
	char d[16], fact[BT_FACT_KEY_BYTES + 40], other[BT_FACT_KEY_BYTES];
	vi_date(d, f->date);
	fact_words(fact, sizeof(fact), f->kind, f->key);
	key_text(other, sizeof(other), f->other_key);
	switch (f->code) {
	case BT_F_NOT_IN_CELL:
		if (f->kind == BT_KIND_MEETING)
			snprintf(out, size,
				 "Buổi sinh hoạt %s ngày %s ghi đảng viên %s, nhưng ngày đó đồng chí không thuộc chi bộ %s "
				 "(đã chuyển đi, đã ra khỏi Đảng hoặc chưa vào Đảng): phần ghi này không được tính. Hãy "
				 "kiểm tra ngày chuyển sinh hoạt hoặc sửa buổi sinh hoạt; nếu đúng là vậy, ghi quyết định "
				 "(bontot settle).",
				 f->key, d, f->member, f->cell);
		else if (f->kind == BT_KIND_DUES_MONTH)
			snprintf(out, size,
				 "Đảng phí tháng %s của chi bộ %s ghi cho đảng viên %s, nhưng tháng đó đồng chí không "
				 "thuộc chi bộ: khoản này không được tính. Hãy ghi đảng phí ở chi bộ của đồng chí, hoặc "
				 "sửa danh sách người đóng.",
				 d + 3, f->cell, f->member);
		else if (f->kind == BT_KIND_TRANSFER)
			snprintf(out, size,
				 "Việc chuyển sinh hoạt của đảng viên %s ngày %s ghi vào lúc đồng chí chưa vào Đảng hoặc đã "
				 "ra khỏi Đảng: đồng chí vẫn thuộc chi bộ %s từ ngày vào Đảng. Hãy kiểm tra ngày vào Đảng hoặc "
				 "ngày chuyển sinh hoạt; nếu đúng là vậy, ghi quyết định (bontot settle).",
				 f->member, d, f->cell);
		else
			snprintf(out, size,
				 "Đảng phí tháng %s của đảng viên %s ghi cho tháng trước ngày vào Đảng hoặc sau ngày ra "
				 "khỏi Đảng: khoản này không được tính. Hãy kiểm tra ngày vào Đảng hoặc sửa bản ghi đảng phí.",
				 d + 3, f->member);
		break;
	case BT_F_UNMARKED_MEMBER:
		snprintf(out, size,
			 "Buổi sinh hoạt %s ngày %s chưa điểm danh đảng viên %s, người phải dự ngày đó (có thể vừa "
			 "chuyển đến khi máy chưa đồng bộ): không tính vào tỷ lệ dự họp, không tính là vắng. Hãy bổ "
			 "sung điểm danh (bontot meeting record --correct).",
			 f->key, d, f->member);
		break;
	case BT_F_SPEAKER_NOT_PRESENT:
		snprintf(out, size,
			 "Buổi sinh hoạt %s ngày %s ghi đảng viên %s phát biểu nhưng không ghi có mặt: không tính là "
			 "đã phát biểu. Hãy sửa điểm danh hoặc danh sách người phát biểu.",
			 f->key, d, f->member);
		break;
	case BT_F_DUPLICATE_MEETING:
		snprintf(out, size,
			 "Chi bộ %s có hai buổi sinh hoạt cùng ngày %s (%s và %s): chỉ tính buổi %s. Hãy sửa ngày "
			 "hoặc bỏ bớt một bản ghi, hoặc ghi quyết định (bontot settle).",
			 f->cell, d, f->key, other, other);
		break;
	case BT_F_CONCURRENT_CHANGE:
		snprintf(out, size,
			 "%s: mục \"%s\" được hai thiết bị sửa khác nhau khi chưa đồng bộ với nhau; giữ bản %s, bản %s "
			 "không được dùng. Nếu bản không dùng mới đúng, hãy sửa lại (bontot correct); nếu không, ghi "
			 "quyết định (bontot settle).",
			 fact, f->field, f->n_records ? f->records[0] : "?", f->n_records > 1 ? f->records[1] : "?");
		break;
	case BT_F_OUT_OF_SCOPE:
		snprintf(out, size,
			 "Bản ghi %s (%s) của thiết bị %s nằm ngoài phạm vi chi bộ, vai trò của thiết bị: được lưu "
			 "làm bằng chứng nhưng không áp dụng. Văn phòng cần xem xét và ghi lại nếu đúng.",
			 fact, f->n_records ? f->records[0] : "?", f->device);
		break;
	default:
		snprintf(out, size, "?");
	}
}

/* ---- the cell's findings ---- */

static bt_finding *add(bt_findings *out, bt_finding_code code, const char *cell, const bt_record *about, const char *member,
		       bt_date date, const char *field)
{
	bt_finding *f = BT_PUSH(out);
	if (!f)
		return NULL;
	memset(f, 0, sizeof(*f));
	f->code = code;
	bt__copy_utf8(f->cell, sizeof(f->cell), cell);
	f->kind = about->kind;
	bt__copy_utf8(f->key, sizeof(f->key), about->key ? about->key : "");
	bt__copy_utf8(f->member, sizeof(f->member), member ? member : "");
	f->date = date;
	bt__copy_utf8(f->field, sizeof(f->field), field ? field : "");
	if (about->ref)
		bt__copy_utf8(f->records[f->n_records++], BT_REF_BYTES, about->ref);
	return f;
}

/* The log part of "log#seq". */
static size_t ref_log_len(const char *ref)
{
	const char *h = ref ? strrchr(ref, '#') : NULL;
	return h ? (size_t)(h - ref) : ref ? strlen(ref) : 0;
}

/* >0 when meeting a comes after b in the order that picks the one that counts. */
static int meeting_order(const bt_record *a, const bt_record *b)
{
	int d = strcmp(a->ts ? a->ts : "", b->ts ? b->ts : "");
	if (d)
		return d;
	size_t la = ref_log_len(a->ref), lb = ref_log_len(b->ref);
	d = memcmp(a->ref ? a->ref : "", b->ref ? b->ref : "", la < lb ? la : lb);
	if (d == 0 && la != lb)
		d = la < lb ? -1 : 1;
	if (d)
		return d;
	return strcmp(a->id, b->id);
}

void bt_meetings_duplicates(unsigned char *loses, const bt_record *const *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		loses[i] = 0;
		for (size_t j = 0; j < n && !loses[i]; j++)
			if (j != i && m[j]->date == m[i]->date && meeting_order(m[j], m[i]) > 0)
				loses[i] = 1;
	}
}

static const bt_attendance *mark_of(const bt_record *mt, const char *member)
{
	size_t lo = 0, hi = mt->n_attendance;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(mt->attendance[mid].member, member);
		if (d == 0)
			return &mt->attendance[mid];
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int meeting_findings(bt_findings *out, const bt_roster *roster, const bt_record *mt, const char *cell)
{
	/* Marks and speakers for members not of the cell that day (one finding per member). */
	for (size_t i = 0; i < mt->n_attendance; i++) {
		const bt_membership *m = bt_roster_find(roster, mt->attendance[i].member);
		if ((!m || !bt_membership_in_cell_on(m, cell, mt->date)) &&
		    !add(out, BT_F_NOT_IN_CELL, cell, mt, mt->attendance[i].member, mt->date, "attendance"))
			return BT_ENOMEM;
	}
	for (size_t i = 0; i < mt->n_speakers; i++) {
		const char *who = mt->speakers[i];
		const bt_membership *m = bt_roster_find(roster, who);
		const bt_attendance *a = mark_of(mt, who);
		if (!m || !bt_membership_in_cell_on(m, cell, mt->date)) {
			if (!a && !add(out, BT_F_NOT_IN_CELL, cell, mt, who, mt->date, "speakers"))
				return BT_ENOMEM;
		} else if ((!a || a->status != BT_PRESENT) &&
			   !add(out, BT_F_SPEAKER_NOT_PRESENT, cell, mt, who, mt->date, "speakers")) {
			return BT_ENOMEM;
		}
	}
	/* Members required that day without a mark. */
	for (size_t k = 0; k < bt_roster_size(roster); k++) {
		const bt_membership *m = bt_roster_at(roster, k);
		if (bt_membership_required_on(m, cell, mt->date) && !mark_of(mt, m->member->id) &&
		    !add(out, BT_F_UNMARKED_MEMBER, cell, mt, m->member->id, mt->date, "attendance"))
			return BT_ENOMEM;
	}
	return 0;
}

/* 1 when [lo, hi] lies wholly before the member joined or from the day he left; *at: his first or last day in. */
static int outside_party(const bt_record *member, bt_date lo, bt_date hi, bt_date *at)
{
	if (member->joined != BT_DATE_NONE && hi < member->joined) {
		*at = member->joined;
		return 1;
	}
	if (member->left != BT_DATE_NONE && lo >= member->left) {
		*at = member->left - 1;
		return 1;
	}
	return 0;
}

int bt_findings_cell(bt_findings *out, const bt_record *const *recs, size_t n, const char *cell)
{
	bt_roster *roster = NULL;
	BT_ARRAY(const bt_record *) meetings = {0};
	unsigned char *loses = NULL;
	size_t first = out->n;
	int err;

	if ((err = bt_roster_build(&roster, recs, n)) < 0)
		return err;
	for (size_t i = 0; i < n; i++) {
		const bt_record *r = recs[i];
		const bt_record **slot;
		if (r->kind == BT_KIND_MEETING && strcmp(r->cell, cell) == 0) {
			if (!(slot = BT_PUSH(&meetings))) {
				err = BT_ENOMEM;
				goto done;
			}
			*slot = r;
		}
	}
	if (!(loses = calloc(meetings.n + 1, 1))) {
		err = bt__oom();
		goto done;
	}
	bt_meetings_duplicates(loses, meetings.v, meetings.n);
	for (size_t i = 0; i < meetings.n; i++) {
		const bt_record *mt = meetings.v[i];
		if (!loses[i]) {
			if ((err = meeting_findings(out, roster, mt, cell)) < 0)
				goto done;
			continue;
		}
		/* The meeting that counts on that date. */
		const bt_record *win = NULL;
		for (size_t j = 0; j < meetings.n; j++)
			if (!loses[j] && meetings.v[j]->date == mt->date)
				win = meetings.v[j];
		bt_finding *f = add(out, BT_F_DUPLICATE_MEETING, cell, mt, NULL, mt->date, "date");
		if (!f) {
			err = BT_ENOMEM;
			goto done;
		}
		if (win) {
			f->other_kind = BT_KIND_MEETING;
			bt__copy_utf8(f->other_key, sizeof(f->other_key), win->key);
			if (win->ref && f->n_records < BT_FINDING_RECORDS)
				bt__copy_utf8(f->records[f->n_records++], BT_REF_BYTES, win->ref);
		}
	}
	for (size_t i = 0; i < n; i++) {
		const bt_record *r = recs[i];
		if (r->kind == BT_KIND_DUES_MONTH && strcmp(r->cell, cell) == 0) {
			/* Members listed for a month they were not in the cell at all. */
			bt_date lo = bt_month_first_day(r->month), hi = bt_month_last_day(r->month);
			for (size_t k = 0; k < r->n_members; k++) {
				const bt_membership *m = bt_roster_find(roster, r->members[k]);
				if ((!m || !bt_membership_in_cell_during(m, cell, lo, hi)) &&
				    !add(out, BT_F_NOT_IN_CELL, cell, r, r->members[k], lo, "members")) {
					err = BT_ENOMEM;
					goto done;
				}
			}
		} else if (r->kind == BT_KIND_TRANSFER || r->kind == BT_KIND_DUES) {
			/*
			 * A transfer dated, or dues for a month lying, wholly before joining
			 * or after leaving: raised by the cell the member is in from
			 * joining, or until leaving.
			 */
			const bt_membership *m = bt_roster_find(roster, r->member);
			int dues = r->kind == BT_KIND_DUES;
			bt_date lo = dues ? bt_month_first_day(r->month) : r->date, hi = dues ? bt_month_last_day(r->month) : r->date, at;
			if (!m || !outside_party(m->member, lo, hi, &at) || strcmp(bt_membership_cell_on(m, at), cell) != 0)
				continue;
			if (!add(out, BT_F_NOT_IN_CELL, cell, r, r->member, lo, dues ? "month" : "date")) {
				err = BT_ENOMEM;
				goto done;
			}
		}
	}
	for (size_t i = first; i < out->n; i++)
		bt_finding_make_id(&out->v[i]);
	err = 0;
done:
	free(loses);
	free(meetings.v);
	bt_roster_free(roster);
	return err;
}

static int cmp_finding(const void *a, const void *b)
{
	const bt_finding *x = a, *y = b;
	if (x->date != y->date) {
		if (x->date == BT_DATE_NONE)
			return 1;
		if (y->date == BT_DATE_NONE)
			return -1;
		return x->date < y->date ? -1 : 1;
	}
	if (x->code != y->code)
		return x->code < y->code ? -1 : 1;
	return strcmp(x->id, y->id);
}

void bt_findings_sort(bt_findings *f)
{
	if (f->n > 1)
		qsort(f->v, f->n, sizeof(*f->v), cmp_finding);
}
