/*
 * bontot/findings.h - disagreements between records, kept for a person to
 * settle (docs/offline.md).
 *
 * Replicas see the world at different times: the office moves a member
 * while a tablet records the meeting he attended. A record that arrives from
 * another device is not refused for that; where it disagrees with other
 * records, a finding says so. Findings are derived data: every replica
 * computes the same findings from the same set of records, whatever order
 * they arrived in. A person settles one with an ordinary record - a
 * correction that removes the disagreement, or a `settle` record that notes
 * a decision.
 *
 * The cell's findings (NOT_IN_CELL ... DUPLICATE_MEETING) are a pure
 * function of the cell's records (bt_findings_cell); the store adds the
 * findings about versions (CONCURRENT_CHANGE, OUT_OF_SCOPE) and keeps all
 * of them indexed (bontot/store.h).
 */
#ifndef BONTOT_FINDINGS_H
#define BONTOT_FINDINGS_H

#include "bontot/event.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Finding codes: append-only. */
typedef enum {
	BT_F_NOT_IN_CELL = 0,     /* a mark, speaker or dues for a member not in that cell then: left out */
	BT_F_UNMARKED_MEMBER,     /* a member required at a meeting has no mark: left out of its count */
	BT_F_SPEAKER_NOT_PRESENT, /* a speaker not marked present: not counted as having spoken */
	BT_F_DUPLICATE_MEETING,   /* two meetings of one cell on one date: the later counts */
	BT_F_CONCURRENT_CHANGE,   /* two devices changed one field without seeing each other: the later counts */
	BT_F_OUT_OF_SCOPE,        /* an authentic record outside its device's cell or role: kept, not applied */
	BT_F_COUNT
} bt_finding_code;

/* "NOT_IN_CELL", ... or NULL. Static storage. */
const char *bt_finding_code_name(bt_finding_code code);

#define BT_REF_BYTES (BT_LOG_ID_MAX_BYTES + 24) /* an event named as "log#seq" */
#define BT_FACT_KEY_BYTES 200
#define BT_FINDING_RECORDS 4

typedef struct bt_finding {
	bt_finding_code code;
	char id[BT_FINDING_ID_MAX_BYTES + 1]; /* stable identity, the same on every replica (what `settle` names) */
	char cell[BT_ID_MAX_BYTES + 1];       /* the cell whose secretary should look ("" for the commune) */
	bt_kind kind;                         /* the fact concerned */
	char key[BT_FACT_KEY_BYTES];
	bt_kind other_kind;                   /* DUPLICATE_MEETING: the meeting that counts; else 0 */
	char other_key[BT_FACT_KEY_BYTES];
	char member[BT_ID_MAX_BYTES + 1];     /* "" when it does not apply */
	bt_date date;                         /* BT_DATE_NONE when it does not apply */
	char field[BT_ID_MAX_BYTES + 16];     /* "attendance", "speakers", "members", "month", a changed field... */
	char device[BT_LOG_ID_MAX_BYTES + 1]; /* OUT_OF_SCOPE: the device whose record it is */
	char records[BT_FINDING_RECORDS][BT_REF_BYTES]; /* the events it concerns, "log#seq" */
	size_t n_records;
	int settled;                          /* a settle record names it */
	const char *settle_note;              /* its note (borrowed, for the callback), or NULL */
} bt_finding;

typedef struct {
	bt_finding *v;
	size_t n, cap;
} bt_findings;

void bt_findings_free(bt_findings *findings);

/* Fill f->id from its code and the facts it names (the rule is in docs/offline.md). */
void bt_finding_make_id(bt_finding *f);

/* The first 8 hex digits of SHA-256(id): what a person types to name a finding. */
#define BT_FINDING_SHORT_BYTES 9
void bt_finding_short_id(char out[BT_FINDING_SHORT_BYTES], const char *id);

/* What the finding is and what to do, in Vietnamese (UTF-8). */
void bt_finding_message(char *out, size_t size, const bt_finding *f);

/*
 * The findings of cell `cell_id` among its records (as the store loads
 * them for the cell, all years): NOT_IN_CELL, UNMARKED_MEMBER,
 * SPEAKER_NOT_PRESENT, DUPLICATE_MEETING, sorted by date, code and id.
 * Records carry their origin (`ref`, `ts`) when they come from a store;
 * `records` of a finding is filled from it. Pure. Returns 0 or BT_ENOMEM;
 * *out (appended to) belongs to the caller.
 */
int bt_findings_cell(bt_findings *out, const bt_record *const *records, size_t n, const char *cell_id) BT_WARN_UNUSED;

/*
 * Which of a cell's meetings count (DUPLICATE_MEETING): of the meetings on
 * one date, the one whose latest version is latest in the order of
 * timestamp, then log, then meeting id. Sets loses[i] to 1 for the others.
 * `meetings` are all of one cell.
 */
void bt_meetings_duplicates(unsigned char *loses, const bt_record *const *meetings, size_t n);

/*
 * Append a finding as JSON (docs/offline.md): {"code","id","records",
 * "events","member","date","field","settled","message"}, the optional ones
 * left out when they do not apply. "records" names the facts it concerns
 * ("meeting:CB-01-2026-07-06"), the same on every replica and after an
 * export; "events" (with_events) the versions, "log#seq", which an export
 * into another store does not keep. The bytes depend on the finding alone.
 */
int bt_finding_json(bt_buf *out, const bt_finding *f, int with_events) BT_WARN_UNUSED;

/* Sort findings by date (undated last), code, id. */
void bt_findings_sort(bt_findings *findings);

#ifdef __cplusplus
}
#endif
#endif
