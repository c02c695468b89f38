/*
 * applyretry.h: a failed group, applied again one source transaction at a
 * time, to apply everything before a failing transaction and name it.
 */
#ifndef PGMESH_APPLYRETRY_H
#define PGMESH_APPLYRETRY_H

#include <stdbool.h>

#include "applylog.h"
#include "destxact.h"

/*
 * The group in l failed in dx: roll back, apply its transactions one at a
 * time, commit those that went in (and those rejected), and stop at one
 * that failed without --rejects.  False when apply stops (dx->status).
 */
bool applyretry_group(struct destxact *dx, struct applylog *l);

#endif
