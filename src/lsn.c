#include <stddef.h>
#include <stdio.h>

#include "lsn.h"

static bool
parse_half(const char *s, size_t len, uint32_t *half)
{
	uint64_t v = 0;

	if (len == 0 || len > 8)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int digit;

		if (c >= '0' && c <= '9')
			digit = c - '0';
		else if (c >= 'A' && c <= 'F')
			digit = c - 'A' + 10;
		else if (c >= 'a' && c <= 'f')
			digit = c - 'a' + 10;
		else
			return false;
		v = v << 4 | (uint64_t)digit;
	}
	*half = (uint32_t)v;
	return true;
}

bool
lsn_parse(const char *s, size_t len, lsn_t *lsn)
{
	uint32_t hi, lo;

	for (size_t i = 0; i < len; i++) {
		if (s[i] != '/')
			continue;
		if (!parse_half(s, i, &hi) || !parse_half(s + i + 1, len - i - 1, &lo))
			return false;
		*lsn = (lsn_t)hi << 32 | lo;
		return true;
	}
	return false;
}

char *
lsn_format(lsn_t lsn, char buf[LSN_BUFSIZE])
{
	snprintf(buf, LSN_BUFSIZE, "%X/%X", (unsigned)(lsn >> 32), (unsigned)lsn);
	return buf;
}
