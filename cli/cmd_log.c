/* cmd_log.c - bontot log: the history of the store, newest first, like git log. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static int print_entry(const bt_log_entry *e, void *payload)
{
	(void)payload;
	printf("sự kiện %lld  %s  %s  (%s #%lld)\n", (long long)e->id, e->ts, e->author, e->log, (long long)e->seq);
	if (e->supersedes)
		printf("    %s %s — sửa đổi, thay thế sự kiện %lld\n", bt_kind_name(e->kind), cli_key(e->key),
		       (long long)e->supersedes);
	else
		printf("    %s %s — ghi mới\n", bt_kind_name(e->kind), cli_key(e->key));
	printf("    %.*s\n\n", (int)e->rec_len, e->rec);
	return 0;
}

int cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {{"limit", required_argument, NULL, 'n'}, {"kind", required_argument, NULL, 'k'},
					     {"key", required_argument, NULL, 'K'},   {"help", no_argument, NULL, 'h'},
					     {0}};
	long limit = 20;
	const char *kind_arg = NULL, *key = NULL;
	bt_kind kind = 0;
	bt_store *s = NULL;
	int c, rc = CLI_FAIL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': limit = atol(optarg); break;
		case 'k': kind_arg = optarg; break;
		case 'K': key = optarg; break;
		case 'h':
			printf("Cách dùng: bontot [--db TỆP] log [-n SỐ] [--kind LOẠI --key MÃ]\n\n"
			       "Lịch sử ghi chép, mới nhất trước: khi nào, ai (thiết bị), ghi gì, và bản ghi sửa đổi\n"
			       "thay thế sự kiện nào. -n: số sự kiện (mặc định 20, 0 là tất cả). --kind và --key: chỉ\n"
			       "các phiên bản của một bản ghi, ví dụ --kind meeting --key CB-01-2026-03-06.\n");
			return CLI_OK;
		default: return cli_usage_error("log", "tùy chọn không hợp lệ");
		}
	}
	if (optind != argc)
		return cli_usage_error("log", "thừa tham số \"%s\"", argv[optind]);
	if (limit < 0)
		return cli_usage_error("log", "-n phải từ 0 trở lên");
	if ((kind_arg != NULL) != (key != NULL))
		return cli_usage_error("log", "--kind và --key đi cùng nhau");
	if (kind_arg) {
		for (int k = 1; k <= BT_KIND_COUNT; k++)
			if (strcmp(bt_kind_name((bt_kind)k), kind_arg) == 0)
				kind = (bt_kind)k;
		if (!kind)
			return cli_usage_error("log", "không có loại bản ghi \"%s\"", kind_arg);
	}
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	if (bt_store_log(s, limit, kind, key, print_entry, NULL) < 0)
		cli_fail("không đọc được nhật ký");
	else
		rc = CLI_OK;
	bt_store_free(s);
	return rc;
}
