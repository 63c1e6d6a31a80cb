/*
 * accept.c - the acceptance rule (docs/offline.md): what a store does with
 * records another device signed.
 *
 * Refused, the whole batch, nothing applied, the sender told why - only what
 * makes a batch untrustworthy:
 *   - the device is not enrolled, or was revoked; or the log is this store's
 *     own (only this store writes it: a device enrolled under the office's
 *     log id would otherwise write into the office's chain);
 *   - the batch does not verify: signature, hashes, chain, canonical bytes,
 *     size limits (sync/batch.c checks them, the signature first);
 *   - the batch does not continue what this store holds of that log (a gap),
 *     or differs from it (a fork).
 * Kept but not applied: an authentic record outside its device's scope
 * (in_scope below). It stays in the log as evidence, so the chain goes on,
 * and raises an OUT_OF_SCOPE finding (fact.c).
 * Accepted: everything else, appended and applied. Where it disagrees with
 * other records, a finding says so; it is never refused for what another
 * device did.
 *
 * The scope of a device of cell C, judged from what the device could know:
 * the records of its cell - its meetings, targets, regulation, dues months
 * and settled findings, by their `cell`; and the records about a member who
 * has been in C by any record the store holds (a member version naming C,
 * or a transfer from or to C) - the member himself, exemptions, dues,
 * commitments, discipline, 2.x attestations; a new member, by his `cell`.
 * A member the office has since moved away is still one the tablet could
 * write about: the date is for the findings (NOT_IN_CELL), not for
 * refusing. Committees, cells, holidays, transfers and 1.3 attestations are
 * the office's.
 */
#include "bontot/sync.h"
#include "error.h"
#include "i18n.h"
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *bt_store__member_of(const bt_record *r)
{
	switch (r->kind) {
	case BT_KIND_EXEMPTION:
	case BT_KIND_DUES:
	case BT_KIND_COMMITMENT:
	case BT_KIND_DISCIPLINE:
	case BT_KIND_TRANSFER:
		return r->member;
	case BT_KIND_ATTESTATION:
		return strcmp(r->criterion, "1.3") == 0 ? NULL : r->subject;
	default:
		return NULL;
	}
}

static int member_was_in(bt_store *s, const char *member, const char *cell)
{
	sqlite3_stmt *st = s->st.mc_has;
	char pair[2 * BT_ID_MAX_BYTES + 2];
	int r;
	/* Once in, always in (member_cell only grows): a transaction remembers the yes. */
	snprintf(pair, sizeof(pair), "%s\t%s", member, cell);
	if (bt_strset_has(&s->in_scope, pair))
		return 1;
	sqlite3_bind_text(st, 1, member, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, cell, -1, SQLITE_STATIC);
	if ((r = bt_store__step_row(s, st, N_("reading the store"))) == 1) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (bt_strset_add(&s->in_scope, pair, NULL) < 0)
			return BT_ENOMEM;
	}
	return r;
}

int bt_store__in_scope(bt_store *s, const bt_record *r, const char *cell)
{
	switch (r->kind) {
	case BT_KIND_MEMBER:
		/* A new member of the cell, or one who has been in it: his new cell's tablet keeps him up to date. */
		return strcmp(r->cell, cell) == 0 || member_was_in(s, r->id, cell);
	case BT_KIND_MEETING:
	case BT_KIND_TARGET:
	case BT_KIND_REGULATION:
	case BT_KIND_DUES_MONTH:
	case BT_KIND_SETTLE:
		return strcmp(r->cell, cell) == 0;
	case BT_KIND_EXEMPTION:
	case BT_KIND_DUES:
	case BT_KIND_COMMITMENT:
	case BT_KIND_DISCIPLINE:
		return member_was_in(s, r->member, cell);
	case BT_KIND_ATTESTATION:
		return strcmp(r->criterion, "1.3") != 0 && member_was_in(s, r->subject, cell);
	default: /* committees, cells, holidays, transfers: the office's */
		return 0;
	}
}

void bt_store__scopes_clear(bt_store *s) { s->scopes.n = 0; }

int bt_store__log_scope(bt_store *s, const char *log, const bt_log_scope **out)
{
	sqlite3_stmt *st = NULL;
	bt_log_scope sc;
	char cell[BT_ID_MAX_BYTES + 1];
	for (size_t i = 0; i < s->scopes.n; i++)
		if (strcmp(s->scopes.v[i].log, log) == 0) {
			*out = &s->scopes.v[i];
			return 0;
		}
	memset(&sc, 0, sizeof(sc));
	bt__copy_utf8(sc.log, sizeof(sc.log), log);
	if (strcmp(log, s->log_id) == 0) {
		/* Our own log: a tablet enrolled for a cell writes within it; an unenrolled store, anything. */
		if (bt_store_setting(s, "cell", cell, sizeof(cell)) == 0 && cell[0]) {
			sc.scope = BT_SCOPE_CELL;
			bt__copy_utf8(sc.cell, sizeof(sc.cell), cell);
		} else {
			bt_error_clear();
			sc.scope = BT_SCOPE_ALL;
		}
	} else {
		if (sqlite3_prepare_v2(s->db, "SELECT cell, role FROM device WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
			return bt_store__db_error(s, BT_EIO, BT_("reading the settings"));
		sqlite3_bind_text(st, 1, log, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			if (strcmp((const char *)sqlite3_column_text(st, 1), "office") == 0)
				sc.scope = BT_SCOPE_ALL;
			else {
				sc.scope = BT_SCOPE_CELL;
				bt__copy_utf8(sc.cell, sizeof(sc.cell), (const char *)sqlite3_column_text(st, 0));
			}
		}
		sqlite3_finalize(st);
	}
	bt_log_scope *slot = BT_PUSH(&s->scopes);
	if (!slot)
		return BT_ENOMEM;
	*slot = sc;
	*out = slot;
	return 0;
}

int bt_store_cells_linked(bt_store *s, const char *a, const char *b)
{
	sqlite3_stmt *st = NULL;
	int r;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT 1 FROM member_cell x JOIN member_cell y ON y.member = x.member WHERE x.cell = ?1 AND y.cell = ?2"
			       " LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the store"));
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return bt_store__db_error(s, BT_EIO, BT_("reading the store"));
	return r == SQLITE_ROW;
}

/* A relayed log seen for the first time: a device of the cell the office says (else of ours). */
static int register_relayed(bt_store *s, const char *log, const char *device_cell)
{
	char cell[BT_ID_MAX_BYTES + 1] = "";
	sqlite3_stmt *st = NULL;
	int err = 0;
	if (device_cell)
		bt__copy_utf8(cell, sizeof(cell), device_cell);
	else if (bt_store_setting(s, "cell", cell, sizeof(cell)) < 0)
		bt_error_clear();
	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO device(id, cell, role, public_key) VALUES(?1, ?2, 'relayed', '')", -1,
			       &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
	sqlite3_bind_text(st, 1, log, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, cell, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
	sqlite3_finalize(st);
	bt_store__scopes_clear(s);
	return err;
}

static int accept(bt_store *s, const uint8_t *data, size_t len, const char *signer, const char *device_cell,
		  bt_accept_stats *stats);

static int keep_head_sig(bt_store *s, const char *log, int64_t seq, const char *signer, const uint8_t sig[BT_ED25519_SIG_BYTES])
{
	sqlite3_stmt *st = NULL;
	int err = 0;
	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO head_sig(log, seq, signer, sig) VALUES(?1, ?2, ?3, ?4)", -1, &st, NULL) !=
	    SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("writing the log"));
	sqlite3_bind_text(st, 1, log, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_text(st, 3, signer, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, sig, BT_ED25519_SIG_BYTES, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("writing the log"));
	sqlite3_finalize(st);
	return err;
}

int bt_store_accept(bt_store *s, const uint8_t *data, size_t len, bt_accept_stats *stats)
{
	return accept(s, data, len, NULL, NULL, stats);
}

int bt_store_accept_relayed(bt_store *s, const uint8_t *data, size_t len, const char *office, const char *device_cell,
			    bt_accept_stats *stats)
{
	return accept(s, data, len, office, device_cell, stats);
}

/* signer NULL: the batch's own device signs it; else the enrolled office relays another log. */
static int accept(bt_store *s, const uint8_t *data, size_t len, const char *signer, const char *device_cell,
		  bt_accept_stats *stats)
{
	bt_batch *b = NULL;
	bt_key *key = NULL;
	char log[BT_LOG_ID_MAX_BYTES + 1], cell[BT_ID_MAX_BYTES + 1];
	bt_device_role role;
	int err = 0, began = 0, revoked = 0;
	int64_t head_seq = 0;
	uint8_t head[BT_HASH_BYTES];

	memset(stats, 0, sizeof(*stats));
	memset(head, 0, sizeof(head));
	/* Who sent it: the log id in the header names the device. */
	if (len < 7 || memcmp(data, "BTB1", 4) != 0 || data[5] == 0 || data[5] > BT_LOG_ID_MAX_BYTES || len < 6u + data[5])
		return bt__error_set(BT_ECORRUPT, BT_("damaged batch: %s"), BT_("not a batch"));
	memcpy(log, data + 6, data[5]);
	log[data[5]] = '\0';
	/* Our own log is written here only; another device sending it is borrowing our authority. */
	if (!signer && strcmp(log, s->log_id) == 0)
		return bt__error_set(BT_EDENIED, BT_("log \"%s\" is this store's own: no other device may write it"), log);
	if (bt_store_device_lookup(s, signer ? signer : log, cell, &role, &revoked, &key) < 0)
		return bt__error_set(BT_EDENIED, BT_("unknown device \"%s\""), signer ? signer : log);
	if (revoked) {
		err = bt__error_set(BT_EDENIED, BT_("device \"%s\" is revoked"), signer ? signer : log);
		goto done;
	}
	if (signer && role != BT_ROLE_DEVICE_OFFICE) {
		err = bt__error_set(BT_EDENIED, BT_("only the office relays other devices' logs"));
		goto done;
	}
	if (!signer && role == BT_ROLE_DEVICE_RELAYED) {
		err = bt__error_set(BT_EDENIED, BT_("device \"%s\" is known here only through the office"), log);
		goto done;
	}
	if ((err = bt_batch_open(&b, data, len, key, 0)) < 0)
		goto done;
	stats->events = b->n_events;

	if ((err = bt_store__begin(s)) < 0)
		goto done;
	began = 1;
	if (signer && strcmp(log, signer) != 0 && strcmp(log, s->log_id) != 0) {
		char c2[BT_ID_MAX_BYTES + 1];
		bt_device_role r2;
		int rv2;
		if (bt_store_device_lookup(s, log, c2, &r2, &rv2, NULL) < 0) {
			bt_error_clear();
			if ((err = register_relayed(s, log, device_cell)) < 0)
				goto done;
		}
	}
	if ((err = bt_store_log_head(s, log, &head_seq)) < 0)
		goto done;
	if (head_seq) {
		sqlite3_stmt *st = s->st.ev_hash_at;
		sqlite3_bind_text(st, 1, log, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, head_seq);
		if ((err = bt_store__step_row(s, st, N_("reading the log"))) <= 0) {
			if (err == 0)
				err = bt__error_set(BT_ECORRUPT, BT_("reading the log"));
			goto done;
		}
		if (sqlite3_column_bytes(st, 0) == BT_HASH_BYTES)
			memcpy(head, sqlite3_column_blob(st, 0), BT_HASH_BYTES);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	for (size_t i = 0; i < b->n_events; i++) {
		const bt_event *ev = &b->events[i];
		if (ev->seq <= head_seq) {
			/* Held already: it must be the very same event. */
			sqlite3_stmt *st = s->st.ev_hash_at;
			int same = 0, r;
			sqlite3_bind_text(st, 1, log, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, ev->seq);
			if ((r = bt_store__step_row(s, st, N_("reading the log"))) < 0) {
				err = r;
				goto done;
			}
			if (r == 1) {
				same = sqlite3_column_bytes(st, 0) == BT_HASH_BYTES &&
				       memcmp(sqlite3_column_blob(st, 0), ev->hash, BT_HASH_BYTES) == 0;
				sqlite3_reset(st);
				sqlite3_clear_bindings(st);
			}
			if (!same) {
				err = bt__error_set(BT_ECONFLICT, BT_("log %s forks at event %lld: not what this store holds"), log,
						    (long long)ev->seq);
				goto done;
			}
			stats->already++;
			continue;
		}
		if (ev->seq != head_seq + 1 || memcmp(ev->prev, head, BT_HASH_BYTES) != 0) {
			err = bt__error_set(BT_ECONFLICT, BT_("log %s: this store holds events up to %lld, the batch continues from %lld"),
					    log, (long long)head_seq, (long long)ev->seq);
			goto done;
		}
		/* Appended whatever its scope; the fold (fact.c) applies it or keeps it as evidence. */
		if ((err = bt_store__append(s, ev, b->bytes[i], b->lens[i], NULL)) < 0) {
			char msg[1024];
			bt__copy_utf8(msg, sizeof(msg), bt_error_last());
			err = bt__error_set(err, BT_("event %lld of %s: %s"), (long long)ev->seq, log, msg);
			goto done;
		}
		stats->accepted++;
		stats->out_of_scope += !s->fresh_applied;
		head_seq = ev->seq;
		memcpy(head, ev->hash, BT_HASH_BYTES);
	}
	/* The signer's signature over the new head: what lets an auditor check, later, that the device wrote these events. */
	if (stats->accepted && (err = keep_head_sig(s, log, head_seq, signer ? signer : log, data + 82 + data[5])) < 0)
		goto done;
	if ((err = bt_store__commit(s)) < 0) {
		began = 0;
		goto done;
	}
	began = 0;
	stats->head_seq = head_seq;
	/* Our own log given back (a tablet restored from its office): what we write next continues it. */
	if (strcmp(log, s->log_id) == 0 && stats->accepted && (err = bt_store__load_head(s)) < 0)
		goto done;
done:
	if (began)
		bt_store__rollback(s);
	bt_batch_free(b);
	bt_key_free(key);
	return err;
}

/* ---- what a tablet of a cell receives of the office's log (docs/protocol.md, "What a tablet receives") ---- */

static int visible_to_cell(bt_store *s, const bt_record *r, const char *cell)
{
	switch (r->kind) {
	case BT_KIND_COMMITTEE:
	case BT_KIND_CELL:
	case BT_KIND_HOLIDAY:
		return 1; /* the commune's frame: names of committees and cells, the calendar */
	case BT_KIND_TRANSFER:
		return strcmp(r->cell_from, cell) == 0 || strcmp(r->cell_to, cell) == 0;
	case BT_KIND_ATTESTATION:
		if (strcmp(r->criterion, "1.3") == 0)
			return strcmp(r->subject, cell) == 0;
		return bt_store__in_scope(s, r, cell);
	default:
		return bt_store__in_scope(s, r, cell);
	}
}

typedef struct {
	int64_t id, seq;
} view_ev;

static int held_has(const int64_t (*held)[2], size_t n, int64_t seq)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (held[mid][1] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && held[lo][0] <= seq;
}

int bt_store_cell_view(bt_store *s, const char *log, const char *cell, uint64_t size, const int64_t (*held)[2], size_t n_held,
		       size_t max, int (*each)(int64_t entry, const uint8_t *bytes, size_t len, void *payload), void *payload,
		       int *more)
{
	sqlite3_stmt *st = NULL;
	bt_strset facts = {0};
	BT_ARRAY(view_ev) evs = {0};
	char fact[BT_ID_MAX_BYTES * 3 + 16];
	int err = 0, rc;
	size_t sent = 0;
	*more = 0;
	/* Pass 1: the facts any version of which concerns the cell; every version of those is the cell's to see. */
	if (sqlite3_prepare_v2(s->db, "SELECT id, seq, kind, key, bytes FROM event WHERE log = ?1 AND id <= ?2 ORDER BY id", -1, &st,
			       NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	sqlite3_bind_text(st, 1, log, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
	while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		bt_event ev;
		memset(&ev, 0, sizeof(ev));
		snprintf(fact, sizeof(fact), "%d\t%s", sqlite3_column_int(st, 2), (const char *)sqlite3_column_text(st, 3));
		view_ev *x = BT_PUSH(&evs);
		if (!x) {
			err = BT_ENOMEM;
			break;
		}
		x->id = sqlite3_column_int64(st, 0);
		x->seq = sqlite3_column_int64(st, 1);
		if (bt_strset_has(&facts, fact))
			continue;
		if ((err = bt_event_decode(&ev, sqlite3_column_blob(st, 4), (size_t)sqlite3_column_bytes(st, 4))) < 0)
			break;
		int v = visible_to_cell(s, ev.rec, cell);
		bt_event_clear(&ev);
		if (v < 0)
			err = v;
		else if (v && bt_strset_add(&facts, fact, NULL) < 0)
			err = BT_ENOMEM;
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	sqlite3_finalize(st);
	st = NULL;
	bt_strset_clear(&s->in_scope);
	/* Pass 2: those the tablet does not hold, in the log's order. */
	if (err == 0 && sqlite3_prepare_v2(s->db, "SELECT kind, key, bytes FROM event WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	for (size_t i = 0; err == 0 && i < evs.n; i++) {
		if (held_has(held, n_held, evs.v[i].seq))
			continue;
		sqlite3_bind_int64(st, 1, evs.v[i].id);
		if (sqlite3_step(st) != SQLITE_ROW) {
			err = bt_store__db_error(s, BT_EIO, BT_("reading the log"));
			break;
		}
		snprintf(fact, sizeof(fact), "%d\t%s", sqlite3_column_int(st, 0), (const char *)sqlite3_column_text(st, 1));
		if (bt_strset_has(&facts, fact)) {
			if (sent == max) {
				*more = 1;
				sqlite3_reset(st);
				break;
			}
			err = each(evs.v[i].id - 1, sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2), payload);
			sent++;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	bt_strset_free(&facts);
	free(evs.v);
	return err;
}

int bt_store_accept_proven(bt_store *s, const char *office, const char *log, const char *device_cell, const uint8_t *const *bytes,
			   const size_t *lens, size_t n, bt_accept_stats *stats)
{
	char cell[BT_ID_MAX_BYTES + 1];
	bt_device_role role;
	int revoked, err;
	memset(stats, 0, sizeof(*stats));
	if (bt_store_device_lookup(s, office, cell, &role, &revoked, NULL) < 0 || role != BT_ROLE_DEVICE_OFFICE)
		return bt__error_set(BT_EDENIED, BT_("\"%s\" is not this store's office"), office);
	if (strcmp(log, s->log_id) == 0)
		return bt__error_set(BT_EDENIED, BT_("log \"%s\" is this store's own: no other device may write it"), log);
	if ((err = bt_store__begin(s)) < 0)
		return err;
	/* Another tablet's log, known here only through the office. */
	if (strcmp(log, office) != 0) {
		if (bt_store_device_lookup(s, log, cell, &role, &revoked, NULL) < 0) {
			bt_error_clear();
			err = register_relayed(s, log, device_cell);
		} else if (role != BT_ROLE_DEVICE_RELAYED) {
			err = bt__error_set(BT_EDENIED, BT_("device \"%s\" is known here only through the office"), log);
		}
		if (err < 0) {
			bt_store__rollback(s);
			return err;
		}
	}
	for (size_t i = 0; i < n && err == 0; i++) {
		bt_event ev;
		memset(&ev, 0, sizeof(ev));
		if ((err = bt_event_decode(&ev, bytes[i], lens[i])) < 0)
			break;
		stats->events++;
		if (strcmp(ev.log, log) != 0) {
			err = bt__error_set(BT_EDENIED, BT_("event %lld of %s is not of log %s"), (long long)ev.seq, ev.log, log);
		} else {
			/* Held already: it must be the very same event. */
			sqlite3_stmt *st = s->st.ev_hash_at;
			int r;
			sqlite3_bind_text(st, 1, ev.log, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, ev.seq);
			if ((r = bt_store__step_row(s, st, N_("reading the log"))) < 0) {
				err = r;
			} else if (r == 1) {
				int same = sqlite3_column_bytes(st, 0) == BT_HASH_BYTES && memcmp(sqlite3_column_blob(st, 0), ev.hash, BT_HASH_BYTES) == 0;
				sqlite3_reset(st);
				sqlite3_clear_bindings(st);
				if (!same)
					err = bt__error_set(BT_ECONFLICT, BT_("log %s forks at event %lld: not what this store holds"), ev.log,
							    (long long)ev.seq);
				else
					stats->already++;
			} else if ((err = bt_store__append(s, &ev, bytes[i], lens[i], NULL)) == 0) {
				stats->accepted++;
				if (ev.seq > stats->head_seq)
					stats->head_seq = ev.seq;
			}
		}
		bt_event_clear(&ev);
	}
	if (err < 0) {
		bt_store__rollback(s);
		return err;
	}
	return bt_store__commit(s);
}
