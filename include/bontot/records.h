/*
 * bontot/records.h - the records of the interchange format (docs/format.md), parsed and validated.
 *
 * A record is one line of the interchange format (UTF-8 JSON). Parsing checks
 * everything that can be checked from the line alone (field types, dates,
 * times, enumerations, end after start, speakers present...), normalises text
 * to Unicode NFC, and produces the record's canonical bytes: compact JSON with
 * sorted keys and every field of its kind present (absent optional fields
 * written as null), so the same fact always has the same bytes. Checks that
 * need other records (does the member exist? is everyone required listed?)
 * belong to the store's import.
 */
#ifndef BONTOT_RECORDS_H
#define BONTOT_RECORDS_H

#include "bontot/calendar.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	BT_KIND_COMMITTEE = 1,
	BT_KIND_CELL,
	BT_KIND_MEMBER,
	BT_KIND_EXEMPTION,
	BT_KIND_HOLIDAY,
	BT_KIND_REGULATION,
	BT_KIND_TARGET,
	BT_KIND_COMMITMENT,
	BT_KIND_MEETING,
	BT_KIND_DUES,
	BT_KIND_DISCIPLINE,
	BT_KIND_ATTESTATION,
	BT_KIND_TRANSFER,  /* bontot's extension: a member moves between cells (docs/format.md) */
	BT_KIND_DUES_MONTH, /* one act of the secretary: these members paid this month (docs/format.md) */
	BT_KIND_SETTLE      /* a person's decision on a finding (docs/offline.md) */
} bt_kind;
#define BT_KIND_COUNT 15

/* The kind's name in the interchange format ("meeting"), or NULL. */
const char *bt_kind_name(bt_kind kind);
/* The kind's name for people, in the messages' language ("buổi sinh hoạt"); "?" for no kind. */
const char *bt_kind_title(bt_kind kind);

typedef enum { BT_PRESENT = 0, BT_EXCUSED = 1, BT_ABSENT = 2 } bt_attendance_status;
typedef enum { BT_OFFICIAL = 0, BT_PROBATIONARY = 1 } bt_member_status;
typedef enum { BT_ROLE_SECRETARY = 0, BT_ROLE_DEPUTY, BT_ROLE_COMMITTEE, BT_ROLE_MEMBER } bt_member_role;

/* Tri-state for done / fulfilled: still open is BT_OPEN. */
#define BT_OPEN (-1)

/* Meeting flags. */
#define BT_MEETING_REGULAR 0x01u
#define BT_MEETING_THEMATIC 0x02u
#define BT_MEETING_PREPARED 0x04u
#define BT_MEETING_RESOLUTION 0x08u
#define BT_MEETING_MINUTES 0x10u

typedef struct {
	char *member;
	bt_attendance_status status;
} bt_attendance;

/*
 * One record. Which fields are meaningful depends on `kind` (see
 * docs/format.md); unused string fields are NULL and unused dates BT_DATE_NONE.
 * All strings are NUL-terminated UTF-8 in NFC, owned by the record.
 */
typedef struct bt_record {
	bt_kind kind;
	char *id;        /* committee, cell, member, meeting, target, commitment */
	char *name;      /* committee, cell, member */
	char *committee; /* cell */
	char *cell;      /* member, meeting, target, regulation, dues_month, settle */
	char *member;    /* exemption, dues, commitment, discipline, transfer */
	char *subject;   /* attestation: a member id or a cell id */
	char *cell_from, *cell_to; /* transfer: the member leaves cell_from and joins cell_to on `date` */
	char *text;      /* title (target, commitment), reason (exemption), form (discipline), note */
	char *finding;   /* settle: the id of the finding it settles */
	char **members;  /* dues_month: the members who paid, sorted, unique */
	size_t n_members;
	bt_date born, joined, left;   /* member */
	bt_date from, to;             /* exemption */
	bt_date date;                 /* meeting, discipline, holiday, transfer; regulation: issued; dues, dues_month: paid_on */
	bt_member_status status;
	bt_member_role role;
	int start_minute, end_minute; /* meeting, minutes since midnight */
	unsigned flags;               /* meeting: BT_MEETING_* */
	bt_attendance *attendance;    /* meeting, sorted by member id */
	size_t n_attendance;
	char **speakers;              /* meeting, sorted, unique */
	size_t n_speakers;
	bt_month month;               /* dues, dues_month */
	int64_t amount;               /* dues, dues_month, in đồng */
	int year;                     /* target, commitment, attestation */
	int done;                     /* target: 1, 0 or BT_OPEN; commitment: fulfilled */
	int pass;                     /* attestation */
	char criterion[4];            /* attestation: "1.3", "2.1", "2.2", "2.4" */
	int working;                  /* holiday */

	char *key;                    /* identity of the fact within its kind (see bt_record_key) */
	char *canonical;              /* canonical JSON bytes, NUL-terminated */
	size_t canonical_len;

	/*
	 * Where a record read from a store comes from: the latest version of the
	 * fact that counts, as "log#seq", and its timestamp. NULL for a record
	 * parsed from text. Owned like the other strings.
	 */
	char *ref, *ts;
} bt_record;

#define BT_ID_MAX_BYTES 64
#define BT_FINDING_ID_MAX_BYTES 400 /* a settle record's finding id */
#define BT_DUES_MONTH_MAX_MEMBERS 2000
#define BT_TEXT_MAX_BYTES 2000
#define BT_LINE_MAX_BYTES (64 * 1024)

/*
 * Parse one interchange line into *out. On failure returns BT_EINVALID and the
 * error message names the field ("meeting: field \"end\": ..."); the caller
 * adds the line number. Free the record with bt_record_free.
 */
int bt_record_parse(bt_record **out, const char *text, size_t len) BT_WARN_UNUSED;

/*
 * Build the canonical bytes and key of a record filled in by hand (all
 * strings already NFC). Used by the store when it loads records back and by
 * tests. Returns 0, BT_EINVALID or BT_ENOMEM.
 */
int bt_record_finish(bt_record *rec) BT_WARN_UNUSED;

void bt_record_free(bt_record *rec);

/*
 * Normalise UTF-8 text to NFC. *out is malloc'ed. BT_EINVALID for bytes that
 * are not valid UTF-8 or that contain control characters (other than tab and
 * newline when allow_newlines is set).
 */
int bt_text_nfc(char **out, const char *text, size_t len, int allow_newlines) BT_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
