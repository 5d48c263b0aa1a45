// Logging shared by dbsyncd and the client core.
//
// One line per event on stderr. Under systemd (JOURNAL_STREAM set) each line
// starts with the "<N>" syslog priority prefix that journald understands;
// otherwise with a timestamp and the level name, as operators read it in a
// terminal. DBSYNC_TRACE() lines exist only in DEBUG builds: they trace every
// request and reply and cost nothing in release builds.
#pragma once

#include <cstdarg>

namespace dbsync::log {

enum class Level { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

void setLevel(Level level);
Level level();
bool enabled(Level level);
// Parses "error", "warning", "notice", "info", "debug"; false if unknown.
bool parseLevel(const char *name, Level &out);
// Forces the journald prefix style on or off (tests); default: detect.
void setJournalStyle(bool on);

void write(Level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace dbsync::log

#define DBSYNC_LOG(lvl, ...)                                                     \
    do {                                                                         \
        if (::dbsync::log::enabled(::dbsync::log::Level::lvl))                   \
            ::dbsync::log::write(::dbsync::log::Level::lvl, __VA_ARGS__);        \
    } while (0)
#define LOG_ERROR(...) DBSYNC_LOG(Error, __VA_ARGS__)
#define LOG_WARN(...) DBSYNC_LOG(Warning, __VA_ARGS__)
#define LOG_NOTICE(...) DBSYNC_LOG(Notice, __VA_ARGS__)
#define LOG_INFO(...) DBSYNC_LOG(Info, __VA_ARGS__)
#define LOG_DEBUG(...) DBSYNC_LOG(Debug, __VA_ARGS__)

#ifdef DBSYNC_DEBUG
#define DBSYNC_TRACE(...) ::dbsync::log::write(::dbsync::log::Level::Debug, __VA_ARGS__)
#else
#define DBSYNC_TRACE(...) \
    do {                  \
    } while (0)
#endif
