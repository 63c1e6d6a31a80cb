/*
 * merge.h - internal: the state of one fact from all of its versions, field
 * by field (docs/offline.md, "Versions and corrections"). Pure.
 */
#ifndef BT_CORE_MERGE_H
#define BT_CORE_MERGE_H

#include "bontot/records.h"
#include "buf.h"

typedef struct {
	const bt_record *rec;       /* the version's record (canonical) */
	const char *ref;            /* the event, "log#seq" */
	const char *ts, *log;       /* its place in the order of versions: timestamp, log, sequence */
	int64_t seq;
	const char *const *base;    /* the versions its author had as the fact's current state ("log#seq") */
	size_t n_base;
	int base_known;             /* 0 for a version-1 event: it is taken to have seen every earlier version */
} bt_version;

typedef struct {
	size_t loser, winner;       /* indexes into the versions given to bt_merge */
	char field[BT_ID_MAX_BYTES + 16]; /* "name", "attendance.DV-01", "start/end"... */
	int settled;                /* a later version had seen both */
} bt_merge_conflict;

typedef struct {
	bt_record *merged;          /* the fact's state: each field from its latest writer */
	size_t latest;              /* the version latest in the order */
	size_t *heads;              /* versions no other version had seen (the base of the next correction) */
	size_t n_heads;
	BT_ARRAY(bt_merge_conflict) conflicts;
} bt_merge_result;

/*
 * Merge n >= 1 versions of one fact (any order in, the same result out).
 * A version writes the fields in which it differs from the state it was
 * based on (the merge of the versions it had seen); each field takes the
 * value of its latest writer. Two writers of a field that had not seen each
 * other, with different values, are a conflict. Returns 0, BT_ENOMEM or
 * BT_ECORRUPT (a record that does not parse back).
 */
int bt_merge(bt_merge_result *out, const bt_version *versions, size_t n) BT_WARN_UNUSED;

void bt_merge_result_free(bt_merge_result *r);

/* -1, 0, 1: the order of two versions (timestamp, log, sequence). */
int bt_version_order(const bt_version *a, const bt_version *b);

#endif
