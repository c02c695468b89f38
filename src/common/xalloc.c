#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

static void *
checked(void *p, size_t size)
{
	if (p == NULL && size != 0)
		die(EX_OSERR, "out of memory (%zu bytes)", size);
	return p;
}

void *
xmalloc(size_t size)
{
	return checked(malloc(size), size);
}

void *
xcalloc(size_t count, size_t size)
{
	return checked(calloc(count, size), count * size);
}

void *
xrealloc(void *ptr, size_t size)
{
	return checked(realloc(ptr, size), size);
}

void *
xreallocarray(void *ptr, size_t count, size_t size)
{
	if (size != 0 && count > SIZE_MAX / size)
		die(EX_OSERR, "out of memory (%zu x %zu bytes)", count, size);
	return xrealloc(ptr, count * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t len)
{
	char *copy = xmalloc(len + 1);

	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}
