/*
 * linkspool.h: a local spool as a destination, stored into directly.
 */
#ifndef PGMESH_LINKSPOOL_H
#define PGMESH_LINKSPOOL_H

#include "linkops.h"

extern const struct link_ops link_spool_ops;

#endif
