/*
 * bontot/tlog.h - the office's transparency log (docs/audit.md): an RFC 6962
 * Merkle tree over every event the office holds, in the order it took them,
 * served as C2SP tlog-tiles and signed as a C2SP tlog-checkpoint (a signed
 * note, Ed25519). The hashing and the proofs here do no I/O: a
 * bt_tlog_source gives the leaves (and may cache full subtrees).
 */
#ifndef BONTOT_TLOG_H
#define BONTOT_TLOG_H

#include "bontot/common.h"
#include "bontot/eval.h" /* bt_buf */
#include "bontot/event.h"
#include "bontot/store.h"
#include "bontot/sync.h" /* bt_key */

#ifdef __cplusplus
extern "C" {
#endif

#define BT_TLOG_TILE_WIDTH 256 /* hashes in a full tile (tile height 8) */
#define BT_TLOG_PROOF_MAX 64   /* hashes in an inclusion or consistency proof, at most */

typedef struct {
	/* The leaf hashes of entries [start, start + n), n <= 256, into out. 0 or an error code. */
	int (*leaves)(void *ctx, uint64_t start, size_t n, uint8_t (*out)[BT_HASH_BYTES]);
	/*
	 * A cache of the hashes of full subtrees of height 8, 16... (what
	 * tiles above level 0 hold), may be NULL: get returns 1 and the hash,
	 * or 0; put keeps one (0 or an error code).
	 */
	int (*cache_get)(void *ctx, int height, uint64_t index, uint8_t out[BT_HASH_BYTES]);
	int (*cache_put)(void *ctx, int height, uint64_t index, const uint8_t hash[BT_HASH_BYTES]);
	void *ctx;
} bt_tlog_source;

/* RFC 6962: SHA-256(0x00 || entry) and SHA-256(0x01 || left || right). */
int bt_tlog_leaf_hash(uint8_t out[BT_HASH_BYTES], const void *entry, size_t len) BT_WARN_UNUSED;
int bt_tlog_node_hash(uint8_t out[BT_HASH_BYTES], const uint8_t left[BT_HASH_BYTES], const uint8_t right[BT_HASH_BYTES]) BT_WARN_UNUSED;

/* MTH(D[start:end]), end > start. */
int bt_tlog_range_hash(const bt_tlog_source *src, uint64_t start, uint64_t end, uint8_t out[BT_HASH_BYTES]) BT_WARN_UNUSED;
/* The root of the tree of `size` leaves (size 0: SHA-256 of nothing). */
int bt_tlog_root(const bt_tlog_source *src, uint64_t size, uint8_t out[BT_HASH_BYTES]) BT_WARN_UNUSED;

/*
 * Tile `index` of `level` (C2SP tlog-tiles), `width` hashes (1 to 256),
 * into out (width * 32 bytes): hash i is MTH of the 256^level entries from
 * (index * 256 + i) * 256^level.
 */
int bt_tlog_tile(const bt_tlog_source *src, int level, uint64_t index, int width, uint8_t *out) BT_WARN_UNUSED;

/* RFC 6962 audit path of leaf `index` in the tree of `size`; *n hashes. */
int bt_tlog_inclusion_proof(const bt_tlog_source *src, uint64_t index, uint64_t size, uint8_t (*out)[BT_HASH_BYTES],
			    size_t *n) BT_WARN_UNUSED;
/* RFC 6962 consistency proof from the tree of `m` leaves to the tree of `size` (0 < m <= size); *n hashes. */
int bt_tlog_consistency_proof(const bt_tlog_source *src, uint64_t m, uint64_t size, uint8_t (*out)[BT_HASH_BYTES],
			      size_t *n) BT_WARN_UNUSED;

/* RFC 9162 verification: 0, or BT_EBADSIG when the proof does not prove it. */
int bt_tlog_verify_inclusion(const uint8_t leaf[BT_HASH_BYTES], uint64_t index, uint64_t size, const uint8_t (*proof)[BT_HASH_BYTES],
			     size_t n, const uint8_t root[BT_HASH_BYTES]) BT_WARN_UNUSED;
int bt_tlog_verify_consistency(uint64_t m, uint64_t size, const uint8_t old_root[BT_HASH_BYTES], const uint8_t root[BT_HASH_BYTES],
			       const uint8_t (*proof)[BT_HASH_BYTES], size_t n) BT_WARN_UNUSED;

/*
 * A tile's path under the log's prefix: "tile/<L>/<N>[.p/<W>]" (level -1:
 * "tile/entries/<N>[.p/<W>]"), N in 3-digit elements, all but the last
 * with an "x" (1234067: x001/x234/067); width 256 is a full tile.
 */
void bt_tlog_tile_path(char *out, size_t size, int level, uint64_t index, int width);
/* Parse one; 0, or BT_EINVALID. *level is -1 for an entry bundle. */
int bt_tlog_tile_path_parse(const char *path, int *level, uint64_t *index, int *width) BT_WARN_UNUSED;

/* ---- the office's log, from a store (storage/tlog.c) ---- */

/* The entries the store's transparency log has: every event it holds, in the order it took them. */
int bt_store_tlog_size(bt_store *store, uint64_t *size) BT_WARN_UNUSED;
/*
 * The store's leaves as a bt_tlog_source (valid while the store is open):
 * leaf i is the i-th event's exact stored bytes. Full subtrees are cached
 * in the store (table tlog_hash) once computed.
 */
void bt_store_tlog_source(bt_store *store, bt_tlog_source *out);
/* The entry bundle `index` of `width` entries (uint16 big-endian length, then the bytes; each entry an event). */
int bt_store_tlog_entries(bt_store *store, uint64_t index, int width, bt_buf *out) BT_WARN_UNUSED;
/* A tile's bytes as /log/ serves them, appended to out: level -1 the entry bundle, else `width` hashes of 32 bytes. */
int bt_store_tlog_tile(bt_store *store, int level, uint64_t index, int width, bt_buf *out) BT_WARN_UNUSED;

/* Keep a witness's cosignature line (its newline included) of the checkpoint of `size`; one per device and size. */
int bt_store_tlog_cosig_put(bt_store *store, uint64_t size, const char *device, const char *line) BT_WARN_UNUSED;
/* Append the cosignature lines kept for `size` to out, by device. */
int bt_store_tlog_cosigs(bt_store *store, uint64_t size, bt_buf *out) BT_WARN_UNUSED;

/* ---- what an auditor's bundle carries (docs/audit.md) ---- */

/* Each batch head this store took, with its signer's Ed25519 signature (bt_head_message), by log and sequence number. */
int bt_store_head_sigs(bt_store *store,
		       int (*each)(const char *log, int64_t seq, const char *signer, const uint8_t *sig, void *payload),
		       void *payload) BT_WARN_UNUSED;
/* Every cosignature kept, by tree size and device. */
int bt_store_tlog_cosigs_each(bt_store *store, int (*each)(uint64_t size, const char *device, const char *line, void *payload),
			      void *payload) BT_WARN_UNUSED;
/* Every receipt published, oldest first. */
int bt_store_receipts(bt_store *store, int (*each)(const char *at, const char *note, void *payload), void *payload) BT_WARN_UNUSED;
/* Keep a published evaluation's exact bytes under their SHA-256 (once); get one back: 1, 0 when unknown, or an error. */
int bt_store_published_put(bt_store *store, const uint8_t hash[BT_HASH_BYTES], const char *body, size_t len) BT_WARN_UNUSED;
int bt_store_published_get(bt_store *store, const uint8_t hash[BT_HASH_BYTES], bt_buf *out) BT_WARN_UNUSED;
/*
 * Append n events of a transparency log to a store made to check it (an
 * auditor's scratch store, bt_audit_verify), in one transaction, folded as
 * any accepted event. Nothing here checks a signature: the caller has
 * checked the log (chains, heads, tree). 0, or an error and nothing kept.
 */
int bt_store_tlog_replay(bt_store *store, const uint8_t *const *bytes, const size_t *lens, size_t n) BT_WARN_UNUSED;

/* ---- what a tablet receives of the office's log (docs/protocol.md, "What a tablet receives") ---- */

/*
 * The events of the office's log `log` among the first `size` entries of
 * the transparency log that a tablet of `cell` may read: every version of
 * a fact one of whose versions concerns the cell (its own records, those
 * about a member who has been in it, transfers from or to it, its 1.3
 * attestations) and the commune's committees, cells and holidays. Those
 * whose sequence number is not in `held` (n_held sorted, disjoint ranges
 * [first, last]) go to each(entry, bytes, len) in the log's order, at most
 * `max`; *more is 1 when others remain. 0 or an error.
 */
int bt_store_cell_view(bt_store *store, const char *log, const char *cell, uint64_t size, const int64_t (*held)[2], size_t n_held,
		       size_t max, int (*each)(int64_t entry, const uint8_t *bytes, size_t len, void *payload), void *payload,
		       int *more) BT_WARN_UNUSED;
/*
 * On a tablet: take events of `log` - the office's own (office_log), or
 * another tablet's, known through the office, of `device_cell` - that the
 * caller proved are in the office's transparency log (inclusion proofs
 * against a checkpoint it verified); they need not be consecutive. An
 * event held already must be the same (BT_ECONFLICT); one of another log,
 * or a log this store writes or knows otherwise, is BT_EDENIED. One
 * transaction: all or nothing.
 */
int bt_store_accept_proven(bt_store *store, const char *office_log, const char *log, const char *device_cell,
			   const uint8_t *const *bytes, const size_t *lens, size_t n, bt_accept_stats *stats) BT_WARN_UNUSED;

/* ---- checkpoints: signed notes (sync/note.c) ---- */

#define BT_NOTE_MAX_BYTES 16384

/* The log's origin line and key name: "bontot/<office log id>". */
void bt_tlog_origin(char *out, size_t size, const char *office_log);
/*
 * The checkpoint (C2SP tlog-checkpoint) of a tree: "<origin>\n<size>\n<base64
 * root>\n", a blank line and one signature line "— <origin> <base64(key
 * ID || Ed25519 signature)>", the key ID as C2SP signed-note says.
 */
int bt_tlog_checkpoint(bt_buf *out, const char *origin, uint64_t size, const uint8_t root[BT_HASH_BYTES], const bt_key *key) BT_WARN_UNUSED;
/* The verifier key of the signed notes: "<origin>+<key ID, 8 hex>+<base64(0x01 || public key)>". */
int bt_tlog_vkey(char *out, size_t size, const char *origin, const bt_key *key) BT_WARN_UNUSED;
/*
 * Open a signed note (C2SP signed-note) with a verifier key: 0 with the
 * length of its text (what is signed, its final newline included), or
 * BT_EBADSIG (no valid signature by that key), BT_ECORRUPT (not a note),
 * BT_EINVALID (not a verifier key).
 */
int bt_note_open(const char *note, size_t len, const char *vkey, size_t *text_len) BT_WARN_UNUSED;
/*
 * Verify a checkpoint against a verifier key: 0 with its size and root, or
 * BT_EBADSIG (no valid signature by that key), BT_ECORRUPT (not a
 * checkpoint of that origin).
 */
int bt_tlog_checkpoint_verify(const char *note, size_t len, const char *vkey, uint64_t *size,
			      uint8_t root[BT_HASH_BYTES]) BT_WARN_UNUSED;

/*
 * A signed evaluation receipt: what the office published, bound to the log
 * it computed it from. A signed note by the log's key (the checkpoint's key
 * name and key), text:
 *   bontot evaluation receipt v1\n<origin>\n<tree size>\n<base64 root>\n
 *   rules <label>\nyear <Y>\nas_of <YYYY-MM-DD>\ncell <CELL or *>\n
 *   sha256 <hex of the evaluation JSON as served>\n
 */
int bt_tlog_receipt(bt_buf *out, const char *origin, uint64_t size, const uint8_t root[BT_HASH_BYTES], const char *rules_label,
		    int year, bt_date as_of, const char *cell, const uint8_t body_sha256[BT_HASH_BYTES], const bt_key *key) BT_WARN_UNUSED;

/* Keep a receipt the office published (table receipt). */
int bt_store_receipt_put(bt_store *store, const char *note) BT_WARN_UNUSED;

/* ---- cosignatures: tablets as witnesses (C2SP tlog-cosignature, cosignature/v1, Ed25519) ---- */

/* A witness's key name: "bontot-witness/<its log id>". */
void bt_tlog_witness_name(char *out, size_t size, const char *device_log);
/* The witness's verifier key: "<name>+<key ID>+<base64(0x04 || public key)>". */
int bt_tlog_witness_vkey(char *out, size_t size, const char *name, const bt_key *key) BT_WARN_UNUSED;
/*
 * Cosign a checkpoint's text (its three lines and final newline, no
 * signatures) at `timestamp`: appends one signature line "— <name>
 * base64(key ID || u64 timestamp || Ed25519 signature of "cosignature/v1\n
 * time <timestamp>\n" and the text)\n" to out.
 */
int bt_tlog_cosign(bt_buf *out, const char *name, const bt_key *key, const char *text, size_t len, int64_t timestamp) BT_WARN_UNUSED;
/* Check one such line (without its newline) by `name` and `key` over the text: 0 and *timestamp, or BT_EBADSIG. */
int bt_tlog_cosignature_verify(const char *text, size_t len, const char *line, size_t line_len, const char *name,
			       const bt_key *key, int64_t *timestamp) BT_WARN_UNUSED;
/* The text of the checkpoint of a tree (what is signed): "<origin>\n<size>\n<base64 root>\n". */
int bt_tlog_checkpoint_text(bt_buf *out, const char *origin, uint64_t size, const uint8_t root[BT_HASH_BYTES]) BT_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
