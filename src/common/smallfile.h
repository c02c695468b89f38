/*
 * smallfile.h: a configuration file read whole: a key, a signers file.
 */
#ifndef PGMESH_SMALLFILE_H
#define PGMESH_SMALLFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * Read the regular file at path into out, which must be empty: false,
 * after log_error naming the file, if it cannot be read or holds more than
 * max bytes.  out is allocated once, to the file's size, so that a secret
 * read into it leaves no copy behind in memory given back by a realloc.
 */
bool smallfile_read(const char *path, size_t max, struct buf *out);

/*
 * The same for a file that holds a secret, which is also refused if its
 * group or others may access it (as ssh refuses such a private key): a key
 * others can read is no longer this node's alone.
 */
bool smallfile_read_secret(const char *path, size_t max, struct buf *out);

#endif
