/*
 * bontot/event.h - the event: the immutable unit of the log (docs/storage.md).
 *
 * Format version 2. An event is these exact bytes (compact JSON, fields in
 * this order, no spaces):
 *
 *   {"v":2,"log":<string>,"seq":<integer>,"prev":<string>,"ts":<string>,
 *    "author":<string>,"base":[<string>...],"rec":<record>}
 *
 *   v       format version, 2 (version 1 has no "base"; still read)
 *   log     id of the log (one per device or office store), 1-64 bytes
 *   seq     position in that log, 1, 2, 3, ... without gaps
 *   prev    lower-case hex SHA-256 of the previous event of the same log;
 *           64 zeros for seq 1
 *   ts      when it was recorded, UTC, "YYYY-MM-DDTHH:MM:SSZ"
 *   author  who recorded it (a device or a person), JSON string
 *   base    the versions of the same fact this one replaces: those its author
 *           had as the fact's current state, each "log#seq", sorted, unique;
 *           [] for a first version. A version-1 event is taken to replace
 *           every earlier version (docs/offline.md)
 *   rec     the record's canonical bytes (bontot/records.h), always last
 *
 * The event's hash is SHA-256 of the bytes exactly as stored: the bytes are
 * kept, shipped and hashed as they are, never replaced by a re-encoding.
 * Decoding checks that the bytes are what the encoder would have written for
 * the fields it finds (so two encodings of one event cannot exist), and that
 * rec is canonical.
 */
#ifndef BONTOT_EVENT_H
#define BONTOT_EVENT_H

#include "bontot/eval.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BT_EVENT_VERSION 2
#define BT_EVENT_MAX_BASE 64 /* versions one correction may name as replaced */
#define BT_HASH_BYTES 32
#define BT_EVENT_MAX_BYTES (64 * 1024)
#define BT_LOG_ID_MAX_BYTES 64
/* 1 when `log` is a valid log id: 1 to 64 of the letters a-z A-Z, digits and - _ . (no accents, no spaces). */
int bt_log_id_valid(const char *log);
#define BT_TIMESTAMP_BYTES 21 /* "YYYY-MM-DDTHH:MM:SSZ" plus NUL */

typedef struct {
	char log[BT_LOG_ID_MAX_BYTES + 1];
	int64_t seq;
	uint8_t prev[BT_HASH_BYTES];
	char ts[BT_TIMESTAMP_BYTES];
	char *author;         /* malloc'ed */
	int version;          /* 1 or 2 */
	char **base;          /* version 2: the versions it replaces, "log#seq" (malloc'ed) */
	size_t n_base;
	bt_record *rec;       /* parsed record, owned */
	uint8_t hash[BT_HASH_BYTES];
} bt_event;

/*
 * Encode a version-2 event into out (appended). `rec` must be a finished
 * record; `base` (n_base refs "log#seq", any order) is written sorted and
 * unique. Returns 0, BT_EINVALID (bad log id, timestamp, author or ref) or
 * BT_ENOMEM.
 */
int bt_event_encode(bt_buf *out, const char *log, int64_t seq, const uint8_t prev[BT_HASH_BYTES], const char *ts,
		    const char *author, const char *const *base, size_t n_base, const bt_record *rec) BT_WARN_UNUSED;

/*
 * Decode and check event bytes. *out is filled (free its parts with
 * bt_event_clear). BT_ECORRUPT when the bytes are not a well-formed,
 * canonically encoded version-1 or version-2 event.
 */
int bt_event_decode(bt_event *out, const uint8_t *bytes, size_t len) BT_WARN_UNUSED;

void bt_event_clear(bt_event *ev);

/* Check a ref "log#seq" (seq >= 1, no leading zero). Returns 1 when valid; *seq and the log's length when not NULL. */
int bt_ref_parse(const char *ref, size_t *log_len, int64_t *seq);

/* Check "YYYY-MM-DDTHH:MM:SSZ". Returns 1 when valid. */
int bt_timestamp_valid(const char *ts);

#ifdef __cplusplus
}
#endif
#endif
