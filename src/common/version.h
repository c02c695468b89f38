#ifndef PGMESH_VERSION_H
#define PGMESH_VERSION_H

#define PGMESH_VERSION "0.1.0"

#endif
