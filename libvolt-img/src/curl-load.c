/*
 * libcurl, loaded the first time the registry client calls it.
 *
 * Only the registry verbs speak HTTP, but a library linked against
 * libcurl made every program using it (`volt run`, `stellarium ls`)
 * load libcurl and the thirty-odd libraries behind it (TLS, Kerberos,
 * LDAP, SSH, ...) at each start, and relocate them: most of volt's own
 * start time (docs/ctr-start.md). The functions below stand in for
 * libcurl's, with its own prototypes (curl.h), and forward to the real
 * ones, found with dlopen and dlsym on first use.
 *
 * A registry source that calls a libcurl function not listed in
 * CURL_FUNCTIONS fails to link (-Wl,--no-undefined): add it here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* Plain prototypes: curl.h's type-checking macros would hide ours. */
#define CURL_DISABLE_TYPECHECK 1

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "curl-load.h"

/* libcurl's soname, unchanged since 7.16 (2006). */
#define CURL_SONAME "libcurl.so.4"

#define CURL_FUNCTIONS(X)            \
	X(curl_global_init)          \
	X(curl_easy_init)            \
	X(curl_easy_setopt)          \
	X(curl_easy_perform)         \
	X(curl_easy_cleanup)         \
	X(curl_easy_reset)           \
	X(curl_easy_getinfo)         \
	X(curl_easy_strerror)        \
	X(curl_easy_escape)          \
	X(curl_free)                 \
	X(curl_slist_append)         \
	X(curl_slist_free_all)

#define CURL_POINTER(name) __typeof__(name) *name;
static struct {
	CURL_FUNCTIONS(CURL_POINTER)
} real;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static bool loaded;
static char load_error[512];

static void load(void)
{
	/* RTLD_LOCAL: libcurl's own symbols never satisfy anyone else's. */
	void *h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	void *p;

	if (!h) {
		snprintf(load_error, sizeof(load_error), "cannot load %s (the registry client needs it): %s",
			 CURL_SONAME, dlerror());
		return;
	}
#define CURL_RESOLVE(name)                                                                                \
	p = dlsym(h, #name);                                                                              \
	if (!p) {                                                                                         \
		snprintf(load_error, sizeof(load_error), "%s has no %s: %s", CURL_SONAME, #name, dlerror()); \
		dlclose(h);                                                                               \
		return;                                                                                   \
	}                                                                                                 \
	memcpy(&real.name, &p, sizeof(p));
	CURL_FUNCTIONS(CURL_RESOLVE)
#undef CURL_RESOLVE
	/* Never closed: libcurl keeps global state until the process ends. */
	loaded = true;
}

bool img_curl_loaded(void)
{
	pthread_once(&load_once, load);
	return loaded;
}

const char *img_curl_load_error(void)
{
	pthread_once(&load_once, load);
	return loaded ? NULL : load_error;
}

CURLcode curl_global_init(long flags)
{
	return img_curl_loaded() ? real.curl_global_init(flags) : CURLE_FAILED_INIT;
}

CURL *curl_easy_init(void)
{
	return img_curl_loaded() ? real.curl_easy_init() : NULL;
}

/*
 * Every option takes one argument, of the type its number's range says
 * (CURLOPTTYPE_* in curl.h): read it as that type and pass it on.
 */
CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...)
{
	CURLcode r;
	va_list ap;

	if (!img_curl_loaded())
		return CURLE_FAILED_INIT;
	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		r = real.curl_easy_setopt(curl, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_FUNCTIONPOINT)
		r = real.curl_easy_setopt(curl, option, va_arg(ap, void *));
	else if (option < CURLOPTTYPE_OFF_T)
		r = real.curl_easy_setopt(curl, option, va_arg(ap, void (*)(void)));
	else if (option < CURLOPTTYPE_BLOB)
		r = real.curl_easy_setopt(curl, option, va_arg(ap, curl_off_t));
	else
		r = real.curl_easy_setopt(curl, option, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLcode curl_easy_perform(CURL *curl)
{
	return img_curl_loaded() ? real.curl_easy_perform(curl) : CURLE_FAILED_INIT;
}

void curl_easy_cleanup(CURL *curl)
{
	if (img_curl_loaded())
		real.curl_easy_cleanup(curl);
}

void curl_easy_reset(CURL *curl)
{
	if (img_curl_loaded())
		real.curl_easy_reset(curl);
}

/* Every CURLINFO_* takes one pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
	CURLcode r;
	va_list ap;

	if (!img_curl_loaded())
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	r = real.curl_easy_getinfo(curl, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}

/* Without libcurl, the reason it could not be loaded: what the caller reports. */
const char *curl_easy_strerror(CURLcode code)
{
	return img_curl_loaded() ? real.curl_easy_strerror(code) : load_error;
}

char *curl_easy_escape(CURL *handle, const char *string, int length)
{
	return img_curl_loaded() ? real.curl_easy_escape(handle, string, length) : NULL;
}

void curl_free(void *p)
{
	if (p && img_curl_loaded())
		real.curl_free(p);
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *string)
{
	return img_curl_loaded() ? real.curl_slist_append(list, string) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
	if (list && img_curl_loaded())
		real.curl_slist_free_all(list);
}
