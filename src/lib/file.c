// SPDX-License-Identifier: Apache-2.0
/*
 * Reading files that an admin, a tool or another daemon wrote, without ever
 * blocking or reading without end (fuzz F8): the configuration chain, value
 * files and the last-known state.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "stas/file.h"

static gboolean is_dev_null(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && major(st->st_rdev) == 1 && minor(st->st_rdev) == 3;
}

int stas_file_open(const char *path, GError **error)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer that never comes. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	int code;

	if (fd < 0 || fstat(fd, &st) < 0) {
		code = errno;
		if (fd >= 0)
			close(fd);
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(code), "%s: %s", g_strerror(code),
			    path);
		return -1;
	}
	if (S_ISREG(st.st_mode) || is_dev_null(&st))
		return fd;
	close(fd);
	if (S_ISDIR(st.st_mode))
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_ISDIR, "%s: %s", g_strerror(EISDIR), path);
	else
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
			    "%s is not a regular file (a FIFO, socket or device); not read", path);
	return -1;
}

GByteArray *stas_file_read(int fd, gsize max, gboolean *truncated, int *code)
{
	g_autoptr(GByteArray) data = g_byte_array_new();
	guint8 chunk[8192];

	*truncated = FALSE;
	*code = 0;
	for (;;) {
		gsize want = MIN(sizeof(chunk), max + 1 - data->len);
		ssize_t got = read(fd, chunk, want);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			*code = errno;
			return NULL;
		}
		if (got == 0)
			break;
		g_byte_array_append(data, chunk, got);
		if (data->len > max) {
			*truncated = TRUE;
			g_byte_array_set_size(data, max);
			break;
		}
	}
	return g_steal_pointer(&data);
}
