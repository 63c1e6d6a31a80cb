/* cmd_rebuild.c - bontot rebuild: verify the log and replay it into fresh projections. */
#include "cli.h"

#include <getopt.h>
#include <string.h>

int cmd_rebuild(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	bt_store *s = NULL;
	bt_rebuild_stats st;
	int c, rc = CLI_FAIL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("Cách dùng: bontot [--db TỆP] rebuild\n\n"
			       "Kiểm tra toàn bộ nhật ký (mã băm từng sự kiện, chuỗi liên kết, dạng chuẩn), rồi\n"
			       "xóa và dựng lại mọi bảng từ nhật ký. Nếu nhật ký hỏng thì báo lỗi và không đổi gì.\n"
			       "Cho biết các bảng dựng lại có trùng khớp với các bảng trước đó không.\n");
			return CLI_OK;
		}
		return cli_usage_error("rebuild", "tùy chọn không hợp lệ");
	}
	if (optind != argc)
		return cli_usage_error("rebuild", "thừa tham số \"%s\"", argv[optind]);
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	if (bt_store_rebuild(s, &st) < 0) {
		cli_fail("dựng lại thất bại, không thay đổi gì");
		goto done;
	}
	if (memcmp(st.before, st.after, sizeof(st.before)) == 0)
		printf("Đã kiểm tra và phát lại %zu sự kiện. Các bảng dựng lại trùng khớp hoàn toàn với trước.\n", st.events);
	else
		printf("Đã kiểm tra và phát lại %zu sự kiện. Các bảng trước đó KHÁC với nhật ký và đã được sửa lại theo "
		       "nhật ký.\n",
		       st.events);
	rc = CLI_OK;
done:
	bt_store_free(s);
	return rc;
}
