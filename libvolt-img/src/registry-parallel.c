/*
 * Many blobs over several connections at once. A registry's latency per
 * blob (tens of milliseconds for an upload to docker-registry's file
 * system driver, measured here) dwarfs the time to move a small block,
 * so a root of thousands of blocks is sent and fetched by a few threads,
 * each with its own libcurl handle.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <pthread.h>
#include <string.h>

#include "registry-http.h"

struct parallel {
	const struct reg_client *client;
	size_t n;
	reg_item_fn fn;
	void *ctx;
	struct reg_progress *prog;
	pthread_mutex_t lock;       /* next, failed, result, message, counters */
	size_t next;
	bool failed;
	int *result;
	char **message;             /* the failing thread's error message */
};

static void *worker(void *userdata)
{
	struct parallel *p = userdata;
	struct reg_client *c = NULL;
	int r;

	r = reg_client_clone(&c, p->client);
	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->lock);
		i = p->next++;
		if (i >= p->n || p->failed) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		pthread_mutex_unlock(&p->lock);

		if (r >= 0)
			r = p->fn(c, i, p->ctx);
		pthread_mutex_lock(&p->lock);
		p->result[i] = r;
		if (r < 0) {
			p->failed = true;
			p->message[i] = strdup(volt_error_message());
		} else if (r > 0) {
			p->prog->res->objects_transferred++;
		} else {
			p->prog->res->objects_skipped++;
		}
		pthread_mutex_unlock(&p->lock);
		reg_progress_tick(p->prog, false);
		if (r < 0)
			break;
	}
	reg_client_free(c);
	return NULL;
}

int reg_parallel(const struct reg_client *c, size_t n, unsigned threads, reg_item_fn fn, void *ctx,
		 struct reg_progress *prog)
{
	struct parallel p = { .client = c, .n = n, .fn = fn, .ctx = ctx, .prog = prog };
	pthread_t tids[REG_PARALLEL_MAX];
	size_t started = 0;
	int r = 0, e;

	if (n == 0)
		return 0;
	if (threads > REG_PARALLEL_MAX)
		threads = REG_PARALLEL_MAX;
	p.result = calloc(n, sizeof(*p.result));
	p.message = calloc(n, sizeof(*p.message));
	if (!p.result || !p.message) {
		free(p.result);
		free(p.message);
		return volt_error_set(ENOMEM, NULL);
	}
	pthread_mutex_init(&p.lock, NULL);
	prog->lock = &p.lock;
	for (size_t t = 0; t < threads && t < n; t++) {
		e = pthread_create(&tids[started], NULL, worker, &p);
		if (e != 0) {
			if (started == 0)
				r = volt_error_set_errno(e, "start a transfer thread");
			break;
		}
		started++;
	}
	for (size_t t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	prog->lock = NULL;
	pthread_mutex_destroy(&p.lock);
	/* The first failure in item order, with its own message. */
	for (size_t i = 0; i < n && r >= 0; i++)
		if (p.result[i] < 0)
			r = volt_error_set(-p.result[i], "%s", p.message[i] ? p.message[i] : "transfer failed");
	for (size_t i = 0; i < n; i++)
		free(p.message[i]);
	free(p.message);
	free(p.result);
	return r;
}
