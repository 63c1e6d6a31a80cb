/*
 * rules.c - built-in rule sets and the rule-set file parser (docs/rules.md).
 */
#include "bontot/rules.h"
#include "bontot/eval.h"
#include "buf.h"
#include "error.h"
#include "i18n.h"
#include "records_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const bt_rules kh2023 = {
	.id = "KH-2023",
	.version = 1,
	.title = "Kế hoạch \"Chi bộ bốn tốt, Đảng viên bốn tốt\" của Đảng ủy xã (2023)",
	.window_first_day = 5,
	.window_last_day = 10,
	.extend_window = 1,
	.thematic_per_quarter = 1,
	.attendance_min_percent = 85,
	.max_consecutive_excused = 3,
	.min_duration_minutes = 90,
	.min_duration_both_minutes = 90,
	.speakers_numerator = 1,
	.speakers_denominator = 3,
	.require_prepared = 1,
	.require_resolution = 1,
	.require_minutes = 1,
	.four_good_min_percent = 50,
};

static bt_rules hd42(void)
{
	bt_rules r = kh2023;
	snprintf(r.id, sizeof(r.id), "HD42-2025");
	snprintf(r.title, sizeof(r.title), "KH-2023 bổ sung theo Hướng dẫn 42-HD/BTCTW (10/2025)");
	r.min_duration_both_minutes = 120;
	return r;
}

static const char *const names[] = {"KH-2023", "HD42-2025", NULL};

const char *const *bt_rules_builtin_names(void) { return names; }

int bt_rules_builtin(bt_rules *out, const char *id)
{
	if (!id || strcmp(id, "KH-2023") == 0) {
		*out = kh2023;
		return 0;
	}
	if (strcmp(id, "HD42-2025") == 0) {
		*out = hd42();
		return 0;
	}
	return bt__error_set(BT_ENOTFOUND, BT_("no rule set \"%.60s\" (built in: KH-2023, HD42-2025)"), id);
}

void bt_rules_label(char *out, size_t out_size, const bt_rules *r)
{
	snprintf(out, out_size, "%s.%d", r->id, r->version);
}

typedef struct {
	const char *name;
	size_t offset;
	int lo, hi;
} int_field;

#define F(n, lo, hi) {#n, offsetof(bt_rules, n), lo, hi}
static const int_field int_fields[] = {
	F(version, 1, 1000000),
	F(window_first_day, 1, 28),
	F(window_last_day, 1, 28),
	F(extend_window, 0, 1),
	F(thematic_per_quarter, 0, 3),
	F(attendance_min_percent, 0, 100),
	F(max_consecutive_excused, 2, 100),
	F(min_duration_minutes, 0, 1440),
	F(min_duration_both_minutes, 0, 1440),
	F(speakers_numerator, 0, 100),
	F(speakers_denominator, 1, 100),
	F(require_prepared, 0, 1),
	F(require_resolution, 0, 1),
	F(require_minutes, 0, 1),
	F(four_good_min_percent, 0, 100),
};
#undef F

int bt_rules_parse(bt_rules *out, const char *json, size_t len)
{
	json_error_t jerr;
	json_t *obj = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr), *v;
	const char *key;
	bt_rules r = kh2023;
	int err = 0;

	if (!obj || !json_is_object(obj)) {
		err = bt__error_set(BT_EINVALID, BT_("rule set: not a valid JSON object (line %d: %s)"), jerr.line,
				    obj ? BT_("an object is needed") : bt__json_error_text(&jerr));
		goto done;
	}
	v = json_object_get(obj, "id");
	if (!v || !json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= sizeof(r.id)) {
		err = bt__error_set(BT_EINVALID, BT_("rule set: field \"id\": required, a string shorter than %zu bytes"),
				    sizeof(r.id));
		goto done;
	}
	snprintf(r.id, sizeof(r.id), "%s", json_string_value(v));
	for (const char *const *b = names; *b; b++)
		if (strcmp(r.id, *b) == 0) {
			/* A file may not pass itself off as a built-in rule set. */
			err = bt__error_set(BT_EINVALID, BT_("rule set: field \"id\": \"%s\" is the name of a built-in rule set, choose another"),
					    r.id);
			goto done;
		}
	if (!json_object_get(obj, "version")) {
		err = bt__error_set(BT_EINVALID, BT_("rule set: field \"version\": required"));
		goto done;
	}
	r.title[0] = '\0';
	json_object_foreach(obj, key, v)
	{
		size_t i;
		if (strcmp(key, "id") == 0)
			continue;
		if (strcmp(key, "title") == 0) {
			if (!json_is_string(v)) {
				err = bt__error_set(BT_EINVALID, BT_("rule set: field \"title\": must be a string"));
				goto done;
			}
			bt__copy_utf8(r.title, sizeof(r.title), json_string_value(v));
			continue;
		}
		for (i = 0; i < sizeof(int_fields) / sizeof(int_fields[0]); i++)
			if (strcmp(key, int_fields[i].name) == 0)
				break;
		if (i == sizeof(int_fields) / sizeof(int_fields[0])) {
			err = bt__error_set(BT_EINVALID, BT_("rule set: unknown field \"%.40s\""), key);
			goto done;
		}
		int x;
		if (json_is_boolean(v) && int_fields[i].hi == 1)
			x = json_is_true(v);
		else if (json_is_integer(v) && json_integer_value(v) >= int_fields[i].lo &&
			 json_integer_value(v) <= int_fields[i].hi)
			x = (int)json_integer_value(v);
		else {
			err = bt__error_set(BT_EINVALID, BT_("rule set: field \"%s\": must be a whole number from %d to %d"), key,
					    int_fields[i].lo, int_fields[i].hi);
			goto done;
		}
		*(int *)((char *)&r + int_fields[i].offset) = x;
	}
	if (r.window_first_day > r.window_last_day) {
		err = bt__error_set(BT_EINVALID, BT_("rule set: window_first_day is after window_last_day"));
		goto done;
	}
	*out = r;
done:
	json_decref(obj);
	return err;
}

int bt_rules_json(bt_buf *out, const bt_rules *r)
{
	bt_buf_puts(out, "{\"id\":");
	bt_buf_json_string(out, r->id);
	bt_buf_puts(out, ",\"title\":");
	bt_buf_json_string(out, r->title);
	for (size_t i = 0; i < sizeof(int_fields) / sizeof(int_fields[0]); i++)
		bt_buf_printf(out, ",\"%s\":%d", int_fields[i].name, *(const int *)((const char *)r + int_fields[i].offset));
	bt_buf_puts(out, "}\n");
	return out->failed ? BT_ENOMEM : 0;
}
