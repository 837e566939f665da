# govbot: plain Makefile, C11, libraries through pkg-config.
# Targets: all (build/govbot), run, check, bench, fuzz, clean, install, uninstall.
# SANITIZE=1 builds everything with AddressSanitizer + UndefinedBehaviorSanitizer
# into build-san/ so sanitized and plain objects never mix.

CC      ?= cc
PKGS    := libwebsockets libcurl libcjson libpcre2-8 sqlite3 libcrypto
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror \
           -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter -I. \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

ifeq ($(SANITIZE),1)
BUILD   ?= build-san
CFLAGS  += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
export ASAN_OPTIONS := detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
else
BUILD   ?= build
endif

# Sources are found by folder: every .c under chatbot/, commands/ and
# adapters/ is part of libgovbot.a except the program's entry point.
MAIN_SRC := chatbot/host/main.c
LIB_SRC  := $(sort $(shell find chatbot commands adapters -name '*.c'))
LIB_SRC  := $(filter-out $(MAIN_SRC),$(LIB_SRC))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/chatbot/roster/roster_blob.o
TEST_SRC := $(wildcard tests/test_*.c)
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_SRC:= $(wildcard tests/bench/bench_*.c)
BENCHES  := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)

# make install [PREFIX=/usr/local] [DESTDIR=staging]: the binary, govbot(1),
# the systemd unit (its ExecStart names $(BINDIR)/govbot), an example config
# and the licence (the BSD licence asks binary copies to carry it).
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
DOCDIR  ?= $(PREFIX)/share/doc/govbot

.PHONY: all run check bench fuzz clean deps check-deps tests install uninstall
all: $(BUILD)/govbot

deps:
	@sh scripts/install-deps.sh

# `make check` also needs what only the tests use (chromium, groff).
check-deps:
	@sh scripts/install-deps.sh check

# Each object depends on the headers it includes (-MMD writes them to .d,
# -MP keeps a removed header from breaking the build).
DEPFLAGS = -MMD -MP
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

# The bundled roster is linked in as bytes; see chatbot/roster/roster_default.c.
$(BUILD)/obj/chatbot/roster/roster_blob.o: chatbot/roster/roster_blob.S chatbot/roster/persons_of_interest.md chatbot/roster/aliases.json
	@mkdir -p $(dir $@)
	$(CC) -c -I. -o $@ chatbot/roster/roster_blob.S

$(BUILD)/libgovbot.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/govbot: $(BUILD)/obj/chatbot/host/main.o $(BUILD)/libgovbot.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/%.c $(BUILD)/libgovbot.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) $(CHECK_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libgovbot.a $(LDLIBS) $(CHECK_LIBS)

$(BUILD)/bench/%: tests/bench/%.c $(BUILD)/libgovbot.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libgovbot.a $(LDLIBS)

tests: $(TESTS) $(BUILD)/govbot

run: deps $(BUILD)/govbot
	./$(BUILD)/govbot run

# Every test binary runs, even after a failure; the summary line counts them.
check: check-deps
	@$(MAKE) --no-print-directory tests
	@GOVBOT=$(CURDIR)/$(BUILD)/govbot BUILD=$(BUILD) sh scripts/run-tests.sh $(TESTS)

bench: deps
	@$(MAKE) --no-print-directory $(BENCHES) $(BUILD)/govbot
	@rc=0; for b in $(BENCHES); do GOVBOT=$(CURDIR)/$(BUILD)/govbot ./$$b || { echo "$$b: failed or missed its goal"; rc=1; }; done; exit $$rc

fuzz: deps
	@sh scripts/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf build build-san build-fuzz

install: $(BUILD)/govbot
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(BUILD)/govbot $(DESTDIR)$(BINDIR)/govbot
	install -m 0644 scripts/govbot.1 $(DESTDIR)$(MANDIR)/man1/govbot.1
	install -m 0644 LICENSE $(DESTDIR)$(DOCDIR)/LICENSE
	install -m 0644 scripts/govbot.example.json $(DESTDIR)$(DOCDIR)/govbot.json.example
	sed 's|@BINDIR@|$(BINDIR)|g' scripts/govbot.service > $(DESTDIR)$(UNITDIR)/govbot.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/govbot.service

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/govbot $(DESTDIR)$(MANDIR)/man1/govbot.1 \
	      $(DESTDIR)$(UNITDIR)/govbot.service $(DESTDIR)$(DOCDIR)/LICENSE \
	      $(DESTDIR)$(DOCDIR)/govbot.json.example
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
