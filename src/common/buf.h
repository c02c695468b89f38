/*
 * buf.h: a growable byte buffer.  Output is assembled in a buf and written
 * out in large pieces at moments the caller chooses (a commit, a frame), so
 * that what reaches a pipe is always whole.
 */
#ifndef PGMESH_BUF_H
#define PGMESH_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
/* Make room for n more bytes and return where they go. */
char *buf_reserve(struct buf *b, size_t n);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_putc(struct buf *b, char c);
void buf_puts(struct buf *b, const char *s);
/* Keep data[start..len) only, moving it to the front. */
void buf_consume(struct buf *b, size_t n);

/*
 * Write all of b to fd and empty it.  Returns false (after log_error naming
 * what) on a write error; EPIPE is reported the same way, the caller decides
 * whether a vanished reader is an error.
 */
bool buf_write_fd(struct buf *b, int fd, const char *what);
bool write_all(int fd, const void *data, size_t len, const char *what);

#endif
