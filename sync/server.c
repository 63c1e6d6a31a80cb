/*
 * server.c - the office's HTTP server (libmicrohttpd): devices push signed
 * batches, pull the office's log, enroll with a one-time code, and anyone on
 * the office network reads the evaluation and the findings. Requests are handled one at a
 * time on libmicrohttpd's internal thread (the store is single-threaded);
 * bodies are bounded; every reply is JSON except a pulled batch.
 * Endpoints and replies: docs/protocol.md.
 */
#include "bontot/audit.h"
#include "bontot/staff.h"
#include "bontot/sync.h"
#include "bontot/tlog.h"
#include "buf.h"
#include "error.h"
#include "i18n.h"
#include "sha256.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Guessing enrollment codes: an address that sent ENROLL_FAILS_MAX wrong
 * codes within ENROLL_WINDOW seconds is refused (429) until the window
 * ends; a right code does not reset it. Requests are handled one at a time
 * (MHD's internal polling thread), so the table needs no lock.
 */
#define ENROLL_FAILS_MAX 10
#define ENROLL_WINDOW 900
#define ENROLL_GUARDS 64

typedef struct {
	char addr[64];  /* the client's address, "" for a free slot */
	int64_t since;  /* the window's start */
	int fails;
} enroll_guard;

struct bt_server {
	struct MHD_Daemon *daemon;
	enroll_guard guards[ENROLL_GUARDS];
	bt_store *store;
	const bt_key *office_key;
	char office_log[BT_LOG_ID_MAX_BYTES + 1];
	bt_server_opts opts;
	int port;
};

typedef struct {
	bt_buf body;
	int too_large;
} request;

static void logf_(bt_server *s, const char *fmt, ...) BT_PRINTF(2, 3);
static void logf_(bt_server *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	if (!s->opts.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->opts.log(line, s->opts.log_payload);
}

static enum MHD_Result reply_with(struct MHD_Connection *c, unsigned status, const char *type, const void *data, size_t len,
				   const char *header, const char *value);
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, const void *data, size_t len)
{
	return reply_with(c, status, type, data, len, NULL, NULL);
}

/* An answer with one more header (header NULL: none). */
static enum MHD_Result reply_with(struct MHD_Connection *c, unsigned status, const char *type, const void *data, size_t len,
				   const char *header, const char *value)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
	char now[24];
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	/* The office's clock, so a tablet can tell its secretary hers is wrong (nothing depends on it). */
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	MHD_add_response_header(r, "X-Bontot-Time", now);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"bontot\"");
	if (header)
		MHD_add_response_header(r, header, value);
	enum MHD_Result ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, bt_buf *b)
{
	return reply(c, status, "application/json; charset=utf-8", b->data ? b->data : "", b->len);
}

/* {"error":"BT_EDENIED","message":"..."} with the status that fits the code; "counter" after a refused request counter. */
static enum MHD_Result reply_error_counter(bt_server *s, struct MHD_Connection *c, const char *what, int code, int64_t counter);
static enum MHD_Result reply_error(bt_server *s, struct MHD_Connection *c, const char *what, int code)
{
	return reply_error_counter(s, c, what, code, -1);
}

static enum MHD_Result reply_error_status(bt_server *s, struct MHD_Connection *c, const char *what, int code, int64_t counter,
					 unsigned status);
static enum MHD_Result reply_error_counter(bt_server *s, struct MHD_Connection *c, const char *what, int code, int64_t counter)
{
	return reply_error_status(s, c, what, code, counter, 0);
}

/* The error's answer; status 0: the one the code calls for. */
static enum MHD_Result reply_error_status(bt_server *s, struct MHD_Connection *c, const char *what, int code, int64_t counter,
					 unsigned status)
{
	bt_buf b;
	if (!status)
		status = code == BT_EDENIED || code == BT_EBADSIG ? MHD_HTTP_FORBIDDEN
			  : code == BT_ECONFLICT || code == BT_EEXISTS ? MHD_HTTP_CONFLICT
			  : code == BT_ENOTFOUND ? MHD_HTTP_NOT_FOUND
			  : code == BT_EIO || code == BT_ENOMEM || code == BT_ERROR ? MHD_HTTP_INTERNAL_SERVER_ERROR
										  : MHD_HTTP_BAD_REQUEST;
	bt_buf_init(&b, 0);
	bt_buf_printf(&b, "{\"error\":\"%s\",\"message\":", bt_error_name(code));
	bt_buf_json_string(&b, bt_error_last());
	if (counter >= 0)
		bt_buf_printf(&b, ",\"counter\":%lld", (long long)counter);
	bt_buf_puts(&b, "}\n");
	logf_(s, "%s refused %u %s: %s", what, status, bt_error_name(code), bt_error_last());
	enum MHD_Result ok = reply_json(c, status, &b);
	bt_buf_free(&b);
	return ok;
}

/*
 * Who reads the office's data (docs/protocol.md, "Who may read"): a staff
 * account's bearer token. 1 with the account's name; 0 when the request
 * carries none (the error says what is needed); BT_EDENIED for a token that
 * is unknown or revoked.
 */
static int staff_reader(bt_server *s, struct MHD_Connection *c, char name[BT_STAFF_NAME_MAX_BYTES + 1])
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	bt_staff_role role;
	if (!h || !*h) {
		bt__error_set(BT_EDENIED, BT_("reading the office's data needs a credential: Authorization: Bearer TOKEN (bontot office token NAME)"));
		return 0;
	}
	if (strncmp(h, "Bearer ", 7) != 0)
		return bt__error_set(BT_EDENIED, BT_("the credential must be a bearer token: Authorization: Bearer TOKEN"));
	return bt_staff_authenticate(s->store, h + 7, name, &role) == 0 ? 1 : BT_EDENIED;
}

/* A staff read, checked and written to the access log; 0, or the answer already queued in *answer. */
static int staff_read(bt_server *s, struct MHD_Connection *c, const char *what, const char *detail, enum MHD_Result *answer)
{
	char name[BT_STAFF_NAME_MAX_BYTES + 1], entry[512];
	if (staff_reader(s, c, name) != 1) {
		*answer = reply_error_status(s, c, what, BT_EDENIED, -1, MHD_HTTP_UNAUTHORIZED);
		return -1;
	}
	snprintf(entry, sizeof(entry), "%s %s", what, detail);
	if (bt_access_log_add(s->store, name, entry) < 0) {
		*answer = reply_error(s, c, what, bt_error_last_code());
		return -1;
	}
	logf_(s, "%s read by %s: %s", what, name, detail);
	return 0;
}

static enum MHD_Result get_evaluation(bt_server *s, struct MHD_Connection *c)
{
	const char *y = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "year");
	const char *a = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "as_of");
	const char *cell = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cell");
	bt_eval_opts o = BT_EVAL_OPTS_INIT;
	bt_rules rules;
	struct {
		bt_buf b;
	} out;
	char *end;
	long year = y ? strtol(y, &end, 10) : 0;
	if (!y || *end || year < BT_DATE_MIN_YEAR || year > BT_DATE_MAX_YEAR) {
		bt__error_set(BT_EINVALID, BT_("the query needs year=YYYY"));
		return reply_error(s, c, "evaluation", BT_EINVALID);
	}
	o.year = (int)year;
	char detail[256];
	enum MHD_Result answer;
	snprintf(detail, sizeof(detail), "year=%ld%s%.20s%s%.64s", year, a ? " as_of=" : "", a ? a : "", cell ? " cell=" : "",
		 cell ? cell : "");
	if (staff_read(s, c, "evaluation", detail, &answer) < 0)
		return answer;
	if (a) {
		if (bt_date_parse(&o.as_of, a, strlen(a)) < 0)
			return reply_error(s, c, "evaluation", BT_EINVALID);
	} else {
		time_t t = time(NULL);
		struct tm tm;
		gmtime_r(&t, &tm);
		o.as_of = bt_eval_default_as_of(o.year, bt_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday));
	}
	if (bt_rules_builtin(&rules, NULL) < 0)
		return reply_error(s, c, "evaluation", BT_ERROR);
	o.rules = &rules;
	int y2, m2, d2;
	bt_date_to_ymd(o.as_of, &y2, &m2, &d2);
	if (y2 != o.year) {
		bt__error_set(BT_EINVALID, BT_("as_of must be a day of the year %d"), o.year);
		return reply_error(s, c, "evaluation", BT_EINVALID);
	}
	/*
	 * What is published is signed: a receipt binding the JSON's SHA-256 to
	 * the rule set and to the log it was computed from (docs/audit.md),
	 * kept with the JSON, and sent as X-Bontot-Receipt (the note, base64).
	 */
	bt_buf receipt;
	char *receipt64 = NULL;
	bt_buf_init(&out.b, 0);
	bt_buf_init(&receipt, 0);
	int err = bt_audit_publish(&out.b, &receipt, s->store, s->office_key, &o, cell && *cell ? cell : NULL);
	if (err == 0) {
		if (!(receipt64 = malloc(receipt.len * 4 / 3 + 8)))
			err = bt__oom();
		else
			EVP_EncodeBlock((unsigned char *)receipt64, (const unsigned char *)receipt.data, (int)receipt.len);
	}
	enum MHD_Result ok = err < 0 ? reply_error(s, c, "evaluation", err)
				     : reply_with(c, MHD_HTTP_OK, "application/json; charset=utf-8", out.b.data, out.b.len,
						  "X-Bontot-Receipt", receipt64);
	free(receipt64);
	bt_buf_free(&receipt);
	bt_buf_free(&out.b);
	return ok;
}

typedef struct {
	bt_buf b;
	size_t n;
} findings_out;

static int finding_out(const bt_finding *f, void *payload)
{
	findings_out *o = payload;
	if (o->n++)
		bt_buf_puts(&o->b, ",");
	return bt_finding_json(&o->b, f, 1);
}

/* {"findings":[...]}: the findings of one cell (cell=C) or all, the open ones first (open=1: only those). */
static enum MHD_Result get_findings(bt_server *s, struct MHD_Connection *c)
{
	const char *cell = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cell");
	const char *open = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "open");
	bt_findings_query q = BT_FINDINGS_QUERY_INIT;
	findings_out o = {{0}, 0};
	if (cell && (!*cell || strlen(cell) > BT_ID_MAX_BYTES)) {
		bt__error_set(BT_EINVALID, BT_("the query needs cell=ID"));
		return reply_error(s, c, "findings", BT_EINVALID);
	}
	char detail[128];
	enum MHD_Result answer;
	snprintf(detail, sizeof(detail), "%s%.64s", cell ? "cell=" : "all", cell ? cell : "");
	if (staff_read(s, c, "findings", detail, &answer) < 0)
		return answer;
	q.cell = cell;
	q.open_only = open && strcmp(open, "1") == 0;
	bt_buf_init(&o.b, 0);
	bt_buf_puts(&o.b, "{\"findings\":[");
	int err = bt_store_findings(s->store, &q, finding_out, &o);
	bt_buf_puts(&o.b, "]}\n");
	if (err == 0 && o.b.failed)
		err = BT_ENOMEM;
	enum MHD_Result ok = err < 0 ? reply_error(s, c, "findings", err) : reply_json(c, MHD_HTTP_OK, &o.b);
	bt_buf_free(&o.b);
	return ok;
}

/* The reader of a request: a device of a cell, or the office's own logs only when unknown. */
typedef struct {
	char device[BT_LOG_ID_MAX_BYTES + 1];
	char cell[BT_ID_MAX_BYTES + 1];
	bt_device_role role;
} reader;

static int unhex_sig(uint8_t out[BT_ED25519_SIG_BYTES], const char *hex)
{
	if (!hex || strlen(hex) != 2 * BT_ED25519_SIG_BYTES)
		return -1;
	for (size_t i = 0; i < BT_ED25519_SIG_BYTES; i++) {
		unsigned v = 0;
		for (int j = 0; j < 2; j++) {
			char ch = hex[2 * i + (size_t)j];
			int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
			if (d < 0)
				return -1;
			v = v * 16 + (unsigned)d;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

/*
 * A request must be signed by an enrolled, unrevoked device, with a counter
 * above the last one the office took from it (docs/protocol.md): replay
 * protection that does not depend on the tablet's clock. BT_EDENIED
 * otherwise; *last gets the office's last counter when that was the reason.
 */
static int authenticate(bt_server *s, struct MHD_Connection *c, const char *method, const char *url, reader *who, int64_t *last)
{
	const char *dev = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Bontot-Device");
	const char *num = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Bontot-Counter");
	const char *sig_hex = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Bontot-Signature");
	uint8_t sig[BT_ED25519_SIG_BYTES];
	bt_key *key = NULL;
	bt_buf m;
	char *end = NULL;
	long long n = num ? strtoll(num, &end, 10) : 0;
	int err;
	*last = -1;
	if (!dev || !*dev || strlen(dev) > BT_LOG_ID_MAX_BYTES || !num || !*num || *end || n < 1 || n > (1LL << 62) ||
	    unhex_sig(sig, sig_hex) < 0)
		return bt__error_set(BT_EDENIED, BT_("this request needs a device's signature (X-Bontot-Device, -Counter, -Signature)"));
	int revoked = 0;
	if (bt_store_device_lookup(s->store, dev, who->cell, &who->role, &revoked, &key) < 0 || !key) {
		bt_key_free(key);
		return bt__error_set(BT_EDENIED, BT_("no device \"%.64s\""), dev);
	}
	if (revoked) {
		bt_key_free(key);
		return bt__error_set(BT_EDENIED, BT_("device \"%.64s\" is revoked"), dev);
	}
	bt_buf_init(&m, 4096);
	if ((err = bt_request_message(&m, dev, n, method, url)) == 0 && bt_key_verify(key, m.data, m.len, sig) < 0)
		err = bt__error_set(BT_EDENIED, BT_("the request's signature does not verify for device \"%.64s\""), dev);
	bt_buf_free(&m);
	bt_key_free(key);
	/* Only a signed request moves the counter: nobody else can use up a device's numbers. */
	if (err == 0)
		err = bt_store_device_counter(s->store, dev, n, last);
	else
		*last = -1;
	if (err == 0)
		snprintf(who->device, sizeof(who->device), "%s", dev);
	return err;
}

/*
 * What a device may read of a log: 1, the whole log, for its own cell's
 * devices (a revoked one's too: what it sent before stands); 2, its cell's
 * part only (/v1/office, each event proved), for the office's own log and
 * the devices of a cell that shares a member with its own - what they
 * recorded about him is part of this cell's evaluation (docs/protocol.md,
 * "What a tablet receives"); 0, nothing. *cell_out gets the log's device
 * cell ("" for the office).
 */
static int may_read(bt_server *s, const reader *who, const char *log, char cell[BT_ID_MAX_BYTES + 1])
{
	bt_device_role role;
	int revoked;
	cell[0] = '\0';
	/* The office's own log holds every cell's records: a tablet receives its cell's part, proven, from /v1/office. */
	if (strcmp(log, s->office_log) == 0)
		return 2;
	if (bt_store_device_lookup(s->store, log, cell, &role, &revoked, NULL) < 0) {
		bt_error_clear();
		return 0;
	}
	if (role == BT_ROLE_DEVICE_OFFICE || role == BT_ROLE_DEVICE_RELAYED)
		return 0;
	if (strcmp(cell, who->cell) == 0)
		return 1;
	int linked = bt_store_cells_linked(s->store, cell, who->cell);
	if (linked < 0)
		bt_error_clear();
	return linked > 0 ? 2 : 0;
}

static enum MHD_Result get_head(bt_server *s, struct MHD_Connection *c)
{
	const char *log = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "log");
	bt_buf b;
	int64_t head = 0;
	if (!log || !*log || strlen(log) > BT_LOG_ID_MAX_BYTES) {
		bt__error_set(BT_EINVALID, BT_("the query needs log=ID"));
		return reply_error(s, c, "head", BT_EINVALID);
	}
	/* A device asks for its own log's head (signed); staff for any log's. */
	if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Bontot-Device")) {
		reader who;
		int64_t last;
		if (authenticate(s, c, "GET", "/v1/head", &who, &last) < 0)
			return reply_error_counter(s, c, "head", BT_EDENIED, last);
		char log_cell[BT_ID_MAX_BYTES + 1];
		if (strcmp(who.device, log) != 0 && !may_read(s, &who, log, log_cell)) {
			bt__error_set(BT_EDENIED, BT_("device \"%s\" of cell %s may not read log \"%.64s\""), who.device, who.cell, log);
			return reply_error(s, c, "head", BT_EDENIED);
		}
	} else {
		enum MHD_Result answer;
		if (staff_read(s, c, "head", log, &answer) < 0)
			return answer;
	}
	if (bt_store_log_head(s->store, log, &head) < 0)
		return reply_error(s, c, "head", bt_error_last_code());
	bt_buf_init(&b, 0);
	bt_buf_puts(&b, "{\"log\":");
	bt_buf_json_string(&b, log);
	bt_buf_printf(&b, ",\"seq\":%lld}\n", (long long)head);
	enum MHD_Result ok = reply_json(c, MHD_HTTP_OK, &b);
	bt_buf_free(&b);
	return ok;
}

typedef struct {
	bt_server *s;
	const reader *who;
	bt_buf b;
} listing;

static int list_log(const char *log, int64_t head, void *payload)
{
	listing *l = payload;
	char cell[BT_ID_MAX_BYTES + 1];
	int how = may_read(l->s, l->who, log, cell);
	/* The office's own log is not listed: a tablet asks /v1/office for its part. */
	if (!how || strcmp(log, l->s->office_log) == 0)
		return 0;
	if (l->b.len > 1)
		bt_buf_puts(&l->b, ",");
	bt_buf_puts(&l->b, "{\"log\":");
	bt_buf_json_string(&l->b, log);
	bt_buf_printf(&l->b, ",\"seq\":%lld", (long long)head);
	if (cell[0]) {
		bt_buf_puts(&l->b, ",\"cell\":");
		bt_buf_json_string(&l->b, cell);
	}
	bt_buf_puts(&l->b, how == 2 ? ",\"part\":true}" : "}");
	return l->b.failed ? BT_ENOMEM : 0;
}

/* [{"log":..,"seq":..,"cell":..[,"part":true]}, ...]: its cell's devices' logs (pulled whole), linked cells' (their part, /v1/office). */
static enum MHD_Result get_logs(bt_server *s, struct MHD_Connection *c)
{
	reader who;
	listing l = {s, &who, {0}};
	int64_t last;
	if (!MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Bontot-Device")) {
		bt__error_set(BT_EDENIED, BT_("this request needs a device's signature (X-Bontot-Device, -Counter, -Signature)"));
		return reply_error_status(s, c, "logs", BT_EDENIED, -1, MHD_HTTP_UNAUTHORIZED);
	}
	if (authenticate(s, c, "GET", "/v1/logs", &who, &last) < 0)
		return reply_error_counter(s, c, "logs", BT_EDENIED, last);
	bt_buf_init(&l.b, 0);
	bt_buf_puts(&l.b, "[");
	int err = bt_store_logs(s->store, list_log, &l);
	bt_buf_puts(&l.b, "]\n");
	enum MHD_Result ok = err < 0 ? reply_error(s, c, "logs", err) : reply_json(c, MHD_HTTP_OK, &l.b);
	bt_buf_free(&l.b);
	return ok;
}

static enum MHD_Result get_pull(bt_server *s, struct MHD_Connection *c)
{
	const char *from = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from");
	const char *log = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "log");
	char *end;
	long long f = from ? strtoll(from, &end, 10) : 1;
	bt_buf b;
	size_t n = 0;
	if ((from && *end) || f < 1) {
		bt__error_set(BT_EINVALID, BT_("the query needs from=N (N >= 1)"));
		return reply_error(s, c, "pull", BT_EINVALID);
	}
	if (log && (!*log || strlen(log) > BT_LOG_ID_MAX_BYTES)) {
		bt__error_set(BT_EINVALID, BT_("the query needs log=ID"));
		return reply_error(s, c, "pull", BT_EINVALID);
	}
	reader who;
	int64_t last;
	if (!MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Bontot-Device")) {
		bt__error_set(BT_EDENIED, BT_("this request needs a device's signature (X-Bontot-Device, -Counter, -Signature)"));
		return reply_error_status(s, c, "pull", BT_EDENIED, -1, MHD_HTTP_UNAUTHORIZED);
	}
	if (authenticate(s, c, "GET", "/v1/pull", &who, &last) < 0)
		return reply_error_counter(s, c, "pull", BT_EDENIED, last);
	char log_cell[BT_ID_MAX_BYTES + 1];
	if (may_read(s, &who, log ? log : s->office_log, log_cell) != 1) {
		bt__error_set(BT_EDENIED, BT_("device \"%s\" of cell %s may not read log \"%.64s\" whole"), who.device, who.cell,
			      log ? log : s->office_log);
		return reply_error(s, c, "pull", BT_EDENIED);
	}
	bt_buf_init(&b, 0);
	/* Any log the office holds, signed by the office: it verified the device's signature when it took it. */
	int err = bt_batch_build(&b, &n, s->store, log ? log : s->office_log, f, s->opts.max_pull_events, s->office_key);
	enum MHD_Result ok;
	if (err < 0)
		ok = reply_error(s, c, "pull", err);
	else if (n == 0)
		ok = reply(c, MHD_HTTP_NO_CONTENT, "application/octet-stream", "", 0);
	else {
		logf_(s, "pull from=%lld events=%zu bytes=%zu", f, n, b.len);
		ok = reply(c, MHD_HTTP_OK, "application/octet-stream", b.data, b.len);
	}
	bt_buf_free(&b);
	return ok;
}

static enum MHD_Result post_push(bt_server *s, struct MHD_Connection *c, request *rq)
{
	bt_accept_stats st;
	bt_buf b;
	int err = bt_store_accept(s->store, (const uint8_t *)rq->body.data, rq->body.len, &st);
	if (err < 0)
		return reply_error(s, c, "push", err);
	bt_buf_init(&b, 0);
	bt_buf_printf(&b, "{\"events\":%zu,\"accepted\":%zu,\"already\":%zu,\"out_of_scope\":%zu,\"head_seq\":%lld}\n",
		      st.events, st.accepted, st.already, st.out_of_scope, (long long)st.head_seq);
	logf_(s, "push events=%zu accepted=%zu already=%zu out_of_scope=%zu head=%lld", st.events, st.accepted, st.already,
	      st.out_of_scope, (long long)st.head_seq);
	enum MHD_Result ok = reply_json(c, MHD_HTTP_OK, &b);
	bt_buf_free(&b);
	return ok;
}

/* Body: "code\ndevice id\n" then the device's public key PEM. */
int bt_enroll_request_parse(char code[BT_ENROLL_CODE_MAX + 1], char device[BT_LOG_ID_MAX_BYTES + 1], bt_key **key,
			    const uint8_t *body, size_t len)
{
	const char *p = (const char *)body, *end = p + len, *nl1, *nl2;
	*key = NULL;
	if (!body || !(nl1 = memchr(p, '\n', len)) || !(nl2 = memchr(nl1 + 1, '\n', (size_t)(end - nl1 - 1))) ||
	    nl1 - p > BT_ENROLL_CODE_MAX || nl1 == p || nl2 - nl1 - 1 > BT_LOG_ID_MAX_BYTES || nl2 - nl1 - 1 < 1 ||
	    memchr(p, '\0', (size_t)(nl2 - p)))
		return bt__error_set(BT_EINVALID, BT_("enrollment request: expected the code, the device id and a public key"));
	memcpy(code, p, (size_t)(nl1 - p));
	code[nl1 - p] = '\0';
	memcpy(device, nl1 + 1, (size_t)(nl2 - nl1 - 1));
	device[nl2 - nl1 - 1] = '\0';
	return bt_key_from_public_pem(key, nl2 + 1, (size_t)(end - nl2 - 1)) < 0 ? BT_EINVALID : 0;
}

/* The guard of the client's address (a free or the stalest slot when it has none). */
static enroll_guard *guard_of(bt_server *s, struct MHD_Connection *c, int64_t now)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char addr[64] = "?";
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, addr, sizeof(addr));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, addr, sizeof(addr));
	}
	enroll_guard *stalest = &s->guards[0];
	for (size_t i = 0; i < ENROLL_GUARDS; i++) {
		enroll_guard *g = &s->guards[i];
		if (strcmp(g->addr, addr) == 0) {
			if (now - g->since >= ENROLL_WINDOW)
				g->since = now, g->fails = 0;
			return g;
		}
		if (!g->addr[0] || g->since < stalest->since)
			stalest = g;
	}
	snprintf(stalest->addr, sizeof(stalest->addr), "%s", addr);
	stalest->since = now;
	stalest->fails = 0;
	return stalest;
}

static enum MHD_Result post_enroll(bt_server *s, struct MHD_Connection *c, request *rq)
{
	char code[BT_ENROLL_CODE_MAX + 1], device[BT_LOG_ID_MAX_BYTES + 1], cell[BT_ID_MAX_BYTES + 1], *pem = NULL;
	bt_key *key = NULL;
	bt_buf b;
	int64_t now = (int64_t)time(NULL);
	enroll_guard *g = guard_of(s, c, now);
	if (g->fails >= ENROLL_FAILS_MAX) {
		long minutes = (long)((g->since + ENROLL_WINDOW - now + 59) / 60);
		bt__error_set(BT_EDENIED, BT_("too many wrong enrollment codes from %s: try again in %ld minutes, with the code as the office printed it"),
			      g->addr, minutes);
		return reply_error_status(s, c, "enroll", BT_EDENIED, -1, MHD_HTTP_TOO_MANY_REQUESTS);
	}
	if (bt_enroll_request_parse(code, device, &key, (const uint8_t *)rq->body.data, rq->body.len) < 0)
		return reply_error(s, c, "enroll", BT_EINVALID);
	int err = bt_store_enroll(s->store, code, device, key, now, cell);
	bt_key_free(key);
	if (err == BT_EDENIED)
		g->fails++;
	if (err < 0)
		return reply_error(s, c, "enroll", err);
	if ((err = bt_key_public_pem(&pem, s->office_key)) < 0)
		return reply_error(s, c, "enroll", err);
	bt_buf_init(&b, 0);
	bt_buf_puts(&b, "{\"device\":");
	bt_buf_json_string(&b, device);
	bt_buf_puts(&b, ",\"cell\":");
	bt_buf_json_string(&b, cell);
	bt_buf_puts(&b, ",\"office_log\":");
	bt_buf_json_string(&b, s->office_log);
	char name[256] = "";
	if (bt_store_setting(s->store, "office_name", name, sizeof(name)) < 0)
		bt_error_clear();
	bt_buf_puts(&b, ",\"office_name\":");
	bt_buf_json_string(&b, name);
	bt_buf_puts(&b, ",\"office_key\":");
	bt_buf_json_string(&b, pem);
	bt_buf_puts(&b, "}\n");
	free(pem);
	logf_(s, "enroll device=%s cell=%s", device, cell);
	enum MHD_Result ok = reply_json(c, MHD_HTTP_OK, &b);
	bt_buf_free(&b);
	return ok;
}

/*
 * The transparency log (docs/audit.md), C2SP tlog-tiles under /log/: the
 * checkpoint, tiles and entry bundles. Readers: staff with a token, or a
 * tablet signing the request (it witnesses the checkpoint at each sync).
 */
static enum MHD_Result get_log(bt_server *s, struct MHD_Connection *c, const char *url)
{
	enum MHD_Result answer;
	int device = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Bontot-Device") != NULL;
	if (device) {
		reader who;
		int64_t last;
		if (authenticate(s, c, "GET", url, &who, &last) < 0)
			return reply_error_counter(s, c, "log", BT_EDENIED, last);
		/* A tablet reads the checkpoint and the hashes; the entries are every cell's records: staff only. */
		if (strncmp(url, "/log/tile/entries/", 18) == 0) {
			bt__error_set(BT_EDENIED, BT_("device \"%s\" may read the log's checkpoint and hashes, not its entries"), who.device);
			return reply_error(s, c, "log", BT_EDENIED);
		}
	} else if (staff_read(s, c, "log", url + 5, &answer) < 0) {
		return answer;
	}
	uint64_t size;
	bt_tlog_source src;
	bt_buf b;
	int err;
	bt_store_tlog_source(s->store, &src);
	if ((err = bt_store_tlog_size(s->store, &size)) < 0)
		return reply_error(s, c, "log", err);
	bt_buf_init(&b, 0);
	if (strcmp(url, "/log/checkpoint") == 0) {
		uint8_t root[BT_HASH_BYTES];
		char origin[BT_LOG_ID_MAX_BYTES + 16];
		bt_tlog_origin(origin, sizeof(origin), s->office_log);
		/* The office's signature, then the tablets' cosignatures of this very tree. */
		if ((err = bt_tlog_root(&src, size, root)) == 0 && (err = bt_tlog_checkpoint(&b, origin, size, root, s->office_key)) == 0)
			err = bt_store_tlog_cosigs(s->store, size, &b);
		answer = err < 0 ? reply_error(s, c, "log", err) : reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", b.data, b.len);
		bt_buf_free(&b);
		return answer;
	}
	int level, width;
	uint64_t index;
	if (bt_tlog_tile_path_parse(url + 5, &level, &index, &width) < 0 || level > 7) {
		bt__error_set(BT_ENOTFOUND, BT_("no such endpoint: %.8s %.100s"), "GET", url);
		return reply_error(s, c, "log", BT_ENOTFOUND);
	}
	/* Only tiles the current tree has: a full one, or the partial one of exactly its width. */
	uint64_t span = level < 0 ? 1 : 1ull << (8 * level);
	uint64_t at_level = size / span, full = at_level / BT_TLOG_TILE_WIDTH;
	if (index > full || (width == BT_TLOG_TILE_WIDTH && index >= full) ||
	    (width < BT_TLOG_TILE_WIDTH && (index != full || (uint64_t)width != at_level % BT_TLOG_TILE_WIDTH))) {
		bt__error_set(BT_ENOTFOUND, BT_("no such tile in a tree of %llu"), (unsigned long long)size);
		return reply_error(s, c, "log", BT_ENOTFOUND);
	}
	err = bt_store_tlog_tile(s->store, level, index, width, &b);
	answer = err < 0 ? reply_error(s, c, "log", err) : reply(c, MHD_HTTP_OK, "application/octet-stream", b.data ? b.data : "", b.len);
	bt_buf_free(&b);
	return answer;
}

/* A signed device request: 0 with who, or -1 with the refusal queued in *answer (401 unsigned, 403 refused). */
static int device_request(bt_server *s, struct MHD_Connection *c, const char *what, const char *path, reader *who,
			  enum MHD_Result *answer)
{
	int64_t last;
	if (!MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Bontot-Device")) {
		bt__error_set(BT_EDENIED, BT_("this request needs a device's signature (X-Bontot-Device, -Counter, -Signature)"));
		*answer = reply_error_status(s, c, what, BT_EDENIED, -1, MHD_HTTP_UNAUTHORIZED);
		return -1;
	}
	if (authenticate(s, c, "POST", path, who, &last) < 0) {
		*answer = reply_error_counter(s, c, what, BT_EDENIED, last);
		return -1;
	}
	return 0;
}

/*
 * POST /v1/cosign (signed): "<size>\n<the tablet's cosignature line>\n" -
 * the tablet witnessed the checkpoint of that size. Checked against the
 * tablet's key and kept; served with the checkpoint while the tree has that size.
 */
static enum MHD_Result post_cosign(bt_server *s, struct MHD_Connection *c, request *rq)
{
	reader who;
	enum MHD_Result answer;
	if (device_request(s, c, "cosign", "/v1/cosign", &who, &answer) < 0)
		return answer;
	char body[1024], name[BT_LOG_ID_MAX_BYTES + 32], origin[BT_LOG_ID_MAX_BYTES + 16];
	if (rq->body.len == 0 || rq->body.len >= sizeof(body) || rq->body.data[rq->body.len - 1] != '\n') {
		bt__error_set(BT_EINVALID, BT_("a cosignature request is the tree size and one signature line"));
		return reply_error(s, c, "cosign", BT_EINVALID);
	}
	memcpy(body, rq->body.data, rq->body.len);
	body[rq->body.len] = '\0';
	char *nl = strchr(body, '\n'), *end = NULL;
	unsigned long long size = strtoull(body, &end, 10);
	uint64_t now_size;
	if (!nl || end != nl || nl == body || nl[1] == '\0' || strchr(nl + 1, '\n') != body + rq->body.len - 1) {
		bt__error_set(BT_EINVALID, BT_("a cosignature request is the tree size and one signature line"));
		return reply_error(s, c, "cosign", BT_EINVALID);
	}
	int err = bt_store_tlog_size(s->store, &now_size);
	if (err == 0 && (size == 0 || size > now_size))
		err = bt__error_set(BT_EINVALID, BT_("the log has no tree of %llu entries"), size);
	bt_tlog_source src;
	uint8_t root[BT_HASH_BYTES];
	bt_buf text;
	bt_key *key = NULL;
	char cell[BT_ID_MAX_BYTES + 1];
	bt_device_role role;
	int revoked;
	bt_buf_init(&text, 0);
	bt_store_tlog_source(s->store, &src);
	bt_tlog_origin(origin, sizeof(origin), s->office_log);
	bt_tlog_witness_name(name, sizeof(name), who.device);
	if (err == 0 && (err = bt_tlog_root(&src, size, root)) == 0 && (err = bt_tlog_checkpoint_text(&text, origin, size, root)) == 0 &&
	    (err = bt_store_device_lookup(s->store, who.device, cell, &role, &revoked, &key)) == 0 &&
	    (err = bt_tlog_cosignature_verify(text.data, text.len, nl + 1, strlen(nl + 1) - 1, name, key, NULL)) == 0)
		err = bt_store_tlog_cosig_put(s->store, size, who.device, nl + 1);
	bt_key_free(key);
	bt_buf_free(&text);
	if (err < 0)
		return reply_error(s, c, "cosign", err);
	logf_(s, "cosign device=%s size=%llu", who.device, size);
	bt_buf b;
	bt_buf_init(&b, 0);
	bt_buf_printf(&b, "{\"size\":%llu}\n", size);
	enum MHD_Result ok = reply_json(c, MHD_HTTP_OK, &b);
	bt_buf_free(&b);
	return ok;
}

/* A decimal number of at most 18 digits at *p (before end), into *v; the end of it, or NULL. */
static const char *number(const char *p, const char *end, int64_t *v)
{
	int64_t x = 0;
	const char *start = p;
	while (p < end && *p >= '0' && *p <= '9' && p - start < 18)
		x = x * 10 + (*p++ - '0');
	if (p == start || (p < end && *p >= '0' && *p <= '9'))
		return NULL;
	*v = x;
	return p;
}

int bt_office_request_parse(const char *body, size_t len, uint64_t *size, int64_t (**ranges)[2], size_t *n)
{
	const char *p = body, *end = body + len;
	typedef int64_t range[2];
	BT_ARRAY(range) held = {0};
	int64_t v = 0;
	*ranges = NULL;
	*n = 0;
	if (len < 6 || memcmp(p, "size ", 5) != 0 || !(p = number(p + 5, end, &v)) || p == end || *p++ != '\n')
		return bt__error_set(BT_EINVALID, BT_("a request for the office's records is \"size N\" and the ranges held"));
	*size = (uint64_t)v;
	while (p < end) {
		int64_t a = 0, z = 0;
		if (!(p = number(p, end, &a)) || p == end || *p++ != '-' || !(p = number(p, end, &z)) || p == end || *p++ != '\n' ||
		    a < 1 || z < a || (held.n && a <= held.v[held.n - 1][1])) {
			free(held.v);
			return bt__error_set(BT_EINVALID, BT_("a request for the office's records is \"size N\" and the ranges held"));
		}
		range *r = BT_PUSH(&held);
		if (!r) {
			free(held.v);
			return BT_ENOMEM;
		}
		(*r)[0] = a, (*r)[1] = z;
	}
	*ranges = held.v;
	*n = held.n;
	return 0;
}

/*
 * POST /v1/office[?log=ID] (signed): what a tablet receives of the
 * office's own log, or of the log of a tablet of a cell that shares a
 * member with its own (docs/protocol.md, "What a tablet receives") - only
 * what its cell may see, each event with its proof of inclusion in the transparency log of
 * the size the tablet asks for (the checkpoint it just verified and
 * cosigned). Body: "size S\n", then one line "FIRST-LAST\n" per range of
 * the office's sequence numbers the tablet holds, ascending. Answer:
 * {"size":S,"events":[{"entry":I,"bytes":"<base64>","proof":["<base64>",...]},...],"more":false}.
 */
typedef struct {
	bt_server *s;
	bt_tlog_source src;
	uint64_t size;
	bt_buf b;
	size_t n;
} office_out;

static int office_event(int64_t entry, const uint8_t *bytes, size_t len, void *payload)
{
	office_out *o = payload;
	uint8_t proof[BT_TLOG_PROOF_MAX][BT_HASH_BYTES];
	size_t np = 0;
	int err = bt_tlog_inclusion_proof(&o->src, (uint64_t)entry, o->size, proof, &np);
	if (err < 0)
		return err;
	char *b64 = malloc(len / 3 * 4 + 8);
	if (!b64)
		return bt__oom();
	EVP_EncodeBlock((unsigned char *)b64, bytes, (int)len);
	bt_buf_printf(&o->b, "%s{\"entry\":%lld,\"bytes\":\"%s\",\"proof\":[", o->n++ ? "," : "", (long long)entry, b64);
	free(b64);
	for (size_t i = 0; i < np; i++) {
		char h[48];
		EVP_EncodeBlock((unsigned char *)h, proof[i], BT_HASH_BYTES);
		bt_buf_printf(&o->b, "%s\"%s\"", i ? "," : "", h);
	}
	bt_buf_puts(&o->b, "]}");
	return o->b.failed ? BT_ENOMEM : 0;
}

static enum MHD_Result post_office(bt_server *s, struct MHD_Connection *c, request *rq)
{
	reader who;
	enum MHD_Result answer;
	if (device_request(s, c, "office", "/v1/office", &who, &answer) < 0)
		return answer;
	/* Of which log: the office's own (the default), or a device's of a cell that shares a member with this one. */
	const char *log = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "log");
	char log_cell[BT_ID_MAX_BYTES + 1];
	if (!log)
		log = s->office_log;
	if (strlen(log) > BT_LOG_ID_MAX_BYTES || may_read(s, &who, log, log_cell) != 2) {
		bt__error_set(BT_EDENIED, BT_("device \"%s\" of cell %s may not read log \"%.64s\""), who.device, who.cell, log);
		return reply_error(s, c, "office", BT_EDENIED);
	}
	/* The body: the tree size, then the ranges held; checked strictly. */
	uint64_t size = 0, now_size = 0;
	int64_t(*held)[2] = NULL;
	size_t n_held = 0;
	int err = bt_office_request_parse(rq->body.data ? rq->body.data : "", rq->body.len, &size, &held, &n_held);
	if (err == 0 && (err = bt_store_tlog_size(s->store, &now_size)) == 0 && (size == 0 || size > now_size))
		err = bt__error_set(BT_EINVALID, BT_("the log has no tree of %llu entries"), (unsigned long long)size);
	office_out o;
	memset(&o, 0, sizeof(o));
	o.s = s;
	o.size = size;
	bt_store_tlog_source(s->store, &o.src);
	bt_buf_init(&o.b, 0);
	int more = 0;
	if (err == 0) {
		bt_buf_printf(&o.b, "{\"size\":%llu,\"events\":[", (unsigned long long)size);
		err = bt_store_cell_view(s->store, log, who.cell, size, (const int64_t(*)[2])held, n_held,
					 s->opts.max_pull_events, office_event, &o, &more);
		bt_buf_printf(&o.b, "],\"more\":%s}\n", more ? "true" : "false");
	}
	free(held);
	if (err == 0 && o.b.failed)
		err = BT_ENOMEM;
	enum MHD_Result ok;
	if (err < 0) {
		ok = reply_error(s, c, "office", err);
	} else {
		logf_(s, "office device=%s cell=%s log=%s size=%llu events=%zu", who.device, who.cell, log, (unsigned long long)size, o.n);
		ok = reply_json(c, MHD_HTTP_OK, &o.b);
	}
	bt_buf_free(&o.b);
	return ok;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	bt_server *s = cls;
	request *rq = *con_cls;
	(void)version;
	if (!rq) {
		/* First call: headers only. Keep a bounded buffer for the body: a
		 * buffer's limit counts the NUL it keeps after its data, so one more
		 * than max_body lets a body of exactly max_body bytes in. */
		if (!(rq = calloc(1, sizeof(*rq))))
			return MHD_NO;
		bt_buf_init(&rq->body, s->opts.max_body < SIZE_MAX ? s->opts.max_body + 1 : SIZE_MAX);
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!rq->too_large && bt_buf_put(&rq->body, upload, *upload_size) < 0)
			rq->too_large = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	bt_error_clear();
	if (rq->too_large) {
		bt__error_set(BT_EINVALID, BT_("request body larger than %zu bytes"), s->opts.max_body);
		bt_buf b;
		bt_buf_init(&b, 0);
		bt_buf_printf(&b, "{\"error\":\"BT_EINVALID\",\"message\":");
		bt_buf_json_string(&b, bt_error_last());
		bt_buf_puts(&b, "}\n");
		enum MHD_Result ok = reply_json(c, MHD_HTTP_CONTENT_TOO_LARGE, &b);
		bt_buf_free(&b);
		return ok;
	}
	int get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
	if (get && strcmp(url, "/v1/evaluation") == 0)
		return get_evaluation(s, c);
	if (get && strcmp(url, "/v1/head") == 0)
		return get_head(s, c);
	if (get && strcmp(url, "/v1/findings") == 0)
		return get_findings(s, c);
	if (get && strcmp(url, "/v1/pull") == 0)
		return get_pull(s, c);
	if (get && strcmp(url, "/v1/logs") == 0)
		return get_logs(s, c);
	if (post && strcmp(url, "/v1/push") == 0)
		return post_push(s, c, rq);
	if (post && strcmp(url, "/v1/enroll") == 0)
		return post_enroll(s, c, rq);
	if (get && strncmp(url, "/log/", 5) == 0)
		return get_log(s, c, url);
	if (post && strcmp(url, "/v1/cosign") == 0)
		return post_cosign(s, c, rq);
	if (post && strcmp(url, "/v1/office") == 0)
		return post_office(s, c, rq);
	bt__error_set(BT_ENOTFOUND, BT_("no such endpoint: %.8s %.100s"), method, url);
	return reply_error(s, c, "request", BT_ENOTFOUND);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	request *rq = *con_cls;
	(void)cls, (void)c, (void)toe;
	if (rq) {
		bt_buf_free(&rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

int bt_server_start(bt_server **out, bt_store *store, const bt_key *office_key, const bt_server_opts *opts)
{
	bt_server *s;
	struct sockaddr_in sa;
	*out = NULL;
	if (!opts || opts->version != BT_SERVER_OPTS_VERSION)
		return bt__error_set(BT_EINVALID, BT_("invalid server options"));
	if (!(s = calloc(1, sizeof(*s))))
		return bt__oom();
	s->store = store;
	s->office_key = office_key;
	s->opts = *opts;
	if (!s->opts.max_body)
		s->opts.max_body = 8u << 20;
	if (!s->opts.max_pull_events)
		s->opts.max_pull_events = 2000;
	snprintf(s->office_log, sizeof(s->office_log), "%s", bt_store_log_id(store));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)opts->port);
	if (inet_pton(AF_INET, opts->address ? opts->address : "127.0.0.1", &sa.sin_addr) != 1) {
		free(s);
		return bt__error_set(BT_EINVALID, BT_("invalid listening address \"%.64s\""), opts->address);
	}
	if ((opts->tls_cert_pem != NULL) != (opts->tls_key_pem != NULL)) {
		free(s);
		return bt__error_set(BT_EINVALID, BT_("TLS needs both a certificate and its key"));
	}
	if (opts->tls_cert_pem)
		s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS, (uint16_t)opts->port, NULL, NULL,
					     handle, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
					     MHD_OPTION_NOTIFY_COMPLETED, completed, s, MHD_OPTION_CONNECTION_TIMEOUT,
					     (unsigned)30, MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_HTTPS_MEM_CERT,
					     opts->tls_cert_pem, MHD_OPTION_HTTPS_MEM_KEY, opts->tls_key_pem, MHD_OPTION_END);
	else
		s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)opts->port, NULL, NULL, handle, s,
					     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, completed,
					     s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_LIMIT,
					     (unsigned)64, MHD_OPTION_END);
	if (!s->daemon) {
		free(s);
		return bt__error_set(BT_ENET, opts->tls_cert_pem ? BT_("cannot listen on %s:%d (or the TLS certificate or key is not usable)")
								 : BT_("cannot listen on %s:%d"),
				     opts->address ? opts->address : "127.0.0.1", opts->port);
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : opts->port;
	*out = s;
	return 0;
}

int bt_server_port(const bt_server *s) { return s->port; }

void bt_server_stop(bt_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->daemon);
	free(s);
}

int bt_tls_pin(char out[BT_TLS_PIN_BYTES], const char *cert_pem)
{
	BIO *bio = BIO_new_mem_buf(cert_pem, -1);
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	unsigned char *der = NULL, hash[BT_HASH_BYTES];
	int len = x ? i2d_PUBKEY(X509_get0_pubkey(x), &der) : -1, err = 0;
	if (len <= 0 || bt__sha256(hash, der, (size_t)len) < 0) {
		err = bt__error_set(BT_EINVALID, BT_("not a TLS certificate (PEM)"));
	} else {
		memcpy(out, "sha256//", 8);
		EVP_EncodeBlock((unsigned char *)out + 8, hash, BT_HASH_BYTES); /* 44 characters and a NUL */
	}
	OPENSSL_free(der);
	X509_free(x);
	BIO_free(bio);
	return err;
}
