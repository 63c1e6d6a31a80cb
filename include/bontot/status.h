/*
 * bontot/status.h - the secretary's to-do list for a day (issue #3): what is
 * due next, what is overdue, who is close to failing a rule, and who must be
 * considered for removal. Pure, like the evaluation.
 */
#ifndef BONTOT_STATUS_H
#define BONTOT_STATUS_H

#include "bontot/eval.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	BT_S_NEXT_MEETING = 0,   /* the next regular meeting: its window and deadline */
	BT_S_MEETING_OVERDUE,    /* a past month of the year without its regular meeting */
	BT_S_THEMATIC_DUE,       /* this quarter still lacks its thematic meeting */
	BT_S_EXCUSED_STREAK,     /* one more excused absence makes three in a row */
	BT_S_DUES_UNPAID,        /* months ended without the member's dues */
	BT_S_TARGETS_MISSING,    /* no target for the year (from October) */
	BT_S_TARGET_OPEN,        /* a target still open (from October) */
	BT_S_COMMITMENT_MISSING, /* a member without a commitment for the year (from October) */
	BT_S_COMMITMENT_OPEN,    /* a commitment still open (from October) */
	BT_S_REMOVAL_REVIEW,     /* absent without reason, or dues unpaid, three months within the year */
	BT_S_COUNT
} bt_status_code;

/* "NEXT_MEETING", ... Static storage. */
const char *bt_status_code_name(bt_status_code code);

typedef struct {
	bt_status_code code;
	char member[BT_ID_MAX_BYTES + 1]; /* "" when it does not apply */
	char target[BT_ID_MAX_BYTES + 1]; /* target or commitment id, or "" */
	bt_date deadline;                 /* by when, or BT_DATE_NONE */
	bt_date from;                     /* NEXT_MEETING: the window's first day; else BT_DATE_NONE */
	char value[128];                  /* months "2026-03,2026-04", counts, a proposed date... */
	char message[512];                /* what to do and by when, Vietnamese */
} bt_status_item;

typedef struct {
	bt_status_item *items;
	size_t n, cap;
} bt_status;

void bt_status_free(bt_status *status);

/*
 * The to-do list of cell `cell_id` on `date`, from its records (as for
 * bt_eval_cell: the records of the year of `date`). `rules` NULL: the default
 * rule set; `calendar` NULL: computed holidays. Items come in a fixed order
 * (meetings, thematic, absences, dues, targets, commitments, removal).
 * Returns 0, BT_ENOTFOUND, BT_EINVALID or BT_ENOMEM; *out belongs to the
 * caller (bt_status_free), and is left empty on error.
 */
int bt_status_cell(bt_status *out, const bt_record *const *records, size_t n_records, const char *cell_id,
		   bt_date date, const bt_rules *rules, bt_calendar *calendar) BT_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
