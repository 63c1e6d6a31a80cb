/*
 * test_records.c - parsing, validation and canonical bytes of interchange
 * records, and the event envelope.
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

static bt_record *parse_ok(const char *line)
{
	bt_record *r = NULL;
	int err = bt_record_parse(&r, line, strlen(line));
	if (err)
		fprintf(stderr, "unexpected refusal: %s\n  %s\n", bt_error_last(), line);
	CU_ASSERT_EQUAL_FATAL(err, 0);
	return r;
}

/* The line is refused and the message names `field`. */
static void refused(const char *line, const char *field)
{
	bt_record *r = NULL;
	int err = bt_record_parse(&r, line, strlen(line));
	CU_ASSERT_EQUAL(err, BT_EINVALID);
	CU_ASSERT_PTR_NULL(r);
	if (field && !strstr(bt_error_last(), field)) {
		fprintf(stderr, "message \"%s\" does not name %s\n", bt_error_last(), field);
		CU_FAIL("message does not name the field");
	}
}

static const char *const M =
	"{\"kind\":\"meeting\",\"id\":\"M-01\",\"cell\":\"CB-01\",\"date\":\"2026-03-06\",\"start\":\"19:30\","
	"\"end\":\"21:05\",\"regular\":true,\"thematic\":true,\"prepared\":true,\"resolution\":true,\"minutes\":true,"
	"\"attendance\":{\"DV-002\":\"excused\",\"DV-001\":\"present\"},\"speakers\":[\"DV-001\",\"DV-001\"]}";

static void test_records__every_kind_of_the_spec_parses(void)
{
	const char *lines[] = {
		"{\"kind\":\"committee\",\"id\":\"DU-01\",\"name\":\"Đảng ủy xã Tân Phong\"}",
		"{\"kind\":\"cell\",\"id\":\"CB-01\",\"committee\":\"DU-01\",\"name\":\"Chi bộ thôn Phú Lộc\"}",
		"{\"kind\":\"member\",\"id\":\"DV-001\",\"cell\":\"CB-01\",\"name\":\"Nguyễn Văn An\",\"born\":\"1968-04-12\",\"status\":\"official\",\"role\":\"secretary\",\"joined\":\"1995-05-19\"}",
		"{\"kind\":\"member\",\"id\":\"DV-002\",\"cell\":\"CB-01\",\"name\":\"Trần Thị Bình\",\"status\":\"probationary\",\"role\":\"member\",\"joined\":\"2026-07-01\",\"left\":null}",
		"{\"kind\":\"exemption\",\"member\":\"DV-009\",\"from\":\"2025-01-01\",\"to\":null,\"reason\":\"tuổi cao\"}",
		M,
		"{\"kind\":\"dues\",\"member\":\"DV-001\",\"month\":\"2026-03\",\"amount\":20000,\"paid_on\":\"2026-03-06\"}",
		"{\"kind\":\"target\",\"id\":\"T-01-2026-1\",\"cell\":\"CB-01\",\"year\":2026,\"title\":\"…\",\"done\":true}",
		"{\"kind\":\"regulation\",\"cell\":\"CB-01\",\"issued\":\"2025-01-15\"}",
		"{\"kind\":\"commitment\",\"id\":\"C-001-2026\",\"member\":\"DV-001\",\"year\":2026,\"title\":\"…\",\"fulfilled\":true}",
		"{\"kind\":\"discipline\",\"member\":\"DV-003\",\"date\":\"2026-05-02\",\"form\":\"khiển trách\"}",
		"{\"kind\":\"attestation\",\"subject\":\"DV-001\",\"year\":2026,\"criterion\":\"2.4\",\"pass\":true,\"note\":\"…\"}",
		"{\"kind\":\"holiday\",\"date\":\"2026-02-16\",\"working\":false,\"note\":\"…\"}",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		bt_record_free(parse_ok(lines[i]));
}

static void test_records__meeting_fields_and_canonical_bytes(void)
{
	bt_record *r = parse_ok(M);
	CU_ASSERT_EQUAL(r->kind, BT_KIND_MEETING);
	CU_ASSERT_EQUAL(r->start_minute, 19 * 60 + 30);
	CU_ASSERT_EQUAL(r->end_minute, 21 * 60 + 5);
	CU_ASSERT_EQUAL(r->flags, 0x1fu);
	CU_ASSERT_EQUAL(r->n_attendance, 2);
	CU_ASSERT_STRING_EQUAL(r->attendance[0].member, "DV-001");
	CU_ASSERT_EQUAL(r->n_speakers, 1); /* listed twice, spoke once */
	CU_ASSERT_STRING_EQUAL(r->canonical,
			       "{\"attendance\":{\"DV-001\":\"present\",\"DV-002\":\"excused\"},\"cell\":\"CB-01\",\"date\":"
			       "\"2026-03-06\",\"end\":\"21:05\",\"id\":\"M-01\",\"kind\":\"meeting\",\"minutes\":true,"
			       "\"prepared\":true,\"regular\":true,\"resolution\":true,\"speakers\":[\"DV-001\"],\"start\":"
			       "\"19:30\",\"thematic\":true}");
	CU_ASSERT_STRING_EQUAL(r->key, "M-01");
	/* The canonical bytes parse back to themselves. */
	bt_record *again = parse_ok(r->canonical);
	CU_ASSERT_STRING_EQUAL(again->canonical, r->canonical);
	bt_record_free(again);
	bt_record_free(r);
}

static void test_records__same_fact_same_bytes_whatever_order_or_absent_nulls(void)
{
	bt_record *a = parse_ok("{\"kind\":\"member\",\"id\":\"X\",\"cell\":\"C\",\"name\":\"An\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\"}");
	bt_record *b = parse_ok("{\"joined\":\"2000-01-01\",\"left\":null,\"born\":null,\"role\":\"member\",\"status\":\"official\",\"name\":\"An\",\"cell\":\"C\",\"id\":\"X\",\"kind\":\"member\"}");
	CU_ASSERT_STRING_EQUAL(a->canonical, b->canonical);
	bt_record_free(a);
	bt_record_free(b);
}

/* "Nguyễn" typed in decomposed form (e + circumflex + tilde) matches its composed twin. */
static void test_records__text_is_normalised_to_nfc(void)
{
	bt_record *composed = parse_ok("{\"kind\":\"committee\",\"id\":\"D\",\"name\":\"Nguy\xe1\xbb\x85n\"}");
	bt_record *decomposed = parse_ok("{\"kind\":\"committee\",\"id\":\"D\",\"name\":\"Nguye\xcc\x82\xcc\x83n\"}");
	CU_ASSERT_STRING_EQUAL(decomposed->name, "Nguyễn");
	CU_ASSERT_STRING_EQUAL(composed->canonical, decomposed->canonical);
	/* Also through \u escapes. */
	bt_record *escaped = parse_ok("{\"kind\":\"committee\",\"id\":\"D\",\"name\":\"Nguye\\u0302\\u0303n\"}");
	CU_ASSERT_STRING_EQUAL(escaped->canonical, composed->canonical);
	bt_record_free(composed);
	bt_record_free(decomposed);
	bt_record_free(escaped);
}

static void test_records__bad_lines_are_refused_naming_the_field(void)
{
	refused("{\"kind\":\"meeting\",\"id\":\"M\",\"cell\":\"C\",\"date\":\"2026-03-06\",\"start\":\"21:00\",\"end\":\"19:30\",\"attendance\":{}}", "\"end\"");
	refused("{\"kind\":\"meeting\",\"id\":\"M\",\"cell\":\"C\",\"date\":\"2026-03-06\",\"start\":\"19:30\",\"end\":\"19:30\",\"attendance\":{}}", "\"end\"");
	refused("{\"kind\":\"meeting\",\"id\":\"M\",\"cell\":\"C\",\"date\":\"2026-02-30\",\"start\":\"19:30\",\"end\":\"21:00\",\"attendance\":{}}", "\"date\"");
	refused("{\"kind\":\"meeting\",\"id\":\"M\",\"cell\":\"C\",\"date\":\"2026-03-06\",\"start\":\"24:00\",\"end\":\"21:00\",\"attendance\":{}}", "\"start\"");
	refused("{\"kind\":\"meeting\",\"id\":\"M\",\"cell\":\"C\",\"date\":\"2026-03-06\",\"start\":\"19:30\",\"end\":\"21:00\",\"attendance\":{\"A\":\"late\"}}", "\"attendance\"");
	refused("{\"kind\":\"meeting\",\"id\":\"M\",\"cell\":\"C\",\"date\":\"2026-03-06\",\"start\":\"19:30\",\"end\":\"21:00\",\"attendance\":{\"A\":\"excused\"},\"speakers\":[\"A\"]}", "\"speakers\"");
	refused("{\"kind\":\"meeting\",\"id\":\"M\",\"cell\":\"C\",\"date\":\"2026-03-06\",\"start\":\"19:30\",\"end\":\"21:00\"}", "\"attendance\"");
	refused("{\"kind\":\"meeting\",\"id\":\"M\",\"cell\":\"C\",\"date\":\"2026-03-06\",\"start\":\"19:30\",\"end\":\"21:00\",\"attendance\":{},\"regular\":\"yes\"}", "\"regular\"");
	refused("{\"kind\":\"meating\",\"id\":\"M\"}", "\"kind\"");
	refused("{\"id\":\"M\"}", "\"kind\"");
	refused("{\"kind\":\"committee\",\"id\":\"D\",\"name\":\"x\",\"nmae\":\"y\"}", "\"nmae\"");
	refused("{\"kind\":\"committee\",\"id\":\"D\",\"name\":\"\"}", "\"name\"");
	refused("{\"kind\":\"committee\",\"id\":\"D\\tE\",\"name\":\"x\"}", "\"id\"");
	refused("{\"kind\":\"committee\",\"id\":\"D\",\"name\":\"a\\u0001b\"}", "\"name\"");
	refused("{\"kind\":\"committee\",\"id\":\"D\",\"id\":\"E\",\"name\":\"x\"}", NULL);
	refused("{\"kind\":\"dues\",\"member\":\"A\",\"month\":\"2026-13\",\"amount\":1,\"paid_on\":\"2026-01-01\"}", "\"month\"");
	refused("{\"kind\":\"dues\",\"member\":\"A\",\"month\":\"2026-01\",\"amount\":1.5,\"paid_on\":\"2026-01-01\"}", "\"amount\"");
	refused("{\"kind\":\"dues\",\"member\":\"A\",\"month\":\"2026-01\",\"amount\":-1,\"paid_on\":\"2026-01-01\"}", "\"amount\"");
	refused("{\"kind\":\"member\",\"id\":\"X\",\"cell\":\"C\",\"name\":\"An\",\"status\":\"chính thức\",\"role\":\"member\",\"joined\":\"2000-01-01\"}", "\"status\"");
	refused("{\"kind\":\"member\",\"id\":\"X\",\"cell\":\"C\",\"name\":\"An\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\",\"left\":\"1999-01-01\"}", "\"left\"");
	refused("{\"kind\":\"exemption\",\"member\":\"A\",\"from\":\"2026-01-01\",\"to\":\"2025-01-01\"}", "\"to\"");
	refused("{\"kind\":\"attestation\",\"subject\":\"A\",\"year\":2026,\"criterion\":\"2.3\",\"pass\":true}", "\"criterion\"");
	refused("{\"kind\":\"target\",\"id\":\"T\",\"cell\":\"C\",\"year\":2026,\"title\":\"x\",\"done\":\"yes\"}", "\"done\"");
	refused("{\"kind\":\"holiday\",\"date\":\"2026-01-10\"}", "\"working\"");
	refused("not json", NULL);
	refused("[1,2]", NULL);
	refused("{\"kind\":\"committee\",\"id\":\"D\",\"name\":\"\xff\xfe\"}", NULL);
}

static void test_event__encode_decode_and_tampering(void)
{
	bt_record *r = parse_ok("{\"kind\":\"committee\",\"id\":\"DU\",\"name\":\"Đảng ủy \\\"xã\\\"\"}");
	uint8_t prev[BT_HASH_BYTES];
	bt_buf b;
	bt_event ev;
	memset(prev, 0xab, sizeof(prev));
	bt_buf_init(&b, 0);
	CU_ASSERT_EQUAL_FATAL(bt_event_encode(&b, "tablet-1", 7, prev, "2026-11-30T08:00:00Z", "Bí thư", NULL, 0, r), 0);
	CU_ASSERT(strncmp(b.data, "{\"v\":2,\"log\":\"tablet-1\",\"seq\":7,\"prev\":\"abab", 44) == 0);
	CU_ASSERT_EQUAL_FATAL(bt_event_decode(&ev, (const uint8_t *)b.data, b.len), 0);
	CU_ASSERT_STRING_EQUAL(ev.log, "tablet-1");
	CU_ASSERT_EQUAL(ev.seq, 7);
	CU_ASSERT_EQUAL(memcmp(ev.prev, prev, sizeof(prev)), 0);
	CU_ASSERT_STRING_EQUAL(ev.author, "Bí thư");
	CU_ASSERT_STRING_EQUAL(ev.rec->canonical, r->canonical);
	bt_event_clear(&ev);
	/* Flip each byte in turn: every change is refused or changes the hash. */
	uint8_t h0[BT_HASH_BYTES];
	CU_ASSERT_EQUAL_FATAL(bt_event_decode(&ev, (const uint8_t *)b.data, b.len), 0);
	memcpy(h0, ev.hash, sizeof(h0));
	bt_event_clear(&ev);
	for (size_t i = 0; i < b.len; i++) {
		b.data[i] ^= 0x01;
		int err = bt_event_decode(&ev, (const uint8_t *)b.data, b.len);
		CU_ASSERT(err == BT_ECORRUPT || (err == 0 && memcmp(ev.hash, h0, sizeof(h0)) != 0));
		if (err == 0)
			bt_event_clear(&ev);
		b.data[i] ^= 0x01;
	}
	/* A second encoding of the same event (a space) is refused. */
	char *spaced = malloc(b.len + 2);
	memcpy(spaced, b.data, 6);
	spaced[6] = ' ';
	memcpy(spaced + 7, b.data + 6, b.len - 6);
	CU_ASSERT_EQUAL(bt_event_decode(&ev, (const uint8_t *)spaced, b.len + 1), BT_ECORRUPT);
	free(spaced);
	/* Truncated. */
	CU_ASSERT_EQUAL(bt_event_decode(&ev, (const uint8_t *)b.data, b.len - 1), BT_ECORRUPT);
	CU_ASSERT_EQUAL(bt_event_encode(&b, "bad log", 1, prev, "2026-11-30T08:00:00Z", "x", NULL, 0, r), BT_EINVALID);
	CU_ASSERT_EQUAL(bt_event_encode(&b, "log", 1, prev, "2026-11-30 08:00:00", "x", NULL, 0, r), BT_EINVALID);
	bt_buf_free(&b);
	bt_record_free(r);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"every kind of the format parses", test_records__every_kind_of_the_spec_parses},
		{"meeting fields and canonical bytes", test_records__meeting_fields_and_canonical_bytes},
		{"same fact, same bytes, whatever order or absent nulls", test_records__same_fact_same_bytes_whatever_order_or_absent_nulls},
		{"text is normalised to NFC", test_records__text_is_normalised_to_nfc},
		{"bad lines are refused naming the field", test_records__bad_lines_are_refused_naming_the_field},
		{"event: encode, decode and tampering", test_event__encode_decode_and_tampering},
		CU_TEST_INFO_NULL};
	return bt_test_run("records", tests);
}
