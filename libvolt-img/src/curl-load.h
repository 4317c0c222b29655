/*
 * libcurl, loaded on first use (curl-load.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdbool.h>

/* Load libcurl now if not yet done; true when its functions can be called. */
bool img_curl_loaded(void);

/* Why libcurl could not be loaded, or NULL when it was. */
const char *img_curl_load_error(void);
