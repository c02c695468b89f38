/*
 * spoolread.h: a spool's frames into apply, origin by origin.
 *
 * Each origin's frames are read file by file in LSN order, as one stream
 * (a transaction may be split across frames, and the chain of claims goes
 * on from file to file), through continuity, which holds back what does
 * not follow where the destination stands.  Frames wholly at or below
 * that are not opened.  A file that turns out damaged is moved into the
 * spool's quarantine and reading goes on: its origin is held back behind
 * it, the others are not.
 */
#ifndef PGMESH_SPOOLREAD_H
#define PGMESH_SPOOLREAD_H

#include <stddef.h>

#include "continuity.h"
#include "common/catalog.h"
#include "common/change.h"
#include "common/signers.h"

/*
 * Read the spool dir into c, taking only frames signed by their origin
 * when signers is not NULL (a frame that is not is quarantined like a
 * damaged one).  Returns READ_OK (held transactions and
 * quarantined files, counted in *quarantined, included), READ_IO_ERROR
 * or READ_SINK_FAILED, reported.
 */
enum read_result spoolread_run(const char *dir, struct catalog *cat,
    struct continuity *c, const struct signers *signers,
    size_t *quarantined);

#endif
