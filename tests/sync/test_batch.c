/*
 * test_batch.c - device keys and signed batches (sync, first part): keys in
 * PEM that openssl reads, signatures that openssl verifies, batches that
 * carry a log's events exactly, and every kind of bad batch refused before
 * anything is used from it.
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

static const char *const BASE =
	"{\"kind\":\"committee\",\"id\":\"DU\",\"name\":\"Đảng ủy xã\"}\n"
	"{\"kind\":\"cell\",\"id\":\"CB\",\"committee\":\"DU\",\"name\":\"Chi bộ Một\"}\n"
	"{\"kind\":\"member\",\"id\":\"A\",\"cell\":\"CB\",\"name\":\"Nguyễn Văn An\",\"status\":\"official\",\"role\":\"secretary\",\"joined\":\"2000-01-01\"}\n"
	"{\"kind\":\"member\",\"id\":\"B\",\"cell\":\"CB\",\"name\":\"Trần Thị Bình\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2001-01-01\"}\n"
	"{\"kind\":\"meeting\",\"id\":\"M1\",\"cell\":\"CB\",\"date\":\"2025-02-05\",\"start\":\"19:30\",\"end\":\"21:00\",\"regular\":true,\"attendance\":{\"A\":\"present\",\"B\":\"excused\"},\"speakers\":[\"A\"]}\n"
	"{\"kind\":\"dues\",\"member\":\"A\",\"month\":\"2025-02\",\"amount\":20000,\"paid_on\":\"2025-02-05\"}\n"
	"{\"kind\":\"dues\",\"member\":\"B\",\"month\":\"2025-02\",\"amount\":20000,\"paid_on\":\"2025-02-05\"}\n";

static bt_store *store(const char *name)
{
	bt_store *s = NULL;
	bt_store_opts o = BT_STORE_OPTS_INIT;
	bt_import_stats st;
	o.log_id = "tablet-1";
	remove(bt_test_path(name));
	CU_ASSERT_EQUAL_FATAL(bt_store_init(&s, bt_test_path(name), &o), 0);
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s, BASE, &st), 0);
	return s;
}

static void test_keys__pem_files_that_openssl_reads(void)
{
	bt_key *k = NULL, *again = NULL, *pub = NULL;
	char *pem = NULL;
	struct stat sb;
	uint8_t raw1[32], raw2[32];
	const char *path = bt_test_path("device.pem");
	remove(path);
	CU_ASSERT_EQUAL_FATAL(bt_key_generate(&k), 0);
	CU_ASSERT_EQUAL(bt_key_save_private(k, path), 0);
	CU_ASSERT_EQUAL(stat(path, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 0777, 0600);
	CU_ASSERT_EQUAL(bt_key_save_private(k, path), BT_EEXISTS); /* never overwritten */
	CU_ASSERT_EQUAL_FATAL(bt_key_load_private(&again, path), 0);
	CU_ASSERT_EQUAL(bt_key_public_raw(raw1, k), 0);
	CU_ASSERT_EQUAL(bt_key_public_raw(raw2, again), 0);
	CU_ASSERT_EQUAL(memcmp(raw1, raw2, 32), 0);
	CU_ASSERT_EQUAL_FATAL(bt_key_public_pem(&pem, k), 0);
	CU_ASSERT(strncmp(pem, "-----BEGIN PUBLIC KEY-----", 26) == 0);
	CU_ASSERT_EQUAL_FATAL(bt_key_from_public_pem(&pub, pem, strlen(pem)), 0);
	CU_ASSERT_EQUAL(bt_key_public_raw(raw2, pub), 0);
	CU_ASSERT_EQUAL(memcmp(raw1, raw2, 32), 0);

	/* A log head signed by the library verifies with the openssl command. */
	uint8_t hash[32], sig[64];
	memset(hash, 0x5a, sizeof(hash));
	CU_ASSERT_EQUAL_FATAL(bt_head_sign(sig, k, "tablet-1", 42, hash), 0);
	CU_ASSERT_EQUAL(bt_head_verify(pub, "tablet-1", 42, hash, sig), 0);
	CU_ASSERT_EQUAL(bt_head_verify(pub, "tablet-1", 43, hash, sig), BT_EBADSIG);
	CU_ASSERT_EQUAL(bt_key_save_private(pub, bt_test_path("pub-as-private.pem")), BT_EINVALID);
	bt_buf m;
	bt_buf_init(&m, 0);
	CU_ASSERT_EQUAL(bt_head_message(&m, "tablet-1", 42, hash), 0);
	FILE *f = fopen(bt_test_path("msg"), "wb");
	fwrite(m.data, 1, m.len, f);
	fclose(f);
	f = fopen(bt_test_path("sig"), "wb");
	fwrite(sig, 1, 64, f);
	fclose(f);
	bt_test_write(bt_test_path("pub.pem"), pem);
	char *out = NULL, *err = NULL;
	int rc = bt_test_sh(&out, &err, "openssl pkeyutl -verify -pubin -inkey '%s' -rawin -in '%s' -sigfile '%s'",
			    bt_test_path("pub.pem"), bt_test_path("msg"), bt_test_path("sig"));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "Signature Verified Successfully"));
	free(out);
	free(err);
	/* And a private key made by openssl loads. */
	rc = bt_test_sh(NULL, NULL, "openssl genpkey -algorithm ed25519 -out '%s'", bt_test_path("openssl.pem"));
	CU_ASSERT_EQUAL(rc, 0);
	bt_key *o = NULL;
	CU_ASSERT_EQUAL(bt_key_load_private(&o, bt_test_path("openssl.pem")), 0);
	bt_key_free(o);
	bt_test_write(bt_test_path("junk.pem"), "not a key");
	CU_ASSERT_EQUAL(bt_key_load_private(&o, bt_test_path("junk.pem")), BT_EINVALID);
	bt_buf_free(&m);
	free(pem);
	bt_key_free(k);
	bt_key_free(again);
	bt_key_free(pub);
}

typedef struct {
	int n;
	uint8_t *bytes[16];
	size_t lens[16];
} events;

static int collect(int64_t seq, const uint8_t *bytes, size_t len, void *payload)
{
	events *e = payload;
	(void)seq;
	e->bytes[e->n] = malloc(len);
	memcpy(e->bytes[e->n], bytes, len);
	e->lens[e->n++] = len;
	return 0;
}

static void test_batch__carries_the_log_exactly_and_in_parts(void)
{
	bt_store *s = store("b1.db");
	bt_key *k = NULL;
	bt_buf b;
	size_t n = 0;
	bt_batch *batch = NULL;
	events e = {0};
	CU_ASSERT_EQUAL_FATAL(bt_key_generate(&k), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_events(s, "tablet-1", 1, collect, &e), 0);
	CU_ASSERT_EQUAL(e.n, 7);
	bt_buf_init(&b, 0);
	CU_ASSERT_EQUAL_FATAL(bt_batch_build(&b, &n, s, "tablet-1", 1, 0, k), 0);
	CU_ASSERT_EQUAL(n, 7);
	CU_ASSERT_EQUAL_FATAL(bt_batch_open(&batch, (const uint8_t *)b.data, b.len, k, 0), 0);
	CU_ASSERT_EQUAL(batch->n_events, 7);
	CU_ASSERT_EQUAL(batch->first_seq, 1);
	for (int i = 0; i < 7; i++) {
		CU_ASSERT(batch->lens[i] == e.lens[i] && memcmp(batch->bytes[i], e.bytes[i], e.lens[i]) == 0);
		CU_ASSERT_EQUAL(batch->events[i].seq, i + 1);
	}
	/* Compressed: smaller than the events themselves. */
	size_t total = 0;
	for (int i = 0; i < 7; i++)
		total += e.lens[i];
	CU_ASSERT(b.len < total);
	uint8_t head[32];
	memcpy(head, batch->head, 32);
	bt_batch_free(batch);
	/* In parts of 3: each part attaches to the previous one's head. */
	bt_buf p1, p2;
	bt_buf_init(&p1, 0);
	bt_buf_init(&p2, 0);
	CU_ASSERT_EQUAL(bt_batch_build(&p1, &n, s, "tablet-1", 1, 3, k), 0);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(bt_batch_build(&p2, &n, s, "tablet-1", 4, 3, k), 0);
	bt_batch *a = NULL, *c = NULL;
	CU_ASSERT_EQUAL_FATAL(bt_batch_open(&a, (const uint8_t *)p1.data, p1.len, k, 0), 0);
	CU_ASSERT_EQUAL_FATAL(bt_batch_open(&c, (const uint8_t *)p2.data, p2.len, k, 0), 0);
	CU_ASSERT_EQUAL(memcmp(c->prev, a->head, 32), 0);
	CU_ASSERT_EQUAL(c->first_seq, 4);
	bt_batch_free(a);
	bt_batch_free(c);
	/* Nothing to send: nothing written. */
	bt_buf_free(&p1);
	bt_buf_init(&p1, 0);
	CU_ASSERT_EQUAL(bt_batch_build(&p1, &n, s, "tablet-1", 8, 0, k), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(p1.len, 0);
	for (int i = 0; i < e.n; i++)
		free(e.bytes[i]);
	bt_buf_free(&b);
	bt_buf_free(&p1);
	bt_buf_free(&p2);
	bt_key_free(k);
	bt_store_free(s);
}

static void test_batch__every_flipped_byte_and_a_forged_signature_are_refused(void)
{
	bt_store *s = store("b2.db");
	bt_key *k = NULL, *other = NULL;
	bt_buf b;
	size_t n;
	bt_batch *batch;
	CU_ASSERT_EQUAL_FATAL(bt_key_generate(&k), 0);
	CU_ASSERT_EQUAL_FATAL(bt_key_generate(&other), 0);
	bt_buf_init(&b, 0);
	CU_ASSERT_EQUAL_FATAL(bt_batch_build(&b, &n, s, "tablet-1", 1, 0, k), 0);
	int refused = 0;
	for (size_t i = 0; i < b.len; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			b.data[i] ^= (char)(1 << bit);
			batch = NULL;
			int err = bt_batch_open(&batch, (const uint8_t *)b.data, b.len, k, 0);
			if (err == 0) {
				/* A flip inside the zlib stream may still inflate to the same bytes only if it hit
				 * ignored bits; the result must then be the original events. */
				CU_ASSERT_EQUAL(batch->n_events, 7);
				bt_batch_free(batch);
			} else {
				CU_ASSERT(err == BT_ECORRUPT || err == BT_EBADSIG);
				CU_ASSERT_PTR_NULL(batch);
				refused++;
			}
			b.data[i] ^= (char)(1 << bit);
		}
	}
	CU_ASSERT(refused >= (int)(2 * b.len) - 8);
	/* Signed by another key: refused before inflating. */
	batch = NULL;
	CU_ASSERT_EQUAL(bt_batch_open(&batch, (const uint8_t *)b.data, b.len, other, 0), BT_EBADSIG);
	/* Truncated, or with bytes after it. */
	CU_ASSERT_EQUAL(bt_batch_open(&batch, (const uint8_t *)b.data, b.len - 1, k, 0), BT_ECORRUPT);
	bt_buf_put(&b, "x", 1);
	CU_ASSERT_EQUAL(bt_batch_open(&batch, (const uint8_t *)b.data, b.len, k, 0), BT_ECORRUPT);
	CU_ASSERT_EQUAL(bt_batch_open(&batch, (const uint8_t *)"BTB1", 4, k, 0), BT_ECORRUPT);
	bt_buf_free(&b);
	bt_key_free(k);
	bt_key_free(other);
	bt_store_free(s);
}

/* A batch assembled by hand (as an attacker holding the device key could): header, signature, body. */
static void forge(bt_buf *out, const bt_key *k, const char *log, int64_t first, uint32_t n, const uint8_t prev[32],
		  const uint8_t head[32], const uint8_t *body, size_t body_len)
{
	uint8_t h[150 + 64];
	size_t L = strlen(log);
	uLongf zlen = compressBound((uLong)body_len);
	uint8_t *z = malloc(zlen);
	CU_ASSERT_EQUAL_FATAL(compress2(z, &zlen, body, (uLong)body_len, 9), Z_OK);
	memcpy(h, "BTB1", 4);
	h[4] = 1;
	h[5] = (uint8_t)L;
	memcpy(h + 6, log, L);
	for (int i = 0; i < 8; i++)
		h[6 + L + i] = (uint8_t)((uint64_t)first >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		h[14 + L + i] = (uint8_t)(n >> (24 - 8 * i));
	memcpy(h + 18 + L, prev, 32);
	memcpy(h + 50 + L, head, 32);
	CU_ASSERT_EQUAL_FATAL(bt_head_sign(h + 82 + L, k, log, first + n - 1, head), 0);
	for (int i = 0; i < 4; i++)
		h[146 + L + i] = (uint8_t)((uint32_t)zlen >> (24 - 8 * i));
	bt_buf_put(out, (const char *)h, 150 + L);
	bt_buf_put(out, (const char *)z, zlen);
	free(z);
}

static void test_batch__broken_chain_and_zip_bomb_are_refused(void)
{
	bt_store *s = store("b3.db");
	bt_key *k = NULL;
	events e = {0};
	bt_batch *batch = NULL;
	CU_ASSERT_EQUAL_FATAL(bt_key_generate(&k), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_events(s, "tablet-1", 1, collect, &e), 0);
	/* Events 1, 2 and 4: a gap, with a valid signature over event 4's hash. */
	bt_buf body, b;
	bt_buf_init(&body, 0);
	int pick[3] = {0, 1, 3};
	for (int i = 0; i < 3; i++) {
		uint8_t l[4] = {(uint8_t)(e.lens[pick[i]] >> 24), (uint8_t)(e.lens[pick[i]] >> 16), (uint8_t)(e.lens[pick[i]] >> 8),
				(uint8_t)e.lens[pick[i]]};
		bt_buf_put(&body, (const char *)l, 4);
		bt_buf_put(&body, (const char *)e.bytes[pick[i]], e.lens[pick[i]]);
	}
	bt_event ev4, ev1;
	CU_ASSERT_EQUAL_FATAL(bt_event_decode(&ev4, e.bytes[3], e.lens[3]), 0);
	CU_ASSERT_EQUAL_FATAL(bt_event_decode(&ev1, e.bytes[0], e.lens[0]), 0);
	bt_buf_init(&b, 0);
	forge(&b, k, "tablet-1", 1, 3, ev1.prev, ev4.hash, (const uint8_t *)body.data, body.len);
	CU_ASSERT_EQUAL(bt_batch_open(&batch, (const uint8_t *)b.data, b.len, k, 0), BT_ECORRUPT);
	CU_ASSERT_PTR_NOT_NULL(strstr(bt_error_last(), "3"));
	/* Claims another log for the same events. */
	b.len = 0;
	forge(&b, k, "tablet-2", 1, 3, ev1.prev, ev4.hash, (const uint8_t *)body.data, body.len);
	CU_ASSERT_EQUAL(bt_batch_open(&batch, (const uint8_t *)b.data, b.len, k, 0), BT_ECORRUPT);
	/* A body that inflates far beyond the limit. */
	size_t big = 4u << 20;
	uint8_t *zeros = calloc(big, 1);
	b.len = 0;
	forge(&b, k, "tablet-1", 1, 1, ev1.prev, ev1.hash, zeros, big);
	CU_ASSERT(b.len < 16384);
	CU_ASSERT_EQUAL(bt_batch_open(&batch, (const uint8_t *)b.data, b.len, k, 65536), BT_ECORRUPT);
	free(zeros);
	bt_event_clear(&ev1);
	bt_event_clear(&ev4);
	for (int i = 0; i < e.n; i++)
		free(e.bytes[i]);
	bt_buf_free(&body);
	bt_buf_free(&b);
	bt_key_free(k);
	bt_store_free(s);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"keys: PEM files that openssl reads", test_keys__pem_files_that_openssl_reads},
		{"batch: carries the log exactly, and in parts", test_batch__carries_the_log_exactly_and_in_parts},
		{"batch: every flipped byte and a forged signature are refused", test_batch__every_flipped_byte_and_a_forged_signature_are_refused},
		{"batch: a broken chain and a zip bomb are refused", test_batch__broken_chain_and_zip_bomb_are_refused},
		CU_TEST_INFO_NULL};
	return bt_test_run("batch", tests);
}
