#include <string.h>

#include "node.h"

bool
node_valid(const char *name, size_t len)
{
	if (len == 0 || len > NODE_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-'))
			return false;
	}
	return true;
}

size_t
node_origin_len(const char *name)
{
	const char *sep = strchr(name, NODE_ORIGIN_SEPARATOR);

	return sep ? (size_t)(sep - name) : strlen(name);
}
