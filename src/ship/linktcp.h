/*
 * linktcp.h: a tcp destination: the raw pack stream, never acknowledged.
 */
#ifndef PGMESH_LINKTCP_H
#define PGMESH_LINKTCP_H

#include "linkops.h"

extern const struct link_ops link_tcp_ops;

#endif
