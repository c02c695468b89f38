/*
 * limits.c: the process's bounds against what others send, and the
 * option that changes them.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "log.h"

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

struct limits limits = {
	.frame_content = 320 * MiB,
	.frame_records = 64 * MiB,
	.manifest = 1 * MiB,
	.text_line = 64 * MiB,
	.spool_free = 64 * MiB,
	.txn_memory = 64 * MiB,
};

/* The names the option takes, each with its bound and its range. */
static const struct {
	const char *name;
	size_t field;
	uint64_t min, max;
} names[] = {
	/* pgmesh-format(5) bounds a frame's content at 1 GiB, and a
	 * manifest at 16 MiB: the limits can only be lower. */
	{ "frame-content", offsetof(struct limits, frame_content), 64 * KiB,
	    1 * GiB },
	{ "frame-records", offsetof(struct limits, frame_records), 1024,
	    UINT32_MAX },
	{ "manifest", offsetof(struct limits, manifest), 4 * KiB, 16 * MiB },
	{ "text-line", offsetof(struct limits, text_line), 4 * KiB, 4 * GiB },
	{ "spool-free", offsetof(struct limits, spool_free), 0,
	    UINT64_MAX >> 10 },
	{ "txn-memory", offsetof(struct limits, txn_memory), 64 * KiB,
	    UINT64_MAX >> 10 },
};

/* "123", "64K", "320M", "2G" into *v. */
static bool
parse_size(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long n;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (*end == 'K' || *end == 'k')
		shift = 10, end++;
	else if (*end == 'M' || *end == 'm')
		shift = 20, end++;
	else if (*end == 'G' || *end == 'g')
		shift = 30, end++;
	if (*end != '\0' || errno != 0 || n > (UINT64_MAX >> shift))
		return false;
	*v = (uint64_t)n << shift;
	return true;
}

bool
limits_set(const char *spec)
{
	const char *eq = strchr(spec, '=');
	size_t len = eq != NULL ? (size_t)(eq - spec) : 0;
	uint64_t v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].name) != len ||
		    strncmp(spec, names[i].name, len) != 0)
			continue;
		if (!parse_size(eq + 1, &v) || v < names[i].min ||
		    v > names[i].max) {
			log_error("--limit %s: want a size from %llu to %llu "
			    "(K, M, G allowed)", spec,
			    (unsigned long long)names[i].min,
			    (unsigned long long)names[i].max);
			return false;
		}
		*(uint64_t *)((char *)&limits + names[i].field) = v;
		return true;
	}
	log_error("--limit %s: want NAME=SIZE, NAME one of frame-content, "
	    "frame-records, manifest, text-line, spool-free, txn-memory", spec);
	return false;
}
