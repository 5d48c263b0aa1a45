# dbsyncd: the daemon. Built per variant in $(BUILD); release and debug
# builds are also copied to daemon/dbsyncd, where the docs point.
# Everything but main.o also goes into libdbsyncd.a, which the unit tests
# link to test the daemon's parts (tests/tests.mk).
DAEMON_SRCS := $(wildcard daemon/*.cpp)
DAEMON_OBJS := $(DAEMON_SRCS:%.cpp=$(BUILD)/%.o)
DAEMON_MAIN_OBJ := $(BUILD)/daemon/main.o
DAEMON_LIB := $(BUILD)/libdbsyncd.a
# -lisal: ISA-L's CRC-32, the journal records' checksum (journal_record.hpp).
DAEMON_LIB_LIBS := $(SSL_LIBS) $(SYSTEMD_LIBS) -lisal
DAEMON_BIN := $(BUILD)/dbsyncd

$(DAEMON_LIB): $(filter-out $(DAEMON_MAIN_OBJ),$(DAEMON_OBJS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The client core's reply decoder reads the databases' COMMAND tables
# (command_table_live.hpp).
$(DAEMON_BIN): $(DAEMON_MAIN_OBJ) $(DAEMON_LIB) $(CLIENT_LIB) $(COMMON_LIB)
	$(CXX) $(ALL_LDFLAGS) -o $@ $(DAEMON_MAIN_OBJ) $(DAEMON_LIB) $(CLIENT_LIB) $(COMMON_LIB) $(DAEMON_LIB_LIBS)

ifeq ($(VARIANT),asan)
daemon: $(DAEMON_BIN)
else
# Compared on every run, not by date: after `make DEBUG=1`, a plain `make`
# must put the release binary back even though the debug one is newer.
# Copied then renamed, so a running dbsyncd does not make the copy fail.
daemon/dbsyncd: $(DAEMON_BIN) FORCE
	@cmp -s $< $@ || { cp $< $@.tmp && mv -f $@.tmp $@ && echo "daemon/dbsyncd: $(VARIANT) build"; }
daemon: daemon/dbsyncd
endif

.PHONY: daemon FORCE
FORCE:
all: daemon
