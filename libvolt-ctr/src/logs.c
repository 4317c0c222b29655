/*
 * A container's output: from its unit's journal (common/unit.c), or,
 * for foreground runs, from the log the host keeps of them.
 *
 * A foreground run's standard output and error reach volt through pipes;
 * volt copies them to its own and appends them to output.log in the
 * container's directory (root's, mode 0700, outside the container's
 * tree: nothing inside can plant a link there, and the file is opened
 * without following one anyway). The log is bounded: past
 * CTR_LOG_MAX bytes it becomes output.log.1 (the previous one goes) and
 * a new one starts, so at most twice that is kept.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/core.h>

#include "ctr-internal.h"
#include "shared/macro.h"

#define CTR_LOG_NAME "output.log"
#define CTR_LOG_OLD "output.log.1"
#define CTR_LOG_MAX (1024 * 1024)

struct ctr_log {
	int dir_fd, fd;
	off_t size;
};

static int log_open_current(ctr_log *log)
{
	struct stat st;

	log->fd = openat(log->dir_fd, CTR_LOG_NAME, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (log->fd < 0)
		return -errno;
	if (fstat(log->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(log->fd);
		log->fd = -1;
		return -EINVAL;
	}
	log->size = st.st_size;
	return 0;
}

int ctr_log_open(ctr_log **out, const ctr_record *rec)
{
	ctr_log *log = calloc(1, sizeof(*log));
	int r;

	*out = NULL;
	if (!log)
		return volt_error_set(ENOMEM, NULL);
	log->fd = -1;
	log->dir_fd = open(rec->dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (log->dir_fd < 0) {
		r = volt_error_set_errno(errno, "open %s", rec->dir);
		free(log);
		return r;
	}
	r = log_open_current(log);
	if (r < 0) {
		close(log->dir_fd);
		free(log);
		return volt_error_set_errno(-r, "open %s/" CTR_LOG_NAME, rec->dir);
	}
	*out = log;
	return 0;
}

void ctr_log_write(ctr_log *log, const void *data, size_t len)
{
	if (!log || log->fd < 0)
		return;
	if (log->size > 0 && log->size + (off_t)len > CTR_LOG_MAX) {
		close(log->fd);
		log->fd = -1;
		if (renameat(log->dir_fd, CTR_LOG_NAME, log->dir_fd, CTR_LOG_OLD) < 0 || log_open_current(log) < 0)
			return;
	}
	/* A full disk loses log lines, never the run's output. */
	if (volt_write_all(log->fd, data, len) == 0)
		log->size += (off_t)len;
	else
		volt_error_clear();
}

void ctr_log_close(ctr_log *log)
{
	if (!log)
		return;
	if (log->fd >= 0)
		close(log->fd);
	close(log->dir_fd);
	free(log);
}

/* The whole of @name in @dir_fd (empty when missing), at most 2 * CTR_LOG_MAX. */
static int read_log(int dir_fd, const char *name, char **buf, size_t *len, ino_t *ino)
{
	_cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return -EINVAL;
	if (ino)
		*ino = st.st_ino;
	for (;;) {
		char *nb;

		if (*len >= 2 * CTR_LOG_MAX)
			break;
		nb = realloc(*buf, *len + 65536);
		if (!nb)
			return -ENOMEM;
		*buf = nb;
		n = read(fd, *buf + *len, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	return 1;
}

/* Print the kept log; with @follow, what comes while the run goes on. */
static int foreground_logs(const ctr_record *rec, int dir_fd, int fd, unsigned lines, bool follow)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, start = 0, done;
	ino_t ino = 0;
	pid_t pid;
	int r;

	if ((r = read_log(dir_fd, CTR_LOG_OLD, &buf, &len, NULL)) < 0)
		return volt_error_set_errno(-r, "read %s/" CTR_LOG_OLD, rec->dir);
	/* What is read of the current file is where following goes on from. */
	done = len;
	if ((r = read_log(dir_fd, CTR_LOG_NAME, &buf, &len, &ino)) < 0)
		return volt_error_set_errno(-r, "read %s/" CTR_LOG_NAME, rec->dir);
	if (lines > 0 && len > 0) {
		unsigned seen = 0;

		/* A last line without its newline still counts as one. */
		start = len - (buf[len - 1] == '\n' ? 1 : 0);
		while (start > 0 && !(buf[start - 1] == '\n' && ++seen == lines))
			start--;
	}
	if (len > start && (r = volt_write_all(fd, buf + start, len - start)) < 0)
		return r;
	if (!follow)
		return 0;
	done = len - done;
	for (;;) {
		_cleanup_close_ int lf = -1;
		struct stat st;
		bool running = ctr_run_pid(rec, &pid) == 0 && pid > 0;
		char chunk[65536];
		ssize_t n;

		lf = openat(dir_fd, CTR_LOG_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (lf >= 0 && fstat(lf, &st) == 0) {
			if (st.st_ino != ino) {
				ino = st.st_ino; /* rotated: the new file from its start */
				done = 0;
			}
			if (lseek(lf, (off_t)done, SEEK_SET) >= 0)
				while ((n = read(lf, chunk, sizeof(chunk))) > 0) {
					if ((r = volt_write_all(fd, chunk, (size_t)n)) < 0)
						return r;
					done += (size_t)n;
				}
		}
		if (!running)
			return 0;
		(void)poll(NULL, 0, 100);
	}
}

VOLT_API int volt_ctr_logs(volt_ctr *ctr, const char *name, int fd, unsigned lines, bool follow)
{
	_cleanup_record_ ctr_record rec = {};
	_cleanup_close_ int dir_fd = -1;
	ctr_unit_status st;
	char unit[128];
	bool have_log;
	int r;

	assert_return(ctr, EINVAL);
	assert_return(fd >= 0, EINVAL);

	r = ctr_record_load(&rec, ctr, name);
	if (r < 0 || (r = ctr_unit_name(unit, sizeof(unit), name)) < 0)
		return r;
	dir_fd = open(rec.dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir_fd < 0)
		return volt_error_set_errno(errno, "open %s", rec.dir);
	have_log = faccessat(dir_fd, CTR_LOG_NAME, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	/* A unit that exists has the newer output; else the foreground's log. */
	if (volt_ctr_have_systemd() && (!have_log || (common_unit_status_get(unit, &st) == 0 && st.loaded)))
		return common_unit_logs(unit, fd, lines, follow);
	if (have_log)
		return foreground_logs(&rec, dir_fd, fd, lines, follow);
	volt_error_clear();
	return volt_error_set(ENOENT,
			      "container '%s' has no output: it never ran in the foreground, and units' output comes "
			      "from the systemd journal, which is not here (systemd is not PID 1)",
			      name);
}
