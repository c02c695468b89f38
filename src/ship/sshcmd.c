/*
 * sshcmd.c: the ssh argv.
 *
 * ssh is started with execvp, so nothing on this side is parsed by a
 * shell.  But ssh itself joins the remote command's words with spaces and
 * hands that string to the remote user's login shell.  Each remote word is
 * therefore quoted here for a POSIX shell: wrapped in single quotes, with
 * every single quote written as '\'' .  Inside single quotes a POSIX shell
 * gives no character a meaning, so spaces, ";", "$()" and backquotes in a
 * spool path arrive literally.  Control characters are refused earlier
 * (dest.c): a newline inside quotes is fine for sh but not for csh, and no
 * spool is sensibly named with one.
 *
 * Our own defaults come after the user's -o options: ssh keeps the first
 * value it is given for each option, so the user's win.
 */
#include <stdio.h>
#include <string.h>

#include "sshcmd.h"

void
sshcmd_quote(struct buf *out, const char *s)
{
	buf_putc(out, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			buf_puts(out, "'\\''");
		else
			buf_putc(out, *s);
	}
	buf_putc(out, '\'');
}

/* Add one remote word, quoted. */
static void
add_remote(struct argv *a, const char *word)
{
	struct buf b;

	buf_init(&b);
	sshcmd_quote(&b, word);
	buf_putc(&b, '\0');
	argv_add(a, b.data);
	buf_free(&b);
}

void
sshcmd_build(const struct dest *d, const struct ssh_settings *s,
    struct argv *a)
{
	char opt[64];

	argv_init(a);
	argv_add(a, s->program);
	for (int i = 0; i < s->noptions; i++) {
		argv_add(a, "-o");
		argv_add(a, s->options[i]);
	}
	if (s->identity != NULL) {
		argv_add(a, "-i");
		argv_add(a, s->identity);
	}
	/* cron has nobody to type a password or accept a host key. */
	argv_add(a, "-o");
	argv_add(a, "BatchMode=yes");
	snprintf(opt, sizeof(opt), "ConnectTimeout=%d", s->connect_timeout);
	argv_add(a, "-o");
	argv_add(a, opt);
	/* A peer that vanished mid-stream is noticed within a minute. */
	argv_add(a, "-o");
	argv_add(a, "ServerAliveInterval=15");
	argv_add(a, "-o");
	argv_add(a, "ServerAliveCountMax=4");
	if (d->port != NULL) {
		argv_add(a, "-p");
		argv_add(a, d->port);
	}
	if (d->user != NULL) {
		argv_add(a, "-l");
		argv_add(a, d->user);
	}
	/* No pty, no stdin tricks: the channel carries binary frames. */
	argv_add(a, "-T");
	argv_add(a, "--");
	argv_add(a, d->host);
	add_remote(a, s->remote_ship);
	argv_add(a, "--receive");
	add_remote(a, d->path);
	/* Every frame we send was checked whole on its way in (stdin) or
	 * when it was stored (a spool): the receiver checks its digest. */
	argv_add(a, "--digest-only");
	if (s->remote_apply != NULL) {
		argv_add(a, "--apply");
		add_remote(a, s->remote_apply);
	}
}
