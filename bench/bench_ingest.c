/*
 * bench_ingest.c - server ingest (issue 4): a province-year's meetings and
 * dues pushed by one simulated tablet per cell, as signed batches of 500
 * events, into an office store that holds the rest (committees, cells,
 * members, targets...). Each batch goes through bt_store_accept, exactly
 * what `bontot serve` runs for POST /v1/push (HTTP itself is not timed).
 * Baseline, in the same run: a raw SQLite insert of the same rows.
 * Figures, not a test.
 *
 * Usage: bench_ingest [--cells N] [--dir DIR]   (default 200 cells of 30)
 */
#define _DEFAULT_SOURCE
#include "common.h"
#include "generate.h"
#include "sha256.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH 500

typedef struct {
	char cell[BT_ID_MAX_BYTES + 1];
	bt_key *key;
	bt_buf *batches;
	size_t n_batches, n_events;
} device;

static void remove_store(const char *path)
{
	char p[600];
	static const char *const sfx[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		remove(p);
	}
}

static int by_id(const void *a, const void *b)
{
	return strcmp((*(bt_record *const *)a)->id, (*(bt_record *const *)b)->id);
}

/* The record's cell: a meeting's own, or its member's (members sorted by id). */
static const char *cell_of(const bt_record *r, bt_record **members, size_t n_members)
{
	if (r->kind == BT_KIND_MEETING)
		return r->cell;
	size_t lo = 0, hi = n_members;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int d = strcmp(members[mid]->id, r->member);
		if (d == 0)
			return members[mid]->cell;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"cells", required_argument, NULL, 'c'}, {"dir", required_argument, NULL, 'd'}, {0}};
	int cells = 200, c;
	const char *dir = "/tmp";
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'c')
			cells = atoi(optarg);
		else if (c == 'd')
			dir = optarg;
		else
			return 2;
	}
	char office_path[512], raw_path[512];
	snprintf(office_path, sizeof(office_path), "%s/bench-ingest.db", dir);
	snprintf(raw_path, sizeof(raw_path), "%s/bench-ingest-raw.db", dir);
	remove_store(office_path);
	remove_store(raw_path);

	fprintf(stderr, "bench: generating %d cells x 30 members, one year...\n", cells);
	gen_opts g = {cells, 30, 30, 2025, 42, 0, BT_DATE_NONE};
	bt_buf file, base;
	bt_buf_init(&file, (size_t)4 << 30);
	bt_buf_init(&base, (size_t)4 << 30);
	if (gen_commune(&g, bench_collect, &file) < 0)
		bench_die("generate");

	/* Split: meetings and dues are the tablets'; the rest is the office's. */
	size_t n = 0, cap = 0, n_members = 0, cap_m = 0, n_dev = 0;
	bt_record **recs = NULL, **members = NULL;
	for (char *p = file.data, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		bt_record *r;
		if (bt_record_parse(&r, p, (size_t)(nl - p)) < 0)
			bench_die("parse");
		if (r->kind == BT_KIND_MEETING || r->kind == BT_KIND_DUES) {
			if (n == cap)
				recs = realloc(recs, (cap = cap ? cap * 2 : 1 << 16) * sizeof(*recs));
			recs[n++] = r;
			continue;
		}
		if (r->kind == BT_KIND_MEMBER) {
			if (n_members == cap_m)
				members = realloc(members, (cap_m = cap_m ? cap_m * 2 : 1 << 12) * sizeof(*members));
			members[n_members++] = r;
		}
		bt_buf_put(&base, p, (size_t)(nl - p + 1));
		if (r->kind != BT_KIND_MEMBER)
			bt_record_free(r);
	}
	bt_buf_free(&file);

	/* The office: the base records on its own log, and one enrolled device per cell. */
	bt_store *office = NULL;
	bt_store_opts so = BT_STORE_OPTS_INIT;
	so.log_id = "office";
	if (bt_store_init(&office, office_path, &so) < 0)
		bench_die("init");
	bt_import *imp = NULL;
	bt_import_opts io = BT_IMPORT_OPTS_INIT;
	bt_import_stats ist;
	io.timestamp = "2025-01-01T00:00:00Z";
	io.author = "office";
	if (bt_import_begin(&imp, office, &io) < 0)
		bench_die("import");
	for (char *p = base.data, *nl; (nl = strchr(p, '\n')); p = nl + 1)
		if (bt_import_line(imp, p, (size_t)(nl - p)) < 0)
			bench_die("import");
	if (bt_import_commit(imp, &ist) < 0)
		bench_die("commit");
	bt_import_free(imp);
	bt_buf_free(&base);

	/* Each tablet's log: its cell's meetings and dues as events, chained, in batches of 500. */
	fprintf(stderr, "bench: building the tablets' signed batches...\n");
	device *devs = calloc((size_t)cells + 1, sizeof(*devs));
	size_t *dev_of = malloc(n * sizeof(*dev_of)), last = 0;
	bt_buf ev;
	bt_buf_init(&ev, 0);
	qsort(members, n_members, sizeof(*members), by_id);
	for (size_t i = 0; i < n; i++) {
		const char *cell = cell_of(recs[i], members, n_members);
		if (!cell)
			bench_die("a dues record of an unknown member");
		/* the generator writes a cell's records together: look at the last device first */
		size_t k = n_dev && strcmp(devs[last].cell, cell) == 0 ? last : n_dev;
		for (size_t j = 0; k == n_dev && j < n_dev; j++)
			if (strcmp(devs[j].cell, cell) == 0)
				k = j;
		if (k == n_dev) {
			if (n_dev == (size_t)cells + 1)
				bench_die("more cells than generated");
			snprintf(devs[k].cell, sizeof(devs[k].cell), "%s", cell);
			if (bt_key_generate(&devs[k].key) < 0)
				bench_die("key");
			n_dev++;
		}
		dev_of[i] = last = k;
	}
	for (size_t k = 0; k < n_dev; k++) {
		device *d = &devs[k];
		char log[BT_LOG_ID_MAX_BYTES + 8];
		uint8_t prev[BT_HASH_BYTES] = {0};
		snprintf(log, sizeof(log), "tablet-%.56s", d->cell);
		if (bt_store_device_add(office, log, d->cell, BT_ROLE_DEVICE_SECRETARY, d->key) < 0)
			bench_die("enroll");
		uint8_t **evs = malloc(n * sizeof(*evs));
		size_t *lens = malloc(n * sizeof(*lens)), m = 0;
		for (size_t j = 0; j < n; j++) {
			if (dev_of[j] != k)
				continue;
			ev.len = 0;
			if (bt_event_encode(&ev, log, (int64_t)m + 1, prev, "2025-12-31T12:00:00Z", "bench", NULL, 0, recs[j]) < 0)
				bench_die("encode");
			evs[m] = malloc(ev.len);
			memcpy(evs[m], ev.data, ev.len);
			lens[m] = ev.len;
			bt__sha256(prev, ev.data, ev.len);
			m++;
		}
		d->n_events = m;
		d->n_batches = (m + BATCH - 1) / BATCH;
		d->batches = calloc(d->n_batches, sizeof(bt_buf));
		for (size_t b = 0; b < d->n_batches; b++) {
			size_t first = b * BATCH, count = m - first < BATCH ? m - first : BATCH;
			bt_buf_init(&d->batches[b], 0);
			if (bt_batch_build_events(&d->batches[b], log, (int64_t)first + 1, (const uint8_t *const *)evs + first,
						  lens + first, count, d->key) < 0)
				bench_die("batch");
		}
		for (size_t j = 0; j < m; j++)
			free(evs[j]);
		free(evs);
		free(lens);
	}
	bt_buf_free(&ev);
	free(dev_of);

	fprintf(stderr, "bench: raw SQLite insert (baseline)...\n");
	size_t rows = 0;
	double t_raw = bench_raw_insert(raw_path, recs, n, &rows);

	fprintf(stderr, "bench: the office accepts every batch...\n");
	size_t events = 0, batches = 0, bytes = 0;
	double t0 = bench_now();
	/* Round-robin over the devices, as tablets arriving one after another. */
	for (size_t b = 0;; b++) {
		int any = 0;
		for (size_t k = 0; k < n_dev; k++) {
			if (b >= devs[k].n_batches)
				continue;
			bt_accept_stats st;
			any = 1;
			if (bt_store_accept(office, (const uint8_t *)devs[k].batches[b].data, devs[k].batches[b].len, &st) < 0)
				bench_die("accept");
			events += st.accepted;
			batches++;
			bytes += devs[k].batches[b].len;
		}
		if (!any)
			break;
	}
	double t_ingest = bench_now() - t0;

	printf("workload: %zu cells' tablets push %zu events (meetings and dues of one year) in %zu batches, %.1f MiB\n", n_dev,
	       events, batches, (double)bytes / (1 << 20));
	printf("\n%-46s %10s %10s %8s %s\n", "", "bontot", "baseline", "ratio", "goal");
	printf("%-46s %9.2fs %9.2fs %7.2fx %s\n", "office ingest (vs raw SQLite insert of the rows)", t_ingest, t_raw,
	       t_ingest / t_raw, "<= 3x");
	printf("(%.0f events/s accepted: signature, chain, scope, references, append, apply; raw insert: %zu rows)\n",
	       (double)events / t_ingest, rows);

	for (size_t k = 0; k < n_dev; k++) {
		for (size_t b = 0; b < devs[k].n_batches; b++)
			bt_buf_free(&devs[k].batches[b]);
		free(devs[k].batches);
		bt_key_free(devs[k].key);
	}
	free(devs);
	for (size_t j = 0; j < n; j++)
		bt_record_free(recs[j]);
	for (size_t j = 0; j < n_members; j++)
		bt_record_free(members[j]);
	free(recs);
	free(members);
	bt_store_free(office);
	remove_store(office_path);
	remove_store(raw_path);
	return 0;
}
