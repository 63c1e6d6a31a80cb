/* cmd_log.c - bontot log: the history of the store, newest first, like git log. */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Print "field: old → new" for what a correction changed (one level deep, attendance by member). */
static void print_changes(const char *old_text, size_t old_len, const char *new_text, size_t new_len)
{
	json_t *o = json_loadb(old_text, old_len, 0, NULL), *n = json_loadb(new_text, new_len, 0, NULL);
	const char *key;
	json_t *v;
	if (!o || !n) {
		json_decref(o);
		json_decref(n);
		return;
	}
	if (json_equal(o, n)) {
		/* Recorded again as it was: it now counts as the latest (an import that keeps which duplicate meeting counts). */
		printf(_("    the same again: it now counts as the latest version\n"));
		json_decref(o);
		json_decref(n);
		return;
	}
	printf(_("    changed:"));
	json_object_foreach(n, key, v)
	{
		json_t *was = json_object_get(o, key);
		if (json_equal(was, v))
			continue;
		if (strcmp(key, "attendance") == 0 && json_is_object(was) && json_is_object(v)) {
			const char *who;
			json_t *st;
			json_object_foreach(v, who, st)
			{
				json_t *before = json_object_get(was, who);
				if (!json_equal(before, st))
					printf(" %s.%s: %s → %s;", key, who, before ? json_string_value(before) : "—",
					       json_string_value(st));
			}
			continue;
		}
		char *a = was ? json_dumps(was, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
		char *b = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		printf(" %s: %s → %s;", key, a ? a : "—", b ? b : "?");
		free(a);
		free(b);
	}
	printf("\n");
	json_decref(o);
	json_decref(n);
}

/* --json: one object per event, in the array `payload`. */
static int json_entry(const bt_log_entry *e, void *payload)
{
	char key[512];
	snprintf(key, sizeof(key), "%s", cli_key(e->key));
	json_t *rec = json_loadb(e->rec, e->rec_len, 0, NULL);
	json_t *o = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:o*, s:o}", "event", (json_int_t)e->id, "log", e->log, "seq",
			      (json_int_t)e->seq, "ts", e->ts, "author", e->author, "kind", bt_kind_name(e->kind), "key", key,
			      "supersedes", e->supersedes ? json_integer(e->supersedes) : NULL, "record", rec ? rec : json_null());
	return o && json_array_append_new((json_t *)payload, o) == 0 ? 0 : BT_ENOMEM;
}

static int print_entry(const bt_log_entry *e, void *payload)
{
	(void)payload;
	printf(_("event %lld  %s  %s  (%s #%lld)\n"), (long long)e->id, cli_timestamp_vi(e->ts), e->author, e->log, (long long)e->seq);
	if (e->supersedes) {
		printf(_("    %s %s — correction, replaces event %lld\n"), bt_kind_title(e->kind), cli_key(e->key),
		       (long long)e->supersedes);
		if (e->prev_rec)
			print_changes(e->prev_rec, e->prev_rec_len, e->rec, e->rec_len);
	} else {
		printf(_("    %s %s — new\n"), bt_kind_title(e->kind), cli_key(e->key));
	}
	printf("    %.*s\n\n", (int)e->rec_len, e->rec);
	return 0;
}

int cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {{"limit", required_argument, NULL, 'n'}, {"kind", required_argument, NULL, 'k'},
					     {"key", required_argument, NULL, 'K'},   {"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},	      {0}};
	long limit = 20;
	const char *kind_arg = NULL, *key = NULL;
	bt_kind kind = 0;
	bt_store *s = NULL;
	int c, rc = CLI_FAIL, as_json = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': {
			char *end;
			limit = strtol(optarg, &end, 10);
			if (!*optarg || *end)
				return cli_usage_error("log", _("-n: a number of events"));
			break;
		}
		case 'j': as_json = 1; break;
		case 'k': kind_arg = optarg; break;
		case 'K': key = optarg; break;
		case 'h':
			printf(_("Usage: bontot [--db FILE] log [-n COUNT] [--kind KIND --key KEY] [--json]\n"
				"\n"
				"The history of records, newest first: when, who (which device), what, and which event\n"
				"a correction replaces. -n: how many events (default 20, 0 for all). --kind and --key:\n"
				"only the versions of one record, e.g. --kind meeting --key CB-01-2026-03-06.\n"
				"--json: an array of {event, log, seq, ts, author, kind, key, supersedes, record}, the\n"
				"record as in the import format.\n"));
			return CLI_OK;
		default: return cli_usage_error("log", _("invalid option"));
		}
	}
	if (optind != argc)
		return cli_usage_error("log", _("unexpected argument \"%s\""), argv[optind]);
	if (limit < 0)
		return cli_usage_error("log", _("-n must be 0 or more"));
	if ((kind_arg != NULL) != (key != NULL))
		return cli_usage_error("log", _("--kind and --key go together"));
	if (kind_arg) {
		for (int k = 1; k <= BT_KIND_COUNT; k++)
			if (strcmp(bt_kind_name((bt_kind)k), kind_arg) == 0)
				kind = (bt_kind)k;
		if (!kind)
			return cli_usage_error("log", _("no record kind \"%s\""), kind_arg);
	}
	if (cli_open_store(&s) < 0)
		return CLI_FAIL;
	json_t *arr = as_json ? json_array() : NULL;
	if (bt_store_log(s, limit, kind, key, arr ? json_entry : print_entry, arr) < 0)
		cli_fail(_("cannot read the log"));
	else
		rc = arr ? cli_json_print(arr) : CLI_OK;
	json_decref(arr);
	bt_store_free(s);
	return rc;
}
