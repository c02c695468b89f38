/*
 * textread.h: change text in (the format is man/pgmesh-format.5).
 *
 * The reader checks every record as it goes and stops at the first bad
 * line with a message "NAME:LINE: what is wrong".  Transactions committed
 * before that line have reached the sink whole; the one open at the bad
 * line is aborted.
 */
#ifndef PGMESH_TEXTREAD_H
#define PGMESH_TEXTREAD_H

#include "catalog.h"
#include "change.h"
#include "input.h"

/* Does the buffered start of the input look like change text? */
bool textread_detect(const char *data, size_t len);

/*
 * Read change text from in until EOF, declaring tables in cat and feeding
 * sink.  Between transactions, calls sink->idle whenever the next line is
 * not already there.
 */
enum read_result textread_run(struct input *in, struct catalog *cat,
    const struct change_sink *sink);

#endif
