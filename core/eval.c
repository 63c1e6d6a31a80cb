/*
 * eval.c - the evaluation engine (docs/evaluation.md): meetings, the
 * cell criteria 1.1-1.4 and the member criteria 2.1-2.4 over one cell's records,
 * for a year and an as-of date. Pure: no I/O, no clock, no global state.
 * Every choice the rules leave open is documented in docs/evaluation.md.
 */
#include "bontot/eval.h"
#include "bontot/findings.h"
#include "bontot/membership.h"
#include "buf.h"
#include "error.h"
#include "i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { C11 = 0, C12, C13, C14 };
enum { C21 = 0, C22, C23, C24 };
#define NO_MARK (-1)

typedef struct {
	const bt_record *rec;
	const bt_membership *ms; /* where the member was when (bontot/membership.h) */
	unsigned dues_paid;   /* bit m-1: dues for month m of the year paid on or before as-of */
	int listed, evaluated;
	int required_any, spoke;
	int streak;           /* consecutive excused absences so far */
	bt_member_result *out;
} member_ctx;

typedef struct {
	const bt_eval_opts *o;
	const bt_rules *rules;
	bt_calendar *cal;
	int year;
	bt_date jan1, dec31, as_of;
	const char *cell_id;
	member_ctx *m;
	size_t n_m;
	const bt_record **meetings;
	size_t n_meetings;
} ctx;

static int crit_add(bt_criterion_result *c, const bt_reason *r)
{
	int err = bt__array_grow((void **)&c->reasons, &c->cap_reasons, c->n_reasons + 1, sizeof(*c->reasons));
	if (err < 0)
		return err;
	c->reasons[c->n_reasons++] = *r;
	c->pass = 0;
	return 0;
}

static bt_reason reason(bt_reason_code code)
{
	bt_reason r;
	memset(&r, 0, sizeof(r));
	r.code = code;
	r.date = BT_DATE_NONE;
	r.month = -1;
	return r;
}

static void set_id(char *dst, const char *src) { bt__copy_utf8(dst, BT_ID_MAX_BYTES + 1, src ? src : ""); }

static bt_reason meeting_reason(bt_reason_code code, const bt_record *mt)
{
	bt_reason r = reason(code);
	set_id(r.meeting, mt->id);
	r.date = mt->date;
	return r;
}

static member_ctx *find_member(const ctx *c, const char *id)
{
	size_t lo = 0, hi = c->n_m;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int d = strcmp(c->m[mid].rec->id, id);
		if (d == 0)
			return &c->m[mid];
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int cmp_meeting(const void *a, const void *b)
{
	const bt_record *x = *(const bt_record *const *)a, *y = *(const bt_record *const *)b;
	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	if (x->start_minute != y->start_minute)
		return x->start_minute < y->start_minute ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int required_on(const ctx *c, const member_ctx *m, bt_date d) { return bt_membership_required_on(m->ms, c->cell_id, d); }

static int working(bt_calendar *cal, bt_date d) { return bt_calendar_is_working(cal, d); }

void bt_meeting_window(bt_date *lo, bt_date *hi, bt_calendar *cal, const bt_rules *r, int year, int month)
{
	*lo = bt_date_from_ymd(year, month, r->window_first_day);
	*hi = bt_date_from_ymd(year, month, r->window_last_day);
	if (r->extend_window) {
		if (!working(cal, *lo)) {
			bt_date d = *lo - 1;
			for (int guard = 0; guard < 31 && !working(cal, d); guard++)
				d--;
			*lo = d;
		}
		if (!working(cal, *hi)) {
			bt_date d = *hi + 1;
			for (int guard = 0; guard < 31 && !working(cal, d); guard++)
				d++;
			*hi = d;
		}
	}
}

static void month_window(const ctx *c, int m, bt_date *lo, bt_date *hi)
{
	bt_meeting_window(lo, hi, c->cal, c->rules, c->year, m);
}

/* Criterion 1.2 and the meeting-based parts of 2.3. */
static int eval_meetings(ctx *c, bt_cell_result *res)
{
	const bt_rules *r = c->rules;
	bt_criterion_result *c12 = &res->crit[C12];
	bt_date lo[13], hi[13];
	int covered[13] = {0}, err;
	int *marks = NULL;

	for (int m = 1; m <= 12; m++)
		month_window(c, m, &lo[m], &hi[m]);

	/* Which months have their regular meeting (in window, or at least held out of it). */
	for (size_t i = 0; i < c->n_meetings; i++) {
		const bt_record *mt = c->meetings[i];
		int y, mo, d, in = 0;
		if (!(mt->flags & BT_MEETING_REGULAR))
			continue;
		bt_date_to_ymd(mt->date, &y, &mo, &d);
		for (int m = mo - 1; m <= mo + 1; m++)
			if (m >= 1 && m <= 12 && mt->date >= lo[m] && mt->date <= hi[m]) {
				covered[m] = 1;
				in = 1;
			}
		if (!in && y == c->year && !covered[mo])
			covered[mo] = 2;
	}
	for (int m = 1; m <= 12; m++) {
		if (hi[m] > c->as_of || covered[m])
			continue;
		bt_reason rs = reason(BT_R_MEETING_MISSING);
		rs.month = c->year * 12 + m - 1;
		bt_date_format(rs.value, hi[m]);
		if ((err = crit_add(c12, &rs)) < 0)
			return err;
	}
	for (int q = 1; q <= 4 && r->thematic_per_quarter > 0; q++) {
		bt_date qlo = bt_date_from_ymd(c->year, 3 * q - 2, 1);
		bt_date qhi = bt_month_last_day(c->year * 12 + 3 * q - 1);
		int n = 0;
		if (qhi > c->as_of)
			continue;
		for (size_t i = 0; i < c->n_meetings; i++)
			if ((c->meetings[i]->flags & BT_MEETING_THEMATIC) && c->meetings[i]->date >= qlo &&
			    c->meetings[i]->date <= qhi)
				n++;
		if (n < r->thematic_per_quarter) {
			bt_reason rs = reason(BT_R_THEMATIC_MISSING);
			rs.quarter_year = c->year;
			rs.quarter = q;
			snprintf(rs.value, sizeof(rs.value), "%d/%d", n, r->thematic_per_quarter);
			if ((err = crit_add(c12, &rs)) < 0)
				return err;
		}
	}

	marks = malloc((c->n_m ? c->n_m : 1) * sizeof(int));
	if (!marks)
		return bt__oom();
	for (size_t i = 0; i < c->n_meetings; i++) {
		const bt_record *mt = c->meetings[i];
		long required = 0, present = 0, spoke = 0;
		bt_reason rs;

		/* Merge walk: members and attendance are both sorted by id. */
		size_t a = 0;
		for (size_t k = 0; k < c->n_m; k++) {
			marks[k] = NO_MARK;
			if (!required_on(c, &c->m[k], mt->date)) {
				marks[k] = -2; /* not required */
				continue;
			}
			while (a < mt->n_attendance && strcmp(mt->attendance[a].member, c->m[k].rec->id) < 0)
				a++;
			if (a < mt->n_attendance && strcmp(mt->attendance[a].member, c->m[k].rec->id) == 0)
				marks[k] = (int)mt->attendance[a].status;
			if (marks[k] == NO_MARK) {
				/* UNMARKED_MEMBER: left out of the meeting's count, not an absence. */
				marks[k] = -2;
				continue;
			}
			required++;
			if (marks[k] == BT_PRESENT)
				present++;
		}
		size_t s = 0;
		for (size_t k = 0; k < c->n_m; k++) {
			if (marks[k] != BT_PRESENT)
				continue;
			while (s < mt->n_speakers && strcmp(mt->speakers[s], c->m[k].rec->id) < 0)
				s++;
			if (s < mt->n_speakers && strcmp(mt->speakers[s], c->m[k].rec->id) == 0) {
				spoke++;
				c->m[k].spoke = 1;
			}
		}

		if (mt->flags & BT_MEETING_REGULAR) {
			int y, mo, d, in = 0;
			bt_date_to_ymd(mt->date, &y, &mo, &d);
			for (int m = mo - 1; m <= mo + 1; m++)
				if (m >= 1 && m <= 12 && mt->date >= lo[m] && mt->date <= hi[m])
					in = 1;
			if (!in) {
				rs = meeting_reason(BT_R_MEETING_OUT_OF_WINDOW, mt);
				rs.month = bt_month_of(mt->date);
				if ((err = crit_add(c12, &rs)) < 0)
					goto done;
			}
		}
		if (present * 100 < (long)r->attendance_min_percent * required) {
			rs = meeting_reason(BT_R_ATTENDANCE_BELOW_MIN, mt);
			snprintf(rs.value, sizeof(rs.value), "%ld/%ld", present, required);
			if ((err = crit_add(c12, &rs)) < 0)
				goto done;
		}
		for (size_t k = 0; k < c->n_m; k++) {
			member_ctx *m = &c->m[k];
			if (marks[k] == -2)
				continue;
			m->required_any = 1;
			if (marks[k] == BT_ABSENT) {
				rs = meeting_reason(BT_R_UNEXCUSED_ABSENCE, mt);
				set_id(rs.member, m->rec->id);
				if ((err = crit_add(c12, &rs)) < 0)
					goto done;
				if (m->out && (err = crit_add(&m->out->crit[C23], &rs)) < 0)
					goto done;
			}
			if (marks[k] == BT_EXCUSED) {
				if (++m->streak == r->max_consecutive_excused) {
					rs = meeting_reason(BT_R_CONSECUTIVE_EXCUSED_ABSENCES, mt);
					set_id(rs.member, m->rec->id);
					snprintf(rs.value, sizeof(rs.value), "%d", m->streak);
					if ((err = crit_add(c12, &rs)) < 0)
						goto done;
					if (m->out && (err = crit_add(&m->out->crit[C23], &rs)) < 0)
						goto done;
				}
			} else {
				m->streak = 0;
			}
		}
		int minutes = mt->end_minute - mt->start_minute;
		int min = r->min_duration_minutes;
		if ((mt->flags & BT_MEETING_REGULAR) && (mt->flags & BT_MEETING_THEMATIC) &&
		    r->min_duration_both_minutes > min)
			min = r->min_duration_both_minutes;
		if (minutes < min) {
			rs = meeting_reason(BT_R_DURATION_TOO_SHORT, mt);
			snprintf(rs.value, sizeof(rs.value), "%d/%d", minutes, min);
			if ((err = crit_add(c12, &rs)) < 0)
				goto done;
		}
		if (spoke * r->speakers_denominator < present * r->speakers_numerator) {
			rs = meeting_reason(BT_R_FEW_SPEAKERS, mt);
			snprintf(rs.value, sizeof(rs.value), "%ld/%ld", spoke, present);
			if ((err = crit_add(c12, &rs)) < 0)
				goto done;
		}
		static const struct {
			unsigned flag;
			bt_reason_code code;
		} flags[3] = {{BT_MEETING_PREPARED, BT_R_PREPARATION_MISSING},
			      {BT_MEETING_RESOLUTION, BT_R_RESOLUTION_MISSING},
			      {BT_MEETING_MINUTES, BT_R_MINUTES_MISSING}};
		const int need[3] = {r->require_prepared, r->require_resolution, r->require_minutes};
		for (int f = 0; f < 3; f++)
			if (need[f] && !(mt->flags & flags[f].flag)) {
				rs = meeting_reason(flags[f].code, mt);
				if ((err = crit_add(c12, &rs)) < 0)
					goto done;
			}
	}
	err = 0;
done:
	free(marks);
	return err;
}

static int cmp_rec_id(const void *a, const void *b)
{
	const bt_record *x = *(const bt_record *const *)a, *y = *(const bt_record *const *)b;
	int d = strcmp(x->id ? x->id : "", y->id ? y->id : "");
	if (d)
		return d;
	return (x->date > y->date) - (x->date < y->date);
}

static int cmp_rec_date(const void *a, const void *b)
{
	const bt_record *x = *(const bt_record *const *)a, *y = *(const bt_record *const *)b;
	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	int d = strcmp(x->criterion, y->criterion);
	if (d)
		return d;
	const char *sx = x->subject ? x->subject : x->member, *sy = y->subject ? y->subject : y->member;
	return strcmp(sx ? sx : "", sy ? sy : "");
}

void bt_cell_result_free(bt_cell_result *res)
{
	if (!res)
		return;
	for (int i = 0; i < 4; i++)
		free(res->crit[i].reasons);
	for (size_t k = 0; k < res->n_members; k++) {
		for (int i = 0; i < 4; i++)
			free(res->members[k].crit[i].reasons);
	}
	free(res->members);
	free(res);
}

bt_date bt_eval_default_as_of(int year, bt_date today)
{
	bt_date jan1 = bt_date_from_ymd(year, 1, 1), dec31 = bt_date_from_ymd(year, 12, 31);
	return today < jan1 ? jan1 : today > dec31 ? dec31 : today;
}

int bt_eval_cell(bt_cell_result **out, const bt_record *const *records, size_t n, const char *cell_id,
		 const bt_eval_opts *o)
{
	ctx c;
	bt_rules defaults;
	bt_cell_result *res = NULL;
	bt_calendar *own_cal = NULL;
	const bt_record *cell = NULL;
	const bt_record **targets = NULL, **commitments = NULL, **visible = NULL;
	size_t n_targets = 0, n_commitments = 0, n_visible = 0;
	unsigned char *loses = NULL;
	bt_roster *roster = NULL;
	int err = 0, has_regulation = 0;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	if (!o || o->version != BT_EVAL_OPTS_VERSION || o->year < BT_DATE_MIN_YEAR || o->year > BT_DATE_MAX_YEAR)
		return bt__error_set(BT_EINVALID, BT_("invalid evaluation options (year %d)"), o ? o->year : 0);
	c.o = o;
	if (!o->rules) {
		if ((err = bt_rules_builtin(&defaults, BT_RULES_DEFAULT)) < 0)
			return err;
		c.rules = &defaults;
	} else {
		c.rules = o->rules;
	}
	c.cal = o->calendar;
	if (!c.cal) {
		/* Computed holidays only; a private calendar keeps the function pure. */
		if ((err = bt_calendar_new(&own_cal)) < 0)
			return err;
		c.cal = own_cal;
	}
	c.year = o->year;
	c.cell_id = cell_id;
	c.jan1 = bt_date_from_ymd(o->year, 1, 1);
	c.dec31 = bt_date_from_ymd(o->year, 12, 31);
	c.as_of = (o->as_of == BT_DATE_NONE || o->as_of > c.dec31) ? c.dec31 : o->as_of;
	const int year_ended = c.as_of >= c.dec31;

	for (size_t i = 0; i < n; i++)
		if (records[i]->kind == BT_KIND_CELL && strcmp(records[i]->id, cell_id) == 0)
			cell = records[i];
	if (!cell) {
		err = bt__error_set(BT_ENOTFOUND, BT_("no cell \"%.64s\""), cell_id);
		goto done;
	}

	if (!(res = calloc(1, sizeof(*res))) || !(visible = calloc(n + 1, sizeof(*visible))) ||
	    !(c.meetings = calloc(n + 1, sizeof(*c.meetings))) || !(targets = calloc(n + 1, sizeof(*targets))) ||
	    !(commitments = calloc(n + 1, sizeof(*commitments))) || !(loses = calloc(n + 1, 1))) {
		err = bt__oom();
		goto done;
	}
	res->id = cell->id;
	res->name = cell->name;
	for (int i = 0; i < 4; i++)
		res->crit[i].pass = 1;

	/*
	 * Who was where (bontot/membership.h), from what is visible at as-of:
	 * members who joined by then, exemptions that started by then, and every
	 * transfer whatever its date (it says which cell a member was in when).
	 */
	for (size_t i = 0; i < n; i++) {
		const bt_record *r = records[i];
		if ((r->kind == BT_KIND_MEMBER && r->joined <= c.as_of) || r->kind == BT_KIND_TRANSFER ||
		    (r->kind == BT_KIND_EXEMPTION && r->from <= c.as_of))
			visible[n_visible++] = r;
	}
	if ((err = bt_roster_build(&roster, visible, n_visible)) < 0)
		goto done;
	if (!(c.m = calloc(bt_roster_size(roster) + 1, sizeof(member_ctx)))) {
		err = bt__oom();
		goto done;
	}
	for (size_t k = 0; k < bt_roster_size(roster); k++) {
		const bt_membership *ms = bt_roster_at(roster, k);
		if (!bt_membership_ever_in(ms, cell_id))
			continue;
		c.m[c.n_m].ms = ms;
		c.m[c.n_m++].rec = ms->member;
	}

	/* The cell's meetings of the year up to as-of; of two on one date, only the one that counts. */
	{
		size_t n_all = 0;
		for (size_t i = 0; i < n; i++) {
			const bt_record *r = records[i];
			if (r->kind == BT_KIND_MEETING && strcmp(r->cell, cell_id) == 0 && r->date >= c.jan1 && r->date <= c.as_of)
				c.meetings[n_all++] = r;
		}
		bt_meetings_duplicates(loses, c.meetings, n_all);
		for (size_t i = 0; i < n_all; i++)
			if (!loses[i])
				c.meetings[c.n_meetings++] = c.meetings[i];
	}

	/* Attach each record to its member or to the cell; keep only what is visible at as-of. */
	for (size_t i = 0; i < n; i++) {
		const bt_record *r = records[i];
		member_ctx *m;
		switch (r->kind) {
		case BT_KIND_DUES:
			if (r->date <= c.as_of && r->month / 12 == c.year && (m = find_member(&c, r->member)))
				m->dues_paid |= 1u << (r->month % 12);
			break;
		case BT_KIND_DUES_MONTH:
			/* One payment per listed member who was in that cell during the month (else NOT_IN_CELL). */
			if (r->date > c.as_of || r->month / 12 != c.year)
				break;
			for (size_t k = 0; k < r->n_members; k++)
				if ((m = find_member(&c, r->members[k])) &&
				    bt_membership_in_cell_during(m->ms, r->cell, bt_month_first_day(r->month),
								 bt_month_last_day(r->month)))
					m->dues_paid |= 1u << (r->month % 12);
			break;
		case BT_KIND_TARGET:
			if (strcmp(r->cell, cell_id) == 0 && r->year == c.year)
				targets[n_targets++] = r;
			break;
		case BT_KIND_COMMITMENT:
			if (r->year == c.year && find_member(&c, r->member))
				commitments[n_commitments++] = r;
			break;
		case BT_KIND_REGULATION:
			if (strcmp(r->cell, cell_id) == 0 && r->date <= c.as_of)
				has_regulation = 1;
			break;
		default:
			break;
		}
	}
	qsort(c.meetings, c.n_meetings, sizeof(*c.meetings), cmp_meeting);
	qsort(targets, n_targets, sizeof(*targets), cmp_rec_id);
	qsort(commitments, n_commitments, sizeof(*commitments), cmp_rec_id);

	/* Listed members: in the cell on some day from 1 January to as-of. */
	if (!(res->members = calloc(c.n_m + 1, sizeof(bt_member_result)))) {
		err = bt__oom();
		goto done;
	}
	for (size_t k = 0; k < c.n_m; k++) {
		member_ctx *m = &c.m[k];
		if (!bt_membership_in_cell_during(m->ms, cell_id, c.jan1, c.as_of))
			continue;
		m->listed = 1;
		m->evaluated = required_on(&c, m, c.as_of);
		m->out = &res->members[res->n_members++];
		m->out->id = m->rec->id;
		m->out->name = m->rec->name;
		m->out->evaluated = m->evaluated;
		for (int i = 0; i < 4; i++)
			m->out->crit[i].pass = 1;
	}

	/* 1.1 political tasks */
	if (n_targets == 0 && year_ended) {
		bt_reason rs = reason(BT_R_TARGETS_MISSING);
		if ((err = crit_add(&res->crit[C11], &rs)) < 0)
			goto done;
	}
	for (size_t i = 0; i < n_targets; i++) {
		if (targets[i]->done == 1 || (targets[i]->done == BT_OPEN && !year_ended))
			continue;
		bt_reason rs = reason(BT_R_TARGET_NOT_DONE);
		set_id(rs.value, targets[i]->id);
		if ((err = crit_add(&res->crit[C11], &rs)) < 0)
			goto done;
	}

	/* 1.2 meetings, and the meeting parts of 2.3 */
	if ((err = eval_meetings(&c, res)) < 0)
		goto done;

	/* 1.3 regulation and attestation; attestations and discipline for members */
	if (!has_regulation && c.as_of >= c.jan1) {
		bt_reason rs = reason(BT_R_REGULATION_MISSING);
		if ((err = crit_add(&res->crit[C13], &rs)) < 0)
			goto done;
	}
	{
		/* Attestations and discipline, in a stable order: sorted copies. */
		const bt_record **list = calloc(n + 1, sizeof(*list));
		size_t nl = 0;
		if (!list) {
			err = bt__oom();
			goto done;
		}
		for (size_t i = 0; i < n; i++)
			if (records[i]->kind == BT_KIND_DISCIPLINE || records[i]->kind == BT_KIND_ATTESTATION)
				list[nl++] = records[i];
		qsort(list, nl, sizeof(*list), cmp_rec_date);
		for (size_t i = 0; i < nl && err == 0; i++) {
			const bt_record *r = list[i];
			if (r->kind == BT_KIND_ATTESTATION && r->year == c.year && strcmp(r->criterion, "1.3") == 0 &&
			    strcmp(r->subject, cell_id) == 0 && !r->pass) {
				bt_reason rs = reason(BT_R_ATTESTED_FAIL);
				snprintf(rs.value, sizeof(rs.value), "1.3");
				err = crit_add(&res->crit[C13], &rs);
			}
		}
		for (size_t k = 0; k < c.n_m && err == 0; k++) {
			member_ctx *m = &c.m[k];
			int has24 = 0;
			if (!m->listed || !m->evaluated)
				continue;
			/* Discipline in date order (list is sorted by date). */
			for (size_t i = 0; i < nl && err == 0; i++) {
				const bt_record *r = list[i];
				if (r->kind != BT_KIND_DISCIPLINE || strcmp(r->member, m->rec->id) != 0 ||
				    r->date < c.jan1 || r->date > c.as_of)
					continue;
				bt_reason rs = reason(BT_R_DISCIPLINED);
				rs.date = r->date;
				set_id(rs.member, m->rec->id);
				bt__copy_utf8(rs.value, sizeof(rs.value), r->text);
				err = crit_add(&m->out->crit[C21], &rs);
			}
			static const char *const crit_names[3] = {"2.1", "2.2", "2.4"};
			static const int crit_slot[3] = {C21, C22, C24};
			for (int ci = 0; ci < 3 && err == 0; ci++)
				for (size_t i = 0; i < nl && err == 0; i++) {
					const bt_record *r = list[i];
					if (r->kind != BT_KIND_ATTESTATION || r->year != c.year ||
					    strcmp(r->criterion, crit_names[ci]) != 0 || strcmp(r->subject, m->rec->id) != 0)
						continue;
					if (ci == 2)
						has24 = 1;
					if (!r->pass) {
						bt_reason rs = reason(BT_R_ATTESTED_FAIL);
						set_id(rs.member, m->rec->id);
						snprintf(rs.value, sizeof(rs.value), "%s", crit_names[ci]);
						err = crit_add(&m->out->crit[crit_slot[ci]], &rs);
					}
				}
			if (!has24 && err == 0) {
				bt_reason rs = reason(BT_R_ATTESTATION_MISSING);
				set_id(rs.member, m->rec->id);
				err = crit_add(&m->out->crit[C24], &rs);
			}
		}
		free(list);
		if (err < 0)
			goto done;
	}

	/* 2.2 commitments; 2.3 never spoke and dues; then each member's verdict */
	for (size_t k = 0; k < c.n_m; k++) {
		member_ctx *m = &c.m[k];
		bt_member_result *mr = m->out;
		int has_commitment = 0;
		if (!m->listed || !m->evaluated)
			continue;
		for (size_t i = 0; i < n_commitments; i++) {
			const bt_record *cm = commitments[i];
			if (strcmp(cm->member, m->rec->id) != 0)
				continue;
			has_commitment = 1;
			if (cm->done == 1 || (cm->done == BT_OPEN && !year_ended))
				continue;
			bt_reason rs = reason(BT_R_COMMITMENT_UNFULFILLED);
			set_id(rs.member, m->rec->id);
			set_id(rs.value, cm->id);
			if ((err = crit_add(&mr->crit[C22], &rs)) < 0)
				goto done;
		}
		if (!has_commitment && year_ended) {
			bt_reason rs = reason(BT_R_COMMITMENT_MISSING);
			set_id(rs.member, m->rec->id);
			if ((err = crit_add(&mr->crit[C22], &rs)) < 0)
				goto done;
		}
		if (m->required_any && !m->spoke) {
			bt_reason rs = reason(BT_R_NEVER_SPOKE);
			set_id(rs.member, m->rec->id);
			if ((err = crit_add(&mr->crit[C23], &rs)) < 0)
				goto done;
		}
		bt_month first = c.year * 12, joined = bt_month_of(m->rec->joined);
		if (joined > first)
			first = joined;
		for (bt_month mo = first; mo < c.year * 12 + 12 && bt_month_last_day(mo) <= c.as_of; mo++) {
			if (m->dues_paid & (1u << (mo % 12)))
				continue;
			bt_reason rs = reason(BT_R_DUES_MISSING);
			set_id(rs.member, m->rec->id);
			rs.month = mo;
			if ((err = crit_add(&mr->crit[C23], &rs)) < 0)
				goto done;
		}
		mr->four_good = mr->crit[0].pass && mr->crit[1].pass && mr->crit[2].pass && mr->crit[3].pass;
		res->members_evaluated++;
		if (mr->four_good)
			res->members_four_good++;
	}

	/* 1.4 four-good members */
	if (res->members_evaluated == 0 ||
	    res->members_four_good * 100 < (size_t)c.rules->four_good_min_percent * res->members_evaluated) {
		bt_reason rs = reason(BT_R_FOUR_GOOD_BELOW_HALF);
		snprintf(rs.value, sizeof(rs.value), "%zu/%zu", res->members_four_good, res->members_evaluated);
		if ((err = crit_add(&res->crit[C14], &rs)) < 0)
			goto done;
	}
	res->four_good = res->crit[0].pass && res->crit[1].pass && res->crit[2].pass && res->crit[3].pass;
	*out = res;
	res = NULL;
done:
	free(c.m);
	free(visible);
	free(loses);
	bt_roster_free(roster);
	free(c.meetings);
	free(targets);
	free(commitments);
	bt_calendar_free(own_cal);
	bt_cell_result_free(res);
	return err;
}
