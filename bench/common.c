/* common.c - what the benchmarks share: the clock, collecting lines, the raw SQLite baseline. */
#define _DEFAULT_SOURCE
#include "common.h"
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bench_collect(const char *line, size_t len, void *payload)
{
	bt_buf *b = payload;
	if (bt_buf_put(b, line, len) < 0 || bt_buf_put(b, "\n", 1) < 0)
		return BT_ENOMEM;
	return 0;
}

void bench_die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, bt_error_last());
	exit(1);
}

static void exec_sql(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "bench: sql: %s\n", msg);
		exit(1);
	}
}

/* Baseline: the same rows, already parsed, inserted raw into plain tables. */
double bench_raw_insert(const char *path, bt_record **recs, size_t n, size_t *rows)
{
	sqlite3 *db;
	sqlite3_stmt *mem, *mt, *att, *dues, *other;
	remove(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		exit(1);
	/* The store's own settings: WAL, full sync, the import's page cache. */
	exec_sql(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = -65536;"
		     "CREATE TABLE member(id TEXT PRIMARY KEY, cell TEXT, name TEXT, joined INTEGER);"
		     "CREATE TABLE meeting(id TEXT PRIMARY KEY, cell TEXT, date INTEGER, start INTEGER, end INTEGER, flags INTEGER);"
		     "CREATE TABLE attendance(meeting TEXT, member TEXT, status INTEGER, PRIMARY KEY(meeting, member)) WITHOUT ROWID;"
		     "CREATE TABLE dues(member TEXT, month INTEGER, amount INTEGER, paid_on INTEGER, PRIMARY KEY(member, month)) WITHOUT ROWID;"
		     "CREATE TABLE other(kind INTEGER, body TEXT);");
	sqlite3_prepare_v2(db, "INSERT INTO member VALUES(?1, ?2, ?3, ?4)", -1, &mem, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO meeting VALUES(?1, ?2, ?3, ?4, ?5, ?6)", -1, &mt, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO attendance VALUES(?1, ?2, ?3)", -1, &att, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO dues VALUES(?1, ?2, ?3, ?4)", -1, &dues, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO other VALUES(?1, ?2)", -1, &other, NULL);
	double t0 = bench_now();
	exec_sql(db, "BEGIN");
	*rows = 0;
	for (size_t i = 0; i < n; i++) {
		bt_record *r = recs[i];
		sqlite3_stmt *st;
		switch (r->kind) {
		case BT_KIND_MEMBER:
			st = mem;
			sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, r->cell, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, r->name, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 4, r->joined);
			break;
		case BT_KIND_MEETING:
			st = mt;
			sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, r->cell, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 3, r->date);
			sqlite3_bind_int(st, 4, r->start_minute);
			sqlite3_bind_int(st, 5, r->end_minute);
			sqlite3_bind_int(st, 6, (int)r->flags);
			for (size_t k = 0; k < r->n_attendance; k++) {
				sqlite3_bind_text(att, 1, r->id, -1, SQLITE_STATIC);
				sqlite3_bind_text(att, 2, r->attendance[k].member, -1, SQLITE_STATIC);
				sqlite3_bind_int(att, 3, (int)r->attendance[k].status);
				sqlite3_step(att);
				sqlite3_reset(att);
				(*rows)++;
			}
			break;
		case BT_KIND_DUES:
			st = dues;
			sqlite3_bind_text(st, 1, r->member, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 2, r->month);
			sqlite3_bind_int64(st, 3, r->amount);
			sqlite3_bind_int(st, 4, r->date);
			break;
		default:
			st = other;
			sqlite3_bind_int(st, 1, (int)r->kind);
			sqlite3_bind_text(st, 2, r->canonical, -1, SQLITE_STATIC);
		}
		if (sqlite3_step(st) != SQLITE_DONE) {
			fprintf(stderr, "bench: raw insert: %s\n", sqlite3_errmsg(db));
			exit(1);
		}
		sqlite3_reset(st);
		(*rows)++;
	}
	exec_sql(db, "COMMIT");
	double t = bench_now() - t0;
	sqlite3_finalize(mem);
	sqlite3_finalize(mt);
	sqlite3_finalize(att);
	sqlite3_finalize(dues);
	sqlite3_finalize(other);
	sqlite3_close(db);
	return t;
}

