/*
 * status.c - the secretary's to-do list (bontot/status.h).
 *
 * Rules of thumb, documented in docs/tablet.md: the next regular meeting is
 * this month's if not yet held and its window has not ended, else next
 * month's; a month whose window ended without a regular meeting is overdue;
 * the quarter's thematic meeting is due by the quarter's last day; a member
 * whose last required meetings were two excused absences in a row is
 * warned; dues are listed for every ended month of the year since joining;
 * targets and commitments are reminded from 1 October; the removal review
 * follows the Party Statute (art. 8): absent without reason, or not paying
 * dues, three months in the year.
 */
#include "bontot/status.h"
#include "bontot/findings.h"
#include "bontot/membership.h"
#include "buf.h"
#include "error.h"
#include "i18n.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const code_names[BT_S_COUNT] = {
	"NEXT_MEETING",	   "MEETING_OVERDUE", "THEMATIC_DUE",	    "EXCUSED_STREAK",	 "DUES_UNPAID",
	"TARGETS_MISSING", "TARGET_OPEN",     "COMMITMENT_MISSING", "COMMITMENT_OPEN", "REMOVAL_REVIEW"};

const char *bt_status_code_name(bt_status_code c) { return (c >= 0 && c < BT_S_COUNT) ? code_names[c] : NULL; }

void bt_status_free(bt_status *s)
{
	free(s->items);
	memset(s, 0, sizeof(*s));
}

static bt_status_item *add(bt_status *s, bt_status_code code, const char *member, bt_date deadline)
{
	if (bt__array_grow((void **)&s->items, &s->cap, s->n + 1, sizeof(*s->items)) < 0)
		return NULL;
	bt_status_item *it = &s->items[s->n++];
	memset(it, 0, sizeof(*it));
	it->code = code;
	it->deadline = deadline;
	it->from = BT_DATE_NONE;
	bt__copy_utf8(it->member, sizeof(it->member), member ? member : "");
	return it;
}

static void msg(bt_status_item *it, const char *fmt, ...) BT_PRINTF(2, 3);
static void msg(bt_status_item *it, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(it->message, sizeof(it->message), fmt, ap);
	va_end(ap);
}

static void vi(char out[16], bt_date d)
{
	int y, m, dd;
	bt_date_to_ymd(d, &y, &m, &dd);
	snprintf(out, 16, "%02d/%02d/%04d", dd, m, y);
}

static int cmp_rec(const void *a, const void *b)
{
	const bt_record *x = *(const bt_record *const *)a, *y = *(const bt_record *const *)b;
	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	if (x->start_minute != y->start_minute)
		return x->start_minute < y->start_minute ? -1 : 1;
	return strcmp(x->id ? x->id : "", y->id ? y->id : "");
}

/* 1 when the records pay member m's dues of month `month` on or before `date` (a dues, or a dues_month of a cell m was in). */
static int dues_paid(const bt_record *const *recs, size_t n, const bt_membership *m, bt_month month, bt_date date)
{
	for (size_t i = 0; i < n; i++) {
		const bt_record *r = recs[i];
		if (r->month != month || r->date > date)
			continue;
		if (r->kind == BT_KIND_DUES && strcmp(r->member, m->member->id) == 0)
			return 1;
		if (r->kind == BT_KIND_DUES_MONTH)
			for (size_t k = 0; k < r->n_members; k++)
				if (strcmp(r->members[k], m->member->id) == 0 &&
				    bt_membership_in_cell_during(m, r->cell, bt_month_first_day(month), bt_month_last_day(month)))
					return 1;
	}
	return 0;
}

static int mark(const bt_record *mt, const char *member)
{
	for (size_t k = 0; k < mt->n_attendance; k++)
		if (strcmp(mt->attendance[k].member, member) == 0)
			return (int)mt->attendance[k].status;
	return -1;
}

int bt_status_cell(bt_status *out, const bt_record *const *recs, size_t n, const char *cell_id, bt_date date,
		   const bt_rules *rules, bt_calendar *calendar)
{
	bt_rules defaults;
	bt_calendar *own = NULL;
	const bt_record **meetings = NULL, *cell = NULL;
	const bt_membership **members = NULL;
	size_t n_meetings = 0, n_members = 0;
	unsigned char *loses = NULL;
	bt_roster *roster = NULL;
	int err = 0, y, mo, d;
	char a[16], b[16];
	bt_status_item *it;

	memset(out, 0, sizeof(*out));
	if (!rules) {
		if ((err = bt_rules_builtin(&defaults, NULL)) < 0)
			return err;
		rules = &defaults;
	}
	if (!calendar) {
		if ((err = bt_calendar_new(&own)) < 0)
			return err;
		calendar = own;
	}
	bt_date_to_ymd(date, &y, &mo, &d);
	if (!(meetings = calloc(n + 1, sizeof(*meetings))) || !(members = calloc(n + 1, sizeof(*members))) ||
	    !(loses = calloc(n + 1, 1))) {
		err = bt__oom();
		goto done;
	}
	if ((err = bt_roster_build(&roster, recs, n)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		const bt_record *r = recs[i];
		if (r->kind == BT_KIND_CELL && strcmp(r->id, cell_id) == 0)
			cell = r;
		else if (r->kind == BT_KIND_MEETING && strcmp(r->cell, cell_id) == 0 && r->date <= date &&
			 r->date >= bt_date_from_ymd(y, 1, 1))
			meetings[n_meetings++] = r;
	}
	if (!cell) {
		err = bt__error_set(BT_ENOTFOUND, BT_("no cell \"%.64s\""), cell_id);
		goto done;
	}
	/* Of two meetings on one date only one counts (DUPLICATE_MEETING). */
	bt_meetings_duplicates(loses, meetings, n_meetings);
	{
		size_t k = 0;
		for (size_t i = 0; i < n_meetings; i++)
			if (!loses[i])
				meetings[k++] = meetings[i];
		n_meetings = k;
	}
	/* The members required today, in id order (bontot/membership.h). */
	for (size_t k = 0; k < bt_roster_size(roster); k++)
		if (bt_membership_required_on(bt_roster_at(roster, k), cell_id, date))
			members[n_members++] = bt_roster_at(roster, k);
	qsort(meetings, n_meetings, sizeof(*meetings), cmp_rec);

	/* Meetings: months of the year so far, then the next one. */
	int next_done = 0;
	for (int m = 1; m <= 12 && !next_done; m++) {
		bt_date lo, hi;
		int held = 0;
		bt_meeting_window(&lo, &hi, calendar, rules, y, m);
		for (size_t i = 0; i < n_meetings; i++)
			if ((meetings[i]->flags & BT_MEETING_REGULAR) && bt_month_of(meetings[i]->date) == y * 12 + m - 1)
				held = 1;
		if (held)
			continue;
		if (hi < date) {
			if (!(it = add(out, BT_S_MEETING_OVERDUE, NULL, hi)))
				goto oom;
			snprintf(it->value, sizeof(it->value), "%04d-%02d", y, m);
			vi(a, hi);
			msg(it, BT_("Month %02d/%04d has no regular meeting recorded (deadline passed: %s). If it was held, record it now; if not, hold it and report why."),
			    m, y, a);
			continue;
		}
		/* The first month whose window has not ended and whose meeting is not held: the next one. */
		bt_plan_month plan[12];
		if (bt_plan_year(plan, calendar, rules, y) < 0)
			goto oom;
		if (!(it = add(out, BT_S_NEXT_MEETING, NULL, hi)))
			goto oom;
		it->from = lo;
		bt_date_format(it->value, plan[m - 1].date);
		vi(a, lo);
		vi(b, hi);
		char p[16];
		vi(p, plan[m - 1].date);
		msg(it, BT_("Regular meeting of %02d/%04d%s: between %s and %s, deadline %s (proposed %s)."), m, y,
		    plan[m - 1].thematic ? BT_(" (with the thematic meeting)") : "", a, b, b, p);
		next_done = 1;
	}
	if (!next_done && y < BT_DATE_MAX_YEAR) {
		/* Everything of the year is held: January of next year. */
		bt_date lo, hi;
		bt_meeting_window(&lo, &hi, calendar, rules, y + 1, 1);
		if (!(it = add(out, BT_S_NEXT_MEETING, NULL, hi)))
			goto oom;
		it->from = lo;
		vi(a, lo);
		vi(b, hi);
		msg(it, BT_("Regular meeting of 01/%04d: between %s and %s."), y + 1, a, b);
	}

	/* This quarter's thematic meeting. */
	int q = (mo - 1) / 3 + 1, thematic = 0;
	bt_date q_end = bt_month_last_day(y * 12 + 3 * q - 1), q_start = bt_date_from_ymd(y, 3 * q - 2, 1);
	for (size_t i = 0; i < n_meetings; i++)
		if ((meetings[i]->flags & BT_MEETING_THEMATIC) && meetings[i]->date >= q_start)
			thematic++;
	if (rules->thematic_per_quarter > 0 && thematic < rules->thematic_per_quarter) {
		if (!(it = add(out, BT_S_THEMATIC_DUE, NULL, q_end)))
			goto oom;
		snprintf(it->value, sizeof(it->value), "%04d-Q%d", y, q);
		vi(a, q_end);
		msg(it, BT_("Quarter %d/%04d has no thematic meeting yet: hold one before %s (it may join a regular meeting)."), q, y, a);
	}

	/* One excused absence away from three in a row. */
	for (size_t k = 0; k < n_members; k++) {
		const bt_record *who = members[k]->member;
		int streak = 0;
		for (size_t i = 0; i < n_meetings; i++) {
			const bt_record *mt = meetings[i];
			int mk = mark(mt, who->id);
			if (!bt_membership_required_on(members[k], cell_id, mt->date) || mk < 0)
				continue;
			streak = mk == BT_EXCUSED ? streak + 1 : 0;
		}
		if (streak == rules->max_consecutive_excused - 1 && streak > 0) {
			if (!(it = add(out, BT_S_EXCUSED_STREAK, who->id, BT_DATE_NONE)))
				goto oom;
			snprintf(it->value, sizeof(it->value), "%d", streak);
			msg(it, BT_("Member %s (%s) has been excused %d meetings in a row: one more and the rule fails. Remind them to attend."),
			    who->name, who->id, streak);
		}
	}

	/* Dues of ended months, and the removal review. */
	for (size_t k = 0; k < n_members; k++) {
		const bt_record *m = members[k]->member;
		bt_month first = y * 12, joined = bt_month_of(m->joined);
		int unpaid = 0, absent = 0;
		char months[128] = "";
		if (joined > first)
			first = joined;
		char months_vi[128] = "";
		for (bt_month mm = first; mm < y * 12 + 12 && bt_month_last_day(mm) < date; mm++)
			if (!dues_paid(recs, n, members[k], mm, date)) {
				unpaid++;
				snprintf(months + strlen(months), sizeof(months) - strlen(months), "%s%04d-%02d",
					 months[0] ? "," : "", mm / 12, mm % 12 + 1);
				snprintf(months_vi + strlen(months_vi), sizeof(months_vi) - strlen(months_vi), "%s%02d/%04d",
					 months_vi[0] ? ", " : "", mm % 12 + 1, mm / 12);
			}
		if (unpaid) {
			if (!(it = add(out, BT_S_DUES_UNPAID, m->id, BT_DATE_NONE)))
				goto oom;
			bt__copy_utf8(it->value, sizeof(it->value), months);
			msg(it, BT_("Member %s (%s) has not paid dues for %d months: %s. Collect and record the dues."), m->name, m->id,
			    unpaid, months_vi);
		}
		for (size_t i = 0; i < n_meetings; i++)
			absent += mark(meetings[i], m->id) == BT_ABSENT;
		if (absent >= 3 || unpaid >= 3) {
			char why[96];
			if (!(it = add(out, BT_S_REMOVAL_REVIEW, m->id, BT_DATE_NONE)))
				goto oom;
			snprintf(it->value, sizeof(it->value), "absent=%d,unpaid=%d", absent, unpaid);
			if (absent >= 3 && unpaid >= 3)
				snprintf(why, sizeof(why), BT_("%d absences without reason and %d months of unpaid dues"), absent, unpaid);
			else if (absent >= 3)
				snprintf(why, sizeof(why), BT_("%d absences from meetings without reason"), absent);
			else
				snprintf(why, sizeof(why), BT_("%d months of unpaid dues"), unpaid);
			msg(it, BT_("Member %s (%s): %s in the year. Under the Party Statute, without a valid reason the cell must consider proposing their removal."),
			    m->name, m->id, why);
		}
	}

	/* From October: targets and commitments before 31 December. */
	bt_date dec31 = bt_date_from_ymd(y, 12, 31);
	if (mo >= 10) {
		int targets = 0;
		vi(a, dec31);
		for (size_t i = 0; i < n; i++) {
			const bt_record *r = recs[i];
			if (r->kind != BT_KIND_TARGET || strcmp(r->cell, cell_id) != 0 || r->year != y)
				continue;
			targets++;
			if (r->done == BT_OPEN) {
				if (!(it = add(out, BT_S_TARGET_OPEN, NULL, dec31)))
					goto oom;
				bt__copy_utf8(it->target, sizeof(it->target), r->id);
				msg(it, BT_("Target %s is not marked done: update it before %s."), r->id, a);
			}
		}
		if (!targets) {
			if (!(it = add(out, BT_S_TARGETS_MISSING, NULL, dec31)))
				goto oom;
			msg(it, BT_("The cell has recorded no target for %04d: record them before %s."), y, a);
		}
		for (size_t k = 0; k < n_members; k++) {
			const bt_record *who = members[k]->member;
			int has = 0;
			for (size_t i = 0; i < n; i++) {
				const bt_record *r = recs[i];
				if (r->kind != BT_KIND_COMMITMENT || r->year != y || strcmp(r->member, who->id) != 0)
					continue;
				has = 1;
				if (r->done == BT_OPEN) {
					if (!(it = add(out, BT_S_COMMITMENT_OPEN, who->id, dec31)))
						goto oom;
					bt__copy_utf8(it->target, sizeof(it->target), r->id);
					msg(it, BT_("Commitment %s of %s is not assessed yet: update it before %s."), r->id,
					    who->name, a);
				}
			}
			if (!has) {
				if (!(it = add(out, BT_S_COMMITMENT_MISSING, who->id, dec31)))
					goto oom;
				msg(it, BT_("Member %s (%s) has no commitment for %04d: record it before %s."), who->name,
				    who->id, y, a);
			}
		}
	}
	goto done;
oom:
	err = bt__oom();
done:
	if (err)
		bt_status_free(out);
	free(meetings);
	free(members);
	free(loses);
	bt_roster_free(roster);
	bt_calendar_free(own);
	return err;
}
