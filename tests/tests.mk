# tests/ — unit tests (GoogleTest), fuzz targets (libFuzzer), end-to-end
# tests (pytest against real redis-server and dbsyncd processes).
#
#   make test             everything, release then sanitized; last line "N passed, N failed"
#   make test-unit        unit tests of the current variant (SANITIZE=1 / DEBUG=1 apply)
#   make test-fuzz        each fuzz target for FUZZ_TIME seconds (default 20)
#   make test-e2e         end-to-end tests against $(BUILD)/dbsyncd; E2E_ARGS="-k ack" narrows
#
# The logic (ordering, sanitizer options, counting) lives in tests/run_all.sh
# so that it can also be run by hand.

UNIT_TEST_SRCS := $(wildcard tests/unit/*.cpp)
UNIT_TEST_OBJS := $(UNIT_TEST_SRCS:%.cpp=$(BUILD)/%.o)
UNIT_TEST_BIN := $(BUILD)/tests/unit_tests

# The daemon's parts come from libdbsyncd.a (daemon/daemon.mk), the
# tests find their headers with -Idaemon.
$(UNIT_TEST_OBJS): CPPFLAGS += -Idaemon

$(UNIT_TEST_BIN): $(UNIT_TEST_OBJS) $(CHECK_LIB) $(DAEMON_LIB) $(CLIENT_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) -o $@ $(UNIT_TEST_OBJS) $(CHECK_LIB) $(DAEMON_LIB) $(CLIENT_LIB) $(COMMON_LIB) $(ALL_LDFLAGS) \
		$(DAEMON_LIB_LIBS) $(HIREDIS_LIBS) -lgtest -lgtest_main -pthread

# Fuzz targets are built with clang whatever the variant, into build/fuzz,
# from the common/ and client/ sources they exercise.
FUZZ_CXX ?= clang++
FUZZ_BUILD := build/fuzz
FUZZ_CXXFLAGS := -std=c++20 -O1 -g -fno-omit-frame-pointer -I. -Icommon \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_COMMON := common/request_framer.cpp common/command_tokenizer.cpp common/resp_writer.cpp \
	common/reply_framer.cpp client/reply_decoder.cpp
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.cpp,%,$(wildcard tests/fuzz/fuzz_*.cpp))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_TIME ?= 20

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.cpp $(FUZZ_COMMON) $(wildcard common/*.hpp client/*.hpp)
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -o $@ $< $(FUZZ_COMMON)

# fuzz_command_rewrite also takes the daemon's rewriter (and argEquals from command_policy).
FUZZ_REWRITE_SRCS := daemon/command_rewrite.cpp daemon/command_policy.cpp
$(FUZZ_BUILD)/fuzz_command_rewrite: tests/fuzz/fuzz_command_rewrite.cpp $(FUZZ_COMMON) $(FUZZ_REWRITE_SRCS) \
		$(wildcard common/*.hpp client/*.hpp daemon/*.hpp)
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -Idaemon -o $@ $< $(FUZZ_COMMON) $(FUZZ_REWRITE_SRCS)

# fuzz_database_replies also takes the daemon's command tables and leader effects.
FUZZ_REPLIES_SRCS := daemon/command_table_live.cpp daemon/command_table.cpp daemon/command_table_redis70.cpp \
	daemon/leader_effect.cpp daemon/command_policy.cpp
$(FUZZ_BUILD)/fuzz_database_replies: tests/fuzz/fuzz_database_replies.cpp $(FUZZ_COMMON) $(FUZZ_REPLIES_SRCS) \
		$(wildcard common/*.hpp client/*.hpp daemon/*.hpp)
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -Idaemon -o $@ $< $(FUZZ_COMMON) $(FUZZ_REPLIES_SRCS)

# fuzz_journal_record also opens a Journal on what it decodes: the journal's
# files, its log lines (common/log), and ISA-L's CRC-32.
FUZZ_JOURNAL_SRCS := $(wildcard daemon/journal*.cpp) common/log.cpp
$(FUZZ_BUILD)/fuzz_journal_record: tests/fuzz/fuzz_journal_record.cpp $(FUZZ_JOURNAL_SRCS) \
		$(wildcard common/*.hpp daemon/journal*.hpp)
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -Idaemon -o $@ $< $(FUZZ_JOURNAL_SRCS) -lisal -pthread

.PHONY: test test-unit test-fuzz test-e2e unit-tests fuzz-targets
unit-tests: $(UNIT_TEST_BIN)
fuzz-targets: $(FUZZ_BINS)

test:
	@MAKE="$(MAKE)" bash tests/run_all.sh

test-unit: $(UNIT_TEST_BIN)
	@MAKE="$(MAKE)" bash tests/run_all.sh --unit $(VARIANT)

test-fuzz: $(FUZZ_BINS)
	@FUZZ_TIME=$(FUZZ_TIME) MAKE="$(MAKE)" bash tests/run_all.sh --fuzz

test-e2e: $(BUILD)/dbsyncd
	@MAKE="$(MAKE)" DBSYNCD="$(BUILD)/dbsyncd" bash tests/run_all.sh --e2e $(VARIANT) $(E2E_ARGS)
