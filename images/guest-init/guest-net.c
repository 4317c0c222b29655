/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/route.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "guest-net.h"

/* The last "ip=" word (the kernel's own rule: a later one wins), copied into @buf. */
static bool find_ip_word(const char *cmdline, char *buf, size_t size)
{
	bool found = false;

	for (const char *p = cmdline; *p;) {
		size_t n;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		n = strcspn(p, " \t\n");
		if (n > 3 && strncmp(p, "ip=", 3) == 0 && n - 3 < size) {
			memcpy(buf, p + 3, n - 3);
			buf[n - 3] = '\0';
			found = true;
		}
		p += n;
	}
	return found;
}

static int fail(struct guest_ip *out, const char *what, const char *value)
{
	snprintf(out->error, sizeof(out->error), "ip=: %s '%s'", what, value);
	out->present = false;
	return -1;
}

int guest_ip_parse(struct guest_ip *out, const char *cmdline)
{
	char word[256], *field[10] = { 0 }, *p;
	unsigned int n;

	memset(out, 0, sizeof(*out));
	if (!find_ip_word(cmdline, word, sizeof(word)) || strcmp(word, "off") == 0 ||
	    strcmp(word, "none") == 0)
		return 0;
	/* Up to nine fields (the last three are DNS and NTP servers, unused here). */
	for (p = word, n = 0; p && n < 10; n++) {
		field[n] = p;
		p = strchr(p, ':');
		if (p)
			*p++ = '\0';
	}
	if (n < 4 || !strchr(field[0], '.'))
		return fail(out, "only the static form CLIENT::GATEWAY:NETMASK::DEVICE:off is supported, not", word);
	if (inet_pton(AF_INET, field[0], &out->addr) != 1)
		return fail(out, "bad address", field[0]);
	if (field[2][0] && inet_pton(AF_INET, field[2], &out->gateway) != 1)
		return fail(out, "bad gateway", field[2]);
	if (inet_pton(AF_INET, field[3], &out->netmask) != 1)
		return fail(out, "bad netmask", field[3]);
	if (n >= 6 && field[5][0]) {
		if (strlen(field[5]) >= sizeof(out->device) || strchr(field[5], '/'))
			return fail(out, "bad device", field[5]);
		strcpy(out->device, field[5]);
	} else {
		strcpy(out->device, "eth0");
	}
	if (n >= 7 && field[6][0] && strcmp(field[6], "off") != 0 && strcmp(field[6], "none") != 0)
		return fail(out, "autoconfiguration is not supported", field[6]);
	out->present = true;
	return 0;
}

static void set_sin(struct sockaddr *sa, struct in_addr a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = a };

	memcpy(sa, &sin, sizeof(sin));
}

static int if_up(int s, const char *dev, char *err, size_t errlen)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		snprintf(err, errlen, "%s: %s", dev, strerror(errno));
		return -1;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
		snprintf(err, errlen, "bring %s up: %s", dev, strerror(errno));
		return -1;
	}
	return 0;
}

int guest_ip_configure(const struct guest_ip *ip, char *err, size_t errlen)
{
	struct ifreq ifr = { 0 };
	struct rtentry rt = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = -1;

	if (s < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (if_up(s, "lo", err, errlen) < 0)
		goto out;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ip->device);
	set_sin(&ifr.ifr_addr, ip->addr);
	if (ioctl(s, SIOCSIFADDR, &ifr) < 0) {
		snprintf(err, errlen, "address of %s: %s", ip->device, strerror(errno));
		goto out;
	}
	set_sin(&ifr.ifr_netmask, ip->netmask);
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0) {
		snprintf(err, errlen, "netmask of %s: %s", ip->device, strerror(errno));
		goto out;
	}
	if (if_up(s, ip->device, err, errlen) < 0)
		goto out;
	if (ip->gateway.s_addr) {
		set_sin(&rt.rt_dst, (struct in_addr){ 0 });
		set_sin(&rt.rt_genmask, (struct in_addr){ 0 });
		set_sin(&rt.rt_gateway, ip->gateway);
		rt.rt_flags = RTF_UP | RTF_GATEWAY;
		rt.rt_dev = (char *)ip->device;
		if (ioctl(s, SIOCADDRT, &rt) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "default route via %s: %s", inet_ntoa(ip->gateway), strerror(errno));
			goto out;
		}
	}
	r = 0;
out:
	close(s);
	return r;
}
