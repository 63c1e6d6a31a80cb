/* util.c - helpers shared by the subcommands. */
#define _DEFAULT_SOURCE /* timegm */
#include "cli.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *cli_db_path = "bontot.db";
int cli_db_given = 0;

int cli_fail(const char *what)
{
	if (what)
		fprintf(stderr, "bontot: %s: %s\n", what, bt_error_last());
	else
		fprintf(stderr, _("bontot: error: %s\n"), bt_error_last());
	return CLI_FAIL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "bontot %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, _("\nSee: bontot %s --help\n"), cmd);
	return CLI_USAGE;
}

int cli_read_file(const char *path, char **data, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	if (!f)
		return -1;
	for (;;) {
		if (n + 65536 + 1 > cap) {
			cap = cap ? cap * 2 : 131072;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				if (f != stdin)
					fclose(f);
				errno = ENOMEM;
				return -1;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, 65536, f);
		n += r;
		if (r < 65536) {
			if (ferror(f)) {
				free(buf);
				if (f != stdin)
					fclose(f);
				return -1;
			}
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

bt_date cli_today(void)
{
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	return bt_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

void cli_timestamp(char out[BT_TIMESTAMP_BYTES])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, BT_TIMESTAMP_BYTES, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

const char *cli_author(void)
{
	const char *a = getenv("BONTOT_AUTHOR");
	if (!a || !*a)
		a = getenv("USER");
	return a && *a ? a : "bontot";
}

int cli_open_store(bt_store **out)
{
	if (bt_store_open(out, cli_db_path) < 0) {
		cli_fail(_("cannot open the store"));
		return -1;
	}
	return 0;
}

int cli_load_rules(bt_rules *out, const char *arg)
{
	char *data = NULL;
	size_t len = 0;
	if (!arg)
		arg = BT_RULES_DEFAULT;
	if (bt_rules_builtin(out, arg) == 0)
		return 0;
	if (cli_read_file(arg, &data, &len) < 0) {
		fprintf(stderr, _("bontot: no built-in rule set \"%s\" and cannot read that file: %s\n"
			"        (built-in rule sets: KH-2023, HD42-2025)\n"),
			arg, strerror(errno));
		return -1;
	}
	int err = bt_rules_parse(out, data, len);
	free(data);
	if (err < 0) {
		fprintf(stderr, _("bontot: rule file %s: %s\n"), arg, bt_error_last());
		return -1;
	}
	return 0;
}

int cli_parse_year(const char *s, int *year)
{
	char *end;
	long y = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || y < BT_DATE_MIN_YEAR || y > BT_DATE_MAX_YEAR)
		return -1;
	*year = (int)y;
	return 0;
}

void cli_pad(FILE *f, const char *s, size_t cols)
{
	fputs(s, f);
	for (size_t n = bt_text_width(s); n < cols; n++)
		fputc(' ', f);
}

int cli_date_arg(const char *cmd, const char *opt, const char *text, char iso[BT_DATE_STR_BYTES], bt_date *out)
{
	bt_date d;
	if (bt_date_parse_typed(&d, text) < 0)
		return cli_usage_error(cmd, "%s: %s", opt, bt_error_last());
	if (iso)
		bt_date_format(iso, d);
	if (out)
		*out = d;
	return 0;
}

int cli_month_arg(const char *cmd, const char *opt, const char *text, char iso[BT_MONTH_STR_BYTES], bt_month *out)
{
	bt_month m;
	if (bt_month_parse_typed(&m, text) < 0)
		return cli_usage_error(cmd, "%s: %s", opt, bt_error_last());
	if (iso)
		bt_month_format(iso, m);
	if (out)
		*out = m;
	return 0;
}

const char *cli_timestamp_vi(const char *ts)
{
	static char out[32];
	struct tm tm;
	int n = 0;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    ts[n] != '\0')
		return ts;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	if (!localtime_r(&t, &tm) || !strftime(out, sizeof(out), "%d/%m/%Y %H:%M:%S", &tm))
		return ts;
	return out;
}

void cli_format_date_vi(char out[16], bt_date d)
{
	int y, m, day;
	bt_date_to_ymd(d, &y, &m, &day);
	snprintf(out, 16, "%02d/%02d/%04d", day, m, y);
}

void cli_json_escape(char *out, size_t size, size_t *len, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = *len;
#define PUT(c)                                                                                                         \
	do {                                                                                                           \
		if (n + 1 < size)                                                                                      \
			out[n] = (c);                                                                                  \
		n++;                                                                                                   \
	} while (0)
	PUT('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			PUT('\\');
			PUT((char)c);
		} else if (c < 0x20) {
			PUT('\\');
			PUT('u');
			PUT('0');
			PUT('0');
			PUT(hex[c >> 4]);
			PUT(hex[c & 15]);
		} else {
			PUT((char)c);
		}
	}
	PUT('"');
#undef PUT
	if (n < size)
		out[n] = '\0';
	*len = n;
}

void cli_json_begin(cli_json *j, const char *kind)
{
	j->len = 0;
	j->first = 1;
	j->overflow = 0;
	j->buf[0] = '{';
	j->len = 1;
	cli_json_str(j, "kind", kind);
}

void cli_json_raw(cli_json *j, const char *key, const char *raw);

static void json_key(cli_json *j, const char *key)
{
	if (!j->first && j->len + 1 < sizeof(j->buf))
		j->buf[j->len++] = ',';
	j->first = 0;
	cli_json_escape(j->buf, sizeof(j->buf), &j->len, key);
	if (j->len + 1 < sizeof(j->buf))
		j->buf[j->len++] = ':';
}

void cli_json_str(cli_json *j, const char *key, const char *value)
{
	if (!value) {
		cli_json_raw(j, key, "null");
		return;
	}
	json_key(j, key);
	cli_json_escape(j->buf, sizeof(j->buf), &j->len, value);
	if (j->len >= sizeof(j->buf))
		j->overflow = 1;
}

void cli_json_raw(cli_json *j, const char *key, const char *raw)
{
	size_t n = strlen(raw);
	json_key(j, key);
	if (j->len + n < sizeof(j->buf)) {
		memcpy(j->buf + j->len, raw, n);
		j->len += n;
	} else {
		j->overflow = 1;
	}
}

const char *cli_json_end(cli_json *j)
{
	if (j->len + 2 >= sizeof(j->buf))
		j->overflow = 1;
	else {
		j->buf[j->len++] = '}';
		j->buf[j->len] = '\0';
	}
	return j->overflow ? NULL : j->buf;
}

const char *cli_key(const char *key)
{
	static char buf[512];
	size_t n = 0;
	for (const char *p = key; *p && n + 4 < sizeof(buf); p++) {
		if (*p == '\t') {
			memcpy(buf + n, " / ", 3);
			n += 3;
		} else {
			buf[n++] = *p;
		}
	}
	buf[n] = '\0';
	return buf;
}

bt_record *cli_parse_record(const char *line)
{
	bt_record *r = NULL;
	if (!line) {
		fprintf(stderr, _("bontot: record too long\n"));
		return NULL;
	}
	if (bt_record_parse(&r, line, strlen(line)) < 0) {
		fprintf(stderr, _("bontot: invalid data, nothing written: %s\n"), bt_error_last());
		return NULL;
	}
	return r;
}

int cli_record(bt_store *s, const bt_record *rec, bt_record_mode mode)
{
	char ts[BT_TIMESTAMP_BYTES];
	int64_t id = 0;
	bt_import_opts o = BT_IMPORT_OPTS_INIT;
	cli_timestamp(ts);
	o.timestamp = ts;
	o.author = cli_author();
	if (bt_store_record(s, rec, mode, &o, &id) < 0) {
		fprintf(stderr, _("bontot: nothing written: %s\n"), bt_error_last());
		return CLI_FAIL;
	}
	if (mode == BT_RECORD_CORRECTION && id == 0)
		printf(_("Nothing changed: %s \"%s\" is already so.\n"), bt_kind_title(rec->kind), cli_key(rec->key));
	else if (mode == BT_RECORD_CORRECTION)
		printf(_("Recorded a correction of %s \"%s\" (event %lld); the old version stays in the log.\n"),
		       bt_kind_title(rec->kind), cli_key(rec->key), (long long)id);
	else
		printf(_("Recorded %s \"%s\" (event %lld).\n"), bt_kind_title(rec->kind), cli_key(rec->key), (long long)id);
	return CLI_OK;
}

int cli_list_next(const char **p, char *item, size_t size)
{
	while (*p && **p) {
		const char *s = *p, *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		*p = e ? e + 1 : s + len;
		while (len && *s == ' ')
			s++, len--;
		while (len && s[len - 1] == ' ')
			len--;
		if (!len)
			continue;
		snprintf(item, size, "%.*s", (int)(len < size ? len : size - 1), s);
		return 1;
	}
	return 0;
}

int cli_list_contains(const char *list, const char *id)
{
	char item[256];
	for (const char *p = list; cli_list_next(&p, item, sizeof(item));)
		if (strcmp(item, id) == 0)
			return 1;
	return 0;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_begin(cli_progress *p, const char *what)
{
	const char *force = getenv("BONTOT_PROGRESS"); /* "1": draw every report, even when stderr is not a terminal (tests) */
	memset(p, 0, sizeof(*p));
	p->forced = force && strcmp(force, "1") == 0;
	p->on = isatty(STDERR_FILENO) || p->forced;
	p->what = what;
	p->start = p->last = now_seconds();
}

void cli_progress_show(cli_progress *p, uint64_t count, uint64_t done, uint64_t total, const char *unit)
{
	double t;
	if (!p->on || ((t = now_seconds()) - p->last < 1.0 && !(done == total && p->drawn) && !p->forced))
		return;
	p->last = t;
	p->drawn = 1;
	double rate = t > p->start ? (double)count / (t - p->start) : 0;
	fprintf(stderr, "\r\033[K%s: %llu %s", p->what, (unsigned long long)count, unit);
	if (total)
		fprintf(stderr, " (%llu%%)", (unsigned long long)(done * 100 / total));
	fprintf(stderr, ", %.0f/s", rate);
	fflush(stderr);
}

void cli_progress_end(cli_progress *p)
{
	if (p->on && p->drawn)
		fprintf(stderr, "\r\033[K");
	p->drawn = 0;
}

void cli_progress_store(const char *stage, uint64_t done, uint64_t total, void *payload)
{
	cli_progress *p = payload;
	if (strcmp(stage, "findings") == 0)
		p->what = _("Checking the findings of the cells");
	cli_progress_show(p, done, done, total, strcmp(stage, "findings") == 0 ? _("cells") : strcmp(stage, "rebuild") == 0 ? _("events") : _("records"));
}

int cli_json_print(json_t *value)
{
	if (!value || json_dumpf(value, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 || fputc('\n', stdout) == EOF) {
		fprintf(stderr, _("bontot: error writing the output: %s\n"), strerror(errno ? errno : ENOMEM));
		return CLI_FAIL;
	}
	return CLI_OK;
}

/* Edit distance between two short ASCII words (a swap of two letters counts one). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[32][32];
	if (la > 30 || lb > 30)
		return (size_t)-1;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

const char *cli_nearest(const char *typed, const char *const *names)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	for (const char *const *n = names; *n; n++) {
		size_t d = distance(typed, *n);
		if (strlen(typed) >= 3 && strncmp(typed, *n, strlen(typed)) == 0)
			d = 1; /* a prefix: "meet" */
		if (d < best_d) {
			best_d = d;
			best = *n;
		}
	}
	return best && best_d <= (strlen(typed) > 4 ? 2u : 1u) ? best : NULL;
}

int cli_no_subcommand(const char *cmd, const char *typed, const char *const *names)
{
	char list[256];
	size_t n = 0;
	list[0] = '\0';
	for (const char *const *p = names; *p; p++)
		n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s%s", p == names ? "" : ", ", *p);
	const char *near = cli_nearest(typed, names);
	if (near)
		return cli_usage_error(cmd, _("no subcommand \"%s\" (%s). Did you mean \"%s\"?"), typed, list, near);
	return cli_usage_error(cmd, _("no subcommand \"%s\" (%s)"), typed, list);
}
