/*
 * bontot/membership.h - the one rule of who belongs to a cell on a day.
 *
 * Every part of bontot that asks "was this member in that cell then?" -
 * the evaluation, the to-do list, the findings, the meeting roster, the
 * acceptance of records from other devices - asks these functions. The rule
 * (docs/evaluation.md, "Members of a cell"):
 *
 *   - a member is in the Party from `joined` (included) until `left`
 *     (excluded: on the day they leave they are already out);
 *   - their cell on a day d is the `to` of their last transfer dated on or
 *     before d; before their first transfer, its `from`; with no transfer,
 *     the member record's `cell`. On the day of a transfer they are in the
 *     new cell;
 *   - they are in cell C on d when in the Party on d and their cell on d is C;
 *   - they are exempt on d when an exemption covers d (`from` and `to`
 *     included, `to` null: open-ended);
 *   - they are required at a meeting of C on d when in C on d and not exempt.
 *
 * Pure: no I/O, no clock.
 */
#ifndef BONTOT_MEMBERSHIP_H
#define BONTOT_MEMBERSHIP_H

#include "bontot/records.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One member and the records that say where they were when. All borrowed. */
typedef struct {
	const bt_record *member;             /* kind member */
	const bt_record *const *transfers;   /* this member's transfers, by date */
	size_t n_transfers;
	const bt_record *const *exemptions;  /* this member's exemptions, by start */
	size_t n_exemptions;
} bt_membership;

/* The member's cell on day d (never NULL). */
const char *bt_membership_cell_on(const bt_membership *m, bt_date d);
/* The member's cell after their last transfer (their record's cell when none). */
const char *bt_membership_current_cell(const bt_membership *m);
/* 1 when joined <= d and (no left, or left > d). */
int bt_membership_in_party_on(const bt_membership *m, bt_date d);
/* 1 when in the Party on d and their cell on d is `cell`. */
int bt_membership_in_cell_on(const bt_membership *m, const char *cell, bt_date d);
/* 1 when in `cell` on at least one day from `first` to `last` (both included). */
int bt_membership_in_cell_during(const bt_membership *m, const char *cell, bt_date first, bt_date last);
/* 1 when an exemption covers d. */
int bt_membership_exempt_on(const bt_membership *m, bt_date d);
/* 1 when required at a meeting of `cell` on d: in the cell that day and not exempt. */
int bt_membership_required_on(const bt_membership *m, const char *cell, bt_date d);
/* 1 when the member's record names `cell` or a transfer moves them from or to it. */
int bt_membership_ever_in(const bt_membership *m, const char *cell);

/*
 * The members among a set of records, each with its transfers and
 * exemptions (records of other kinds are ignored), sorted by member id.
 * Borrows the records: keep them alive while the roster is used.
 */
typedef struct bt_roster bt_roster;

int bt_roster_build(bt_roster **out, const bt_record *const *records, size_t n) BT_WARN_UNUSED;
size_t bt_roster_size(const bt_roster *roster);
/* The i-th member in id order. Borrowed until bt_roster_free. */
const bt_membership *bt_roster_at(const bt_roster *roster, size_t i);
/* The member with this id, or NULL. */
const bt_membership *bt_roster_find(const bt_roster *roster, const char *member_id);
void bt_roster_free(bt_roster *roster);

#ifdef __cplusplus
}
#endif
#endif
