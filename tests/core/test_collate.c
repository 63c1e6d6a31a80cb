/* test_collate.c - the Vietnamese order of names, against a list sorted by hand. */
#include "support.h"

#include <stdlib.h>
#include <string.h>

/*
 * Sorted by hand: by given name, then middle, then family; a < ă < â,
 * d < đ, o < ô < ơ, u < ư; tones ngang < huyền < hỏi < ngã < sắc < nặng.
 */
static const char *const sorted[] = {
	"Lê An",          /* given An, no middle name: first */
	"Trần Thị An",    /* middle Thị < Văn */
	"Dương Văn An",   /* family D < Đ */
	"Đỗ Văn An",
	"Nguyễn Văn An",
	"Lê Anh",         /* An < Anh (prefix) */
	"Phạm Thị Ánh",   /* same letters as Anh, tone sắc after ngang */
	"Hoàng Ăn",       /* a < ă */
	"Hoàng Ân",       /* ă < â */
	"Bùi Thị Bình",
	"Vũ Dũng",        /* u < ư */
	"Lý Văn Dương",
	"Ngô Đông",       /* d < đ */
	"Võ Ha",          /* tones: ngang, huyền, hỏi, ngã, sắc, nặng; a word's tone before the next word */
	"Đinh Thị Hà",
	"Võ Hả",
	"Võ Hã",
	"Võ Há",
	"Hồ Thị Hạ",
	"Đặng Hải",       /* ha < hai */
	"Phan Lộc",       /* ô < ơ */
	"Võ Lợi",
	"Trương Thị Vân", /* â < i */
	"Nguyễn Vinh",
	"Bùi Thị Yến",
};

static int cmp(const void *a, const void *b) { return bt_vi_name_compare(*(char *const *)a, *(char *const *)b); }

static void test_collate__a_hand_sorted_list(void)
{
	size_t n = sizeof(sorted) / sizeof(sorted[0]);
	for (size_t i = 0; i + 1 < n; i++) {
		if (bt_vi_name_compare(sorted[i], sorted[i + 1]) >= 0)
			fprintf(stderr, "not before: \"%s\" \"%s\"\n", sorted[i], sorted[i + 1]);
		CU_ASSERT(bt_vi_name_compare(sorted[i], sorted[i + 1]) < 0);
		CU_ASSERT(bt_vi_name_compare(sorted[i + 1], sorted[i]) > 0);
	}
	/* Shuffle (reverse and interleave) then sort: the hand order comes back. */
	const char *v[sizeof(sorted) / sizeof(sorted[0])];
	for (size_t i = 0; i < n; i++)
		v[i] = sorted[(i * 7) % n];
	qsort(v, n, sizeof(v[0]), cmp);
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_STRING_EQUAL(v[i], sorted[i]);
}

static void test_collate__decomposed_case_and_equality(void)
{
	/* "Nguyễn Văn Đông" composed vs decomposed: equal. */
	CU_ASSERT_EQUAL(bt_vi_name_compare("Nguy\xe1\xbb\x85n V\xc4\x83n \xc4\x90\xc3\xb4ng",
					   "Nguye\xcc\x82\xcc\x83n Va\xcc\x86n \xc4\x90o\xcc\x82ng"), 0);
	/* Case does not change the letter order. */
	CU_ASSERT(bt_vi_name_compare("an", "Bình") < 0);
	CU_ASSERT(bt_vi_name_compare("ĐÔNG", "dương") > 0);
	CU_ASSERT_EQUAL(bt_vi_name_compare("Lê An", "Lê An"), 0);
	CU_ASSERT(bt_vi_name_compare("", "An") < 0);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"a hand-sorted list", test_collate__a_hand_sorted_list},
		{"decomposed, case and equality", test_collate__decomposed_case_and_equality},
		CU_TEST_INFO_NULL};
	return bt_test_run("collate", tests);
}
