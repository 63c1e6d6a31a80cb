/*
 * main.c - the bontot command: global options and the table of subcommands.
 * Each subcommand lives in cli/cmd_<name>.c and calls only the public API.
 */
#include "cli.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

int cmd_init(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_evaluate(int argc, char **argv);
int cmd_rebuild(int argc, char **argv);
int cmd_lunar(int argc, char **argv);
int cmd_holidays(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_member(int argc, char **argv);
int cmd_meeting(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_correct(int argc, char **argv);
int cmd_dues(int argc, char **argv);
int cmd_status(int argc, char **argv);

static const cli_command commands[] = {
	{"init", cmd_init, "tạo kho dữ liệu mới"},
	{"import", cmd_import, "nhập bản ghi từ tệp JSON Lines (tất cả hoặc không gì cả)"},
	{"export", cmd_export, "xuất toàn bộ bản ghi hiện hành ra JSON Lines"},
	{"evaluate", cmd_evaluate, "đánh giá \"Chi bộ 4 tốt\", \"Đảng viên 4 tốt\" cho một năm"},
	{"member", cmd_member, "đảng viên: thêm, sửa, miễn sinh hoạt, danh sách"},
	{"meeting", cmd_meeting, "sinh hoạt chi bộ: lịch năm, ghi buổi họp, xem buổi họp"},
	{"status", cmd_status, "việc cần làm hôm nay: hạn sinh hoạt, đảng phí, vắng họp..."},
	{"dues", cmd_dues, "đảng phí: ghi cả tháng cho chi bộ (trừ những người nêu tên)"},
	{"record", cmd_record, "ghi một bản ghi bất kỳ: đảng phí, chỉ tiêu, đăng ký nêu gương, nhận xét..."},
	{"correct", cmd_correct, "sửa một bản ghi đã ghi (bản cũ vẫn giữ trong nhật ký)"},
	{"log", cmd_log, "lịch sử ghi chép (mới nhất trước), kể cả các bản đã sửa"},
	{"rebuild", cmd_rebuild, "kiểm tra nhật ký và dựng lại các bảng từ nhật ký"},
	{"lunar", cmd_lunar, "đổi ngày dương lịch sang âm lịch"},
	{"holidays", cmd_holidays, "liệt kê ngày nghỉ lễ, Tết của một năm"},
	{"sample", cmd_sample, "sinh dữ liệu mẫu của một xã (cho thử nghiệm, trình diễn)"},
};

static void usage(FILE *f)
{
	fprintf(f, "Cách dùng: bontot [--db TỆP] LỆNH [TÙY CHỌN...]\n\n"
		   "Ghi chép và đánh giá \"Chi bộ bốn tốt, Đảng viên bốn tốt\".\n\n"
		   "Các lệnh:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nTùy chọn chung:\n"
		   "  --db TỆP     kho dữ liệu (mặc định: $BONTOT_DB, nếu không có thì ./bontot.db)\n"
		   "  --help       hướng dẫn này; \"bontot LỆNH --help\" cho từng lệnh\n"
		   "  --version    phiên bản\n\n"
		   "Mã thoát: 0 thành công, 1 thất bại, 2 dùng sai lệnh.\n");
}

int main(int argc, char **argv)
{
	const char *env = getenv("BONTOT_DB");
	char **args;
	int n = 0;

	setlocale(LC_ALL, "");
	if (env && *env) {
		cli_db_path = env;
		cli_db_given = 1;
	}
	/* Global --db may stand anywhere before "--"; take it out of argv. */
	args = calloc((size_t)argc + 1, sizeof(char *));
	if (!args)
		return CLI_FAIL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				args[n++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--db") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "bontot: --db cần tên tệp\n");
				free(args);
				return CLI_USAGE;
			}
			cli_db_path = argv[++i];
			cli_db_given = 1;
			continue;
		}
		if (strncmp(argv[i], "--db=", 5) == 0) {
			cli_db_path = argv[i] + 5;
			cli_db_given = 1;
			continue;
		}
		args[n++] = argv[i];
	}
	int rc = CLI_USAGE;
	if (n < 2) {
		usage(stderr);
	} else if (strcmp(args[1], "--help") == 0 || strcmp(args[1], "-h") == 0 || strcmp(args[1], "help") == 0) {
		usage(stdout);
		rc = CLI_OK;
	} else if (strcmp(args[1], "--version") == 0) {
		printf("bontot %s\n", BT_VERSION);
		rc = CLI_OK;
	} else {
		size_t i;
		for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (strcmp(args[1], commands[i].name) == 0)
				break;
		if (i == sizeof(commands) / sizeof(commands[0])) {
			fprintf(stderr, "bontot: không có lệnh \"%s\"\n\n", args[1]);
			usage(stderr);
		} else {
			rc = commands[i].run(n - 1, args + 1);
		}
	}
	free(args);
	return rc;
}
