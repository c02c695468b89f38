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
 * origin.  Replication origins belong to the whole cluster, not to one
 * database, so the name carries the destination database's OID as well:
 * "pgmesh_<node>@<database oid>", and two databases of one cluster keep
 * their own progress.  capture maps such an origin back to <node>.
 */
#define NODE_ORIGIN_PREFIX "pgmesh_"
#define NODE_ORIGIN_SEPARATOR '@'

/*
 * The origin name of node $1 in the current database, in SQL (so that no
 * name is ever assembled outside it): NODE_ORIGIN_FROM is a FROM item with
 * the name in column o.
 */
#define NODE_ORIGIN_DB_SQL "('@' || (SELECT oid FROM pg_database " \
	"WHERE datname = current_database()))"
#define NODE_ORIGIN_FROM "(SELECT '" NODE_ORIGIN_PREFIX "' || $1 || " \
	NODE_ORIGIN_DB_SQL " AS o) AS origin"

/* Node and flushed progress of every pgmesh origin of this database. */
#define NODE_ORIGINS_SQL "SELECT split_part(substr(roname, length('" \
	NODE_ORIGIN_PREFIX "') + 1), '@', 1), " \
	"pg_replication_origin_progress(roname, true) " \
	"FROM pg_replication_origin " \
	"WHERE starts_with(roname, '" NODE_ORIGIN_PREFIX "') " \
	"AND roname LIKE '%' || " NODE_ORIGIN_DB_SQL " ORDER BY 1"

/* Where the node's name ends in an origin name after the prefix. */
size_t node_origin_len(const char *name);

#endif
