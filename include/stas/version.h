/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Versions: ours, libnvme's, and comparison of kernel release strings
 * ("5.8.0-63-generic") by their numeric components.
 */
#pragma once

#include <glib.h>

const char *stas_version(void);
/* "1.3" or "?.?" when the library cannot tell. */
const char *stas_libnvme_version(void);

/* strcmp-like comparison of the numeric components of two kernel release
 * strings: "5.8.0-63-generic" == "5.8.0-63" > "5.8.0" > "5.8" < "5.9". */
int stas_kernel_version_cmp(const char *a, const char *b);
