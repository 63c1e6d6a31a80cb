/* records_internal.h - internal: record parsing variants shared by core and storage. */
#ifndef BT_CORE_RECORDS_INTERNAL_H
#define BT_CORE_RECORDS_INTERNAL_H

#include "bontot/records.h"

/*
 * bt_record_parse, or with `merged` set the parse of a state merged from
 * several versions of a fact (docs/offline.md): rules that span fields two
 * devices may have changed separately (a speaker marked present) are not
 * checked here; the findings report them.
 */
int bt__record_parse(bt_record **out, const char *text, size_t len, int merged) BT_WARN_UNUSED;

/*
 * What a JSON parser's error means, in the messages' language: "a '{' is
 * missing at the start", "the line ends before the record is closed"...
 * (jansson's own text is English). Static or translated text.
 */
struct json_error_t;
const char *bt__json_error_text(const struct json_error_t *err);

#endif
