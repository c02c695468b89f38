/*
 * libcrypto.c: OpenSSL's error queue turned into one message.
 */
#include <openssl/err.h>

#include "libcrypto.h"
#include "log.h"

void
libcrypto_log_error(const char *what)
{
	char reason[256];

	ERR_error_string_n(ERR_get_error(), reason, sizeof(reason));
	ERR_clear_error();
	log_error("%s: libcrypto: %s", what, reason);
}
