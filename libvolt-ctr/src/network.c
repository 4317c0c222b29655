/*
 * DNS of private networks: the container's /etc/resolv.conf.
 *
 * The container sits behind the host's NAT, so it can reach what the
 * host reaches except the host's loopback: a stub resolver there
 * (systemd-resolved's 127.0.0.53, a local dnsmasq) is not its. The file
 * lists the servers given with --dns, or else the host's IPv4 upstreams
 * that are not loopback addresses (systemd-resolved's list of upstreams
 * when the host's resolv.conf names only its stub). When nothing is left
 * the file names no server, so a lookup fails at once (nothing listens on
 * the container's own loopback) instead of waiting on an unreachable one,
 * and the start says so. Volt writes the file in the container's state
 * directory, outside its tree, and nspawn binds it read-only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>

#include "ctr-internal.h"
#include "record.h"
#include "shared/json-cleanup.h"
#include "shared/macro.h"

#define MAX_SERVERS 3 /* the resolver reads no more */

static bool is_loopback(const char *ip)
{
	struct in_addr a;

	return inet_pton(AF_INET, ip, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

/*
 * The usable servers of resolv.conf @path into @servers (IPv4 only: the
 * container has no IPv6); the "search" line into @search. *@loopback is
 * set when a loopback server was skipped.
 */
static void read_resolv(const char *path, char servers[MAX_SERVERS][INET_ADDRSTRLEN], size_t *n, char *search,
			size_t search_size, bool *loopback)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[512];

	while (f && fgets(line, sizeof(line), f)) {
		char ip[INET_ADDRSTRLEN];
		struct in_addr a;

		if (sscanf(line, "nameserver %15s", ip) == 1) {
			if (is_loopback(ip))
				*loopback = true;
			else if (inet_pton(AF_INET, ip, &a) == 1 && *n < MAX_SERVERS)
				snprintf(servers[(*n)++], INET_ADDRSTRLEN, "%s", ip);
		} else if (strncmp(line, "search ", 7) == 0 && !*search) {
			line[strcspn(line, "\n")] = '\0';
			/* Only what a resolver accepts: names and blanks. */
			if (!line[7 + strspn(line + 7, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.- \t")])
				snprintf(search, search_size, "%s", line);
		}
	}
}

int ctr_net_resolv_conf(const ctr_record *rec, char **out_path)
{
	char servers[MAX_SERVERS][INET_ADDRSTRLEN], search[512] = "";
	_cleanup_free_ char *path = NULL, *text = NULL;
	_cleanup_close_ int dfd = -1;
	json_t *dns = json_object_get(rec->config, "dns"), *v;
	const char *host = secure_getenv("VOLT_HOST_RESOLV_CONF");
	bool loopback = false;
	size_t n = 0, len = 0, i;
	FILE *f;
	int r;

	json_array_foreach(dns, i, v) {
		const char *ip = json_string_value(v);

		if (ip && n < MAX_SERVERS)
			snprintf(servers[n++], INET_ADDRSTRLEN, "%s", ip);
	}
	if (!n) {
		read_resolv(host && *host ? host : "/etc/resolv.conf", servers, &n, search, sizeof(search), &loopback);
		if (!n && !(host && *host))
			read_resolv("/run/systemd/resolve/resolv.conf", servers, &n, search, sizeof(search), &loopback);
		if (!n)
			volt_log(VOLT_LOG_WARNING,
				 "container '%s': the host's DNS servers are %s: the container has no DNS (give --dns IP)",
				 rec->name, loopback ? "loopback addresses it cannot reach" : "not known");
	}

	f = open_memstream(&text, &len);
	if (!f)
		return volt_error_set(ENOMEM, NULL);
	fputs("# Written by volt for this container (see volt-run(1), --dns).\n", f);
	if (*search)
		fprintf(f, "%s\n", search);
	for (size_t k = 0; k < n; k++)
		fprintf(f, "nameserver %s\n", servers[k]);
	if (fclose(f) != 0)
		return volt_error_set(ENOMEM, NULL);
	if (asprintf(&path, "%s/resolv.conf", rec->dir) < 0)
		return volt_error_set(ENOMEM, NULL);
	/* Into the container's own directory, never through a link put in its place. */
	dfd = open(rec->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return volt_error_set_errno(errno, "open %s", rec->dir);
	r = common_record_write(dfd, rec->dir, "resolv.conf", text, len, 0644, true);
	if (r < 0)
		return r;
	*out_path = TAKE_PTR(path);
	return 0;
}

VOLT_API int volt_ctr_set_dns(volt_ctr *ctr, const char *name, const char *const *servers)
{
	_cleanup_record_ ctr_record rec = {};
	_cleanup_close_ int kind_fd = -1, dfd = -1;
	json_t *list;
	size_t n = 0;
	int r;

	assert_return(ctr, EINVAL);
	r = ctr_record_load(&rec, ctr, name);
	if (r < 0)
		return r;
	if (servers && *servers &&
	    strcmp(json_string_value(json_object_get(rec.config, "network")) ?: "", "private") != 0)
		return volt_error_set(EINVAL, "container '%s': --dns needs the private network (--network private)", name);
	list = json_array();
	if (!list || json_object_set_new(rec.config, "dns", list) < 0)
		return volt_error_set(ENOMEM, NULL);
	for (const char *const *s = servers; s && *s; s++) {
		struct in_addr a;

		if (inet_pton(AF_INET, *s, &a) != 1)
			return volt_error_set(EINVAL, "DNS server '%s' is not an IPv4 address", *s);
		if (is_loopback(*s))
			return volt_error_set(EINVAL, "DNS server '%s' is a loopback address: the container's own, where nothing answers", *s);
		if (++n > MAX_SERVERS)
			return volt_error_set(EINVAL, "more than %d DNS servers (the resolver reads no more)", MAX_SERVERS);
		if (json_array_append_new(list, json_string(*s)) < 0)
			return volt_error_set(ENOMEM, NULL);
	}
	/* The record is rewritten where it is, never through a link (common/record.h). */
	if ((r = common_record_kind_open(&kind_fd, ctr->root, "containers")) < 0 ||
	    (r = common_record_dir_open(&dfd, kind_fd, ctr->containers, name)) < 0)
		return volt_error_prefix(r, "container '%s'", name);
	return common_record_write_json(dfd, rec.dir, "config.json", rec.config, VOLT_JSON_PRETTY, 0600);
}
