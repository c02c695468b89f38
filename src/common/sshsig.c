/*
 * sshsig.c: SSHSIG signatures (PROTOCOL.sshsig in OpenSSH's sources).
 *
 * A signature is the blob
 *
 *	byte[6]  "SSHSIG"
 *	uint32   version             1
 *	string   public key          its wire form (sshkey.h)
 *	string   namespace           "pgmesh"
 *	string   reserved            empty
 *	string   hash algorithm      "sha512"
 *	string   signature           string "ssh-ed25519", string sig[64]
 *
 * and what the key signs is not the message but
 *
 *	byte[6]  "SSHSIG"
 *	string   namespace
 *	string   reserved            empty
 *	string   hash algorithm
 *	string   the message's hash
 *
 * so that the namespace and the hash algorithm are signed too, and the
 * magic keeps the signature from being taken for one of SSH's own.
 *
 * Reading trusts no length (sshwire) and is stricter than OpenSSH, which
 * takes sha256 as well and ignores the reserved field: pgmesh writes only
 * sha512 and an empty field, so every byte of a blob it accepts is either
 * signed or checked, and a signature has only one blob.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "armor.h"
#include "libcrypto.h"
#include "sshsig.h"
#include "sshwire.h"

#define MAGIC "SSHSIG"
#define MAGIC_LEN (sizeof(MAGIC) - 1)
#define VERSION 1
#define HASH_NAME "sha512"
#define HASH_LEN 64
/* The signature field's content: the type and the signature, as strings. */
#define SIG_BLOB_LEN (4 + sizeof(SSHKEY_TYPE) - 1 + 4 + SSHKEY_SIG_LEN)
#define ARMOR_LABEL "SSH SIGNATURE"

static bool
hash_message(const void *msg, size_t len, unsigned char h[HASH_LEN])
{
	if (EVP_Digest(msg, len, h, NULL, EVP_sha512(), NULL) == 1)
		return true;
	libcrypto_log_error("SHA-512");
	return false;
}

/* Append what the key signs for namespace ns and a message's hash h. */
static void
put_signed_data(struct buf *b, const char *ns, const unsigned char h[HASH_LEN])
{
	buf_append(b, MAGIC, MAGIC_LEN);
	sshwire_put_cstring(b, ns);
	sshwire_put_string(b, NULL, 0);		/* reserved */
	sshwire_put_cstring(b, HASH_NAME);
	sshwire_put_string(b, h, HASH_LEN);
}

bool
sshsig_sign(const struct sshprivkey *key, const char *ns, const void *msg,
    size_t len, struct buf *blob)
{
	unsigned char h[HASH_LEN], sig[SSHKEY_SIG_LEN];
	struct buf data;
	bool ok;

	if (!hash_message(msg, len, h))
		return false;
	buf_init(&data);
	put_signed_data(&data, ns, h);
	ok = sshprivkey_sign(key, data.data, data.len, sig);
	buf_free(&data);
	if (!ok)
		return false;
	buf_append(blob, MAGIC, MAGIC_LEN);
	sshwire_put_u32(blob, VERSION);
	sshwire_put_u32(blob, SSHKEY_BLOB_LEN);
	sshkey_put_blob(blob, sshprivkey_public(key));
	sshwire_put_cstring(blob, ns);
	sshwire_put_string(blob, NULL, 0);	/* reserved */
	sshwire_put_cstring(blob, HASH_NAME);
	sshwire_put_u32(blob, SIG_BLOB_LEN);
	sshwire_put_cstring(blob, SSHKEY_TYPE);
	sshwire_put_string(blob, sig, SSHKEY_SIG_LEN);
	return true;
}

static bool
refuse(const char **why, const char *what)
{
	*why = what;
	return false;
}

/* The magic, the version and the key. */
static bool
decode_head(struct sshwire *r, struct sshkey *key, const char **why)
{
	const unsigned char *magic, *blob;
	uint32_t version;
	size_t len;

	if (!sshwire_get_raw(r, MAGIC_LEN, &magic) ||
	    memcmp(magic, MAGIC, MAGIC_LEN) != 0)
		return refuse(why, "not an SSHSIG signature (no magic)");
	if (!sshwire_get_u32(r, &version))
		return refuse(why, "truncated signature");
	if (version != VERSION)
		return refuse(why, "unsupported SSHSIG version");
	if (!sshwire_get_string(r, &blob, &len))
		return refuse(why, "truncated signature");
	return sshkey_decode_blob(blob, len, key, why);
}

/* The namespace, the reserved field and the hash algorithm. */
static bool
decode_params(struct sshwire *r, const char *ns, const char **why)
{
	const unsigned char *got, *reserved, *hash;
	size_t gotlen, reservedlen, hashlen;

	if (!sshwire_get_string(r, &got, &gotlen) ||
	    !sshwire_get_string(r, &reserved, &reservedlen) ||
	    !sshwire_get_string(r, &hash, &hashlen))
		return refuse(why, "truncated signature");
	if (!sshwire_equal(got, gotlen, ns))
		return refuse(why, "signature made for another namespace");
	if (reservedlen != 0)
		return refuse(why, "reserved field of the signature not empty");
	if (!sshwire_equal(hash, hashlen, HASH_NAME))
		return refuse(why, "unsupported hash algorithm (only " HASH_NAME
		    ")");
	return true;
}

/* The signature field, the last of the blob. */
static bool
decode_signature(struct sshwire *r, const unsigned char **sig,
    const char **why)
{
	const unsigned char *field, *type;
	size_t len, typelen;
	struct sshwire f;

	if (!sshwire_get_string(r, &field, &len))
		return refuse(why, "truncated signature");
	if (r->left != 0)
		return refuse(why, "data after the signature");
	sshwire_init(&f, field, len);
	if (!sshwire_get_string(&f, &type, &typelen))
		return refuse(why, "malformed signature field");
	if (!sshwire_equal(type, typelen, SSHKEY_TYPE))
		return refuse(why, "signature of another type than "
		    SSHKEY_TYPE);
	if (!sshwire_get_fixed(&f, SSHKEY_SIG_LEN, sig) || f.left != 0)
		return refuse(why, "malformed signature field");
	return true;
}

bool
sshsig_verify(const void *msg, size_t len, const void *blob,
    size_t bloblen, const char *ns, struct sshkey *signer, const char **why)
{
	unsigned char h[HASH_LEN];
	const unsigned char *sig;
	struct sshkey key;
	struct sshwire r;
	struct buf data;
	bool ok;

	sshwire_init(&r, blob, bloblen);
	if (!decode_head(&r, &key, why) || !decode_params(&r, ns, why) ||
	    !decode_signature(&r, &sig, why))
		return false;
	if (!hash_message(msg, len, h))
		return refuse(why, "libcrypto failed");
	buf_init(&data);
	put_signed_data(&data, ns, h);
	ok = sshkey_verify(&key, data.data, data.len, sig);
	buf_free(&data);
	if (!ok)
		return refuse(why, "bad signature");
	*signer = key;
	return true;
}

bool
sshsig_claimed_key(const void *blob, size_t bloblen, struct sshkey *key,
    const char **why)
{
	struct sshwire r;

	sshwire_init(&r, blob, bloblen);
	return decode_head(&r, key, why);
}

void
sshsig_armor(const void *blob, size_t len, struct buf *out)
{
	armor_encode(ARMOR_LABEL, blob, len, out);
}

bool
sshsig_dearmor(const char *text, size_t len, struct buf *blob,
    const char **why)
{
	return armor_decode(ARMOR_LABEL, text, len, blob, why);
}
