/*
 * bench_province.c - the province-sized workload of issue 2: 2,000 cells x 30
 * members, one year (24,000 meetings, 720,000 attendance rows, 720,000 dues
 * rows). Prints the time to import and to evaluate it, each beside a baseline
 * measured in the same run on the same machine:
 *   import   vs  a raw SQLite bulk insert of the same rows (parsed beforehand,
 *                plain tables, one transaction, same durability settings);
 *   evaluate vs  one raw aggregate scan of the attendance marks (table mark);
 * and the peak memory (max RSS) of `bontot evaluate --json` on that store.
 * Figures, not a test: it never fails on a slow machine.
 *
 * Usage: bench_province [--cells N] [--dir DIR] [--cli PATH]
 */
#define _DEFAULT_SOURCE
#include "common.h"
#include "generate.h"
#include "store_internal.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int count_cell(const bt_cell_result *r, void *payload)
{
	bt_buf *b = payload;
	b->len = 0;
	return bt_eval_cell_json(b, r);
}

/*
 * Peak memory of a child counts what it inherited at fork (Linux keeps the
 * high-water mark across exec), so the CLI is started by a small helper
 * forked before the benchmark grows: it waits for a byte, runs the command,
 * and sends back the child's max RSS (KiB) and exit status.
 */
static int helper_in = -1, helper_out = -1;

static void start_helper(const char *cli, const char *store_path)
{
	int to[2], from[2];
	if (pipe(to) || pipe(from))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		char go;
		close(to[1]);
		close(from[0]);
		if (read(to[0], &go, 1) != 1)
			_exit(0);
		pid_t c = fork();
		if (c == 0) {
			if (!freopen("/dev/null", "w", stdout))
				_exit(127);
			execl(cli, cli, "--db", store_path, "evaluate", "--year", "2025", "--json", (char *)NULL);
			_exit(127);
		}
		int status = 0;
		struct rusage ru;
		memset(&ru, 0, sizeof(ru));
		wait4(c, &status, 0, &ru);
		long r[2] = {ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128};
		if (write(from[1], r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(to[0]);
	close(from[1]);
	helper_in = to[1];
	helper_out = from[0];
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"cells", required_argument, NULL, 'c'}, {"dir", required_argument, NULL, 'd'},
					     {"cli", required_argument, NULL, 'b'}, {0}};
	int cells = 2000, c;
	const char *dir = "/tmp", *cli = NULL;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'c')
			cells = atoi(optarg);
		else if (c == 'd')
			dir = optarg;
		else if (c == 'b')
			cli = optarg;
		else
			return 2;
	}
	char store_path[512], raw_path[512], file_path[512];
	snprintf(store_path, sizeof(store_path), "%s/bench-store.db", dir);
	snprintf(raw_path, sizeof(raw_path), "%s/bench-raw.db", dir);
	snprintf(file_path, sizeof(file_path), "%s/bench-province.jsonl", dir);
	for (const char *sfx = ""; sfx; sfx = strcmp(sfx, "") == 0 ? "-wal" : strcmp(sfx, "-wal") == 0 ? "-shm" : NULL) {
		char p[600];
		snprintf(p, sizeof(p), "%s%s", store_path, sfx);
		remove(p);
		snprintf(p, sizeof(p), "%s%s", raw_path, sfx);
		remove(p);
	}

	if (cli)
		start_helper(cli, store_path);
	fprintf(stderr, "bench: generating %d cells x 30 members, one year...\n", cells);
	gen_opts g = {cells, 30, 30, 2025, 42, 0, BT_DATE_NONE};
	bt_buf file;
	bt_buf_init(&file, (size_t)4 << 30);
	if (gen_commune(&g, bench_collect, &file) < 0)
		bench_die("generate");
	FILE *f = fopen(file_path, "wb");
	if (!f || fwrite(file.data, 1, file.len, f) != file.len || fclose(f) != 0)
		bench_die("write workload");

	/* Parse once, untimed, for the baseline. */
	size_t n_lines = 0, cap = 0;
	bt_record **recs = NULL;
	for (char *p = file.data, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		if (n_lines == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			recs = realloc(recs, cap * sizeof(*recs));
		}
		if (bt_record_parse(&recs[n_lines], p, (size_t)(nl - p)) < 0)
			bench_die("parse");
		n_lines++;
	}
	size_t meetings = 0, attendance = 0, dues = 0;
	for (size_t i = 0; i < n_lines; i++) {
		meetings += recs[i]->kind == BT_KIND_MEETING;
		dues += recs[i]->kind == BT_KIND_DUES;
		if (recs[i]->kind == BT_KIND_MEETING)
			attendance += recs[i]->n_attendance;
	}
	fflush(stdout);
	printf("workload: %d cells, %zu records (%zu meetings, %zu attendance rows, %zu dues rows), %.1f MiB of JSON Lines\n",
	       cells, n_lines, meetings, attendance, dues, (double)file.len / (1 << 20));

	fprintf(stderr, "bench: raw SQLite insert (baseline)...\n");
	size_t rows;
	double t_raw = bench_raw_insert(raw_path, recs, n_lines, &rows);
	for (size_t i = 0; i < n_lines; i++)
		bt_record_free(recs[i]);
	free(recs);

	fprintf(stderr, "bench: bontot import...\n");
	bt_store *s = NULL;
	bt_store_opts so = BT_STORE_OPTS_INIT;
	so.log_id = "bench";
	if (bt_store_init(&s, store_path, &so) < 0)
		bench_die("init");
	bt_import *imp = NULL;
	bt_import_opts io = BT_IMPORT_OPTS_INIT;
	bt_import_stats st;
	io.timestamp = "2026-11-30T00:00:00Z";
	io.author = "bench";
	double t0 = bench_now();
	if (bt_import_begin(&imp, s, &io) < 0)
		bench_die("import");
	for (char *p = file.data, *nl; (nl = strchr(p, '\n')); p = nl + 1)
		if (bt_import_line(imp, p, (size_t)(nl - p)) < 0)
			bench_die("import");
	if (bt_import_commit(imp, &st) < 0)
		bench_die("commit");
	double t_import = bench_now() - t0;
	bt_import_free(imp);
	bt_buf_free(&file);

	fprintf(stderr, "bench: raw attendance scan (baseline) and evaluation...\n");
	sqlite3_stmt *q;
	long long sum = 0;
	t0 = bench_now();
	sqlite3_prepare_v2(s->db, "SELECT meeting, count(*), sum(status = 0) FROM mark GROUP BY meeting", -1, &q, NULL);
	while (sqlite3_step(q) == SQLITE_ROW)
		sum += sqlite3_column_int64(q, 2);
	sqlite3_finalize(q);
	double t_scan = bench_now() - t0;

	bt_buf out;
	bt_buf_init(&out, 0);
	bt_eval_opts eo = BT_EVAL_OPTS_INIT;
	eo.year = 2025;
	t0 = bench_now();
	if (bt_store_evaluate(s, &eo, NULL, count_cell, &out) < 0)
		bench_die("evaluate");
	double t_eval = bench_now() - t0;
	bt_buf_free(&out);
	bt_store_free(s);

	printf("\n%-44s %10s %10s %8s %s\n", "", "bontot", "baseline", "ratio", "goal");
	printf("%-44s %9.2fs %9.2fs %7.2fx %s\n", "import (vs raw SQLite insert of the same rows)", t_import, t_raw,
	       t_import / t_raw, "<= 3x");
	printf("%-44s %9.2fs %9.2fs %7.2fx %s\n", "evaluate all cells (vs one attendance scan)", t_eval, t_scan,
	       t_eval / t_scan, "<= 2x");
	printf("(import: %zu events; raw insert: %zu rows; attendance present: %lld)\n", st.added, rows, sum);

	if (helper_in >= 0) {
		long r[2] = {0, 128};
		t0 = bench_now();
		if (write(helper_in, "g", 1) != 1 || read(helper_out, r, sizeof(r)) != sizeof(r))
			r[1] = 128;
		printf("%-44s %9.2fs, peak memory %.1f MiB (goal < 64 MiB)%s\n", "bontot evaluate --json (whole process)",
		       bench_now() - t0, (double)r[0] / 1024, r[1] == 0 ? "" : " FAILED");
	}
	return 0;
}
