/*
 * client.c - the tablet's side (libcurl): enroll with a one-time code, then
 * sync: push the tablet's log in bounded batches from what the office has
 * acknowledged, then pull every log the office lets it read (the office's,
 * its cell's other tablets', those of a cell sharing a member); a refused
 * push does not stop the pull. Every call is idempotent, so an
 * interrupted sync simply resumes; network failures are retried with
 * exponential backoff and jitter. Endpoints: docs/protocol.md.
 */
#include "bontot/sync.h"
#include "bontot/tlog.h"
#include "buf.h"
#include "error.h"
#include "i18n.h"

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <time.h>

typedef struct {
	bt_buf body;
	long status;
	int has_time;       /* the office said what time it is (X-Bontot-Time) */
	int64_t office_time;
} response;

static size_t on_data(char *p, size_t size, size_t n, void *payload)
{
	response *r = payload;
	return bt_buf_put(&r->body, p, size * n) < 0 ? 0 : size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *payload)
{
	response *r = payload;
	static const char name[] = "x-bontot-time:";
	size_t len = size * n;
	if (len > sizeof(name) - 1 && strncasecmp(p, name, sizeof(name) - 1) == 0) {
		char num[32];
		size_t k = len - (sizeof(name) - 1);
		if (k >= sizeof(num))
			k = sizeof(num) - 1;
		memcpy(num, p + sizeof(name) - 1, k);
		num[k] = '\0';
		char *end;
		long long t = strtoll(num, &end, 10);
		if (end != num && t > 0) {
			r->has_time = 1;
			r->office_time = t;
		}
	}
	return len;
}

static void backoff(int attempt)
{
	uint8_t j = 0;
	RAND_bytes(&j, 1);
	long ms = (200L << (attempt < 6 ? attempt : 6)) + j * 2; /* 0.2 s, 0.4 s, ... plus up to 0.5 s of jitter */
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/*
 * The next number for a signed request (docs/protocol.md): above every
 * number this tablet used, and at least the clock's seconds so that a
 * tablet restored from an old copy catches up by itself. Kept in the store
 * before the request is sent, so no number is ever used twice.
 */
static int next_counter(bt_store *tablet, int64_t *out)
{
	char text[32];
	int64_t used = 0, now = (int64_t)time(NULL);
	if (bt_store_setting(tablet, "request_counter", text, sizeof(text)) == 0)
		used = strtoll(text, NULL, 10);
	else
		bt_error_clear();
	*out = used + 1 > now ? used + 1 : now;
	snprintf(text, sizeof(text), "%lld", (long long)*out);
	return bt_store_set_setting(tablet, "request_counter", text);
}

/* The X-Bontot-* headers that sign a request as the device (docs/protocol.md). */
static int sign_request(struct curl_slist **h, bt_store *tablet, const bt_key *key, const char *device, const char *method,
			const char *path)
{
	char line[300], hex[2 * BT_ED25519_SIG_BYTES + 1], bare[512];
	uint8_t sig[BT_ED25519_SIG_BYTES];
	int64_t counter;
	bt_buf m;
	int err;
	if ((err = next_counter(tablet, &counter)) < 0)
		return err;
	snprintf(bare, sizeof(bare), "%.*s", (int)strcspn(path, "?"), path);
	bt_buf_init(&m, 4096);
	if ((err = bt_request_message(&m, device, counter, method, bare)) == 0)
		err = bt_key_sign(sig, key, m.data, m.len);
	bt_buf_free(&m);
	if (err < 0)
		return err;
	for (size_t i = 0; i < BT_ED25519_SIG_BYTES; i++)
		snprintf(hex + 2 * i, 3, "%02x", sig[i]);
	snprintf(line, sizeof(line), "X-Bontot-Device: %s", device);
	*h = curl_slist_append(*h, line);
	snprintf(line, sizeof(line), "X-Bontot-Counter: %lld", (long long)counter);
	*h = curl_slist_append(*h, line);
	snprintf(line, sizeof(line), "X-Bontot-Signature: %s", hex);
	*h = curl_slist_append(*h, line);
	return *h ? 0 : bt__oom();
}

/*
 * Why an exchange failed, in the messages' language, for a secretary: what
 * happened and what to look at. curl's own English text is kept out of it
 * (the technical detail is in the server's log and in curl's code).
 */
static const char *curl_reason(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return BT_("the office's name was not found: check the address and that the tablet is on the network");
	case CURLE_COULDNT_CONNECT:
		return BT_("the office did not answer: check that the office's server is running and the address is right");
	case CURLE_OPERATION_TIMEDOUT:
		return BT_("the office took too long to answer: the link is weak or the office is busy; try again later");
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return BT_("the link was cut during the exchange; try again");
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
		return BT_("the secure connection could not be set up: check that the address starts with the right http:// or https://");
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return BT_("the address is not valid: it looks like http://ADDRESS:PORT or https://ADDRESS:PORT");
	default:
		return BT_("the network failed; check the connection and try again");
	}
}

/* One HTTP exchange with retries on network failures (not on HTTP answers). */
static int http(response *r, const bt_client_opts *o, const char *method, const char *path, const void *body, size_t len,
		const char *type, bt_store *tablet, const bt_key *auth, const char *auth_id)
{
	char url[1024];
	int err = BT_ENET;
	snprintf(url, sizeof(url), "%s%s", o->url, path);
	for (int attempt = 0; attempt <= o->retries; attempt++) {
		CURL *c = curl_easy_init();
		struct curl_slist *h = NULL;
		if (!c)
			return bt__oom();
		bt_buf_free(&r->body);
		bt_buf_init(&r->body, 64u << 20);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout_seconds > 0 ? o->timeout_seconds : 60L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		if (o->tls_pin) {
			/* The pin is the trust: the office's own certificate needs no CA, nor a matching name. */
			curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, o->tls_pin);
			curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
		} else if (o->tls_cacert) {
			curl_easy_setopt(c, CURLOPT_CAINFO, o->tls_cacert);
		}
		if (strcmp(method, "POST") == 0) {
			h = curl_slist_append(h, type);
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
		}
		if (auth && (err = sign_request(&h, tablet, auth, auth_id, method, path)) < 0) {
			curl_slist_free_all(h);
			curl_easy_cleanup(c);
			return err;
		}
		if (h)
			curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		CURLcode rc = curl_easy_perform(c);
		curl_off_t declared = -1;
		if (rc == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &declared);
		if (rc == CURLE_OK && ((declared >= 0 && (size_t)declared != r->body.len) ||
				       (declared < 0 && strcmp(method, "POST") == 0 && r->body.len == 0))) {
			/* A reply cut short on the way: a network failure, tried again. */
			err = bt__error_set(BT_ENET, BT_("cannot reach %s: %s"), o->url, BT_("the answer was cut short"));
		} else if (rc == CURLE_OK) {
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
			err = 0;
		} else if (rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH || rc == CURLE_PEER_FAILED_VERIFICATION) {
			/* Not the office: refused at once, never retried. */
			err = bt__error_set(BT_EBADSIG, BT_("%s is not the office this tablet trusts: its certificate is not the one enrolled"), o->url);
			curl_slist_free_all(h);
			curl_easy_cleanup(c);
			return err;
		} else {
			err = bt__error_set(BT_ENET, BT_("cannot reach %s: %s"), o->url, curl_reason(rc));
		}
		curl_slist_free_all(h);
		curl_easy_cleanup(c);
		if (err == 0)
			return 0;
		if (attempt < o->retries) {
			if (o->progress) {
				char line[512];
				/* What went wrong once; then only the count (the last error is told at the end). */
				if (attempt == 0)
					snprintf(line, sizeof(line), BT_("network error, retrying (%d/%d): %s"), attempt + 1, o->retries,
						 bt_error_last());
				else
					snprintf(line, sizeof(line), BT_("retrying (%d/%d)"), attempt + 1, o->retries);
				o->progress(line, o->payload);
			}
			backoff(attempt);
		}
	}
	return err;
}

/* An HTTP error reply {"error":..,"message":..} becomes this thread's error. */
static int refused(const response *r)
{
	json_t *j = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
	const char *code = json_string_value(json_object_get(j, "error"));
	const char *msg = json_string_value(json_object_get(j, "message"));
	int err = code && strcmp(code, "BT_EDENIED") == 0   ? BT_EDENIED
		  : code && strcmp(code, "BT_EBADSIG") == 0  ? BT_EBADSIG
		  : code && strcmp(code, "BT_ECONFLICT") == 0 ? BT_ECONFLICT
		  : r->status >= 500			    ? BT_ENET
							    : BT_EINVALID;
	bt__error_set(err, BT_("the office refused (HTTP %ld): %s"), r->status, msg ? msg : "?");
	json_decref(j);
	return err;
}

/* A tablet that trusts the office by a pin or a CA talks to it over https:// only, never in clear. */
static int refuse_plain(const bt_client_opts *o)
{
	if ((o->tls_pin || o->tls_cacert) && strncasecmp(o->url, "https://", 8) != 0)
		return bt__error_set(BT_EINVALID, BT_("this tablet trusts the office by its TLS certificate: it does not send records to %s in clear (the address must start with https://)"),
				     o->url);
	return 0;
}

/*
 * The pin of the server's certificate, as its TLS handshake shows it: a
 * connection that sends no request at all (CURLOPT_CONNECT_ONLY), and the
 * certificate read from CURLINFO_CERTINFO. Nothing is trusted yet here: the
 * caller compares the pin with what it expects.
 */
static int server_pin(const bt_client_opts *o, char pin[BT_TLS_PIN_BYTES])
{
	int err = BT_ENET;
	for (int attempt = 0; attempt <= o->retries; attempt++) {
		CURL *c = curl_easy_init();
		struct curl_certinfo *ci = NULL;
		if (!c)
			return bt__oom();
		curl_easy_setopt(c, CURLOPT_URL, o->url);
		curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
		curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout_seconds > 0 ? o->timeout_seconds : 60L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		CURLcode rc = curl_easy_perform(c);
		if (rc == CURLE_OK && curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) == CURLE_OK && ci && ci->num_of_certs > 0) {
			err = bt__error_set(BT_EBADSIG, BT_("%s sent no certificate that can be read"), o->url);
			for (struct curl_slist *f = ci->certinfo[0]; f; f = f->next)
				if (strncmp(f->data, "Cert:", 5) == 0)
					err = bt_tls_pin(pin, f->data + 5);
		} else if (rc == CURLE_OK) {
			err = bt__error_set(BT_EBADSIG, BT_("%s sent no certificate that can be read"), o->url);
		} else {
			err = bt__error_set(BT_ENET, BT_("cannot reach %s: %s"), o->url, curl_reason(rc));
		}
		curl_easy_cleanup(c);
		if (err != BT_ENET)
			return err;
		if (attempt < o->retries)
			backoff(attempt);
	}
	return err;
}

int bt_client_enroll(bt_store *tablet, const bt_client_opts *o, const char *code, const char *key_path)
{
	bt_key *device = NULL, *office = NULL;
	char *pem = NULL;
	response r = {{0}, 0, 0, 0};
	bt_buf body;
	json_t *j = NULL;
	int err;
	if (!o || o->version != BT_CLIENT_OPTS_VERSION || !o->url)
		return bt__error_set(BT_EINVALID, BT_("invalid client options"));
	char already[BT_LOG_ID_MAX_BYTES + 1];
	if (bt_store_setting(tablet, "office_log", already, sizeof(already)) == 0)
		return bt__error_set(BT_EEXISTS, BT_("this store is already enrolled at an office"));
	bt_error_clear();
	char secret[BT_ENROLL_CODE_BYTES], written[BT_ENROLL_PINNED_CODE_BYTES], pin[BT_TLS_PIN_BYTES];
	bt_client_opts pinned = *o;
	int carries = bt_enroll_code_parse(secret, written, code);
	if (carries < 0)
		return carries;
	if ((err = refuse_plain(o)) < 0)
		return err;
	if (carries) {
		/* The code says which key the office has: check the server's before sending it anything. */
		char expected[BT_ENROLL_PINNED_CODE_BYTES];
		if (strncasecmp(o->url, "https://", 8) != 0)
			return bt__error_set(BT_EINVALID, BT_("this code carries the office's TLS fingerprint: the office's address starts with https://, not %s"),
					     o->url);
		if (o->tls_pin || o->tls_cacert)
			return bt__error_set(BT_EINVALID, BT_("this code carries the office's TLS fingerprint: no pin or CA is needed"));
		if ((err = server_pin(o, pin)) < 0)
			return err;
		if ((err = bt_enroll_code_pinned(expected, secret, pin)) < 0)
			return err;
		if (strcmp(expected, written) != 0)
			return bt__error_set(BT_EBADSIG, BT_("%s is not the office that made this code: its certificate does not match the code; the code was not sent"),
					     o->url);
		pinned.tls_pin = pin; /* the code goes to that key only */
		o = &pinned;
	}
	code = secret;
	bt_buf_init(&body, 0);
	/* A key left by an attempt whose answer was lost is used again: the office may have taken it. */
	if (access(key_path, F_OK) == 0 ? (err = bt_key_load_private(&device, key_path)) < 0
					 : ((err = bt_key_generate(&device)) < 0 || (err = bt_key_save_private(device, key_path)) < 0))
		goto done;
	if ((err = bt_key_public_pem(&pem, device)) < 0)
		goto fail;
	bt_buf_printf(&body, "%s\n%s\n%s", code, bt_store_log_id(tablet), pem);
	if ((err = http(&r, o, "POST", "/v1/enroll", body.data, body.len, "Content-Type: text/plain", tablet, NULL, NULL)) < 0)
		goto fail;
	if (r.status != 200) {
		err = refused(&r);
		goto fail;
	}
	j = json_loadb(r.body.data, r.body.len, 0, NULL);
	const char *cell = json_string_value(json_object_get(j, "cell"));
	const char *office_log = json_string_value(json_object_get(j, "office_log"));
	const char *office_pem = json_string_value(json_object_get(j, "office_key"));
	const char *office_name = json_string_value(json_object_get(j, "office_name"));
	if (!cell || !office_log || !office_pem) {
		err = bt__error_set(BT_ECORRUPT, BT_("the office's answer is not understood"));
		goto fail;
	}
	if ((err = bt_key_from_public_pem(&office, office_pem, strlen(office_pem))) < 0 ||
	    (err = bt_store_device_add(tablet, office_log, NULL, BT_ROLE_DEVICE_OFFICE, office)) < 0 ||
	    (err = bt_store_set_setting(tablet, "server_url", o->url)) < 0 ||
	    (err = bt_store_set_setting(tablet, "office_log", office_log)) < 0 ||
	    (err = bt_store_set_setting(tablet, "cell", cell)) < 0 ||
	    (err = bt_store_set_setting(tablet, "office_name", office_name ? office_name : "")) < 0 ||
	    (err = bt_store_set_setting(tablet, "device_key", key_path)) < 0 ||
	    (o->tls_pin && (err = bt_store_set_setting(tablet, "tls_pin", o->tls_pin)) < 0))
		goto fail;
	goto done;
fail:
	/* No half-enrolled tablet: the key file goes if the office refused it; after a
	 * network failure it stays, for the next attempt with the same code. */
	if (err != BT_ENET)
		remove(key_path);
done:
	json_decref(j);
	bt_buf_free(&r.body);
	bt_buf_free(&body);
	free(pem);
	bt_key_free(device);
	bt_key_free(office);
	return err;
}

static int64_t json_int(const response *r, const char *field)
{
	json_t *j = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
	json_t *v = json_object_get(j, field);
	int64_t x = json_is_integer(v) ? json_integer_value(v) : -1;
	json_decref(j);
	return x;
}

/*
 * A signed GET. When the office refuses the request's number (this
 * tablet's store was restored from an older copy), take the number it
 * last saw and try once more.
 */
static int signed_get(response *r, const bt_client_opts *o, const char *path, bt_store *tablet, const bt_key *device,
		      const char *log)
{
	int err = http(r, o, "GET", path, NULL, 0, NULL, tablet, device, log);
	if (err == 0 && r->status == 403) {
		json_t *j = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
		json_t *last = json_object_get(j, "counter");
		if (json_is_integer(last) && json_integer_value(last) > 0) {
			char text[32];
			snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(last));
			err = bt_store_set_setting(tablet, "request_counter", text);
			if (err == 0)
				err = http(r, o, "GET", path, NULL, 0, NULL, tablet, device, log);
		}
		json_decref(j);
	}
	return err;
}

static void note_clock(bt_sync_stats *st, const response *r)
{
	if (r->has_time && !st->clock_known) {
		st->clock_known = 1;
		st->clock_skew = r->office_time - (int64_t)time(NULL);
	}
}

/* Push the tablet's log from what the office acknowledges, batch by batch. */
static int push(bt_sync_stats *st, bt_store *tablet, const bt_key *device, const bt_client_opts *o)
{
	char path[512], line[256];
	const char *log = bt_store_log_id(tablet);
	response r = {{0}, 0, 0, 0};
	bt_buf batch;
	int err;
	bt_buf_init(&batch, 0);
	snprintf(path, sizeof(path), "/v1/head?log=%s", log);
	if ((err = signed_get(&r, o, path, tablet, device, log)) < 0)
		goto done;
	note_clock(st, &r);
	if (r.status != 200) {
		err = refused(&r);
		goto done;
	}
	int64_t acked = json_int(&r, "seq");
	if (acked < 0) {
		err = bt__error_set(BT_ECORRUPT, BT_("the office's answer is not understood"));
		goto done;
	}
	for (;;) {
		size_t n = 0;
		batch.len = 0;
		if ((err = bt_batch_build(&batch, &n, tablet, log, acked + 1, o->max_events ? o->max_events : 500, device)) < 0)
			goto done;
		if (n == 0)
			break;
		if ((err = http(&r, o, "POST", "/v1/push", batch.data, batch.len, "Content-Type: application/octet-stream", tablet,
				NULL, NULL)) < 0)
			goto done;
		note_clock(st, &r);
		if (r.status != 200) {
			err = refused(&r);
			goto done;
		}
		int64_t head = json_int(&r, "head_seq");
		if (head <= acked) {
			err = bt__error_set(BT_ECORRUPT, BT_("the office's answer is not understood"));
			goto done;
		}
		st->pushed += (size_t)(head - acked);
		st->batches++;
		st->bytes_sent += batch.len;
		acked = head;
		if (o->progress) {
			snprintf(line, sizeof(line), BT_("sent %zu events (%zu bytes)"), st->pushed, st->bytes_sent);
			o->progress(line, o->payload);
		}
	}
done:
	bt_buf_free(&batch);
	bt_buf_free(&r.body);
	return err;
}

static int pull_part(bt_sync_stats *st, bt_store *tablet, const bt_key *device, const bt_client_opts *o, const char *office_log,
		     const char *of, const char *cell, uint64_t size, const uint8_t root[BT_HASH_BYTES]);

/*
 * Pull every log the office lets us read but our own: our cell's other
 * tablets' whole, from what we hold; then, when this sync witnessed the
 * office's log (size > 0), our cell's part of the office's own log and of
 * the logs of tablets of cells that share a member with ours, proved.
 */
static int pull(bt_sync_stats *st, bt_store *tablet, const bt_key *device, const bt_client_opts *o, const char *office_log,
		uint64_t size, const uint8_t root[BT_HASH_BYTES])
{
	char path[512], line[256];
	const char *log = bt_store_log_id(tablet);
	response r = {{0}, 0, 0, 0};
	int err;
	if ((err = signed_get(&r, o, "/v1/logs", tablet, device, log)) < 0)
		goto done;
	note_clock(st, &r);
	if (r.status != 200) {
		err = refused(&r);
		goto done;
	}
	json_t *logs = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL);
	if (!json_is_array(logs)) {
		json_decref(logs);
		err = bt__error_set(BT_ECORRUPT, BT_("the office's answer is not understood"));
		goto done;
	}
	size_t li;
	json_t *entry;
	json_array_foreach(logs, li, entry)
	{
		const char *other = json_string_value(json_object_get(entry, "log"));
		const char *dev_cell = json_string_value(json_object_get(entry, "cell"));
		json_int_t theirs = json_integer_value(json_object_get(entry, "seq"));
		char cell_of[BT_ID_MAX_BYTES + 1] = "";
		if (dev_cell && strlen(dev_cell) <= BT_ID_MAX_BYTES)
			snprintf(cell_of, sizeof(cell_of), "%s", dev_cell);
		if (!other || strcmp(other, log) == 0 || strlen(other) > BT_LOG_ID_MAX_BYTES)
			continue;
		char name[BT_LOG_ID_MAX_BYTES + 1];
		snprintf(name, sizeof(name), "%s", other);
		if (json_is_true(json_object_get(entry, "part"))) {
			if (size && (err = pull_part(st, tablet, device, o, office_log, name, cell_of[0] ? cell_of : NULL, size, root)) < 0)
				break;
			continue;
		}
		for (;;) {
			int64_t held = 0;
			bt_accept_stats as;
			if ((err = bt_store_log_head(tablet, name, &held)) < 0)
				break;
			if (held >= theirs)
				break;
			snprintf(path, sizeof(path), "/v1/pull?log=%s&from=%lld", name, (long long)held + 1);
			if ((err = signed_get(&r, o, path, tablet, device, log)) < 0)
				break;
			if (r.status == 204)
				break;
			if (r.status != 200) {
				err = refused(&r);
				break;
			}
			if ((err = bt_store_accept_relayed(tablet, (const uint8_t *)r.body.data, r.body.len, office_log,
							   cell_of[0] ? cell_of : NULL, &as)) < 0)
				break;
			if (as.accepted == 0)
				break;
			st->pulled += as.accepted;
			st->out_of_scope += as.out_of_scope;
			st->bytes_received += r.body.len;
			if (o->progress) {
				snprintf(line, sizeof(line), BT_("received %zu events"), st->pulled);
				o->progress(line, o->payload);
			}
		}
		if (err < 0)
			break;
	}
	json_decref(logs);
	if (err == 0 && size)
		err = pull_part(st, tablet, device, o, office_log, office_log, NULL, size, root);
done:
	bt_buf_free(&r.body);
	return err;
}

/* The office's tiles as a bt_tlog_source: a tablet computes its consistency proofs from them. */
typedef struct {
	const bt_client_opts *o;
	bt_store *tablet;
	const bt_key *device;
	const char *log;    /* this tablet's: it signs the requests */
	uint64_t size;      /* the tree the tiles are read for */
	int err;
	/* The last tile fetched: proofs read a few hashes of each. */
	int level;
	uint64_t index;
	int width;
	uint8_t hashes[BT_TLOG_TILE_WIDTH][BT_HASH_BYTES];
} remote_tiles;

/* Hash `i` of level `level` of the tree, from the tile that holds it. */
static int remote_hash(remote_tiles *t, int level, uint64_t i, uint8_t out[BT_HASH_BYTES])
{
	uint64_t index = i / BT_TLOG_TILE_WIDTH, at_level = t->size >> (8 * level);
	uint64_t full = at_level / BT_TLOG_TILE_WIDTH;
	int width = index < full ? BT_TLOG_TILE_WIDTH : (int)(at_level % BT_TLOG_TILE_WIDTH);
	if (i >= at_level || width == 0)
		return bt__error_set(BT_ECORRUPT, BT_("the office's log has no hash %llu at level %d"), (unsigned long long)i, level);
	if (!(t->width && t->level == level && t->index == index && t->width == width)) {
		char path[128];
		response r = {{0}, 0, 0, 0};
		memcpy(path, "/log/", 5);
		bt_tlog_tile_path(path + 5, sizeof(path) - 5, level, index, width);
		int err = signed_get(&r, t->o, path, t->tablet, t->device, t->log);
		if (err == 0 && r.status != 200)
			err = refused(&r);
		if (err == 0 && r.body.len != (size_t)width * BT_HASH_BYTES)
			err = bt__error_set(BT_ECORRUPT, BT_("the office's tile %s is not %d hashes"), path, width);
		if (err == 0)
			memcpy(t->hashes, r.body.data, r.body.len);
		bt_buf_free(&r.body);
		if (err < 0) {
			t->width = 0;
			return err;
		}
		t->level = level, t->index = index, t->width = width;
	}
	memcpy(out, t->hashes[i % BT_TLOG_TILE_WIDTH], BT_HASH_BYTES);
	return 0;
}

static int remote_leaves(void *ctx, uint64_t start, size_t n, uint8_t (*out)[BT_HASH_BYTES])
{
	for (size_t i = 0; i < n; i++) {
		int err = remote_hash(ctx, 0, start + i, out[i]);
		if (err < 0)
			return err;
	}
	return 0;
}

static int remote_subtree(void *ctx, int height, uint64_t index, uint8_t out[BT_HASH_BYTES])
{
	int err = remote_hash(ctx, height / 8, index, out);
	return err < 0 ? err : 1;
}

/*
 * Witness the office's transparency log: its checkpoint verifies with the
 * office's key, and its tree extends the one this tablet kept.
 */
static int witness(bt_sync_stats *st, bt_store *tablet, const bt_key *device, const bt_client_opts *o, const char *office_log,
		   uint8_t verified_root[BT_HASH_BYTES])
{
	char origin[BT_LOG_ID_MAX_BYTES + 16], vkey[256], kept[BT_NOTE_MAX_BYTES];
	uint8_t root[BT_HASH_BYTES], old_root[BT_HASH_BYTES];
	uint64_t size = 0, old_size = 0;
	bt_key *office = NULL;
	response r = {{0}, 0, 0, 0};
	char office_cell[BT_ID_MAX_BYTES + 1];
	bt_device_role role;
	int err, revoked;
	bt_tlog_origin(origin, sizeof(origin), office_log);
	if ((err = bt_store_device_lookup(tablet, office_log, office_cell, &role, &revoked, &office)) < 0 || !office ||
	    (err = bt_tlog_vkey(vkey, sizeof(vkey), origin, office)) < 0) {
		bt_key_free(office);
		return err < 0 ? err : bt__error_set(BT_ENOTFOUND, BT_("the office's key is not known here"));
	}
	bt_key_free(office);
	if ((err = signed_get(&r, o, "/log/checkpoint", tablet, device, bt_store_log_id(tablet))) < 0)
		goto done;
	if (r.status != 200) {
		err = refused(&r);
		goto done;
	}
	bt_buf_put(&r.body, "", 1); /* a NUL after the text, for the settings */
	r.body.len--;
	int have = bt_store_setting(tablet, "checkpoint", kept, sizeof(kept)) == 0 && kept[0];
	bt_error_clear();
	if ((err = bt_tlog_checkpoint_verify(r.body.data, r.body.len, vkey, &size, root)) < 0)
		goto forked;
	if (have && (err = bt_tlog_checkpoint_verify(kept, strlen(kept), vkey, &old_size, old_root)) < 0)
		goto forked;
	if (have && old_size > size) {
		err = bt__error_set(BT_EBADSIG, BT_("the office's log has %llu entries, fewer than the %llu it showed before"),
				    (unsigned long long)size, (unsigned long long)old_size);
		goto forked;
	}
	if (have && old_size > 0) {
		remote_tiles t;
		memset(&t, 0, sizeof(t));
		t.o = o, t.tablet = tablet, t.device = device, t.log = bt_store_log_id(tablet), t.size = size;
		bt_tlog_source src = {remote_leaves, remote_subtree, NULL, &t};
		uint8_t proof[BT_TLOG_PROOF_MAX][BT_HASH_BYTES];
		size_t n = 0;
		if ((err = bt_tlog_consistency_proof(&src, old_size, size, proof, &n)) < 0)
			goto done; /* the tiles could not be read: tried again at the next sync */
		if ((err = bt_tlog_verify_consistency(old_size, size, old_root, root, (const uint8_t(*)[BT_HASH_BYTES])proof, n)) < 0) {
			err = bt__error_set(BT_EBADSIG, BT_("the office's log of %llu entries does not extend the one of %llu this tablet saw: its history was rewritten"),
					    (unsigned long long)size, (unsigned long long)old_size);
			goto forked;
		}
	}
	err = bt_store_set_setting(tablet, "checkpoint", r.body.data);
	st->log_size = size;
	memcpy(verified_root, root, BT_HASH_BYTES);
	st->log_from = have ? old_size : 0;
	if (err == 0) {
		/* Cosign what was checked; an office that does not take cosignatures yet is not an error. */
		const char *blank = strstr(r.body.data, "\n\n");
		char name[BT_LOG_ID_MAX_BYTES + 32];
		bt_buf req;
		response a = {{0}, 0, 0, 0};
		bt_tlog_witness_name(name, sizeof(name), bt_store_log_id(tablet));
		bt_buf_init(&req, 0);
		bt_buf_printf(&req, "%llu\n", (unsigned long long)size);
		if (blank && bt_tlog_cosign(&req, name, device, r.body.data, (size_t)(blank + 1 - r.body.data), (int64_t)time(NULL)) == 0 &&
		    http(&a, o, "POST", "/v1/cosign", req.data, req.len, "Content-Type: text/plain", tablet, device,
			 bt_store_log_id(tablet)) == 0 && a.status == 200)
			st->log_cosigned = 1;
		bt_error_clear();
		bt_buf_free(&a.body);
		bt_buf_free(&req);
	}
	goto done;
forked:
	/* Both checkpoints kept as evidence; the kept one stays the reference. */
	st->log_forked = 1;
	{
		char msg[1024];
		bt__copy_utf8(msg, sizeof(msg), bt_error_last());
		bt_buf ev;
		bt_buf_init(&ev, 0);
		bt_buf_printf(&ev, "kept:\n%s\nreceived:\n%.*s", have ? kept : "", (int)r.body.len, r.body.data ? r.body.data : "");
		if (!ev.failed && bt_store_set_setting(tablet, "checkpoint_conflict", ev.data) < 0)
			bt_error_clear();
		bt_buf_free(&ev);
		err = bt__error_set(BT_EBADSIG, "%s", msg);
	}
done:
	bt_buf_free(&r.body);
	return err;
}

/* The ranges of the office's sequence numbers a tablet holds, "FIRST-LAST\n" each. */
typedef struct {
	bt_buf *b;
	int64_t first, last;
} ranges;

static int range_of(int64_t seq, const uint8_t *bytes, size_t len, void *payload)
{
	ranges *r = payload;
	(void)bytes, (void)len;
	if (r->last && seq == r->last + 1) {
		r->last = seq;
		return 0;
	}
	if (r->last)
		bt_buf_printf(r->b, "%lld-%lld\n", (long long)r->first, (long long)r->last);
	r->first = r->last = seq;
	return r->b->failed ? BT_ENOMEM : 0;
}

static int unb64(uint8_t *out, size_t cap, size_t *len, const char *text)
{
	size_t n = strlen(text);
	if (n % 4 || n / 4 * 3 > cap + 2)
		return -1;
	uint8_t *tmp = malloc(n / 4 * 3 + 1);
	if (!tmp)
		return -1;
	int k = EVP_DecodeBlock(tmp, (const unsigned char *)text, (int)n);
	size_t pad = n ? (text[n - 1] == '=') + (n > 1 && text[n - 2] == '=') : 0;
	if (k < 0 || (size_t)k < pad || (size_t)k - pad > cap) {
		free(tmp);
		return -1;
	}
	*len = (size_t)k - pad;
	memcpy(out, tmp, *len);
	free(tmp);
	return 0;
}

/*
 * What this tablet receives of `of` - the office's own log, or the log of
 * a tablet of a cell that shares a member with its own (of `cell`): its
 * cell's part only, each event proved to be in the tree of `size` whose
 * root the tablet just verified and cosigned (witness). Loops while the
 * office has more.
 */
static int pull_part(bt_sync_stats *st, bt_store *tablet, const bt_key *device, const bt_client_opts *o, const char *office_log,
		     const char *of, const char *cell, uint64_t size, const uint8_t root[BT_HASH_BYTES])
{
	const char *log = bt_store_log_id(tablet);
	char line[256], path[128];
	int err = 0;
	snprintf(path, sizeof(path), "/v1/office?log=%s", of);
	for (int round = 0; round < 10000 && err == 0; round++) {
		bt_buf body;
		response r = {{0}, 0, 0, 0};
		ranges rg;
		bt_buf_init(&body, 0);
		bt_buf_printf(&body, "size %llu\n", (unsigned long long)size);
		rg.b = &body, rg.first = rg.last = 0;
		if ((err = bt_store_events(tablet, of, 1, range_of, &rg)) == 0 && rg.last)
			bt_buf_printf(&body, "%lld-%lld\n", (long long)rg.first, (long long)rg.last);
		if (err == 0 && body.failed)
			err = BT_ENOMEM;
		if (err == 0)
			err = http(&r, o, "POST", path, body.data, body.len, "Content-Type: text/plain", tablet, device, log);
		bt_buf_free(&body);
		if (err == 0 && r.status != 200)
			err = refused(&r);
		json_t *j = err == 0 ? json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL) : NULL;
		json_t *evs = json_object_get(j, "events");
		if (err == 0 && (!json_is_array(evs) || json_integer_value(json_object_get(j, "size")) != (json_int_t)size))
			err = bt__error_set(BT_ECORRUPT, BT_("the office's answer is not understood"));
		size_t n = err == 0 ? json_array_size(evs) : 0;
		uint8_t **bytes = calloc(n + 1, sizeof(*bytes));
		size_t *lens = calloc(n + 1, sizeof(*lens));
		if (err == 0 && (!bytes || !lens))
			err = bt__oom();
		/* Every event proved in the tree this tablet verified, before any is taken. */
		for (size_t i = 0; i < n && err == 0; i++) {
			json_t *e = json_array_get(evs, i), *pr = json_object_get(e, "proof");
			const char *b64 = json_string_value(json_object_get(e, "bytes"));
			json_int_t entry = json_integer_value(json_object_get(e, "entry"));
			uint8_t proof[BT_TLOG_PROOF_MAX][BT_HASH_BYTES], leaf[BT_HASH_BYTES];
			size_t np = json_array_size(pr), got;
			if (!b64 || !json_is_integer(json_object_get(e, "entry")) || entry < 0 || (uint64_t)entry >= size ||
			    !json_is_array(pr) || np > BT_TLOG_PROOF_MAX || !(bytes[i] = malloc(strlen(b64) / 4 * 3 + 3)) ||
			    unb64(bytes[i], strlen(b64) / 4 * 3 + 3, &lens[i], b64) < 0 || lens[i] > BT_EVENT_MAX_BYTES) {
				err = bt__error_set(BT_ECORRUPT, BT_("the office's answer is not understood"));
				break;
			}
			for (size_t k = 0; k < np && err == 0; k++) {
				const char *h = json_string_value(json_array_get(pr, k));
				if (!h || unb64(proof[k], BT_HASH_BYTES, &got, h) < 0 || got != BT_HASH_BYTES)
					err = bt__error_set(BT_ECORRUPT, BT_("the office's answer is not understood"));
			}
			if (err == 0 && ((err = bt_tlog_leaf_hash(leaf, bytes[i], lens[i])) < 0 ||
					 bt_tlog_verify_inclusion(leaf, (uint64_t)entry, size, (const uint8_t(*)[BT_HASH_BYTES])proof, np, root) < 0))
				err = bt__error_set(BT_EBADSIG, BT_("the office sent a record that is not in the log it signed (entry %lld): "
								     "nothing of this answer was taken"),
						    (long long)entry);
		}
		bt_accept_stats as;
		memset(&as, 0, sizeof(as));
		if (err == 0 && n)
			err = bt_store_accept_proven(tablet, office_log, of, cell, (const uint8_t *const *)bytes, lens, n, &as);
		for (size_t i = 0; bytes && i < n; i++)
			free(bytes[i]);
		free(bytes);
		free(lens);
		int more = json_is_true(json_object_get(j, "more"));
		json_decref(j);
		st->bytes_received += r.body.len;
		bt_buf_free(&r.body);
		if (err < 0)
			break;
		st->pulled += as.accepted;
		if (o->progress && as.accepted) {
			snprintf(line, sizeof(line), BT_("received %zu events"), st->pulled);
			o->progress(line, o->payload);
		}
		if (!more || as.accepted == 0)
			break;
	}
	return err;
}

int bt_client_sync(bt_sync_stats *st, bt_store *tablet, const bt_key *device, const bt_client_opts *o)
{
	char office_log[BT_LOG_ID_MAX_BYTES + 1], push_msg[1024];
	int err, push_err;
	memset(st, 0, sizeof(*st));
	if (!o || o->version != BT_CLIENT_OPTS_VERSION || !o->url)
		return bt__error_set(BT_EINVALID, BT_("invalid client options"));
	if (bt_store_setting(tablet, "office_log", office_log, sizeof(office_log)) < 0)
		return bt__error_set(BT_EINVALID, BT_("this store is not enrolled at an office (bontot enroll)"));
	if ((err = refuse_plain(o)) < 0)
		return err;
	push_err = push(st, tablet, device, o);
	if (push_err == BT_ENET)
		return push_err; /* the office cannot be reached: the pull would not get through either */
	if (push_err < 0) {
		/* Refused: say why, but still take what the office has - it may be what explains the refusal. */
		st->push_refused = 1;
		bt__copy_utf8(push_msg, sizeof(push_msg), bt_error_last());
	}
	/*
	 * Witness the office's log first: what the tablet then receives of the
	 * office's own records is proved against the checkpoint it verified
	 * and cosigned. A log that does not verify stops the sync: nothing
	 * more is taken from an office that rewrote its history.
	 */
	uint8_t root[BT_HASH_BYTES];
	err = witness(st, tablet, device, o, office_log, root);
	if (err < 0 && st->log_forked)
		return err;
	if (err < 0) {
		if (bt_error_last_code() == BT_ENET)
			return err;
		st->log_size = 0;
		bt_error_clear();
	}
	if ((err = pull(st, tablet, device, o, office_log, st->log_size, root)) < 0)
		return err;
	if (push_err < 0)
		return bt__error_set(push_err, "%s", push_msg);
	return 0;
}
