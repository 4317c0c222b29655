/*
 * Events back to containerd, as its shims send them: the publish binary
 * containerd named (-publish-binary, containerd itself) run as
 * "P --address A publish --topic T --namespace N" with a
 * google.protobuf.Any of the event on its standard input. One at a time,
 * in order (TaskExit must not overtake TaskStart), never blocking the
 * server: the event goes into a pipe before the child is forked.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim-proto.h"
#include "shim.h"

/* Events are small; one that is not stays unsent (a pipe holds 64 KiB). */
#define EVENT_MAX 60000
#define QUEUE_MAX 64

typedef struct event {
	char *topic;
	uint8_t *data;  /* the packed Any */
	size_t len;
	struct event *next;
} event;

static event *queue_head, *queue_tail;
static size_t queue_len;
static pid_t publisher;

static void event_free(event *e)
{
	free(e->topic);
	free(e->data);
	free(e);
}

static void spawn_next(shim *s)
{
	while (queue_head && publisher <= 0) {
		event *e = queue_head;
		int fds[2];
		pid_t pid;

		queue_head = e->next;
		if (!queue_head)
			queue_tail = NULL;
		queue_len--;
		if (pipe2(fds, O_CLOEXEC) < 0) {
			shim_log("publish %s: pipe: %m", e->topic);
			event_free(e);
			continue;
		}
		if (write(fds[1], e->data, e->len) != (ssize_t)e->len)
			shim_log("publish %s: write: %m", e->topic);
		close(fds[1]);
		pid = fork();
		if (pid == 0) {
			sigset_t none;

			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			dup2(fds[0], 0);
			execl(s->args.publish_binary, s->args.publish_binary, "--address", s->args.address, "publish",
			      "--topic", e->topic, "--namespace", s->args.namespace, (char *)NULL);
			_exit(127);
		}
		close(fds[0]);
		if (pid < 0)
			shim_log("publish %s: fork: %m", e->topic);
		else
			publisher = pid;
		event_free(e);
	}
}

void shim_publish(shim *s, const char *topic, const char *type_url, const uint8_t *data, size_t len)
{
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	event *e;

	if (!s->args.publish_binary || !*s->args.publish_binary || !s->args.address || !s->args.namespace)
		return;
	any.type_url = (char *)type_url;
	any.value.data = (uint8_t *)data;
	any.value.len = len;
	if (queue_len >= QUEUE_MAX || google__protobuf__any__get_packed_size(&any) > EVENT_MAX) {
		shim_log("publish %s: dropped (queue full or event too big)", topic);
		return;
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->topic = strdup(topic)) ||
	    !(e->data = malloc(google__protobuf__any__get_packed_size(&any)))) {
		if (e)
			event_free(e);
		return;
	}
	e->len = google__protobuf__any__pack(&any, e->data);
	if (queue_tail)
		queue_tail->next = e;
	else
		queue_head = e;
	queue_tail = e;
	queue_len++;
	spawn_next(s);
}

bool shim_publish_reaped(shim *s, pid_t pid)
{
	if (pid != publisher || pid <= 0)
		return false;
	publisher = 0;
	spawn_next(s);
	return true;
}

bool shim_publish_idle(void)
{
	return publisher <= 0 && !queue_head;
}
