/*
 * metrics.h: the verify summary in Prometheus' text exposition format,
 * for node_exporter's textfile collector (--collector.textfile.directory).
 *
 * The file is replaced atomically (written under a temporary name starting
 * with "." in the same directory, which the collector ignores, then
 * renamed), so a scrape never reads half a file.
 */
#ifndef PGMESH_METRICS_H
#define PGMESH_METRICS_H

#include <stdbool.h>

#include "streamcheck.h"

/*
 * Write the summary of sc (with lag when lag) to path; ok says whether
 * the inputs could be checked at all.  False after log_error.
 */
bool metrics_write_stream(const char *path, const struct streamcheck *sc,
    bool lag, bool ok);

#endif
