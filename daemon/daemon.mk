# dbsyncd: the daemon. Built per variant in $(BUILD); release and debug
# builds are also copied to daemon/dbsyncd, where the docs point.
DAEMON_SRCS := $(wildcard daemon/*.cpp)
DAEMON_OBJS := $(DAEMON_SRCS:%.cpp=$(BUILD)/%.o)
DAEMON_BIN := $(BUILD)/dbsyncd

$(DAEMON_BIN): $(DAEMON_OBJS) $(COMMON_LIB)
	$(CXX) $(ALL_LDFLAGS) -o $@ $(DAEMON_OBJS) $(COMMON_LIB) $(HIREDIS_LIBS) $(SSL_LIBS) $(SYSTEMD_LIBS)

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
