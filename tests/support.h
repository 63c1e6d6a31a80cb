/* support.h - helpers shared by the test suites. */
#ifndef BT_TEST_SUPPORT_H
#define BT_TEST_SUPPORT_H

#include "bontot.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <sys/types.h>

/* Run the suite's tests; returns the process exit code. */
int bt_test_run(const char *suite, CU_TestInfo *tests);

/* A fresh temporary directory for this process (removed at exit). */
const char *bt_test_dir(void);
/* Path inside the test directory (static buffer rotated among 8). */
const char *bt_test_path(const char *name);

/* Write text to a file; returns 0. */
int bt_test_write(const char *path, const char *text);
/* Read a whole file (malloc'ed, NUL-terminated), NULL on failure. */
char *bt_test_read(const char *path, size_t *len);

/* A new store in the test directory with that log id (replacing any file of that name). */
bt_store *bt_test_store(const char *name, const char *log_id);
/* The number of events a store holds. */
int64_t bt_test_events(bt_store *store);

/*
 * The terminal column (display width) at which `needle` starts on the line
 * of `text` that contains `mark`; -1 when there is none. For checking that a
 * table's columns line up with Vietnamese text in them.
 */
long bt_test_column(const char *text, const char *mark, const char *needle);

/* Run a shell command, capturing stdout and stderr (malloc'ed); returns the exit status. */
int bt_test_sh(char **out, char **err, const char *fmt, ...) BT_PRINTF(3, 4);

/*
 * Start `cmd` (through sh, exec'd: the pid is the program's), stdout to a
 * pipe, stderr to err_path (NULL: inherited); read its first `lines` lines
 * into text. The read blocks until those lines or EOF: the programs print
 * them once ready.
 */
pid_t bt_test_spawn(const char *cmd, const char *err_path, char *text, size_t size, int lines);
/*
 * `bontot --db store serve --listen 127.0.0.1:0` (BT_CLI), its log to
 * log_path; its pid, *port set. HTTPS with the office's certificate (office
 * init), its pin into bt_test_pin (for curl: -k --pinnedpubkey PIN).
 */
pid_t bt_test_serve(const char *store, const char *log_path, int *port);
extern char bt_test_pin[64];
/* The same with --plain-http, for tests about something else than the link's security. */
pid_t bt_test_serve_plain(const char *store, const char *log_path, int *port);
/* SIGTERM and wait: 0 when it exited cleanly with status 0. */
int bt_test_stop(pid_t pid);

/* Parse records from an array of lines (NULL-terminated). Aborts the test on a bad line. */
typedef struct {
	bt_record **v;
	size_t n, cap;
} bt_test_records;
void bt_test_add(bt_test_records *rs, const char *fmt, ...) BT_PRINTF(2, 3);
void bt_test_records_free(bt_test_records *rs);

/* Import lines into a store in one import; returns the import's result. */
int bt_test_import(bt_store *s, const char *text, bt_import_stats *stats);
/* The same, recorded at timestamp ts. */
int bt_test_import_at(bt_store *s, const char *text, const char *ts, bt_import_stats *stats);

/* JSON Lines: committee DU, cells CB (members A, the secretary, and B) and CB2 (member Z). */
extern const char *const bt_test_two_cells;

#endif
