// systemd's readiness protocol: "READY=1", "STATUS=...", "STOPPING=1" sent
// as datagrams to the socket named by $NOTIFY_SOCKET (Type=notify units).
//
// With libsystemd found at build time (HAVE_LIBSYSTEMD) this is sd_notify();
// otherwise the same datagram protocol is spoken directly. Either way, with
// no NOTIFY_SOCKET in the environment every call is a cheap no-op, so the
// daemon runs the same by hand, under systemd, or under a test.
#pragma once

#include <string>

namespace dbsync::sdnotify {

// True when the process was started with a notification socket.
bool enabled();

// Sends one message of newline-separated KEY=VALUE assignments, e.g.
// "READY=1\nSTATUS=3/3 databases up". Returns false if nothing was sent
// (no socket, or the send failed; the daemon carries on either way).
bool send(const std::string &message);

// The datagram protocol without libsystemd, whatever the build: used by
// send() in builds without libsystemd, and by tests of that path.
bool sendDirect(const char *socketName, const std::string &message);

}  // namespace dbsync::sdnotify
