# dbsync-check: compares the databases behind dbsyncd and repairs them.
# Built per variant in $(BUILD); release and debug builds are also copied to
# check/dbsync-check, where the docs and the tests point. Everything but
# main.o also goes into libdbsync_check.a, which the unit tests link.
# It talks to the databases through hiredis' synchronous API (only the
# calls hiredis 0.14 and 1.x share), the one part of dbsync that uses hiredis.
# It takes dbsyncd's -d parser (parseDatabase in daemon/options.cpp) from
# libdbsyncd.a, so both accept exactly the same database syntax, and talks to
# dbsyncd itself (--from-dbsyncd) through the PHP extension's client core,
# libdbsync_client.a, which speaks TLS to a dbsyncd with --pubkey.
CHECK_SRCS := $(wildcard check/*.cpp)
CHECK_OBJS := $(CHECK_SRCS:%.cpp=$(BUILD)/%.o)
CHECK_MAIN_OBJ := $(BUILD)/check/main.o
CHECK_LIB := $(BUILD)/libdbsync_check.a
CHECK_BIN := $(BUILD)/dbsync-check

HIREDIS_CFLAGS := $(shell pkg-config --cflags hiredis 2>/dev/null)
HIREDIS_LIBS := $(shell pkg-config --libs hiredis 2>/dev/null || echo -lhiredis)

$(CHECK_OBJS): CPPFLAGS += -Idaemon $(HIREDIS_CFLAGS)

$(CHECK_LIB): $(filter-out $(CHECK_MAIN_OBJ),$(CHECK_OBJS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(CHECK_BIN): $(CHECK_MAIN_OBJ) $(CHECK_LIB) $(DAEMON_LIB) $(CLIENT_LIB) $(COMMON_LIB)
	$(CXX) $(ALL_LDFLAGS) -o $@ $(CHECK_MAIN_OBJ) $(CHECK_LIB) $(DAEMON_LIB) $(CLIENT_LIB) $(COMMON_LIB) \
		$(DAEMON_LIB_LIBS) $(HIREDIS_LIBS)

ifeq ($(VARIANT),asan)
check-tool: $(CHECK_BIN)
else
check/dbsync-check: $(CHECK_BIN) FORCE
	@cmp -s $< $@ || { cp $< $@.tmp && mv -f $@.tmp $@ && echo "check/dbsync-check: $(VARIANT) build"; }
check-tool: check/dbsync-check
endif

# The e2e tests run the tool of the variant they test.
test-e2e: $(CHECK_BIN)

.PHONY: check-tool clean-check
all: check-tool
clean: clean-check
clean-check:
	rm -f check/dbsync-check
