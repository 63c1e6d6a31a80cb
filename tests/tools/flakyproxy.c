/*
 * flakyproxy.c - a TCP proxy on 127.0.0.1 that makes a link bad, for the
 * sync fault tests and the weak-link benchmark (the kernel here has no
 * netem). Each accepted connection is forwarded to the target port, with:
 *
 *   --delay-ms N     N ms added before each chunk forwarded, each way
 *   --rate-bps N     at most N bits a second, each way (a 64 kbit/s link)
 *   --cut-percent P  P% of connections are cut (both sides closed) after a
 *                    random number of bytes, mid-request or mid-reply
 *   --replay-percent P  P% of requests are remembered and sent again to the
 *                    server later, on their own connection, before the next
 *                    connection's request: a duplicate that arrives late,
 *                    after newer requests (duplication and reordering)
 *   --seed S         the random choices (reproducible)
 *
 * Prints "listening on PORT" on stdout once ready; stops on SIGTERM.
 * Usage: flakyproxy --target PORT [options]
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int target_port, delay_ms, cut_percent, replay_percent;
static long rate_bps;
static unsigned seed = 1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *replay_buf; /* a remembered request, sent again later */
static size_t replay_len;

static unsigned next_random(void)
{
	pthread_mutex_lock(&lock);
	seed = seed * 1103515245u + 12345u;
	unsigned r = (seed >> 8) & 0xffffff;
	pthread_mutex_unlock(&lock);
	return r;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int connect_target(void)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)target_port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Send a remembered request to the server on its own connection; read and drop the answer. */
static void replay_one(void)
{
	char *buf;
	size_t len;
	pthread_mutex_lock(&lock);
	buf = replay_buf;
	len = replay_len;
	replay_buf = NULL;
	replay_len = 0;
	pthread_mutex_unlock(&lock);
	if (!buf)
		return;
	int fd = connect_target();
	if (fd >= 0) {
		char sink[4096];
		struct pollfd p = {fd, POLLIN, 0};
		if (send_all(fd, buf, len) == 0)
			while (poll(&p, 1, 5000) > 0 && recv(fd, sink, sizeof(sink), 0) > 0)
				;
		close(fd);
	}
	free(buf);
}

static void *serve(void *arg)
{
	int client = (int)(intptr_t)arg, server;
	replay_one();
	if ((server = connect_target()) < 0) {
		close(client);
		return NULL;
	}
	long cut_after = (int)(next_random() % 100) < cut_percent ? (long)(next_random() % 4000) : -1;
	int remember = (int)(next_random() % 100) < replay_percent;
	char *req = NULL;
	size_t req_len = 0;
	long total = 0;
	struct pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
	char buf[16384];
	for (;;) {
		if (poll(p, 2, 30000) <= 0)
			break;
		int from = (p[0].revents & (POLLIN | POLLHUP | POLLERR)) ? 0 : 1;
		ssize_t n = recv(p[from].fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		if (cut_after >= 0 && total + n > cut_after) {
			/* forward a part, then cut both sides */
			send_all(p[1 - from].fd, buf, (size_t)(cut_after - total));
			break;
		}
		if (from == 0 && remember) {
			char *grown = realloc(req, req_len + (size_t)n);
			if (grown) {
				memcpy(grown + req_len, buf, (size_t)n);
				req = grown;
				req_len += (size_t)n;
			}
		}
		if (delay_ms > 0)
			sleep_ms(delay_ms);
		if (rate_bps > 0)
			sleep_ms((long)((double)n * 8 * 1000 / (double)rate_bps));
		if (send_all(p[1 - from].fd, buf, (size_t)n) < 0)
			break;
		total += n;
	}
	close(client);
	close(server);
	if (req) {
		pthread_mutex_lock(&lock);
		free(replay_buf);
		replay_buf = req;
		replay_len = req_len;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"target", required_argument, NULL, 't'},	  {"delay-ms", required_argument, NULL, 'd'},
					     {"rate-bps", required_argument, NULL, 'r'},	  {"cut-percent", required_argument, NULL, 'c'},
					     {"replay-percent", required_argument, NULL, 'p'}, {"seed", required_argument, NULL, 's'},
					     {0}};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': target_port = atoi(optarg); break;
		case 'd': delay_ms = atoi(optarg); break;
		case 'r': rate_bps = atol(optarg); break;
		case 'c': cut_percent = atoi(optarg); break;
		case 'p': replay_percent = atoi(optarg); break;
		case 's': seed = (unsigned)strtoul(optarg, NULL, 10); break;
		default: fprintf(stderr, "usage: flakyproxy --target PORT [--delay-ms N] [--rate-bps N] [--cut-percent P] [--replay-percent P] [--seed S]\n"); return 2;
		}
	}
	if (target_port <= 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 16) < 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &alen) < 0) {
		perror("flakyproxy");
		return 1;
	}
	printf("listening on %d\n", ntohs(a.sin_port));
	fflush(stdout);
	for (;;) {
		int fd = accept(ls, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		pthread_t t;
		if (pthread_create(&t, NULL, serve, (void *)(intptr_t)fd) != 0)
			close(fd);
		else
			pthread_detach(t);
	}
	return 0;
}
