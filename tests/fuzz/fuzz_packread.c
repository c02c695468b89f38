/*
 * fuzz_packread.c: libFuzzer target for the pack decoder.
 *
 * An input is read one of two ways:
 *
 *   - as a whole pack stream, the way pgmesh-pack -d and pgmesh-apply read
 *     one: packread_run into a text writer;
 *   - when it starts with "M": a manifest's CBOR (4-byte little-endian
 *     length, then the map) and a data frame's decompressed content, given
 *     straight to the manifest and record decoders.  Mutations of a real
 *     stream rarely get past its SHA-256 and zstd checksum, so this is how
 *     the fuzzer reaches the CBOR decoders with damaged records.
 *
 * Either must end in READ_OK or READ_BAD_DATA, never in a crash, a leak or
 * undefined behaviour.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/catalog.h"
#include "common/input.h"
#include "common/log.h"
#include "common/textwrite.h"
#include "pack/packdata.h"
#include "pack/packread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum read_result
decode_records(const uint8_t *data, size_t size, struct catalog *cat,
    const struct change_sink *sink)
{
	struct packdata_split split = { .open = false };
	struct packdata_frame f = { .events = NULL };
	struct manifest m;
	enum read_result r = READ_BAD_DATA;
	const char *why;
	char err[600];
	size_t mlen;

	if (size < 5)
		return r;
	mlen = data[1] | (size_t)data[2] << 8 | (size_t)data[3] << 16 |
	    (size_t)data[4] << 24;
	if (mlen > size - 5)
		return r;
	if (manifest_decode(data + 5, mlen, &m, &why)) {
		r = packdata_check(data + 5 + mlen, size - 5 - mlen, &m, cat,
		    &split, &f, err, sizeof(err));
		if (r == READ_OK)
			r = packdata_feed(&f, sink);
	}
	/* A frame that ends inside a transaction leaves it begun (a failed
	 * feed aborted it itself). */
	if (r == READ_OK && (split.open || split.snap_open))
		sink->abort(sink->ctx);
	packdata_frame_free(&f);
	manifest_free(&m);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct catalog *cat = catalog_new();
	struct textwriter w;
	struct change_sink sink;
	struct input in;
	struct buf out;
	enum read_result r;

	buf_init(&out);
	textwriter_init(&w, &out);
	sink = textwriter_sink(&w);
	if (size > 0 && data[0] == 'M') {
		r = decode_records(data, size, cat, &sink);
		if (r != READ_OK && r != READ_BAD_DATA)
			abort();
		textwriter_free(&w);
		buf_free(&out);
		catalog_free(cat);
		return 0;
	}

	/* The reader takes a file descriptor: give it one over the bytes. */
	if (fd < 0 && (fd = memfd_create("fuzz", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	input_init_fd(&in, fd, "fuzz");
	r = packread_run(&in, cat, &sink, &(struct packread_options){ 0 });
	/* A split transaction or a snapshot cut short is an outcome of the
	 * input, not a bug (READ_INCOMPLETE). */
	if (r != READ_OK && r != READ_BAD_DATA && r != READ_INCOMPLETE)
		abort();
	textwriter_free(&w);
	buf_free(&out);
	free(in.buf);
	free(in.name);
	catalog_free(cat);
	return 0;
}
