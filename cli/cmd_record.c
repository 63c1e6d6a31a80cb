/*
 * cmd_record.c - bontot record KIND FIELD=VALUE... and bontot correct KIND KEY
 * FIELD=VALUE...: record any fact (dues, targets, commitments, attestations,
 * the working regulation, discipline, holidays...) as one event, or correct
 * a recorded one. Values are typed by field (docs/format.md); the library
 * checks everything before anything is written.
 */
#include "cli.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const int_fields[] = {"year", "amount", NULL};
static const char *const tri_fields[] = {"done", "fulfilled", NULL};
static const char *const bool_fields[] = {"pass", "working", "regular", "thematic", "prepared", "resolution", "minutes", NULL};

static int in(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* Set field=value on obj with the type the format wants. Prints and returns -1 on a bad value. */
static int set_field(json_t *obj, const char *field, const char *value)
{
	json_t *v = NULL;
	if (strncmp(field, "att.", 4) == 0) {
		json_t *att = json_object_get(obj, "attendance");
		if (!att || !json_is_object(att)) {
			att = json_object();
			json_object_set_new(obj, "attendance", att);
		}
		return json_object_set_new(att, field + 4, json_string(value)) == 0 ? 0 : -1;
	}
	if (in(int_fields, field)) {
		char *end;
		errno = 0;
		long long x = strtoll(value, &end, 10);
		if (!*value || *end || errno) {
			fprintf(stderr, "bontot: %s=%s: cần một số nguyên\n", field, value);
			return -1;
		}
		v = json_integer(x);
	} else if (in(tri_fields, field) || in(bool_fields, field)) {
		if (!strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "có"))
			v = json_true();
		else if (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "không"))
			v = json_false();
		else if (in(tri_fields, field) && (!strcmp(value, "open") || !strcmp(value, "null")))
			v = json_null();
		else {
			fprintf(stderr, "bontot: %s=%s: cần yes hoặc no%s\n", field, value, in(tri_fields, field) ? " hoặc open" : "");
			return -1;
		}
	} else if (strcmp(field, "speakers") == 0) {
		v = json_array();
		for (const char *p = value; *p;) {
			const char *e = strchr(p, ',');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			if (len)
				json_array_append_new(v, json_stringn(p, len));
			p = e ? e + 1 : p + len;
		}
	} else if (!strcmp(value, "null") || !strcmp(value, "none") || !*value) {
		v = json_null();
	} else {
		v = json_string(value);
		if (!v) {
			fprintf(stderr, "bontot: %s: văn bản không phải UTF-8 hợp lệ\n", field);
			return -1;
		}
	}
	return json_object_set_new(obj, field, v) == 0 ? 0 : -1;
}

static void fields_help(const char *kind)
{
	static const struct {
		const char *kind, *fields;
	} k[] = {
		{"dues", "member=MÃ month=YYYY-MM amount=SỐ paid_on=YYYY-MM-DD"},
		{"target", "id=MÃ cell=CHI_BỘ year=NĂM title=\"...\" done=yes|no|open"},
		{"commitment", "id=MÃ member=MÃ year=NĂM title=\"...\" fulfilled=yes|no|open"},
		{"attestation", "subject=MÃ year=NĂM criterion=1.3|2.1|2.2|2.4 pass=yes|no note=\"...\""},
		{"regulation", "cell=CHI_BỘ issued=YYYY-MM-DD"},
		{"discipline", "member=MÃ date=YYYY-MM-DD form=\"khiển trách\""},
		{"exemption", "member=MÃ from=YYYY-MM-DD to=YYYY-MM-DD|none reason=\"...\""},
		{"holiday", "date=YYYY-MM-DD working=yes|no note=\"...\""},
		{"member", "id=MÃ cell=CHI_BỘ name=\"...\" born=... status=official|probationary role=... joined=... left=...|none"},
		{"meeting", "(dùng bontot meeting record) ... att.MÃ=present|excused|absent speakers=MÃ,MÃ"},
		{"cell", "id=MÃ committee=MÃ name=\"...\""},
		{"committee", "id=MÃ name=\"...\""},
	};
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (!kind || strcmp(kind, k[i].kind) == 0)
			printf("  %-12s %s\n", k[i].kind, k[i].fields);
}

static int help(const char *cmd)
{
	if (strcmp(cmd, "record") == 0)
		printf("Cách dùng: bontot [--db TỆP] record LOẠI TRƯỜNG=GIÁ_TRỊ...\n\n"
		       "Ghi một bản ghi mới (một sự kiện trong nhật ký). Mọi trường được kiểm tra trước khi ghi;\n"
		       "nếu đã có bản ghi cùng mã thì từ chối (dùng bontot correct để sửa).\n"
		       "Ví dụ: bontot record dues member=DV-01 month=2026-03 amount=20000 paid_on=2026-03-06\n\n"
		       "Các loại và trường:\n");
	else
		printf("Cách dùng: bontot [--db TỆP] correct LOẠI KHÓA TRƯỜNG=GIÁ_TRỊ...\n\n"
		       "Sửa một bản ghi đã ghi: ghi phiên bản mới thay thế phiên bản hiện hành, bản cũ vẫn giữ\n"
		       "trong nhật ký (bontot log). Chỉ những trường nêu ra được thay đổi. KHÓA là mã của bản\n"
		       "ghi (id), hoặc các phần của khóa nối bằng \"/\": dues MÃ_ĐV/YYYY-MM, exemption MÃ_ĐV/NGÀY,\n"
		       "regulation CHI_BỘ/NGÀY, discipline MÃ_ĐV/NGÀY, attestation ĐỐI_TƯỢNG/NĂM/TIÊU_CHÍ,\n"
		       "holiday NGÀY. Với buổi sinh hoạt: att.MÃ=present|excused|absent, speakers=MÃ,MÃ.\n"
		       "Ví dụ: bontot correct meeting CB-01-2026-03-06 att.DV-02=present end=21:30\n\n"
		       "Các loại và trường:\n");
	fields_help(NULL);
	return CLI_OK;
}

static bt_kind kind_of(const char *name)
{
	for (int k = 1; k <= BT_KIND_COUNT; k++)
		if (strcmp(bt_kind_name((bt_kind)k), name) == 0)
			return (bt_kind)k;
	return 0;
}

static int run(int argc, char **argv, int correct)
{
	const char *cmd = argv[0];
	bt_store *s = NULL;
	bt_record *cur = NULL, *r = NULL;
	json_t *obj = NULL;
	char key[512];
	int rc = CLI_FAIL, first = 2;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return help(cmd);
	if (argc < (correct ? 3 : 2))
		return cli_usage_error(cmd, correct ? "cần LOẠI, KHÓA và các TRƯỜNG=GIÁ_TRỊ" : "cần LOẠI và các TRƯỜNG=GIÁ_TRỊ");
	bt_kind kind = kind_of(argv[1]);
	if (!kind)
		return cli_usage_error(cmd, "không có loại bản ghi \"%s\"", argv[1]);
	if (argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
		fields_help(argv[1]);
		return CLI_OK;
	}
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	if (correct) {
		snprintf(key, sizeof(key), "%s", argv[2]);
		for (char *p = key; *p; p++)
			if (*p == '/')
				*p = '\t';
		if (bt_store_get(s, kind, key, &cur) < 0) {
			fprintf(stderr, "bontot: %s; không ghi gì.\n", bt_error_last());
			goto done;
		}
		obj = json_loads(cur->canonical, 0, NULL);
		first = 3;
	} else {
		obj = json_object();
		json_object_set_new(obj, "kind", json_string(argv[1]));
	}
	if (!obj) {
		fprintf(stderr, "bontot: hết bộ nhớ\n");
		goto done;
	}
	for (int i = first; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq || eq == argv[i]) {
			rc = cli_usage_error(cmd, "\"%s\" không có dạng TRƯỜNG=GIÁ_TRỊ", argv[i]);
			goto done;
		}
		*eq = '\0';
		if (strcmp(argv[i], "kind") == 0) {
			rc = cli_usage_error(cmd, "không đổi được loại bản ghi");
			goto done;
		}
		if (set_field(obj, argv[i], eq + 1) < 0) {
			rc = CLI_USAGE;
			goto done;
		}
	}
	char *line = json_dumps(obj, JSON_COMPACT);
	r = cli_parse_record(line);
	free(line);
	if (!r)
		goto done;
	if (correct && strcmp(r->key, cur->key) != 0) {
		fprintf(stderr, "bontot: không đổi được khóa của bản ghi (%s); không ghi gì.\n", cli_key(cur->key));
		goto done;
	}
	rc = cli_record(s, r, correct ? BT_RECORD_CORRECTION : BT_RECORD_NEW);
done:
	json_decref(obj);
	bt_record_free(r);
	bt_record_free(cur);
	bt_store_free(s);
	return rc;
}

int cmd_record(int argc, char **argv) { return run(argc, argv, 0); }
int cmd_correct(int argc, char **argv) { return run(argc, argv, 1); }
