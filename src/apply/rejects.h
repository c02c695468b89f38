/*
 * rejects.h: the --rejects file, where apply puts the transactions it
 * could not apply (conflicts, errors, tables outside the grant) and goes on.
 *
 * The file is change text (pgmesh-format(5)), appended to, so that after a
 * fix "pgmesh-apply -d db FILE" applies it as any other input.  apply
 * advances its progress past a rejected transaction, so the file must hold
 * it durably first: rejects_sync is called before that commit.
 */
#ifndef PGMESH_REJECTS_H
#define PGMESH_REJECTS_H

#include <stdbool.h>

#include "applylog.h"

struct rejects;

/* Open (create, append to) path; NULL after log_error. */
struct rejects *rejects_open(const char *path);
void rejects_close(struct rejects *r);

/* Add one transaction of the log (its rows still there); false, and
 * nothing of it added, when the log's file could not be read back. */
bool rejects_add(struct rejects *r, struct applylog *l,
    const struct applylog_txn *lt);
/* Write out and fsync what was added; false after log_error. */
bool rejects_sync(struct rejects *r);

#endif
