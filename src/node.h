/*
 * node.h: node names.  A node is one database of the network; its name is
 * short, lower-case and safe in file names, replication origin names and
 * log lines: [a-z0-9_-]{1,32}.
 */
#ifndef PGMESH_NODE_H
#define PGMESH_NODE_H

#include <stdbool.h>
#include <stddef.h>

#define NODE_MAX 32

bool node_valid(const char *name, size_t len);

/*
 * Destinations keep progress per origin node in a PostgreSQL replication
 * origin named "pgmesh_<node>"; capture maps such an origin back to <node>.
 */
#define NODE_ORIGIN_PREFIX "pgmesh_"

#endif
