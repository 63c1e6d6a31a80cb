/*
 * fact.c - a fact's versions folded into its state (docs/offline.md).
 *
 * A fact is what a record's (kind, key) names: member DV-01, the March
 * meeting of CB-01. Every event about it is a version. When a version
 * arrives, all of the fact's versions are read back (none, in the common
 * case of a new fact), those their devices were allowed to write are
 * merged field by field (core/merge.c), and the state is written to the
 * projections; the versions are what they are whatever order they came
 * in, so the state is too. Versions that were not allowed become
 * OUT_OF_SCOPE findings, fields written twice without either writer
 * seeing the other CONCURRENT_CHANGE findings; both are stored here
 * (origin 1), the cell findings in findings.c.
 */
#include "bontot/membership.h"
#include "error.h"
#include "i18n.h"
#include "merge.h"
#include "records_internal.h"
#include "sha256.h"
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One version read back: the decoded event, its local id and its ref. */
typedef struct {
	const bt_event *ev;
	int64_t id;
	char ref[BT_REF_BYTES];
	int applied;
	char scope_cell[BT_ID_MAX_BYTES + 1]; /* the author's cell when scoped ("" otherwise); a copy: the scope cache moves */
} version;

int bt_store__current(bt_store *s, bt_kind kind, const char *key, int64_t *event, uint8_t hash[BT_HASH_BYTES], char **heads)
{
	sqlite3_stmt *st = s->st.cur_get;
	int r;
	*event = 0;
	if (heads)
		*heads = NULL;
	sqlite3_bind_int(st, 1, (int)kind);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	if ((r = bt_store__step_row(s, st, N_("reading the store"))) <= 0)
		return r;
	*event = sqlite3_column_int64(st, 0);
	if (hash) {
		if (sqlite3_column_bytes(st, 1) == BT_HASH_BYTES)
			memcpy(hash, sqlite3_column_blob(st, 1), BT_HASH_BYTES);
		else
			memset(hash, 0, BT_HASH_BYTES);
	}
	if (heads && !(*heads = strdup((const char *)sqlite3_column_text(st, 2)))) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return bt__oom();
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return 0;
}

int bt_store__current_record(bt_store *s, bt_kind kind, const char *key, bt_record **out)
{
	sqlite3_stmt *st = s->st.cur_get;
	int r, err = 0;
	int64_t event;
	*out = NULL;
	sqlite3_bind_int(st, 1, (int)kind);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	if ((r = bt_store__step_row(s, st, N_("reading the store"))) <= 0)
		return r;
	event = sqlite3_column_int64(st, 0);
	if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
		/* A merged state may hold what a typed line may not (a speaker not marked present). */
		err = bt__record_parse(out, sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3), 1);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (err < 0)
			return bt__error_set(BT_ECORRUPT, BT_("the state of %s \"%.64s\" is damaged"), bt_kind_title(kind), key);
		return 0;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	bt_event ev;
	if ((err = bt_store__event_by_id(s, event, &ev)) < 0)
		return err;
	*out = ev.rec;
	ev.rec = NULL;
	bt_event_clear(&ev);
	return 0;
}

/* The day a fact is about, for the findings about it (BT_DATE_NONE when it has none). */
static bt_date fact_date(const bt_record *r)
{
	switch (r->kind) {
	case BT_KIND_MEETING:
	case BT_KIND_DISCIPLINE:
	case BT_KIND_HOLIDAY:
	case BT_KIND_TRANSFER:
	case BT_KIND_REGULATION:
		return r->date;
	case BT_KIND_DUES:
	case BT_KIND_DUES_MONTH:
		return bt_month_first_day(r->month);
	case BT_KIND_EXEMPTION:
		return r->from;
	case BT_KIND_TARGET:
	case BT_KIND_COMMITMENT:
	case BT_KIND_ATTESTATION:
		return bt_date_from_ymd(r->year, 1, 1);
	default:
		return BT_DATE_NONE;
	}
}

/* A member's cell after their last transfer, by the one rule (bontot/membership.h). "" when unknown. */
static int member_current_cell(bt_store *s, const char *member, char out[BT_ID_MAX_BYTES + 1])
{
	bt_record *rec = NULL;
	BT_ARRAY(bt_record) tr = {0};
	BT_ARRAY(const bt_record *) trp = {0};
	sqlite3_stmt *st = s->st.member_transfers;
	int err, rc;
	out[0] = '\0';
	if ((err = bt_store__current_record(s, BT_KIND_MEMBER, member, &rec)) < 0 || !rec)
		return err;
	sqlite3_bind_text(st, 1, member, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bt_record *t = BT_PUSH(&tr);
		if (!t) {
			err = BT_ENOMEM;
			break;
		}
		memset(t, 0, sizeof(*t));
		t->kind = BT_KIND_TRANSFER;
		t->date = bt_store__col_date(st, 0);
		t->cell_from = strdup((const char *)sqlite3_column_text(st, 1));
		t->cell_to = strdup((const char *)sqlite3_column_text(st, 2));
		if (!t->cell_from || !t->cell_to) {
			err = bt__oom();
			break;
		}
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the store"));
	if (err == 0 && BT_RESERVE(&trp, tr.n + 1) == 0) {
		for (size_t i = 0; i < tr.n; i++)
			trp.v[trp.n++] = &tr.v[i];
		bt_membership m = {rec, trp.v, trp.n, NULL, 0};
		bt__copy_utf8(out, BT_ID_MAX_BYTES + 1, bt_membership_current_cell(&m));
	}
	for (size_t i = 0; i < tr.n; i++) {
		free(tr.v[i].cell_from);
		free(tr.v[i].cell_to);
	}
	free(tr.v);
	free(trp.v);
	bt_record_free(rec);
	return err;
}

/* The cell whose secretary should see a finding about this fact (CONCURRENT_CHANGE). */
static int fact_cell(bt_store *s, const bt_record *r, char out[BT_ID_MAX_BYTES + 1])
{
	out[0] = '\0';
	switch (r->kind) {
	case BT_KIND_CELL:
		bt__copy_utf8(out, BT_ID_MAX_BYTES + 1, r->id);
		return 0;
	case BT_KIND_MEETING:
	case BT_KIND_TARGET:
	case BT_KIND_REGULATION:
	case BT_KIND_DUES_MONTH:
	case BT_KIND_SETTLE:
		bt__copy_utf8(out, BT_ID_MAX_BYTES + 1, r->cell);
		return 0;
	case BT_KIND_TRANSFER:
		bt__copy_utf8(out, BT_ID_MAX_BYTES + 1, r->cell_to);
		return 0;
	case BT_KIND_MEMBER:
		return member_current_cell(s, r->id, out);
	case BT_KIND_ATTESTATION:
		if (strcmp(r->criterion, "1.3") == 0) {
			bt__copy_utf8(out, BT_ID_MAX_BYTES + 1, r->subject);
			return 0;
		}
		return member_current_cell(s, r->subject, out);
	case BT_KIND_EXEMPTION:
	case BT_KIND_DUES:
	case BT_KIND_COMMITMENT:
	case BT_KIND_DISCIPLINE:
		return member_current_cell(s, r->member, out);
	default:
		return 0;
	}
}

/* Cells whose findings may change when this state changes. */
static int dirty_of(bt_store *s, const bt_record *r)
{
	switch (r->kind) {
	case BT_KIND_CELL:
		return bt_strset_add(&s->dirty_cells, r->id, NULL);
	case BT_KIND_MEETING:
	case BT_KIND_DUES_MONTH:
		return bt_strset_add(&s->dirty_cells, r->cell, NULL);
	case BT_KIND_MEMBER:
		return bt_store__dirty_member(s, r->id);
	case BT_KIND_TRANSFER:
	case BT_KIND_EXEMPTION:
	case BT_KIND_DUES:
		return bt_store__dirty_member(s, r->member);
	default:
		return 0;
	}
}

/* Note the cells an applied version puts a member in; a new pair may bring an out-of-scope record in. */
static int note_member_cells(bt_store *s, const bt_record *r)
{
	const char *who = r->kind == BT_KIND_MEMBER ? r->id : r->member;
	const char *cells[2] = {r->kind == BT_KIND_MEMBER ? r->cell : r->cell_from, r->kind == BT_KIND_TRANSFER ? r->cell_to : NULL};
	int err;
	for (int i = 0; i < 2; i++) {
		int added = 0;
		char pair[2 * BT_ID_MAX_BYTES + 2];
		if (!cells[i])
			continue;
		if ((err = bt_store__member_cell(s, who, cells[i], &added)) < 0)
			return err;
		if (!added)
			continue;
		snprintf(pair, sizeof(pair), "%s\t%s", who, cells[i]);
		if ((err = bt_strset_add(&s->pending_oos, pair, NULL)) < 0)
			return err;
	}
	return 0;
}

static int put_fact_findings(bt_store *s, const version *v, size_t n, const bt_merge_result *m, const bt_record *state,
			     const size_t *applied_index)
{
	sqlite3_stmt *st = s->st.f_delete_fact;
	char cell[BT_ID_MAX_BYTES + 1];
	int err;
	const bt_record *any = v[0].ev->rec;
	sqlite3_bind_int(st, 1, (int)any->kind);
	sqlite3_bind_text(st, 2, any->key, -1, SQLITE_STATIC);
	if ((err = bt_store__step_done(s, st, N_("writing the findings"))) < 0)
		return err;
	if (m && m->conflicts.n && (err = fact_cell(s, state, cell)) < 0)
		return err;
	for (size_t i = 0; m && i < m->conflicts.n; i++) {
		const bt_merge_conflict *c = &m->conflicts.v[i];
		const version *win = &v[applied_index[c->winner]], *lose = &v[applied_index[c->loser]];
		bt_finding f;
		memset(&f, 0, sizeof(f));
		f.code = BT_F_CONCURRENT_CHANGE;
		bt__copy_utf8(f.cell, sizeof(f.cell), cell);
		f.kind = state->kind;
		bt__copy_utf8(f.key, sizeof(f.key), state->key);
		const char *who = bt_store__member_of(state);
		bt__copy_utf8(f.member, sizeof(f.member), who ? who : state->kind == BT_KIND_MEMBER ? state->id : "");
		f.date = fact_date(state);
		bt__copy_utf8(f.field, sizeof(f.field), c->field);
		bt__copy_utf8(f.records[0], BT_REF_BYTES, win->ref);
		bt__copy_utf8(f.records[1], BT_REF_BYTES, lose->ref);
		f.n_records = 2;
		f.settled = c->settled;
		bt_finding_make_id(&f);
		if ((err = bt_store__finding_put(s, &f, 1)) < 0)
			return err;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i].applied)
			continue;
		const bt_record *r = v[i].ev->rec;
		bt_finding f;
		memset(&f, 0, sizeof(f));
		f.code = BT_F_OUT_OF_SCOPE;
		bt__copy_utf8(f.cell, sizeof(f.cell), v[i].scope_cell);
		f.kind = r->kind;
		bt__copy_utf8(f.key, sizeof(f.key), r->key);
		const char *who = bt_store__member_of(r);
		bt__copy_utf8(f.member, sizeof(f.member), who ? who : r->kind == BT_KIND_MEMBER ? r->id : "");
		f.date = fact_date(r);
		bt__copy_utf8(f.device, sizeof(f.device), v[i].ev->log);
		bt__copy_utf8(f.records[0], BT_REF_BYTES, v[i].ref);
		f.n_records = 1;
		bt_finding_make_id(&f);
		if ((err = bt_store__finding_put(s, &f, 1)) < 0)
			return err;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* Refold the facts listed by a statement already bound (collected first: refolding uses the statements). */
static int refold_listed(bt_store *s, sqlite3_stmt *st, bt_kind self_kind, const char *self_key)
{
	BT_ARRAY(char *) keys = {0};
	BT_ARRAY(int) kinds = {0};
	int err = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int k = sqlite3_column_int(st, 0);
		const char *key = (const char *)sqlite3_column_text(st, 1);
		if (k == (int)self_kind && strcmp(key, self_key) == 0)
			continue;
		char **ks = BT_PUSH(&keys);
		int *kk = BT_PUSH(&kinds);
		if (!ks || !kk || !(*ks = strdup(key))) {
			if (ks)
				*ks = NULL;
			err = bt__oom();
			break;
		}
		*kk = k;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (err == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the findings"));
	for (size_t i = 0; i < keys.n && err == 0; i++)
		err = bt_store__refold(s, (bt_kind)kinds.v[i], keys.v[i], NULL, 0);
	for (size_t i = 0; i < keys.n; i++)
		free(keys.v[i]);
	free(keys.v);
	free(kinds.v);
	return err;
}

/* Out-of-scope records about a member that has just been seen in a cell: look at them again. */
static int recheck_pending(bt_store *s)
{
	int err = 0;
	while (s->pending_oos.n && err == 0) {
		/* Take them all; looking again may bring more. */
		bt_strset batch = s->pending_oos;
		memset(&s->pending_oos, 0, sizeof(s->pending_oos));
		for (size_t i = 0; i < batch.cap && err == 0; i++) {
			char *pair = batch.slots[i], *tab = pair ? strchr(pair, '\t') : NULL;
			if (!tab)
				continue;
			*tab = '\0';
			sqlite3_stmt *st = s->st.f_oos_of;
			sqlite3_bind_text(st, 1, pair, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 2, tab + 1, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int(st, 3, BT_F_OUT_OF_SCOPE);
			err = refold_listed(s, st, 0, "");
		}
		bt_strset_free(&batch);
	}
	return err;
}

int bt_store__refold(bt_store *s, bt_kind kind, const char *key_in, const bt_event *fresh, int64_t fresh_id)
{
	BT_ARRAY(version) v = {0};
	BT_ARRAY(bt_event) owned = {0};
	BT_ARRAY(bt_version) mv = {0};
	BT_ARRAY(size_t) applied_index = {0};
	bt_merge_result m;
	const bt_record *state = NULL;
	uint8_t old_hash[BT_HASH_BYTES], new_hash[BT_HASH_BYTES];
	char *old_heads = NULL, *heads = NULL, key[BT_FACT_KEY_BYTES + 1];
	bt_record *old_state = NULL;
	int64_t old_event = 0;
	int err = 0, other = 0, merged = 0, state_changed = 0;
	size_t latest = 0;

	memset(&m, 0, sizeof(m));
	bt__copy_utf8(key, sizeof(key), key_in); /* key_in may point into a statement we are about to reuse */
	/* An import that just looked the fact up says so: no second look (the common case of a new fact). */
	int hinted = fresh && s->hint.rec == fresh->rec;
	s->hint.rec = NULL;
	if (!(hinted && s->hint.no_current) && (err = bt_store__current(s, kind, key, &old_event, old_hash, &old_heads)) < 0)
		return err;
	if (old_event) {
		other = 1;
	} else if (fresh) {
		sqlite3_stmt *st = s->st.ev_other;
		sqlite3_bind_int(st, 1, (int)kind);
		sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, fresh_id);
		if ((other = bt_store__step_row(s, st, N_("reading the log"))) < 0) {
			err = other;
			goto done;
		}
		if (other) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
		}
	} else {
		other = 1;
	}

	/* The versions: the fresh event alone (a new fact), or all of them read back. */
	if (!other) {
		version *x = BT_PUSH(&v);
		if (!x) {
			err = BT_ENOMEM;
			goto done;
		}
		memset(x, 0, sizeof(*x));
		x->ev = fresh;
		x->id = fresh_id;
	} else {
		sqlite3_stmt *st = s->st.ev_versions;
		int rc;
		sqlite3_bind_int(st, 1, (int)kind);
		sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			bt_event *e = BT_PUSH(&owned);
			if (!e) {
				err = BT_ENOMEM;
				break;
			}
			if ((err = bt_event_decode(e, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1))) < 0) {
				owned.n--;
				err = bt__error_set(BT_ECORRUPT, BT_("event number %lld: %s"), (long long)sqlite3_column_int64(st, 0),
						    bt_error_last());
				break;
			}
			version *x = BT_PUSH(&v);
			if (!x) {
				err = BT_ENOMEM;
				break;
			}
			memset(x, 0, sizeof(*x));
			x->id = sqlite3_column_int64(st, 0);
		}
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (err == 0 && rc != SQLITE_DONE)
			err = bt_store__db_error(s, BT_EIO, BT_("reading the log"));
		if (err < 0)
			goto done;
		for (size_t i = 0; i < v.n; i++)
			v.v[i].ev = &owned.v[i];
	}
	if (v.n == 0)
		goto done; /* nothing of this fact (a finding named it): nothing to do */

	/* Which versions count: those their device was allowed to write (accept.c). */
	for (size_t i = 0; i < v.n; i++) {
		version *x = &v.v[i];
		const bt_log_scope *sc;
		snprintf(x->ref, sizeof(x->ref), "%s#%lld", x->ev->log, (long long)x->ev->seq);
		x->scope_cell[0] = '\0';
		if ((err = bt_store__log_scope(s, x->ev->log, &sc)) < 0)
			goto done;
		if (sc->scope == BT_SCOPE_ALL)
			x->applied = 1;
		else if (sc->scope == BT_SCOPE_CELL) {
			bt__copy_utf8(x->scope_cell, sizeof(x->scope_cell), sc->cell);
			if ((x->applied = bt_store__in_scope(s, x->ev->rec, x->scope_cell)) < 0) {
				err = x->applied;
				goto done;
			}
		}
		if (x->applied && (kind == BT_KIND_MEMBER || kind == BT_KIND_TRANSFER) &&
		    (err = note_member_cells(s, x->ev->rec)) < 0)
			goto done;
		if (fresh && x->id == fresh_id)
			s->fresh_applied = x->applied;
	}
	for (size_t i = 0; i < v.n; i++) {
		if (!v.v[i].applied)
			continue;
		bt_version *x = BT_PUSH(&mv);
		size_t *ix = BT_PUSH(&applied_index);
		if (!x || !ix) {
			err = BT_ENOMEM;
			goto done;
		}
		const bt_event *e = v.v[i].ev;
		*ix = i;
		x->rec = e->rec;
		x->ref = v.v[i].ref;
		x->ts = e->ts;
		x->log = e->log;
		x->seq = e->seq;
		x->base = (const char *const *)e->base;
		x->n_base = e->n_base;
		x->base_known = e->version >= 2;
	}

	if (mv.n == 1) {
		state = mv.v[0].rec;
		latest = 0;
		if (!(heads = strdup(mv.v[0].ref))) {
			err = bt__oom();
			goto done;
		}
	} else if (mv.n > 1) {
		if ((err = bt_merge(&m, mv.v, mv.n)) < 0)
			goto done;
		merged = 1;
		state = m.merged;
		latest = m.latest;
		const char **h = calloc(m.n_heads + 1, sizeof(char *));
		size_t len = 1;
		if (!h) {
			err = bt__oom();
			goto done;
		}
		for (size_t i = 0; i < m.n_heads; i++) {
			h[i] = mv.v[m.heads[i]].ref;
			len += strlen(h[i]) + 1;
		}
		qsort(h, m.n_heads, sizeof(char *), cmp_str);
		if ((heads = malloc(len)))
			for (size_t i = 0, at = 0; i < m.n_heads; i++)
				at += (size_t)snprintf(heads + at, len - at, "%s%s", i ? "," : "", h[i]);
		free(h);
		if (!heads) {
			err = bt__oom();
			goto done;
		}
	}

	if (state) {
		const bt_version *lv = &mv.v[latest];
		const version *lver = &v.v[applied_index.v[latest]];
		if (hinted && state == fresh->rec)
			memcpy(new_hash, s->hint.hash, BT_HASH_BYTES);
		else if (bt__sha256(new_hash, state->canonical, state->canonical_len) < 0) {
			err = bt__error_set(BT_ERROR, BT_("SHA-256 failed"));
			goto done;
		}
		state_changed = !old_event || memcmp(old_hash, new_hash, BT_HASH_BYTES) != 0 || old_event != lver->id ||
				strcmp(old_heads ? old_heads : "", heads) != 0;
		if (state_changed) {
			if (old_event && (err = bt_store__current_record(s, kind, key, &old_state)) < 0)
				goto done;
			if ((err = bt_store__project(s, state, lv->ts, lv->ref)) < 0)
				goto done;
			sqlite3_stmt *st = s->st.cur_put;
			int same = state->canonical_len == lv->rec->canonical_len &&
				   memcmp(state->canonical, lv->rec->canonical, state->canonical_len) == 0;
			sqlite3_bind_int(st, 1, (int)kind);
			sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, lver->id);
			sqlite3_bind_blob(st, 4, new_hash, BT_HASH_BYTES, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, heads, -1, SQLITE_STATIC);
			if (same)
				sqlite3_bind_null(st, 6);
			else
				sqlite3_bind_blob(st, 6, state->canonical, (int)state->canonical_len, SQLITE_STATIC);
			if ((err = bt_store__step_done(s, st, N_("writing a table"))) < 0)
				goto done;
			if ((old_state && (err = dirty_of(s, old_state)) < 0) || (err = dirty_of(s, state)) < 0)
				goto done;
		}
	}

	/* Findings about the versions: only a fact with more than one version, or one not applied, can have any. */
	if (other || mv.n < v.n) {
		if ((err = put_fact_findings(s, v.v, v.n, merged ? &m : NULL, state ? state : v.v[0].ev->rec, applied_index.v)) < 0)
			goto done;
	}

	/* Who is where changed: findings about this member's records may belong to another cell now. */
	if (state_changed && (kind == BT_KIND_MEMBER || kind == BT_KIND_TRANSFER)) {
		sqlite3_stmt *st = s->st.f_facts_of_member;
		sqlite3_bind_text(st, 1, kind == BT_KIND_MEMBER ? state->id : state->member, -1, SQLITE_TRANSIENT);
		if ((err = refold_listed(s, st, kind, key)) < 0)
			goto done;
	}
	err = recheck_pending(s);
done:
	bt_record_free(old_state);
	free(old_heads);
	free(heads);
	if (merged)
		bt_merge_result_free(&m);
	for (size_t i = 0; i < owned.n; i++)
		bt_event_clear(&owned.v[i]);
	free(owned.v);
	free(v.v);
	free(mv.v);
	free(applied_index.v);
	return err;
}
