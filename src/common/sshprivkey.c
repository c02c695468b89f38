/*
 * sshprivkey.c: Ed25519 private keys in OpenSSH's own file format, the
 * only one ssh-keygen writes them in (PROTOCOL.key in OpenSSH's sources):
 *
 *	-----BEGIN OPENSSH PRIVATE KEY-----
 *	the base64 of:
 *	  byte[15] "openssh-key-v1\0"
 *	  string   cipher name           "none": not encrypted
 *	  string   key derivation name   "none"
 *	  string   key derivation options  empty
 *	  uint32   number of keys        1
 *	  string   public key            its wire form (sshkey.h)
 *	  string   private section, padded to the cipher's block size (8):
 *	    uint32  check                a random number, twice
 *	    uint32  check
 *	    string  "ssh-ed25519"
 *	    string  public key[32]
 *	    string  private key[64]      seed[32] || public key[32]
 *	    string  comment
 *	    byte    1, 2, 3, ...         padding
 *	-----END OPENSSH PRIVATE KEY-----
 *
 * libcrypto reads none of it, so it is parsed here, and strictly: the file
 * holds the node's identity, and anything but exactly this shape is more
 * likely damage or a mistake than a key to guess at.  The file is bounded
 * (SSHPRIVKEY_FILE_MAX), every length in it is checked against what
 * remains (sshwire), and the public key, written three times, must be the
 * one the seed derives, so that a file spliced from two keys is refused
 * instead of signing under a key it does not hold.
 *
 * The key's bytes are in the file's text, its decoded blob and libcrypto's
 * key: the first two are wiped as soon as the third holds the key, and
 * libcrypto wipes its own when the key is freed.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "armor.h"
#include "libcrypto.h"
#include "log.h"
#include "smallfile.h"
#include "sshprivkey.h"
#include "sshwire.h"
#include "xalloc.h"

#define ARMOR_LABEL "OPENSSH PRIVATE KEY"
#define AUTH_MAGIC "openssh-key-v1"	/* with its NUL */
#define BLOCK_SIZE 8			/* of the cipher "none" */
#define SEED_LEN 32

struct sshprivkey {
	EVP_PKEY *pkey;
	struct sshkey pub;
};

/* The private section's fields. */
struct section {
	const unsigned char *pk;	/* SSHKEY_LEN bytes */
	const unsigned char *sk;	/* seed, then the public key */
};

static bool
damaged(const char *name, const char *what)
{
	log_error("%s: damaged OpenSSH private key: %s", name, what);
	return false;
}

static void
wipe(struct buf *b)
{
	if (b->data != NULL)
		OPENSSL_cleanse(b->data, b->cap);
	buf_free(b);
}

/* Cipher and key derivation: none, or the key is encrypted. */
static bool
parse_cipher(struct sshwire *r, const char *name)
{
	const unsigned char *cipher, *kdf, *kdfopts;
	size_t cipherlen, kdflen, kdfoptslen;

	if (!sshwire_get_string(r, &cipher, &cipherlen) ||
	    !sshwire_get_string(r, &kdf, &kdflen) ||
	    !sshwire_get_string(r, &kdfopts, &kdfoptslen))
		return damaged(name, "truncated");
	if (!sshwire_equal(cipher, cipherlen, "none")) {
		log_error("%s: the key is encrypted with a passphrase, which "
		    "cron cannot type: remove the passphrase with "
		    "ssh-keygen -p -N '' -f %s", name, name);
		return false;
	}
	if (!sshwire_equal(kdf, kdflen, "none") || kdfoptslen != 0)
		return damaged(name, "a key derivation for a key not "
		    "encrypted");
	return true;
}

/* Everything around the private section, which *sec and *seclen are
 * given: the magic, no encryption, one key and its public key. */
static bool
parse_envelope(struct sshwire *r, const char *name, struct sshkey *pub,
    const unsigned char **sec, size_t *seclen)
{
	const unsigned char *magic, *blob;
	const char *why;
	uint32_t nkeys;
	size_t bloblen;

	if (!sshwire_get_raw(r, sizeof(AUTH_MAGIC), &magic) ||
	    memcmp(magic, AUTH_MAGIC, sizeof(AUTH_MAGIC)) != 0)
		return damaged(name, "no " AUTH_MAGIC " magic");
	if (!parse_cipher(r, name))
		return false;
	if (!sshwire_get_u32(r, &nkeys))
		return damaged(name, "truncated");
	if (nkeys != 1) {
		log_error("%s: holds %" PRIu32 " keys, not one", name, nkeys);
		return false;
	}
	if (!sshwire_get_string(r, &blob, &bloblen) ||
	    !sshwire_get_string(r, sec, seclen))
		return damaged(name, "truncated");
	if (r->left != 0)
		return damaged(name, "data after the private section");
	if (!sshkey_decode_blob(blob, bloblen, pub, &why)) {
		log_error("%s: %s", name, why);
		return false;
	}
	return true;
}

/* The padding that ends the private section: 1, 2, 3, ..., less than a
 * block (a whole block would not be padding). */
static bool
padding_ok(const struct sshwire *r)
{
	if (r->left >= BLOCK_SIZE)
		return false;
	for (size_t i = 0; i < r->left; i++) {
		if (r->p[i] != i + 1)
			return false;
	}
	return true;
}

static bool
parse_section(const unsigned char *p, size_t len, const char *name,
    struct section *s)
{
	const unsigned char *type, *comment;
	size_t typelen, commentlen;
	uint32_t check1, check2;
	struct sshwire r;

	if (len == 0 || len % BLOCK_SIZE != 0)
		return damaged(name, "private section not padded to its block");
	sshwire_init(&r, p, len);
	if (!sshwire_get_u32(&r, &check1) || !sshwire_get_u32(&r, &check2) ||
	    !sshwire_get_string(&r, &type, &typelen))
		return damaged(name, "truncated private section");
	/* Equal unless decrypting went wrong, and here nothing was. */
	if (check1 != check2)
		return damaged(name, "check numbers differ");
	if (!sshwire_equal(type, typelen, SSHKEY_TYPE))
		return damaged(name, "private key of another type than its "
		    "public key");
	if (!sshwire_get_fixed(&r, SSHKEY_LEN, &s->pk) ||
	    !sshwire_get_fixed(&r, SEED_LEN + SSHKEY_LEN, &s->sk) ||
	    !sshwire_get_string(&r, &comment, &commentlen))
		return damaged(name, "malformed " SSHKEY_TYPE " private key");
	if (!padding_ok(&r))
		return damaged(name, "bad padding");
	return true;
}

/*
 * Give the seed to libcrypto, and check that the public key of the file's
 * envelope, of its private section and of the end of its private key are
 * all the one the seed derives.
 */
static bool
take_seed(const struct section *s, const struct sshkey *pub,
    const char *name, struct sshprivkey *key)
{
	struct sshkey inner, tail, derived;
	size_t n = SSHKEY_LEN;

	key->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
	    s->sk, SEED_LEN);
	if (key->pkey == NULL ||
	    EVP_PKEY_get_raw_public_key(key->pkey, derived.ed25519, &n) != 1 ||
	    n != SSHKEY_LEN) {
		libcrypto_log_error(name);
		return false;
	}
	memcpy(inner.ed25519, s->pk, SSHKEY_LEN);
	memcpy(tail.ed25519, s->sk + SEED_LEN, SSHKEY_LEN);
	if (!sshkey_equal(&derived, pub) || !sshkey_equal(&inner, pub) ||
	    !sshkey_equal(&tail, pub)) {
		log_error("%s: its public key is not its private key's", name);
		return false;
	}
	key->pub = *pub;
	return true;
}

static bool
parse_blob(const struct buf *blob, const char *name, struct sshprivkey *key)
{
	const unsigned char *sec;
	struct section s;
	struct sshkey pub;
	struct sshwire r;
	size_t seclen;

	sshwire_init(&r, blob->data, blob->len);
	return parse_envelope(&r, name, &pub, &sec, &seclen) &&
	    parse_section(sec, seclen, name, &s) &&
	    take_seed(&s, &pub, name, key);
}

bool
sshprivkey_parse(const char *text, size_t len, const char *name,
    struct sshprivkey **out)
{
	struct sshprivkey *key = xcalloc(1, sizeof(*key));
	const char *why;
	struct buf blob;
	bool ok;

	buf_init(&blob);
	if (armor_decode(ARMOR_LABEL, text, len, &blob, &why)) {
		ok = parse_blob(&blob, name, key);
	} else {
		log_error("%s: not an OpenSSH private key file (%s)", name, why);
		ok = false;
	}
	wipe(&blob);
	if (!ok) {
		sshprivkey_free(key);
		return false;
	}
	*out = key;
	return true;
}

bool
sshprivkey_load(const char *path, struct sshprivkey **key)
{
	struct buf text;
	bool ok;

	buf_init(&text);
	ok = smallfile_read_secret(path, SSHPRIVKEY_FILE_MAX, &text) &&
	    sshprivkey_parse(text.data, text.len, path, key);
	wipe(&text);
	return ok;
}

void
sshprivkey_free(struct sshprivkey *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

const struct sshkey *
sshprivkey_public(const struct sshprivkey *key)
{
	return &key->pub;
}

bool
sshprivkey_sign(const struct sshprivkey *key, const void *data, size_t len,
    unsigned char sig[SSHKEY_SIG_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = SSHKEY_SIG_LEN;
	bool ok;

	/* Ed25519 hashes the message itself: no digest is given. */
	ok = ctx != NULL &&
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, key->pkey) == 1 &&
	    EVP_DigestSign(ctx, sig, &n, data, len) == 1 &&
	    n == SSHKEY_SIG_LEN;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		libcrypto_log_error("signing");
	return ok;
}
