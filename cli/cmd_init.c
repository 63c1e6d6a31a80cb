/* cmd_init.c - bontot init: create a new store. */
#include "cli.h"

#include <getopt.h>
#include <string.h>

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {{"log-id", required_argument, NULL, 'l'}, {"help", no_argument, NULL, 'h'}, {0}};
	bt_store_opts so = BT_STORE_OPTS_INIT;
	bt_store *s = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': so.log_id = optarg; break;
		case 'h':
			printf("Cách dùng: bontot [--db TỆP] init [--log-id MÃ]\n\n"
			       "Tạo kho dữ liệu mới, rỗng (không ghi đè tệp đã có).\n\n"
			       "  --log-id MÃ   mã nhật ký của kho này (chữ, số, - _ .); mặc định: ngẫu nhiên\n");
			return CLI_OK;
		default: return cli_usage_error("init", "tùy chọn không hợp lệ");
		}
	}
	if (optind != argc)
		return cli_usage_error("init", "thừa tham số \"%s\"", argv[optind]);
	if (bt_store_init(&s, cli_db_path, &so) < 0)
		return cli_fail("không tạo được kho dữ liệu");
	printf("Đã tạo kho dữ liệu %s (nhật ký %s).\n", cli_db_path, bt_store_log_id(s));
	bt_store_free(s);
	return CLI_OK;
}
