/*
 * sigtool.c: the signing modules of src/common on files, for the tests
 * (tests/210-sign-primitives.bats), which hold them against ssh-keygen.
 * Not installed.
 *
 *	sigtool fingerprint KEY.pub            the key's SHA256 fingerprint
 *	sigtool fingerprint-private KEY        the same, of a private key
 *	sigtool cuts KEY                       which lengths of KEY's prefixes
 *	                                       parse as a private key
 *	sigtool sign [-n NS] KEY FILE          FILE's armored signature
 *	sigtool verify [-n NS] FILE SIG        the signer's fingerprint
 *	sigtool flips [-n NS] FILE SIG         how many one-bit changes of
 *	                                       FILE or SIG's blob verify
 *	sigtool signers SIGNERS NODE KEY.pub   is the key listed for NODE?
 *
 * Exit status: 0 yes, 1 no (a signature refused, a key not listed, a
 * changed signature accepted), 64 usage, 65 an input could not be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/signers.h"
#include "common/smallfile.h"
#include "common/sshkey.h"
#include "common/sshprivkey.h"
#include "common/sshsig.h"

#define EXIT_NO 1
#define FILE_MAX (16 * 1024 * 1024)

static const char *ns = SSHSIG_NAMESPACE;

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: sigtool fingerprint KEY.pub\n"
	    "       sigtool fingerprint-private KEY\n"
	    "       sigtool cuts KEY\n"
	    "       sigtool sign [-n NS] KEY FILE\n"
	    "       sigtool verify [-n NS] FILE SIG\n"
	    "       sigtool flips [-n NS] FILE SIG\n"
	    "       sigtool signers SIGNERS NODE KEY.pub\n");
	exit(EX_USAGE);
}

static void
print_fingerprint(const struct sshkey *k)
{
	char fp[SSHKEY_FINGERPRINT_SIZE];

	if (!sshkey_fingerprint(k, fp))
		exit(EX_SOFTWARE);
	printf("%s\n", fp);
}

static void
read_file(const char *path, struct buf *b)
{
	buf_init(b);
	if (!smallfile_read(path, FILE_MAX, b))
		exit(EX_DATAERR);
}

/* The blob of the armored signature in the file at path. */
static void
read_signature(const char *path, struct buf *blob)
{
	struct buf text;
	const char *why;

	read_file(path, &text);
	buf_init(blob);
	if (!sshsig_dearmor(text.data, text.len, blob, &why))
		die(EX_DATAERR, "%s: %s", path, why);
	buf_free(&text);
}

static int
cmd_fingerprint(const char *path)
{
	struct sshkey k;

	if (!sshkey_load(path, &k))
		return EX_DATAERR;
	print_fingerprint(&k);
	return 0;
}

static int
cmd_fingerprint_private(const char *path)
{
	struct sshprivkey *key;

	if (!sshprivkey_load(path, &key))
		return EX_DATAERR;
	print_fingerprint(sshprivkey_public(key));
	sshprivkey_free(key);
	return 0;
}

static int
cmd_cuts(const char *path)
{
	struct sshprivkey *key;
	struct buf text;

	read_file(path, &text);
	for (size_t n = 0; n < text.len; n++) {
		if (sshprivkey_parse(text.data, n, path, &key)) {
			printf("%zu\n", n);
			sshprivkey_free(key);
		}
	}
	buf_free(&text);
	return 0;
}

static int
cmd_sign(const char *keypath, const char *path)
{
	struct buf msg, blob, text;
	struct sshprivkey *key;

	if (!sshprivkey_load(keypath, &key))
		return EX_DATAERR;
	read_file(path, &msg);
	buf_init(&blob);
	buf_init(&text);
	if (!sshsig_sign(key, ns, msg.data, msg.len, &blob))
		return EX_SOFTWARE;
	sshsig_armor(blob.data, blob.len, &text);
	fwrite(text.data, 1, text.len, stdout);
	buf_free(&text);
	buf_free(&blob);
	buf_free(&msg);
	sshprivkey_free(key);
	return 0;
}

static int
cmd_verify(const char *path, const char *sigpath)
{
	struct buf msg, blob;
	struct sshkey signer;
	const char *why;
	int status = 0;

	read_file(path, &msg);
	read_signature(sigpath, &blob);
	if (sshsig_verify(msg.data, msg.len, blob.data, blob.len, ns, &signer,
	    &why))
		print_fingerprint(&signer);
	else {
		log_error("%s: %s", sigpath, why);
		status = EXIT_NO;
	}
	buf_free(&blob);
	buf_free(&msg);
	return status;
}

/* How many one-bit changes of the len bytes at p (what: of the message,
 * or of the signature's blob) still verify. */
static size_t
accepted_flips(unsigned char *p, size_t len, const char *what,
    const struct buf *msg, const struct buf *blob)
{
	struct sshkey signer;
	const char *why;
	size_t accepted = 0;

	for (size_t bit = 0; bit < 8 * len; bit++) {
		p[bit / 8] ^= (unsigned char)(1u << bit % 8);
		if (sshsig_verify(msg->data, msg->len, blob->data, blob->len,
		    ns, &signer, &why)) {
			log_error("accepted with bit %zu of %s changed", bit,
			    what);
			accepted++;
		}
		p[bit / 8] ^= (unsigned char)(1u << bit % 8);
	}
	return accepted;
}

static int
cmd_flips(const char *path, const char *sigpath)
{
	struct buf msg, blob;
	size_t accepted;

	read_file(path, &msg);
	read_signature(sigpath, &blob);
	accepted = accepted_flips((unsigned char *)msg.data, msg.len,
	    "the message", &msg, &blob) +
	    accepted_flips((unsigned char *)blob.data, blob.len,
	    "the signature", &msg, &blob);
	printf("%zu of %zu accepted\n", accepted, 8 * (msg.len + blob.len));
	buf_free(&blob);
	buf_free(&msg);
	return accepted == 0 ? 0 : EXIT_NO;
}

static int
cmd_signers(const char *path, const char *node, const char *keypath)
{
	struct signers s;
	struct sshkey k;
	bool listed;

	if (!sshkey_load(keypath, &k) || !signers_load(path, &s))
		return EX_DATAERR;
	listed = signers_has_key(&s, node, &k);
	signers_free(&s);
	return listed ? 0 : EXIT_NO;
}

int
main(int argc, char **argv)
{
	const char *cmd;
	int c;

	log_init("sigtool");
	if (argc < 2)
		usage();
	cmd = argv[1];
	argc--;
	argv++;
	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n')
			usage();
		ns = optarg;
	}
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "fingerprint") == 0 && argc == 1)
		return cmd_fingerprint(argv[0]);
	if (strcmp(cmd, "fingerprint-private") == 0 && argc == 1)
		return cmd_fingerprint_private(argv[0]);
	if (strcmp(cmd, "cuts") == 0 && argc == 1)
		return cmd_cuts(argv[0]);
	if (strcmp(cmd, "sign") == 0 && argc == 2)
		return cmd_sign(argv[0], argv[1]);
	if (strcmp(cmd, "verify") == 0 && argc == 2)
		return cmd_verify(argv[0], argv[1]);
	if (strcmp(cmd, "flips") == 0 && argc == 2)
		return cmd_flips(argv[0], argv[1]);
	if (strcmp(cmd, "signers") == 0 && argc == 3)
		return cmd_signers(argv[0], argv[1], argv[2]);
	usage();
}
