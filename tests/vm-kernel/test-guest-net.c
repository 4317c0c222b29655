/*
 * The guest init's ip= parser (images/guest-init/guest-net.c), compiled
 * here unchanged: what a kernel without IP_PNP leaves to the init.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <arpa/inet.h>

#include "guest-net.h"
#include "volt-test.h"

static const char *ntoa(struct in_addr a)
{
	static char buf[4][INET_ADDRSTRLEN];
	static unsigned int n;

	return inet_ntop(AF_INET, &a, buf[n++ % 4], INET_ADDRSTRLEN);
}

START_TEST(the_form_the_vm_manager_writes)
{
	struct guest_ip ip;

	ck_assert_int_eq(guest_ip_parse(&ip, "console=ttyS0 reboot=k ip=10.213.0.2::10.213.0.1:255.255.255.252::eth0:off volt.root=/dev/vda\n"), 0);
	ck_assert(ip.present);
	ck_assert_str_eq(ntoa(ip.addr), "10.213.0.2");
	ck_assert_str_eq(ntoa(ip.gateway), "10.213.0.1");
	ck_assert_str_eq(ntoa(ip.netmask), "255.255.255.252");
	ck_assert_str_eq(ip.device, "eth0");
}
END_TEST

START_TEST(short_forms_and_the_last_word_wins)
{
	struct guest_ip ip;

	/* No gateway, no device: eth0, no default route. */
	ck_assert_int_eq(guest_ip_parse(&ip, "ip=192.168.7.9:::255.255.255.0"), 0);
	ck_assert(ip.present);
	ck_assert_uint_eq(ip.gateway.s_addr, 0);
	ck_assert_str_eq(ip.device, "eth0");
	/* The kernel takes the last ip=, and so does the init. */
	ck_assert_int_eq(guest_ip_parse(&ip, "ip=1.2.3.4:::255.0.0.0::eth1:off ip=5.6.7.8:::255.255.0.0::eth2:none"), 0);
	ck_assert_str_eq(ntoa(ip.addr), "5.6.7.8");
	ck_assert_str_eq(ip.device, "eth2");
	/* DNS and NTP fields after autoconf are ignored. */
	ck_assert_int_eq(guest_ip_parse(&ip, "ip=10.0.2.15::10.0.2.1:255.255.255.0:h:eth0:off:10.0.2.3:10.0.2.4:10.0.2.5"), 0);
	ck_assert(ip.present);
	/* No ip=, or ip=off/none: nothing to do. */
	ck_assert_int_eq(guest_ip_parse(&ip, "console=ttyS0 volt.ip=1.2.3.4 sip=1.2.3.4"), 0);
	ck_assert(!ip.present);
	ck_assert_int_eq(guest_ip_parse(&ip, "ip=off"), 0);
	ck_assert(!ip.present);
	ck_assert_int_eq(guest_ip_parse(&ip, "ip=none"), 0);
	ck_assert(!ip.present);
}
END_TEST

static void fails(const char *line, const char *needle)
{
	struct guest_ip ip;

	ck_assert_int_eq(guest_ip_parse(&ip, line), -1);
	ck_assert(!ip.present);
	ck_assert_msg(strstr(ip.error, needle), "'%s': error '%s' lacks '%s'", line, ip.error, needle);
}

START_TEST(what_the_init_cannot_do_is_an_error)
{
	fails("ip=dhcp", "only the static form");
	fails("ip=on", "only the static form");
	fails("ip=10.0.2.15", "only the static form");
	fails("ip=10.0.2.300::10.0.2.1:255.255.255.0::eth0:off", "bad address");
	fails("ip=10.0.2.15::gw:255.255.255.0::eth0:off", "bad gateway");
	fails("ip=10.0.2.15::10.0.2.1:255.255.255.x::eth0:off", "bad netmask");
	fails("ip=192.168.7.9::::", "bad netmask");
	fails("ip=10.0.2.15::10.0.2.1:255.255.255.0::a-very-long-interface-name:off", "bad device");
	fails("ip=10.0.2.15::10.0.2.1:255.255.255.0::../x:off", "bad device");
	fails("ip=10.0.2.15::10.0.2.1:255.255.255.0::eth0:dhcp", "autoconfiguration");
}
END_TEST

VOLT_TEST_MAIN("guest-net", the_form_the_vm_manager_writes, short_forms_and_the_last_word_wins,
	       what_the_init_cannot_do_is_an_error)
