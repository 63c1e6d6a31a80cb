/*
 * cmd_sync.c - the office and the tablet over the network:
 *   bontot office init | enroll-code | revoke   (the office's keys and devices)
 *   bontot serve --listen ADDR:PORT             (the office's server, HTTPS)
 *   bontot enroll --server URL --code CODE      (a tablet joins the office)
 *   bontot sync [--server URL]                  (push and pull)
 * Keys live beside the store: STORE.key.pem (mode 0600); the office's TLS
 * key and certificate STORE.tls.key.pem (0600) and STORE.tls.pem.
 */
#define _DEFAULT_SOURCE /* realpath */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void key_path(char *out, size_t size) { snprintf(out, size, "%s.key.pem", cli_db_path); }

/* The office's TLS certificate and key beside the store, as office init makes them and serve reads them. */
static void tls_paths(char *cert, char *key, size_t size)
{
	snprintf(cert, size, "%s.tls.pem", cli_db_path);
	snprintf(key, size, "%s.tls.key.pem", cli_db_path);
}

/*
 * The device key beside the store, as an absolute path: what enrollment
 * keeps, so that sync works from any folder. -1 when the store's folder
 * cannot be resolved.
 */
static int key_path_absolute(char *out, size_t size)
{
	char dir[PATH_MAX], abs[PATH_MAX];
	const char *slash = strrchr(cli_db_path, '/');
	const char *base = slash ? slash + 1 : cli_db_path;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - cli_db_path) + (slash == cli_db_path) : 1,
		 slash ? cli_db_path : ".");
	if (!realpath(dir, abs))
		return -1;
	return snprintf(out, size, "%s/%s.key.pem", strcmp(abs, "/") == 0 ? "" : abs, base) < (int)size ? 0 : -1;
}

/*
 * The device key to sign with: the path kept at enrollment when it can be
 * read; else the key beside the store (a store enrolled by an older
 * version, which kept the path as typed, or a tablet's folder moved).
 */
static void device_key(bt_store *s, char *out, size_t size)
{
	if (bt_store_setting(s, "device_key", out, size) == 0 && out[0] == '/' && access(out, R_OK) == 0)
		return;
	key_path(out, size);
}

static int office_help(void)
{
	printf(_("Usage:\n"
		 "  bontot [--db FILE] office init [--name NAME]\n"
		 "  bontot [--db FILE] office enroll-code --cell CELL --role secretary|deputy [--expires DURATION]\n"
		 "  bontot [--db FILE] office devices [--json]\n"
		 "  bontot [--db FILE] office revoke DEVICE\n"
		 "  bontot [--db FILE] office vkey\n"
		 "  bontot [--db FILE] office user add|list|remove, office token NAME, office reads\n"
		 "                     (staff accounts: bontot office user --help)\n\n"
		 "init creates the office's signing key (FILE.key.pem, mode 0600), keeps the office's\n"
		 "name, and makes the server's TLS key (FILE.tls.key.pem, 0600) and self-signed\n"
		 "certificate (FILE.tls.pem); it never replaces them: run again on an office made by an\n"
		 "older version, it adds the TLS files only. enroll-code prints a one-time code for a\n"
		 "tablet of the cell, valid for DURATION (e.g. 72h, 3d, 90m; default 72h), with the\n"
		 "fingerprint of the office's TLS key in it: the one thing the secretary types. devices\n"
		 "lists the enrolled tablets, what the office holds of each, and which are revoked\n"
		 "(--json: an array of {id, cell, role, events, revoked}). revoke refuses every later\n"
		 "batch of a device (a lost tablet); what it sent before stays. vkey prints, on its last\n"
		 "line, the verifier key of the office's transparency log (/log/checkpoint, C2SP signed\n"
		 "note), for auditors (docs/audit.md).\n"));
	return CLI_OK;
}

/* "72h", "3d", "90m", or a number of hours; seconds, or -1. */
static long parse_duration(const char *text)
{
	char *end;
	long n = strtol(text, &end, 10);
	long unit = *end == 'd' ? 86400 : *end == 'm' ? 60 : (*end == 'h' || *end == '\0') ? 3600 : 0;
	if (end == text || n < 1 || n > 365L * 24 || !unit || (*end && end[1]))
		return -1;
	return n * unit;
}

static const char *device_role_name(bt_device_role r)
{
	return r == BT_ROLE_DEVICE_SECRETARY ? "secretary" : r == BT_ROLE_DEVICE_DEPUTY ? "deputy" : "office";
}

/* Every device as {id, cell, role, events, revoked}, into the array `payload`. */
static int collect_device(const bt_device_info *d, void *payload)
{
	json_t *o = json_pack("{s:s, s:s?, s:s, s:I, s:b}", "id", d->id, "cell", d->cell[0] ? d->cell : NULL, "role",
			      device_role_name(d->role), "events", (json_int_t)d->head_seq, "revoked", d->revoked);
	return o && json_array_append_new((json_t *)payload, o) == 0 ? 0 : BT_ENOMEM;
}

/* The devices as a table, each column as wide as its widest value (display width). */
static void print_devices(json_t *devices)
{
	const char *head[5] = {_("device"), _("cell"), _("role"), _("events"), _("state")};
	size_t n = json_array_size(devices), wid[5];
	char (*cells)[5][128] = calloc(n + 1, sizeof(*cells));
	if (!cells)
		return;
	for (int k = 0; k < 5; k++)
		wid[k] = bt_text_width(head[k]);
	for (size_t i = 0; i < n; i++) {
		json_t *d = json_array_get(devices, i);
		const char *role = json_string_value(json_object_get(d, "role")), *cell = json_string_value(json_object_get(d, "cell"));
		snprintf(cells[i][0], sizeof(cells[i][0]), "%s", json_string_value(json_object_get(d, "id")));
		snprintf(cells[i][1], sizeof(cells[i][1]), "%s", cell ? cell : "—");
		snprintf(cells[i][2], sizeof(cells[i][2]), "%s",
			 !strcmp(role, "secretary") ? _("secretary") : !strcmp(role, "deputy") ? _("deputy") : _("office"));
		snprintf(cells[i][3], sizeof(cells[i][3]), "%lld", (long long)json_integer_value(json_object_get(d, "events")));
		snprintf(cells[i][4], sizeof(cells[i][4]), "%s", json_is_true(json_object_get(d, "revoked")) ? _("revoked") : _("active"));
		for (int k = 0; k < 5; k++)
			if (bt_text_width(cells[i][k]) > wid[k])
				wid[k] = bt_text_width(cells[i][k]);
	}
	for (int k = 0; k < 4; k++)
		cli_pad(stdout, head[k], wid[k] + 2);
	printf("%s\n", head[4]);
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < 4; k++)
			cli_pad(stdout, cells[i][k], wid[k] + 2);
		printf("%s\n", cells[i][4]);
	}
	free(cells);
}

/* The pin of the office's TLS certificate beside the store; -1 when it has none. */
static int office_pin(char pin[BT_TLS_PIN_BYTES])
{
	char cert_path[4096], tls_key[4096], *cert = NULL;
	size_t len;
	tls_paths(cert_path, tls_key, sizeof(cert_path));
	if (access(cert_path, R_OK) != 0 || cli_read_file(cert_path, &cert, &len) < 0)
		return -1;
	int err = bt_tls_pin(pin, cert);
	free(cert);
	return err < 0 ? -1 : 0;
}

/*
 * office init's TLS part: the server's key and certificate, made when
 * missing, never replaced. `rc` is what the office key's part gave; the
 * exit code (OK when something was made).
 */
static int office_tls_init(bt_store *s, int rc)
{
	char cert_path[4096], tls_key[4096], name[256] = "", pin[BT_TLS_PIN_BYTES];
	tls_paths(cert_path, tls_key, sizeof(cert_path));
	if (access(cert_path, F_OK) == 0) {
		fprintf(stderr, _("bontot: the TLS certificate %s exists already; it is kept (enrolled tablets trust its key)\n"),
			cert_path);
		return rc;
	}
	if (bt_store_setting(s, "office_name", name, sizeof(name)) < 0)
		bt_error_clear();
	if (bt_tls_make_cert(cert_path, tls_key, name[0] ? name : NULL) < 0 || office_pin(pin) < 0)
		return cli_fail(NULL);
	printf(_("Created the server's TLS key %s and certificate %s (pin %s).\n"), tls_key, cert_path, pin);
	if (rc != CLI_OK)
		printf(_("The office's key was kept: this office, made by an older version, now serves HTTPS.\n"));
	return CLI_OK;
}

int cmd_office(int argc, char **argv)
{
	static const struct option opts[] = {{"cell", required_argument, NULL, 'c'}, {"role", required_argument, NULL, 'r'},
					     {"expires", required_argument, NULL, 'H'}, {"hours", required_argument, NULL, 'H'},
					     {"name", required_argument, NULL, 'n'},	  {"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},	  {0}};
	const char *cell = NULL, *role = NULL, *name = NULL;
	long seconds = 72 * 3600;
	bt_store *s = NULL;
	int c, rc = CLI_FAIL, as_json = 0;
	char path[4096];
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return argc < 2 ? (office_help(), CLI_USAGE) : office_help();
	const char *sub = argv[1];
	if (!strcmp(sub, "user") || !strcmp(sub, "token") || !strcmp(sub, "reads"))
		return cli_office_staff(argc, argv);
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cell = optarg; break;
		case 'r': role = optarg; break;
		case 'H':
			if ((seconds = parse_duration(optarg)) < 0)
				return cli_usage_error("office", _("--expires: a duration like 72h, 3d or 90m (at most a year)"));
			break;
		case 'n': name = optarg; break;
		case 'j': as_json = 1; break;
		case 'h': return office_help();
		default: return cli_usage_error("office", _("invalid option"));
		}
	}
	if (strcmp(sub, "init") && strcmp(sub, "enroll-code") && strcmp(sub, "revoke") && strcmp(sub, "devices") &&
	    strcmp(sub, "vkey"))
		return cli_no_subcommand("office", sub,
					 (const char *const[]){"init", "enroll-code", "devices", "revoke", "vkey", "user", "token", "reads", NULL});
	if (strcmp(sub, "revoke") == 0 ? optind + 1 != argc : optind != argc)
		return cli_usage_error("office", _("unexpected arguments"));
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	key_path(path, sizeof(path));
	if (strcmp(sub, "init") == 0) {
		bt_key *k = NULL;
		char *nfc = NULL;
		if (access(path, F_OK) == 0) {
			fprintf(stderr, _("bontot: the office key %s exists already; it is kept (enrolled tablets trust it)\n"), path);
		} else if (name && strlen(name) > 200) {
			rc = cli_usage_error("office", _("--name: at most 200 bytes"));
		} else if ((name && bt_text_nfc(&nfc, name, strlen(name), 0) < 0) ||
			   bt_key_generate(&k) < 0 || (nfc && bt_store_set_setting(s, "office_name", nfc) < 0) ||
			   bt_key_save_private(k, path) < 0) {
			cli_fail(NULL);
		} else {
			printf(_("Created the office key %s.\n"), path);
			rc = CLI_OK;
		}
		free(nfc);
		bt_key_free(k);
		if (rc != CLI_USAGE && access(path, F_OK) == 0)
			rc = office_tls_init(s, rc);
	} else if (strcmp(sub, "vkey") == 0) {
		/* The transparency log's verifier key, for auditors and any C2SP tool (docs/audit.md). */
		bt_key *k = NULL;
		char origin[BT_LOG_ID_MAX_BYTES + 16], vkey[256];
		bt_tlog_origin(origin, sizeof(origin), bt_store_log_id(s));
		if (bt_key_load_private(&k, path) < 0 || bt_tlog_vkey(vkey, sizeof(vkey), origin, k) < 0) {
			cli_fail(_("no office key (run: bontot office init)"));
		} else {
			printf(_("The verifier key of the office's transparency log %s (signed notes, Ed25519):\n%s\n"), origin, vkey);
			rc = CLI_OK;
		}
		bt_key_free(k);
	} else if (strcmp(sub, "devices") == 0) {
		json_t *devices = json_array();
		if (!devices || bt_store_devices(s, collect_device, devices) < 0) {
			cli_fail(NULL);
		} else if (as_json) {
			rc = cli_json_print(devices);
		} else {
			if (json_array_size(devices) == 0)
				printf(_("No enrolled devices (bontot office enroll-code).\n"));
			else
				print_devices(devices);
			rc = CLI_OK;
		}
		json_decref(devices);
	} else if (strcmp(sub, "enroll-code") == 0) {
		char code[BT_ENROLL_CODE_BYTES];
		bt_device_role r = role && !strcmp(role, "deputy") ? BT_ROLE_DEVICE_DEPUTY : BT_ROLE_DEVICE_SECRETARY;
		if (!cell || !role || (strcmp(role, "secretary") && strcmp(role, "deputy"))) {
			rc = cli_usage_error("office", _("enroll-code needs --cell and --role secretary|deputy"));
		} else if (bt_store_enroll_code(code, s, cell, r, (int64_t)time(NULL) + seconds) < 0) {
			cli_fail(NULL);
		} else {
			char until[BT_TIMESTAMP_BYTES];
			time_t t = time(NULL) + seconds;
			strftime(until, sizeof(until), "%H:%M %d/%m/%Y", localtime(&t));
			char pinned[BT_ENROLL_PINNED_CODE_BYTES], pin[BT_TLS_PIN_BYTES];
			if (office_pin(pin) == 0 && bt_enroll_code_pinned(pinned, code, pin) == 0) {
				printf(_("One-time code for a %s tablet of cell %s, valid until %s (it carries the fingerprint of\n"
					 "the office's TLS key: type it whole, with bontot enroll --server https://...):\n  %s\n"),
				       r == BT_ROLE_DEVICE_DEPUTY ? _("deputy's") : _("secretary's"), cell, until, pinned);
			} else {
				fprintf(stderr, _("bontot: warning: the office has no TLS certificate (bontot office init makes it): this code\n"
						  "        carries no fingerprint; the tablet needs --pin or --cacert for https://\n"));
				bt_error_clear();
				printf(_("One-time code for a %s tablet of cell %s, valid until %s:\n  %s\n"),
				       r == BT_ROLE_DEVICE_DEPUTY ? _("deputy's") : _("secretary's"), cell, until, code);
			}
			rc = CLI_OK;
		}
	} else {
		if (bt_store_device_revoke(s, argv[optind]) < 0)
			cli_fail(NULL);
		else {
			printf(_("Device %s is revoked: its batches are refused from now on.\n"), argv[optind]);
			rc = CLI_OK;
		}
	}
	bt_store_free(s);
	return rc;
}

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig, stop = 1; }

static void log_line(const char *line, void *payload)
{
	char ts[BT_TIMESTAMP_BYTES];
	(void)payload;
	cli_timestamp(ts);
	fprintf(stderr, "%s %s\n", ts, line);
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
					     {"tls-cert", required_argument, NULL, 'C'},
					     {"tls-key", required_argument, NULL, 'K'},
					     {"plain-http", no_argument, NULL, 'P'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	const char *listen = "127.0.0.1:8080", *cert_file = NULL, *key_file = NULL;
	char *cert = NULL, *tls_key = NULL, pin[BT_TLS_PIN_BYTES];
	size_t len;
	bt_store *s = NULL;
	bt_key *key = NULL;
	bt_server *srv = NULL;
	int c, rc = CLI_FAIL, plain = 0;
	char path[4096], addr[64], default_cert[4096], default_key[4096];
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'l')
			listen = optarg;
		else if (c == 'C')
			cert_file = optarg;
		else if (c == 'K')
			key_file = optarg;
		else if (c == 'P')
			plain = 1;
		else if (c == 'h') {
			printf(_("Usage: bontot [--db FILE] serve [--listen ADDR:PORT] [--tls-cert FILE --tls-key FILE | --plain-http]\n\n"
				 "Serve the office store: tablets push and pull, enroll with one-time codes, and\n"
				 "GET /v1/evaluation?year=Y gives the commune's evaluation (docs/protocol.md). Default\n"
				 "127.0.0.1:8080; port 0 picks a free port. Stops cleanly on SIGTERM or SIGINT.\n"
				 "HTTPS, with the certificate office init made (FILE.tls.pem, FILE.tls.key.pem), or\n"
				 "--tls-cert and --tls-key (PEM); the certificate's pin is printed at start. The\n"
				 "enrollment codes carry its fingerprint. --plain-http serves plain HTTP: records and\n"
				 "codes then cross the network in clear (only on a network the office trusts).\n"));
			return CLI_OK;
		} else
			return cli_usage_error("serve", _("invalid option"));
	}
	if ((cert_file != NULL) != (key_file != NULL))
		return cli_usage_error("serve", _("--tls-cert and --tls-key go together"));
	if (plain && cert_file)
		return cli_usage_error("serve", _("--plain-http and --tls-cert: one or the other"));
	tls_paths(default_cert, default_key, sizeof(default_cert));
	if (!plain && !cert_file) {
		if (access(default_cert, F_OK) != 0) {
			fprintf(stderr, _("bontot: the office has no TLS certificate %s: run bontot office init (it adds it to an\n"
					  "        office made by an older version, keeping its key), or serve --plain-http\n"),
				default_cert);
			return CLI_FAIL;
		}
		cert_file = default_cert, key_file = default_key;
	}
	if (cert_file) {
		if (cli_read_file(cert_file, &cert, &len) < 0 || cli_read_file(key_file, &tls_key, &len) < 0) {
			fprintf(stderr, _("bontot: cannot read %s: %s\n"), cert ? key_file : cert_file, strerror(errno));
			goto done;
		}
		if (bt_tls_pin(pin, cert) < 0) {
			cli_fail(cert_file);
			goto done;
		}
	}
	const char *colon = strrchr(listen, ':');
	if (!colon || colon - listen >= (long)sizeof(addr))
		return cli_usage_error("serve", _("--listen needs ADDR:PORT"));
	snprintf(addr, sizeof(addr), "%.*s", (int)(colon - listen), listen);
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	key_path(path, sizeof(path));
	if (bt_key_load_private(&key, path) < 0) {
		cli_fail(_("no office key (run: bontot office init)"));
		goto done;
	}
	bt_server_opts so = BT_SERVER_OPTS_INIT;
	so.address = addr;
	so.port = atoi(colon + 1);
	so.log = log_line;
	so.tls_cert_pem = cert;
	so.tls_key_pem = tls_key;
	if (bt_server_start(&srv, s, key, &so) < 0) {
		cli_fail(NULL);
		goto done;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (cert)
		printf(_("TLS certificate pin: %s\n"), pin);
	else
		fprintf(stderr, _("bontot: WARNING: serving plain HTTP (--plain-http): records and enrollment codes cross the\n"
				  "        network in clear, anyone on it can read them. Without --plain-http, the office serves HTTPS.\n"));
	printf(_("Serving %s on %s://%s:%d\n"), cli_db_path, cert ? "https" : "http", addr, bt_server_port(srv));
	fflush(stdout);
	while (!stop) {
		struct timespec ts = {0, 100000000L};
		nanosleep(&ts, NULL);
	}
	bt_server_stop(srv);
	fprintf(stderr, _("Stopped.\n"));
	rc = CLI_OK;
done:
	if (tls_key)
		memset(tls_key, 0, strlen(tls_key));
	free(tls_key);
	free(cert);
	bt_key_free(key);
	bt_store_free(s);
	return rc;
}

static void progress(const char *line, void *payload)
{
	(void)payload;
	fprintf(stderr, "%s\n", line);
}

static int count_finding(const bt_finding *f, void *payload)
{
	(void)f;
	++*(size_t *)payload;
	return 0;
}

/* The open findings of this tablet's cell (of every cell when it has none). */
static size_t open_findings(bt_store *s)
{
	char cell[BT_ID_MAX_BYTES + 1];
	bt_findings_query q = BT_FINDINGS_QUERY_INIT;
	size_t n = 0;
	q.open_only = 1;
	if (bt_store_setting(s, "cell", cell, sizeof(cell)) == 0)
		q.cell = cell;
	if (bt_store_findings(s, &q, count_finding, &n) < 0)
		bt_error_clear();
	return n;
}

/* Push and pull with the office at `server` (NULL: the enrolled address); the exit code. */
static int run_sync(bt_store *s, const char *server, size_t batch_events)
{
	bt_key *key = NULL;
	int rc;
	char url[1024], path[4096];
	if (bt_store_setting(s, "server_url", url, sizeof(url)) < 0) {
		fprintf(stderr, _("bontot: the store %s is not enrolled at an office: enroll it first with a code from the office\n"
				  "        (bontot enroll --server URL --code CODE)\n"),
			cli_db_path);
		return CLI_FAIL;
	}
	int given = server != NULL;
	if (!server)
		server = url;
	device_key(s, path, sizeof(path));
	if (bt_key_load_private(&key, path) < 0) {
		fprintf(stderr, _("bontot: %s\n"
				  "        (this tablet's key is made at enrollment beside the store; without it the tablet cannot sign)\n"),
			bt_error_last());
		return CLI_FAIL;
	}
	bt_client_opts co = BT_CLIENT_OPTS_INIT;
	bt_sync_stats st;
	char pin[BT_TLS_PIN_BYTES + 16], cacert[4096];
	co.url = server;
	co.progress = progress;
	co.max_events = batch_events;
	if (bt_store_setting(s, "tls_pin", pin, sizeof(pin)) == 0 && pin[0])
		co.tls_pin = pin;
	if (bt_store_setting(s, "tls_cacert", cacert, sizeof(cacert)) == 0 && cacert[0])
		co.tls_cacert = cacert;
	size_t before = open_findings(s);
	int err = bt_client_sync(&st, s, key, &co);
	bt_key_free(key);
	if (st.clock_known && (st.clock_skew > 300 || st.clock_skew < -300)) {
		long long minutes = (long long)(st.clock_skew < 0 ? -st.clock_skew : st.clock_skew) / 60;
		fprintf(stderr, st.clock_skew > 0 ? _("bontot: warning: this tablet's clock is %lld minutes behind the office's. Set the date and time right: the order of corrections depends on it.\n")
						  : _("bontot: warning: this tablet's clock is %lld minutes ahead of the office's. Set the date and time right: the order of corrections depends on it.\n"),
			minutes);
	}
	if (err < 0 && st.log_forked) {
		fprintf(stderr, _("bontot: WARNING: the office's signed log does not agree with what this tablet saw before: %s\n"
				  "        Do not trust this office's evaluation. Report it to the inspection committee: both checkpoints\n"
				  "        are kept on this tablet as evidence (bontot status shows them).\n"),
			bt_error_last());
		printf(_("Synchronised with %s: sent %zu events, received %zu events.\n"), server, st.pushed, st.pulled);
		rc = CLI_FAIL;
	} else if (err < 0) {
		fprintf(stderr, st.push_refused ? _("bontot: the office at %s refused what this tablet sent: %s\n")
						: _("bontot: sync with the office at %s stopped: %s\n"),
			server, bt_error_last());
		if (err == BT_ENET && !given)
			fprintf(stderr, _("(if the office's address changed: bontot sync --server NEW-URL --save)\n"));
		if (st.pushed || st.pulled)
			fprintf(stderr, _("(progress kept: sent %zu, received %zu; run sync again to go on)\n"), st.pushed, st.pulled);
		/* 3: nothing got through; 4: some did, then the link failed; 1: refused */
		rc = err == BT_ENET ? (st.pushed || st.pulled ? 4 : 3) : CLI_FAIL;
	} else {
		printf(_("Synchronised with %s: sent %zu events in %zu batches (%zu bytes), received %zu events.\n"), server,
		       st.pushed, st.batches, st.bytes_sent, st.pulled);
		if (st.log_size && st.log_from)
			printf(st.log_cosigned ? _("The office's signed log (%llu entries) extends the one this tablet saw before; cosigned.\n")
					       : _("The office's signed log (%llu entries) extends the one this tablet saw before.\n"),
			       (unsigned long long)st.log_size);
		else if (st.log_size)
			printf(_("The office's signed log (%llu entries) is kept: the next sync checks that the office never rewrites it.\n"),
			       (unsigned long long)st.log_size);
		rc = CLI_OK;
	}
	size_t after = open_findings(s);
	if (after > before)
		printf(_("%zu things to review: what arrived disagrees with records here (bontot findings; bontot status lists them first).\n"),
		       after - before);
	return rc;
}

int cmd_sync(int argc, char **argv)
{
	static const struct option opts[] = {{"server", required_argument, NULL, 's'},
					     {"batch-events", required_argument, NULL, 'b'},
					     {"save", no_argument, NULL, 'S'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	const char *server = NULL;
	bt_store *s = NULL;
	long batch = 0;
	int c, rc, save = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 's')
			server = optarg;
		else if (c == 'S')
			save = 1;
		else if (c == 'b') {
			if ((batch = atol(optarg)) < 1 || batch > 100000)
				return cli_usage_error("sync", _("--batch-events: a number from 1 to 100000"));
		} else if (c == 'h') {
			printf(_("Usage: bontot [--db FILE] sync [--server URL [--save]] [--batch-events N]\n\n"
				 "Send this tablet's new records to the office, in signed compressed batches, and\n"
				 "receive the office's and the cell's other tablets'. Safe to interrupt and to repeat.\n"
				 "The office's address is the one kept at enrollment; --server URL uses another for this\n"
				 "sync only, and with --save keeps it for the next ones (the office moved).\n"
				 "Exit code 0: done; 1: refused (the message says why); 3: the office could not be\n"
				 "reached; 4: part was exchanged, then the link failed (run sync again to go on).\n"
				 "--batch-events: events per batch sent (default 500; smaller on a very weak link).\n"));
			return CLI_OK;
		} else
			return cli_usage_error("sync", _("invalid option"));
	}
	if (optind != argc)
		return cli_usage_error("sync", _("unexpected arguments"));
	if (save && !server)
		return cli_usage_error("sync", _("--save keeps the address given with --server URL"));
	if (server && strncmp(server, "http://", 7) != 0 && strncmp(server, "https://", 8) != 0)
		return cli_usage_error("sync", _("--server: an address like http://ADDRESS:PORT or https://ADDRESS:PORT"));
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	char trust[4096];
	if (server && strncmp(server, "https://", 8) != 0 &&
	    ((bt_store_setting(s, "tls_pin", trust, sizeof(trust)) == 0 && trust[0]) ||
	     (bt_store_setting(s, "tls_cacert", trust, sizeof(trust)) == 0 && trust[0]))) {
		bt_store_free(s);
		return cli_usage_error("sync", _("--server %s: this tablet trusts the office by its TLS certificate and sends\n"
						 "nothing in clear: the address starts with https://"),
				       server);
	}
	bt_error_clear();
	char old[1024];
	if (save && bt_store_setting(s, "server_url", old, sizeof(old)) == 0) {
		if (bt_store_set_setting(s, "server_url", server) < 0) {
			bt_store_free(s);
			return cli_fail(NULL);
		}
		if (strcmp(old, server) != 0)
			printf(_("The office's address is now %s (it was %s).\n"), server, old);
	}
	rc = run_sync(s, server, (size_t)batch);
	bt_store_free(s);
	return rc;
}

int cmd_enroll(int argc, char **argv)
{
	static const struct option opts[] = {{"server", required_argument, NULL, 's'}, {"code", required_argument, NULL, 'c'},
					     {"pin", required_argument, NULL, 'p'},    {"cacert", required_argument, NULL, 'a'},
					     {"help", no_argument, NULL, 'h'},	       {0}};
	const char *server = NULL, *code = NULL, *pin = NULL, *cacert = NULL;
	char cacert_abs[PATH_MAX];
	bt_store *s = NULL;
	int c, rc = CLI_FAIL;
	char path[4096], cell[BT_ID_MAX_BYTES + 1];
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 's')
			server = optarg;
		else if (c == 'c')
			code = optarg;
		else if (c == 'p')
			pin = optarg;
		else if (c == 'a')
			cacert = optarg;
		else if (c == 'h') {
			printf(_("Usage: bontot [--db FILE] enroll --server URL --code CODE [--pin PIN | --cacert FILE]\n\n"
				 "Join this tablet's store to the office with a one-time code from \"bontot office\n"
				 "enroll-code\": creates the device key (FILE.key.pem, mode 0600) and keeps the office's\n"
				 "address and public key, then receives the records (a first \"bontot sync\").\n"
				 "The code (24 letters and digits) carries the fingerprint of the office's TLS key: the\n"
				 "server's certificate is checked against it before the code is sent, and its pin kept.\n"
				 "A 12-character code, for an https:// office: --pin sha256//... as \"bontot serve\"\n"
				 "prints it (the certificate is then trusted by its key alone), or --cacert FILE to\n"
				 "check it against a CA; without either, the system's CAs. Later syncs keep the same\n"
				 "check, over https:// only.\n"));
			return CLI_OK;
		} else
			return cli_usage_error("enroll", _("invalid option"));
	}
	if (!server || !code || optind != argc)
		return cli_usage_error("enroll", _("needs --server URL and --code CODE"));
	char secret[BT_ENROLL_CODE_BYTES], written[BT_ENROLL_PINNED_CODE_BYTES];
	int carries = bt_enroll_code_parse(secret, written, code);
	if (carries < 0)
		return cli_usage_error("enroll", "--code: %s", bt_error_last());
	code = written;
	if (carries && (pin || cacert))
		return cli_usage_error("enroll", _("this code carries the office's TLS fingerprint: --pin and --cacert are not needed"));
	if ((carries || pin || cacert) && strncmp(server, "https://", 8) != 0)
		return cli_usage_error("enroll", _("--server %s: the office is checked by its TLS certificate, over https:// only; nothing is sent in clear"),
				       server);
	if (pin && (strncmp(pin, "sha256//", 8) != 0 || strlen(pin) >= BT_TLS_PIN_BYTES))
		return cli_usage_error("enroll", _("--pin: sha256// and the base64 hash, as bontot serve prints it"));
	if (pin && cacert)
		return cli_usage_error("enroll", _("--pin and --cacert: one or the other"));
	if (cacert && !realpath(cacert, cacert_abs)) {
		fprintf(stderr, _("bontot: cannot read %s: %s\n"), cacert, strerror(errno));
		return CLI_FAIL;
	}
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	if (key_path_absolute(path, sizeof(path)) < 0) {
		fprintf(stderr, _("bontot: cannot find the folder of the store %s: %s\n"), cli_db_path, strerror(errno));
		bt_store_free(s);
		return CLI_FAIL;
	}
	bt_client_opts co = BT_CLIENT_OPTS_INIT;
	co.url = server;
	co.progress = progress;
	co.tls_pin = pin;
	co.tls_cacert = cacert ? cacert_abs : NULL;
	int err = bt_client_enroll(s, &co, code, path);
	if (err < 0) {
		fprintf(stderr, _("bontot: enrollment failed: %s\n"), bt_error_last());
		if (err == BT_ENET)
			rc = 3; /* as sync: the office could not be reached */
	} else if (cacert && bt_store_set_setting(s, "tls_cacert", cacert_abs) < 0) {
		cli_fail(NULL);
	} else if (bt_store_setting(s, "cell", cell, sizeof(cell)) == 0) {
		char kept[BT_TLS_PIN_BYTES];
		if (carries && bt_store_setting(s, "tls_pin", kept, sizeof(kept)) == 0)
			printf(_("The office's certificate matches the code's fingerprint; its pin %s is kept.\n"), kept);
		char name[256] = "";
		if (bt_store_setting(s, "office_name", name, sizeof(name)) < 0 || !name[0])
			printf(_("Enrolled as device %s of cell %s at %s.\n"), bt_store_log_id(s), cell, server);
		else
			printf(_("Enrolled as device %s of cell %s at %s (%s).\n"), bt_store_log_id(s), cell, name, server);
		rc = run_sync(s, server, 0);
	}
	bt_store_free(s);
	return rc;
}


int cmd_vkey(int argc, char **argv)
{
	bt_store *s = NULL;
	bt_key *key = NULL;
	char path[4096], name[BT_LOG_ID_MAX_BYTES + 32], vkey[256];
	int rc = CLI_FAIL;
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf(_("Usage: bontot [--db FILE] vkey\n\n"
			 "Print, on its last line, this tablet's cosigner key: at each sync the tablet checks the\n"
			 "office's signed log and cosigns it (C2SP cosignature/v1); an auditor verifies those\n"
			 "cosignatures with this key (docs/audit.md). The office's own key: bontot office vkey.\n"));
		return CLI_OK;
	}
	if (argc > 1)
		return cli_usage_error("vkey", _("unexpected arguments"));
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	device_key(s, path, sizeof(path));
	bt_tlog_witness_name(name, sizeof(name), bt_store_log_id(s));
	if (bt_key_load_private(&key, path) < 0) {
		fprintf(stderr, _("bontot: this store has no device key: it is made when a tablet enrolls (an office: bontot office vkey)\n"));
	} else if (bt_tlog_witness_vkey(vkey, sizeof(vkey), name, key) < 0) {
		cli_fail(NULL);
	} else {
		printf(_("This tablet's cosigner key (%s):\n%s\n"), name, vkey);
		rc = CLI_OK;
	}
	bt_key_free(key);
	bt_store_free(s);
	return rc;
}
