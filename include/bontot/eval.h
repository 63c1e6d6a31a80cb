/*
 * bontot/eval.h - the "Chi bộ 4 tốt" / "Đảng viên 4 tốt" evaluation
 * (the rules and the JSON output: docs/evaluation.md).
 *
 * Pure and deterministic: the same records, rule set, year and as-of date give
 * the same result and the same JSON bytes on every machine. The evaluation
 * sees only records dated on or before the as-of date.
 */
#ifndef BONTOT_EVAL_H
#define BONTOT_EVAL_H

#include "bontot/records.h"
#include "bontot/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A growable byte buffer with a hard ceiling; data is NUL-terminated. */
typedef struct {
	char *data;
	size_t len, cap, limit;
	int failed;
} bt_buf;

/*
 * An empty buffer whose data and the NUL after it never take more than
 * `limit` bytes (0: 1 GiB): it holds at most limit - 1 bytes of data.
 */
void bt_buf_init(bt_buf *b, size_t limit);
/* Append bytes. BT_ENOMEM past the limit; the buffer then stays failed. */
int bt_buf_put(bt_buf *b, const char *data, size_t len);
void bt_buf_free(bt_buf *b);

/* Reason codes (docs/evaluation.md): append-only. */
typedef enum {
	BT_R_MEETING_MISSING = 0,
	BT_R_MEETING_OUT_OF_WINDOW,
	BT_R_THEMATIC_MISSING,
	BT_R_ATTENDANCE_BELOW_MIN,
	BT_R_UNEXCUSED_ABSENCE,
	BT_R_CONSECUTIVE_EXCUSED_ABSENCES,
	BT_R_DURATION_TOO_SHORT,
	BT_R_FEW_SPEAKERS,
	BT_R_PREPARATION_MISSING,
	BT_R_RESOLUTION_MISSING,
	BT_R_MINUTES_MISSING,
	BT_R_TARGETS_MISSING,
	BT_R_TARGET_NOT_DONE,
	BT_R_REGULATION_MISSING,
	BT_R_ATTESTED_FAIL,
	BT_R_FOUR_GOOD_BELOW_HALF,
	BT_R_DISCIPLINED,
	BT_R_COMMITMENT_MISSING,
	BT_R_COMMITMENT_UNFULFILLED,
	BT_R_NEVER_SPOKE,
	BT_R_DUES_MISSING,
	BT_R_ATTESTATION_MISSING,
	BT_R_COUNT
} bt_reason_code;

/* "ATTENDANCE_BELOW_MIN", or NULL. Static storage. */
const char *bt_reason_code_name(bt_reason_code code);

typedef struct {
	bt_reason_code code;
	char meeting[BT_ID_MAX_BYTES + 1]; /* "" when it does not apply */
	char member[BT_ID_MAX_BYTES + 1];  /* "" when it does not apply */
	bt_date date;                      /* the meeting's or decision's date, or BT_DATE_NONE */
	bt_month month;                    /* -1 when it does not apply */
	int quarter_year, quarter;         /* quarter 1-4, 0 when it does not apply */
	char value[BT_ID_MAX_BYTES + 1];   /* "16/20", "75/90", a target id, ... or "" */
} bt_reason;

/* The reason's Vietnamese message (UTF-8), written into out. */
void bt_reason_message(char *out, size_t out_size, const bt_reason *reason);

typedef struct {
	int pass;
	bt_reason *reasons;
	size_t n_reasons, cap_reasons;
} bt_criterion_result;

typedef struct {
	char *id, *name;
	int evaluated;                /* 0: exempt or not in the cell at the as-of date */
	int four_good;                /* meaningful only when evaluated */
	bt_criterion_result crit[4];  /* 2.1, 2.2, 2.3, 2.4 */
} bt_member_result;

struct bt_finding;

typedef struct {
	char *id, *name;
	int four_good;
	bt_criterion_result crit[4];  /* 1.1, 1.2, 1.3, 1.4 */
	size_t members_evaluated, members_four_good;
	bt_member_result *members;    /* sorted by id */
	size_t n_members;
	/*
	 * The cell's findings for the year (bontot/findings.h), as the store
	 * keeps them: set by bt_store_evaluate, borrowed; NULL from
	 * bt_eval_cell alone (the JSON then has "findings":[]).
	 */
	const struct bt_finding *findings;
	size_t n_findings;
} bt_cell_result;

typedef struct {
	int version;                 /* BT_EVAL_OPTS_VERSION */
	int year;
	bt_date as_of;               /* BT_DATE_NONE: 31 December of year */
	const bt_rules *rules;       /* NULL: the default rule set */
	bt_calendar *calendar;       /* holidays and overrides; NULL: computed holidays only */
} bt_eval_opts;

#define BT_EVAL_OPTS_VERSION 1
#define BT_EVAL_OPTS_INIT {BT_EVAL_OPTS_VERSION, 0, BT_DATE_NONE, NULL, NULL}

/*
 * Evaluate one cell. `records` holds the cell's record and every record about
 * it or its members (members, transfers, exemptions, meetings, dues, dues
 * months, targets, regulations, commitments, discipline, attestations);
 * records about other cells are ignored. Who is a member follows
 * bontot/membership.h: listed when in the cell on some day from 1 January to
 * the as-of date, evaluated when in it and not exempt at the as-of date
 * (docs/evaluation.md). The result's id and
 * name strings point into `records`: keep the records alive while the result
 * is used. *out belongs to the
 * caller: free with bt_cell_result_free. Returns 0, BT_ENOTFOUND (no such
 * cell among the records), BT_EINVALID (bad options) or BT_ENOMEM.
 */
int bt_eval_cell(bt_cell_result **out, const bt_record *const *records, size_t n_records, const char *cell_id,
		 const bt_eval_opts *opts) BT_WARN_UNUSED;

void bt_cell_result_free(bt_cell_result *result);

/* Append one cell's result as the evaluation JSON (one object, no newline). */
int bt_eval_cell_json(bt_buf *out, const bt_cell_result *result) BT_WARN_UNUSED;

/* Append the document head: {"year":Y,"as_of":"...","rules":"...","cells":[ */
int bt_eval_json_head(bt_buf *out, int year, bt_date as_of, const bt_rules *rules) BT_WARN_UNUSED;

/* Append the document tail: ]}\n */
int bt_eval_json_tail(bt_buf *out) BT_WARN_UNUSED;

/* Every number of a rule set as one JSON object (the fields of docs/rules.md, in a fixed order), appended to out. */
int bt_rules_json(bt_buf *out, const bt_rules *rules) BT_WARN_UNUSED;

/*
 * The window of month `month` (1-12) of `year` for the regular meeting
 * (docs/evaluation.md): from the rule set's first day to its last day, extended to the
 * last working day before a non-working first day and to the first working
 * day after a non-working last day. `calendar` is required (bt_calendar_new
 * gives the computed holidays).
 */
void bt_meeting_window(bt_date *first, bt_date *last, bt_calendar *calendar, const bt_rules *rules, int year, int month);

/* Why a planned meeting is not on the window's first day. */
typedef enum { BT_PLAN_ON_TIME = 0, BT_PLAN_WEEKEND, BT_PLAN_HOLIDAY } bt_plan_shift;

typedef struct {
	int month;                  /* 1-12 */
	bt_date window_first, window_last;
	bt_date date;               /* the proposed date of the regular meeting */
	int thematic;               /* 1: the quarter's thematic meeting is held with it */
	bt_plan_shift shift;        /* why `date` is not the window's nominal first day */
	bt_date shifted_from;       /* the nominal first day when shifted */
	char reason[128];           /* Vietnamese, e.g. "ngày 05/02/2026 là Thứ Bảy"; "" when on time */
} bt_plan_month;

/*
 * A cell's meeting calendar for a year: for each month the first working day
 * of the window from its nominal first day (or, when every day of it is off,
 * the window's extended last day), the thematic meeting of each quarter held
 * with the regular meeting of its last month. `calendar` is required. Pure.
 * Returns 0 or BT_EINVALID.
 */
int bt_plan_year(bt_plan_month out[12], bt_calendar *calendar, const bt_rules *rules, int year) BT_WARN_UNUSED;

/* The as-of date an evaluation of `year` uses when asked on `today`: today, kept within 1 Jan - 31 Dec of year. */
bt_date bt_eval_default_as_of(int year, bt_date today);

#ifdef __cplusplus
}
#endif
#endif
