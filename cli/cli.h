/* cli.h - shared helpers of the bontot command (cli/). */
#ifndef BT_CLI_H
#define BT_CLI_H

#include "bontot.h"

#include <libintl.h>
#include <stdio.h>

/* Messages: English in the code, Vietnamese from the catalog (cli/po/vi.po) when the locale is vi_VN. */
#define BT_TEXT_DOMAIN "bontot"
#define _(s) gettext(s)
#define N_(s) (s)

/* Exit codes. */
#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

/* The store path: --db, else $BONTOT_DB, else ./bontot.db. */
extern const char *cli_db_path;
/* 1 when the store was named by --db or $BONTOT_DB. */
extern int cli_db_given;

typedef struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary; /* one line, Vietnamese */
} cli_command;

/* bontot office user|token|reads (cmd_staff.c): argv[1] is the subcommand. */
int cli_office_staff(int argc, char **argv);

/* Print "bontot: lỗi: <library message>" and return CLI_FAIL. */
int cli_fail(const char *what);
/* Of `names` (NULL-terminated), the one a mistyped word most likely meant, or NULL when none is near. */
const char *cli_nearest(const char *typed, const char *const *names);
/* "no subcommand X (a, b, c)", with the nearest suggested; returns CLI_USAGE. */
int cli_no_subcommand(const char *cmd, const char *typed, const char *const *names);
/* Print a usage error, a hint to --help, and return CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...);
/* Read a whole file (or stdin for "-") into memory. Returns 0 or -1 with errno. */
int cli_read_file(const char *path, char **data, size_t *len);
/* Today's date on this machine's clock (local time). */
bt_date cli_today(void);
/* Now as "YYYY-MM-DDTHH:MM:SSZ" (UTC). */
void cli_timestamp(char out[BT_TIMESTAMP_BYTES]);
/* Who is recording: $BONTOT_AUTHOR, else $USER, else "bontot". */
const char *cli_author(void);
/* Open the store at cli_db_path, printing an error on failure. */
int cli_open_store(bt_store **out);
/* A built-in rule set name, or a path to a rule set file. Prints the error. */
int cli_load_rules(bt_rules *out, const char *arg);
/* Parse a year argument. */
int cli_parse_year(const char *s, int *year);
/* Print s padded with spaces to `cols` terminal columns (display width, not bytes). */
void cli_pad(FILE *f, const char *s, size_t cols);
/*
 * A date option as typed (dd/mm/yyyy, d/m/yyyy or YYYY-MM-DD) into its ISO
 * form for records: 0, or prints "bontot CMD: OPT: ..." and returns
 * CLI_USAGE. `out` may be NULL. cli_month_arg: the same for mm/yyyy.
 */
int cli_date_arg(const char *cmd, const char *opt, const char *text, char iso[BT_DATE_STR_BYTES], bt_date *out);
int cli_month_arg(const char *cmd, const char *opt, const char *text, char iso[BT_MONTH_STR_BYTES], bt_month *out);
/* An event's timestamp ("YYYY-MM-DDTHH:MM:SSZ") as people read it, in local time: "dd/mm/yyyy HH:MM:SS" (static buffer; the text itself when it does not parse). */
const char *cli_timestamp_vi(const char *ts);
/* dd/mm/yyyy */
void cli_format_date_vi(char out[16], bt_date d);

/* Print a JSON value (jansson) on stdout, indented, keys in the order built; an exit code. */
struct json_t;
int cli_json_print(struct json_t *value);

/* A growing JSON line under construction (for building records from options). */
typedef struct {
	char buf[65536];
	size_t len;
	int first;
	int overflow;
} cli_json;
void cli_json_begin(cli_json *j, const char *kind);
void cli_json_str(cli_json *j, const char *key, const char *value); /* NULL value: null */
void cli_json_raw(cli_json *j, const char *key, const char *raw);   /* a number, true, false, {...} */
const char *cli_json_end(cli_json *j);
/* Append a JSON string (escaped) to a buffer. */
void cli_json_escape(char *out, size_t size, size_t *len, const char *s);

/*
 * Comma-separated lists of ids ("DV-01, DV-02"): copy the next item (trimmed)
 * into item and advance *p; returns 0 at the end of the list.
 */
int cli_list_next(const char **p, char *item, size_t size);
/* 1 when `id` is an item of the list (NULL: empty list). */
int cli_list_contains(const char *list, const char *id);

/* A fact's key for people: its parts joined by " / " instead of tabs (static buffer). */
const char *cli_key(const char *key);

/* Print a finding for people: its short id, code, cell, date, what to do, its records. */
void cli_print_finding(FILE *f, const bt_finding *finding, const char *indent);

/*
 * A progress line on standard error while long work runs, only when it is a
 * terminal: "what: COUNT unit (done/total as %), COUNT/s", redrawn at most once a second;
 * cli_progress_end clears it. Quiet when stderr is piped or redirected.
 */
typedef struct {
	int on;
	const char *what;   /* translated label */
	double start, last; /* seconds */
	int drawn;
	int forced; /* $BONTOT_PROGRESS=1: every report drawn, terminal or not (for tests) */
} cli_progress;
void cli_progress_begin(cli_progress *p, const char *what);
void cli_progress_show(cli_progress *p, uint64_t count, uint64_t done, uint64_t total, const char *unit);
void cli_progress_end(cli_progress *p);
/* A bt_progress_fn for the store's long work (payload: a cli_progress). */
void cli_progress_store(const char *stage, uint64_t done, uint64_t total, void *payload);

/* Parse a line into a record, printing the error; NULL on failure. */
bt_record *cli_parse_record(const char *line);
/* Record one fact (new or correction) in the store; prints the result or the error. Returns an exit code. */
int cli_record(bt_store *s, const bt_record *rec, bt_record_mode mode);

#endif
