/*
 * Private: cleanup for jansson references. libvolt-core's
 * shared/json-cleanup.h redefines json_decrefp(), which jansson >= 2.11
 * already declares, so it cannot be included here; jansson's own
 * json_decrefp() is used instead.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_SEC_JSON_H
#define VOLT_SEC_JSON_H

#include <jansson.h>

#include "shared/macro.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

#endif
