/*
 * bontot/sync.h - how tablets and the office exchange records
 * (docs/protocol.md): device keys (Ed25519, PEM), signed and compressed
 * batches of a log's events, the devices a store knows and the accepting of
 * their batches (docs/offline.md), one-time enrollment codes, the office's
 * HTTP(S) server (sync/server.c) and the tablet's client (sync/client.c).
 * docs/protocol.md describes the batch byte by byte and every endpoint.
 *
 * A device signs its log head, not every event (docs/protocol.md): one
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
/* A public key from its 32 raw bytes (RFC 8032). */
int bt_key_from_public_raw(bt_key **out, const uint8_t raw[BT_ED25519_PUBLIC_BYTES]) BT_WARN_UNUSED;

void bt_key_free(bt_key *key);

/*
 * The message a device signs for a request to the office (headers
 * X-Bontot-Device, X-Bontot-Counter, X-Bontot-Signature; docs/protocol.md):
 * "bontot request v2\n" DEVICE "\n" COUNTER "\n" METHOD " " PATH "\n",
 * PATH without the query. The counter goes up with every request of the
 * device (bt_store_device_counter): a replay is refused whatever the
 * device's clock says.
 */
int bt_request_message(bt_buf *out, const char *device, int64_t counter, const char *method, const char *path) BT_WARN_UNUSED;

/* Ed25519 over msg; BT_EINVALID for a public-only key. */
int bt_key_sign(uint8_t sig[BT_ED25519_SIG_BYTES], const bt_key *key, const void *msg, size_t len) BT_WARN_UNUSED;
/* 0 when sig is key's over msg, else BT_EBADSIG. */
int bt_key_verify(const bt_key *key, const void *msg, size_t len, const uint8_t sig[BT_ED25519_SIG_BYTES]) BT_WARN_UNUSED;

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

/*
 * The same from events held in memory (their exact bytes, in order, the
 * first numbered from_seq): for a device that keeps its log elsewhere, and
 * for the benchmarks. The events are checked only for being well formed.
 */
int bt_batch_build_events(bt_buf *out, const char *log, int64_t from_seq, const uint8_t *const *events,
			  const size_t *lens, size_t n, const bt_key *device) BT_WARN_UNUSED;

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
 * and the last hash equal to the signed head. Returns 0, BT_ECORRUPT (also
 * for a body that inflates past max_bytes or an event over
 * BT_EVENT_MAX_BYTES), BT_EBADSIG or BT_ENOMEM (out of memory); nothing is
 * returned from a batch that fails.
 */
int bt_batch_open(bt_batch **out, const uint8_t *data, size_t len, const bt_key *device, size_t max_bytes) BT_WARN_UNUSED;

void bt_batch_free(bt_batch *batch);

/* ---- the office side: devices and accepting their batches ---- */

typedef enum {
	BT_ROLE_DEVICE_SECRETARY = 1,
	BT_ROLE_DEVICE_DEPUTY,
	BT_ROLE_DEVICE_OFFICE, /* the office's own log, as a tablet receives it: may record anything */
	BT_ROLE_DEVICE_RELAYED /* on a tablet: another tablet (of its cell, or of a cell sharing a member), known only through what the office relays */
} bt_device_role;

/*
 * Register a device (its id is the id of its log) for one cell and role,
 * with its public key (for BT_ROLE_DEVICE_OFFICE the cell is ignored; the
 * cell need not be known yet - a replica may learn of it later; an
 * enrollment code is only ever made for a known cell). BT_EEXISTS if the id
 * is taken.
 */
int bt_store_device_add(bt_store *store, const char *device_id, const char *cell_id, bt_device_role role,
			const bt_key *public_key) BT_WARN_UNUSED;

/*
 * An enrolled device's cell, role, whether it is revoked, and (when key is
 * not NULL) its public key (free with bt_key_free). BT_ENOTFOUND if unknown.
 */
int bt_store_device_lookup(bt_store *store, const char *device_id, char cell[BT_ID_MAX_BYTES + 1], bt_device_role *role,
			   int *revoked, bt_key **key) BT_WARN_UNUSED;

/* Revoke a device (a lost tablet): its batches are refused from now on. BT_ENOTFOUND if unknown. */
int bt_store_device_revoke(bt_store *store, const char *device_id) BT_WARN_UNUSED;

/*
 * Replay protection for a device's signed requests, independent of its
 * clock: a request carries a counter that must be above the last one the
 * office took from that device. Takes `counter` and returns 0, or
 * BT_EDENIED with *last (may be NULL) set to the last counter taken.
 */
int bt_store_device_counter(bt_store *store, const char *device_id, int64_t counter, int64_t *last) BT_WARN_UNUSED;

typedef struct {
	const char *id;        /* the device, and its log */
	const char *cell;      /* "" for the office */
	bt_device_role role;
	int revoked;
	int64_t head_seq;      /* the last event of its log held here (0: none yet) */
	const char *public_key; /* PEM */
	/*
	 * The size of the transparency log when the device was enrolled and
	 * when it was revoked: its batches are valid between the two (-1:
	 * not known - enrolled by a version before 12 of the store; not revoked).
	 */
	int64_t enrolled_size, revoked_size;
} bt_device_info;

/* Call `each` for every enrolled device, by id; strings are borrowed for the call. */
int bt_store_devices(bt_store *store, int (*each)(const bt_device_info *device, void *payload), void *payload) BT_WARN_UNUSED;

typedef struct {
	size_t events;       /* in the batch */
	size_t accepted;     /* new, appended */
	size_t already;      /* held already (a batch sent twice) */
	size_t out_of_scope; /* of the accepted: outside the device's cell or role, kept as evidence, not applied */
	int64_t head_seq;    /* the device's log as this store now holds it */
} bt_accept_stats;

/*
 * Accept a device's batch (docs/offline.md, "What is refused"), in one
 * transaction. Refused, nothing applied, the error saying why - only what
 * makes the batch untrustworthy: a device that is not enrolled (BT_EDENIED)
 * or is revoked (BT_EDENIED); a batch that does not verify (bt_batch_open:
 * BT_EBADSIG, or BT_ECORRUPT - the size limits included); a batch that does
 * not continue what this store holds of that log (BT_ECONFLICT: a gap, or a
 * fork - an event held already must be byte-identical; sending twice is
 * harmless). Everything else is appended with its exact bytes: a record
 * outside the device's cell or role is kept as evidence and not applied (an
 * OUT_OF_SCOPE finding); every other record is applied, and where it
 * disagrees with other records a finding says so (bontot/findings.h).
 * BT_EIO when the store fails.
 */
int bt_store_accept(bt_store *store, const uint8_t *batch, size_t len, bt_accept_stats *stats) BT_WARN_UNUSED;

/*
 * Accept a batch of another device's log relayed by the office: signed with
 * the key of `office_device` (enrolled in the role office), otherwise as
 * bt_store_accept. A relayed log seen for the first time is noted as a
 * device of `device_cell` (NULL: this store's own cell), as the office says:
 * it decides what that device may record. This is how a tablet receives
 * what its cell's other tablets recorded, and what the tablets of a cell it
 * shares a member with recorded about him.
 */
int bt_store_accept_relayed(bt_store *store, const uint8_t *batch, size_t len, const char *office_device,
			    const char *device_cell, bt_accept_stats *stats) BT_WARN_UNUSED;

/*
 * 1 when some member has been in both cells (a transfer between them): the
 * office then lets a tablet of one read the tablets of the other, whose
 * records about that member its evaluation reads (docs/protocol.md).
 * 0 when not, <0 on error.
 */
int bt_store_cells_linked(bt_store *store, const char *cell_a, const char *cell_b) BT_WARN_UNUSED;

/* Call `each(log, head_seq)` for every log the store holds, by log id. */
int bt_store_logs(bt_store *store, int (*each)(const char *log, int64_t head_seq, void *payload), void *payload) BT_WARN_UNUSED;

/* ---- enrollment ---- */

#define BT_ENROLL_CODE_BYTES 15 /* "XXXX-XXXX-XXXX" and NUL */

/*
 * A one-time code for enrolling a device of `cell_id` in `role`, valid until
 * `expires` (Unix time). Only its SHA-256 is stored; the code is 12
 * characters from an alphabet without 0/O and 1/I, e.g. "K7QM-9XDP-4RTA".
 */
int bt_store_enroll_code(char out[BT_ENROLL_CODE_BYTES], bt_store *store, const char *cell_id, bt_device_role role,
			 int64_t expires) BT_WARN_UNUSED;

/*
 * A code as a person typed it ("k7qm9xdp4rta", "K7QM 9XDP 4RTA") in its
 * written form "K7QM-9XDP-4RTA": letters upper-cased, dashes and spaces
 * dropped and put back. BT_EINVALID when it is not 12 characters of the
 * codes' alphabet.
 */
int bt_enroll_code_normalize(char out[BT_ENROLL_CODE_BYTES], const char *typed) BT_WARN_UNUSED;

/*
 * The code the office gives when it has a TLS certificate: the one-time
 * code and a fingerprint of the office's TLS key bound to it, three groups
 * more, "K7QM-9XDP-4RTA-WX3C-PN8E-JH5G" (docs/protocol.md, "TLS"): the
 * first 60 bits of SHA-256("bontot enroll fingerprint v1\n" CODE "\n" H),
 * CODE the written one-time code and H the 32-byte SHA-256 of the key's DER
 * SubjectPublicKeyInfo (what `pin` holds in base64), 5 bits a character in
 * the codes' alphabet, most significant first. The tablet checks the
 * server's key against it before it sends the code. BT_EINVALID for a
 * malformed code or pin.
 */
#define BT_ENROLL_PINNED_CODE_BYTES 30 /* "XXXX-XXXX-XXXX-PPPP-PPPP-PPPP" and NUL */
int bt_enroll_code_pinned(char out[BT_ENROLL_PINNED_CODE_BYTES], const char *code, const char *pin) BT_WARN_UNUSED;

/*
 * A code as typed, with the office's fingerprint (24 characters) or without
 * (12), as bt_enroll_code_normalize reads it: `code` receives the one-time
 * code in its written form (what the office checks), `written` the whole
 * code. 1 when it carries a fingerprint, 0 when not, BT_EINVALID otherwise.
 */
int bt_enroll_code_parse(char code[BT_ENROLL_CODE_BYTES], char written[BT_ENROLL_PINNED_CODE_BYTES], const char *typed) BT_WARN_UNUSED;

/*
 * Use a code at time `now` (Unix time), as typed (bt_enroll_code_normalize):
 * register `device_id` with its public
 * key for the code's cell and role, and spend the code. BT_EDENIED for an
 * unknown, used or expired code; BT_EEXISTS if the device id is taken.
 * cell_out (BT_ID_MAX_BYTES + 1) receives the cell.
 */
int bt_store_enroll(bt_store *store, const char *code, const char *device_id, const bt_key *public_key, int64_t now,
		    char *cell_out) BT_WARN_UNUSED;

/* ---- the office's server ---- */

typedef struct bt_server bt_server;

typedef struct {
	int version;             /* BT_SERVER_OPTS_VERSION */
	const char *address;     /* IPv4 address to listen on; NULL: 127.0.0.1 */
	int port;                /* 0: any free port (see bt_server_port) */
	size_t max_body;         /* request bodies above this are refused (0: 8 MiB) */
	size_t max_pull_events;  /* events per pulled batch (0: 2000) */
	void (*log)(const char *line, void *payload); /* one line per request handled; may be NULL */
	void *log_payload;
	const char *tls_cert_pem; /* both set: HTTPS with this certificate (PEM text) and its key */
	const char *tls_key_pem;
} bt_server_opts;

#define BT_SERVER_OPTS_VERSION 2
#define BT_SERVER_OPTS_INIT {BT_SERVER_OPTS_VERSION, NULL, 0, 0, 0, NULL, NULL, NULL, NULL}

/*
 * The pin of a certificate's public key as curl takes it
 * ("sha256//" and the base64 SHA-256 of the DER SubjectPublicKeyInfo), into
 * out (at least BT_TLS_PIN_BYTES). BT_EINVALID if the PEM is not a certificate.
 */
#define BT_TLS_PIN_BYTES 64
int bt_tls_pin(char out[BT_TLS_PIN_BYTES], const char *cert_pem) BT_WARN_UNUSED;

/*
 * The office's TLS key and self-signed certificate, what `bontot office
 * init` makes beside the store: an ECDSA P-256 key written to key_path
 * (PKCS#8 PEM, mode 0600) and its certificate to cert_path (PEM): CN
 * common_name (NULL, or too long for a CN: "bontot office"), SAN localhost
 * and 127.0.0.1, valid 20 years - a tablet trusts the key's pin, not the
 * dates. A key file that exists already is used (its pin stays). Never
 * overwrites: BT_EEXISTS when the certificate exists.
 */
int bt_tls_make_cert(const char *cert_path, const char *key_path, const char *common_name) BT_WARN_UNUSED;

/*
 * Serve `store` (the office's) over HTTP - HTTPS when opts has a certificate
 * and key - on its own thread until bt_server_stop. Requests are handled one at a time; the caller must not use
 * the store meanwhile. The office log is the store's own log, signed with
 * office_key. Endpoints: docs/protocol.md.
 */
int bt_server_start(bt_server **out, bt_store *store, const bt_key *office_key, const bt_server_opts *opts) BT_WARN_UNUSED;
int bt_server_port(const bt_server *server);
/* Stop listening, finish the request in progress, free. Accepts NULL. */
void bt_server_stop(bt_server *server);

/*
 * Parse the body of POST /v1/enroll: the code, a newline, the device id, a
 * newline, the device's public key (PEM). No NUL bytes before the key.
 * BT_EINVALID when malformed; *key is then NULL.
 */
/*
 * The body of POST /v1/office (docs/protocol.md, "What a tablet receives"):
 * "size S\n", then "FIRST-LAST\n" per range of sequence numbers held,
 * ascending and disjoint, numbers of at most 18 digits. 0 with *ranges
 * (malloc'ed, n pairs; free it), or BT_EINVALID / BT_ENOMEM.
 */
int bt_office_request_parse(const char *body, size_t len, uint64_t *size, int64_t (**ranges)[2], size_t *n) BT_WARN_UNUSED;

#define BT_ENROLL_CODE_MAX 64
int bt_enroll_request_parse(char code[BT_ENROLL_CODE_MAX + 1], char device[BT_LOG_ID_MAX_BYTES + 1], bt_key **key,
			    const uint8_t *body, size_t len) BT_WARN_UNUSED;

/* ---- the tablet's client ---- */

typedef struct {
	int version;             /* BT_CLIENT_OPTS_VERSION */
	const char *url;         /* the office, e.g. "http://127.0.0.1:8080" */
	long timeout_seconds;    /* per request (0: 60) */
	int retries;             /* network failures retried with backoff and jitter */
	size_t max_events;       /* events per pushed batch (0: 500): a weak link progresses batch by batch */
	void (*progress)(const char *line, void *payload); /* may be NULL */
	void *payload;
	const char *tls_pin;     /* https: the office key's pin ("sha256//..."), checked instead of a CA */
	const char *tls_cacert;  /* https: a CA file to check the office's certificate against */
} bt_client_opts;

#define BT_CLIENT_OPTS_VERSION 2
#define BT_CLIENT_OPTS_INIT {BT_CLIENT_OPTS_VERSION, NULL, 0, 3, 0, NULL, NULL, NULL, NULL}

/*
 * Enroll this tablet's store with a one-time code: create the device key at
 * key_path (PEM, 0600), register it at the office for the code's cell, and
 * keep the office's public key and address. On failure the key file is removed.
 * A code with the office's fingerprint (bt_enroll_code_parse) needs an
 * https:// address (else BT_EINVALID) and no tls_pin or tls_cacert: the
 * server's certificate is read first, over a TLS handshake that sends
 * nothing, and when its key does not match the fingerprint the enrollment
 * is refused (BT_EBADSIG) before the code is sent; else the code goes to
 * that key only (pinned). Either pin, given or checked, is kept in the
 * setting "tls_pin". With a tls_pin or tls_cacert, a plain http:// address
 * is refused (BT_EINVALID), as by bt_client_sync.
 */
int bt_client_enroll(bt_store *tablet, const bt_client_opts *opts, const char *code, const char *key_path) BT_WARN_UNUSED;

typedef struct {
	size_t pushed, pulled, batches;
	size_t bytes_sent, bytes_received;
	size_t out_of_scope;   /* of the pulled events: kept here as evidence, not applied */
	int clock_known;       /* the office said what time it is */
	int64_t clock_skew;    /* seconds the office's clock is ahead of this tablet's (negative: behind) */
	int push_refused;      /* the office refused the push (the pull was still done): see the error */
	uint64_t log_size;     /* the office's transparency log as this sync saw it (checkpoint), 0: not witnessed */
	uint64_t log_from;     /* the size of the checkpoint it was proved consistent with (0: the first one kept) */
	int log_cosigned;      /* this tablet's cosignature of that checkpoint was taken by the office */
	int log_forked;        /* the office's checkpoint is not consistent with the one kept here: see the error */
} bt_sync_stats;

/*
 * Push the tablet's log from what the office acknowledges, then pull every
 * log the office lets this tablet read (the office's, its cell's other
 * tablets', those of a cell that shares a member with its own). A refused
 * push (stats->push_refused) does not stop the pull, so the office's change
 * that explains it still arrives; only an office that cannot be reached
 * (BT_ENET during the push) ends the sync before the pull. Idempotent; an interrupted
 * sync resumes where the office's acknowledgement stands. BT_ENET (the
 * office could not be reached: try later), BT_EDENIED / BT_EBADSIG /
 * BT_ECONFLICT / BT_EINVALID (refused: the message says why), BT_ECORRUPT.
 * The office's clock comes back in stats (clock_known, clock_skew).
 *
 * Last, the tablet witnesses the office's transparency log (docs/audit.md):
 * it fetches the checkpoint, checks the office's signature, and checks,
 * from the tiles, that the tree is consistent with the checkpoint it kept
 * from its last sync (setting "checkpoint"), then keeps the new one. A
 * checkpoint that does not verify, or a tree that is not an extension of
 * the one kept (history rewritten or forked), sets stats->log_forked, keeps
 * both checkpoints as evidence (setting "checkpoint_conflict") and returns
 * BT_EBADSIG; the records exchanged stay. A check the link or an older
 * office did not let through is left for the next sync (log_size 0, not an
 * error). A consistent checkpoint is
 * cosigned with the device key (C2SP cosignature/v1) and sent to the office,
 * which serves it with the checkpoint (stats->log_cosigned).
 *
 * A tablet that trusts the office by a pin or a CA (opts->tls_pin,
 * tls_cacert) never syncs in clear: a plain http:// address is refused
 * (BT_EINVALID) before anything is sent.
 */
int bt_client_sync(bt_sync_stats *stats, bt_store *tablet, const bt_key *device, const bt_client_opts *opts) BT_WARN_UNUSED;

/* The highest sequence number held of `log` (0: none). */
int bt_store_log_head(bt_store *store, const char *log, int64_t *seq) BT_WARN_UNUSED;

/* ---- settings kept in the store (meta table) ---- */

/*
 * Read a setting into out (size bytes). BT_ENOTFOUND if unset. Setting
 * "cell" (what enrollment does) decides what this store's own log may
 * record; changing it folds what the store holds again (a rebuild).
 */
int bt_store_setting(bt_store *store, const char *name, char *out, size_t size) BT_WARN_UNUSED;
int bt_store_set_setting(bt_store *store, const char *name, const char *value) BT_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
