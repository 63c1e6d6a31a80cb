/*
 * bontot/rules.h - versioned rule sets: every number of the evaluation rules (docs/rules.md).
 *
 * Two rule sets are built in: "KH-2023" (the commune plan's own numbers, the
 * default) and "HD42-2025" (adds: a meeting both regular and thematic lasts at
 * least 120 minutes). Others load from a JSON file (docs/rules.md); every
 * evaluation names the rule set it used as "<id>.<version>".
 */
#ifndef BONTOT_RULES_H
#define BONTOT_RULES_H

#include "bontot/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
	char id[64];
	int version;
	char title[256];
	int window_first_day;          /* 5: a regular meeting from day 5 ... */
	int window_last_day;           /* 10: ... to day 10 of the month */
	int extend_window;             /* 1: extend over a non-working first/last day */
	int thematic_per_quarter;      /* 1 */
	int attendance_min_percent;    /* 85: present * 100 >= 85 * required */
	int max_consecutive_excused;   /* 3: excused from 3 meetings in a row fails */
	int min_duration_minutes;      /* 90 */
	int min_duration_both_minutes; /* regular and thematic at once: 90 (KH-2023), 120 (HD42-2025) */
	int speakers_numerator;        /* speakers * 3 >= present * 1 */
	int speakers_denominator;
	int require_prepared, require_resolution, require_minutes; /* 1 */
	int four_good_min_percent;     /* 50: four-good * 100 >= 50 * evaluated */
} bt_rules;

#define BT_RULES_DEFAULT "KH-2023"

/* Copy the built-in rule set `id` ("KH-2023", "HD42-2025") into *out. BT_ENOTFOUND if unknown. */
int bt_rules_builtin(bt_rules *out, const char *id) BT_WARN_UNUSED;

/* Names of the built-in rule sets, NULL-terminated. */
const char *const *bt_rules_builtin_names(void);

/*
 * Parse a rule set from JSON text (docs/rules.md). Fields not given take the
 * default rule set's value; "id" and "version" are required; unknown fields
 * and out-of-range numbers are refused (BT_EINVALID, naming the field).
 */
int bt_rules_parse(bt_rules *out, const char *json, size_t len) BT_WARN_UNUSED;

/* "<id>.<version>", the name an evaluation reports. */
void bt_rules_label(char *out, size_t out_size, const bt_rules *rules);

#ifdef __cplusplus
}
#endif
#endif
