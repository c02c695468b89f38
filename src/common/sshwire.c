/*
 * sshwire.c: reading and writing SSH's uint32 and string fields.
 */
#include <string.h>

#include "sshwire.h"

void
sshwire_init(struct sshwire *r, const void *data, size_t len)
{
	r->p = data;
	r->left = len;
}

bool
sshwire_get_raw(struct sshwire *r, size_t n, const unsigned char **p)
{
	if (n > r->left)
		return false;
	*p = r->p;
	r->p += n;
	r->left -= n;
	return true;
}

bool
sshwire_get_u32(struct sshwire *r, uint32_t *v)
{
	const unsigned char *p;

	if (!sshwire_get_raw(r, 4, &p))
		return false;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	return true;
}

bool
sshwire_get_string(struct sshwire *r, const unsigned char **p, size_t *len)
{
	struct sshwire at = *r;
	uint32_t n;

	/* Nothing is consumed unless the whole string is there. */
	if (!sshwire_get_u32(&at, &n) || !sshwire_get_raw(&at, n, p))
		return false;
	*len = n;
	*r = at;
	return true;
}

bool
sshwire_get_fixed(struct sshwire *r, size_t n, const unsigned char **p)
{
	struct sshwire at = *r;
	size_t len;

	if (!sshwire_get_string(&at, p, &len) || len != n)
		return false;
	*r = at;
	return true;
}

bool
sshwire_equal(const unsigned char *p, size_t len, const char *s)
{
	return len == strlen(s) && memcmp(p, s, len) == 0;
}

void
sshwire_put_u32(struct buf *b, uint32_t v)
{
	unsigned char p[4] = {
		(unsigned char)(v >> 24), (unsigned char)(v >> 16),
		(unsigned char)(v >> 8), (unsigned char)v
	};

	buf_append(b, p, sizeof(p));
}

void
sshwire_put_string(struct buf *b, const void *data, size_t len)
{
	sshwire_put_u32(b, (uint32_t)len);
	buf_append(b, data, len);
}

void
sshwire_put_cstring(struct buf *b, const char *s)
{
	sshwire_put_string(b, s, strlen(s));
}
