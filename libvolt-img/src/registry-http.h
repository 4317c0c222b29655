/*
 * The registry client's HTTP layer (registry-http.c), shared with the
 * blob and manifest requests (registry-blob.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_IMG_REGISTRY_HTTP_H
#define VOLT_IMG_REGISTRY_HTTP_H

#include <curl/curl.h>
#include <openssl/evp.h>

#include "registry-internal.h"

struct reg_client {
	CURL *curl;
	char *origin;        /* "http(s)://host:port" */
	char *base;          /* origin + "/v2/" + repository */
	char *registry, *repository;
	char *user, *password;
	char *token;         /* bearer token from the realm */
	bool basic;          /* send Basic credentials (the registry asked) */
	bool token_tried;
	bool push;           /* ask tokens for pull,push */
	bool insecure;
	long timeout;
	char errbuf[CURL_ERROR_SIZE];
};

/* Where a successful response's body goes: a file or memory, hashed, bounded. */
struct reg_sink {
	int fd;              /* >= 0: write here; else memory */
	char *buf;           /* NUL-terminated; owned by the caller */
	size_t len, cap;
	uint64_t limit;      /* more than this aborts the transfer */
	uint64_t got;
	EVP_MD_CTX *sha;     /* if not NULL, fed with the body */
	struct reg_progress *progress;
	bool overflow;
	int write_errno;
};

struct reg_response {
	struct reg_client *client;
	struct reg_sink *sink;
	long status;
	char *content_type, *docker_digest, *location, *www_auth;
	char err[4096];      /* the start of a non-2xx body */
	size_t err_len;
};

struct reg_request {
	const char *method;
	const char *url;
	const char *accept;
	const char *content_type;
	const void *body;
	size_t body_len;
	bool follow;         /* follow redirects (blob downloads) */
	const char *range;   /* "A-B": a Range header (bytes) */
	/* Instead of @body: @body_fd_len bytes of @body_fd from offset 0
	 * (uploads of big blobs), counted in @progress. */
	bool body_from_fd;
	int body_fd;
	uint64_t body_fd_len;
	struct reg_progress *progress;
};

/* Run @req, authenticating as a 401 asks; the status is in @resp. */
int reg_request_run(struct reg_client *c, const struct reg_request *req, struct reg_response *resp, const char *what);
/* The error for a response's non-success status, with the registry's message. */
int reg_http_error(struct reg_response *resp, const char *method, const char *what, const char *url);
void reg_response_clear(struct reg_response *r);

#endif
