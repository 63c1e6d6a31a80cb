/*
 * bontot/audit.h - the auditor's offline bundle (docs/audit.md): the
 * office's whole transparency log in one tar file - its checkpoint and
 * the tablets' cosignatures, the tiles and entries exactly as served
 * under /log/, every key with the part of the log where it was valid,
 * every signed batch head, every published evaluation receipt with the
 * evaluation itself - and the verifier that checks all of it and
 * recomputes every published evaluation from the events, offline.
 */
#ifndef BONTOT_AUDIT_H
#define BONTOT_AUDIT_H

#include "bontot/common.h"
#include "bontot/eval.h"
#include "bontot/store.h"
#include "bontot/sync.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Publish an evaluation: its JSON (bt_store_evaluation_json) into body,
 * and the receipt the office signs for it (bt_tlog_receipt, over the
 * tree as it is now) into receipt; both are kept in the store (tables
 * receipt and published). What GET /v1/evaluation serves, and what an
 * export puts in the bundle.
 */
int bt_audit_publish(bt_buf *body, bt_buf *receipt, bt_store *store, const bt_key *office_key, const bt_eval_opts *opts,
		     const char *cell_id) BT_WARN_UNUSED;

/*
 * The bundle of the office's store (its own log is the office's), signed
 * with its key, into out: the checkpoint of the tree as it is now, and
 * evaluations of `year` as of `as_of` (BT_DATE_NONE: the year's end, or
 * today when in that year: the caller decides) published for it (year 0:
 * none beyond those already published). Progress (stage "audit") when set on the store.
 */
int bt_audit_export(bt_buf *out, bt_store *store, const bt_key *office_key, int year, bt_date as_of) BT_WARN_UNUSED;

typedef struct {
	const char *code;   /* e.g. "ROOT_MISMATCH", "EVENT_CHANGED" (docs/audit.md) */
	char log[BT_LOG_ID_MAX_BYTES + 1]; /* "" when none */
	int64_t seq;        /* 0 when none */
	int64_t leaf;       /* index in the log, -1 when none */
	char cell[BT_ID_MAX_BYTES + 1], member[BT_ID_MAX_BYTES + 1];
	char message[512];  /* for people, in the message catalog's language */
} bt_audit_problem;

#define BT_AUDIT_PROBLEMS_KEPT 1000

typedef struct {
	uint64_t size;         /* leaves of the checkpoint */
	size_t logs, heads, cosignatures, receipts, evaluations; /* checked; evaluations: recomputed */
	char vkey[256];        /* the office's verifier key the bundle was checked against */
	int vkey_from_bundle;  /* 1: none was given, the bundle's own was used */
	size_t n_problems;     /* found; the first BT_AUDIT_PROBLEMS_KEPT are kept */
	bt_audit_problem *problems;
} bt_audit_report;

/*
 * Check a bundle: 0 when the check ran (the bundle verifies exactly when
 * n_problems is 0), or an error that stopped it (BT_ENOMEM, BT_EIO).
 * vkey: the office's verifier key as the auditor has it (bontot office
 * vkey); NULL trusts the key in the bundle, which the report names.
 * Free the report with bt_audit_report_free.
 */
int bt_audit_verify(bt_audit_report *out, const uint8_t *bundle, size_t len, const char *vkey) BT_WARN_UNUSED;
void bt_audit_report_free(bt_audit_report *report);

#ifdef __cplusplus
}
#endif
#endif
