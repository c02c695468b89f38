/*
 * xalloc.h: allocation that cannot fail.  Running out of memory is not a
 * condition pgmesh recovers from: the program stops with EX_OSERR, and
 * whatever it had not committed downstream is sent again by the next run.
 */
#ifndef PGMESH_XALLOC_H
#define PGMESH_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
void *xreallocarray(void *ptr, size_t count, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t len);

#endif
