# Precedent: build, test, bench, demo, package.
#   make          build/precedent-host (release, -O2)
#   make check    every test: unit (ASan+UBSan), integration (real binary over pipes),
#                 fuzz (short), extension (node:test) and end-to-end (Chromium)
#   make demo     deps, build, index the sample corpus, draft two sample tickets offline
#   make bench    benchmarks, printing figures
#   make fuzz     the fuzz targets, longer
#   make deps     install the Debian packages (idempotent)

PKGS     := libwebsockets libcjson libcurl sqlite3 libpcre2-8 libuv
CC       ?= cc
FUZZ_CC  ?= clang
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
WARN     := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
CFLAGS   ?= -O2 -g
ALL_CFLAGS := $(WARN) -Iinclude $(PKG_CFLAGS) $(CFLAGS)
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_CFLAGS := $(WARN) -Iinclude $(PKG_CFLAGS) -O1 -g $(SAN)

SRC      := $(sort $(wildcard host/*.c))
LIBSRC   := $(filter-out host/main.c,$(SRC))
HDRS     := $(wildcard include/precedent/*.h)
OBJ      := $(patsubst host/%.c,build/obj/%.o,$(SRC))
LIBOBJ   := $(patsubst host/%.c,build/obj/%.o,$(LIBSRC))
AOBJ     := $(patsubst host/%.c,build/asan/obj/%.o,$(SRC))
ALIBOBJ  := $(patsubst host/%.c,build/asan/obj/%.o,$(LIBSRC))

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(patsubst tests/unit/%.c,build/asan/%,$(UNIT_SRC))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
BENCH_BIN := $(patsubst bench/%.c,build/bench/%,$(BENCH_SRC))

FUZZ_SECONDS ?= 8
export ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1

.PHONY: all check unit integration fuzz-short fuzz extension-test e2e bench demo deps \
        clean install uninstall dist format lint asan
all: build/precedent-host

build/obj/%.o: host/%.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "CC $<"; $(CC) $(ALL_CFLAGS) -c -o $@ $<

build/precedent-host: $(OBJ)
	@echo "LD $@"; $(CC) $(CFLAGS) -o $@ $(OBJ) $(PKG_LIBS)

build/asan/obj/%.o: host/%.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "CC(asan) $<"; $(CC) $(ASAN_CFLAGS) -c -o $@ $<

build/asan/precedent-host: $(AOBJ)
	@echo "LD $@"; $(CC) $(SAN) -o $@ $(AOBJ) $(PKG_LIBS)

asan: build/asan/precedent-host

build/asan/test_%: tests/unit/test_%.c tests/unit/testutil.h $(ALIBOBJ)
	@mkdir -p $(dir $@)
	@echo "LD $@"; $(CC) $(ASAN_CFLAGS) -Itests/unit -o $@ $< $(ALIBOBJ) $(PKG_LIBS) -lcmocka

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIBSRC) $(HDRS)
	@mkdir -p $(dir $@)
	@echo "FUZZ $@"; $(FUZZ_CC) $(WARN) -Wno-unused-function -Iinclude $(PKG_CFLAGS) -g -O1 \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  -o $@ $< $(LIBSRC) $(PKG_LIBS)

build/bench/bench_%: bench/bench_%.c $(LIBOBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O2 -o $@ $< $(LIBOBJ) $(PKG_LIBS)

check: all build/asan/precedent-host unit integration fuzz-short extension-test e2e
	@echo "make check: all tests passed"

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

integration: build/precedent-host build/asan/precedent-host
	@PRECEDENT_HOST=$(CURDIR)/build/asan/precedent-host bash tests/integration/run.sh
	@bash tests/integration/valgrind.sh

fuzz-short: $(FUZZ_BIN)
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	@bash tests/fuzz/run.sh $${FUZZ_LONG_SECONDS:-300} $(FUZZ_BIN)

extension-test:
	@if [ -f package.json ]; then npm test --silent; else echo "no extension tests yet"; fi

e2e: build/precedent-host
	@if [ -f tests/e2e/run.sh ]; then bash tests/e2e/run.sh; else echo "no e2e tests yet"; fi

bench: $(BENCH_BIN) build/precedent-host
	@set -e; for b in $(BENCH_BIN); do echo "== $$b"; $$b; done
	@if [ -f bench/run.sh ]; then bash bench/run.sh; fi

demo: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/demo.sh

deps:
	@bash scripts/deps.sh

PREFIX ?= $(HOME)/.local
install: build/precedent-host
	install -d $(PREFIX)/bin
	install -m 0755 build/precedent-host $(PREFIX)/bin/precedent-host
	$(PREFIX)/bin/precedent-host install

uninstall:
	-$(PREFIX)/bin/precedent-host uninstall
	rm -f $(PREFIX)/bin/precedent-host

dist:
	@bash scripts/dist.sh

format:
	clang-format -i host/*.c include/precedent/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.c bench/*.c

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --std=c11 -Iinclude $(filter -I%,$(PKG_CFLAGS)) --suppress=missingIncludeSystem \
	  --inline-suppr host/

clean:
	rm -rf build
