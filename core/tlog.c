/*
 * tlog.c - RFC 6962 Merkle tree hashes, tiles (C2SP tlog-tiles), inclusion
 * and consistency proofs and their RFC 9162 verification. No I/O: the
 * leaves come from a bt_tlog_source.
 *
 * A range's hash is computed from at most 256 leaves at a time: a range
 * inside one 256-aligned block is fetched and hashed in memory; a larger
 * one is split where RFC 6962 splits it (the largest power of two below
 * its size), and a full aligned subtree of 256^k leaves is taken from the
 * source's cache when it has one (it is what the tiles above level 0 hold).
 */
#include "bontot/tlog.h"
#include "error.h"
#include "i18n.h"
#include "sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bt_tlog_leaf_hash(uint8_t out[BT_HASH_BYTES], const void *entry, size_t len)
{
	static const uint8_t zero = 0;
	return bt__sha256_2(out, &zero, 1, entry, len) < 0 ? bt__error_set(BT_ERROR, BT_("SHA-256 failed")) : 0;
}

int bt_tlog_node_hash(uint8_t out[BT_HASH_BYTES], const uint8_t left[BT_HASH_BYTES], const uint8_t right[BT_HASH_BYTES])
{
	uint8_t buf[1 + 2 * BT_HASH_BYTES];
	buf[0] = 1;
	memcpy(buf + 1, left, BT_HASH_BYTES);
	memcpy(buf + 1 + BT_HASH_BYTES, right, BT_HASH_BYTES);
	return bt__sha256(out, buf, sizeof(buf)) < 0 ? bt__error_set(BT_ERROR, BT_("SHA-256 failed")) : 0;
}

/* The largest power of two below n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
	uint64_t k = 1;
	while (k << 1 < n)
		k <<= 1;
	return k;
}

/* MTH of n hashes in memory (n >= 1); out may be h[0]. */
static int mth_mem(uint8_t (*h)[BT_HASH_BYTES], size_t n, uint8_t out[BT_HASH_BYTES])
{
	uint8_t l[BT_HASH_BYTES], r[BT_HASH_BYTES];
	int err;
	if (n == 1) {
		memmove(out, h[0], BT_HASH_BYTES);
		return 0;
	}
	size_t k = (size_t)split_point(n);
	if ((err = mth_mem(h, k, l)) < 0 || (err = mth_mem(h + k, n - k, r)) < 0)
		return err;
	return bt_tlog_node_hash(out, l, r);
}

/* Height h when [start, end) is a full aligned subtree of 256^j leaves (j >= 1); else 0. */
static int cached_height(uint64_t start, uint64_t end)
{
	uint64_t n = end - start;
	int h = 0;
	while (n > 1 && (n & 1) == 0)
		n >>= 1, h++;
	if (n != 1 || h < 8 || h % 8 != 0 || h >= 64 || start % (1ull << h) != 0)
		return 0;
	return h;
}

int bt_tlog_range_hash(const bt_tlog_source *src, uint64_t start, uint64_t end, uint8_t out[BT_HASH_BYTES])
{
	int err, h;
	if (end <= start)
		return bt__error_set(BT_EINVALID, BT_("an empty range of the log"));
	uint64_t n = end - start;
	if (n <= BT_TLOG_TILE_WIDTH && start % BT_TLOG_TILE_WIDTH + n <= BT_TLOG_TILE_WIDTH) {
		uint8_t(*leaves)[BT_HASH_BYTES] = malloc(n * BT_HASH_BYTES);
		if (!leaves)
			return bt__oom();
		if ((err = src->leaves(src->ctx, start, (size_t)n, leaves)) == 0)
			err = mth_mem(leaves, (size_t)n, out);
		free(leaves);
		return err;
	}
	if ((h = cached_height(start, end)) && src->cache_get) {
		int got = src->cache_get(src->ctx, h, start >> h, out);
		if (got < 0)
			return got;
		if (got == 1)
			return 0;
	}
	uint8_t l[BT_HASH_BYTES], r[BT_HASH_BYTES];
	uint64_t k = split_point(n);
	if ((err = bt_tlog_range_hash(src, start, start + k, l)) < 0 || (err = bt_tlog_range_hash(src, start + k, end, r)) < 0 ||
	    (err = bt_tlog_node_hash(out, l, r)) < 0)
		return err;
	if (h && src->cache_put)
		return src->cache_put(src->ctx, h, start >> h, out);
	return 0;
}

int bt_tlog_root(const bt_tlog_source *src, uint64_t size, uint8_t out[BT_HASH_BYTES])
{
	if (size == 0)
		return bt__sha256(out, "", 0) < 0 ? bt__error_set(BT_ERROR, BT_("SHA-256 failed")) : 0;
	return bt_tlog_range_hash(src, 0, size, out);
}

int bt_tlog_tile(const bt_tlog_source *src, int level, uint64_t index, int width, uint8_t *out)
{
	int err;
	if (level < 0 || level > 7 || width < 1 || width > BT_TLOG_TILE_WIDTH)
		return bt__error_set(BT_EINVALID, BT_("no such tile"));
	uint64_t span = 1ull << (8 * level);
	uint64_t first = (index * BT_TLOG_TILE_WIDTH) * span;
	if (level == 0)
		return src->leaves(src->ctx, first, (size_t)width, (uint8_t(*)[BT_HASH_BYTES])out);
	for (int i = 0; i < width; i++)
		if ((err = bt_tlog_range_hash(src, first + (uint64_t)i * span, first + (uint64_t)(i + 1) * span,
					      out + (size_t)i * BT_HASH_BYTES)) < 0)
			return err;
	return 0;
}

/* PATH(m, D[start:end]) appended to out. */
static int path(const bt_tlog_source *src, uint64_t m, uint64_t start, uint64_t end, uint8_t (*out)[BT_HASH_BYTES], size_t *n)
{
	int err;
	if (end - start <= 1)
		return 0;
	uint64_t k = split_point(end - start);
	if (m < k) {
		if ((err = path(src, m, start, start + k, out, n)) < 0)
			return err;
		if (*n >= BT_TLOG_PROOF_MAX)
			return bt__error_set(BT_EINVALID, BT_("proof too long"));
		return bt_tlog_range_hash(src, start + k, end, out[(*n)++]);
	}
	if ((err = path(src, m - k, start + k, end, out, n)) < 0)
		return err;
	if (*n >= BT_TLOG_PROOF_MAX)
		return bt__error_set(BT_EINVALID, BT_("proof too long"));
	return bt_tlog_range_hash(src, start, start + k, out[(*n)++]);
}

int bt_tlog_inclusion_proof(const bt_tlog_source *src, uint64_t index, uint64_t size, uint8_t (*out)[BT_HASH_BYTES], size_t *n)
{
	*n = 0;
	if (index >= size)
		return bt__error_set(BT_EINVALID, BT_("entry %llu is not in a tree of %llu"), (unsigned long long)index,
				     (unsigned long long)size);
	return path(src, index, 0, size, out, n);
}

/* SUBPROOF(m, D[start:end], b) appended to out. */
static int subproof(const bt_tlog_source *src, uint64_t m, uint64_t start, uint64_t end, int whole, uint8_t (*out)[BT_HASH_BYTES],
		    size_t *n)
{
	int err;
	uint64_t size = end - start;
	if (m == size) {
		if (whole)
			return 0;
		if (*n >= BT_TLOG_PROOF_MAX)
			return bt__error_set(BT_EINVALID, BT_("proof too long"));
		return bt_tlog_range_hash(src, start, end, out[(*n)++]);
	}
	uint64_t k = split_point(size);
	if (m <= k) {
		if ((err = subproof(src, m, start, start + k, whole, out, n)) < 0)
			return err;
		if (*n >= BT_TLOG_PROOF_MAX)
			return bt__error_set(BT_EINVALID, BT_("proof too long"));
		return bt_tlog_range_hash(src, start + k, end, out[(*n)++]);
	}
	if ((err = subproof(src, m - k, start + k, end, 0, out, n)) < 0)
		return err;
	if (*n >= BT_TLOG_PROOF_MAX)
		return bt__error_set(BT_EINVALID, BT_("proof too long"));
	return bt_tlog_range_hash(src, start, start + k, out[(*n)++]);
}

int bt_tlog_consistency_proof(const bt_tlog_source *src, uint64_t m, uint64_t size, uint8_t (*out)[BT_HASH_BYTES], size_t *n)
{
	*n = 0;
	if (m == 0 || m > size)
		return bt__error_set(BT_EINVALID, BT_("no consistency proof from a tree of %llu to one of %llu"), (unsigned long long)m,
				     (unsigned long long)size);
	return subproof(src, m, 0, size, 1, out, n);
}

static int bad_proof(void) { return bt__error_set(BT_EBADSIG, BT_("the proof does not verify")); }

int bt_tlog_verify_inclusion(const uint8_t leaf[BT_HASH_BYTES], uint64_t index, uint64_t size, const uint8_t (*proof)[BT_HASH_BYTES],
			     size_t n, const uint8_t root[BT_HASH_BYTES])
{
	uint8_t r[BT_HASH_BYTES];
	int err;
	if (index >= size)
		return bad_proof();
	uint64_t fn = index, sn = size - 1;
	memcpy(r, leaf, BT_HASH_BYTES);
	for (size_t i = 0; i < n; i++) {
		if (sn == 0)
			return bad_proof();
		if ((fn & 1) || fn == sn) {
			if ((err = bt_tlog_node_hash(r, proof[i], r)) < 0)
				return err;
			while (!(fn & 1) && fn != 0)
				fn >>= 1, sn >>= 1;
		} else if ((err = bt_tlog_node_hash(r, r, proof[i])) < 0) {
			return err;
		}
		fn >>= 1, sn >>= 1;
	}
	return sn == 0 && memcmp(r, root, BT_HASH_BYTES) == 0 ? 0 : bad_proof();
}

int bt_tlog_verify_consistency(uint64_t m, uint64_t size, const uint8_t old_root[BT_HASH_BYTES], const uint8_t root[BT_HASH_BYTES],
			       const uint8_t (*proof)[BT_HASH_BYTES], size_t n)
{
	uint8_t fr[BT_HASH_BYTES], sr[BT_HASH_BYTES];
	const uint8_t(*p)[BT_HASH_BYTES] = proof;
	int err;
	if (m > size)
		return bad_proof();
	if (m == size)
		return n == 0 && memcmp(old_root, root, BT_HASH_BYTES) == 0 ? 0 : bad_proof();
	if (m == 0)
		return n == 0 ? 0 : bad_proof(); /* the empty tree is a prefix of every tree */
	/* When m is a power of two, the old root is the first node of the path. */
	int pow2 = (m & (m - 1)) == 0;
	if (n == 0)
		return bad_proof();
	uint64_t fn = m - 1, sn = size - 1;
	while (fn & 1)
		fn >>= 1, sn >>= 1;
	memcpy(fr, pow2 ? old_root : p[0], BT_HASH_BYTES);
	memcpy(sr, fr, BT_HASH_BYTES);
	for (size_t i = pow2 ? 0 : 1; i < n; i++) {
		if (sn == 0)
			return bad_proof();
		if ((fn & 1) || fn == sn) {
			if ((err = bt_tlog_node_hash(fr, p[i], fr)) < 0 || (err = bt_tlog_node_hash(sr, p[i], sr)) < 0)
				return err;
			while (!(fn & 1) && fn != 0)
				fn >>= 1, sn >>= 1;
		} else if ((err = bt_tlog_node_hash(sr, sr, p[i])) < 0) {
			return err;
		}
		fn >>= 1, sn >>= 1;
	}
	return sn == 0 && memcmp(fr, old_root, BT_HASH_BYTES) == 0 && memcmp(sr, root, BT_HASH_BYTES) == 0 ? 0 : bad_proof();
}

void bt_tlog_tile_path(char *out, size_t size, int level, uint64_t index, int width)
{
	char elems[64] = "";
	size_t len = 0;
	char digits[32];
	int nd = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)index);
	/* Pad to a multiple of 3 digits, then one element per 3. */
	int pad = (3 - nd % 3) % 3;
	char padded[40];
	snprintf(padded, sizeof(padded), "%.*s%s", pad, "00", digits);
	int groups = (nd + pad) / 3;
	for (int g = 0; g < groups; g++)
		len += (size_t)snprintf(elems + len, sizeof(elems) - len, "%s%s%.3s", g ? "/" : "", g < groups - 1 ? "x" : "",
					padded + 3 * g);
	if (level < 0)
		snprintf(out, size, "tile/entries/%s", elems);
	else
		snprintf(out, size, "tile/%d/%s", level, elems);
	if (width < BT_TLOG_TILE_WIDTH) {
		size_t n = strlen(out);
		snprintf(out + n, n < size ? size - n : 0, ".p/%d", width);
	}
}

int bt_tlog_tile_path_parse(const char *p, int *level, uint64_t *index, int *width)
{
	const char *start = p;
	*width = BT_TLOG_TILE_WIDTH;
	if (strncmp(p, "tile/", 5) != 0)
		return bt__error_set(BT_EINVALID, BT_("no such tile"));
	p += 5;
	if (strncmp(p, "entries/", 8) == 0) {
		*level = -1;
		p += 8;
	} else {
		if (p[0] < '0' || p[0] > '9' || (p[0] == '0' && p[1] != '/'))
			return bt__error_set(BT_EINVALID, BT_("no such tile"));
		int l = 0;
		while (*p >= '0' && *p <= '9' && l < 100)
			l = l * 10 + (*p++ - '0');
		if (*p++ != '/' || l > 63)
			return bt__error_set(BT_EINVALID, BT_("no such tile"));
		*level = l;
	}
	uint64_t n = 0;
	for (int g = 0;; g++) {
		int x = *p == 'x';
		p += x;
		if (!(p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9') || g > 6)
			return bt__error_set(BT_EINVALID, BT_("no such tile"));
		n = n * 1000 + (uint64_t)((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
		p += 3;
		if (x) {
			if (*p++ != '/')
				return bt__error_set(BT_EINVALID, BT_("no such tile"));
			continue;
		}
		break;
	}
	if (*p == '.') {
		if (strncmp(p, ".p/", 3) != 0)
			return bt__error_set(BT_EINVALID, BT_("no such tile"));
		p += 3;
		if (p[0] < '1' || p[0] > '9')
			return bt__error_set(BT_EINVALID, BT_("no such tile"));
		int w = 0;
		while (*p >= '0' && *p <= '9' && w < 1000)
			w = w * 10 + (*p++ - '0');
		if (w < 1 || w > 255)
			return bt__error_set(BT_EINVALID, BT_("no such tile"));
		*width = w;
	}
	if (*p)
		return bt__error_set(BT_EINVALID, BT_("no such tile"));
	/* Only the one way of writing it (no "x000/067" for "067"). */
	char again[128];
	bt_tlog_tile_path(again, sizeof(again), *level, n, *width);
	if (strcmp(again, start) != 0)
		return bt__error_set(BT_EINVALID, BT_("no such tile"));
	*index = n;
	return 0;
}
