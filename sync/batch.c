/*
 * batch.c - the signed, compressed batch a device sends (format version 1).
 *
 *   offset    size  field
 *   0         4     magic "BTB1"
 *   4         1     version, 1
 *   5         1     L, length of the log id (1..64)
 *   6         L     log id (ASCII: letters, digits, - _ .)
 *   6+L       8     first_seq, unsigned big-endian
 *   14+L      4     N, number of events, unsigned big-endian (1..100000)
 *   18+L      32    prev: the "prev" hash of the first event (where it attaches)
 *   50+L      32    head: SHA-256 of the last event's bytes
 *   82+L      64    Ed25519 signature over bt_head_message(log, first_seq+N-1, head)
 *   146+L     4     C, length of the compressed body, unsigned big-endian
 *   150+L     C     zlib stream of N × (4-byte big-endian length, event bytes)
 *
 * Nothing may follow. The reader checks the signature before inflating, and
 * inflates into a bounded buffer, so neither a forged nor a "zip bomb" batch
 * costs more than its header to refuse. See docs/protocol.md.
 */
#include "bontot/sync.h"
#include "buf.h"
#include "error.h"
#include "i18n.h"
#include "sha256.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define HEADER_FIXED 150

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_u64(uint8_t *p, uint64_t v)
{
	put_u32(p, (uint32_t)(v >> 32));
	put_u32(p + 4, (uint32_t)v);
}

static uint64_t get_u64(const uint8_t *p) { return (uint64_t)get_u32(p) << 32 | get_u32(p + 4); }

typedef struct {
	bt_buf body;     /* uncompressed: length-prefixed events */
	size_t n;
	int64_t last_seq;
	uint8_t prev[BT_HASH_BYTES], head[BT_HASH_BYTES];
	size_t max;
} builder;

static int add_event(int64_t seq, const uint8_t *bytes, size_t len, void *payload)
{
	builder *b = payload;
	bt_event ev;
	uint8_t l[4];
	int err;
	if (b->max && b->n == b->max)
		return 1; /* enough: stop the iteration */
	if ((err = bt_event_decode(&ev, bytes, len)) < 0)
		return err;
	if (b->n == 0)
		memcpy(b->prev, ev.prev, BT_HASH_BYTES);
	memcpy(b->head, ev.hash, BT_HASH_BYTES);
	bt_event_clear(&ev);
	put_u32(l, (uint32_t)len);
	if (bt_buf_put(&b->body, (const char *)l, 4) < 0 || bt_buf_put(&b->body, (const char *)bytes, len) < 0)
		return BT_ENOMEM;
	b->n++;
	b->last_seq = seq;
	return 0;
}

/* Compress the collected events and write the header and body to out. */
static int finish(bt_buf *out, size_t *count, builder *b, const char *log, int64_t from_seq, const bt_key *device)
{
	uint8_t header[HEADER_FIXED + BT_LOG_ID_MAX_BYTES], *z = NULL;
	size_t L = strlen(log);
	int err = 0;
	uLongf zlen = compressBound((uLong)b->body.len);
	if (!(z = malloc(zlen)))
		return bt__oom();
	if (compress2(z, &zlen, (const Bytef *)b->body.data, (uLong)b->body.len, Z_BEST_COMPRESSION) != Z_OK) {
		err = bt__error_set(BT_ERROR, BT_("compression failed"));
		goto done;
	}
	memcpy(header, "BTB1", 4);
	header[4] = BT_BATCH_VERSION;
	header[5] = (uint8_t)L;
	memcpy(header + 6, log, L);
	put_u64(header + 6 + L, (uint64_t)from_seq);
	put_u32(header + 14 + L, (uint32_t)b->n);
	memcpy(header + 18 + L, b->prev, BT_HASH_BYTES);
	memcpy(header + 50 + L, b->head, BT_HASH_BYTES);
	if ((err = bt_head_sign(header + 82 + L, device, log, b->last_seq, b->head)) < 0)
		goto done;
	put_u32(header + 146 + L, (uint32_t)zlen);
	if (bt_buf_put(out, (const char *)header, HEADER_FIXED + L) < 0 || bt_buf_put(out, (const char *)z, zlen) < 0) {
		err = BT_ENOMEM;
		goto done;
	}
	*count = b->n;
done:
	free(z);
	return err;
}

int bt_batch_build(bt_buf *out, size_t *count, bt_store *store, const char *log, int64_t from_seq, size_t max_events,
		   const bt_key *device)
{
	builder b;
	size_t L = strlen(log);
	int err;
	*count = 0;
	if (L == 0 || L > BT_LOG_ID_MAX_BYTES)
		return bt__error_set(BT_EINVALID, BT_("invalid log id \"%.64s\""), log);
	memset(&b, 0, sizeof(b));
	b.max = max_events ? max_events : BT_BATCH_MAX_EVENTS;
	if (b.max > BT_BATCH_MAX_EVENTS)
		b.max = BT_BATCH_MAX_EVENTS;
	bt_buf_init(&b.body, BT_BATCH_DEFAULT_MAX_BYTES);
	if ((err = bt_store_events(store, log, from_seq, add_event, &b)) == 0 && b.n > 0)
		err = finish(out, count, &b, log, from_seq, device);
	bt_buf_free(&b.body);
	return err;
}

int bt_batch_build_events(bt_buf *out, const char *log, int64_t from_seq, const uint8_t *const *events,
			  const size_t *lens, size_t n, const bt_key *device)
{
	builder b;
	size_t L = strlen(log), count = 0;
	int err = 0;
	if (L == 0 || L > BT_LOG_ID_MAX_BYTES || n == 0 || n > BT_BATCH_MAX_EVENTS)
		return bt__error_set(BT_EINVALID, BT_("invalid batch"));
	memset(&b, 0, sizeof(b));
	bt_buf_init(&b.body, BT_BATCH_DEFAULT_MAX_BYTES);
	for (size_t i = 0; i < n && err == 0; i++)
		err = add_event(from_seq + (int64_t)i, events[i], lens[i], &b);
	if (err == 0)
		err = finish(out, &count, &b, log, from_seq, device);
	bt_buf_free(&b.body);
	return err;
}

void bt_batch_free(bt_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n_events; i++) {
		bt_event_clear(&b->events[i]);
		free(b->bytes[i]);
	}
	free(b->events);
	free(b->bytes);
	free(b->lens);
	free(b);
}

static int corrupt(const char *why) { return bt__error_set(BT_ECORRUPT, BT_("damaged batch: %s"), why); }

int bt_batch_open(bt_batch **out, const uint8_t *data, size_t len, const bt_key *device, size_t max_bytes)
{
	bt_batch *b = NULL;
	uint8_t *raw = NULL;
	z_stream zs;
	int zinit = 0, err = 0;
	*out = NULL;
	if (!max_bytes)
		max_bytes = BT_BATCH_DEFAULT_MAX_BYTES;
	if (len < HEADER_FIXED + 1 || memcmp(data, "BTB1", 4) != 0)
		return corrupt(BT_("not a batch"));
	if (data[4] != BT_BATCH_VERSION)
		return corrupt(BT_("unsupported version"));
	size_t L = data[5];
	if (L == 0 || L > BT_LOG_ID_MAX_BYTES || len < HEADER_FIXED + L)
		return corrupt(BT_("log id"));
	if (!(b = calloc(1, sizeof(*b))))
		return bt__oom();
	memcpy(b->log, data + 6, L);
	b->log[L] = '\0';
	if (strspn(b->log, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != L) {
		err = corrupt(BT_("log id"));
		goto done;
	}
	uint64_t first = get_u64(data + 6 + L);
	uint32_t n = get_u32(data + 14 + L);
	uint32_t clen = get_u32(data + 146 + L);
	if (first < 1 || first > (uint64_t)INT64_MAX - BT_BATCH_MAX_EVENTS || n < 1 || n > BT_BATCH_MAX_EVENTS) {
		err = corrupt(BT_("sequence numbers"));
		goto done;
	}
	if ((size_t)clen != len - HEADER_FIXED - L) {
		err = corrupt(BT_("length"));
		goto done;
	}
	b->first_seq = (int64_t)first;
	memcpy(b->prev, data + 18 + L, BT_HASH_BYTES);
	memcpy(b->head, data + 50 + L, BT_HASH_BYTES);
	/* The signature first: nothing unauthenticated is inflated. */
	if ((err = bt_head_verify(device, b->log, b->first_seq + n - 1, b->head, data + 82 + L)) < 0)
		goto done;

	if (!(raw = malloc(max_bytes))) {
		err = bt__oom();
		goto done;
	}
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK) {
		err = bt__oom();
		goto done;
	}
	zinit = 1;
	zs.next_in = (Bytef *)(data + HEADER_FIXED + L);
	zs.avail_in = clen;
	zs.next_out = raw;
	zs.avail_out = (uInt)max_bytes;
	int zr = inflate(&zs, Z_FINISH);
	if (zr != Z_STREAM_END) {
		err = corrupt(zr == Z_BUF_ERROR && zs.avail_out == 0 ? BT_("larger than allowed once inflated") : BT_("compressed body"));
		goto done;
	}
	if (zs.avail_in != 0) {
		err = corrupt(BT_("bytes after the compressed body"));
		goto done;
	}
	size_t raw_len = zs.total_out, pos = 0;
	if (!(b->events = calloc(n, sizeof(bt_event))) || !(b->bytes = calloc(n, sizeof(uint8_t *))) ||
	    !(b->lens = calloc(n, sizeof(size_t)))) {
		err = bt__oom();
		goto done;
	}
	const uint8_t *expect_prev = b->prev;
	for (uint32_t i = 0; i < n; i++) {
		if (raw_len - pos < 4) {
			err = corrupt(BT_("truncated"));
			goto done;
		}
		size_t elen = get_u32(raw + pos);
		pos += 4;
		if (elen > BT_EVENT_MAX_BYTES || raw_len - pos < elen) {
			err = corrupt(BT_("truncated"));
			goto done;
		}
		bt_event *ev = &b->events[i];
		if ((err = bt_event_decode(ev, raw + pos, elen)) < 0) {
			err = bt__error_set(BT_ECORRUPT, BT_("damaged batch: event %u: %s"), i + 1, bt_error_last());
			goto done;
		}
		b->n_events++;
		if (strcmp(ev->log, b->log) != 0 || ev->seq != b->first_seq + (int64_t)i ||
		    memcmp(ev->prev, expect_prev, BT_HASH_BYTES) != 0) {
			err = bt__error_set(BT_ECORRUPT, BT_("damaged batch: event %u breaks the chain of log %s"), i + 1, b->log);
			goto done;
		}
		if (!(b->bytes[i] = malloc(elen ? elen : 1))) {
			err = bt__oom();
			goto done;
		}
		memcpy(b->bytes[i], raw + pos, elen);
		b->lens[i] = elen;
		expect_prev = ev->hash;
		pos += elen;
	}
	if (pos != raw_len) {
		err = corrupt(BT_("bytes after the last event"));
		goto done;
	}
	if (memcmp(expect_prev, b->head, BT_HASH_BYTES) != 0) {
		err = corrupt(BT_("the last event is not the signed head"));
		goto done;
	}
	*out = b;
	b = NULL;
done:
	if (zinit)
		inflateEnd(&zs);
	free(raw);
	bt_batch_free(b);
	return err;
}
