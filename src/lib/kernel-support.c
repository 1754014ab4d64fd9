// SPDX-License-Identifier: Apache-2.0
/*
 * Which connect options the running kernel's /dev/nvme-fabrics accepts (SPEC §7.5): known from
 * the kernel release, and from the options line that kernels 5.17 on print. Probed once per
 * daemon; the result travels in StasCtrlEnv and StasKernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "stas/kernel.h"
#include "stas/paths.h"
#include "stas/version.h"

void stas_kernel_support_parse(StasKernelSupport *support, const char *line)
{
	g_auto(GStrv) options = NULL;

	memset(support, 0, sizeof(*support));
	if (!line)
		return;
	options = g_strsplit(line, ",", -1);
	for (char **o = options; *o; o++) {
		char *name = g_strstrip(g_strdelimit(*o, "=", '\0'));

		if (g_str_equal(name, "discovery"))
			support->discovery = TRUE;
		else if (g_str_equal(name, "host_iface"))
			support->host_iface = TRUE;
		else if (g_str_equal(name, "dhchap_secret"))
			support->dhchap_secret = TRUE;
		else if (g_str_equal(name, "dhchap_ctrl_secret"))
			support->dhchap_ctrl_secret = TRUE;
		else if (g_str_equal(name, "tls"))
			support->tls = TRUE;
	}
}

/* The first line of @path in *line (NULL for an empty file); FALSE with errno on failure. */
static gboolean read_first_line(const char *path, char **line)
{
	FILE *file = fopen(path, "re");
	char *text = NULL;
	size_t size = 0;
	ssize_t len;
	int code = 0;

	*line = NULL;
	if (!file)
		return FALSE;
	errno = 0;
	len = getline(&text, &size, file);
	if (len < 0 && ferror(file))
		code = errno ? errno : EIO;
	fclose(file);
	if (code) {
		free(text);
		errno = code;
		return FALSE;
	}
	/* At end of file getline() leaves its buffer allocated but undefined. */
	if (len > 0)
		*line = g_strndup(text, len);
	free(text);
	return TRUE;
}

void stas_kernel_support_probe(StasKernelSupport *support, const char *release, char **warning)
{
	struct utsname uts;
	g_autofree char *path = NULL;
	g_autofree char *line = NULL;
	StasKernelSupport listed;
	gboolean complete;

	if (warning)
		*warning = NULL;
	if (!release)
		release = uname(&uts) == 0 ? uts.release : "";

	support->discovery = stas_kernel_version_cmp(release, "5.16") >= 0;
	support->host_iface = stas_kernel_version_cmp(release, "5.14") >= 0;
	/* "5.20" never existed: the keys came with 6.0, which any 6.x passes. */
	support->dhchap_secret = stas_kernel_version_cmp(release, "5.20") >= 0;
	support->dhchap_ctrl_secret = stas_kernel_version_cmp(release, "5.20") >= 0;
	support->tls = FALSE;
	complete = support->discovery && support->host_iface && support->dhchap_secret &&
		   support->dhchap_ctrl_secret;

	/* Older kernels may have had options backported: they list them (5.17 on), and a
	 * listing can only add to what the version implies. TLS depends on the kernel's
	 * configuration, not its version, so only the listing tells. */
	path = stas_path(STAS_PATH_NVME_FABRICS, NULL);
	if (!read_first_line(path, &line)) {
		int code = errno;

		if (warning && !complete)
			*warning = g_strdup_printf(
				"Cannot determine which NVMe options the kernel supports: %s: %s",
				g_strerror(code), path);
		return;
	}
	stas_kernel_support_parse(&listed, line);
	support->discovery |= listed.discovery;
	support->host_iface |= listed.host_iface;
	support->dhchap_secret |= listed.dhchap_secret;
	support->dhchap_ctrl_secret |= listed.dhchap_ctrl_secret;
	support->tls = listed.tls;
}
