#include "log.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sys/time.h>

namespace dbsync::log {
namespace {

#ifdef DBSYNC_DEBUG
Level g_level = Level::Debug;
#else
Level g_level = Level::Notice;
#endif
int g_journal = -1;  // -1: detect from the environment on first use

const char *levelName(Level l) {
    switch (l) {
    case Level::Error: return "error";
    case Level::Warning: return "warning";
    case Level::Notice: return "notice";
    case Level::Info: return "info";
    case Level::Debug: return "debug";
    }
    return "?";
}

}  // namespace

void setLevel(Level level) { g_level = level; }
Level level() { return g_level; }
bool enabled(Level level) { return static_cast<int>(level) <= static_cast<int>(g_level); }
void setJournalStyle(bool on) { g_journal = on ? 1 : 0; }

bool parseLevel(const char *name, Level &out) {
    static const Level all[] = {Level::Error, Level::Warning, Level::Notice, Level::Info,
                                Level::Debug};
    for (Level l : all) {
        if (std::strcmp(name, levelName(l)) == 0) {
            out = l;
            return true;
        }
    }
    return false;
}

void write(Level level, const char *fmt, ...) {
    if (g_journal < 0) g_journal = std::getenv("JOURNAL_STREAM") != nullptr ? 1 : 0;
    char line[2048];
    int n;
    if (g_journal) {
        // journald adds its own timestamp; the prefix carries the priority.
        n = std::snprintf(line, sizeof line, "<%d>", static_cast<int>(level));
    } else {
        struct timeval tv;
        gettimeofday(&tv, nullptr);
        struct tm tm;
        localtime_r(&tv.tv_sec, &tm);
        char ts[32];
        std::strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
        n = std::snprintf(line, sizeof line, "%s.%03d %s: ", ts, static_cast<int>(tv.tv_usec / 1000),
                          levelName(level));
    }
    va_list ap;
    va_start(ap, fmt);
    int m = std::vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
    va_end(ap);
    size_t len = static_cast<size_t>(n) + (m < 0 ? 0 : static_cast<size_t>(m));
    if (len > sizeof line - 2) len = sizeof line - 2;
    line[len++] = '\n';
    // One write() per line keeps lines whole when several processes share stderr.
    fwrite(line, 1, len, stderr);
    fflush(stderr);
}

}  // namespace dbsync::log
