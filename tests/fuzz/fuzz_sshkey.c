/*
 * fuzz_sshkey.c: libFuzzer target for the parsers of OpenSSH's formats in
 * src/common: private key files, public keys, SSHSIG signatures and
 * signers files.
 *
 * Every input goes to each parser, which refuses quickly what is not its
 * format, so a seed of any format feeds them all:
 *
 *   - as a private key file, and armored as one, so that mutations reach
 *     the binary blob inside as well as the armor around it;
 *   - as a public key line, and as a key's wire form;
 *   - as an armored signature, and as a signature's blob, of MESSAGE;
 *   - as a signers file.
 *
 * The seeds (sshkey/seeds, made by make seeds-sshkey) sign MESSAGE, so
 * mutations of a good signature reach the signature check itself.  Every
 * parser must accept or refuse, never crash, leak or read out of bounds;
 * and what is accepted must hold up: a private key must sign MESSAGE so
 * that its public key verifies it, a public key must have a fingerprint.
 */
#include <stdint.h>
#include <stdlib.h>

#include "common/armor.h"
#include "common/buf.h"
#include "common/signers.h"
#include "common/sshkey.h"
#include "common/sshprivkey.h"
#include "common/sshsig.h"

#define MESSAGE "a frame's manifest\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A signature of MESSAGE: if good, by a key with a fingerprint. */
static void
verify_blob(const void *blob, size_t len)
{
	char fp[SSHKEY_FINGERPRINT_SIZE];
	struct sshkey signer;
	const char *why;

	if (sshsig_verify(MESSAGE, sizeof(MESSAGE) - 1, blob, len,
	    SSHSIG_NAMESPACE, &signer, &why) && !sshkey_fingerprint(&signer,
	    fp))
		abort();
}

/* A private key: if taken, it signs, and its public key verifies that. */
static void
parse_private(const char *text, size_t len)
{
	struct sshprivkey *key;
	struct sshkey signer;
	const char *why;
	struct buf blob;

	if (!sshprivkey_parse(text, len, "fuzz", &key))
		return;
	buf_init(&blob);
	if (!sshsig_sign(key, SSHSIG_NAMESPACE, MESSAGE, sizeof(MESSAGE) - 1,
	    &blob) || !sshsig_verify(MESSAGE, sizeof(MESSAGE) - 1, blob.data,
	    blob.len, SSHSIG_NAMESPACE, &signer, &why) ||
	    !sshkey_equal(&signer, sshprivkey_public(key)))
		abort();
	buf_free(&blob);
	sshprivkey_free(key);
}

static void
parse_public(const uint8_t *data, size_t size)
{
	char fp[SSHKEY_FINGERPRINT_SIZE];
	const char *why;
	struct sshkey k;

	if (sshkey_parse_line((const char *)data, size, &k, &why) &&
	    !sshkey_fingerprint(&k, fp))
		abort();
	if (sshkey_decode_blob(data, size, &k, &why) &&
	    !sshkey_fingerprint(&k, fp))
		abort();
}

static void
parse_signature(const uint8_t *data, size_t size)
{
	struct buf blob;
	const char *why;

	buf_init(&blob);
	if (sshsig_dearmor((const char *)data, size, &blob, &why))
		verify_blob(blob.data, blob.len);
	buf_free(&blob);
	verify_blob(data, size);
}

static void
parse_signers(const uint8_t *data, size_t size)
{
	struct signers s;
	struct sshkey k = { { 0 } };

	if (!signers_parse((const char *)data, size, "fuzz", &s))
		return;
	for (size_t i = 0; i < s.n; i++) {
		if (!signers_has_key(&s, s.v[i].node, &s.v[i].key))
			abort();
	}
	signers_has_key(&s, "a", &k);
	signers_free(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf armored;

	parse_private((const char *)data, size);
	buf_init(&armored);
	armor_encode("OPENSSH PRIVATE KEY", data, size, &armored);
	parse_private(armored.data, armored.len);
	buf_free(&armored);
	parse_public(data, size);
	parse_signature(data, size);
	parse_signers(data, size);
	return 0;
}
