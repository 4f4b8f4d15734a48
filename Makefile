# pecctl — one non-recursive Makefile for the binary, the plugins, the
# emulator and the tests. Sources are picked up by directory, so adding a
# file to core/, plugins/<name>/ or tests/sandbox/ needs no edit here.
#
#   make              binary + plugins (+ the pecsim emulator)
#   make check        install missing packages, build, run the tests, then
#                     run them again built with ASan+UBSan
#   make demo         run a procedure against the bundled emulator
#   make bench        benchmarks (never part of check)
#   make install PREFIX=/usr/local DESTDIR=

VERSION := 0.1.0
BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR := $(PREFIX)/bin
LIBDIR := $(PREFIX)/lib
PLUGINDIR := $(LIBDIR)/pecctl/plugins
DATADIR := $(PREFIX)/share/pecctl
INCDIR := $(PREFIX)/include

CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wwrite-strings -Werror
ifeq ($(SAN),1)
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

CORE_PKGS := lua5.4 libcurl libssl libcrypto libcjson libsodium libxml-2.0
# the REPL's libedit: its header at build time, the library loaded by the
# REPL itself (core/line_editor.c)
EDIT_PKG := libedit
SIM_PKGS := libmicrohttpd gnutls libcjson
pkg_cflags = $(shell pkg-config --cflags $(1) 2>/dev/null)
pkg_libs = $(shell pkg-config --libs $(1) 2>/dev/null)

COMMON_CFLAGS := $(WARNINGS) $(CFLAGS) $(SANITIZE) -D_GNU_SOURCE -MMD -MP
CORE_CFLAGS := $(COMMON_CFLAGS) -Icore -Icore/include -I$(BUILD)/gen $(call pkg_cflags,$(CORE_PKGS) $(EDIT_PKG)) \
	-DPECCTL_VERSION='"$(VERSION)"' \
	-DPECCTL_DEFAULT_PLUGIN_DIR='"$(PLUGINDIR)"' \
	-DPECCTL_DEFAULT_SCRIPT_DIR='"$(DATADIR)/scripts"'
# libxml2 from its static archive: as a shared library it loads ICU and the
# C++ runtime at every start, for converters pecctl never asks for; ICU is
# loaded when libxml2 first calls it (core/icu_on_demand.c). zlib and liblzma
# are what the archive needs besides.
XML2_LIBS := -Wl,-Bstatic -lxml2 -Wl,-Bdynamic -lz -llzma
CORE_LIBS := $(call pkg_libs,$(filter-out libxml-2.0,$(CORE_PKGS))) $(XML2_LIBS) -ldl -lpthread -lm
# Libraries that libcurl loads anyway, named first: most of the symbol
# lookups at start-up are theirs, and the dynamic loader searches the
# libraries in the order they are needed, so these find their own symbols
# without walking past thirty others (`perf stat -r 200 pecctl version`).
# Not under the sanitizers, whose runtime must come first.
ifneq ($(SAN),1)
EARLY_LIBS := -Wl,--no-as-needed -lcrypto -lgnutls -lssl -Wl,--as-needed
endif

CORE_SRC := $(wildcard core/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/embedded_lua.o
CORE_LUA := $(sort $(wildcard core/lua/*.lua))

PLUGIN_NAMES := $(notdir $(patsubst %/,%,$(wildcard plugins/*/)))
PLUGIN_SO := $(PLUGIN_NAMES:%=$(BUILD)/plugins/%.so)
PLUGIN_CFLAGS := $(COMMON_CFLAGS) -fPIC -fvisibility=hidden -Icore/include $(call pkg_cflags,libcjson)
PLUGIN_LIBS := $(call pkg_libs,libcjson)

SIM_SRC := $(wildcard tests/sandbox/*.c)
SIM_OBJ := $(SIM_SRC:%.c=$(BUILD)/%.o)
SIM_CFLAGS := $(COMMON_CFLAGS) -Itests/sandbox $(call pkg_cflags,$(SIM_PKGS))
SIM_LIBS := $(call pkg_libs,$(SIM_PKGS)) -lpthread -lm

TEST_HELPERS_SRC := $(wildcard tests/tools/*.c)
TEST_HELPERS := $(TEST_HELPERS_SRC:tests/tools/%.c=$(BUILD)/tests/%)

PECCTL := $(BUILD)/pecctl
PECSIM := $(BUILD)/pecsim

.PHONY: all deps check test test-asan demo bench install clean
all: $(PECCTL) $(PLUGIN_SO) $(if $(SIM_SRC),$(PECSIM)) $(TEST_HELPERS) $(BUILD)/pecctl.pc

$(PECCTL): $(CORE_OBJ)
	$(CC) $(CFLAGS) $(SANITIZE) -o $@ $^ $(EARLY_LIBS) $(CORE_LIBS)

$(BUILD)/core/%.o: core/%.c | $(BUILD)/gen/embedded_lua.c
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -c -o $@ $<

# Lua files under core/lua are compiled into the binary (no file lookups at
# start-up); tools/embed.c turns them into one C array.
$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) $(WARNINGS) -O2 -D_GNU_SOURCE $(call pkg_cflags,lua5.4) -o $@ $< $(call pkg_libs,lua5.4)

$(BUILD)/gen/embedded_lua.c: $(BUILD)/tools/embed $(CORE_LUA)
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed $@ $(CORE_LUA)

$(BUILD)/gen/embedded_lua.o: $(BUILD)/gen/embedded_lua.c
	$(CC) $(CORE_CFLAGS) -c -o $@ $<

# One shared object per directory under plugins/.
define plugin_template
$(BUILD)/plugins/$(1).so: $(patsubst %.c,$(BUILD)/%.pic.o,$(wildcard plugins/$(1)/*.c))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) $$(SANITIZE) -shared -o $$@ $$^ $$(PLUGIN_LIBS)
endef
$(foreach p,$(PLUGIN_NAMES),$(eval $(call plugin_template,$(p))))

$(BUILD)/plugins/%.pic.o: plugins/%.c
	@mkdir -p $(dir $@)
	$(CC) $(PLUGIN_CFLAGS) -c -o $@ $<

$(PECSIM): $(SIM_OBJ)
	$(CC) $(CFLAGS) $(SANITIZE) -o $@ $^ $(SIM_LIBS)

$(BUILD)/tests/sandbox/%.o: tests/sandbox/%.c
	@mkdir -p $(dir $@)
	$(CC) $(SIM_CFLAGS) -c -o $@ $<

# Small C programs the tests drive (a pty runner, a loopback server...).
$(BUILD)/tests/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(COMMON_CFLAGS) $(call pkg_cflags,libmicrohttpd gnutls libcjson) -o $@ $< \
		$(call pkg_libs,libmicrohttpd gnutls libcjson) -lutil -lpthread

# The install prefix is compiled into main.o and written into pecctl.pc: a
# stamp that changes only when PREFIX does makes both follow it.
$(BUILD)/prefix.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(PREFIX)' | cmp -s - $@ || echo '$(PREFIX)' > $@
.PHONY: FORCE
FORCE:
$(BUILD)/core/main.o: $(BUILD)/prefix.stamp

$(BUILD)/pecctl.pc: tools/pecctl.pc.in Makefile $(BUILD)/prefix.stamp
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    -e 's|@PLUGINDIR@|$(PLUGINDIR)|g' $< > $@

deps:
	@tools/ensure-deps

# The suite runs twice: once as built for users, once under ASan+UBSan.
check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory test
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 CFLAGS='-O1 -g' all
	@$(MAKE) --no-print-directory BUILD=build-asan test-asan

test:
	@echo "== tests ($(BUILD))"
	PECCTL_BUILD=$(BUILD) prove -j2 -f tests/t/

test-asan:
	@echo "== tests under ASan+UBSan ($(BUILD))"
	PECCTL_BUILD=$(BUILD) PECCTL_SANITIZED=1 \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	prove -j2 tests/t/

demo: deps
	@$(MAKE) --no-print-directory all
	@tools/demo

bench: deps
	@$(MAKE) --no-print-directory all
	@tools/bench

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(DATADIR)/scripts \
		$(DESTDIR)$(INCDIR)/pecctl $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 0755 $(PECCTL) $(DESTDIR)$(BINDIR)/pecctl
	$(if $(PLUGIN_SO),install -m 0755 $(PLUGIN_SO) $(DESTDIR)$(PLUGINDIR)/)
	$(if $(wildcard scripts/*.lua),install -m 0644 $(wildcard scripts/*.lua) $(DESTDIR)$(DATADIR)/scripts/)
	install -m 0644 core/include/pecctl/plugin.h $(DESTDIR)$(INCDIR)/pecctl/plugin.h
	install -m 0644 $(BUILD)/pecctl.pc $(DESTDIR)$(LIBDIR)/pkgconfig/pecctl.pc

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
