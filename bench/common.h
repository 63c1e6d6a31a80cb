/* common.h - what the benchmarks share. */
#ifndef BT_BENCH_COMMON_H
#define BT_BENCH_COMMON_H

#include "bontot.h"
#include "buf.h"

/* Seconds on the monotonic clock. */
double bench_now(void);
/* A gen_commune emitter: appends the line and a newline to the bt_buf payload. */
int bench_collect(const char *line, size_t len, void *payload);
/* Print the library's last error after `what` and exit(1). */
void bench_die(const char *what);
/*
 * Baseline: the same rows, already parsed, inserted raw into plain tables in
 * one transaction at the store's durability settings. Seconds; *rows
 * receives the number of rows written (attendance rows included).
 */
double bench_raw_insert(const char *path, bt_record **recs, size_t n, size_t *rows);

#endif
