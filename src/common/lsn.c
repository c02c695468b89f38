#include <stddef.h>

#include "fmt.h"
#include "lsn.h"

/* The value of a hexadecimal digit, -1 for anything else. */
static int
hex_digit(char c, bool lower_too)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (lower_too && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool
parse_hex(const char *s, size_t len, bool lower_too, uint64_t *v)
{
	*v = 0;
	for (size_t i = 0; i < len; i++) {
		int digit = hex_digit(s[i], lower_too);

		if (digit < 0)
			return false;
		*v = *v << 4 | (uint64_t)digit;
	}
	return true;
}

static bool
parse_half(const char *s, size_t len, uint32_t *half)
{
	uint64_t v;

	if (len == 0 || len > 8 || !parse_hex(s, len, true, &v))
		return false;
	*half = (uint32_t)v;
	return true;
}

bool
lsn_parse_fixed(const char *s, lsn_t *lsn)
{
	return parse_hex(s, LSN_FIXED_LEN, false, lsn);
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
	char *p = fmt_hex(buf, (uint32_t)(lsn >> 32));

	*p++ = '/';
	*fmt_hex(p, (uint32_t)lsn) = '\0';
	return buf;
}
