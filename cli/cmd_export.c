/* cmd_export.c - bontot export [FILE]: every current record as JSON Lines. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_file(const char *data, size_t len, void *payload)
{
	return fwrite(data, 1, len, (FILE *)payload) == len ? 0 : BT_EIO;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	int c, rc = CLI_FAIL;
	bt_store *s = NULL;
	FILE *f = NULL;
	char *tmp = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("Cách dùng: bontot [--db TỆP] export [TỆP_RA]\n\n"
			       "Xuất mọi bản ghi hiện hành (phiên bản mới nhất của mỗi bản ghi) theo định dạng\n"
			       "JSON Lines dùng cho import. Không có TỆP_RA thì in ra đầu ra chuẩn.\n"
			       "Tệp được ghi vào tệp tạm rồi đổi tên: không bao giờ để lại tệp dở dang.\n");
			return CLI_OK;
		}
		return cli_usage_error("export", "tùy chọn không hợp lệ");
	}
	if (argc - optind > 1)
		return cli_usage_error("export", "nhiều nhất một tệp ra");
	const char *path = optind < argc ? argv[optind] : NULL;
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	if (path) {
		size_t n = strlen(path) + 16;
		if (!(tmp = malloc(n)))
			goto done;
		snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
		if (!(f = fopen(tmp, "wb"))) {
			fprintf(stderr, "bontot: không ghi được %s: %s\n", tmp, strerror(errno));
			goto done;
		}
	}
	if (bt_store_export(s, write_file, f ? f : stdout) < 0) {
		cli_fail("xuất thất bại");
		goto done;
	}
	if (f) {
		if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0) {
			f = NULL;
			fprintf(stderr, "bontot: không ghi được %s: %s\n", tmp, strerror(errno));
			goto done;
		}
		f = NULL;
		if (rename(tmp, path) != 0) {
			fprintf(stderr, "bontot: không đổi tên %s thành %s: %s\n", tmp, path, strerror(errno));
			goto done;
		}
		fprintf(stderr, "Đã xuất ra %s.\n", path);
	} else if (fflush(stdout) != 0) {
		fprintf(stderr, "bontot: lỗi ghi đầu ra: %s\n", strerror(errno));
		goto done;
	}
	rc = CLI_OK;
done:
	if (f) {
		fclose(f);
		remove(tmp);
	} else if (tmp && rc != CLI_OK) {
		remove(tmp);
	}
	free(tmp);
	bt_store_free(s);
	return rc;
}
