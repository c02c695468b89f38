/*
 * sshkey.c: Ed25519 public keys: their wire form, public key lines,
 * fingerprints, and checking signatures.
 *
 * Only Ed25519 is taken: it is what ssh-keygen makes by default, it has
 * one wire form and one signature form with nothing to negotiate, and a
 * node's key signs nothing but pgmesh frames.
 */
#include <stddef.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "base64.h"
#include "libcrypto.h"
#include "log.h"
#include "smallfile.h"
#include "sshkey.h"
#include "sshwire.h"

#define SHA256_LEN 32

static const char malformed[] = "malformed " SSHKEY_TYPE " public key";

void
sshkey_put_blob(struct buf *b, const struct sshkey *k)
{
	sshwire_put_cstring(b, SSHKEY_TYPE);
	sshwire_put_string(b, k->ed25519, SSHKEY_LEN);
}

bool
sshkey_decode_blob(const unsigned char *blob, size_t len, struct sshkey *k,
    const char **why)
{
	const unsigned char *type, *key;
	struct sshwire r;
	size_t typelen;

	sshwire_init(&r, blob, len);
	if (!sshwire_get_string(&r, &type, &typelen)) {
		*why = "truncated public key";
		return false;
	}
	if (!sshwire_equal(type, typelen, SSHKEY_TYPE)) {
		*why = "not an " SSHKEY_TYPE " key";
		return false;
	}
	/* The key and nothing after it. */
	if (!sshwire_get_fixed(&r, SSHKEY_LEN, &key) || r.left != 0) {
		*why = malformed;
		return false;
	}
	memcpy(k->ed25519, key, SSHKEY_LEN);
	return true;
}

/* The end of the word that starts at p (a word ends at a blank). */
static const char *
word_end(const char *p, const char *end)
{
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	return p;
}

bool
sshkey_parse_line(const char *line, size_t len, struct sshkey *k,
    const char **why)
{
	const char *end = line + len, *type_end, *key, *key_end;
	unsigned char blob[SSHKEY_BLOB_LEN];
	size_t n;

	type_end = word_end(line, end);
	if (!sshwire_equal((const unsigned char *)line,
	    (size_t)(type_end - line), SSHKEY_TYPE)) {
		*why = "not an " SSHKEY_TYPE " key";
		return false;
	}
	for (key = type_end; key < end && (*key == ' ' || *key == '\t'); key++)
		;
	/* Then the key, then nothing or a blank and a comment. */
	key_end = word_end(key, end);
	if (key == key_end) {
		*why = "no key after " SSHKEY_TYPE;
		return false;
	}
	/* Longer than a key's is not one (and would not fit in blob). */
	if (key_end - key > (ptrdiff_t)BASE64_LEN(SSHKEY_BLOB_LEN)) {
		*why = malformed;
		return false;
	}
	if (!base64_decode(key, (size_t)(key_end - key), blob, sizeof(blob),
	    &n)) {
		*why = "bad base64 in the key";
		return false;
	}
	return sshkey_decode_blob(blob, n, k, why);
}

bool
sshkey_load(const char *path, struct sshkey *k)
{
	struct buf text;
	const char *why = "more than one line";
	size_t len;
	bool ok;

	buf_init(&text);
	if (!smallfile_read(path, SSHKEY_LINE_MAX, &text))
		return false;
	/* One line, its line break optional. */
	len = text.len;
	if (len > 0 && text.data[len - 1] == '\n')
		len--;
	if (len > 0 && text.data[len - 1] == '\r')
		len--;
	ok = memchr(text.data, '\n', len) == NULL &&
	    sshkey_parse_line(text.data, len, k, &why);
	if (!ok)
		log_error("%s: %s", path, why);
	buf_free(&text);
	return ok;
}

bool
sshkey_fingerprint(const struct sshkey *k, char out[SSHKEY_FINGERPRINT_SIZE])
{
	unsigned char digest[SHA256_LEN];
	struct buf blob;
	char *p;
	bool ok;

	buf_init(&blob);
	sshkey_put_blob(&blob, k);
	ok = EVP_Digest(blob.data, blob.len, digest, NULL, EVP_sha256(),
	    NULL) == 1;
	buf_free(&blob);
	if (!ok) {
		libcrypto_log_error("fingerprint");
		return false;
	}
	memcpy(out, "SHA256:", 7);
	p = base64_encode(out + 7, digest, sizeof(digest));
	/* OpenSSH prints it without the padding. */
	while (p[-1] == '=')
		p--;
	*p = '\0';
	return true;
}

bool
sshkey_equal(const struct sshkey *a, const struct sshkey *b)
{
	return CRYPTO_memcmp(a->ed25519, b->ed25519, SSHKEY_LEN) == 0;
}

/*
 * EVP_DigestVerify answers 1 for a good signature and 0 for a bad one;
 * anything else is libcrypto failing, which is reported as such (and
 * the signature taken as bad: nothing unchecked is ever believed).
 */
bool
sshkey_verify(const struct sshkey *k, const void *data, size_t len,
    const unsigned char sig[SSHKEY_SIG_LEN])
{
	EVP_PKEY *pkey;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int r = -1;

	/* Ed25519 hashes the message itself: no digest is given. */
	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, k->ed25519,
	    SSHKEY_LEN);
	if (pkey != NULL && ctx != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1)
		r = EVP_DigestVerify(ctx, sig, SSHKEY_SIG_LEN, data, len);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	if (r < 0)
		libcrypto_log_error("checking a signature");
	ERR_clear_error();	/* what a bad signature left queued */
	return r == 1;
}
