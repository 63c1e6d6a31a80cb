/*
 * membership.c - who belongs to a cell on a day (bontot/membership.h): the
 * one rule the evaluation, the to-do list, the findings and the store use.
 * Pure: no I/O, no clock, no global state.
 */
#include "bontot/membership.h"
#include "buf.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

const char *bt_membership_cell_on(const bt_membership *m, bt_date d)
{
	for (size_t i = m->n_transfers; i-- > 0;)
		if (m->transfers[i]->date <= d)
			return m->transfers[i]->cell_to;
	if (m->n_transfers)
		return m->transfers[0]->cell_from;
	return m->member->cell ? m->member->cell : "";
}

const char *bt_membership_current_cell(const bt_membership *m)
{
	if (m->n_transfers)
		return m->transfers[m->n_transfers - 1]->cell_to;
	return m->member->cell ? m->member->cell : "";
}

int bt_membership_in_party_on(const bt_membership *m, bt_date d)
{
	const bt_record *r = m->member;
	return r->joined != BT_DATE_NONE && r->joined <= d && (r->left == BT_DATE_NONE || r->left > d);
}

int bt_membership_in_cell_on(const bt_membership *m, const char *cell, bt_date d)
{
	return bt_membership_in_party_on(m, d) && strcmp(bt_membership_cell_on(m, d), cell) == 0;
}

int bt_membership_in_cell_during(const bt_membership *m, const char *cell, bt_date first, bt_date last)
{
	/* The answer changes only on the day of joining and on transfer days: check those within the range. */
	if (first > last)
		return 0;
	if (bt_membership_in_cell_on(m, cell, first))
		return 1;
	if (m->member->joined > first && m->member->joined <= last && bt_membership_in_cell_on(m, cell, m->member->joined))
		return 1;
	for (size_t i = 0; i < m->n_transfers; i++) {
		bt_date t = m->transfers[i]->date;
		if (t > first && t <= last && bt_membership_in_cell_on(m, cell, t))
			return 1;
	}
	return 0;
}

int bt_membership_exempt_on(const bt_membership *m, bt_date d)
{
	for (size_t i = 0; i < m->n_exemptions; i++) {
		const bt_record *e = m->exemptions[i];
		if (e->from <= d && (e->to == BT_DATE_NONE || e->to >= d))
			return 1;
	}
	return 0;
}

int bt_membership_required_on(const bt_membership *m, const char *cell, bt_date d)
{
	return bt_membership_in_cell_on(m, cell, d) && !bt_membership_exempt_on(m, d);
}

int bt_membership_ever_in(const bt_membership *m, const char *cell)
{
	if (m->member->cell && strcmp(m->member->cell, cell) == 0)
		return 1;
	for (size_t i = 0; i < m->n_transfers; i++)
		if (strcmp(m->transfers[i]->cell_from, cell) == 0 || strcmp(m->transfers[i]->cell_to, cell) == 0)
			return 1;
	return 0;
}

/* ---- the roster ---- */

struct bt_roster {
	BT_ARRAY(bt_membership) members;
	BT_ARRAY(const bt_record *) links; /* transfers then exemptions, grouped per member */
};

static int cmp_membership(const void *a, const void *b)
{
	return strcmp(((const bt_membership *)a)->member->id, ((const bt_membership *)b)->member->id);
}

/* Links sort by member, then kind (transfers first), then date. */
static int cmp_link(const void *a, const void *b)
{
	const bt_record *x = *(const bt_record *const *)a, *y = *(const bt_record *const *)b;
	int d = strcmp(x->member, y->member);
	if (d)
		return d;
	if (x->kind != y->kind)
		return x->kind == BT_KIND_TRANSFER ? -1 : 1;
	bt_date dx = x->kind == BT_KIND_TRANSFER ? x->date : x->from, dy = y->kind == BT_KIND_TRANSFER ? y->date : y->from;
	return (dx > dy) - (dx < dy);
}

const bt_membership *bt_roster_find(const bt_roster *r, const char *id)
{
	size_t lo = 0, hi = r->members.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(r->members.v[mid].member->id, id);
		if (d == 0)
			return &r->members.v[mid];
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int bt_roster_build(bt_roster **out, const bt_record *const *records, size_t n)
{
	bt_roster *r = calloc(1, sizeof(*r));
	*out = NULL;
	if (!r)
		return bt__oom();
	for (size_t i = 0; i < n; i++) {
		const bt_record *rec = records[i];
		if (rec->kind == BT_KIND_MEMBER) {
			bt_membership *m = BT_PUSH(&r->members);
			if (!m)
				goto oom;
			memset(m, 0, sizeof(*m));
			m->member = rec;
		} else if (rec->kind == BT_KIND_TRANSFER || rec->kind == BT_KIND_EXEMPTION) {
			const bt_record **l = BT_PUSH(&r->links);
			if (!l)
				goto oom;
			*l = rec;
		}
	}
	if (r->members.n)
		qsort(r->members.v, r->members.n, sizeof(bt_membership), cmp_membership);
	/* The same member twice (it should not happen): keep the first. */
	size_t k = 0;
	for (size_t i = 0; i < r->members.n; i++)
		if (!k || strcmp(r->members.v[k - 1].member->id, r->members.v[i].member->id) != 0)
			r->members.v[k++] = r->members.v[i];
	r->members.n = k;
	if (r->links.n)
		qsort(r->links.v, r->links.n, sizeof(*r->links.v), cmp_link);
	for (size_t i = 0; i < r->links.n;) {
		size_t j = i;
		while (j < r->links.n && strcmp(r->links.v[j]->member, r->links.v[i]->member) == 0)
			j++;
		bt_membership *m = (bt_membership *)bt_roster_find(r, r->links.v[i]->member);
		if (m) {
			size_t t = i;
			while (t < j && r->links.v[t]->kind == BT_KIND_TRANSFER)
				t++;
			m->transfers = r->links.v + i;
			m->n_transfers = t - i;
			m->exemptions = r->links.v + t;
			m->n_exemptions = j - t;
		}
		i = j;
	}
	*out = r;
	return 0;
oom:
	bt_roster_free(r);
	return BT_ENOMEM;
}

size_t bt_roster_size(const bt_roster *r) { return r->members.n; }

const bt_membership *bt_roster_at(const bt_roster *r, size_t i) { return &r->members.v[i]; }

void bt_roster_free(bt_roster *r)
{
	if (!r)
		return;
	free(r->members.v);
	free(r->links.v);
	free(r);
}
