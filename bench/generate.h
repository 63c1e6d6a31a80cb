/*
 * generate.h - a deterministic generator of a commune's (or a province's)
 * records in the interchange format, for the demo, the tests and the
 * benchmarks. The same options always give the same bytes.
 */
#ifndef BT_GENERATE_H
#define BT_GENERATE_H

#include "bontot.h"

typedef struct {
	int cells;            /* number of cells */
	int min_members;      /* members per cell, drawn between min and max */
	int max_members;
	int year;             /* the year of meetings, dues, targets... */
	uint64_t seed;
	int realistic;        /* 1: exemptions, lapses, missing records; 0: the uniform benchmark workload */
	bt_date until;        /* no record dated after this (BT_DATE_NONE: 31 Dec) */
} gen_opts;

/* Calls emit(line, len, payload) for each line (without newline). Returns 0 or emit's error. */
int gen_commune(const gen_opts *o, int (*emit)(const char *line, size_t len, void *payload), void *payload);

#endif
