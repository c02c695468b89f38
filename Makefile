# pgmesh: a permissioned, insert-only network of PostgreSQL databases.
#
#   make               build every program into bin/
#   make check         man page lint and every test; ends with "N passed, N failed"
#   make check-asan    the same, programs built with AddressSanitizer + UBSan
#   make check-tsan    the tests of threaded programs, with ThreadSanitizer
#   make bench         scripts/bench all (speed against the references)
#   make demo          three throwaway nodes replicating through a hub
#   make fuzz          the pack decoder under libFuzzer, for FUZZ_SECONDS
#   make install       PREFIX=/usr/local DESTDIR= (programs and man pages)

PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man

CC ?= cc
PKGS = libpq libcbor libzstd libcrypto
WARNINGS = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla -Werror
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -pthread -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARNINGS) \
             $(CFLAGS) $(DEPS_CFLAGS) -Isrc
DEPS_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEPS_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
SANITIZE = -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=undefined
TSANITIZE = -fsanitize=thread

PROGRAMS = $(patsubst src/cmd/%.c,pgmesh-%,$(wildcard src/cmd/*.c))

# Modules shared by every program.
COMMON = src/log.o src/xalloc.o src/buf.o src/input.o src/lsn.o src/node.o \
         src/timestamp.o src/copytext.o src/catalog.o src/textread.o \
         src/textwrite.o src/fmt.o

# The pack format, and spool directories (used by pack, apply, ship, verify).
PACK = src/manifest.o src/sha256.o src/framecheck.o src/prefetch.o src/packread.o src/packwrite.o src/packframe.o src/packdata.o src/packcheck.o src/packencode.o src/idmap.o src/cborrec.o
SPOOL = src/spool.o

# What each program links besides COMMON (one line each).
capture_OBJS = src/cmd/capture.o src/pgconn.o src/typename.o src/pgoutput.o src/emit.o src/outthread.o src/repl.o src/peek.o src/capsetup.o
pack_OBJS = src/cmd/pack.o $(PACK)
apply_OBJS = src/cmd/apply.o src/applier.o src/applyretry.o src/applyxact.o src/applylone.o src/applylog.o src/copyin.o src/dbconn.o src/pgconn.o src/grants.o src/origin.o src/rejects.o src/rowkey.o src/spoolfeed.o src/stage.o $(PACK) $(SPOOL)
ship_OBJS = src/cmd/ship.o src/dest.o src/fanout.o src/link.o src/linkssh.o src/linktcp.o src/linkspool.o src/receive.o src/shipproto.o src/spoolack.o src/sshcmd.o src/transport.o $(PACK) $(SPOOL)
verify_OBJS = src/cmd/verify.o src/pgconn.o src/digest.o src/digestdef.o src/digestkeys.o src/digestfile.o src/digestcmp.o src/streamcheck.o src/originsum.o src/lag.o src/metrics.o $(PACK) $(SPOOL)

BINS = $(PROGRAMS:%=bin/%)
ASAN_BINS = $(PROGRAMS:%=bin/asan/%)
TSAN_BINS = $(PROGRAMS:%=bin/tsan/%)
# What runs threads: pack -d's prefetch (pack, apply, ship, verify read
# packs with it) and capture --drain's writer.
TSAN_TESTS = tests/100-capture-chunks.bats tests/2*.bats tests/3*.bats \
             tests/4*.bats tests/5*.bats
MAN1 = $(PROGRAMS:%=man/%.1)
MANPAGES = $(MAN1) man/pgmesh-format.5 man/pgmesh.7

all: deps $(BINS)

# A fresh Debian machine has none of the libraries: install them first.
deps:
	@pkg-config --exists $(PKGS) || scripts/install-deps

# Nor the servers and tools the tests run.
TEST_TOOLS = bats zstd mandoc nc ssh psql /usr/sbin/sshd
test-deps:
	@for t in $(TEST_TOOLS); do \
	    command -v $$t >/dev/null || { scripts/install-deps; exit $$?; }; \
	done; ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	    scripts/install-deps

.SECONDEXPANSION:
bin/pgmesh-%: $$($$*_OBJS) $(COMMON)
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(DEPS_LIBS)

# $(call sanitized,NAME,FLAGS): bin/NAME/pgmesh-* from objects *.NAME.o,
# all built with FLAGS.
define sanitized
bin/$(1)/pgmesh-%: $$$$(subst .o,.$(1).o,$$$$($$$$*_OBJS) $$(COMMON))
	@mkdir -p bin/$(1)
	$$(CC) $$(ALL_CFLAGS) $(2) -o $$@ $$^ $$(DEPS_LIBS)

%.$(1).o: %.c
	$$(CC) $$(ALL_CFLAGS) $(2) -MMD -MP -c -o $$@ $$<
endef
$(eval $(call sanitized,asan,$(SANITIZE)))
$(eval $(call sanitized,tsan,$(TSANITIZE)))

%.o: %.c
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

check: all test-deps
	tests/run

check-asan: deps test-deps $(ASAN_BINS)
	PGMESH_BIN=$(CURDIR)/bin/asan tests/run

check-tsan: deps test-deps $(TSAN_BINS)
	PGMESH_BIN=$(CURDIR)/bin/tsan tests/run $(TSAN_TESTS)

lint-man:
	mandoc -Tlint -Wwarning $(MANPAGES)

bench: all
	scripts/bench all

demo: all
	scripts/demo

FUZZ_SECONDS ?= 60
fuzz:
	$(MAKE) -C tests/fuzz run SECONDS=$(FUZZ_SECONDS)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 man/pgmesh-format.5 $(DESTDIR)$(MANDIR)/man5
	install -m 644 man/pgmesh.7 $(DESTDIR)$(MANDIR)/man7

uninstall:
	rm -f $(PROGRAMS:%=$(DESTDIR)$(BINDIR)/%) \
	    $(PROGRAMS:%=$(DESTDIR)$(MANDIR)/man1/%.1) \
	    $(DESTDIR)$(MANDIR)/man5/pgmesh-format.5 \
	    $(DESTDIR)$(MANDIR)/man7/pgmesh.7

clean:
	rm -rf bin/pgmesh-* bin/asan bin/tsan
	find src tests -name '*.o' -delete -o -name '*.d' -delete

-include $(shell find src -name '*.d' 2>/dev/null)

.PHONY: all deps test-deps check check-asan check-tsan lint-man bench demo fuzz install uninstall clean
.PRECIOUS: %.o %.asan.o
