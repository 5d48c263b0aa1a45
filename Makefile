# dbsync — top-level build.
#
#   make              optimised build: daemon/dbsyncd and php-ext/modules/dbsync.so
#   make DEBUG=1      debug info + trace logging of every request and reply
#   make SANITIZE=1   AddressSanitizer + UndefinedBehaviorSanitizer build (build/asan)
#   make test         every test suite, optimised and sanitized; ends with "N passed, N failed"
#   make deps         install the Debian packages the build and the tests need
#   make demo         two redis-servers + dbsyncd on loopback, a short tour
#   make bench        side-by-side benchmarks (bench/out/)
#   make bench-fpm    a PHP page under php-fpm: dbsync against phpredis (bench/out/fpm.md)
#   make bench-journal  the journal: its cost per write, catch-up, bytes per SET (bench/out/journal.md)
#   make bench-resync   dbsync-check --resync of 1,000,000 keys under a write load, and its cost
#
# Objects go to build/<variant>/ so release, debug and sanitized builds can
# live side by side; each directory adds its part through a *.mk fragment.

CXX ?= g++
ifeq ($(CXX),c++)
CXX := g++
endif

ifeq ($(SANITIZE),1)
VARIANT := asan
VARIANT_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
VARIANT_LDFLAGS := -fsanitize=address,undefined
else ifeq ($(DEBUG),1)
VARIANT := debug
VARIANT_FLAGS := -O0 -g3 -DDBSYNC_DEBUG=1
else
VARIANT := release
VARIANT_FLAGS := -O2 -g -DNDEBUG
endif

BUILD := build/$(VARIANT)
SSL_LIBS := $(shell pkg-config --libs openssl 2>/dev/null || echo -lssl -lcrypto)
SYSTEMD_CFLAGS := $(shell pkg-config --exists libsystemd 2>/dev/null && echo -DHAVE_LIBSYSTEMD=1)
SYSTEMD_LIBS := $(shell pkg-config --libs libsystemd 2>/dev/null)

CXXFLAGS ?=
CPPFLAGS += -I. -Icommon $(SYSTEMD_CFLAGS)
ALL_CXXFLAGS := -std=c++20 -Wall -Wextra -fPIC -MMD -MP $(VARIANT_FLAGS) $(CXXFLAGS)
ALL_LDFLAGS := $(VARIANT_LDFLAGS) $(LDFLAGS)

PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all clean deps test demo bench install uninstall
all:

# --- common/: protocol, addresses, logging; client/: the client core -------
# libdbsync_common.a: what both sides share (the daemon links only this).
# libdbsync_client.a: client/, the fan-out client core used by the PHP
# extension and the tests. client/ is on no include path (the daemon has a
# fanout.hpp of its own): its headers are included as "client/<name>.hpp".
CLIENT_SRCS := $(wildcard client/*.cpp)
COMMON_SRCS := $(wildcard common/*.cpp)
COMMON_OBJS := $(COMMON_SRCS:%.cpp=$(BUILD)/%.o)
CLIENT_OBJS := $(CLIENT_SRCS:%.cpp=$(BUILD)/%.o)
COMMON_LIB := $(BUILD)/libdbsync_common.a
CLIENT_LIB := $(BUILD)/libdbsync_client.a

$(BUILD)/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(ALL_CXXFLAGS) -c $< -o $@

$(COMMON_LIB): $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(CLIENT_LIB): $(CLIENT_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

include daemon/daemon.mk
include check/check.mk
include daemon/install.mk
include php-ext/php-ext.mk
include tests/tests.mk
include bench/bench.mk

# Header dependencies of the variant being built only: another variant's
# .d files name its own objects and would only slow make down.
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

deps:
	@bash tools/install-deps.sh

clean:
	rm -rf build daemon/dbsyncd bench/out
	-$(MAKE) -C php-ext distclean-dbsync 2>/dev/null || true

# `all` runs as a sub-make, after deps: what it builds (the PHP extension
# only when phpize is there, php-ext/php-ext.mk) is decided when a make reads
# the Makefiles, and on a fresh machine deps has only just installed php-dev.
demo: deps
	@$(MAKE) --no-print-directory all
	@bash tools/demo.sh
