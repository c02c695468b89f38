/*
 * dest.c: destination strings.  Everything that will later reach ssh's
 * command line or a remote shell is checked here, once: a host or user
 * that could be read as an ssh option, and control characters in a remote
 * path (a newline would end the remote shell's command; see sshcmd.c for
 * how the rest of a path is quoted).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dest.h"
#include "common/log.h"
#include "common/xalloc.h"

static bool
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* A host name or address: no option lookalike, no separators. */
static bool
host_valid(const char *host)
{
	if (*host == '\0' || *host == '-')
		return false;
	return strcspn(host, " \t/@'\"\\;$`") == strlen(host) && !has_control(host);
}

static bool
user_valid(const char *user)
{
	if (*user == '\0' || *user == '-')
		return false;
	return strspn(user, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == strlen(user);
}

static bool
port_valid(const char *port)
{
	char *end;
	long n;

	if (*port < '0' || *port > '9')
		return false;
	n = strtol(port, &end, 10);
	return *end == '\0' && n >= 1 && n <= 65535;
}

/*
 * Split "host[:port]" (host may be "[v6 address]") in place.
 */
static bool
split_host_port(char *s, char **host, char **port)
{
	char *colon;

	*port = NULL;
	if (*s == '[') {
		char *close = strchr(s, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return false;
		*close = '\0';
		*host = s + 1;
		colon = close[1] == ':' ? close + 1 : NULL;
	} else {
		*host = s;
		colon = strchr(s, ':');
	}
	if (colon != NULL) {
		*colon = '\0';
		*port = colon + 1;
	}
	return host_valid(*host) && (*port == NULL || port_valid(*port));
}

static bool
parse_ssh(const char *spec, struct dest *d)
{
	const char *rest = spec + strlen("ssh://");
	const char *slash = strchr(rest, '/');
	char *auth, *at, *host, *port;
	bool ok;

	if (slash == NULL || slash[1] == '\0') {
		log_error("%s: no spool directory (ssh://[user@]host[:port]/DIR)",
		    spec);
		return false;
	}
	if (has_control(slash)) {
		log_error("%s: a control character in the remote path is refused "
		    "(the remote shell would split the command there)", spec);
		return false;
	}
	auth = xstrndup(rest, (size_t)(slash - rest));
	at = strrchr(auth, '@');
	if (at != NULL) {
		*at = '\0';
		if (!user_valid(auth)) {
			log_error("%s: bad user name", spec);
			free(auth);
			return false;
		}
		d->user = xstrdup(auth);
	}
	ok = split_host_port(at ? at + 1 : auth, &host, &port);
	if (ok) {
		d->host = xstrdup(host);
		d->port = port ? xstrdup(port) : NULL;
		d->path = xstrdup(slash);
	} else
		log_error("%s: bad host or port", spec);
	free(auth);
	return ok;
}

static bool
parse_tcp(const char *spec, struct dest *d)
{
	char *auth = xstrdup(spec + strlen("tcp://"));
	char *host, *port;
	bool ok = split_host_port(auth, &host, &port) && port != NULL;

	if (ok) {
		d->host = xstrdup(host);
		d->port = xstrdup(port);
	} else
		log_error("%s: expected tcp://host:port", spec);
	free(auth);
	return ok;
}

/* "NODE=" at the start of arg: its length including '=', or 0. */
static size_t
node_prefix(const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || !node_valid(arg, (size_t)(eq - arg)))
		return 0;
	return (size_t)(eq - arg) + 1;
}

bool
dest_parse(const char *arg, struct dest *d)
{
	size_t skip = node_prefix(arg);
	const char *spec = arg + skip;
	bool ok;

	memset(d, 0, sizeof(*d));
	if (skip > 0)
		memcpy(d->node, arg, skip - 1);
	d->spec = xstrdup(spec);
	d->name = xstrdup(skip > 0 ? d->node : spec);
	if (strncmp(spec, "ssh://", 6) == 0) {
		d->kind = DEST_SSH;
		ok = parse_ssh(spec, d);
	} else if (strncmp(spec, "tcp://", 6) == 0) {
		d->kind = DEST_TCP;
		ok = parse_tcp(spec, d);
	} else if (strstr(spec, "://") != NULL) {
		log_error("%s: unknown kind of destination "
		    "(ssh://, tcp:// or a directory)", spec);
		ok = false;
	} else {
		d->kind = DEST_DIR;
		d->path = xstrdup(spec);
		ok = *spec != '\0';
		if (!ok)
			log_error("an empty destination");
	}
	if (!ok)
		dest_free(d);
	return ok;
}

void
dest_free(struct dest *d)
{
	free(d->spec);
	free(d->name);
	free(d->user);
	free(d->host);
	free(d->port);
	free(d->path);
	memset(d, 0, sizeof(*d));
}
