/*
 * libcrypto.h: reporting a failure of OpenSSL's libcrypto.
 */
#ifndef PGMESH_LIBCRYPTO_H
#define PGMESH_LIBCRYPTO_H

/* log_error "WHAT: libcrypto: REASON" with libcrypto's oldest queued
 * error, and empty its queue so that no stale error is reported later. */
void libcrypto_log_error(const char *what);

#endif
