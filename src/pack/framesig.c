/*
 * framesig.c: signing a frame's manifest, and checking its signature.
 *
 * What is signed is the manifest's CBOR map without the sig entry, taken
 * from the bytes as they arrived (manifest_signed_part), not re-encoded:
 * entries this version does not know are signed too, and a reader checks
 * exactly what the origin signed.  An unsigned frame, a frame signed by
 * a key not listed for its origin and a frame whose signature does not
 * verify are all refused the same way: the caller treats the frame as
 * damaged (framecheck.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "framesig.h"
#include "common/log.h"
#include "common/sshsig.h"
#include "common/xalloc.h"

bool
framesig_sign(const struct sshprivkey *key, struct manifest *m)
{
	struct buf msg, blob;
	bool ok;

	buf_init(&msg);
	buf_init(&blob);
	manifest_encode_signed(m, &msg);
	ok = sshsig_sign(key, SSHSIG_NAMESPACE, msg.data, msg.len, &blob);
	buf_free(&msg);
	if (!ok) {
		buf_free(&blob);
		return false;
	}
	free(m->sig);
	m->sig = xmalloc(blob.len);
	memcpy(m->sig, blob.data, blob.len);
	m->sig_len = blob.len;
	buf_free(&blob);
	return true;
}

/* The signature did not verify: say why, and which key it claims. */
static void
say_refused(const struct manifest *m, const char *reason, char *why,
    size_t whylen)
{
	char fp[SSHKEY_FINGERPRINT_SIZE];
	struct sshkey claimed;
	const char *ignored;

	if (sshsig_claimed_key(m->sig, m->sig_len, &claimed, &ignored) &&
	    sshkey_fingerprint(&claimed, fp))
		snprintf(why, whylen, "%s (key %s)", reason, fp);
	else
		snprintf(why, whylen, "%s", reason);
}

bool
framesig_check(const struct signers *signers, const struct manifest *m,
    const unsigned char *map, char *why, size_t whylen)
{
	char fp[SSHKEY_FINGERPRINT_SIZE];
	struct sshkey signer;
	const char *reason;
	struct buf msg;
	bool ok;

	if (m->sig == NULL) {
		snprintf(why, whylen, "not signed, and the signers "
		    "file wants every frame signed by its origin");
		return false;
	}
	buf_init(&msg);
	manifest_signed_part(m, map, &msg);
	ok = sshsig_verify(msg.data, msg.len, m->sig, m->sig_len,
	    SSHSIG_NAMESPACE, &signer, &reason);
	buf_free(&msg);
	if (!ok) {
		say_refused(m, reason, why, whylen);
		return false;
	}
	if (signers_has_key(signers, m->origin, &signer))
		return true;
	if (!sshkey_fingerprint(&signer, fp))
		snprintf(fp, sizeof(fp), "?");
	snprintf(why, whylen, "signed by key %s, which the signers "
	    "file does not list for %s", fp, m->origin);
	return false;
}
