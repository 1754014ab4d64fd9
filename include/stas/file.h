/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Opening and reading files bounded: nothing a file is (a FIFO, a device)
 * or becomes (it grows while read) can make a reader wait or read forever.
 */
#pragma once

#include <glib.h>

/* Open @path for reading without ever blocking: only a regular file is
 * accepted, or /dev/null as the usual way of saying "no file" (it reads as
 * empty). A FIFO, socket, other device or directory is an error. Returns the
 * descriptor (close it), or -1 with @error set. */
int stas_file_open(const char *path, GError **error);
/* Reads @fd to its end, but never more than @max bytes; *@truncated tells
 * that more was left. NULL with the errno in *@code when a read failed. */
GByteArray *stas_file_read(int fd, gsize max, gboolean *truncated, int *code);
