/* cmd_import.c - bontot import FILE: all-or-nothing import of JSON Lines. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void help(void)
{
	printf("Cách dùng: bontot [--db TỆP] import [--check] TỆP\n\n"
	       "Nhập các bản ghi (JSON Lines, mỗi dòng một bản ghi, xem docs/format.md) vào kho.\n"
	       "Tất cả hoặc không gì cả: chỉ cần một dòng sai thì không ghi gì, và lỗi nêu rõ dòng,\n"
	       "trường sai. Nhập lại cùng bản ghi không thay đổi gì; bản ghi cùng mã nhưng khác nội\n"
	       "dung được ghi thành phiên bản mới (bản cũ vẫn giữ trong nhật ký).\n"
	       "Một bản ghi chỉ được nhắc tới chi bộ, đảng viên... đã khai báo ở dòng trước hoặc\n"
	       "đã có trong kho. TỆP là \"-\" thì đọc từ đầu vào chuẩn.\n\n"
	       "  --check   chỉ kiểm tra, không ghi gì\n");
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {{"check", no_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'}, {0}};
	int c, check = 0, rc = CLI_FAIL;
	bt_store *s = NULL;
	bt_import *imp = NULL;
	bt_import_stats stats;
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0;
	char ts[BT_TIMESTAMP_BYTES];
	struct stat sb;
	long long total = 0, done = 0;
	time_t last = time(NULL);

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': check = 1; break;
		case 'h': help(); return CLI_OK;
		default: return cli_usage_error("import", "tùy chọn không hợp lệ");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("import", "cần đúng một tệp");
	const char *path = argv[optind];
	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "bontot: không mở được tệp %s: %s\n", path, strerror(errno));
		return CLI_FAIL;
	}
	if (f != stdin && fstat(fileno(f), &sb) == 0)
		total = (long long)sb.st_size;
	if (cli_open_store(&s) < 0)
		goto done;
	cli_timestamp(ts);
	bt_import_opts io = BT_IMPORT_OPTS_INIT;
	io.timestamp = ts;
	io.author = cli_author();
	if (bt_import_begin(&imp, s, &io) < 0) {
		cli_fail("không bắt đầu nhập được");
		goto done;
	}
	int progress = isatty(fileno(stderr)) && total > 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) >= 0) {
		done += n;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if (bt_import_line(imp, line, (size_t)n) < 0) {
			if (progress)
				fprintf(stderr, "\r\033[K");
			fprintf(stderr, "bontot: nhập thất bại, không ghi gì vào kho.\n  %s: %s\n", path, bt_error_last());
			goto done;
		}
		if (progress && time(NULL) != last) {
			last = time(NULL);
			bt_import_get_stats(imp, &stats);
			fprintf(stderr, "\rĐang nhập %s: %zu dòng (%lld%%)", path, stats.lines, done * 100 / total);
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "bontot: lỗi đọc tệp %s: %s; không ghi gì vào kho.\n", path, strerror(errno));
		goto done;
	}
	if (progress)
		fprintf(stderr, "\r\033[K");
	if (check) {
		bt_import_get_stats(imp, &stats);
		printf("Kiểm tra %s: %zu bản ghi hợp lệ (thêm mới %zu, thay đổi %zu, không đổi %zu). Chưa ghi gì.\n", path,
		       stats.records, stats.added, stats.changed, stats.unchanged);
		rc = CLI_OK;
		goto done;
	}
	if (bt_import_commit(imp, &stats) < 0) {
		cli_fail("nhập thất bại, không ghi gì vào kho");
		goto done;
	}
	printf("Đã nhập %s: %zu bản ghi — thêm mới %zu, thay đổi %zu, không đổi %zu.\n", path, stats.records,
	       stats.added, stats.changed, stats.unchanged);
	if (stats.changed)
		printf("Các phiên bản cũ của %zu bản ghi thay đổi vẫn được giữ trong nhật ký.\n", stats.changed);
	rc = CLI_OK;
done:
	free(line);
	bt_import_free(imp);
	bt_store_free(s);
	if (f && f != stdin)
		fclose(f);
	return rc;
}
