/*
 * merge.c - a fact's state from its versions, field by field (merge.h).
 *
 * Versions are put in the order of versions of docs/offline.md (timestamp, then log
 * id, then sequence). Each version names the versions it was based on (its
 * author's current state when the correction was made); following those
 * links gives the versions it had seen. A version writes the fields where
 * it differs from the merge of what it had seen; a field's value is its
 * latest writer's. So an office correction of a member's name and a
 * tablet's correction of his role both apply, and two different values
 * written for one field without either author seeing the other are a
 * conflict the later one wins. A version-1 event (no base recorded) is
 * taken to have seen every version before it: the whole-record
 * last-writer-wins of the old format.
 *
 * Fields are the record's JSON fields, except that a meeting's attendance
 * and speakers are one field per member, and its start and end one field
 * (a changed start must not pair with another device's end). Pure.
 */
#include "merge.h"
#include "error.h"
#include "i18n.h"
#include "records_internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EXACT 2048 /* beyond this many versions of one fact, later ones are taken as sequential */

typedef struct {
	char *name;  /* "name", "att\tDV-01", "spk\tDV-01", "time" */
	char *value; /* compact JSON; "null" when absent */
} field;

typedef BT_ARRAY(field) field_list;
typedef BT_ARRAY(const char *) name_list;

static void fields_free(field_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].value);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int put(field_list *l, const char *prefix, const char *name, char *value)
{
	field *f;
	size_t len = strlen(prefix) + strlen(name) + 1;
	if (!value)
		return bt__oom();
	if (!(f = BT_PUSH(l))) {
		free(value);
		return BT_ENOMEM;
	}
	f->value = value;
	if (!(f->name = malloc(len))) {
		f->name = NULL;
		return bt__oom();
	}
	strcpy(f->name, prefix);
	strcat(f->name, name);
	return 0;
}

static int cmp_field(const void *a, const void *b) { return strcmp(((const field *)a)->name, ((const field *)b)->name); }

/* The fields of a record, sorted by name. */
static int fields_of(field_list *out, const bt_record *r)
{
	json_t *obj = json_loadb(r->canonical, r->canonical_len, 0, NULL), *v;
	const char *k;
	int err = 0;
	if (!obj || !json_is_object(obj)) {
		json_decref(obj);
		return bt__error_set(BT_ECORRUPT, BT_("a stored record does not parse back"));
	}
	json_object_foreach(obj, k, v)
	{
		if (r->kind == BT_KIND_MEETING && strcmp(k, "attendance") == 0 && json_is_object(v)) {
			const char *who;
			json_t *st;
			json_object_foreach(v, who, st) if ((err = put(out, "att\t", who, json_dumps(st, JSON_ENCODE_ANY | JSON_COMPACT))) < 0) break;
		} else if (r->kind == BT_KIND_MEETING && strcmp(k, "speakers") == 0 && json_is_array(v)) {
			size_t i;
			json_t *who;
			json_array_foreach(v, i, who) if (json_is_string(who) && (err = put(out, "spk\t", json_string_value(who), strdup("true"))) < 0) break;
		} else if ((r->kind == BT_KIND_MEETING && (strcmp(k, "start") == 0 || strcmp(k, "end") == 0)) ||
			   (r->kind == BT_KIND_MEMBER && (strcmp(k, "born") == 0 || strcmp(k, "joined") == 0 || strcmp(k, "left") == 0))) {
			continue; /* below, as one field */
		} else {
			err = put(out, "", k, json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT));
		}
		if (err < 0)
			break;
	}
	if (err == 0 && r->kind == BT_KIND_MEETING) {
		json_t *pair = json_pack("[OO]", json_object_get(obj, "start"), json_object_get(obj, "end"));
		err = put(out, "", "time", pair ? json_dumps(pair, JSON_COMPACT) : NULL);
		json_decref(pair);
	} else if (err == 0 && r->kind == BT_KIND_MEMBER) {
		/* Dates that must stay in order (born < joined <= left) change together. */
		json_t *dates = json_pack("[OOO]", json_object_get(obj, "born"), json_object_get(obj, "joined"),
					  json_object_get(obj, "left"));
		err = put(out, "", "dates", dates ? json_dumps(dates, JSON_COMPACT) : NULL);
		json_decref(dates);
	}
	json_decref(obj);
	if (err == 0 && out->n > 1)
		qsort(out->v, out->n, sizeof(field), cmp_field);
	return err;
}

static const char *value_in(const field_list *l, const char *name)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(l->v[mid].name, name);
		if (d == 0)
			return l->v[mid].value;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return "null";
}

int bt_version_order(const bt_version *a, const bt_version *b)
{
	int d = strcmp(a->ts, b->ts);
	if (d == 0)
		d = strcmp(a->log, b->log);
	if (d == 0)
		d = (a->seq > b->seq) - (a->seq < b->seq);
	return d < 0 ? -1 : d > 0;
}

static const bt_version *sort_base;
static int cmp_index(const void *a, const void *b)
{
	return bt_version_order(&sort_base[*(const size_t *)a], &sort_base[*(const size_t *)b]);
}

void bt_merge_result_free(bt_merge_result *r)
{
	bt_record_free(r->merged);
	free(r->heads);
	free(r->conflicts.v);
	memset(r, 0, sizeof(*r));
}

static int cmp_name(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* Every field name of any version, sorted and unique. */
static int all_names(name_list *names, const field_list *fl, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < fl[i].n; k++) {
			const char **slot = BT_PUSH(names);
			if (!slot)
				return BT_ENOMEM;
			*slot = fl[i].v[k].name;
		}
	if (names->n > 1)
		qsort(names->v, names->n, sizeof(const char *), cmp_name);
	size_t k = 0;
	for (size_t i = 0; i < names->n; i++)
		if (!k || strcmp(names->v[k - 1], names->v[i]) != 0)
			names->v[k++] = names->v[i];
	names->n = k;
	return 0;
}

int bt_merge(bt_merge_result *out, const bt_version *in, size_t n)
{
	size_t *ord = NULL;
	unsigned char *anc = NULL;
	field_list *fl = NULL;
	unsigned char *writes = NULL; /* writes[i * n_names + f] */
	name_list names = {0};
	json_t *obj = NULL;
	char *text = NULL;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return bt__error_set(BT_EINVALID, "no version to merge");
	if (!(ord = malloc(n * sizeof(*ord))) || !(fl = calloc(n, sizeof(*fl))) || !(anc = calloc(n * n, 1)) ||
	    !(out->heads = malloc(n * sizeof(size_t)))) {
		err = bt__oom();
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		ord[i] = i;
	sort_base = in;
	qsort(ord, n, sizeof(*ord), cmp_index);
	sort_base = NULL;

	/* anc[i * n + j]: the version at position i had seen the one at position j (j < i). */
	for (size_t i = 0; i < n; i++) {
		const bt_version *v = &in[ord[i]];
		if (!v->base_known || i >= MAX_EXACT) {
			memset(anc + i * n, 1, i);
			continue;
		}
		for (size_t b = 0; b < v->n_base; b++)
			for (size_t j = 0; j < i; j++)
				if (strcmp(in[ord[j]].ref, v->base[b]) == 0) {
					anc[i * n + j] = 1;
					for (size_t k = 0; k < j; k++)
						anc[i * n + k] |= anc[j * n + k];
				}
	}
	for (size_t i = 0; i < n; i++)
		if ((err = fields_of(&fl[i], in[ord[i]].rec)) < 0)
			goto done;
	if ((err = all_names(&names, fl, n)) < 0)
		goto done;
	if (!(writes = calloc(n * (names.n ? names.n : 1), 1))) {
		err = bt__oom();
		goto done;
	}
	/* Which fields each version wrote: where it differs from the latest writer among what it had seen. */
	for (size_t i = 0; i < n; i++)
		for (size_t f = 0; f < names.n; f++) {
			const char *seen = "null";
			for (size_t j = i; j-- > 0;)
				if (anc[i * n + j] && writes[j * names.n + f]) {
					seen = value_in(&fl[j], names.v[f]);
					break;
				}
			writes[i * names.n + f] = strcmp(value_in(&fl[i], names.v[f]), seen) != 0;
		}
	/* The state, and the conflicts. */
	if (!(obj = json_object())) {
		err = bt__oom();
		goto done;
	}
	json_t *att = NULL, *spk = NULL;
	for (size_t f = 0; f < names.n && err == 0; f++) {
		size_t w = n;
		for (size_t i = n; i-- > 0;)
			if (writes[i * names.n + f]) {
				w = i;
				break;
			}
		if (w == n)
			continue;
		const char *name = names.v[f], *val = value_in(&fl[w], name);
		for (size_t i = 0; i < w; i++) {
			if (!writes[i * names.n + f] || anc[w * n + i] || strcmp(value_in(&fl[i], name), val) == 0)
				continue;
			bt_merge_conflict *c = BT_PUSH(&out->conflicts);
			if (!c) {
				err = BT_ENOMEM;
				break;
			}
			memset(c, 0, sizeof(*c));
			c->loser = ord[i];
			c->winner = ord[w];
			if (strncmp(name, "att\t", 4) == 0)
				snprintf(c->field, sizeof(c->field), "attendance.%.64s", name + 4);
			else if (strncmp(name, "spk\t", 4) == 0)
				snprintf(c->field, sizeof(c->field), "speakers.%.64s", name + 4);
			else
				snprintf(c->field, sizeof(c->field), "%.64s",
					 strcmp(name, "time") == 0 ? "start/end" : strcmp(name, "dates") == 0 ? "born/joined/left" : name);
			for (size_t k = w + 1; k < n && !c->settled; k++)
				c->settled = anc[k * n + i] && anc[k * n + w];
		}
		if (strcmp(val, "null") == 0 && (strncmp(name, "att\t", 4) == 0 || strncmp(name, "spk\t", 4) == 0))
			continue; /* a mark or speaker taken away */
		json_t *jv = json_loads(val, JSON_DECODE_ANY, NULL);
		if (!jv) {
			err = bt__error_set(BT_ECORRUPT, BT_("a stored record does not parse back"));
			break;
		}
		if (strncmp(name, "att\t", 4) == 0) {
			if (!att && !(att = json_object()))
				err = bt__oom();
			else
				json_object_set_new(att, name + 4, jv);
		} else if (strncmp(name, "spk\t", 4) == 0) {
			json_decref(jv);
			if (!spk && !(spk = json_array()))
				err = bt__oom();
			else
				json_array_append_new(spk, json_string(name + 4));
		} else if (strcmp(name, "time") == 0 && json_is_array(jv) && json_array_size(jv) == 2) {
			json_object_set(obj, "start", json_array_get(jv, 0));
			json_object_set(obj, "end", json_array_get(jv, 1));
			json_decref(jv);
		} else if (strcmp(name, "dates") == 0 && json_is_array(jv) && json_array_size(jv) == 3) {
			json_object_set(obj, "born", json_array_get(jv, 0));
			json_object_set(obj, "joined", json_array_get(jv, 1));
			json_object_set(obj, "left", json_array_get(jv, 2));
			json_decref(jv);
		} else {
			json_object_set_new(obj, name, jv);
		}
	}
	if (err == 0 && in[0].rec->kind == BT_KIND_MEETING) {
		json_object_set_new(obj, "attendance", att ? att : json_object());
		json_object_set_new(obj, "speakers", spk ? spk : json_array());
		att = spk = NULL;
	}
	json_decref(att);
	json_decref(spk);
	if (err < 0)
		goto done;
	/* Nulls are the canonical form's absent fields; drop them so the parser sees what a line would say. */
	{
		const char *k;
		json_t *v;
		void *tmp;
		json_object_foreach_safe(obj, tmp, k, v) if (json_is_null(v)) json_object_del(obj, k);
	}
	if (!(text = json_dumps(obj, JSON_COMPACT))) {
		err = bt__oom();
		goto done;
	}
	if ((err = bt__record_parse(&out->merged, text, strlen(text), 1)) < 0) {
		/*
		 * Fields that are valid apart but not together: the latest version
		 * counts whole. Never an error: a replica must not stop on this.
		 */
		if (err == BT_ENOMEM)
			goto done;
		const bt_record *latest = in[ord[n - 1]].rec;
		bt_error_clear();
		if ((err = bt__record_parse(&out->merged, latest->canonical, latest->canonical_len, 1)) < 0)
			goto done;
	}
	out->latest = ord[n - 1];
	for (size_t j = 0; j < n; j++) {
		int seen = 0;
		for (size_t i = j + 1; i < n && !seen; i++)
			seen = anc[i * n + j];
		if (!seen)
			out->heads[out->n_heads++] = ord[j];
	}
done:
	free(text);
	json_decref(obj);
	free(writes);
	free(names.v);
	if (fl)
		for (size_t i = 0; i < n; i++)
			fields_free(&fl[i]);
	free(fl);
	free(anc);
	free(ord);
	if (err < 0)
		bt_merge_result_free(out);
	return err;
}
