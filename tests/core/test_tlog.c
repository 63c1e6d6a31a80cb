/*
 * test_tlog.c - the transparency log's Merkle tree (RFC 6962): the
 * reference vectors, the tile-based hashing against a naive one, every
 * inclusion and consistency proof of small trees and samples of large ones
 * (and tampered ones refused), and the C2SP tile paths.
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

/* A memory source: n entries "entry <i>", with a counting cache. */
typedef struct {
	uint8_t (*leaf)[BT_HASH_BYTES];
	uint64_t n;
	struct {
		int height;
		uint64_t index;
		uint8_t hash[BT_HASH_BYTES];
	} cache[4096];
	size_t cached;
	size_t hits;
} mem_log;

static int mem_leaves(void *ctx, uint64_t start, size_t n, uint8_t (*out)[BT_HASH_BYTES])
{
	mem_log *m = ctx;
	if (start + n > m->n)
		return BT_EINVALID;
	memcpy(out, m->leaf + start, n * BT_HASH_BYTES);
	return 0;
}

static int mem_get(void *ctx, int height, uint64_t index, uint8_t out[BT_HASH_BYTES])
{
	mem_log *m = ctx;
	for (size_t i = 0; i < m->cached; i++)
		if (m->cache[i].height == height && m->cache[i].index == index) {
			memcpy(out, m->cache[i].hash, BT_HASH_BYTES);
			m->hits++;
			return 1;
		}
	return 0;
}

static int mem_put(void *ctx, int height, uint64_t index, const uint8_t hash[BT_HASH_BYTES])
{
	mem_log *m = ctx;
	if (m->cached < sizeof(m->cache) / sizeof(m->cache[0])) {
		m->cache[m->cached].height = height;
		m->cache[m->cached].index = index;
		memcpy(m->cache[m->cached++].hash, hash, BT_HASH_BYTES);
	}
	return 0;
}

static mem_log *mem_new(uint64_t n, bt_tlog_source *src)
{
	mem_log *m = calloc(1, sizeof(*m));
	m->leaf = malloc((size_t)n * BT_HASH_BYTES + 1);
	m->n = n;
	for (uint64_t i = 0; i < n; i++) {
		char e[32];
		int len = snprintf(e, sizeof(e), "entry %llu", (unsigned long long)i);
		CU_ASSERT_EQUAL(bt_tlog_leaf_hash(m->leaf[i], e, (size_t)len), 0);
	}
	src->leaves = mem_leaves;
	src->cache_get = mem_get;
	src->cache_put = mem_put;
	src->ctx = m;
	return m;
}

static void mem_free(mem_log *m)
{
	free(m->leaf);
	free(m);
}

/* RFC 6962's definition, word for word: the reference the tiles are checked against. */
static void naive(uint8_t (*leaf)[BT_HASH_BYTES], uint64_t n, uint8_t out[BT_HASH_BYTES])
{
	if (n == 1) {
		memcpy(out, leaf[0], BT_HASH_BYTES);
		return;
	}
	uint64_t k = 1;
	while (k * 2 < n)
		k *= 2;
	uint8_t l[BT_HASH_BYTES], r[BT_HASH_BYTES];
	naive(leaf, k, l);
	naive(leaf + k, n - k, r);
	CU_ASSERT_EQUAL(bt_tlog_node_hash(out, l, r), 0);
}

static void hex_of(char *out, const uint8_t h[BT_HASH_BYTES])
{
	for (int i = 0; i < BT_HASH_BYTES; i++)
		sprintf(out + 2 * i, "%02x", h[i]);
}

/* The RFC 6962 test tree of certificate-transparency's reference implementation. */
static void test_tlog__reference_vectors(void)
{
	static const struct {
		const char *data;
		size_t len;
	} in[8] = {{"", 0},
		   {"\x00", 1},
		   {"\x10", 1},
		   {"\x20\x21", 2},
		   {"\x30\x31", 2},
		   {"\x40\x41\x42\x43", 4},
		   {"\x50\x51\x52\x53\x54\x55\x56\x57", 8},
		   {"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16}};
	static const char *const roots[8] = {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
					     "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
					     "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
					     "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
					     "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
					     "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
					     "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
					     "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
	mem_log m = {0};
	uint8_t leaves[8][BT_HASH_BYTES], root[BT_HASH_BYTES];
	char hex[65];
	for (int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(bt_tlog_leaf_hash(leaves[i], in[i].data, in[i].len), 0);
	m.leaf = leaves;
	m.n = 8;
	bt_tlog_source src = {mem_leaves, NULL, NULL, &m};
	for (int n = 1; n <= 8; n++) {
		CU_ASSERT_EQUAL(bt_tlog_root(&src, (uint64_t)n, root), 0);
		hex_of(hex, root);
		CU_ASSERT_STRING_EQUAL(hex, roots[n - 1]);
	}
	CU_ASSERT_EQUAL(bt_tlog_root(&src, 0, root), 0);
	hex_of(hex, root);
	CU_ASSERT_STRING_EQUAL(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_tlog__tiles_agree_with_the_definition(void)
{
	bt_tlog_source src;
	mem_log *m = mem_new(70000, &src);
	uint8_t a[BT_HASH_BYTES], b[BT_HASH_BYTES];
	const uint64_t sizes[] = {1, 2, 3, 255, 256, 257, 511, 512, 513, 65535, 65536, 65537, 70000};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		CU_ASSERT_EQUAL(bt_tlog_root(&src, sizes[i], a), 0);
		naive(m->leaf, sizes[i], b);
		CU_ASSERT_EQUAL(memcmp(a, b, BT_HASH_BYTES), 0);
	}
	CU_ASSERT(m->hits > 0); /* full subtrees came from the cache */
	/* A level-1 tile: each hash is a full level-0 tile's. */
	uint8_t *tile = malloc(17 * BT_HASH_BYTES);
	CU_ASSERT_EQUAL(bt_tlog_tile(&src, 1, 1, 17, tile), 0);
	naive(m->leaf + 256 * 256 + 5 * 256, 256, b);
	CU_ASSERT_EQUAL(memcmp(tile + 5 * BT_HASH_BYTES, b, BT_HASH_BYTES), 0);
	free(tile);
	mem_free(m);
}

static void test_tlog__proofs_verify_and_tampered_ones_do_not(void)
{
	bt_tlog_source src;
	mem_log *m = mem_new(70000, &src);
	uint8_t proof[BT_TLOG_PROOF_MAX][BT_HASH_BYTES], root[BT_HASH_BYTES], old[BT_HASH_BYTES];
	size_t n;
	int bad = 0, checked = 0;
	/* Every leaf of every tree up to 40; a sample of larger ones. */
	for (uint64_t size = 1; size <= 40; size++) {
		CU_ASSERT_EQUAL(bt_tlog_root(&src, size, root), 0);
		for (uint64_t i = 0; i < size; i++) {
			CU_ASSERT_EQUAL(bt_tlog_inclusion_proof(&src, i, size, proof, &n), 0);
			bad += bt_tlog_verify_inclusion(m->leaf[i], i, size, (const uint8_t(*)[BT_HASH_BYTES])proof, n, root) != 0;
			/* Another leaf, another index, or a flipped bit: refused. */
			if (size > 1) {
				bad += bt_tlog_verify_inclusion(m->leaf[(i + 1) % size], i, size, (const uint8_t(*)[BT_HASH_BYTES])proof, n,
								root) == 0;
				bad += bt_tlog_verify_inclusion(m->leaf[i], (i + 1) % size, size, (const uint8_t(*)[BT_HASH_BYTES])proof, n,
								root) == 0;
				proof[0][3] ^= 1;
				bad += bt_tlog_verify_inclusion(m->leaf[i], i, size, (const uint8_t(*)[BT_HASH_BYTES])proof, n, root) == 0;
			}
			checked++;
		}
		for (uint64_t k = 1; k <= size; k++) {
			CU_ASSERT_EQUAL(bt_tlog_root(&src, k, old), 0);
			CU_ASSERT_EQUAL(bt_tlog_consistency_proof(&src, k, size, proof, &n), 0);
			bad += bt_tlog_verify_consistency(k, size, old, root, (const uint8_t(*)[BT_HASH_BYTES])proof, n) != 0;
			if (k < size) {
				/* The old root of another size, or a flipped bit: refused. */
				uint8_t other[BT_HASH_BYTES];
				CU_ASSERT_EQUAL(bt_tlog_root(&src, k == 1 ? 2 : k - 1, other), 0);
				bad += bt_tlog_verify_consistency(k, size, other, root, (const uint8_t(*)[BT_HASH_BYTES])proof, n) == 0;
				proof[n - 1][0] ^= 0x80;
				bad += bt_tlog_verify_consistency(k, size, old, root, (const uint8_t(*)[BT_HASH_BYTES])proof, n) == 0;
			}
			checked++;
		}
	}
	const uint64_t big[][2] = {{0, 70000}, {69999, 70000}, {65535, 65537}, {12345, 65536}, {256, 257}};
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		CU_ASSERT_EQUAL(bt_tlog_root(&src, big[i][1], root), 0);
		CU_ASSERT_EQUAL(bt_tlog_inclusion_proof(&src, big[i][0], big[i][1], proof, &n), 0);
		bad += bt_tlog_verify_inclusion(m->leaf[big[i][0]], big[i][0], big[i][1], (const uint8_t(*)[BT_HASH_BYTES])proof, n, root) != 0;
		uint64_t k = big[i][0] ? big[i][0] : 1;
		CU_ASSERT_EQUAL(bt_tlog_root(&src, k, old), 0);
		CU_ASSERT_EQUAL(bt_tlog_consistency_proof(&src, k, big[i][1], proof, &n), 0);
		bad += bt_tlog_verify_consistency(k, big[i][1], old, root, (const uint8_t(*)[BT_HASH_BYTES])proof, n) != 0;
		checked += 2;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(checked > 1500);
	CU_ASSERT_EQUAL(bt_tlog_inclusion_proof(&src, 5, 5, proof, &n), BT_EINVALID);
	CU_ASSERT_EQUAL(bt_tlog_consistency_proof(&src, 0, 5, proof, &n), BT_EINVALID);
	mem_free(m);
}

static void test_tlog__tile_paths(void)
{
	char p[128];
	int level, width;
	uint64_t index;
	bt_tlog_tile_path(p, sizeof(p), 0, 1234067, 256);
	CU_ASSERT_STRING_EQUAL(p, "tile/0/x001/x234/067");
	bt_tlog_tile_path(p, sizeof(p), 1, 0, 17);
	CU_ASSERT_STRING_EQUAL(p, "tile/1/000.p/17");
	bt_tlog_tile_path(p, sizeof(p), -1, 273, 112);
	CU_ASSERT_STRING_EQUAL(p, "tile/entries/273.p/112");
	bt_tlog_tile_path(p, sizeof(p), 2, 1000, 256);
	CU_ASSERT_STRING_EQUAL(p, "tile/2/x001/000");
	CU_ASSERT_EQUAL(bt_tlog_tile_path_parse("tile/0/x001/x234/067", &level, &index, &width), 0);
	CU_ASSERT(level == 0 && index == 1234067 && width == 256);
	CU_ASSERT_EQUAL(bt_tlog_tile_path_parse("tile/entries/273.p/112", &level, &index, &width), 0);
	CU_ASSERT(level == -1 && index == 273 && width == 112);
	const char *bad[] = {"tile/00/000", "tile/0/0", "tile/0/x000", "tile/0/000/001", "tile/0/000.p/0", "tile/0/000.p/256",
			     "tile/0/000.p/07", "tile/64/000", "tile/0/000x", "tiles/0/000", "tile/0/x001/x002/x003/x004/x005/x006/x007/000",
			     "tile/0/x000/067", "tile/entries/x000/x001/002"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(bt_tlog_tile_path_parse(bad[i], &level, &index, &width), BT_EINVALID);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"the reference vectors", test_tlog__reference_vectors},
		{"tiles agree with the definition", test_tlog__tiles_agree_with_the_definition},
		{"proofs verify and tampered ones do not", test_tlog__proofs_verify_and_tampered_ones_do_not},
		{"tile paths", test_tlog__tile_paths},
		CU_TEST_INFO_NULL};
	return bt_test_run("tlog", tests);
}
