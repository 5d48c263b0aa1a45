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
daemon/dbsyncd: $(DAEMON_BIN)
	cp $< $@
daemon: daemon/dbsyncd
endif

.PHONY: daemon
all: daemon
