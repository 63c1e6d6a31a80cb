/* support.c - helpers shared by the test suites. */
#include "support.h"

#include <libintl.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[256];

static void cleanup(void)
{
	char cmd[300];
	if (dir[0] && !getenv("BT_KEEP_TEST_DIR")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
}

const char *bt_test_dir(void)
{
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/bontot-test-XXXXXX");
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			exit(1);
		}
		atexit(cleanup);
	}
	return dir;
}

const char *bt_test_path(const char *name)
{
	static char bufs[8][512];
	static int i;
	char *b = bufs[i++ % 8];
	snprintf(b, 512, "%s/%s", bt_test_dir(), name);
	return b;
}

bt_store *bt_test_store(const char *name, const char *log_id)
{
	bt_store *s = NULL;
	bt_store_opts o = BT_STORE_OPTS_INIT;
	o.log_id = log_id;
	remove(bt_test_path(name));
	CU_ASSERT_EQUAL_FATAL(bt_store_init(&s, bt_test_path(name), &o), 0);
	return s;
}

int64_t bt_test_events(bt_store *store)
{
	int64_t n = -1;
	CU_ASSERT_EQUAL(bt_store_event_count(store, &n), 0);
	return n;
}

int bt_test_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t n = strlen(text);
	int ok = fwrite(text, 1, n, f) == n;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

char *bt_test_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (n + 4097 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, 4096, f);
		n += r;
		if (r < 4096)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int bt_test_sh(char **out, char **err, const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	char full[10240], o[512], e[512];
	/* Not bt_test_path: its rotating buffers may hold the caller's paths. */
	snprintf(o, sizeof(o), "%s/sh.out", bt_test_dir());
	snprintf(e, sizeof(e), "%s/sh.err", bt_test_dir());
	snprintf(full, sizeof(full), "( %s ) >'%s' 2>'%s' </dev/null", cmd, o, e);
	int rc = system(full);
	if (out)
		*out = bt_test_read(o, NULL);
	if (err)
		*err = bt_test_read(e, NULL);
	if (rc == -1)
		return -1;
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
}

void bt_test_add(bt_test_records *rs, const char *fmt, ...)
{
	char line[16384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	bt_record *r = NULL;
	if (bt_record_parse(&r, line, strlen(line)) < 0) {
		fprintf(stderr, "test fixture line refused: %s\n  %s\n", bt_error_last(), line);
		abort();
	}
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 64;
		rs->v = realloc(rs->v, rs->cap * sizeof(*rs->v));
		if (!rs->v)
			abort();
	}
	rs->v[rs->n++] = r;
}

void bt_test_records_free(bt_test_records *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		bt_record_free(rs->v[i]);
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

int bt_test_import(bt_store *s, const char *text, bt_import_stats *stats)
{
	return bt_test_import_at(s, text, "2026-11-30T00:00:00Z", stats);
}

int bt_test_import_at(bt_store *s, const char *text, const char *ts, bt_import_stats *stats)
{
	bt_import *imp = NULL;
	bt_import_opts o = BT_IMPORT_OPTS_INIT;
	int err;
	o.timestamp = ts;
	o.author = "test";
	if ((err = bt_import_begin(&imp, s, &o)) < 0)
		return err;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if ((err = bt_import_line(imp, p, len)) < 0) {
			if (stats)
				bt_import_get_stats(imp, stats);
			bt_import_free(imp);
			return err;
		}
		p += len + (nl ? 1 : 0);
	}
	err = bt_import_commit(imp, stats);
	bt_import_free(imp);
	return err;
}

pid_t bt_test_spawn(const char *cmd, const char *err_path, char *text, size_t size, int lines)
{
	int fds[2];
	CU_ASSERT_FATAL(pipe(fds) == 0);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		if (err_path && !freopen(err_path, "w", stderr))
			_exit(126);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	size_t n = 0;
	while (n < size - 1 && lines > 0 && read(fds[0], text + n, 1) == 1)
		lines -= text[n++] == '\n';
	text[n] = '\0';
	close(fds[0]);
	return pid;
}

#ifdef BT_CLI
char bt_test_pin[64];

static pid_t serve(const char *store, const char *log_path, int *port, int plain)
{
	char cmd[2048], text[512];
	snprintf(cmd, sizeof(cmd), "exec '%s' --db '%s' serve --listen 127.0.0.1:0%s", BT_CLI, store, plain ? " --plain-http" : "");
	/* HTTPS: "...: sha256//PIN\n" then "... on https://127.0.0.1:PORT\n"; plain: the second line only. */
	pid_t pid = bt_test_spawn(cmd, log_path, text, sizeof(text), plain ? 1 : 2);
	const char *pin = strstr(text, "sha256//"), *colon = strrchr(text, ':');
	if (!plain) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(pin);
		CU_ASSERT_PTR_NOT_NULL_FATAL(strstr(text, "https://127.0.0.1:"));
		sscanf(pin, "%63s", bt_test_pin);
	}
	*port = colon ? atoi(colon + 1) : 0;
	CU_ASSERT_FATAL(*port > 0);
	return pid;
}

pid_t bt_test_serve(const char *store, const char *log_path, int *port) { return serve(store, log_path, port, 0); }

pid_t bt_test_serve_plain(const char *store, const char *log_path, int *port) { return serve(store, log_path, port, 1); }
#endif

int bt_test_stop(pid_t pid)
{
	int status;
	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int bt_test_run(const char *suite, CU_TestInfo *tests)
{
	/* The library's messages in Vietnamese, as users see them (cli/po/vi.po); the
	 * commands the suites start inherit the locale. */
	setenv("LC_ALL", "vi_VN.UTF-8", 1);
	if (!setlocale(LC_ALL, "vi_VN.UTF-8"))
		fprintf(stderr, "warning: no vi_VN.UTF-8 locale (run scripts/setup.sh): messages stay English\n");
	bindtextdomain("bontot", BT_TEST_LOCALEDIR);
	bind_textdomain_codeset("bontot", "UTF-8");
	CU_SuiteInfo suites[] = {{suite, NULL, NULL, NULL, NULL, tests}, CU_SUITE_INFO_NULL};
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	unsigned run = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	return (failed || run == 0) ? 1 : 0;
}

long bt_test_column(const char *text, const char *mark, const char *needle)
{
	const char *m = strstr(text, mark);
	if (!m)
		return -1;
	const char *line = m;
	while (line > text && line[-1] != '\n')
		line--;
	const char *n = strstr(line, needle), *eol = strchr(line, '\n');
	if (!n || (eol && n > eol))
		return -1;
	char prefix[512];
	snprintf(prefix, sizeof(prefix), "%.*s", (int)(n - line), line);
	return (long)bt_text_width(prefix);
}

/* Committee DU, cells CB (members A, the secretary, and B) and CB2 (member Z), all official. */
const char *const bt_test_two_cells =
	"{\"kind\":\"committee\",\"id\":\"DU\",\"name\":\"Đảng ủy xã\"}\n"
	"{\"kind\":\"cell\",\"id\":\"CB\",\"committee\":\"DU\",\"name\":\"Chi bộ Một\"}\n"
	"{\"kind\":\"cell\",\"id\":\"CB2\",\"committee\":\"DU\",\"name\":\"Chi bộ Hai\"}\n"
	"{\"kind\":\"member\",\"id\":\"A\",\"cell\":\"CB\",\"name\":\"Nguyễn Văn An\",\"status\":\"official\",\"role\":\"secretary\",\"joined\":\"2000-01-01\"}\n"
	"{\"kind\":\"member\",\"id\":\"B\",\"cell\":\"CB\",\"name\":\"Trần Thị Bình\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2001-01-01\"}\n"
	"{\"kind\":\"member\",\"id\":\"Z\",\"cell\":\"CB2\",\"name\":\"Lê Văn Dũng\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\"}\n";
