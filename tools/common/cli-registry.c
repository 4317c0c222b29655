/*
 * Registry options and progress shared by volt and stellarium.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <volt/core.h>

#include "cli.h"
#include "cli-registry.h"

int cli_registry_option(const char *program, struct cli_registry_args *a, int opt, const char *arg)
{
	char *end;
	unsigned long v;

	switch (opt) {
	case 'u':
	case CLI_REG_OPT_USERNAME: a->username = arg; return 1;
	case CLI_REG_OPT_PASSWORD_STDIN: a->password_stdin = true; return 1;
	case CLI_REG_OPT_PASSWORD:
		/* Visible to every user of this machine in ps: refused, not just discouraged. */
		return cli_usage_error(program, "--password is not accepted (a command line is visible to every user): "
				       "use --password-stdin or --authfile");
	case CLI_REG_OPT_AUTHFILE: a->authfile = arg; return 1;
	case CLI_REG_OPT_INSECURE: a->insecure = true; return 1;
	case CLI_REG_OPT_TIMEOUT:
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || v == 0 || v > 3600)
			return cli_usage_error(program, "--timeout takes 1 to 3600 seconds, not '%s'", arg);
		a->timeout = (unsigned)v;
		return 1;
	}
	return 0;
}

int cli_registry_finish(const char *program, struct cli_registry_args *a, volt_img_registry_options *o)
{
	if (a->password_stdin && !a->username)
		return cli_usage_error(program, "--password-stdin needs --username");
	if (a->password_stdin) {
		size_t cap = 0;
		ssize_t n = getline(&a->password, &cap, stdin);

		if (n < 0) {
			volt_error_set(EINVAL, "--password-stdin: no password on standard input");
			return cli_fail(program);
		}
		while (n > 0 && (a->password[n - 1] == '\n' || a->password[n - 1] == '\r'))
			a->password[--n] = 0;
		if (n == 0) {
			volt_error_set(EINVAL, "--password-stdin: the password is empty");
			return cli_fail(program);
		}
	}
	if (a->username && !a->password_stdin && !a->authfile && !getenv("REGISTRY_AUTH_FILE"))
		return cli_usage_error(program, "--username needs --password-stdin (passwords are never taken "
				       "from the command line) or an auth file");
	if (a->username && a->password) {
		o->username = a->username;
		o->password = a->password;
	}
	o->authfile = a->authfile ? a->authfile : getenv("REGISTRY_AUTH_FILE");
	if (o->authfile && !*o->authfile)
		o->authfile = NULL;
	if (a->insecure)
		o->flags |= VOLT_IMG_REGISTRY_INSECURE;
	o->timeout_sec = a->timeout;
	return -1;
}

void cli_registry_args_clear(struct cli_registry_args *a)
{
	if (a->password) {
		explicit_bzero(a->password, strlen(a->password));
		free(a->password);
		a->password = NULL;
	}
}

static bool progress_drawn;

void cli_registry_progress(const volt_img_registry_result *p, void *userdata)
{
	const char *noun = userdata ? userdata : "objects";
	char a[VOLT_FORMAT_BUF_SIZE], b[VOLT_FORMAT_BUF_SIZE];

	if (!isatty(STDERR_FILENO) || p->done)
		return;
	fprintf(stderr, "\r\033[K%llu/%llu %s done (%llu already there), %s", 
		(unsigned long long)(p->objects_transferred + p->objects_skipped), (unsigned long long)p->objects, noun,
		(unsigned long long)p->objects_skipped, volt_format_size(a, p->bytes_transferred));
	if (p->bytes_total)
		fprintf(stderr, " / %s", volt_format_size(b, p->bytes_total));
	progress_drawn = true;
}

void cli_registry_progress_end(void)
{
	if (progress_drawn)
		fputs("\r\033[K", stderr);
	progress_drawn = false;
}
