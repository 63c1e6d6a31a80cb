/*
 * audit.c - the auditor's offline bundle and its verifier (bontot/audit.h,
 * docs/audit.md).
 *
 * The bundle is a POSIX tar (ustar) file, so `tar xf` opens it:
 *
 *   checkpoint                      the office's checkpoint, with the tablets' cosignatures
 *   tile/<L>/<N>[.p/<W>]            the hash tiles of that tree, as /log/ serves them
 *   tile/entries/<N>[.p/<W>]        the entries: every event's exact bytes
 *   manifest.json                   keys and their validity, signed heads, cosignatures, receipts
 *   published/<sha256>.json         each published evaluation, under its hash
 *
 * The verifier trusts nothing in it but the office's verifier key (given,
 * or taken from the bundle and named in the report): it recomputes the
 * tree from the entries, every chain from the events, checks every
 * signature against the key of the log it signs and where in the log the
 * key was valid, every cosignature against the tree of its size, and every
 * receipt by replaying the events up to its tree into a scratch store and
 * evaluating again.
 */
#include "bontot/audit.h"
#include "bontot/tlog.h"
#include "buf.h"
#include "error.h"
#include "i18n.h"
#include "sha256.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUNDLE_FORMAT "bontot audit bundle 1"

/* ---- tar (ustar): what the bundle is written in ---- */

static void octal(char *field, size_t width, uint64_t v)
{
	/* width - 1 digits and a NUL. */
	for (size_t i = width - 1; i-- > 0; v >>= 3)
		field[i] = (char)('0' + (v & 7));
	field[width - 1] = '\0';
}

static int tar_add(bt_buf *out, const char *name, const void *data, size_t len, int64_t mtime)
{
	char h[512];
	size_t n = strlen(name);
	if (n == 0 || n >= 100 || len >= (1ull << 33))
		return bt__error_set(BT_EINVALID, BT_("cannot write \"%s\" into the bundle"), name);
	memset(h, 0, sizeof(h));
	memcpy(h, name, n);
	octal(h + 100, 8, 0644);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, len);
	octal(h + 136, 12, (uint64_t)(mtime > 0 ? mtime : 0));
	memset(h + 148, ' ', 8);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memcpy(h + 265, "bontot", 6);
	memcpy(h + 297, "bontot", 6);
	unsigned sum = 0;
	for (size_t i = 0; i < sizeof(h); i++)
		sum += (uint8_t)h[i];
	octal(h + 148, 7, sum);
	h[155] = ' ';
	bt_buf_put(out, h, sizeof(h));
	if (len)
		bt_buf_put(out, data, len);
	static const char zero[512];
	if (len % 512)
		bt_buf_put(out, zero, 512 - len % 512);
	return out->failed ? BT_ENOMEM : 0;
}

static int tar_end(bt_buf *out)
{
	static const char zero[1024];
	bt_buf_put(out, zero, sizeof(zero));
	return out->failed ? BT_ENOMEM : 0;
}

typedef struct {
	char name[101];
	const uint8_t *data;
	size_t len;
} tar_file;

typedef BT_ARRAY(tar_file) tar_files;

static int parse_octal(const char *f, size_t width, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	while (i < width && f[i] == ' ')
		i++;
	size_t start = i;
	for (; i < width && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return -1;
		v = v << 3 | (uint64_t)(f[i] - '0');
	}
	if (i == start)
		return -1;
	for (; i < width; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	*out = v;
	return 0;
}

/* The regular files of a ustar archive; anything else in it, a bad checksum, or a name twice: BT_ECORRUPT. */
static int tar_parse(const uint8_t *d, size_t len, tar_files *files)
{
	size_t at = 0;
	while (1) {
		if (len - at < 512)
			return bt__error_set(BT_ECORRUPT, BT_("the bundle is cut short"));
		const char *h = (const char *)d + at;
		int zero = 1;
		for (size_t i = 0; i < 512 && zero; i++)
			zero = h[i] == 0;
		if (zero)
			return 0;
		uint64_t size, sum;
		unsigned got = 0;
		for (size_t i = 0; i < 512; i++)
			got += i >= 148 && i < 156 ? ' ' : (uint8_t)h[i];
		if (memcmp(h + 257, "ustar", 5) != 0 || parse_octal(h + 148, 8, &sum) < 0 || sum != got ||
		    parse_octal(h + 124, 12, &size) < 0)
			return bt__error_set(BT_ECORRUPT, BT_("the bundle is damaged at byte %zu"), at);
		if (h[156] != '0' && h[156] != '\0')
			return bt__error_set(BT_ECORRUPT, BT_("the bundle holds something that is not a file at byte %zu"), at);
		if (memchr(h, '\0', 100) == NULL || h[0] == '\0' || h[345] != '\0')
			return bt__error_set(BT_ECORRUPT, BT_("the bundle is damaged at byte %zu"), at);
		at += 512;
		if (size > len - at)
			return bt__error_set(BT_ECORRUPT, BT_("the bundle is cut short"));
		for (size_t i = 0; i < files->n; i++)
			if (strcmp(files->v[i].name, h) == 0)
				return bt__error_set(BT_ECORRUPT, BT_("the bundle holds \"%.100s\" twice"), h);
		tar_file *f = BT_PUSH(files);
		if (!f)
			return BT_ENOMEM;
		snprintf(f->name, sizeof(f->name), "%s", h);
		f->data = d + at;
		f->len = (size_t)size;
		size_t padded = (size_t)((size + 511) / 512 * 512);
		if (padded > len - at)
			return bt__error_set(BT_ECORRUPT, BT_("the bundle is cut short"));
		at += padded;
	}
}

static const tar_file *tar_find(const tar_files *files, const char *name)
{
	for (size_t i = 0; i < files->n; i++)
		if (strcmp(files->v[i].name, name) == 0)
			return &files->v[i];
	return NULL;
}

/* ---- publishing an evaluation ---- */

int bt_audit_publish(bt_buf *body, bt_buf *receipt, bt_store *s, const bt_key *key, const bt_eval_opts *o, const char *cell)
{
	uint8_t hash[BT_HASH_BYTES], root[BT_HASH_BYTES];
	uint64_t size;
	char origin[BT_LOG_ID_MAX_BYTES + 16], label[96];
	bt_tlog_source src;
	int err;
	if ((err = bt_store_evaluation_json(body, s, o, cell)) < 0)
		return err;
	bt_store_tlog_source(s, &src);
	bt_tlog_origin(origin, sizeof(origin), bt_store_log_id(s));
	bt_rules_label(label, sizeof(label), o->rules);
	if (bt__sha256(hash, body->data, body->len) < 0)
		return bt__error_set(BT_ERROR, BT_("SHA-256 failed"));
	bt_date as_of = o->as_of == BT_DATE_NONE ? bt_date_from_ymd(o->year, 12, 31) : o->as_of;
	if ((err = bt_store_tlog_size(s, &size)) < 0 || (err = bt_tlog_root(&src, size, root)) < 0 ||
	    (err = bt_tlog_receipt(receipt, origin, size, root, label, o->year, as_of, cell, hash, key)) < 0 ||
	    (err = bt_store_receipt_put(s, receipt->data)) < 0 || (err = bt_store_published_put(s, hash, body->data, body->len)) < 0)
		return err;
	return 0;
}

/* ---- export ---- */

static void hex_of(char *out, const uint8_t *d, size_t n)
{
	static const char x[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++)
		out[2 * i] = x[d[i] >> 4], out[2 * i + 1] = x[d[i] & 15];
	out[2 * n] = '\0';
}

static int unhex(uint8_t *out, size_t n, const char *s)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < 2 * n; i++) {
		int c = s[i], v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			return -1;
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(v << 4);
		else
			out[i / 2] |= (uint8_t)v;
	}
	return 0;
}

/* The built-in rule set a receipt names ("<id>.<version>"): 1 and *out, or 0. */
static int builtin_by_label(const char *label, bt_rules *out)
{
	char have[96];
	for (const char *const *name = bt_rules_builtin_names(); *name; name++) {
		if (bt_rules_builtin(out, *name) < 0) {
			bt_error_clear();
			continue;
		}
		bt_rules_label(have, sizeof(have), out);
		if (strcmp(have, label) == 0)
			return 1;
	}
	return 0;
}

/* The "rules <label>" line of a receipt's text; 0 or -1. */
static int receipt_rules(char label[96], const char *note)
{
	const char *p = strstr(note, "\nrules ");
	const char *e = p ? strchr(p + 7, '\n') : NULL;
	if (!e || e - (p + 7) >= 96 || e == p + 7)
		return -1;
	memcpy(label, p + 7, (size_t)(e - (p + 7)));
	label[e - (p + 7)] = '\0';
	return 0;
}

static void b64_put(bt_buf *b, const uint8_t *d, size_t n)
{
	char tmp[128];
	if (n > 90)
		return;
	EVP_EncodeBlock((unsigned char *)tmp, d, (int)n);
	bt_buf_json_string(b, tmp);
}

typedef struct {
	bt_buf *m;
	int first;
} list_out;

static int device_out(const bt_device_info *d, void *payload)
{
	list_out *l = payload;
	static const char *const roles[] = {"", "secretary", "deputy", "office", "relayed"};
	bt_buf_puts(l->m, l->first ? "\n{\"log\":" : ",\n{\"log\":");
	l->first = 0;
	bt_buf_json_string(l->m, d->id);
	bt_buf_puts(l->m, ",\"cell\":");
	bt_buf_json_string(l->m, d->cell);
	bt_buf_puts(l->m, ",\"role\":");
	bt_buf_json_string(l->m, d->role >= 1 && d->role <= 4 ? roles[d->role] : "");
	bt_buf_puts(l->m, ",\"public_key\":");
	bt_buf_json_string(l->m, d->public_key);
	if (d->enrolled_size >= 0)
		bt_buf_printf(l->m, ",\"enrolled_size\":%lld", (long long)d->enrolled_size);
	else
		bt_buf_puts(l->m, ",\"enrolled_size\":null");
	if (d->revoked)
		bt_buf_printf(l->m, ",\"revoked_size\":%lld}", (long long)(d->revoked_size >= 0 ? d->revoked_size : 0));
	else
		bt_buf_puts(l->m, ",\"revoked_size\":null}");
	return l->m->failed ? BT_ENOMEM : 0;
}

static int head_out(const char *log, int64_t seq, const char *signer, const uint8_t *sig, void *payload)
{
	list_out *l = payload;
	bt_buf_puts(l->m, l->first ? "\n{\"log\":" : ",\n{\"log\":");
	l->first = 0;
	bt_buf_json_string(l->m, log);
	bt_buf_printf(l->m, ",\"seq\":%lld,\"signer\":", (long long)seq);
	bt_buf_json_string(l->m, signer);
	bt_buf_puts(l->m, ",\"sig\":");
	b64_put(l->m, sig, BT_ED25519_SIG_BYTES);
	bt_buf_puts(l->m, "}");
	return l->m->failed ? BT_ENOMEM : 0;
}

static int cosig_out(uint64_t size, const char *device, const char *line, void *payload)
{
	list_out *l = payload;
	bt_buf_printf(l->m, "%s{\"size\":%llu,\"device\":", l->first ? "\n" : ",\n", (unsigned long long)size);
	l->first = 0;
	bt_buf_json_string(l->m, device);
	bt_buf_puts(l->m, ",\"line\":");
	bt_buf_json_string(l->m, line);
	bt_buf_puts(l->m, "}");
	return l->m->failed ? BT_ENOMEM : 0;
}

typedef struct {
	bt_buf *m, *tar;
	bt_store *s;
	int first;
	int64_t mtime;
	BT_ARRAY(char *) bodies; /* hex hashes already in the tar */
	BT_ARRAY(char *) rules;  /* rule sets already in the tar, by label */
} receipts_out;

/* The rule set a receipt names, once, as rules/<label>.json: the numbers the evaluation used, for the auditor to read. */
static int rules_out(receipts_out *r, const char *note)
{
	char label[96], name[128];
	bt_rules rules;
	if (receipt_rules(label, note) < 0 || !builtin_by_label(label, &rules))
		return 0;
	for (size_t i = 0; i < r->rules.n; i++)
		if (strcmp(r->rules.v[i], label) == 0)
			return 0;
	char **slot = BT_PUSH(&r->rules);
	if (!slot || !(*slot = strdup(label))) {
		if (slot)
			r->rules.n--;
		return bt__oom();
	}
	bt_buf b;
	bt_buf_init(&b, 0);
	snprintf(name, sizeof(name), "rules/%s.json", label);
	int err = bt_rules_json(&b, &rules);
	if (err == 0)
		err = tar_add(r->tar, name, b.data, b.len, r->mtime);
	bt_buf_free(&b);
	return err;
}

/* The "sha256 <hex>" line of a receipt's text, into hex; 0 or -1. */
static int receipt_sha(char hex[2 * BT_HASH_BYTES + 1], const char *note)
{
	const char *p = strstr(note, "\nsha256 ");
	if (!p || strlen(p + 8) < 2 * BT_HASH_BYTES)
		return -1;
	memcpy(hex, p + 8, 2 * BT_HASH_BYTES);
	hex[2 * BT_HASH_BYTES] = '\0';
	return 0;
}

static int receipt_out(const char *at, const char *note, void *payload)
{
	receipts_out *r = payload;
	char hex[2 * BT_HASH_BYTES + 1], name[100];
	uint8_t hash[BT_HASH_BYTES];
	int err, have = 0;
	bt_buf_puts(r->m, r->first ? "\n{\"at\":" : ",\n{\"at\":");
	r->first = 0;
	bt_buf_json_string(r->m, at);
	bt_buf_puts(r->m, ",\"note\":");
	bt_buf_json_string(r->m, note);
	if (receipt_sha(hex, note) < 0 || unhex(hash, sizeof(hash), hex) < 0) {
		bt_buf_puts(r->m, "}");
		return r->m->failed ? BT_ENOMEM : 0;
	}
	if ((err = rules_out(r, note)) < 0)
		return err;
	snprintf(name, sizeof(name), "published/%s.json", hex);
	for (size_t i = 0; i < r->bodies.n && !have; i++)
		have = strcmp(r->bodies.v[i], hex) == 0;
	if (have) {
		bt_buf_puts(r->m, ",\"published\":");
		bt_buf_json_string(r->m, name);
		bt_buf_puts(r->m, "}");
		return r->m->failed ? BT_ENOMEM : 0;
	}
	bt_buf body;
	bt_buf_init(&body, 0);
	/* The evaluation itself, when the store kept it (receipts from before version 12 of the store have none). */
	if ((err = bt_store_published_get(r->s, hash, &body)) == 1) {
		char **slot = BT_PUSH(&r->bodies);
		if (!slot || !(*slot = strdup(hex))) {
			if (slot)
				r->bodies.n--;
			err = bt__oom();
		} else {
			err = tar_add(r->tar, name, body.data, body.len, r->mtime);
			bt_buf_puts(r->m, ",\"published\":");
			bt_buf_json_string(r->m, name);
		}
	}
	bt_buf_puts(r->m, "}");
	bt_buf_free(&body);
	return err < 0 ? err : r->m->failed ? BT_ENOMEM : 0;
}

typedef struct {
	uint8_t hash[BT_HASH_BYTES];
	int64_t seq;
} last_event;

static int last_of(int64_t seq, const uint8_t *bytes, size_t len, void *payload)
{
	last_event *l = payload;
	l->seq = seq;
	return bt__sha256(l->hash, bytes, len) < 0 ? bt__error_set(BT_ERROR, BT_("SHA-256 failed")) : 0;
}

int bt_audit_export(bt_buf *out, bt_store *s, const bt_key *key, int year, bt_date as_of)
{
	const char *office = bt_store_log_id(s);
	char origin[BT_LOG_ID_MAX_BYTES + 16], vkey[256], path[64];
	uint8_t root[BT_HASH_BYTES];
	uint64_t size;
	bt_tlog_source src;
	bt_buf b, m;
	int err;
	int64_t now = (int64_t)time(NULL);
	receipts_out ro;
	memset(&ro, 0, sizeof(ro));
	bt_buf_init(&b, 0);
	bt_buf_init(&m, 0);
	bt_tlog_origin(origin, sizeof(origin), office);
	bt_store_tlog_source(s, &src);

	/* What is exported is published: the evaluation asked for, with its receipt, before the checkpoint that covers it. */
	if (year) {
		bt_rules rules;
		bt_eval_opts o = BT_EVAL_OPTS_INIT;
		bt_buf body, receipt;
		bt_buf_init(&body, 0);
		bt_buf_init(&receipt, 0);
		o.year = year;
		o.as_of = as_of;
		o.rules = &rules;
		if ((err = bt_rules_builtin(&rules, NULL)) == 0)
			err = bt_audit_publish(&body, &receipt, s, key, &o, NULL);
		bt_buf_free(&body);
		bt_buf_free(&receipt);
		if (err < 0)
			goto done;
	}

	if ((err = bt_store_tlog_size(s, &size)) < 0 || (err = bt_tlog_root(&src, size, root)) < 0 ||
	    (err = bt_tlog_checkpoint(&b, origin, size, root, key)) < 0 || (err = bt_store_tlog_cosigs(s, size, &b)) < 0 ||
	    (err = tar_add(out, "checkpoint", b.data, b.len, now)) < 0)
		goto done;

	/* The tiles, as /log/ serves them: entries (level -1), then hashes level by level while the tree has any there. */
	for (int level = -1; level < 8; level++) {
		uint64_t span = level < 0 ? 1 : 1ull << (8 * level), at_level = size / span;
		if (at_level == 0)
			break;
		uint64_t full = at_level / BT_TLOG_TILE_WIDTH;
		int partial = (int)(at_level % BT_TLOG_TILE_WIDTH);
		for (uint64_t idx = 0; idx <= full; idx++) {
			int width = idx < full ? BT_TLOG_TILE_WIDTH : partial;
			if (width == 0)
				break;
			b.len = 0;
			err = bt_store_tlog_tile(s, level, idx, width, &b);
			bt_tlog_tile_path(path, sizeof(path), level, idx, width);
			if (err < 0 || (err = b.failed ? BT_ENOMEM : 0) < 0 || (err = tar_add(out, path, b.data, b.len, now)) < 0)
				goto done;
		}
	}

	/* The manifest: keys and their validity, signed heads, cosignatures, receipts (with the published evaluations beside). */
	char *pem = NULL;
	if ((err = bt_tlog_vkey(vkey, sizeof(vkey), origin, key)) < 0 || (err = bt_key_public_pem(&pem, key)) < 0)
		goto done;
	bt_buf_puts(&m, "{\"format\":\"" BUNDLE_FORMAT "\",\"origin\":");
	bt_buf_json_string(&m, origin);
	bt_buf_puts(&m, ",\"office_log\":");
	bt_buf_json_string(&m, office);
	bt_buf_puts(&m, ",\"vkey\":");
	bt_buf_json_string(&m, vkey);
	bt_buf_printf(&m, ",\"size\":%llu,\"made\":%lld,\n\"devices\":[\n{\"log\":", (unsigned long long)size, (long long)now);
	bt_buf_json_string(&m, office);
	bt_buf_puts(&m, ",\"cell\":\"\",\"role\":\"office\",\"public_key\":");
	bt_buf_json_string(&m, pem);
	bt_buf_puts(&m, ",\"enrolled_size\":0,\"revoked_size\":null}");
	free(pem);
	list_out l = {&m, 0};
	if ((err = bt_store_devices(s, device_out, &l)) < 0)
		goto done;
	bt_buf_puts(&m, "],\n\"heads\":[");
	l.first = 1;
	if ((err = bt_store_head_sigs(s, head_out, &l)) < 0)
		goto done;
	/* The office's own log is written here, not accepted: its head is signed now. */
	last_event le = {{0}, 0};
	int64_t office_head = 0;
	if ((err = bt_store_log_head(s, office, &office_head)) < 0)
		goto done;
	if (office_head) {
		uint8_t sig[BT_ED25519_SIG_BYTES];
		if ((err = bt_store_events(s, office, office_head, last_of, &le)) < 0 ||
		    (err = bt_head_sign(sig, key, office, le.seq, le.hash)) < 0 || (err = head_out(office, le.seq, office, sig, &l)) < 0)
			goto done;
	}
	bt_buf_puts(&m, "],\n\"cosignatures\":[");
	l.first = 1;
	if ((err = bt_store_tlog_cosigs_each(s, cosig_out, &l)) < 0)
		goto done;
	bt_buf_puts(&m, "],\n\"receipts\":[");
	ro.m = &m;
	ro.tar = out;
	ro.s = s;
	ro.first = 1;
	ro.mtime = now;
	if ((err = bt_store_receipts(s, receipt_out, &ro)) < 0)
		goto done;
	bt_buf_puts(&m, "]}\n");
	if ((err = m.failed ? BT_ENOMEM : 0) < 0 || (err = tar_add(out, "manifest.json", m.data, m.len, now)) < 0 ||
	    (err = tar_end(out)) < 0)
		goto done;
done:
	for (size_t i = 0; i < ro.bodies.n; i++)
		free(ro.bodies.v[i]);
	free(ro.bodies.v);
	for (size_t i = 0; i < ro.rules.n; i++)
		free(ro.rules.v[i]);
	free(ro.rules.v);
	bt_buf_free(&b);
	bt_buf_free(&m);
	return err;
}

/* ---- verify ---- */

typedef struct {
	char log[BT_LOG_ID_MAX_BYTES + 1];
	char cell[BT_ID_MAX_BYTES + 1];
	bt_device_role role;
	bt_key *key;
	int64_t enrolled_size, revoked_size; /* -1: not known / not revoked */
	int64_t n;                           /* events of this log in the tree */
	int64_t signed_seq;                  /* the highest head whose signature verifies */
	int64_t *leaf_by_seq;                /* [seq]: the first entry holding event seq of this log, or -1 */
} vdevice;

typedef struct {
	bt_audit_report *r;
	const tar_files *files;
	json_t *manifest;
	uint64_t size;
	uint8_t root[BT_HASH_BYTES];
	const uint8_t **leaf;  /* entry i's bytes */
	size_t *leaf_len;
	uint8_t (*leaf_hash)[BT_HASH_BYTES];
	bt_event *ev;          /* decoded, or log[0] == 0 */
	vdevice *dev;
	size_t n_dev;
	char origin[BT_LOG_ID_MAX_BYTES + 16], office[BT_LOG_ID_MAX_BYTES + 1];
} vctx;

/* Note one problem; the kept copy (to name a cell or member in), or NULL beyond the first BT_AUDIT_PROBLEMS_KEPT. */
static bt_audit_problem *problem(vctx *v, const char *code, const char *log, int64_t seq, int64_t leaf, const char *fmt, ...)
	BT_PRINTF(6, 7);
static bt_audit_problem *problem(vctx *v, const char *code, const char *log, int64_t seq, int64_t leaf, const char *fmt, ...)
{
	bt_audit_report *r = v->r;
	if (r->n_problems++ >= BT_AUDIT_PROBLEMS_KEPT)
		return NULL;
	bt_audit_problem *p = &r->problems[r->n_problems - 1];
	memset(p, 0, sizeof(*p));
	p->code = code;
	snprintf(p->log, sizeof(p->log), "%s", log ? log : "");
	p->seq = seq;
	p->leaf = leaf;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->message, sizeof(p->message), fmt, ap);
	va_end(ap);
	return p;
}

static vdevice *device_of(vctx *v, const char *log)
{
	for (size_t i = 0; i < v->n_dev; i++)
		if (strcmp(v->dev[i].log, log) == 0)
			return &v->dev[i];
	return NULL;
}

static int mem_leaves(void *ctx, uint64_t start, size_t n, uint8_t (*out)[BT_HASH_BYTES])
{
	vctx *v = ctx;
	memcpy(out, v->leaf_hash + start, n * BT_HASH_BYTES);
	return 0;
}

/* The entries: every entry bundle the tree of `size` has, in order, exactly. 0, or 1 when they are not all there. */
static int read_entries(vctx *v)
{
	uint64_t full = v->size / BT_TLOG_TILE_WIDTH, got = 0;
	int partial = (int)(v->size % BT_TLOG_TILE_WIDTH);
	char path[64];
	for (uint64_t idx = 0; idx <= full; idx++) {
		int width = idx < full ? BT_TLOG_TILE_WIDTH : partial;
		if (width == 0)
			break;
		bt_tlog_tile_path(path, sizeof(path), -1, idx, width);
		const tar_file *f = tar_find(v->files, path);
		if (!f) {
			problem(v, "ENTRIES_MISSING", NULL, 0, (int64_t)got,
				BT_("the bundle lacks %s: the log's entries from %llu on are not there"), path, (unsigned long long)got);
			return 1;
		}
		size_t at = 0;
		for (int i = 0; i < width; i++) {
			if (f->len - at < 2 || (size_t)(f->data[at] << 8 | f->data[at + 1]) > f->len - at - 2) {
				problem(v, "ENTRIES_DAMAGED", NULL, 0, (int64_t)got,
					BT_("%s is cut short: it holds fewer than its %d entries"), path, width);
				return 1;
			}
			size_t n = (size_t)(f->data[at] << 8 | f->data[at + 1]);
			v->leaf[got] = f->data + at + 2;
			v->leaf_len[got] = n;
			at += 2 + n;
			got++;
		}
		if (at != f->len) {
			problem(v, "ENTRIES_DAMAGED", NULL, 0, (int64_t)got - 1, BT_("%s holds more than its %d entries"), path, width);
			return 1;
		}
	}
	return 0;
}

static int load_devices(vctx *v)
{
	json_t *devs = json_object_get(v->manifest, "devices");
	size_t i;
	json_t *d;
	if (!json_is_array(devs)) {
		problem(v, "MANIFEST_DAMAGED", NULL, 0, -1, BT_("the manifest has no list of keys"));
		return 1;
	}
	if (!(v->dev = calloc(json_array_size(devs) + 1, sizeof(*v->dev))))
		return bt__oom();
	json_array_foreach(devs, i, d)
	{
		const char *log = json_string_value(json_object_get(d, "log"));
		const char *cell = json_string_value(json_object_get(d, "cell"));
		const char *role = json_string_value(json_object_get(d, "role"));
		const char *pem = json_string_value(json_object_get(d, "public_key"));
		json_t *en = json_object_get(d, "enrolled_size"), *rv = json_object_get(d, "revoked_size");
		if (!log || !bt_log_id_valid(log) || !cell || strlen(cell) > BT_ID_MAX_BYTES || !role || !pem || device_of(v, log)) {
			problem(v, "MANIFEST_DAMAGED", log && strlen(log) <= BT_LOG_ID_MAX_BYTES ? log : NULL, 0, -1,
				BT_("the manifest's key number %zu is malformed or repeated"), i + 1);
			continue;
		}
		vdevice *x = &v->dev[v->n_dev];
		snprintf(x->log, sizeof(x->log), "%s", log);
		snprintf(x->cell, sizeof(x->cell), "%s", cell);
		x->role = strcmp(role, "secretary") == 0 ? BT_ROLE_DEVICE_SECRETARY
			  : strcmp(role, "deputy") == 0  ? BT_ROLE_DEVICE_DEPUTY
			  : strcmp(role, "office") == 0  ? BT_ROLE_DEVICE_OFFICE
							 : BT_ROLE_DEVICE_RELAYED;
		x->enrolled_size = json_is_integer(en) ? json_integer_value(en) : -1;
		x->revoked_size = json_is_integer(rv) ? json_integer_value(rv) : -1;
		if (bt_key_from_public_pem(&x->key, pem, strlen(pem)) < 0) {
			problem(v, "KEY_DAMAGED", log, 0, -1, BT_("the key of %s in the manifest is not an Ed25519 public key"), log);
			bt_error_clear();
			continue;
		}
		v->n_dev++;
	}
	return 0;
}

/* Every event decodes, every log's events come 1, 2, 3... each chained to the one before; who wrote them may have. */
static void check_chains(vctx *v)
{
	typedef struct {
		int64_t seq;
		uint8_t hash[BT_HASH_BYTES];
	} head;
	head *h = calloc(v->n_dev + 1, sizeof(*h));
	if (!h) {
		bt__oom();
		return;
	}
	for (uint64_t i = 0; i < v->size; i++) {
		bt_event *ev = &v->ev[i];
		if (bt_event_decode(ev, v->leaf[i], v->leaf_len[i]) < 0) {
			problem(v, "EVENT_UNREADABLE", NULL, 0, (int64_t)i, BT_("entry %llu of the log is not an event: %s"),
				(unsigned long long)i, bt_error_last());
			bt_error_clear();
			ev->log[0] = '\0';
			continue;
		}
		vdevice *d = device_of(v, ev->log);
		if (!d) {
			problem(v, "UNKNOWN_LOG", ev->log, ev->seq, (int64_t)i,
				BT_("event %lld of %s: no key in the bundle owns that log"), (long long)ev->seq, ev->log);
			continue;
		}
		head *hd = &h[d - v->dev];
		if (ev->seq != hd->seq + 1) {
			if (ev->seq <= hd->seq)
				problem(v, "EVENT_REPEATED", ev->log, ev->seq, (int64_t)i,
					BT_("event %lld of %s comes again (entry %llu) after event %lld"), (long long)ev->seq, ev->log,
					(unsigned long long)i, (long long)hd->seq);
			else
				problem(v, "EVENT_MISSING", ev->log, hd->seq + 1, (int64_t)i,
					BT_("%s: events %lld to %lld are missing before entry %llu"), ev->log, (long long)hd->seq + 1,
					(long long)ev->seq - 1, (unsigned long long)i);
		} else if (memcmp(ev->prev, hd->hash, BT_HASH_BYTES) != 0) {
			/* The previous event's bytes are not those this one chains to: it was changed (or this one's link was). */
			problem(v, "EVENT_CHANGED", ev->log, hd->seq, -1,
				BT_("event %lld of %s was changed: event %lld does not chain to it"), (long long)hd->seq, ev->log,
				(long long)ev->seq);
		}
		if (ev->seq > hd->seq) {
			hd->seq = ev->seq;
			memcpy(hd->hash, ev->hash, BT_HASH_BYTES);
		}
		/* A log has no more events than the tree has entries: a larger number is a gap, reported above. */
		if (ev->seq > d->n && (uint64_t)ev->seq <= v->size)
			d->n = ev->seq;
		/* The key was valid where the office took the event. */
		if (d->role != BT_ROLE_DEVICE_OFFICE) {
			if (d->enrolled_size >= 0 && (int64_t)i < d->enrolled_size)
				problem(v, "KEY_NOT_YET_VALID", ev->log, ev->seq, (int64_t)i,
					BT_("event %lld of %s is at entry %llu, before its key was enrolled (entry %lld)"), (long long)ev->seq,
					ev->log, (unsigned long long)i, (long long)d->enrolled_size);
			if (d->revoked_size >= 0 && (int64_t)i >= d->revoked_size)
				problem(v, "KEY_REVOKED", ev->log, ev->seq, (int64_t)i,
					BT_("event %lld of %s is at entry %llu, after its key was revoked (entry %lld)"), (long long)ev->seq,
					ev->log, (unsigned long long)i, (long long)d->revoked_size);
		}
	}
	free(h);
}

/* Index each log's events by sequence number: the first entry holding each. */
static int index_events(vctx *v)
{
	for (size_t k = 0; k < v->n_dev; k++) {
		vdevice *d = &v->dev[k];
		if (!(d->leaf_by_seq = malloc((size_t)(d->n + 1) * sizeof(int64_t))))
			return bt__oom();
		for (int64_t q = 0; q <= d->n; q++)
			d->leaf_by_seq[q] = -1;
	}
	for (uint64_t i = 0; i < v->size; i++) {
		vdevice *d = v->ev[i].log[0] ? device_of(v, v->ev[i].log) : NULL;
		if (d && v->ev[i].seq >= 1 && v->ev[i].seq <= d->n && d->leaf_by_seq[v->ev[i].seq] < 0)
			d->leaf_by_seq[v->ev[i].seq] = (int64_t)i;
	}
	return 0;
}

/* Every signed head verifies with its log's key; every event is covered by one. */
static int check_heads(vctx *v)
{
	json_t *heads = json_object_get(v->manifest, "heads"), *hd;
	size_t i;
	if (!json_is_array(heads)) {
		problem(v, "MANIFEST_DAMAGED", NULL, 0, -1, BT_("the manifest has no list of signed heads"));
		return 0;
	}
	json_array_foreach(heads, i, hd)
	{
		const char *log = json_string_value(json_object_get(hd, "log"));
		const char *signer = json_string_value(json_object_get(hd, "signer"));
		const char *sig64 = json_string_value(json_object_get(hd, "sig"));
		json_t *sq = json_object_get(hd, "seq");
		uint8_t sig[BT_ED25519_SIG_BYTES + 4];
		if (!log || !signer || !sig64 || !json_is_integer(sq) || strlen(sig64) != 88 ||
		    EVP_DecodeBlock(sig, (const unsigned char *)sig64, 88) != 66) {
			problem(v, "MANIFEST_DAMAGED", NULL, 0, -1, BT_("the manifest's signed head number %zu is malformed"), i + 1);
			continue;
		}
		if (strcmp(log, signer) != 0)
			continue; /* relayed by another: not how the office holds a log */
		int64_t seq = json_integer_value(sq);
		vdevice *d = device_of(v, log);
		int64_t leaf = d && seq >= 1 && seq <= d->n ? d->leaf_by_seq[seq] : -1;
		v->r->heads++;
		if (!d || leaf < 0) {
			problem(v, "HEAD_WITHOUT_EVENT", log, seq, -1, BT_("%s signed its event %lld, which the log does not hold"), log,
				(long long)seq);
			continue;
		}
		if (bt_head_verify(d->key, log, seq, v->ev[leaf].hash, sig) < 0) {
			bt_error_clear();
			problem(v, "BAD_SIGNATURE", log, seq, leaf,
				BT_("the signature of %s over its event %lld does not verify: the event or the key was changed"), log,
				(long long)seq);
			continue;
		}
		if (seq > d->signed_seq)
			d->signed_seq = seq;
	}
	for (size_t k = 0; k < v->n_dev; k++) {
		vdevice *d = &v->dev[k];
		v->r->logs += d->n > 0;
		if (d->n > d->signed_seq)
			problem(v, "NOT_SIGNED", d->log, d->signed_seq + 1, -1,
				BT_("events %lld to %lld of %s are covered by no signature of its key"), (long long)d->signed_seq + 1,
				(long long)d->n, d->log);
	}
	return 0;
}

static int root_at(vctx *v, uint64_t size, uint8_t out[BT_HASH_BYTES])
{
	bt_tlog_source src = {mem_leaves, NULL, NULL, v};
	return bt_tlog_root(&src, size, out);
}

/* Every tablet's cosignature is over the tree of its size as the entries give it. */
static int check_cosigs(vctx *v)
{
	json_t *cs = json_object_get(v->manifest, "cosignatures"), *c;
	size_t i;
	if (!json_is_array(cs)) {
		problem(v, "MANIFEST_DAMAGED", NULL, 0, -1, BT_("the manifest has no list of cosignatures"));
		return 0;
	}
	json_array_foreach(cs, i, c)
	{
		const char *device = json_string_value(json_object_get(c, "device"));
		const char *line = json_string_value(json_object_get(c, "line"));
		json_t *sz = json_object_get(c, "size");
		char name[BT_LOG_ID_MAX_BYTES + 32];
		if (!device || !line || !json_is_integer(sz) || json_integer_value(sz) < 1) {
			problem(v, "MANIFEST_DAMAGED", NULL, 0, -1, BT_("the manifest's cosignature number %zu is malformed"), i + 1);
			continue;
		}
		uint64_t size = (uint64_t)json_integer_value(sz);
		vdevice *d = device_of(v, device);
		v->r->cosignatures++;
		if (!d) {
			problem(v, "COSIGNATURE_UNKNOWN", device, 0, -1, BT_("a cosignature by %s, whose key the bundle does not have"), device);
			continue;
		}
		if (size > v->size) {
			problem(v, "HISTORY_REWRITTEN", device, 0, (int64_t)size,
				BT_("the tablet %s witnessed a log of %llu entries; this one has only %llu: the history was cut"), device,
				(unsigned long long)size, (unsigned long long)v->size);
			continue;
		}
		uint8_t root[BT_HASH_BYTES];
		bt_buf text;
		int64_t ts;
		size_t len = strlen(line);
		bt_buf_init(&text, 0);
		bt_tlog_witness_name(name, sizeof(name), device);
		int err = root_at(v, size, root);
		if (err == 0)
			err = bt_tlog_checkpoint_text(&text, v->origin, size, root);
		if (err < 0) {
			bt_buf_free(&text);
			return err;
		}
		if (len && line[len - 1] == '\n')
			len--;
		if (bt_tlog_cosignature_verify(text.data, text.len, line, len, name, d->key, &ts) < 0) {
			bt_error_clear();
			problem(v, "HISTORY_REWRITTEN", device, 0, (int64_t)size,
				BT_("the tablet %s cosigned the log at %llu entries, but not this log: the history was rewritten or the "
				    "cosignature changed"),
				device, (unsigned long long)size);
		}
		bt_buf_free(&text);
	}
	return 0;
}

/* ---- receipts: every published evaluation recomputed ---- */

typedef struct {
	const char *note;
	uint64_t size;
	uint8_t root[BT_HASH_BYTES], sha[BT_HASH_BYTES];
	char rules[96], cell[BT_ID_MAX_BYTES + 1];
	int year;
	bt_date as_of;
} receipt;

/* Parse a receipt's text after its signature was checked: 0, or -1 when it is not one. */
static int receipt_parse(receipt *r, const char *text, size_t len, const char *origin)
{
	char buf[2048], orig[200], root64[64], as_of[16], sha[80];
	uint8_t tmp[48];
	unsigned long long size;
	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	int n = 0;
	if (sscanf(buf,
		   "bontot evaluation receipt v1\n%199[^\n]\n%llu\n%63[^\n]\nrules %95[^\n]\nyear %d\nas_of %15[^\n]\ncell %64[^\n]\n"
		   "sha256 %79[^\n]\n%n",
		   orig, &size, root64, r->rules, &r->year, as_of, r->cell, sha, &n) != 8 ||
	    (size_t)n != len || strcmp(orig, origin) != 0 || strlen(root64) != 44 || root64[43] != '=' ||
	    EVP_DecodeBlock(tmp, (const unsigned char *)root64, 44) != 33 || unhex(r->sha, BT_HASH_BYTES, sha) < 0 ||
	    bt_date_parse(&r->as_of, as_of, strlen(as_of)) < 0) {
		bt_error_clear();
		return -1;
	}
	memcpy(r->root, tmp, BT_HASH_BYTES);
	r->size = size;
	return 0;
}

static int by_size(const void *a, const void *b)
{
	const receipt *x = a, *y = b;
	return x->size < y->size ? -1 : x->size > y->size;
}

/* Name the cells and members whose verdicts differ between what was published and what the events give. */
static void name_differences(vctx *v, const receipt *rc, const tar_file *published, const bt_buf *recomputed)
{
	json_t *a = json_loadb((const char *)published->data, published->len, 0, NULL);
	json_t *b = json_loadb(recomputed->data, recomputed->len, 0, NULL);
	json_t *ca = json_object_get(a, "cells"), *cb = json_object_get(b, "cells"), *x;
	size_t i, named = 0;
	char as_of[16];
	bt_date_format(as_of, rc->as_of);
	json_array_foreach(ca, i, x)
	{
		const char *id = json_string_value(json_object_get(x, "id"));
		json_t *y = NULL, *z;
		size_t j;
		json_array_foreach(cb, j, z) if (id && json_equal(json_object_get(z, "id"), json_object_get(x, "id"))) y = z;
		if (!id)
			continue;
		if (!y) {
			bt_audit_problem *p = problem(v, "VERDICT_DIFFERS", NULL, 0, (int64_t)rc->size,
						      BT_("published evaluation of %d: cell %s is in it, but the events have no such cell"),
						      rc->year, id);
			if (p)
				snprintf(p->cell, sizeof(p->cell), "%s", id);
			named++;
			continue;
		}
		if (json_equal(x, y))
			continue;
		json_t *ma = json_object_get(x, "members"), *mb = json_object_get(y, "members"), *m;
		size_t k, here = 0;
		json_array_foreach(ma, k, m)
		{
			const char *mid = json_string_value(json_object_get(m, "id"));
			json_t *m2 = NULL, *w;
			size_t q;
			json_array_foreach(mb, q, w) if (mid && json_equal(json_object_get(w, "id"), json_object_get(m, "id"))) m2 = w;
			if (!mid || (m2 && json_equal(m, m2)))
				continue;
			json_t *pa = json_object_get(m, "four_good"), *pb = m2 ? json_object_get(m2, "four_good") : NULL;
			bt_audit_problem *p = problem(
				v, "VERDICT_DIFFERS", NULL, 0, (int64_t)rc->size,
				BT_("published evaluation of %d as of %s: member %s of cell %s was published as %s, the events give %s"),
				rc->year, as_of, mid, id,
				json_is_true(pa) ? BT_("four-good") : json_is_false(pa) ? BT_("not four-good") : BT_("not evaluated"),
				!m2 ? BT_("no such member") : json_is_true(pb) ? BT_("four-good") : json_is_false(pb) ? BT_("not four-good")
											: BT_("not evaluated"));
			if (p) {
				snprintf(p->cell, sizeof(p->cell), "%s", id);
				snprintf(p->member, sizeof(p->member), "%s", mid);
			}
			here++;
		}
		if (!here) {
			bt_audit_problem *p = problem(v, "VERDICT_DIFFERS", NULL, 0, (int64_t)rc->size,
						      BT_("published evaluation of %d: cell %s differs from what the events give"), rc->year, id);
			if (p)
				snprintf(p->cell, sizeof(p->cell), "%s", id);
		}
		named++;
	}
	if (!named)
		problem(v, "EVALUATION_DIFFERS", NULL, 0, (int64_t)rc->size,
			BT_("the evaluation of %d published at %llu entries differs from what the events give"), rc->year,
			(unsigned long long)rc->size);
	json_decref(a);
	json_decref(b);
}

static int check_receipts(vctx *v)
{
	json_t *rs = json_object_get(v->manifest, "receipts"), *x;
	size_t i, n = 0;
	int err = 0;
	bt_store *s = NULL;
	if (!json_is_array(rs)) {
		problem(v, "MANIFEST_DAMAGED", NULL, 0, -1, BT_("the manifest has no list of receipts"));
		return 0;
	}
	receipt *r = calloc(json_array_size(rs) + 1, sizeof(*r));
	if (!r)
		return bt__oom();
	json_array_foreach(rs, i, x)
	{
		const char *note = json_string_value(json_object_get(x, "note"));
		size_t text_len;
		v->r->receipts++;
		if (!note || bt_note_open(note, strlen(note), v->r->vkey, &text_len) < 0) {
			bt_error_clear();
			problem(v, "RECEIPT_SIGNATURE", NULL, 0, -1, BT_("receipt number %zu is not signed by the office's key"), i + 1);
			continue;
		}
		if (receipt_parse(&r[n], note, text_len, v->origin) < 0) {
			problem(v, "RECEIPT_DAMAGED", NULL, 0, -1, BT_("receipt number %zu is signed but is not a receipt of this log"), i + 1);
			continue;
		}
		r[n].note = note;
		/* The evaluation the receipt is for, when the bundle says it carries it: there, and those very bytes. */
		const char *pub_name = json_string_value(json_object_get(x, "published"));
		if (pub_name) {
			char hex[2 * BT_HASH_BYTES + 1], want[100];
			uint8_t pub_sha[BT_HASH_BYTES];
			hex_of(hex, r[n].sha, BT_HASH_BYTES);
			snprintf(want, sizeof(want), "published/%s.json", hex);
			const tar_file *pub = tar_find(v->files, want);
			if (strcmp(pub_name, want) != 0 || !pub)
				problem(v, "PUBLISHED_MISSING", NULL, 0, (int64_t)r[n].size,
					BT_("the evaluation receipt number %zu is for is not in the bundle (%s)"), i + 1, want);
			else if (bt__sha256(pub_sha, pub->data, pub->len) < 0 || memcmp(pub_sha, r[n].sha, BT_HASH_BYTES) != 0)
				problem(v, "PUBLISHED_CHANGED", NULL, 0, (int64_t)r[n].size,
					BT_("%s is not the evaluation receipt number %zu was signed for"), want, i + 1);
		}
		uint8_t root[BT_HASH_BYTES];
		if (r[n].size > v->size) {
			problem(v, "HISTORY_REWRITTEN", NULL, 0, (int64_t)r[n].size,
				BT_("receipt number %zu was made over a log of %llu entries; this one has only %llu: the history was cut"),
				i + 1, (unsigned long long)r[n].size, (unsigned long long)v->size);
			continue;
		}
		if ((err = root_at(v, r[n].size, root)) < 0)
			goto done;
		if (memcmp(root, r[n].root, BT_HASH_BYTES) != 0) {
			problem(v, "HISTORY_REWRITTEN", NULL, 0, (int64_t)r[n].size,
				BT_("receipt number %zu was made over a log of %llu entries that is not the start of this one: the history "
				    "was rewritten"),
				i + 1, (unsigned long long)r[n].size);
			continue;
		}
		n++;
	}
	qsort(r, n, sizeof(*r), by_size);

	/* Replay the events into a scratch store, up to each receipt's tree, and evaluate again. */
	bt_store_opts so = BT_STORE_OPTS_INIT;
	so.log_id = "bontot-audit-verifier";
	if (n && (err = bt_store_init(&s, ":memory:", &so)) < 0)
		goto done;
	for (size_t k = 0; k < v->n_dev && n; k++)
		if ((err = bt_store_device_add(s, v->dev[k].log, v->dev[k].cell,
					       v->dev[k].role == BT_ROLE_DEVICE_RELAYED ? BT_ROLE_DEVICE_SECRETARY : v->dev[k].role,
					       v->dev[k].key)) < 0)
			goto done;
	uint64_t replayed = 0;
	for (size_t k = 0; k < n; k++) {
		receipt *rc = &r[k];
		bt_rules rules;
		if (!builtin_by_label(rc->rules, &rules)) {
			problem(v, "RULES_UNKNOWN", NULL, 0, (int64_t)rc->size,
				BT_("a receipt names the rule set %s, which this verifier does not have"), rc->rules);
			continue;
		}
		/* The numbers the bundle says were used are the ones this verifier has under that name. */
		{
			char name[128];
			bt_buf mine;
			snprintf(name, sizeof(name), "rules/%s.json", rc->rules);
			const tar_file *rf = tar_find(v->files, name);
			bt_buf_init(&mine, 0);
			if ((err = bt_rules_json(&mine, &rules)) < 0) {
				bt_buf_free(&mine);
				goto done;
			}
			if (!rf)
				problem(v, "RULES_MISSING", NULL, 0, (int64_t)rc->size, BT_("the bundle lacks %s, the rule set a receipt names"),
					name);
			else if (rf->len != mine.len || memcmp(rf->data, mine.data, mine.len) != 0)
				problem(v, "RULES_DIFFER", NULL, 0, (int64_t)rc->size,
					BT_("%s in the bundle is not the rule set %s as this verifier has it"), name, rc->rules);
			bt_buf_free(&mine);
		}
		/* Only whole events that decoded: a damaged one was reported above, and the replay goes on without it. */
		while (replayed < rc->size) {
			const uint8_t *bytes[256];
			size_t lens[256], m = 0;
			while (replayed < rc->size && m < 256) {
				if (v->ev[replayed].log[0] && device_of(v, v->ev[replayed].log)) {
					bytes[m] = v->leaf[replayed];
					lens[m++] = v->leaf_len[replayed];
				}
				replayed++;
			}
			if (m && bt_store_tlog_replay(s, bytes, lens, m) < 0) {
				problem(v, "REPLAY_FAILED", NULL, 0, (int64_t)replayed, BT_("the events up to entry %llu do not replay: %s"),
					(unsigned long long)replayed, bt_error_last());
				bt_error_clear();
				goto done;
			}
		}
		bt_eval_opts o = BT_EVAL_OPTS_INIT;
		bt_buf body;
		uint8_t sha[BT_HASH_BYTES];
		o.year = rc->year;
		o.as_of = rc->as_of;
		o.rules = &rules;
		bt_buf_init(&body, 0);
		err = bt_store_evaluation_json(&body, s, &o, strcmp(rc->cell, "*") == 0 ? NULL : rc->cell);
		if (err == 0 && bt__sha256(sha, body.data, body.len) < 0)
			err = bt__error_set(BT_ERROR, BT_("SHA-256 failed"));
		if (err < 0) {
			bt_buf_free(&body);
			goto done;
		}
		v->r->evaluations++;
		if (memcmp(sha, rc->sha, BT_HASH_BYTES) != 0) {
			char hex[2 * BT_HASH_BYTES + 1], name[100];
			hex_of(hex, rc->sha, BT_HASH_BYTES);
			snprintf(name, sizeof(name), "published/%s.json", hex);
			const tar_file *pub = tar_find(v->files, name);
			uint8_t pub_sha[BT_HASH_BYTES];
			if (pub && bt__sha256(pub_sha, pub->data, pub->len) == 0 && memcmp(pub_sha, rc->sha, BT_HASH_BYTES) == 0)
				name_differences(v, rc, pub, &body);
			else
			{
				char as_of[16];
				bt_date_format(as_of, rc->as_of);
				problem(v, "EVALUATION_DIFFERS", NULL, 0, (int64_t)rc->size,
					BT_("the evaluation of %d as of %s published at %llu entries is not what the events give"), rc->year,
					as_of, (unsigned long long)rc->size);
			}
		}
		bt_buf_free(&body);
	}
done:
	bt_store_free(s);
	free(r);
	return err;
}

void bt_audit_report_free(bt_audit_report *r)
{
	if (!r)
		return;
	free(r->problems);
	memset(r, 0, sizeof(*r));
}

int bt_audit_verify(bt_audit_report *out, const uint8_t *bundle, size_t len, const char *vkey)
{
	tar_files files = {0};
	vctx v;
	int err = 0;
	memset(out, 0, sizeof(*out));
	memset(&v, 0, sizeof(v));
	v.r = out;
	v.files = &files;
	if (!(out->problems = calloc(BT_AUDIT_PROBLEMS_KEPT, sizeof(*out->problems))))
		return bt__oom();
	if (tar_parse(bundle, len, &files) < 0) {
		if (bt_error_last_code() == BT_ENOMEM)
			goto fail;
		problem(&v, "BUNDLE_DAMAGED", NULL, 0, -1, "%s", bt_error_last());
		bt_error_clear();
		goto done;
	}
	const tar_file *mf = tar_find(&files, "manifest.json"), *cp = tar_find(&files, "checkpoint");
	json_error_t je;
	if (!mf || !cp || !(v.manifest = json_loadb((const char *)mf->data, mf->len, JSON_REJECT_DUPLICATES, &je)) ||
	    !json_is_string(json_object_get(v.manifest, "format")) ||
	    strcmp(json_string_value(json_object_get(v.manifest, "format")), BUNDLE_FORMAT) != 0) {
		problem(&v, "BUNDLE_DAMAGED", NULL, 0, -1, BT_("this is not a bontot audit bundle (no checkpoint or manifest)"));
		goto done;
	}
	const char *office = json_string_value(json_object_get(v.manifest, "office_log"));
	if (!office || !bt_log_id_valid(office)) {
		problem(&v, "MANIFEST_DAMAGED", NULL, 0, -1, BT_("the manifest does not name the office's log"));
		goto done;
	}
	snprintf(v.office, sizeof(v.office), "%s", office);
	bt_tlog_origin(v.origin, sizeof(v.origin), office);
	if ((err = load_devices(&v)) != 0)
		goto fail_or_done;
	vdevice *od = device_of(&v, office);
	if (!od || od->role != BT_ROLE_DEVICE_OFFICE) {
		problem(&v, "MANIFEST_DAMAGED", office, 0, -1, BT_("the manifest has no key for the office's log %s"), office);
		goto done;
	}
	/* Whose signature counts: the auditor's copy of the office's key; else the bundle's own, named in the report. */
	char own[256];
	if ((err = bt_tlog_vkey(own, sizeof(own), v.origin, od->key)) < 0)
		goto fail;
	if (vkey) {
		snprintf(out->vkey, sizeof(out->vkey), "%s", vkey);
		if (strcmp(vkey, own) != 0)
			problem(&v, "KEY_MISMATCH", office, 0, -1,
				BT_("the office's key in the bundle (%s) is not the one given: another key signed this bundle"), own);
	} else {
		snprintf(out->vkey, sizeof(out->vkey), "%s", own);
		out->vkey_from_bundle = 1;
	}
	if (bt_tlog_checkpoint_verify((const char *)cp->data, cp->len, out->vkey, &v.size, v.root) < 0) {
		problem(&v, "CHECKPOINT_SIGNATURE", office, 0, -1, BT_("the checkpoint does not verify: %s"), bt_error_last());
		bt_error_clear();
		goto done;
	}
	out->size = v.size;
	if (v.size > len / 2) {
		problem(&v, "ENTRIES_MISSING", NULL, 0, -1, BT_("the checkpoint claims %llu entries, more than the bundle can hold"),
			(unsigned long long)v.size);
		goto done;
	}
	if (!(v.leaf = calloc(v.size + 1, sizeof(*v.leaf))) || !(v.leaf_len = calloc(v.size + 1, sizeof(*v.leaf_len))) ||
	    !(v.leaf_hash = calloc(v.size + 1, sizeof(*v.leaf_hash))) || !(v.ev = calloc(v.size + 1, sizeof(*v.ev)))) {
		err = bt__oom();
		goto fail;
	}
	if (read_entries(&v) != 0)
		goto done;
	for (uint64_t i = 0; i < v.size; i++)
		if ((err = bt_tlog_leaf_hash(v.leaf_hash[i], v.leaf[i], v.leaf_len[i])) < 0)
			goto fail;
	uint8_t root[BT_HASH_BYTES];
	if ((err = root_at(&v, v.size, root)) < 0)
		goto fail;
	if (memcmp(root, v.root, BT_HASH_BYTES) != 0) {
		/* The bundle's own level-0 tiles, as the office served them, say which entries changed. */
		size_t named = 0;
		char path[64];
		for (uint64_t t = 0; t * BT_TLOG_TILE_WIDTH < v.size; t++) {
			uint64_t w = v.size - t * BT_TLOG_TILE_WIDTH < BT_TLOG_TILE_WIDTH ? v.size - t * BT_TLOG_TILE_WIDTH : BT_TLOG_TILE_WIDTH;
			bt_tlog_tile_path(path, sizeof(path), 0, t, (int)w);
			const tar_file *f = tar_find(&files, path);
			if (!f || f->len != w * BT_HASH_BYTES)
				continue;
			for (uint64_t i = 0; i < w; i++) {
				uint64_t leaf = t * BT_TLOG_TILE_WIDTH + i;
				bt_event ev;
				memset(&ev, 0, sizeof(ev));
				if (memcmp(f->data + i * BT_HASH_BYTES, v.leaf_hash[leaf], BT_HASH_BYTES) == 0)
					continue;
				if (bt_event_decode(&ev, v.leaf[leaf], v.leaf_len[leaf]) == 0)
					problem(&v, "ENTRY_CHANGED", ev.log, ev.seq, (int64_t)leaf,
						BT_("entry %llu (event %lld of %s) is not what the checkpoint covers"), (unsigned long long)leaf,
						(long long)ev.seq, ev.log);
				else
					problem(&v, "ENTRY_CHANGED", NULL, 0, (int64_t)leaf, BT_("entry %llu is not what the checkpoint covers"),
						(unsigned long long)leaf);
				bt_error_clear();
				bt_event_clear(&ev);
				named++;
			}
		}
		problem(&v, "ROOT_MISMATCH", office, 0, -1,
			BT_("the entries do not make the tree the checkpoint signs: the log was changed%s"),
			named ? "" : BT_(" (which entries, the bundle's tiles do not say)"));
	}
	/* The hash tiles are there for other tools: they must be the tree's. */
	for (int level = 0; level < 8; level++) {
		uint64_t span = 1ull << (8 * level), at_level = v.size / span;
		if (at_level == 0)
			break;
		for (uint64_t idx = 0; idx * BT_TLOG_TILE_WIDTH < at_level; idx++) {
			int width = (int)(at_level - idx * BT_TLOG_TILE_WIDTH < BT_TLOG_TILE_WIDTH ? at_level - idx * BT_TLOG_TILE_WIDTH
												     : BT_TLOG_TILE_WIDTH);
			char path[64];
			bt_tlog_tile_path(path, sizeof(path), level, idx, width);
			const tar_file *f = tar_find(&files, path);
			uint8_t *tile = malloc((size_t)width * BT_HASH_BYTES);
			bt_tlog_source src = {mem_leaves, NULL, NULL, &v};
			if (!tile) {
				err = bt__oom();
				goto fail;
			}
			if ((err = bt_tlog_tile(&src, level, idx, width, tile)) < 0) {
				free(tile);
				goto fail;
			}
			if (!f || f->len != (size_t)width * BT_HASH_BYTES || memcmp(f->data, tile, f->len) != 0)
				problem(&v, "TILE_MISMATCH", NULL, 0, -1, BT_("the tile %s is missing or is not the tree's"), path);
			free(tile);
		}
	}
	check_chains(&v);
	if ((err = index_events(&v)) < 0 || (err = check_heads(&v)) < 0 || (err = check_cosigs(&v)) < 0 || (err = check_receipts(&v)) < 0)
		goto fail;
	goto done;
fail_or_done:
	if (err > 0) {
		err = 0;
		goto done;
	}
fail:
	bt_audit_report_free(out);
done:
	if (v.ev)
		for (uint64_t i = 0; i < v.size; i++)
			bt_event_clear(&v.ev[i]);
	for (size_t k = 0; k < v.n_dev; k++) {
		bt_key_free(v.dev[k].key);
		free(v.dev[k].leaf_by_seq);
	}
	free(v.dev);
	free(v.ev);
	free(v.leaf);
	free(v.leaf_len);
	free(v.leaf_hash);
	json_decref(v.manifest);
	free(files.v);
	return err;
}
