/* util.c - helpers shared by the subcommands. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *cli_db_path = "bontot.db";
int cli_db_given = 0;

int cli_fail(const char *what)
{
	if (what)
		fprintf(stderr, "bontot: %s: %s\n", what, bt_error_last());
	else
		fprintf(stderr, "bontot: lỗi: %s\n", bt_error_last());
	return CLI_FAIL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "bontot %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nXem: bontot %s --help\n", cmd);
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
		cli_fail("không mở được kho dữ liệu");
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
		fprintf(stderr, "bontot: không có bộ quy tắc dựng sẵn \"%s\" và không đọc được tệp đó: %s\n"
				"        (bộ quy tắc dựng sẵn: KH-2023, HD42-2025)\n",
			arg, strerror(errno));
		return -1;
	}
	int err = bt_rules_parse(out, data, len);
	free(data);
	if (err < 0) {
		fprintf(stderr, "bontot: tệp quy tắc %s: %s\n", arg, bt_error_last());
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

void cli_format_date_vi(char out[16], bt_date d)
{
	int y, m, day;
	bt_date_to_ymd(d, &y, &m, &day);
	snprintf(out, 16, "%02d/%02d/%04d", day, m, y);
}
