/*
 * fmt.c: numbers into text without printf.
 */
#include "fmt.h"

char *
fmt_fixed(char *p, uint64_t v, int width)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + width;
}

char *
fmt_decimal(char *p, uint64_t v)
{
	int width = 1;

	for (uint64_t rest = v / 10; rest > 0; rest /= 10)
		width++;
	return fmt_fixed(p, v, width);
}

char *
fmt_hex(char *p, uint32_t v)
{
	static const char hex[] = "0123456789ABCDEF";
	int width = 1;

	for (uint32_t rest = v >> 4; rest > 0; rest >>= 4)
		width++;
	for (int i = width - 1; i >= 0; i--, v >>= 4)
		p[i] = hex[v & 0xf];
	return p + width;
}
