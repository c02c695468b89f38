# pgmesh: a permissioned, insert-only network of PostgreSQL databases.
#
#   make               build every program into bin/ (CC=clang works too)
#   make check         man page lint and every test; ends with "N passed, N failed"
#   make check-asan    the same, programs built with AddressSanitizer + UBSan
#   make check-tsan    the tests of threaded programs, with ThreadSanitizer
#   make check-clang   build every program with clang into bin/clang (CI)
#   make bench         scripts/bench all (speed against the references)
#   make demo          three throwaway nodes replicating through a hub
#   make chaos         the cron rounds of examples/ under random faults, nothing
#                      lost (CHAOS_SECONDS=120 CHAOS_SEED=random CHAOS_PEERS=3)
#   make fuzz          the decoders under libFuzzer, each for FUZZ_SECONDS
#   make install       PREFIX=/usr/local DESTDIR= (programs and man pages)
#
# Plain make builds with what the machine has and never installs anything;
# check, demo and bench install what they need first (scripts/install-deps).

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

SRC = src
include src/modules.mk

# What each program links besides COMMON (one line each).
capture_OBJS = src/cmd/capture.o $(CAPTURE) $(SPOOL) $(PACK)
pack_OBJS = src/cmd/pack.o $(PACK)
apply_OBJS = src/cmd/apply.o $(APPLY) $(SPOOL) $(PACK)
ship_OBJS = src/cmd/ship.o $(SHIP) $(SPOOL) $(PACK)
verify_OBJS = src/cmd/verify.o $(VERIFY) $(SPOOL) $(PACK)

BINS = $(PROGRAMS:%=bin/%)
ASAN_BINS = $(PROGRAMS:%=bin/asan/%)
TSAN_BINS = $(PROGRAMS:%=bin/tsan/%)
# What runs threads: pack -d's prefetch (pack, apply, ship, verify read
# packs with it) and capture --drain's writer.
TSAN_TESTS = tests/100-capture-chunks.bats tests/2*.bats tests/3*.bats \
             tests/4*.bats tests/5*.bats
MAN1 = $(PROGRAMS:%=man/%.1)
MANPAGES = $(MAN1) man/pgmesh-format.5 man/pgmesh.7

all: $(BINS)

# The libraries must be there before anything compiles.
deps:
	@pkg-config --exists $(PKGS) || { echo "make: missing libraries" \
	    "($(PKGS)): run scripts/install-deps first" >&2; exit 1; }

.SECONDEXPANSION:
bin/pgmesh-%: $$($$*_OBJS) $(COMMON) | deps
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(DEPS_LIBS)

# $(call variant,NAME,COMPILER,FLAGS): bin/NAME/pgmesh-* from objects
# *.NAME.o, all built by COMPILER with FLAGS.
define variant
bin/$(1)/pgmesh-%: $$$$(subst .o,.$(1).o,$$$$($$$$*_OBJS) $$(COMMON)) | deps
	@mkdir -p bin/$(1)
	$(2) $$(ALL_CFLAGS) $(3) -o $$@ $$^ $$(DEPS_LIBS)

%.$(1).o: %.c | deps
	$(2) $$(ALL_CFLAGS) $(3) -MMD -MP -c -o $$@ $$<
endef
$(eval $(call variant,asan,$$(CC),$(SANITIZE)))
$(eval $(call variant,tsan,$$(CC),$(TSANITIZE)))
$(eval $(call variant,clang,clang,))

%.o: %.c | deps
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# The signing modules' test driver, plain and under the sanitizers (for
# make check-asan); tests/210-sign-primitives.bats builds the one it runs.
tests/unit/sigtool: tests/unit/sigtool.o $(COMMON) | deps
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(DEPS_LIBS)

tests/unit/asan/sigtool: $(subst .o,.asan.o,tests/unit/sigtool.o $(COMMON)) | deps
	@mkdir -p tests/unit/asan
	$(CC) $(ALL_CFLAGS) $(SANITIZE) -o $@ $^ $(DEPS_LIBS)

# The link simulator's delay line (tests and bench only, never installed).
scripts/netsim/delayline: scripts/netsim/delayline.c
	$(CC) $(ALL_CFLAGS) -o $@ $<

# The tests, the demo and the bench need servers and tools a build does
# not: install what is missing, then build (a new make, so that it sees
# the libraries just installed).
install-deps:
	@scripts/install-deps

check: install-deps
	$(MAKE) all
	tests/run

check-asan: install-deps
	$(MAKE) $(ASAN_BINS)
	PGMESH_BIN=$(CURDIR)/bin/asan tests/run

check-tsan: install-deps
	$(MAKE) $(TSAN_BINS)
	PGMESH_BIN=$(CURDIR)/bin/tsan tests/run $(TSAN_TESTS)

check-clang: install-deps
	$(MAKE) $(PROGRAMS:%=bin/clang/%)

lint-man:
	mandoc -Tlint -Wwarning $(MANPAGES)

bench: install-deps
	$(MAKE) all
	scripts/bench all

demo: install-deps
	$(MAKE) all
	scripts/demo

chaos: install-deps
	$(MAKE) all
	scripts/chaos

FUZZ_SECONDS ?= 60
fuzz:
	$(MAKE) -C tests/fuzz run run-sshkey SECONDS=$(FUZZ_SECONDS)

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
	rm -rf bin/pgmesh-* bin/asan bin/tsan bin/clang tests/unit/sigtool \
	    tests/unit/asan scripts/netsim/delayline
	find src tests -name '*.o' -delete -o -name '*.d' -delete

-include $(shell find src tests/unit -name '*.d' 2>/dev/null)

.PHONY: all deps install-deps check check-asan check-tsan check-clang lint-man \
	bench demo chaos fuzz install uninstall clean
.PRECIOUS: %.o %.asan.o %.tsan.o %.clang.o
