/*
 * import.c - an import: a file of interchange lines (the format
 * docs/format.md gives it), or one typed record (bt_store_record), checked
 * as a whole (docs/offline.md, "Typed and imported records").
 *
 * An import is one transaction. Each line is parsed and canonicalised
 * (core/record.c); a fact whose current state has the same bytes is
 * unchanged and writes nothing (idempotence); otherwise the line becomes an
 * event of the store's own log, based on the fact's current heads, and is
 * folded in (fact.c) at once. What a line needs from other records is
 * checked when the whole file is in: references (noted when they are
 * missing as the line comes, checked again at the end), the findings the
 * file's records raise, and on a tablet the cell's scope. So the order of
 * the lines never matters; the first error, by line, stops everything.
 */
#include "error.h"
#include "i18n.h"
#include "records_internal.h"
#include "sha256.h"
#include "store_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A reference not found when its line came: checked again at the end. */
typedef struct {
	size_t line;
	bt_kind kind;       /* of the thing referred to: committee, cell or member */
	char id[BT_ID_MAX_BYTES + 1];
	char field[24];
	bt_kind from_kind;  /* the record that refers */
} pending_ref;

struct bt_import {
	bt_store *s;
	bt_import_opts opts;
	bt_import_stats stats;
	int failed, checked;
	bt_buf ev;                    /* event bytes being built */
	char author[201];
	char ts[BT_TIMESTAMP_BYTES];
	bt_strmap lines;              /* "kind\tkey" of the facts the file names -> its first line */
	bt_strset accepted;          /* finding ids the file accepts */
	BT_ARRAY(pending_ref) refs;
	size_t line_now;              /* the line being imported (0: a typed record) */
	bt_strset known[3];           /* committees, cells, members seen to exist (facts never go away) */
};

static void fact_name(char *out, size_t size, bt_kind kind, const char *key)
{
	snprintf(out, size, "%d\t%s", (int)kind, key);
}

static int exists(bt_store *s, bt_kind kind, const char *id)
{
	sqlite3_stmt *st = kind == BT_KIND_COMMITTEE ? s->st.committee_exists
			   : kind == BT_KIND_CELL    ? s->st.cell_exists
						     : s->st.member_row;
	int r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((r = bt_store__step_row(s, st, N_("reading the store"))) == 1) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	return r;
}

/* Note a reference; checked now if possible, else at the end. */
static int refer(bt_import *imp, bt_kind from, const char *field, bt_kind kind, const char *id)
{
	bt_strset *known = &imp->known[kind == BT_KIND_COMMITTEE ? 0 : kind == BT_KIND_CELL ? 1 : 2];
	if (bt_strset_has(known, id))
		return 0;
	int r = exists(imp->s, kind, id);
	if (r < 0)
		return r;
	if (r == 1)
		return bt_strset_add(known, id, NULL);
	pending_ref *p = BT_PUSH(&imp->refs);
	if (!p)
		return BT_ENOMEM;
	memset(p, 0, sizeof(*p));
	p->line = imp->line_now;
	p->kind = kind;
	p->from_kind = from;
	bt__copy_utf8(p->id, sizeof(p->id), id);
	bt__copy_utf8(p->field, sizeof(p->field), field);
	return 0;
}

static int note_refs(bt_import *imp, const bt_record *r)
{
	int err = 0;
	switch (r->kind) {
	case BT_KIND_CELL:
		return refer(imp, r->kind, "committee", BT_KIND_COMMITTEE, r->committee);
	case BT_KIND_MEMBER:
	case BT_KIND_REGULATION:
	case BT_KIND_TARGET:
	case BT_KIND_MEETING:
	case BT_KIND_DUES_MONTH:
	case BT_KIND_SETTLE:
		return refer(imp, r->kind, "cell", BT_KIND_CELL, r->cell);
	case BT_KIND_EXEMPTION:
	case BT_KIND_DUES:
	case BT_KIND_COMMITMENT:
	case BT_KIND_DISCIPLINE:
		return refer(imp, r->kind, "member", BT_KIND_MEMBER, r->member);
	case BT_KIND_ATTESTATION:
		if (strcmp(r->criterion, "1.3") == 0)
			return refer(imp, r->kind, "subject", BT_KIND_CELL, r->subject);
		return refer(imp, r->kind, "subject", BT_KIND_MEMBER, r->subject);
	case BT_KIND_TRANSFER:
		if ((err = refer(imp, r->kind, "from", BT_KIND_CELL, r->cell_from)) < 0 ||
		    (err = refer(imp, r->kind, "to", BT_KIND_CELL, r->cell_to)) < 0)
			return err;
		/* A transfer dated outside the member's years in the Party is a finding (NOT_IN_CELL, field "date"). */
		return refer(imp, r->kind, "member", BT_KIND_MEMBER, r->member);
	default:
		return 0;
	}
}

static int check_ref(bt_import *imp, const pending_ref *p)
{
	bt_store *s = imp->s;
	const char *what = p->kind == BT_KIND_COMMITTEE ? BT_("committee") : p->kind == BT_KIND_CELL ? BT_("cell") : BT_("member");
	int r = exists(s, p->kind, p->id);
	if (r < 0)
		return r;
	if (!r)
		return bt__error_set(BT_ENOTFOUND, BT_("field \"%s\": no %s \"%s\""), p->field, what, p->id);
	return 0;
}

int bt_import_begin(bt_import **out, bt_store *s, const bt_import_opts *opts)
{
	bt_import *imp;
	int err;
	*out = NULL;
	if (!opts || opts->version != BT_IMPORT_OPTS_VERSION || !opts->timestamp || !opts->author)
		return bt__error_set(BT_EINVALID, BT_("invalid import options (a timestamp and an author are needed)"));
	if (!bt_timestamp_valid(opts->timestamp))
		return bt__error_set(BT_EINVALID, BT_("invalid timestamp \"%.40s\""), opts->timestamp);
	if (strlen(opts->author) == 0 || strlen(opts->author) > 200)
		return bt__error_set(BT_EINVALID, BT_("invalid author name"));
	if (s->in_import)
		return bt__error_set(BT_EINVALID, BT_("another import is in progress"));
	if (!(imp = calloc(1, sizeof(*imp))))
		return bt__oom();
	/* A large import touches many pages: keep them in memory until commit rather than spill. */
	if ((err = bt_store__exec(s, "PRAGMA cache_size = -65536")) < 0 || (err = bt_store__begin(s)) < 0) {
		free(imp);
		return err;
	}
	imp->s = s;
	imp->opts = *opts;
	snprintf(imp->author, sizeof(imp->author), "%s", opts->author);
	snprintf(imp->ts, sizeof(imp->ts), "%s", opts->timestamp);
	imp->opts.author = imp->author;
	imp->opts.timestamp = imp->ts;
	bt_buf_init(&imp->ev, BT_EVENT_MAX_BYTES * 2);
	s->in_import = 1;
	*out = imp;
	return 0;
}

/* One second after "YYYY-MM-DDTHH:MM:SSZ". */
static int next_second(char ts[BT_TIMESTAMP_BYTES], const char *after)
{
	int y, mo, d, h, mi, se;
	if (sscanf(after, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &se) != 6 || !bt_date_valid(y, mo, d))
		return bt__error_set(BT_ECORRUPT, BT_("a damaged timestamp \"%.30s\""), after);
	int64_t t = (int64_t)bt_date_from_ymd(y, mo, d) * 86400 + h * 3600 + mi * 60 + se + 1;
	int64_t day = t / 86400, sec = t % 86400;
	bt_date_to_ymd((bt_date)day, &y, &mo, &d);
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
	memcpy(ts, tmp, BT_TIMESTAMP_BYTES - 1);
	ts[BT_TIMESTAMP_BYTES - 1] = '\0';
	return 0;
}

/*
 * The versions a new version replaces (the fact's heads), and a timestamp
 * after all of them: a correction on a tablet whose clock is behind must
 * not come before the version it corrects in the order of versions (docs/offline.md).
 */
static int base_of(bt_store *s, const char *heads, char ***base, size_t *n_base, char ts[BT_TIMESTAMP_BYTES])
{
	*base = NULL;
	*n_base = 0;
	if (!heads || !*heads)
		return 0;
	size_t count = 1;
	for (const char *p = heads; *p; p++)
		count += *p == ',';
	if (count > BT_EVENT_MAX_BASE)
		count = BT_EVENT_MAX_BASE;
	char **v = calloc(count, sizeof(char *));
	int err = 0;
	if (!v)
		return bt__oom();
	for (const char *p = heads; *p && *n_base < count;) {
		size_t len = strcspn(p, ",");
		if (!(v[*n_base] = strndup(p, len))) {
			err = bt__oom();
			break;
		}
		int64_t id;
		bt_event ev;
		(*n_base)++; /* owned by *base from here, freed by the caller whatever happens */
		if ((err = bt_store__event_id_of_ref(s, v[*n_base - 1], &id)) < 0)
			break;
		if (id) {
			if ((err = bt_store__event_by_id(s, id, &ev)) < 0)
				break;
			if (strcmp(ts, ev.ts) <= 0)
				err = next_second(ts, ev.ts);
			bt_event_clear(&ev);
			if (err < 0)
				break;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	*base = v;
	return err;
}

/*
 * Append a version of r to our log, replacing the fact's heads (a
 * comma-separated list, or NULL for a new fact), timed at the import's
 * time or later: after every version it replaces and, when after_ts is
 * given, after that timestamp too.
 */
static int append_version(bt_import *imp, const bt_record *r, const uint8_t rec_hash[BT_HASH_BYTES], int is_new,
			  const char *heads, const char *after_ts, int64_t *id)
{
	bt_store *s = imp->s;
	char ts[BT_TIMESTAMP_BYTES], **base = NULL;
	size_t n_base = 0;
	bt_event ev;
	int err = 0;

	memset(&ev, 0, sizeof(ev));
	memcpy(ts, imp->ts, sizeof(ts));
	if (after_ts && strcmp(ts, after_ts) <= 0 && (err = next_second(ts, after_ts)) < 0)
		return err;
	if ((err = base_of(s, heads, &base, &n_base, ts)) < 0)
		goto done;
	imp->ev.len = 0;
	if ((err = bt_event_encode(&imp->ev, s->log_id, s->head_seq + 1, s->head_hash, ts, imp->author,
				   (const char *const *)base, n_base, r)) < 0)
		goto done;
	/* The event as decoding it would give, without parsing back what we just wrote. */
	snprintf(ev.log, sizeof(ev.log), "%s", s->log_id);
	ev.seq = s->head_seq + 1;
	memcpy(ev.prev, s->head_hash, BT_HASH_BYTES);
	memcpy(ev.ts, ts, sizeof(ev.ts));
	ev.author = imp->author;
	ev.version = BT_EVENT_VERSION;
	ev.base = base;
	ev.n_base = n_base;
	ev.rec = (bt_record *)r;
	if (bt__sha256(ev.hash, imp->ev.data, imp->ev.len) < 0) {
		err = bt__error_set(BT_ERROR, BT_("SHA-256 failed"));
		goto done;
	}
	s->hint.rec = r;
	memcpy(s->hint.hash, rec_hash, BT_HASH_BYTES);
	s->hint.no_current = is_new;
	err = bt_store__append(s, &ev, (const uint8_t *)imp->ev.data, imp->ev.len, id);
	s->hint.rec = NULL;
	if (err < 0)
		goto done;
	s->head_seq++;
	memcpy(s->head_hash, ev.hash, BT_HASH_BYTES);
done:
	for (size_t i = 0; i < n_base; i++)
		free(base[i]);
	free(base);
	return err;
}

/* mode 0: import (add, change or leave unchanged); else bt_record_mode. */
static int import_record(bt_import *imp, const bt_record *r, int mode, int64_t *event_id)
{
	bt_store *s = imp->s;
	uint8_t rec_hash[BT_HASH_BYTES], cur_hash[BT_HASH_BYTES];
	char name[BT_FACT_KEY_BYTES + 8], *heads = NULL;
	int64_t cur = 0, first_line;
	int err;

	if (bt__sha256(rec_hash, r->canonical, r->canonical_len) < 0)
		return bt__error_set(BT_ERROR, BT_("SHA-256 failed"));
	if ((err = bt_store__current(s, r->kind, r->key, &cur, cur_hash, &heads)) < 0)
		return err;
	fact_name(name, sizeof(name), r->kind, r->key);
	if (bt_strmap_get(&imp->lines, name, &first_line)) {
		/*
		 * The same fact again in one file. Its state is now what its first
		 * line said (recorded, or already so): the same again changes
		 * nothing; other content would depend on the order of the lines.
		 */
		if (cur && memcmp(cur_hash, rec_hash, BT_HASH_BYTES) == 0) {
			free(heads);
			imp->stats.unchanged++;
			return 0;
		}
		err = bt__error_set(BT_EINVALID, BT_("%s \"%s\" is given again with other content (first on line %lld)"),
				    bt_kind_title(r->kind), r->key, (long long)first_line);
		goto done;
	}
	if (cur && mode != BT_RECORD_NEW && memcmp(cur_hash, rec_hash, BT_HASH_BYTES) == 0) {
		free(heads);
		imp->stats.unchanged++;
		return bt_strmap_put(&imp->lines, name, (int64_t)imp->line_now);
	}
	if (mode == BT_RECORD_NEW && cur) {
		err = bt__error_set(BT_EEXISTS, BT_("%s \"%s\" is already recorded; to change it, record a correction"),
				    bt_kind_title(r->kind), r->key);
		goto done;
	}
	if (mode == BT_RECORD_CORRECTION && !cur) {
		err = bt__error_set(BT_ENOTFOUND, BT_("no %s \"%s\" to correct"), bt_kind_title(r->kind), r->key);
		goto done;
	}
	if ((err = note_refs(imp, r)) < 0)
		goto done;
	int64_t id = 0;
	if ((err = append_version(imp, r, rec_hash, !cur, heads, NULL, &id)) < 0)
		goto done;
	if ((err = bt_strmap_put(&imp->lines, name, (int64_t)imp->line_now)) < 0)
		goto done;
	if (event_id)
		*event_id = id;
	if (cur)
		imp->stats.changed++;
	else
		imp->stats.added++;
done:
	free(heads);
	return err;
}

/* {"kind":"finding","id":...}: the file accepts a finding (export writes these). 1 when the line is one. */
static int acceptance_line(bt_import *imp, const char *text, size_t len, int *err)
{
	json_t *obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL), *v;
	const char *k;
	int is = 0;
	*err = 0;
	if (obj && json_is_object(obj) && json_is_string(json_object_get(obj, "kind")) &&
	    strcmp(json_string_value(json_object_get(obj, "kind")), "finding") == 0) {
		is = 1;
		json_t *id = json_object_get(obj, "id");
		json_object_foreach(obj, k, v) if (strcmp(k, "kind") && strcmp(k, "id") && strcmp(k, "code") && strcmp(k, "cell"))
		{
			*err = bt__error_set(BT_EINVALID, BT_("finding: unknown field \"%.40s\""), k);
			break;
		}
		if (!*err && (!json_is_string(id) || json_string_length(id) == 0 || json_string_length(id) > BT_FINDING_ID_MAX_BYTES))
			*err = bt__error_set(BT_EINVALID, BT_("finding: field \"id\": required, a finding's id"));
		if (!*err)
			*err = bt_strset_add(&imp->accepted, json_string_value(id), NULL);
	}
	json_decref(obj);
	return is;
}

static int line_error(bt_import *imp, int err, size_t line)
{
	char msg[1024];
	imp->failed = 1;
	imp->stats.error_line = line;
	bt__copy_utf8(msg, sizeof(msg), bt_error_last());
	if (line)
		bt__error_set(err, BT_("line %zu: %s"), line, msg);
	return err;
}

int bt_import_line(bt_import *imp, const char *text, size_t len)
{
	bt_record *r = NULL;
	int err;
	if (imp->failed)
		return bt__error_set(BT_EINVALID, BT_("the import was abandoned after an earlier error"));
	imp->stats.lines++;
	if (len && text[len - 1] == '\r')
		len--;
	size_t i = 0;
	while (i < len && (text[i] == ' ' || text[i] == '\t'))
		i++;
	if (i == len)
		return 0;
	/* A UTF-8 byte-order mark on the first line (spreadsheets write one) is not part of the record. */
	if (imp->stats.lines == 1 && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	imp->line_now = imp->stats.lines;
	/* A speaker not marked present is checked with the whole file: a finding it may accept. */
	if ((err = bt__record_parse(&r, text, len, 1)) < 0) {
		int aerr;
		char saved[1024];
		bt__copy_utf8(saved, sizeof(saved), bt_error_last());
		if (acceptance_line(imp, text, len, &aerr))
			return aerr < 0 ? line_error(imp, aerr, imp->stats.lines) : 0;
		bt__error_set(err, "%s", saved);
		return line_error(imp, err, imp->stats.lines);
	}
	imp->stats.records++;
	err = import_record(imp, r, 0, NULL);
	bt_record_free(r);
	return err < 0 ? line_error(imp, err, imp->stats.lines) : 0;
}

void bt_import_get_stats(const bt_import *imp, bt_import_stats *stats) { *stats = imp->stats; }

/* What a finding raised by the file means for the line that caused it. */
static int finding_error(bt_import *imp, const bt_finding *f)
{
	char ds[16] = "?", ms[16] = "?"; /* as people write them: dd/mm/yyyy, mm/yyyy */
	int known = f->member[0] ? exists(imp->s, BT_KIND_MEMBER, f->member) : 1;
	if (known < 0)
		return known;
	if (f->date != BT_DATE_NONE) {
		int y, m, d;
		bt_date_to_ymd(f->date, &y, &m, &d);
		snprintf(ds, sizeof(ds), "%02d/%02d/%04d", d, m, y);
		snprintf(ms, sizeof(ms), "%02d/%04d", m, y);
	}
	switch (f->code) {
	case BT_F_NOT_IN_CELL:
		if (!known)
			return bt__error_set(BT_ENOTFOUND, BT_("field \"%s\": no member \"%s\""), f->field, f->member);
		if (f->kind == BT_KIND_MEETING)
			return bt__error_set(BT_EINVALID, BT_("field \"%s\": member %s is not in cell %s on %s"), f->field, f->member,
					     f->cell, ds);
		if (f->kind == BT_KIND_DUES_MONTH)
			return bt__error_set(BT_EINVALID, BT_("field \"members\": member %s is not in cell %s in %s"), f->member, f->cell,
					     ms);
		if (f->kind == BT_KIND_TRANSFER)
			return bt__error_set(BT_EINVALID, BT_("field \"date\": member %s is not in the Party on %s (a transfer before joining or after leaving)"),
					     f->member, ds);
		return bt__error_set(BT_EINVALID, BT_("field \"month\": month %s is before member %s joined the Party (or after they left)"),
				     ms, f->member);
	case BT_F_UNMARKED_MEMBER:
		return bt__error_set(BT_EINVALID, BT_("field \"attendance\": missing the mark of a member required at the meeting: %s on %s"),
				     f->member, ds);
	case BT_F_SPEAKER_NOT_PRESENT:
		return bt__error_set(BT_EINVALID, BT_("field \"speakers\": %s spoke but is not marked present"), f->member);
	case BT_F_DUPLICATE_MEETING:
		return bt__error_set(BT_EINVALID, BT_("field \"date\": cell %s has two meetings on %s (%s and %s)"), f->cell, ds, f->key,
				     f->other_key);
	case BT_F_OUT_OF_SCOPE:
		return bt__error_set(BT_EDENIED, BT_("this tablet of cell %s may not record this %s"), f->cell, bt_kind_title(f->kind));
	default:
		return bt__error_set(BT_EINVALID, BT_("the record disagrees with another one (%s)"), bt_finding_code_name(f->code));
	}
}

typedef struct {
	bt_import *imp;
	const bt_strset *before;
	const bt_strset *cells;
	size_t best_line;  /* the first error by line; SIZE_MAX: none yet */
	int best_err;
	char best_msg[1024];
} check_ctx;

static int line_of(bt_import *imp, bt_kind kind, const char *key, int64_t *line)
{
	char name[BT_FACT_KEY_BYTES + 8];
	fact_name(name, sizeof(name), kind, key);
	return bt_strmap_get(&imp->lines, name, line);
}

static int check_finding(const bt_finding *f, void *payload)
{
	check_ctx *c = payload;
	bt_import *imp = c->imp;
	int64_t line = 0;
	if (f->settled || bt_strset_has(&imp->accepted, f->id))
		return 0;
	if (f->code == BT_F_OUT_OF_SCOPE) {
		/* Our own records outside our cell: refused as typed. */
		size_t log_len = 0;
		if (!f->n_records || !bt_ref_parse(f->records[0], &log_len, NULL) || log_len != strlen(imp->s->log_id) ||
		    memcmp(f->records[0], imp->s->log_id, log_len) != 0 || !line_of(imp, f->kind, f->key, &line))
			return 0;
	} else if (f->code == BT_F_CONCURRENT_CHANGE) {
		return 0;
	} else {
		if (!bt_strset_has(c->cells, f->cell) || bt_strset_has(c->before, f->id))
			return 0;
		if (!line_of(imp, f->kind, f->key, &line) && !(f->other_kind && line_of(imp, f->other_kind, f->other_key, &line))) {
			/* Raised by the file on records already held: accepted, and said. */
			imp->stats.findings++;
			return 0;
		}
	}
	if ((size_t)line < c->best_line) {
		c->best_line = (size_t)line;
		c->best_err = finding_error(imp, f);
		bt__copy_utf8(c->best_msg, sizeof(c->best_msg), bt_error_last());
	}
	return 0;
}

/*
 * Two meetings of a cell on one date: the one recorded last counts
 * (DUPLICATE_MEETING). An export says which one counted where it was made,
 * in the id of the finding it lists; imported, both meetings are recorded
 * at once, and the meeting id would decide. So a meeting of the file that a
 * listed finding names as the one that counts is recorded once more, after
 * the other: the store counts what the file says.
 */
typedef struct {
	bt_import *imp;
	const bt_strset *before, *cells;
	BT_ARRAY(char *) keys; /* pairs: the meeting to count, then the one counting now */
	int err;
} confirm_ctx;

static int confirm_finding(const bt_finding *f, void *payload)
{
	confirm_ctx *c = payload;
	int64_t line;
	if (f->code != BT_F_DUPLICATE_MEETING || f->settled || !f->other_key[0] || bt_strset_has(&c->imp->accepted, f->id) ||
	    !bt_strset_has(c->cells, f->cell) || bt_strset_has(c->before, f->id) ||
	    !line_of(c->imp, BT_KIND_MEETING, f->key, &line))
		return 0;
	bt_finding g = *f;
	bt__copy_utf8(g.key, sizeof(g.key), f->other_key);
	bt__copy_utf8(g.other_key, sizeof(g.other_key), f->key);
	bt_finding_make_id(&g);
	if (!bt_strset_has(&c->imp->accepted, g.id))
		return 0;
	char *a = NULL, *b = NULL;
	if (BT_RESERVE(&c->keys, c->keys.n + 2) < 0 || !(a = strdup(f->key)) || !(b = strdup(f->other_key))) {
		free(a);
		c->err = bt__oom();
		return 1;
	}
	c->keys.v[c->keys.n++] = a;
	c->keys.v[c->keys.n++] = b;
	return 0;
}

static int confirm_duplicates(bt_import *imp, const bt_strset *before, const bt_strset *cells)
{
	bt_store *s = imp->s;
	confirm_ctx c = {imp, before, cells, {0}, 0};
	bt_findings_query q = BT_FINDINGS_QUERY_INIT;
	if (!imp->accepted.n)
		return 0; /* the file lists no finding (what a person types never does) */
	int err = bt_store_findings(s, &q, confirm_finding, &c);
	if (err == 0)
		err = c.err;
	for (size_t i = 0; i + 1 < c.keys.n && err == 0; i += 2) {
		bt_record *r = NULL;
		bt_event ev;
		int64_t cur = 0, win = 0;
		char *heads = NULL;
		uint8_t h[BT_HASH_BYTES];
		memset(&ev, 0, sizeof(ev));
		if ((err = bt_store__current(s, BT_KIND_MEETING, c.keys.v[i + 1], &win, NULL, NULL)) < 0 ||
		    (win && (err = bt_store__event_by_id(s, win, &ev)) < 0) ||
		    (err = bt_store__current(s, BT_KIND_MEETING, c.keys.v[i], &cur, NULL, &heads)) < 0 ||
		    (err = bt_store__current_record(s, BT_KIND_MEETING, c.keys.v[i], &r)) < 0) {
			bt_event_clear(&ev);
			free(heads);
			break;
		}
		if (r && win) {
			if (bt__sha256(h, r->canonical, r->canonical_len) < 0)
				err = bt__error_set(BT_ERROR, BT_("SHA-256 failed"));
			else
				err = append_version(imp, r, h, 0, heads, ev.ts, NULL);
		}
		bt_record_free(r);
		bt_event_clear(&ev);
		free(heads);
	}
	for (size_t i = 0; i < c.keys.n; i++)
		free(c.keys.v[i]);
	free(c.keys.v);
	if (err == 0)
		err = bt_store__refresh_findings(s);
	return err;
}

static int check(bt_import *imp);

int bt_import_check(bt_import *imp, bt_import_stats *stats)
{
	int err;
	if (imp->failed)
		err = bt__error_set(BT_EINVALID, BT_("the import was abandoned after an error, nothing written"));
	else
		err = imp->checked ? 0 : check(imp);
	if (stats)
		*stats = imp->stats;
	return err;
}

static int check(bt_import *imp)
{
	bt_store *s = imp->s;
	bt_strset before = {0}, cells = {0};
	int err = 0;
	/* References, against the store as the whole file leaves it. */
	size_t bad = 0;
	for (size_t i = 0; i < imp->refs.n; i++) {
		int e;
		if ((e = check_ref(imp, &imp->refs.v[i])) == BT_EIO || e == BT_ENOMEM)
			return line_error(imp, e, imp->refs.v[i].line);
		if (e < 0 && (!bad || imp->refs.v[i].line < imp->refs.v[bad - 1].line)) {
			bad = i + 1;
			err = e;
		}
	}
	if (bad) {
		check_ref(imp, &imp->refs.v[bad - 1]); /* the message of the first one */
		return line_error(imp, err, imp->refs.v[bad - 1].line);
	}
	/* The findings the file raises: those of the cells it touched, before and after. */
	for (size_t i = 0; i < s->dirty_cells.cap && err == 0; i++)
		if (s->dirty_cells.slots[i]) {
			err = bt_strset_add(&cells, s->dirty_cells.slots[i], NULL);
			if (err == 0)
				err = bt_store__finding_ids(s, s->dirty_cells.slots[i], &before);
		}
	if (err == 0)
		err = bt_store__refresh_findings(s);
	if (err == 0)
		err = confirm_duplicates(imp, &before, &cells);
	if (err < 0)
		goto done;
	check_ctx c = {imp, &before, &cells, (size_t)-1, 0, ""};
	bt_findings_query q = BT_FINDINGS_QUERY_INIT;
	if ((err = bt_store_findings(s, &q, check_finding, &c)) < 0)
		goto done;
	if (c.best_line != (size_t)-1) {
		bt__error_set(c.best_err, "%s", c.best_msg);
		err = line_error(imp, c.best_err, c.best_line);
		goto done;
	}
	imp->checked = 1;
done:
	bt_strset_free(&before);
	bt_strset_free(&cells);
	return err;
}

int bt_import_commit(bt_import *imp, bt_import_stats *stats)
{
	bt_store *s = imp->s;
	int err;
	if ((err = bt_import_check(imp, stats)) < 0)
		return err;
	if ((err = bt_store__commit(s)) < 0) {
		imp->failed = 1;
		/* Rolled back (bt_store__commit), our log's head reloaded with it. */
		imp->s = NULL;
		s->in_import = 0;
		sqlite3_exec(s->db, "PRAGMA cache_size = -2000", NULL, NULL, NULL);
		return err;
	}
	s->in_import = 0;
	sqlite3_exec(s->db, "PRAGMA cache_size = -2000", NULL, NULL, NULL);
	imp->s = NULL;
	if (stats)
		*stats = imp->stats;
	return 0;
}

void bt_import_free(bt_import *imp)
{
	if (!imp)
		return;
	if (imp->s) {
		bt_store__rollback(imp->s);
		sqlite3_exec(imp->s->db, "PRAGMA cache_size = -2000", NULL, NULL, NULL);
		imp->s->in_import = 0;
	}
	bt_buf_free(&imp->ev);
	bt_strmap_free(&imp->lines);
	bt_strset_free(&imp->accepted);
	for (int i = 0; i < 3; i++)
		bt_strset_free(&imp->known[i]);
	free(imp->refs.v);
	free(imp);
}

int bt_store_record(bt_store *s, const bt_record *rec, bt_record_mode mode, const bt_import_opts *opts, int64_t *event_id)
{
	bt_import *imp = NULL;
	int err;
	if (event_id)
		*event_id = 0;
	if (mode != BT_RECORD_NEW && mode != BT_RECORD_CORRECTION)
		return bt__error_set(BT_EINVALID, BT_("invalid recording mode"));
	if (!rec || !rec->canonical || !rec->key)
		return bt__error_set(BT_EINVALID, BT_("the record was not checked (bt_record_parse or bt_record_finish)"));
	if ((err = bt_import_begin(&imp, s, opts)) < 0)
		return err;
	imp->line_now = 0;
	if ((err = import_record(imp, rec, (int)mode, event_id)) == 0)
		err = bt_import_commit(imp, NULL);
	if (err < 0 && event_id)
		*event_id = 0;
	bt_import_free(imp);
	return err;
}
