/*
 * Registry options shared by `volt image pull` and `stellarium push|pull`:
 * credentials (never a password on the command line), --insecure and
 * --timeout, and a progress line for a terminal.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_TOOLS_CLI_REGISTRY_H
#define VOLT_TOOLS_CLI_REGISTRY_H

#include <getopt.h>
#include <stdbool.h>

#include <volt/img.h>

enum {
	CLI_REG_OPT_USERNAME = 0x300,
	CLI_REG_OPT_PASSWORD_STDIN,
	CLI_REG_OPT_AUTHFILE,
	CLI_REG_OPT_INSECURE,
	CLI_REG_OPT_TIMEOUT,
	CLI_REG_OPT_PASSWORD,
};

#define CLI_REGISTRY_LONG_OPTIONS                                                   \
	{ "username", required_argument, NULL, CLI_REG_OPT_USERNAME },              \
	{ "password-stdin", no_argument, NULL, CLI_REG_OPT_PASSWORD_STDIN },        \
	{ "authfile", required_argument, NULL, CLI_REG_OPT_AUTHFILE },              \
	{ "insecure", no_argument, NULL, CLI_REG_OPT_INSECURE },                    \
	{ "timeout", required_argument, NULL, CLI_REG_OPT_TIMEOUT },                \
	{ "password", required_argument, NULL, CLI_REG_OPT_PASSWORD }

/* The lines of --help that describe them. */
#define CLI_REGISTRY_HELP                                                                        \
	"  -u, --username USER    authenticate as USER; the password is read from standard input\n" \
	"                         (--password-stdin) or from the auth file\n"                        \
	"      --password-stdin   read the password from the first line of standard input\n"       \
	"      --authfile FILE    credentials file in the containers-auth.json format\n"            \
	"                         (\"auths\": {\"HOST:PORT\": {\"auth\": base64(USER:PASSWORD)}});\n"  \
	"                         default $REGISTRY_AUTH_FILE\n"                                   \
	"      --insecure         plain HTTP (and no certificate checks) for any registry;\n"       \
	"                         localhost and 127.0.0.0/8 always use plain HTTP\n"               \
	"      --timeout SECONDS  connect timeout, and how long a stalled transfer may wait\n"      \
	"                         (default 30)\n"

struct cli_registry_args {
	const char *username;
	const char *authfile;
	bool password_stdin;
	bool insecure;
	unsigned timeout;
	char *password;  /* read from stdin */
};

/* 1 when @opt was one of ours, 0 when not, or a usage exit code (> 1) printed already. */
int cli_registry_option(const char *program, struct cli_registry_args *a, int opt, const char *arg);
/* Check the combination, read the password, fill @o. Returns -1 to go on, or an exit code. */
int cli_registry_finish(const char *program, struct cli_registry_args *a, volt_img_registry_options *o);
void cli_registry_args_clear(struct cli_registry_args *a);

/* A progress callback drawing one line on stderr when it is a terminal; @userdata is the object noun ("layers"). */
void cli_registry_progress(const volt_img_registry_result *p, void *userdata);
void cli_registry_progress_end(void);

#endif
