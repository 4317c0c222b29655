/*
 * The HTTP side of the registry client, over libcurl: one easy handle
 * per client (so connections are reused across requests), responses
 * streamed into a sink that counts, limits and hashes them, and the
 * authentication dance of the distribution API: a 401 with a Bearer
 * challenge makes us fetch a token from the realm and try once more; a
 * Basic challenge makes us send the credentials we were given.
 *
 * Why libcurl: HTTP/1.1 and HTTP/2, TLS with the system's CA store,
 * proxies from the environment, redirects to blob storage (without
 * forwarding our Authorization header to another host), timeouts, all
 * maintained in Debian and used by every other registry client there.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "registry-http.h"
#include "shared/json-cleanup.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void curl_init(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void reg_options_init(volt_img_registry_options *o, const volt_img_registry_options *in)
{
	volt_img_registry_options def = VOLT_IMG_REGISTRY_OPTIONS_INIT;

	*o = in ? *in : def;
	if (o->timeout_sec == 0)
		o->timeout_sec = 30;
}

int reg_client_new(struct reg_client **out, const struct reg_ref *ref, const volt_img_registry_options *opts)
{
	_cleanup_(reg_client_freep) struct reg_client *c = NULL;
	bool insecure = opts->flags & VOLT_IMG_REGISTRY_INSECURE;
	int r;

	pthread_once(&curl_once, curl_init);
	if (curl_init_result != CURLE_OK)
		return volt_error_set(EIO, "libcurl: %s", curl_easy_strerror(curl_init_result));
	c = calloc(1, sizeof(*c));
	if (!c)
		return volt_error_set(ENOMEM, NULL);
	c->curl = curl_easy_init();
	if (!c->curl)
		return volt_error_set(ENOMEM, "libcurl: cannot create a handle");
	c->insecure = insecure;
	c->timeout = (long)opts->timeout_sec;
	if (asprintf(&c->origin, "%s://%s", insecure || reg_host_is_loopback(ref->registry) ? "http" : "https",
		     ref->registry) < 0 ||
	    asprintf(&c->base, "%s/v2/%s", c->origin, ref->repository) < 0 ||
	    !(c->registry = strdup(ref->registry)) || !(c->repository = strdup(ref->repository))) {
		c->origin = c->base = NULL;
		return volt_error_set(ENOMEM, NULL);
	}
	if (opts->username || opts->password) {
		if (!opts->username || !opts->password)
			return volt_error_set(EINVAL, "a username needs a password and a password a username");
		if (strchr(opts->username, ':'))
			return volt_error_set(EINVAL, "a registry username cannot contain ':'");
		c->user = strdup(opts->username);
		c->password = strdup(opts->password);
		if (!c->user || !c->password)
			return volt_error_set(ENOMEM, NULL);
	} else if (opts->authfile) {
		r = reg_authfile_lookup(opts->authfile, ref->registry, &c->user, &c->password);
		if (r < 0)
			return r;
	}
	*out = TAKE_PTR(c);
	return 0;
}

int reg_client_clone(struct reg_client **out, const struct reg_client *c)
{
	_cleanup_(reg_client_freep) struct reg_client *n = NULL;

	n = calloc(1, sizeof(*n));
	if (!n)
		return volt_error_set(ENOMEM, NULL);
	n->curl = curl_easy_init();
	if (!n->curl)
		return volt_error_set(ENOMEM, "libcurl: cannot create a handle");
	n->origin = strdup(c->origin);
	n->base = strdup(c->base);
	n->registry = strdup(c->registry);
	n->repository = strdup(c->repository);
	if (!n->origin || !n->base || !n->registry || !n->repository ||
	    (c->user && !(n->user = strdup(c->user))) || (c->password && !(n->password = strdup(c->password))) ||
	    (c->token && !(n->token = strdup(c->token))))
		return volt_error_set(ENOMEM, NULL);
	n->basic = c->basic;
	n->push = c->push;
	n->insecure = c->insecure;
	n->timeout = c->timeout;
	*out = TAKE_PTR(n);
	return 0;
}

struct reg_client *reg_client_free(struct reg_client *c)
{
	if (!c)
		return NULL;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	if (c->password)
		explicit_bzero(c->password, strlen(c->password));
	if (c->token)
		explicit_bzero(c->token, strlen(c->token));
	free(c->origin);
	free(c->base);
	free(c->registry);
	free(c->repository);
	free(c->user);
	free(c->password);
	free(c->token);
	free(c);
	return NULL;
}

void reg_progress_add(struct reg_progress *p, uint64_t bytes, bool done)
{
	uint64_t now;

	if (!p)
		return;
	if (p->lock)
		pthread_mutex_lock(p->lock);
	p->res->bytes_transferred += bytes;
	now = cas_now_ns();
	if (p->fn && (done || now - p->last_ns >= 100000000ull)) {
		p->last_ns = now;
		p->res->done = done;
		p->fn(p->res, p->userdata);
	}
	if (p->lock)
		pthread_mutex_unlock(p->lock);
}

void reg_response_clear(struct reg_response *r)
{
	free(r->content_type);
	free(r->docker_digest);
	free(r->location);
	free(r->www_auth);
	r->content_type = r->docker_digest = r->location = r->www_auth = NULL;
	r->status = 0;
	r->err_len = 0;
	r->err[0] = 0;
}

static char *header_value(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name), end;

	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return NULL;
	line += k + 1;
	n -= k + 1;
	while (n && (*line == ' ' || *line == '\t'))
		line++, n--;
	end = n;
	while (end && (line[end - 1] == '\r' || line[end - 1] == '\n' || line[end - 1] == ' '))
		end--;
	return strndup(line, end);
}

static void replace(char **slot, char *v)
{
	if (v) {
		free(*slot);
		*slot = v;
	}
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *userdata)
{
	struct reg_response *r = userdata;
	size_t n = size * nmemb;
	char *v;

	/* A new status line starts a new response (after a redirect or a 100). */
	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		struct reg_sink *sink = r->sink;

		reg_response_clear(r);
		r->sink = sink;
		return n;
	}
	replace(&r->content_type, header_value(line, n, "Content-Type"));
	replace(&r->docker_digest, header_value(line, n, "Docker-Content-Digest"));
	replace(&r->location, header_value(line, n, "Location"));
	v = header_value(line, n, "WWW-Authenticate");
	/* Keep the first challenge we can answer. */
	if (v && (!r->www_auth || (strncasecmp(r->www_auth, "bearer", 6) != 0 && strncasecmp(r->www_auth, "basic", 5) != 0)))
		replace(&r->www_auth, v);
	else
		free(v);
	return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct reg_response *r = userdata;
	struct reg_sink *s = r->sink;
	size_t n = size * nmemb;
	long code = 0;

	curl_easy_getinfo(r->client->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code >= 300 || !s) {
		/* An error body: keep its start for the message. */
		size_t room = sizeof(r->err) - 1 - r->err_len;
		size_t take = n < room ? n : room;

		memcpy(r->err + r->err_len, data, take);
		r->err_len += take;
		r->err[r->err_len] = 0;
		return n;
	}
	if (s->got + n > s->limit) {
		s->overflow = true;
		return 0;
	}
	if (s->fd >= 0) {
		int w = volt_write_all(s->fd, data, n);

		if (w < 0) {
			s->write_errno = -w;
			return 0;
		}
	} else {
		if (s->len + n > s->cap) {
			size_t cap = s->cap ? s->cap : 16384;
			char *b;

			while (cap < s->len + n)
				cap *= 2;
			b = realloc(s->buf, cap + 1);
			if (!b) {
				s->write_errno = ENOMEM;
				return 0;
			}
			s->buf = b;
			s->cap = cap;
		}
		memcpy(s->buf + s->len, data, n);
		s->len += n;
		s->buf[s->len] = 0;
	}
	if (s->sha)
		EVP_DigestUpdate(s->sha, data, n);
	s->got += n;
	if (s->progress)
		reg_progress_add(s->progress, n, false);
	return n;
}

static int map_curl_error(struct reg_client *c, CURLcode cc, struct reg_response *resp, const char *method,
			  const char *url)
{
	int err;

	if (resp->sink && resp->sink->overflow)
		return volt_error_set(EBADMSG, "%s %s: the registry sent more bytes than the descriptor says (%llu)",
				      method, url, (unsigned long long)resp->sink->limit);
	if (resp->sink && resp->sink->write_errno)
		return volt_error_set_errno(resp->sink->write_errno, "%s %s: storing the response", method, url);
	switch (cc) {
	case CURLE_COULDNT_CONNECT: err = ECONNREFUSED; break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY: err = EHOSTUNREACH; break;
	case CURLE_OPERATION_TIMEDOUT: err = ETIMEDOUT; break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE: err = EPROTO; break;
	case CURLE_UNSUPPORTED_PROTOCOL: err = EPROTONOSUPPORT; break;
	case CURLE_PARTIAL_FILE: err = EBADMSG; break;
	default: err = EIO; break;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT)
		return volt_error_set(err, "%s %s: timed out (nothing for %ld seconds)", method, url, c->timeout);
	return volt_error_set(err, "%s %s: %s", method, url, c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
}

/* The origin of @url is the registry's: only then does it get our credentials. */
static bool same_origin(const struct reg_client *c, const char *url)
{
	size_t n = strlen(c->origin);

	return strncmp(url, c->origin, n) == 0 && (url[n] == '/' || url[n] == 0 || url[n] == '?');
}

struct upload_src {
	const struct reg_request *req;
	uint64_t off;
};

static size_t on_read(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct upload_src *u = userdata;
	uint64_t left = u->req->body_fd_len - u->off;
	size_t want = size * nitems;
	ssize_t n;

	if (want > left)
		want = (size_t)left;
	if (want == 0)
		return 0;
	do
		n = pread(u->req->body_fd, buf, want, (off_t)u->off);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return CURL_READFUNC_ABORT;
	u->off += (uint64_t)n;
	reg_progress_add(u->req->progress, (uint64_t)n, false);
	return (size_t)n;
}

static int perform(struct reg_client *c, const struct reg_request *req, struct reg_response *resp, bool send_auth)
{
	struct upload_src upload = { .req = req };
	struct curl_slist *headers = NULL, *h;
	char *line = NULL;
	CURLcode cc;
	long code = 0;
	int r = 0;

	curl_easy_reset(c->curl);
	c->errbuf[0] = 0;
	reg_response_clear(resp);
	resp->client = c;
	if (resp->sink) {
		resp->sink->got = 0;
		resp->sink->overflow = false;
		resp->sink->write_errno = 0;
	}

#define ADD_HEADER(...)                                              \
	do {                                                         \
		if (asprintf(&line, __VA_ARGS__) < 0) {              \
			r = volt_error_set(ENOMEM, NULL);            \
			goto out;                                    \
		}                                                    \
		h = curl_slist_append(headers, line);                \
		free(line);                                          \
		if (!h) {                                            \
			r = volt_error_set(ENOMEM, NULL);            \
			goto out;                                    \
		}                                                    \
		headers = h;                                         \
	} while (0)

	if (req->accept)
		ADD_HEADER("Accept: %s", req->accept);
	if (req->content_type)
		ADD_HEADER("Content-Type: %s", req->content_type);
	if (req->range)
		ADD_HEADER("Range: bytes=%s", req->range);
	if (send_auth && c->token && same_origin(c, req->url))
		ADD_HEADER("Authorization: Bearer %s", c->token);
	else if (send_auth && c->basic && c->user && same_origin(c, req->url)) {
		_cleanup_free_ char *pair = NULL, *enc = NULL;

		if (asprintf(&pair, "%s:%s", c->user, c->password) < 0 || !(enc = reg_base64_encode(pair, strlen(pair)))) {
			r = volt_error_set(ENOMEM, NULL);
			goto out;
		}
		ADD_HEADER("Authorization: Basic %s", enc);
		explicit_bzero(pair, strlen(pair));
	}
	/* libcurl would add "Expect: 100-continue" to big uploads: one round trip wasted. */
	ADD_HEADER("Expect:");
#undef ADD_HEADER

	curl_easy_setopt(c->curl, CURLOPT_URL, req->url);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, req->follow ? 1L : 0L);
	curl_easy_setopt(c->curl, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "volt/" VOLT_VERSION);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, c->timeout);
	/* A stall, not a slow big blob, is what times out. */
	curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME, c->timeout);
	curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(c->curl, CURLOPT_ACCEPT_ENCODING, "");
	if (c->insecure) {
		curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (strcmp(req->method, "HEAD") == 0) {
		curl_easy_setopt(c->curl, CURLOPT_NOBODY, 1L);
	} else if (req->body_from_fd) {
		/* A retry (after a 401) sends the file again from its start. */
		curl_easy_setopt(c->curl, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, req->method);
		curl_easy_setopt(c->curl, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c->curl, CURLOPT_READDATA, &upload);
		curl_easy_setopt(c->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_fd_len);
	} else if (strcmp(req->method, "GET") != 0) {
		curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, req->method);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}

	cc = curl_easy_perform(c->curl);
	if (cc != CURLE_OK) {
		r = map_curl_error(c, cc, resp, req->method, req->url);
		goto out;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
	resp->status = code;
out:
	curl_slist_free_all(headers);
	return r;
}

/* GET the realm for a token covering @challenge's scope (or ours). */
static int fetch_token(struct reg_client *c, const struct reg_challenge *ch)
{
	_cleanup_free_ char *url = NULL, *scope = NULL;
	char *esc_service = NULL, *esc_scope = NULL;
	struct reg_sink sink = { .fd = -1, .limit = 1024 * 1024 };
	struct reg_response resp = { .sink = &sink };
	struct reg_request req = { .method = "GET", .follow = true };
	_cleanup_json_ json_t *j = NULL;
	const char *token = NULL;
	_cleanup_free_ char *realm_origin = NULL;
	int r;

	if (strncmp(ch->realm, "https://", 8) != 0 && strncmp(ch->realm, "http://", 7) != 0)
		return volt_error_set(EPROTONOSUPPORT, "token realm '%.200s' is not an http(s) URL", ch->realm);
	if (ch->scope)
		scope = strdup(ch->scope);
	else if (asprintf(&scope, "repository:%s:%s", c->repository, c->push ? "pull,push" : "pull") < 0)
		scope = NULL;
	if (!scope)
		return volt_error_set(ENOMEM, NULL);
	esc_scope = curl_easy_escape(c->curl, scope, 0);
	esc_service = ch->service ? curl_easy_escape(c->curl, ch->service, 0) : NULL;
	if (!esc_scope || (ch->service && !esc_service) ||
	    asprintf(&url, "%s%sscope=%s%s%s", ch->realm, strchr(ch->realm, '?') ? "&" : "?", esc_scope,
		     esc_service ? "&service=" : "", esc_service ? esc_service : "") < 0) {
		curl_free(esc_scope);
		curl_free(esc_service);
		url = NULL;
		return volt_error_set(ENOMEM, NULL);
	}
	curl_free(esc_scope);
	curl_free(esc_service);

	/* The token server is usually another origin: credentials go to it
	 * only because the registry named it; our token does not. */
	free(c->token);
	c->token = NULL;
	req.url = url;
	{
		char *saved_origin = c->origin;
		bool saved_basic = c->basic;
		size_t n = strcspn(ch->realm + (ch->realm[4] == 's' ? 8 : 7), "/?");

		realm_origin = strndup(ch->realm, (size_t)(ch->realm[4] == 's' ? 8 : 7) + n);
		if (!realm_origin)
			return volt_error_set(ENOMEM, NULL);
		c->origin = realm_origin;
		c->basic = c->user != NULL;
		r = perform(c, &req, &resp, true);
		c->origin = saved_origin;
		c->basic = saved_basic;
	}
	if (r < 0)
		goto out;
	if (resp.status != 200) {
		r = reg_http_error(&resp, "GET", "token server", ch->realm);
		goto out;
	}
	r = volt_json_parse(&j, sink.buf ? sink.buf : "", sink.len);
	if (r < 0 || !json_is_object(j)) {
		r = volt_error_set(EBADMSG, "token server %.200s sent no JSON object", ch->realm);
		goto out;
	}
	if (volt_json_get_string(&token, j, "token", false, "token response") < 0 || !token)
		(void)volt_json_get_string(&token, j, "access_token", false, "token response");
	if (!token || !*token || strpbrk(token, "\r\n")) {
		r = volt_error_set(EBADMSG, "token server %.200s sent no usable token", ch->realm);
		goto out;
	}
	c->token = strdup(token);
	r = c->token ? 0 : volt_error_set(ENOMEM, NULL);
out:
	if (sink.buf)
		explicit_bzero(sink.buf, sink.len);
	free(sink.buf);
	reg_response_clear(&resp);
	return r;
}

/* Answer a 401's challenge; 0 when a retry makes sense. */
static int authenticate(struct reg_client *c, struct reg_response *resp, const char *what)
{
	_cleanup_(reg_challenge_clear) struct reg_challenge ch = {};
	int r;

	if (!resp->www_auth)
		return volt_error_set(EACCES, "registry %s refused %s (401) without saying how to authenticate",
				      c->registry, what);
	r = reg_challenge_parse(&ch, resp->www_auth);
	if (r < 0)
		return volt_error_prefix(r, "registry %s", c->registry);
	if (ch.scheme == REG_AUTH_BASIC) {
		if (!c->user)
			return volt_error_set(EACCES, "registry %s wants a username and password for %s", c->registry,
					      what);
		if (c->basic)
			return volt_error_set(EACCES, "registry %s refused the credentials for %s", c->registry, what);
		c->basic = true;
		return 0;
	}
	if (c->token_tried)
		return volt_error_set(EACCES, "registry %s refused the token for %s", c->registry, what);
	c->token_tried = true;
	return fetch_token(c, &ch);
}

int reg_http_error(struct reg_response *resp, const char *method, const char *what, const char *url)
{
	_cleanup_json_ json_t *j = NULL;
	char detail[600] = "";
	int err;

	switch (resp->status) {
	case 401:
	case 403: err = EACCES; break;
	case 404: err = ENOENT; break;
	case 429: err = EAGAIN; break;
	default: err = EREMOTEIO; break;
	}
	/* The distribution API's {"errors":[{"code","message"}]} when there is one. */
	if (resp->err_len && volt_json_parse(&j, resp->err, resp->err_len) == 0 && json_is_object(j)) {
		json_t *e = json_array_get(json_object_get(j, "errors"), 0);
		const char *code = json_string_value(json_object_get(e, "code"));
		const char *msg = json_string_value(json_object_get(e, "message"));

		if (code || msg)
			snprintf(detail, sizeof(detail), ": %.60s%s%.400s", code ? code : "", code && msg ? ": " : "",
				 msg ? msg : "");
	} else if (resp->err_len) {
		size_t n = 0;

		while (n < resp->err_len && n < 200 && resp->err[n] >= 0x20 && resp->err[n] < 0x7f)
			n++;
		if (n)
			snprintf(detail, sizeof(detail), ": %.*s", (int)n, resp->err);
	}
	return volt_error_set(err, "%s %s (%s): HTTP %ld%s", method, what, url, resp->status, detail);
}

int reg_request_run(struct reg_client *c, const struct reg_request *req, struct reg_response *resp, const char *what)
{
	int r;

	for (int attempt = 0; attempt < 3; attempt++) {
		r = perform(c, req, resp, true);
		if (r < 0)
			return r;
		if (resp->status != 401)
			return 0;
		r = authenticate(c, resp, what);
		if (r < 0)
			return r;
	}
	return reg_http_error(resp, req->method, what, req->url);
}
