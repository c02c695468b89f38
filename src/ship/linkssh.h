/*
 * linkssh.h: an ssh destination, spoken to with the resume protocol of
 * shipproto.h.
 */
#ifndef PGMESH_LINKSSH_H
#define PGMESH_LINKSSH_H

#include "linkops.h"

extern const struct link_ops link_ssh_ops;

#endif
