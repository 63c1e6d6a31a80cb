/*
 * cmd_audit.c - the auditor's offline bundle (docs/audit.md):
 *   bontot [--db FILE] audit export FILE [--year Y] [--as-of D]   (at the office)
 *   bontot audit verify FILE [--vkey VKEY] [--json]              (anywhere, offline)
 */
#include "bontot/audit.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int audit_help(void)
{
	printf(_("Usage: bontot [--db FILE] audit export FILE [--year YYYY] [--as-of DATE]\n"
		 "       bontot audit verify FILE [--vkey VKEY] [--json]\n\n"
		 "export (at the office) writes one file for the auditors: the office's whole signed log\n"
		 "(every event it holds, as a tar of C2SP tlog-tiles with its checkpoint and the tablets'\n"
		 "cosignatures), every key with where in the log it was valid, every signed batch head,\n"
		 "and every evaluation the office published with its signed receipt. It also publishes the\n"
		 "evaluation of --year (default: this year) as of --as-of (default: today, or the year's\n"
		 "end) and puts it in. The export is written to the access log.\n\n"
		 "verify checks a bundle offline, with no store: every chain, signature, the tree against\n"
		 "the checkpoint, every key valid where it signed, every cosignature, and every published\n"
		 "evaluation recomputed from the events. --vkey: the office's verifier key as you have it\n"
		 "(bontot office vkey); without it the bundle's own key is used and named. Exits 0 only if\n"
		 "everything checks; 1 naming each problem (an event by its log and number, a verdict by\n"
		 "cell and member). --json: the report as JSON.\n"));
	return CLI_OK;
}

static int write_file(const char *path, const char *data, size_t len)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	FILE *f = fopen(tmp, "wb");
	if (!f)
		return -1;
	int ok = fwrite(data, 1, len, f) == len;
	ok = fflush(f) == 0 && ok;
	ok = fsync(fileno(f)) == 0 && ok;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		int e = errno;
		remove(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

static int audit_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{"year", required_argument, NULL, 'y'}, {"as-of", required_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'}, {0}};
	const char *year_s = NULL, *as_of_s = NULL;
	int c, year = 0;
	bt_date as_of = BT_DATE_NONE;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'y': year_s = optarg; break;
		case 'a': as_of_s = optarg; break;
		case 'h': return audit_help();
		default: return cli_usage_error("audit", _("invalid option"));
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("audit", _("export needs the file to write: bontot audit export FILE"));
	char iso[BT_DATE_STR_BYTES];
	if (year_s && cli_parse_year(year_s, &year) != 0)
		return CLI_USAGE;
	if (as_of_s && cli_date_arg("audit", "--as-of", as_of_s, iso, &as_of) != 0)
		return CLI_USAGE;
	bt_date today = cli_today();
	int ty, tm, td;
	bt_date_to_ymd(today, &ty, &tm, &td);
	if (!year) {
		if (as_of != BT_DATE_NONE) {
			int m, d;
			bt_date_to_ymd(as_of, &year, &m, &d);
		} else {
			year = ty;
		}
	}
	if (as_of == BT_DATE_NONE)
		as_of = bt_eval_default_as_of(year, today);
	int ay, am, ad;
	bt_date_to_ymd(as_of, &ay, &am, &ad);
	if (ay != year)
		return cli_usage_error("audit", _("--as-of must be a day of the year %d"), year);

	bt_store *s = NULL;
	bt_key *key = NULL;
	bt_buf out;
	char path[4096];
	int rc = CLI_FAIL;
	bt_buf_init(&out, 0);
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	snprintf(path, sizeof(path), "%s.key.pem", cli_db_path);
	char office_log[BT_LOG_ID_MAX_BYTES + 1];
	if (bt_store_setting(s, "office_log", office_log, sizeof(office_log)) == 0 && office_log[0]) {
		/* A tablet's key beside its store is not the office's: a bundle is the office's log. */
		fprintf(stderr, _("bontot: %s is a tablet's store (enrolled at the office %s): the audit bundle is exported at the office\n"),
			cli_db_path, office_log);
		goto done;
	}
	bt_error_clear();
	if (bt_key_load_private(&key, path) < 0) {
		fprintf(stderr, _("bontot: %s is not an office's store: it has no office key (%s); bontot office init makes one\n"),
			cli_db_path, path);
		goto done;
	}
	char what[512];
	snprintf(what, sizeof(what), "audit export %.400s year=%d", argv[optind], year);
	if (bt_audit_export(&out, s, key, year, as_of) < 0 || bt_access_log_add(s, cli_author(), what) < 0) {
		cli_fail(NULL);
		goto done;
	}
	if (write_file(argv[optind], out.data, out.len) < 0) {
		fprintf(stderr, _("bontot: cannot write %s: %s\n"), argv[optind], strerror(errno));
		goto done;
	}
	uint64_t size = 0;
	if (bt_store_tlog_size(s, &size) < 0)
		bt_error_clear();
	char vkey[256], origin[BT_LOG_ID_MAX_BYTES + 16];
	bt_tlog_origin(origin, sizeof(origin), bt_store_log_id(s));
	if (bt_tlog_vkey(vkey, sizeof(vkey), origin, key) < 0) {
		cli_fail(NULL);
		goto done;
	}
	printf(_("Wrote the audit bundle %s: %llu entries of the signed log, %zu bytes.\n"
		 "The auditor checks it with: bontot audit verify %s --vkey %s\n"),
	       argv[optind], (unsigned long long)size, out.len, argv[optind], vkey);
	rc = CLI_OK;
done:
	bt_buf_free(&out);
	bt_key_free(key);
	bt_store_free(s);
	return rc;
}

static int audit_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{"vkey", required_argument, NULL, 'k'}, {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0}};
	const char *vkey = NULL;
	int c, as_json = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': vkey = optarg; break;
		case 'j': as_json = 1; break;
		case 'h': return audit_help();
		default: return cli_usage_error("audit", _("invalid option"));
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("audit", _("verify needs the bundle: bontot audit verify FILE"));
	if (vkey && (strlen(vkey) > 250 || !strchr(vkey, '+')))
		return cli_usage_error("audit", _("--vkey: the office's verifier key, NAME+ID+KEY, as bontot office vkey prints it"));
	char *data = NULL;
	size_t len = 0;
	if (cli_read_file(argv[optind], &data, &len) < 0) {
		fprintf(stderr, _("bontot: cannot read %s: %s\n"), argv[optind], strerror(errno));
		return CLI_FAIL;
	}
	bt_audit_report r;
	int err = bt_audit_verify(&r, (const uint8_t *)data, len, vkey);
	free(data);
	if (err < 0)
		return cli_fail(NULL);
	int rc = r.n_problems ? CLI_FAIL : CLI_OK;
	if (as_json) {
		json_t *o = json_object(), *ps = json_array();
		json_object_set_new(o, "ok", json_boolean(!r.n_problems));
		json_object_set_new(o, "vkey", json_string(r.vkey));
		json_object_set_new(o, "vkey_from_bundle", json_boolean(r.vkey_from_bundle));
		json_object_set_new(o, "size", json_integer((json_int_t)r.size));
		json_object_set_new(o, "logs", json_integer((json_int_t)r.logs));
		json_object_set_new(o, "heads", json_integer((json_int_t)r.heads));
		json_object_set_new(o, "cosignatures", json_integer((json_int_t)r.cosignatures));
		json_object_set_new(o, "receipts", json_integer((json_int_t)r.receipts));
		json_object_set_new(o, "evaluations", json_integer((json_int_t)r.evaluations));
		json_object_set_new(o, "problems_found", json_integer((json_int_t)r.n_problems));
		for (size_t i = 0; i < r.n_problems && i < BT_AUDIT_PROBLEMS_KEPT; i++) {
			const bt_audit_problem *p = &r.problems[i];
			json_t *x = json_object();
			json_object_set_new(x, "code", json_string(p->code));
			json_object_set_new(x, "log", p->log[0] ? json_string(p->log) : json_null());
			json_object_set_new(x, "seq", p->seq ? json_integer(p->seq) : json_null());
			json_object_set_new(x, "entry", p->leaf >= 0 ? json_integer(p->leaf) : json_null());
			json_object_set_new(x, "cell", p->cell[0] ? json_string(p->cell) : json_null());
			json_object_set_new(x, "member", p->member[0] ? json_string(p->member) : json_null());
			json_object_set_new(x, "message", json_string(p->message));
			json_array_append_new(ps, x);
		}
		json_object_set_new(o, "problems", ps);
		if (cli_json_print(o) != CLI_OK)
			rc = CLI_FAIL;
		json_decref(o);
	} else {
		if (r.vkey_from_bundle)
			printf(_("No --vkey given: checked against the key the bundle carries, %s.\n"
				 "Compare it with the office's key as you received it (bontot office vkey).\n"),
			       r.vkey);
		printf(_("%llu entries, %zu logs, %zu signed heads, %zu cosignatures, %zu receipts (%zu evaluations recomputed).\n"),
		       (unsigned long long)r.size, r.logs, r.heads, r.cosignatures, r.receipts, r.evaluations);
		/* The first problems say where it went wrong; --json has the first thousand. */
		for (size_t i = 0; i < r.n_problems && i < 50; i++)
			printf("%s: %s\n", r.problems[i].code, r.problems[i].message);
		if (r.n_problems > 50)
			printf(_("... and %zu more problems (--json lists up to 1000).\n"), r.n_problems - 50);
		if (r.n_problems)
			printf(_("NOT VERIFIED: %zu problems. Do not trust this office's history or evaluations until they are explained.\n"),
			       r.n_problems);
		else
			printf(_("Verified: every chain, signature, key, cosignature and published evaluation checks.\n"));
	}
	bt_audit_report_free(&r);
	return rc;
}

int cmd_audit(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return argc < 2 ? cli_usage_error("audit", _("needs export or verify")) : audit_help();
	if (strcmp(argv[1], "export") == 0)
		return audit_export(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return audit_verify(argc - 1, argv + 1);
	return cli_no_subcommand("audit", argv[1], (const char *const[]){"export", "verify", NULL});
}
