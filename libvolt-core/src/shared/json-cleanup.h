/* Private: cleanup for jansson references. SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VOLT_SHARED_JSON_CLEANUP_H
#define VOLT_SHARED_JSON_CLEANUP_H

#include <jansson.h>
#include "macro.h"

/* jansson (>= 2.11, with GCC or clang) provides json_decrefp() for this. */
#define _cleanup_json_ _cleanup_(json_decrefp)

#endif
