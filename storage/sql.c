/*
 * sql.c - small helpers around SQLite shared by storage/: errors with the
 * database's own message, binding dates, stepping, the write transaction
 * that brings findings up to date before it commits, string sets.
 */
#include "error.h"
#include "i18n.h"
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

/* `what` may be untranslated (N_): it is looked up only when there is an error to tell. */
int bt_store__db_error(bt_store *s, int code, const char *what)
{
	int full = s && s->db && (sqlite3_errcode(s->db) == SQLITE_FULL || sqlite3_extended_errcode(s->db) == SQLITE_IOERR_WRITE);
	return bt__error_set(code, "%s: %s%s", BT_(what), s && s->db ? sqlite3_errmsg(s->db) : BT_("cannot open"),
			     full ? BT_(" (is the disk full?)") : "");
}

int bt_store__exec(bt_store *s, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int full = sqlite3_errcode(s->db) == SQLITE_FULL;
		bt__error_set(BT_EIO, BT_("database error: %s%s"), msg ? msg : sqlite3_errmsg(s->db),
			      full ? BT_(" (is the disk full?)") : "");
		sqlite3_free(msg);
		return BT_EIO;
	}
	return 0;
}

int64_t bt_store__date_int(bt_date d)
{
	int y, m, day;
	bt_date_to_ymd(d, &y, &m, &day);
	return (int64_t)y * 10000 + m * 100 + day;
}

bt_date bt_store__int_date(int64_t v) { return bt_date_from_ymd((int)(v / 10000), (int)(v / 100 % 100), (int)(v % 100)); }

int bt_store__month_int(bt_month m) { return (m / 12) * 100 + m % 12 + 1; }

bt_month bt_store__int_month(int64_t v) { return (bt_month)((v / 100) * 12 + v % 100 - 1); }

bt_date bt_store__col_date(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? BT_DATE_NONE : bt_store__int_date(sqlite3_column_int64(st, i));
}

int bt_store__bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

int bt_store__bind_date(sqlite3_stmt *st, int i, bt_date d)
{
	return d == BT_DATE_NONE ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, bt_store__date_int(d));
}

int bt_store__step_done(bt_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return bt_store__db_error(s, BT_EIO, what);
	return 0;
}

int bt_store__step_row(bt_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : bt_store__db_error(s, BT_EIO, what);
}

static void forget(bt_store *s)
{
	bt_strset_clear(&s->dirty_cells);
	bt_strset_clear(&s->pending_oos);
	bt_strset_clear(&s->dirty_members);
	bt_strset_clear(&s->in_scope);
	s->in_tx = 0;
}

int bt_store__begin(bt_store *s)
{
	int err;
	if (s->in_tx)
		return bt__error_set(BT_EINVALID, BT_("another write is in progress on this store"));
	if ((err = bt_store__exec(s, "BEGIN IMMEDIATE")) < 0)
		return err;
	forget(s);
	s->in_tx = 1;
	return 0;
}

int bt_store__commit(bt_store *s)
{
	int err;
	if ((err = bt_store__refresh_findings(s)) < 0 || (err = bt_store__exec(s, "COMMIT")) < 0) {
		bt_store__rollback(s);
		return err;
	}
	forget(s);
	return 0;
}

void bt_store__rollback(bt_store *s)
{
	if (s->in_tx)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	forget(s);
	/* What the caches knew may have come from the rolled-back transaction. */
	bt_store__scopes_clear(s);
	bt_store__mids_clear(s);
	/* What was appended to our own log is gone: the head is what the log says. */
	int code = bt_error_last_code();
	char msg[1024];
	bt__copy_utf8(msg, sizeof(msg), bt_error_last());
	if (bt_store__load_head(s) < 0)
		bt__error_set(code, "%s", msg); /* the error that rolled back is the one to tell */
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/*
 * The one open-addressing table under both the set and the map: slots of
 * strdup'ed strings, a power-of-two capacity at most half full, and for a
 * map a values array kept in step.
 */
static size_t slot_index(char *const *slots, size_t cap, const char *str)
{
	size_t i = hash_str(str) & (cap - 1);
	while (slots[i] && strcmp(slots[i], str) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

static int table_make_room(char ***slots, int64_t **values, size_t *cap, size_t n, size_t first_cap)
{
	if ((n + 1) * 2 <= *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : first_cap;
	char **ns = calloc(ncap, sizeof(char *));
	int64_t *nv = values ? calloc(ncap, sizeof(int64_t)) : NULL;
	if (!ns || (values && !nv)) {
		free(ns);
		free(nv);
		return bt__oom();
	}
	for (size_t i = 0; i < *cap; i++)
		if ((*slots)[i]) {
			size_t k = slot_index(ns, ncap, (*slots)[i]);
			ns[k] = (*slots)[i];
			if (values)
				nv[k] = (*values)[i];
		}
	free(*slots);
	*slots = ns;
	if (values) {
		free(*values);
		*values = nv;
	}
	*cap = ncap;
	return 0;
}

static void table_clear(char **slots, size_t cap, size_t *n)
{
	for (size_t i = 0; i < cap; i++) {
		free(slots[i]);
		slots[i] = NULL;
	}
	*n = 0;
}

int bt_strset_has(const bt_strset *set, const char *str)
{
	return set->cap && set->slots[slot_index(set->slots, set->cap, str)] != NULL;
}

int bt_strset_add(bt_strset *set, const char *str, int *added)
{
	int err;
	if (added)
		*added = 0;
	if ((err = table_make_room(&set->slots, NULL, &set->cap, set->n, 64)) < 0)
		return err;
	char **slot = &set->slots[slot_index(set->slots, set->cap, str)];
	if (*slot)
		return 0;
	if (!(*slot = strdup(str)))
		return bt__oom();
	set->n++;
	if (added)
		*added = 1;
	return 0;
}

void bt_strset_clear(bt_strset *set) { table_clear(set->slots, set->cap, &set->n); }

void bt_strset_free(bt_strset *set)
{
	bt_strset_clear(set);
	free(set->slots);
	memset(set, 0, sizeof(*set));
}

int bt_strmap_put(bt_strmap *m, const char *key, int64_t value)
{
	int err;
	if ((err = table_make_room(&m->keys, &m->values, &m->cap, m->n, 1024)) < 0)
		return err;
	size_t k = slot_index(m->keys, m->cap, key);
	if (!m->keys[k]) {
		if (!(m->keys[k] = strdup(key)))
			return bt__oom();
		m->n++;
	}
	m->values[k] = value;
	return 0;
}

int bt_strmap_get(const bt_strmap *m, const char *key, int64_t *value)
{
	if (!m->cap)
		return 0;
	size_t k = slot_index(m->keys, m->cap, key);
	if (!m->keys[k])
		return 0;
	*value = m->values[k];
	return 1;
}

void bt_strmap_clear(bt_strmap *m) { table_clear(m->keys, m->cap, &m->n); }

void bt_strmap_free(bt_strmap *m)
{
	bt_strmap_clear(m);
	free(m->keys);
	free(m->values);
	memset(m, 0, sizeof(*m));
}
