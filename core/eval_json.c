/*
 * eval_json.c - reason codes, their Vietnamese messages, and the JSON
 * encoding (docs/evaluation.md) of evaluation results.
 *
 * The encoding is written by hand (not through a JSON library) so that its
 * bytes are fixed by this file alone: keys in the order docs/evaluation.md gives,
 * no spaces, strings escaped as in record.c, integers in decimal. A reason
 * carries, in this order, code, meeting, member, month, quarter, value and
 * message; a field that does not apply is left out.
 */
#include "bontot/eval.h"
#include "bontot/findings.h"
#include "buf.h"
#include "error.h"

#include <stdio.h>
#include <string.h>

static const char *const code_names[BT_R_COUNT] = {
	"MEETING_MISSING",    "MEETING_OUT_OF_WINDOW", "THEMATIC_MISSING",       "ATTENDANCE_BELOW_MIN",
	"UNEXCUSED_ABSENCE",  "CONSECUTIVE_EXCUSED_ABSENCES", "DURATION_TOO_SHORT", "FEW_SPEAKERS",
	"PREPARATION_MISSING", "RESOLUTION_MISSING",   "MINUTES_MISSING",        "TARGETS_MISSING",
	"TARGET_NOT_DONE",    "REGULATION_MISSING",    "ATTESTED_FAIL",          "FOUR_GOOD_BELOW_HALF",
	"DISCIPLINED",        "COMMITMENT_MISSING",    "COMMITMENT_UNFULFILLED", "NEVER_SPOKE",
	"DUES_MISSING",       "ATTESTATION_MISSING"};

const char *bt_reason_code_name(bt_reason_code code)
{
	return (code >= 0 && code < BT_R_COUNT) ? code_names[code] : NULL;
}

void bt_reason_message(char *out, size_t size, const bt_reason *r)
{
	char d[16] = "", m[16] = "";
	if (r->date != BT_DATE_NONE) {
		int y, mo, dd;
		bt_date_to_ymd(r->date, &y, &mo, &dd);
		snprintf(d, sizeof(d), "%02d/%02d/%04d", dd, mo, y);
	}
	if (r->month >= 0)
		snprintf(m, sizeof(m), "%02d/%04d", r->month % 12 + 1, r->month / 12);
	const char *who = r->member, *v = r->value;
	switch (r->code) {
	case BT_R_MEETING_MISSING: {
		/* value is the deadline, YYYY-MM-DD; shown dd/mm/yyyy. */
		char dl[16] = "";
		if (strlen(v) == 10)
			snprintf(dl, sizeof(dl), "%.2s/%.2s/%.4s", v + 8, v + 5, v);
		snprintf(out, size, "Tháng %s chưa có buổi sinh hoạt chi bộ định kỳ (hạn cuối %s)", m, dl);
		break;
	}
	case BT_R_MEETING_OUT_OF_WINDOW:
		snprintf(out, size, "Buổi sinh hoạt định kỳ ngày %s không nằm trong thời gian quy định của tháng", d);
		break;
	case BT_R_THEMATIC_MISSING:
		snprintf(out, size, "Quý %d/%d chưa có buổi sinh hoạt chuyên đề", r->quarter, r->quarter_year);
		break;
	case BT_R_ATTENDANCE_BELOW_MIN:
		snprintf(out, size, "Buổi sinh hoạt ngày %s: tỷ lệ đảng viên dự chưa đạt yêu cầu (%s)", d, v);
		break;
	case BT_R_UNEXCUSED_ABSENCE:
		snprintf(out, size, "Đảng viên %s vắng mặt không có lý do buổi sinh hoạt ngày %s", who, d);
		break;
	case BT_R_CONSECUTIVE_EXCUSED_ABSENCES:
		snprintf(out, size, "Đảng viên %s vắng mặt có lý do %s buổi sinh hoạt liên tiếp (đến buổi ngày %s)", who,
			 v, d);
		break;
	case BT_R_DURATION_TOO_SHORT:
		snprintf(out, size, "Buổi sinh hoạt ngày %s kéo dài chưa đủ thời gian (%s phút)", d, v);
		break;
	case BT_R_FEW_SPEAKERS:
		snprintf(out, size, "Buổi sinh hoạt ngày %s: ít đảng viên phát biểu ý kiến (%s người có mặt)", d, v);
		break;
	case BT_R_PREPARATION_MISSING:
		snprintf(out, size, "Buổi sinh hoạt ngày %s: chi ủy (bí thư, phó bí thư) chưa họp chuẩn bị nội dung", d);
		break;
	case BT_R_RESOLUTION_MISSING:
		snprintf(out, size, "Buổi sinh hoạt ngày %s: chưa ban hành được Nghị quyết", d);
		break;
	case BT_R_MINUTES_MISSING:
		snprintf(out, size, "Buổi sinh hoạt ngày %s: chưa ghi biên bản sinh hoạt chi bộ", d);
		break;
	case BT_R_TARGETS_MISSING:
		snprintf(out, size, "Chi bộ chưa có chỉ tiêu, nhiệm vụ nào cho năm");
		break;
	case BT_R_TARGET_NOT_DONE:
		snprintf(out, size, "Chỉ tiêu %s chưa hoàn thành", v);
		break;
	case BT_R_REGULATION_MISSING:
		snprintf(out, size, "Chi bộ chưa ban hành quy chế làm việc");
		break;
	case BT_R_ATTESTED_FAIL:
		if (who[0])
			snprintf(out, size, "Đảng viên %s được đánh giá không đạt tiêu chí %s", who, v);
		else
			snprintf(out, size, "Đảng ủy đánh giá chi bộ không đạt tiêu chí %s", v);
		break;
	case BT_R_FOUR_GOOD_BELOW_HALF:
		snprintf(out, size, "Số đảng viên đạt \"Đảng viên 4 tốt\" chưa đủ tỷ lệ yêu cầu (%s)", v);
		break;
	case BT_R_DISCIPLINED:
		snprintf(out, size, "Đảng viên %s bị kỷ luật (%s) ngày %s", who, v, d);
		break;
	case BT_R_COMMITMENT_MISSING:
		snprintf(out, size, "Đảng viên %s chưa đăng ký nêu gương trong năm", who);
		break;
	case BT_R_COMMITMENT_UNFULFILLED:
		snprintf(out, size, "Đảng viên %s chưa hoàn thành đăng ký nêu gương %s", who, v);
		break;
	case BT_R_NEVER_SPOKE:
		snprintf(out, size, "Đảng viên %s chưa phát biểu ý kiến ở buổi sinh hoạt nào trong năm", who);
		break;
	case BT_R_DUES_MISSING:
		snprintf(out, size, "Đảng viên %s chưa đóng đảng phí tháng %s", who, m);
		break;
	case BT_R_ATTESTATION_MISSING:
		snprintf(out, size, "Chưa có nhận xét của nơi cư trú về đảng viên %s (tiêu chí 2.4)", who);
		break;
	default:
		snprintf(out, size, "?");
	}
}

static void put_reason(bt_buf *b, const bt_reason *r)
{
	char msg[512];
	bt_buf_printf(b, "{\"code\":\"%s\"", code_names[r->code]);
	if (r->meeting[0])
		bt_buf_puts(b, ",\"meeting\":"), bt_buf_json_string(b, r->meeting);
	if (r->member[0])
		bt_buf_puts(b, ",\"member\":"), bt_buf_json_string(b, r->member);
	if (r->month >= 0) {
		char m[BT_MONTH_STR_BYTES];
		bt_month_format(m, r->month);
		bt_buf_printf(b, ",\"month\":\"%s\"", m);
	}
	if (r->quarter)
		bt_buf_printf(b, ",\"quarter\":\"%04d-Q%d\"", r->quarter_year, r->quarter);
	if (r->value[0])
		bt_buf_puts(b, ",\"value\":"), bt_buf_json_string(b, r->value);
	bt_reason_message(msg, sizeof(msg), r);
	bt_buf_puts(b, ",\"message\":"), bt_buf_json_string(b, msg);
	bt_buf_puts(b, "}");
}

static void put_criteria(bt_buf *b, const bt_criterion_result *c, const char *const names[4])
{
	bt_buf_puts(b, "\"criteria\":{");
	for (int i = 0; i < 4; i++) {
		bt_buf_printf(b, "%s\"%s\":{\"pass\":%s,\"reasons\":[", i ? "," : "", names[i],
			      c[i].pass ? "true" : "false");
		for (size_t k = 0; k < c[i].n_reasons; k++) {
			if (k)
				bt_buf_puts(b, ",");
			put_reason(b, &c[i].reasons[k]);
		}
		bt_buf_puts(b, "]}");
	}
	bt_buf_puts(b, "}");
}

int bt_eval_cell_json(bt_buf *b, const bt_cell_result *r)
{
	static const char *const cell_names[4] = {"1.1", "1.2", "1.3", "1.4"};
	static const char *const member_names[4] = {"2.1", "2.2", "2.3", "2.4"};
	bt_buf_puts(b, "{\"id\":"), bt_buf_json_string(b, r->id);
	bt_buf_puts(b, ",\"name\":"), bt_buf_json_string(b, r->name);
	bt_buf_printf(b, ",\"four_good\":%s,", r->four_good ? "true" : "false");
	put_criteria(b, r->crit, cell_names);
	bt_buf_printf(b, ",\"members_evaluated\":%zu,\"members_four_good\":%zu,\"members\":[", r->members_evaluated,
		      r->members_four_good);
	for (size_t k = 0; k < r->n_members; k++) {
		const bt_member_result *m = &r->members[k];
		bt_buf_puts(b, k ? ",{\"id\":" : "{\"id\":"), bt_buf_json_string(b, m->id);
		bt_buf_puts(b, ",\"name\":"), bt_buf_json_string(b, m->name);
		if (!m->evaluated) {
			bt_buf_puts(b, ",\"evaluated\":false,\"four_good\":null}");
			continue;
		}
		bt_buf_printf(b, ",\"evaluated\":true,\"four_good\":%s,", m->four_good ? "true" : "false");
		put_criteria(b, m->crit, member_names);
		bt_buf_puts(b, "}");
	}
	bt_buf_puts(b, "],\"findings\":[");
	for (size_t k = 0; k < r->n_findings; k++) {
		if (k)
			bt_buf_puts(b, ",");
		if (bt_finding_json(b, &r->findings[k], 0) < 0)
			return BT_ENOMEM;
	}
	bt_buf_puts(b, "]}");
	return b->failed ? BT_ENOMEM : 0;
}

/* "kind:key", the key's parts joined by "/": a fact as a person names it. */
static void put_fact(bt_buf *b, bt_kind kind, const char *key)
{
	char text[BT_FACT_KEY_BYTES + 32];
	size_t n = (size_t)snprintf(text, sizeof(text), "%s:", bt_kind_name(kind) ? bt_kind_name(kind) : "?");
	for (; *key && n + 1 < sizeof(text); key++)
		text[n++] = *key == '\t' ? '/' : *key;
	text[n] = '\0';
	bt_buf_json_string(b, text);
}

int bt_finding_json(bt_buf *b, const struct bt_finding *f, int with_events)
{
	char msg[1024], d[BT_DATE_STR_BYTES];
	bt_buf_printf(b, "{\"code\":\"%s\",\"id\":", bt_finding_code_name(f->code));
	bt_buf_json_string(b, f->id);
	bt_buf_puts(b, ",\"records\":[");
	put_fact(b, f->kind, f->key);
	if (f->other_kind) {
		bt_buf_puts(b, ",");
		put_fact(b, f->other_kind, f->other_key);
	}
	bt_buf_puts(b, "]");
	if (with_events) {
		bt_buf_puts(b, ",\"events\":[");
		for (size_t i = 0; i < f->n_records; i++) {
			if (i)
				bt_buf_puts(b, ",");
			bt_buf_json_string(b, f->records[i]);
		}
		bt_buf_puts(b, "]");
	}
	if (f->member[0])
		bt_buf_puts(b, ",\"member\":"), bt_buf_json_string(b, f->member);
	if (f->date != BT_DATE_NONE) {
		bt_date_format(d, f->date);
		bt_buf_printf(b, ",\"date\":\"%s\"", d);
	}
	if (f->field[0])
		bt_buf_puts(b, ",\"field\":"), bt_buf_json_string(b, f->field);
	bt_buf_printf(b, ",\"settled\":%s", f->settled ? "true" : "false");
	bt_finding_message(msg, sizeof(msg), f);
	bt_buf_puts(b, ",\"message\":"), bt_buf_json_string(b, msg);
	bt_buf_puts(b, "}");
	return b->failed ? BT_ENOMEM : 0;
}

int bt_eval_json_head(bt_buf *b, int year, bt_date as_of, const bt_rules *rules)
{
	char d[BT_DATE_STR_BYTES], label[96];
	bt_date_format(d, as_of);
	bt_rules_label(label, sizeof(label), rules);
	bt_buf_printf(b, "{\"year\":%d,\"as_of\":\"%s\",\"rules\":", year, d);
	bt_buf_json_string(b, label);
	bt_buf_puts(b, ",\"cells\":[");
	return b->failed ? BT_ENOMEM : 0;
}

int bt_eval_json_tail(bt_buf *b)
{
	bt_buf_puts(b, "]}\n");
	return b->failed ? BT_ENOMEM : 0;
}
