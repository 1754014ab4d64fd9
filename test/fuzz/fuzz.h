/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every fuzz harness shares. A harness is one LLVMFuzzerTestOneInput();
 * it is linked either with libFuzzer (clang, `make fuzz`) or with replay.c
 * (the normal build's unit suite, which feeds it the seeds and regressions).
 * Both treat a GLib CRITICAL or ERROR as a crash, so a g_return_if_fail()
 * hit by hostile input is found like a segfault.
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

/* Called once per process by each harness' entry point before anything logs:
 * installs the aborting log writer and a private scratch directory, and
 * points every stas path (configuration, /etc/nvme, runtime) into it. */
void fuzz_init(void);

/* The scratch directory (created by fuzz_init, removed at exit). */
const char *fuzz_dir(void);

/* Writes @len bytes to fuzz_dir()/@name (replacing it); returns the path. */
char *fuzz_write(const char *name, const void *data, size_t len);

/* An input cut into pieces: bytes, then NUL-terminated strings, then the rest. */
typedef struct {
	const uint8_t *data;
	size_t size;
} FuzzInput;

/* The next byte, 0 once the input is used up. */
guint8 fuzz_byte(FuzzInput *in);
/* Up to the next NUL (consumed) or the end; never NULL. */
char *fuzz_string(FuzzInput *in);
/* Whatever is left, NUL-terminated (the NUL is not counted in *len). */
char *fuzz_rest(FuzzInput *in, size_t *len);

/* A property of the code under test failed: report and abort like a crash. */
#define fuzz_assert(expr)                                     \
	do {                                                  \
		if (!(expr))                                  \
			fuzz_fail(__FILE__, __LINE__, #expr); \
	} while (0)
G_NORETURN void fuzz_fail(const char *file, int line, const char *what);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Arms a stas timer for @seconds and checks that it is due no earlier than
 * asked (up to 30 days: every interval a configuration accepts must be
 * honoured, whatever the timer does with absurd ones). */
void fuzz_check_timer(double seconds);
