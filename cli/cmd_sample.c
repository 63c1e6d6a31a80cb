/* cmd_sample.c - bontot sample: print a generated commune (JSON Lines) for demos and tests. */
#include "cli.h"
#include "generate.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static int write_line(const char *line, size_t len, void *payload)
{
	FILE *f = payload;
	if (fwrite(line, 1, len, f) != len || fputc('\n', f) == EOF)
		return BT_EIO;
	return 0;
}

int cmd_sample(int argc, char **argv)
{
	static const struct option opts[] = {{"cells", required_argument, NULL, 'c'}, {"members", required_argument, NULL, 'm'},
					     {"year", required_argument, NULL, 'y'},  {"seed", required_argument, NULL, 's'},
					     {"until", required_argument, NULL, 'u'}, {"uniform", no_argument, NULL, 'U'},
					     {"help", no_argument, NULL, 'h'},	      {0}};
	gen_opts g = {12, 15, 40, 2025, 1, 1, BT_DATE_NONE};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			g.cells = atoi(optarg);
			if (g.cells < 1 || g.cells > 100000)
				return cli_usage_error("sample", "--cells từ 1 đến 100000");
			break;
		case 'm':
			if (sscanf(optarg, "%d-%d", &g.min_members, &g.max_members) != 2) {
				g.min_members = g.max_members = atoi(optarg);
			}
			if (g.min_members < 1 || g.max_members > 500 || g.min_members > g.max_members)
				return cli_usage_error("sample", "--members N hoặc MIN-MAX, từ 1 đến 500");
			break;
		case 'y':
			if (cli_parse_year(optarg, &g.year) < 0 || g.year < 1950 || g.year > 2150)
				return cli_usage_error("sample", "năm không hợp lệ");
			break;
		case 's': g.seed = strtoull(optarg, NULL, 10); break;
		case 'u':
			if (bt_date_parse(&g.until, optarg, strlen(optarg)) < 0)
				return cli_usage_error("sample", "--until: %s", bt_error_last());
			break;
		case 'U': g.realistic = 0; break;
		case 'h':
			printf("Cách dùng: bontot sample [--cells N] [--members MIN-MAX] [--year NĂM] [--seed S] [--until NGÀY] [--uniform]\n\n"
			       "In ra (JSON Lines) dữ liệu mẫu của một xã: chi bộ, đảng viên, một năm sinh hoạt, điểm\n"
			       "danh, đảng phí, chỉ tiêu, đăng ký nêu gương, nhận xét nơi cư trú, với một số thiếu sót\n"
			       "thường gặp. Cùng tùy chọn luôn cho cùng dữ liệu. Dùng cho trình diễn và thử nghiệm.\n\n"
			       "  --cells N           số chi bộ (mặc định 12)\n"
			       "  --members MIN-MAX   số đảng viên mỗi chi bộ (mặc định 15-40)\n"
			       "  --year NĂM          năm (mặc định 2025)\n"
			       "  --seed S            hạt giống ngẫu nhiên (mặc định 1)\n"
			       "  --until NGÀY        không sinh bản ghi sau ngày này\n"
			       "  --uniform           khối lượng chuẩn cho đo hiệu năng: ai cũng dự họp, đóng đủ đảng phí\n");
			return CLI_OK;
		default: return cli_usage_error("sample", "tùy chọn không hợp lệ");
		}
	}
	if (optind != argc)
		return cli_usage_error("sample", "thừa tham số \"%s\"", argv[optind]);
	if (gen_commune(&g, write_line, stdout) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "bontot sample: lỗi ghi đầu ra\n");
		return CLI_FAIL;
	}
	return CLI_OK;
}
