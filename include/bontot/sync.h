/*
 * bontot/sync.h - what a tablet sends to the office (issue #4, first part):
 * device keys (Ed25519, PEM) and signed, compressed batches of a log's
 * events. The network protocol (server, client, enrollment) is not built yet;
 * docs/protocol.md describes the batch byte by byte.
 *
 * A device signs its log head, not every event (DESIGN.md decision 3): one
 * Ed25519 signature over (log, sequence, hash) of the batch's last event
 * covers the whole chain behind it. Verification checks the signature before
 * decompressing anything, then every event's bytes, sequence and prev hash.
 */
#ifndef BONTOT_SYNC_H
#define BONTOT_SYNC_H

#include "bontot/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BT_ED25519_SIG_BYTES 64
#define BT_ED25519_PUBLIC_BYTES 32
#define BT_BATCH_VERSION 1
#define BT_BATCH_MAX_EVENTS 100000
#define BT_BATCH_DEFAULT_MAX_BYTES (16u << 20) /* after decompression */

typedef struct bt_key bt_key;

/* A new Ed25519 key pair. Free with bt_key_free (the private key is wiped by OpenSSL). */
int bt_key_generate(bt_key **out) BT_WARN_UNUSED;

/* Write the private key as PKCS#8 PEM, file mode 0600. BT_EEXISTS if the file exists. */
int bt_key_save_private(const bt_key *key, const char *path) BT_WARN_UNUSED;

/* Read a private key file (PEM). BT_EINVALID if it is not an Ed25519 private key. */
int bt_key_load_private(bt_key **out, const char *path) BT_WARN_UNUSED;

/* The public key as SubjectPublicKeyInfo PEM (malloc'ed, NUL-terminated), which `openssl pkey -pubin` reads. */
int bt_key_public_pem(char **out, const bt_key *key) BT_WARN_UNUSED;

/* A public key from PEM text. */
int bt_key_from_public_pem(bt_key **out, const char *pem, size_t len) BT_WARN_UNUSED;

/* The raw 32-byte public key. */
int bt_key_public_raw(uint8_t out[BT_ED25519_PUBLIC_BYTES], const bt_key *key) BT_WARN_UNUSED;

void bt_key_free(bt_key *key);

/*
 * The exact text a device signs for its log head (docs/protocol.md):
 *   "bontot log head v1\n" log "\n" seq "\n" hex(hash) "\n"
 * so that `openssl pkeyutl -verify -rawin` can check a signature by hand.
 */
int bt_head_message(bt_buf *out, const char *log, int64_t seq, const uint8_t hash[BT_HASH_BYTES]) BT_WARN_UNUSED;

/* Sign / verify a log head. Verify returns 0 or BT_EBADSIG. */
int bt_head_sign(uint8_t sig[BT_ED25519_SIG_BYTES], const bt_key *key, const char *log, int64_t seq,
		 const uint8_t hash[BT_HASH_BYTES]) BT_WARN_UNUSED;
int bt_head_verify(const bt_key *key, const char *log, int64_t seq, const uint8_t hash[BT_HASH_BYTES],
		   const uint8_t sig[BT_ED25519_SIG_BYTES]) BT_WARN_UNUSED;

/*
 * Build a batch of events of `log` from `from_seq` on, read from the store:
 * at most max_events events (0: all), signed with `device`. Appends to out.
 * *count receives the number of events (0: nothing to send, out unchanged).
 */
int bt_batch_build(bt_buf *out, size_t *count, bt_store *store, const char *log, int64_t from_seq, size_t max_events,
		   const bt_key *device) BT_WARN_UNUSED;

/* A verified batch: events in order, each decoded. */
typedef struct {
	char log[BT_LOG_ID_MAX_BYTES + 1];
	int64_t first_seq;
	uint8_t prev[BT_HASH_BYTES];  /* prev hash of the first event: where the chain attaches */
	uint8_t head[BT_HASH_BYTES];  /* hash of the last event */
	bt_event *events;
	size_t n_events;
	uint8_t **bytes;              /* each event's exact bytes */
	size_t *lens;
} bt_batch;

/*
 * Check and open a batch: the header, then the signature over its head with
 * `device` (before any decompression), then decompression bounded by
 * max_bytes (0: BT_BATCH_DEFAULT_MAX_BYTES), then each event: canonical
 * encoding, the batch's log, consecutive sequence numbers, the prev chain,
 * and the last hash equal to the signed head. Returns 0, BT_ECORRUPT,
 * BT_EBADSIG or BT_ENOMEM; nothing is returned from a batch that fails.
 */
int bt_batch_open(bt_batch **out, const uint8_t *data, size_t len, const bt_key *device, size_t max_bytes) BT_WARN_UNUSED;

void bt_batch_free(bt_batch *batch);

/* ---- the office side: devices and accepting their batches ---- */

typedef enum {
	BT_ROLE_DEVICE_SECRETARY = 1,
	BT_ROLE_DEVICE_DEPUTY,
	BT_ROLE_DEVICE_OFFICE /* the office's own log, as a tablet receives it: may record anything */
} bt_device_role;

/*
 * Register a device (its id is the id of its log) for one cell and role,
 * with its public key (for BT_ROLE_DEVICE_OFFICE the cell is ignored).
 * BT_EEXISTS if the id is taken, BT_ENOTFOUND if the cell is unknown.
 */
int bt_store_device_add(bt_store *store, const char *device_id, const char *cell_id, bt_device_role role,
			const bt_key *public_key) BT_WARN_UNUSED;

/* Revoke a device (a lost tablet): its batches are refused from now on. BT_ENOTFOUND if unknown. */
int bt_store_device_revoke(bt_store *store, const char *device_id) BT_WARN_UNUSED;

typedef struct {
	size_t events;    /* in the batch */
	size_t accepted;  /* new, appended and applied */
	size_t already;   /* held already (a batch sent twice) */
	size_t lost;      /* accepted but not current: a later version from another device wins */
	int64_t head_seq; /* the device's log as the office now holds it */
} bt_accept_stats;

/*
 * Accept a device's batch into the office store, in one transaction: the
 * device must be enrolled and not revoked; the batch must verify
 * (bt_batch_open); it must continue what the office holds of that log (events
 * held already must be identical and are skipped - sending twice is harmless);
 * every event must be within the device's cell (a device may record members,
 * meetings, dues, targets, commitments, exemptions, discipline, the
 * regulation and 2.x attestations of its own cell; committees, cells,
 * holidays, transfers and 1.3 attestations are the office's); and every record
 * must pass the same checks as an import. Then the events are appended with
 * their exact bytes and applied. A refused batch applies nothing: BT_EDENIED
 * (device, scope), BT_EBADSIG, BT_ECORRUPT, BT_ECONFLICT (a gap or a fork in
 * the chain), BT_EINVALID / BT_ENOTFOUND (a record), BT_EIO.
 */
int bt_store_accept(bt_store *store, const uint8_t *batch, size_t len, bt_accept_stats *stats) BT_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
