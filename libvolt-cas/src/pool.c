/*
 * Worker pool (see pool.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>

#include "pool.h"

struct job {
	cas_job_fn fn;
	void *arg;
	void (*arg_free)(void *);
	struct job *next;
};

struct cas_pool {
	pthread_mutex_t lock;
	pthread_cond_t has_work, has_room, idle;
	struct job *head, *tail;
	unsigned queued, running, queue_max, n_threads;
	int stopping;
	int error;
	char message[VOLT_ERROR_MESSAGE_MAX];
	pthread_t threads[];
};

static void *worker(void *userdata)
{
	struct cas_pool *p = userdata;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct job *j;
		int r = 0;

		while (!p->head && !p->stopping)
			pthread_cond_wait(&p->has_work, &p->lock);
		if (!p->head)
			break;
		j = p->head;
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		p->running++;
		pthread_cond_signal(&p->has_room);
		if (!p->error) {
			pthread_mutex_unlock(&p->lock);
			r = j->fn(j->arg);
			pthread_mutex_lock(&p->lock);
			if (r < 0 && !p->error) {
				p->error = r;
				snprintf(p->message, sizeof(p->message), "%s", volt_error_message());
			}
		}
		if (j->arg_free)
			j->arg_free(j->arg);
		free(j);
		p->running--;
		if (!p->head && !p->running)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int cas_pool_new(struct cas_pool **out, unsigned workers, unsigned queue_max)
{
	struct cas_pool *p;

	if (workers == 0)
		workers = 1;
	p = calloc(1, sizeof(*p) + workers * sizeof(pthread_t));
	if (!p)
		return volt_error_set(ENOMEM, NULL);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->has_work, NULL);
	pthread_cond_init(&p->has_room, NULL);
	pthread_cond_init(&p->idle, NULL);
	p->queue_max = queue_max ? queue_max : 4 * workers;
	for (unsigned i = 0; i < workers; i++) {
		int r = pthread_create(&p->threads[i], NULL, worker, p);

		if (r != 0) {
			cas_pool_free(p);
			return volt_error_set_errno(r, "start worker thread");
		}
		p->n_threads++;
	}
	*out = p;
	return 0;
}

int cas_pool_submit(struct cas_pool *p, cas_job_fn fn, void *arg, void (*arg_free)(void *))
{
	struct job *j = malloc(sizeof(*j));

	if (!j) {
		if (arg_free)
			arg_free(arg);
		return volt_error_set(ENOMEM, NULL);
	}
	*j = (struct job){ fn, arg, arg_free, NULL };
	pthread_mutex_lock(&p->lock);
	while (p->queued >= p->queue_max)
		pthread_cond_wait(&p->has_room, &p->lock);
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	p->queued++;
	pthread_cond_signal(&p->has_work);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

int cas_pool_failed(struct cas_pool *p)
{
	return __atomic_load_n(&p->error, __ATOMIC_RELAXED);
}

unsigned cas_pool_pending(struct cas_pool *p)
{
	unsigned n;

	pthread_mutex_lock(&p->lock);
	n = p->queued + p->running;
	pthread_mutex_unlock(&p->lock);
	return n;
}

void cas_pool_drain(struct cas_pool *p)
{
	pthread_mutex_lock(&p->lock);
	while (p->head || p->running)
		pthread_cond_wait(&p->idle, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

int cas_pool_wait(struct cas_pool *p)
{
	int r;

	pthread_mutex_lock(&p->lock);
	while (p->head || p->running)
		pthread_cond_wait(&p->idle, &p->lock);
	r = p->error;
	pthread_mutex_unlock(&p->lock);
	if (r < 0)
		return volt_error_set(r, "%s", p->message);
	return 0;
}

void cas_pool_free(struct cas_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->has_work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	/* Jobs still queued (after a failure) are dropped with their args. */
	while (p->head) {
		struct job *j = p->head;

		p->head = j->next;
		if (j->arg_free)
			j->arg_free(j->arg);
		free(j);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->has_work);
	pthread_cond_destroy(&p->has_room);
	pthread_cond_destroy(&p->idle);
	free(p);
}
