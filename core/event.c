/*
 * event.c - encode and decode events (format documented in bontot/event.h
 * and docs/storage.md).
 */
#include "bontot/event.h"
#include "buf.h"
#include "error.h"
#include "i18n.h"
#include "records_internal.h"
#include "sha256.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int bt_timestamp_valid(const char *ts)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	bt_date d;
	if (strlen(ts) != sizeof(shape) - 1)
		return 0;
	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == 'd' ? (ts[i] < '0' || ts[i] > '9') : ts[i] != shape[i])
			return 0;
	}
	if (bt_date_parse(&d, ts, 10) < 0) {
		bt_error_clear();
		return 0;
	}
	int h = (ts[11] - '0') * 10 + ts[12] - '0', m = (ts[14] - '0') * 10 + ts[15] - '0',
	    s = (ts[17] - '0') * 10 + ts[18] - '0';
	return h < 24 && m < 60 && s < 61;
}

static int valid_log_id(const char *log)
{
	size_t n = strlen(log);
	if (n == 0 || n > BT_LOG_ID_MAX_BYTES)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = log[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			return 0;
	}
	return 1;
}

int bt_log_id_valid(const char *log) { return log && valid_log_id(log); }

int bt_ref_parse(const char *ref, size_t *log_len, int64_t *seq)
{
	const char *h = strrchr(ref, '#');
	char log[BT_LOG_ID_MAX_BYTES + 1];
	int64_t v = 0;
	if (!h || h == ref || (size_t)(h - ref) > BT_LOG_ID_MAX_BYTES || !h[1] || h[1] == '0' || strlen(h + 1) > 15)
		return 0;
	memcpy(log, ref, (size_t)(h - ref));
	log[h - ref] = '\0';
	if (!valid_log_id(log))
		return 0;
	for (const char *p = h + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (*p - '0');
	}
	if (log_len)
		*log_len = (size_t)(h - ref);
	if (seq)
		*seq = v;
	return 1;
}

static int cmp_ref(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int encode(bt_buf *out, int version, const char *log, int64_t seq, const uint8_t prev[BT_HASH_BYTES], const char *ts,
		  const char *author, const char *const *base, size_t n_base, const bt_record *rec)
{
	char hex[BT_SHA256_HEX_BYTES];
	const char *sorted[BT_EVENT_MAX_BASE];
	if (n_base > BT_EVENT_MAX_BASE)
		return bt__error_set(BT_EINVALID, BT_("a correction may replace at most %d versions"), BT_EVENT_MAX_BASE);
	for (size_t i = 0; i < n_base; i++) {
		if (!bt_ref_parse(base[i], NULL, NULL))
			return bt__error_set(BT_EINVALID, BT_("invalid event reference \"%.80s\""), base[i]);
		sorted[i] = base[i];
	}
	if (n_base > 1)
		qsort(sorted, n_base, sizeof(*sorted), cmp_ref);
	if (!valid_log_id(log))
		return bt__error_set(BT_EINVALID, BT_("invalid log id \"%.64s\""), log);
	if (seq < 1)
		return bt__error_set(BT_EINVALID, BT_("an event's sequence number starts at 1"));
	if (!bt_timestamp_valid(ts))
		return bt__error_set(BT_EINVALID, BT_("invalid timestamp \"%.40s\""), ts);
	if (!author || strlen(author) > 200)
		return bt__error_set(BT_EINVALID, BT_("invalid author name"));
	if (!rec->canonical)
		return bt__error_set(BT_EINVALID, BT_("the record was not canonicalised"));
	bt__hex(hex, prev, BT_HASH_BYTES);
	size_t start = out->len;
	bt_buf_printf(out, "{\"v\":%d,\"log\":\"%s\",\"seq\":%lld,\"prev\":\"%s\",\"ts\":\"%s\",\"author\":",
		      version, log, (long long)seq, hex, ts);
	bt_buf_json_string(out, author);
	if (version >= 2) {
		bt_buf_puts(out, ",\"base\":[");
		for (size_t i = 0; i < n_base; i++) {
			if (i && strcmp(sorted[i], sorted[i - 1]) == 0)
				continue;
			if (i)
				bt_buf_puts(out, ",");
			bt_buf_json_string(out, sorted[i]);
		}
		bt_buf_puts(out, "]");
	}
	bt_buf_puts(out, ",\"rec\":");
	bt_buf_put(out, rec->canonical, rec->canonical_len);
	bt_buf_puts(out, "}");
	if (out->failed)
		return BT_ENOMEM;
	if (out->len - start > BT_EVENT_MAX_BYTES)
		return bt__error_set(BT_EINVALID, BT_("event larger than %d bytes"), BT_EVENT_MAX_BYTES);
	return 0;
}

int bt_event_encode(bt_buf *out, const char *log, int64_t seq, const uint8_t prev[BT_HASH_BYTES], const char *ts,
		    const char *author, const char *const *base, size_t n_base, const bt_record *rec)
{
	return encode(out, BT_EVENT_VERSION, log, seq, prev, ts, author, base, n_base, rec);
}

void bt_event_clear(bt_event *ev)
{
	free(ev->author);
	for (size_t i = 0; i < ev->n_base; i++)
		free(ev->base[i]);
	free(ev->base);
	bt_record_free(ev->rec);
	memset(ev, 0, sizeof(*ev));
}

static int unhex(uint8_t *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int v = 0;
		for (int j = 0; j < 2; j++) {
			char c = s[2 * i + j];
			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= c - '0';
			else if (c >= 'a' && c <= 'f')
				v |= c - 'a' + 10;
			else
				return -1;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

int bt_event_decode(bt_event *ev, const uint8_t *bytes, size_t len)
{
	static const char rec_marker[] = ",\"rec\":";
	const char *text = (const char *)bytes;
	json_t *env = NULL, *v;
	json_error_t jerr;
	bt_buf check;
	int err = 0;
	const char *rec_at = NULL;

	memset(ev, 0, sizeof(*ev));
	bt_buf_init(&check, BT_EVENT_MAX_BYTES * 2);
	if (len > BT_EVENT_MAX_BYTES || len < 2 || text[len - 1] != '}') {
		err = bt__error_set(BT_ECORRUPT, BT_("damaged event: wrong size or shape"));
		goto done;
	}
	/* The envelope's strings cannot hold an unescaped quote, so the first marker is the envelope's. */
	for (size_t i = 0; i + sizeof(rec_marker) - 1 < len; i++)
		if (memcmp(text + i, rec_marker, sizeof(rec_marker) - 1) == 0) {
			rec_at = text + i;
			break;
		}
	if (!rec_at) {
		err = bt__error_set(BT_ECORRUPT, BT_("damaged event: no rec field"));
		goto done;
	}
	env = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!env || !json_is_object(env)) {
		err = bt__error_set(BT_ECORRUPT, BT_("damaged event: not JSON (%s)"), env ? "" : bt__json_error_text(&jerr));
		goto done;
	}
	v = json_object_get(env, "v");
	if (!v || !json_is_integer(v) || (json_integer_value(v) != 1 && json_integer_value(v) != 2)) {
		err = bt__error_set(BT_ECORRUPT, BT_("damaged event: unsupported format version"));
		goto done;
	}
	ev->version = (int)json_integer_value(v);
	v = json_object_get(env, "log");
	if (!v || !json_is_string(v) || !valid_log_id(json_string_value(v))) {
		err = bt__error_set(BT_ECORRUPT, BT_("damaged event: field log"));
		goto done;
	}
	memcpy(ev->log, json_string_value(v), json_string_length(v) + 1);
	v = json_object_get(env, "seq");
	if (!v || !json_is_integer(v) || json_integer_value(v) < 1) {
		err = bt__error_set(BT_ECORRUPT, BT_("damaged event: field seq"));
		goto done;
	}
	ev->seq = json_integer_value(v);
	v = json_object_get(env, "prev");
	if (!v || !json_is_string(v) || json_string_length(v) != 64 || unhex(ev->prev, json_string_value(v), 32) < 0) {
		err = bt__error_set(BT_ECORRUPT, BT_("damaged event: field prev"));
		goto done;
	}
	v = json_object_get(env, "ts");
	if (!v || !json_is_string(v) || !bt_timestamp_valid(json_string_value(v))) {
		err = bt__error_set(BT_ECORRUPT, BT_("damaged event: field ts"));
		goto done;
	}
	memcpy(ev->ts, json_string_value(v), BT_TIMESTAMP_BYTES);
	v = json_object_get(env, "author");
	if (!v || !json_is_string(v) || !(ev->author = strdup(json_string_value(v)))) {
		err = bt__error_set(BT_ECORRUPT, BT_("damaged event: field author"));
		goto done;
	}
	if (ev->version >= 2) {
		json_t *b = json_object_get(env, "base");
		size_t i;
		if (!b || !json_is_array(b) || json_array_size(b) > BT_EVENT_MAX_BASE ||
		    !(ev->base = calloc(json_array_size(b) + 1, sizeof(char *)))) {
			err = bt__error_set(BT_ECORRUPT, BT_("damaged event: field base"));
			goto done;
		}
		json_array_foreach(b, i, v)
		{
			if (!json_is_string(v) || !bt_ref_parse(json_string_value(v), NULL, NULL) ||
			    !(ev->base[ev->n_base] = strdup(json_string_value(v)))) {
				err = bt__error_set(BT_ECORRUPT, BT_("damaged event: field base"));
				goto done;
			}
			ev->n_base++;
		}
	}
	if (json_object_size(env) != (ev->version >= 2 ? 8u : 7u)) {
		err = bt__error_set(BT_ECORRUPT, BT_("damaged event: wrong number of fields"));
		goto done;
	}
	const char *rec_text = rec_at + sizeof(rec_marker) - 1;
	size_t rec_len = (size_t)(text + len - 1 - rec_text);
	/*
	 * A signed record is taken as it was written: a cross-field rule it
	 * breaks (a speaker not marked present) is a finding, not damage.
	 */
	if ((err = bt__record_parse(&ev->rec, rec_text, rec_len, 1)) < 0) {
		err = bt__error_set(BT_ECORRUPT, BT_("damaged event: record: %s"), bt_error_last());
		goto done;
	}
	/* Exactly the bytes the encoder writes: no second encoding of the same event. */
	if ((err = encode(&check, ev->version, ev->log, ev->seq, ev->prev, ev->ts, ev->author, (const char *const *)ev->base,
			  ev->n_base, ev->rec)) < 0) {
		err = bt__error_set(BT_ECORRUPT, BT_("damaged event: %s"), bt_error_last());
		goto done;
	}
	if (check.len != len || memcmp(check.data, text, len) != 0) {
		err = bt__error_set(BT_ECORRUPT, BT_("damaged event: not in canonical form"));
		goto done;
	}
	if (bt__sha256(ev->hash, bytes, len) < 0) {
		err = bt__error_set(BT_ERROR, BT_("SHA-256 failed"));
		goto done;
	}
done:
	if (err < 0)
		bt_event_clear(ev);
	bt_buf_free(&check);
	json_decref(env);
	return err;
}
