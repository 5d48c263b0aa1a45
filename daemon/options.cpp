#include "options.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <getopt.h>

#include "version.hpp"

namespace dbsync {
namespace {

const char kUsage[] =
    "Usage: dbsyncd [options]\n"
    "Keeps several Redis databases in step: every write received on the listen\n"
    "port is sent to every database, and the reply goes back per the ack policy;\n"
    "a read goes to one database (--read-from).\n"
    "\n"
    "Listening:\n"
    "  -b, --bind ADDR            listen address: IPv4, IPv6 (::1) or unix:/path\n"
    "                             (default 127.0.0.1)\n"
    "  -p, --port PORT            listen port (default 1111)\n"
    "  -s, --pubkey FILE[,FILE]   trusted client public key(s) in PEM; the port then\n"
    "                             speaks TLS 1.3 only (repeatable)\n"
    "      --tls-cert FILE        server certificate (PEM) with --pubkey; default: one\n"
    "                             made at start for dbsyncd's key in --state-dir\n"
    "      --tls-key FILE         private key of --tls-cert (PEM, no password)\n"
    "      --handshake-timeout MS time to complete the TLS handshake (default 5000)\n"
    "      --max-handshakes N     TLS handshakes in progress; more connections are\n"
    "                             refused with a TLS alert (default 1024)\n"
    "      --reject-log-rate N    rejected TLS handshakes logged per second; the rest\n"
    "                             are counted in one line (default 10)\n"
    "  -c, --close                close the client connection after each reply\n"
    "\n"
    "Databases:\n"
    "  -d, --databases LIST       comma list of redis:HOST:PORT, redis:[IPV6]:PORT,\n"
    "                             redis:unix:/path or redis://[user:password@]HOST:PORT[/DB]\n"
    "                             (default redis:127.0.0.1:6379)\n"
    "      --ack one|quorum|all   successes needed before replying (default one)\n"
    "      --read-from nearest|first|all  where reads go: the Ready database with\n"
    "                             the lowest recent latency, the first Ready one in\n"
    "                             -d order, or every database (default nearest)\n"
    "      --command-table databases|builtin  what tells reads from writes: each\n"
    "                             database's COMMAND, merged, or only the built-in\n"
    "                             Redis 7.0 table (default databases)\n"
    "      --db-timeout MS        reply timeout per database (default 2000)\n"
    "      --connect-timeout MS   connect timeout per database (default 1000)\n"
    "      --reconnect-max MS     longest wait between reconnect attempts (default 5000)\n"
    "      --db-max-pending N     commands owed per database, unwritten or awaiting\n"
    "                             a reply (default 10000)\n"
    "      --db-batch-wait MS     while a write to a database awaits its replies, new\n"
    "                             commands wait up to MS to leave together in the\n"
    "                             next write (default 1; 0: write every loop turn)\n"
    "      --db-max-reply-bytes N size of one database reply; a longer one closes\n"
    "                             that database's connection (default 0: no bound)\n"
    "      --divergence-log-rate N  writes the databases answered differently logged\n"
    "                             per second (command and first key); the rest are\n"
    "                             counted in one line (default 10)\n"
    "\n"
    "Journal (every write is journaled before it is answered; a database that\n"
    "misses writes gets them from it, in order, when it is back):\n"
    "      --journal-dir DIR      keep the journal in DIR (default: none, or\n"
    "                             $STATE_DIRECTORY/journal under systemd)\n"
    "      --no-journal           keep no journal, even under systemd\n"
    "      --journal-fsync always|everysec|no  when the journal is flushed to disk\n"
    "                             (default everysec)\n"
    "      --journal-max-bytes N  journal bytes a database may be behind; past it\n"
    "                             it is diverged (default 1073741824)\n"
    "      --journal-max-age S    seconds a database may be behind; past it it is\n"
    "                             diverged (default 3600)\n"
    "      --catchup-inflight N   replayed commands in flight to a database that\n"
    "                             is catching up (default 1000)\n"
    "\n"
    "Clients:\n"
    "      --max-clients N        connected clients (default 10000)\n"
    "      --max-request-bytes N  size of one request (default 67108864)\n"
    "      --max-request-args N   arguments in one request (default 2147483647)\n"
    "      --max-bulk-bytes N     size of one argument (default 536870912)\n"
    "      --max-inline-bytes N   length of one inline command line (default 65536)\n"
    "      --client-timeout MS    time to finish a half-received request (default 10000)\n"
    "      --client-max-output N  reply bytes a client may leave unread; one that stays\n"
    "                             over it without reading is closed (default 67108864)\n"
    "      --client-max-inflight N  pipelined requests in flight per client before\n"
    "                             reading pauses (default 1024)\n"
    "      --max-buffer-memory N  bytes buffered for all clients together; over it,\n"
    "                             the clients holding most are closed (default\n"
    "                             1073741824)\n"
    "\n"
    "Process:\n"
    "      --metrics ADDR:PORT    serve Prometheus metrics at http://ADDR:PORT/metrics\n"
    "                             (e.g. 127.0.0.1:9111, [::1]:9111; off by default)\n"
    "      --metrics-max-clients N  concurrent metrics connections (default 16)\n"
    "      --busy-poll US         before sleeping, keep polling for events up to US\n"
    "                             microseconds while they come that close together:\n"
    "                             lower latency for CPU (default 0: off)\n"
    "      --state-dir DIR        where dbsyncd keeps its state: its TLS server key\n"
    "                             (tls-server-key.pem, made once; with --pubkey and\n"
    "                             no --tls-cert) (default $STATE_DIRECTORY, which\n"
    "                             systemd sets, else /var/lib/dbsyncd)\n"
    "      --shutdown-timeout MS  on SIGTERM/SIGINT, how long requests in flight and\n"
    "                             commands owed to databases may take (default 5000)\n"
    "      --log-level LEVEL      error, warning, notice (default), info or debug\n"
    "  -v, --verbose              more logging (repeat for debug)\n"
    "  -h, --help                 this help\n"
    "  -V, --version              version\n"
    "\n"
    "Signals: SIGTERM/SIGINT stop accepting, answer requests in flight and wait\n"
    "until every database has taken what it is owed (up to --shutdown-timeout);\n"
    "exit 0, or 3 if some commands were given up (logged per database).\n"
    "SIGHUP reloads the --pubkey files and --tls-cert/--tls-key (or the key in\n"
    "--state-dir); new connections use them, open ones carry on; if a file is\n"
    "bad the previous keys stay in force.\n"
    "Send 'DBSYNC INFO' (e.g. with redis-cli) for statistics; see man dbsyncd.\n";

enum LongOnly {
    kAck = 1000,
    kDbTimeout,
    kConnectTimeout,
    kReconnectMax,
    kDbMaxPending,
    kDbBatchWait,
    kDbMaxReplyBytes,
    kMaxClients,
    kMaxRequestBytes,
    kMaxRequestArgs,
    kMaxBulkBytes,
    kMaxInlineBytes,
    kClientTimeout,
    kClientMaxOutput,
    kClientMaxInflight,
    kShutdownTimeout,
    kBusyPoll,
    kLogLevel,
    kTlsCert,
    kTlsKey,
    kHandshakeTimeout,
    kMetrics,
    kMetricsMaxClients,
    kStateDir,
    kMaxHandshakes,
    kRejectLogRate,
    kMaxBufferMemory,
    kReadFrom,
    kCommandTable,
    kJournalDir,
    kNoJournal,
    kJournalFsync,
    kJournalMaxBytes,
    kJournalMaxAge,
    kCatchupInflight,
    kDivergenceLogRate,
};

const struct option kLongOptions[] = {
    {"bind", required_argument, nullptr, 'b'},
    {"port", required_argument, nullptr, 'p'},
    {"pubkey", required_argument, nullptr, 's'},
    {"close", no_argument, nullptr, 'c'},
    {"databases", required_argument, nullptr, 'd'},
    {"ack", required_argument, nullptr, kAck},
    {"read-from", required_argument, nullptr, kReadFrom},
    {"command-table", required_argument, nullptr, kCommandTable},
    {"db-timeout", required_argument, nullptr, kDbTimeout},
    {"connect-timeout", required_argument, nullptr, kConnectTimeout},
    {"reconnect-max", required_argument, nullptr, kReconnectMax},
    {"db-max-pending", required_argument, nullptr, kDbMaxPending},
    {"db-batch-wait", required_argument, nullptr, kDbBatchWait},
    {"db-max-reply-bytes", required_argument, nullptr, kDbMaxReplyBytes},
    {"max-clients", required_argument, nullptr, kMaxClients},
    {"max-request-bytes", required_argument, nullptr, kMaxRequestBytes},
    {"max-request-args", required_argument, nullptr, kMaxRequestArgs},
    {"max-bulk-bytes", required_argument, nullptr, kMaxBulkBytes},
    {"max-inline-bytes", required_argument, nullptr, kMaxInlineBytes},
    {"client-timeout", required_argument, nullptr, kClientTimeout},
    {"client-max-output", required_argument, nullptr, kClientMaxOutput},
    {"client-max-inflight", required_argument, nullptr, kClientMaxInflight},
    {"busy-poll", required_argument, nullptr, kBusyPoll},
    {"shutdown-timeout", required_argument, nullptr, kShutdownTimeout},
    {"log-level", required_argument, nullptr, kLogLevel},
    {"tls-cert", required_argument, nullptr, kTlsCert},
    {"tls-key", required_argument, nullptr, kTlsKey},
    {"handshake-timeout", required_argument, nullptr, kHandshakeTimeout},
    {"metrics", required_argument, nullptr, kMetrics},
    {"metrics-max-clients", required_argument, nullptr, kMetricsMaxClients},
    {"state-dir", required_argument, nullptr, kStateDir},
    {"journal-dir", required_argument, nullptr, kJournalDir},
    {"no-journal", no_argument, nullptr, kNoJournal},
    {"journal-fsync", required_argument, nullptr, kJournalFsync},
    {"journal-max-bytes", required_argument, nullptr, kJournalMaxBytes},
    {"journal-max-age", required_argument, nullptr, kJournalMaxAge},
    {"catchup-inflight", required_argument, nullptr, kCatchupInflight},
    {"divergence-log-rate", required_argument, nullptr, kDivergenceLogRate},
    {"max-handshakes", required_argument, nullptr, kMaxHandshakes},
    {"reject-log-rate", required_argument, nullptr, kRejectLogRate},
    {"max-buffer-memory", required_argument, nullptr, kMaxBufferMemory},
    {"verbose", no_argument, nullptr, 'v'},
    {"help", no_argument, nullptr, 'h'},
    {"version", no_argument, nullptr, 'V'},
    {nullptr, 0, nullptr, 0},
};

// The flag as the user typed it, for error messages.
std::string flagName(int code) {
    for (const auto &o : kLongOptions) {
        if (o.name && o.val == code) return std::string("--") + o.name;
    }
    return std::string("-") + static_cast<char>(code);
}

ParseOutcome usageError(const std::string &flag, const std::string &problem) {
    std::fprintf(stderr, "dbsyncd: %s: %s (see dbsyncd --help)\n", flag.c_str(), problem.c_str());
    return ParseOutcome::ExitUsage;
}

template <typename T>
bool parseNumber(const char *text, T min, T max, T &out) {
    unsigned long long v = 0;
    const char *end = text + std::strlen(text);
    auto [ptr, ec] = std::from_chars(text, end, v);
    if (ec != std::errc() || ptr != end || text == end || v < min || v > max) return false;
    out = static_cast<T>(v);
    return true;
}

}  // namespace

bool parseDatabase(const std::string &text, DatabaseSpec &out, std::string &error) {
    out = DatabaseSpec{};
    std::string_view rest = text;
    if (rest.substr(0, 8) == "redis://") {
        rest.remove_prefix(8);
        size_t at = rest.rfind('@');
        if (at != std::string_view::npos) {
            std::string_view cred = rest.substr(0, at);
            rest.remove_prefix(at + 1);
            size_t colon = cred.find(':');
            if (colon == std::string_view::npos) {
                out.password = std::string(cred);  // redis://password@host, as redis-cli -u
            } else {
                out.user = std::string(cred.substr(0, colon));
                out.password = std::string(cred.substr(colon + 1));
            }
        }
        size_t slash = rest.find('/');
        if (slash != std::string_view::npos) {
            std::string_view db = rest.substr(slash + 1);
            rest = rest.substr(0, slash);
            if (!db.empty()) {
                int v = 0;
                auto [p, ec] = std::from_chars(db.data(), db.data() + db.size(), v);
                if (ec != std::errc() || p != db.data() + db.size() || v < 0) {
                    error = "database number must be a non-negative integer in '" + text + "'";
                    return false;
                }
                out.db = v;
            }
        }
    } else if (rest.substr(0, 6) == "redis:") {
        rest.remove_prefix(6);
    } else {
        // "mysql:host:port" or "memcached://..." name a database type we do not speak.
        size_t colon = rest.find(':');
        std::string_view scheme = colon == std::string_view::npos ? std::string_view() : rest.substr(0, colon);
        bool alpha = !scheme.empty();
        for (char ch : scheme) alpha = alpha && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'));
        if (alpha && scheme != "unix" && scheme != "localhost" &&
            (rest.find("://") == colon || rest.find(':', colon + 1) != std::string_view::npos)) {
            error = "unknown database type '" + std::string(scheme) + "' in '" + text + "' (only redis is supported)";
            return false;
        }
    }
    std::string addrError;
    if (!parseAddress(rest, out.address, addrError)) {
        error = "'" + text + "': " + addrError + " (expected redis:HOST:PORT or redis://[user:password@]HOST:PORT[/DB])";
        return false;
    }
    return true;
}

ParseOutcome parseOptions(int argc, char **argv, Options &opts) {
    opts.listen.host = "127.0.0.1";
    opts.listen.port = 1111;
    std::string bind = "127.0.0.1";
    bool portGiven = false;
    bool noJournal = false;
    std::vector<std::string> databases;

    opterr = 0;  // we print our own one-line errors
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":b:p:s:cd:vhV", kLongOptions, nullptr)) != -1) {
        const char *arg = optarg;
        switch (c) {
        case 'b': bind = arg; break;
        case 'p':
            if (!parsePort(arg, opts.listen.port)) return usageError("--port", "must be a number from 1 to 65535");
            portGiven = true;
            break;
        case 's':
            for (auto &k : splitList(arg)) opts.pubkeys.push_back(k);
            if (splitList(arg).empty()) return usageError("--pubkey", "the list is empty");
            break;
        case kTlsCert: opts.tlsCert = arg; break;
        case kTlsKey: opts.tlsKey = arg; break;
        case kHandshakeTimeout:
            if (!parseNumber<uint64_t>(arg, 1, 3600000, opts.handshakeTimeoutMs)) return usageError(flagName(c), "must be milliseconds from 1 to 3600000");
            break;
        case 'c': opts.closeAfterReply = true; break;
        case 'd':
            for (auto &d : splitList(arg)) databases.push_back(d);
            if (splitList(arg).empty()) return usageError("--databases", "the list is empty");
            break;
        case kAck:
            if (!parseAckPolicy(arg, opts.ack)) return usageError("--ack", std::string("'") + arg + "' is not one, quorum or all");
            break;
        case kReadFrom:
            if (std::strcmp(arg, "nearest") == 0) opts.readFrom = ReadFrom::Nearest;
            else if (std::strcmp(arg, "first") == 0) opts.readFrom = ReadFrom::First;
            else if (std::strcmp(arg, "all") == 0) opts.readFrom = ReadFrom::All;
            else return usageError("--read-from", std::string("'") + arg + "' is not nearest, first or all");
            break;
        case kCommandTable:
            if (std::strcmp(arg, "databases") == 0) opts.commandTableFromDatabases = true;
            else if (std::strcmp(arg, "builtin") == 0) opts.commandTableFromDatabases = false;
            else return usageError("--command-table", std::string("'") + arg + "' is not databases or builtin");
            break;
        case kDbTimeout:
            if (!parseNumber<uint64_t>(arg, 1, 3600000, opts.dbTimeoutMs)) return usageError(flagName(c), "must be milliseconds from 1 to 3600000");
            break;
        case kConnectTimeout:
            if (!parseNumber<uint64_t>(arg, 1, 3600000, opts.connectTimeoutMs)) return usageError(flagName(c), "must be milliseconds from 1 to 3600000");
            break;
        case kReconnectMax:
            if (!parseNumber<uint64_t>(arg, 10, 3600000, opts.reconnectMaxMs)) return usageError(flagName(c), "must be milliseconds from 10 to 3600000");
            break;
        case kDbMaxPending:
            if (!parseNumber<size_t>(arg, 1, 100000000, opts.dbMaxPending)) return usageError(flagName(c), "must be a number from 1 to 100000000");
            break;
        case kDbBatchWait:
            if (!parseNumber<uint64_t>(arg, 0, 1000, opts.dbBatchWaitMs)) return usageError(flagName(c), "must be milliseconds from 0 to 1000");
            break;
        case kDbMaxReplyBytes:
            if (!parseNumber<size_t>(arg, 0, size_t(1) << 40, opts.dbMaxReplyBytes))
                return usageError(flagName(c), "must be bytes from 0 (no bound) to 1099511627776");
            if (opts.dbMaxReplyBytes > 0 && opts.dbMaxReplyBytes < 64)
                return usageError(flagName(c), "must be 0 (no bound) or at least 64 bytes");
            break;
        case kBusyPoll:
            if (!parseNumber<uint64_t>(arg, 0, 1000, opts.busyPollUs)) return usageError(flagName(c), "must be microseconds from 0 to 1000");
            break;
        case kMaxClients:
            if (!parseNumber<size_t>(arg, 1, 10000000, opts.maxClients)) return usageError(flagName(c), "must be a number from 1 to 10000000");
            break;
        case kMaxRequestBytes:
            if (!parseNumber<size_t>(arg, 64, size_t(1) << 34, opts.maxRequestBytes)) return usageError(flagName(c), "must be bytes from 64 to 17179869184");
            break;
        case kMaxRequestArgs:
            if (!parseNumber<size_t>(arg, 1, 2147483647, opts.maxRequestArgs)) return usageError(flagName(c), "must be a number from 1 to 2147483647");
            break;
        case kMaxBulkBytes:
            if (!parseNumber<size_t>(arg, 1, size_t(1) << 34, opts.maxBulkBytes)) return usageError(flagName(c), "must be bytes from 1 to 17179869184");
            break;
        case kMaxInlineBytes:
            if (!parseNumber<size_t>(arg, 16, size_t(1) << 30, opts.maxInlineBytes)) return usageError(flagName(c), "must be bytes from 16 to 1073741824");
            break;
        case kClientTimeout:
            if (!parseNumber<uint64_t>(arg, 1, 86400000, opts.clientTimeoutMs)) return usageError(flagName(c), "must be milliseconds from 1 to 86400000");
            break;
        case kClientMaxOutput:
            if (!parseNumber<size_t>(arg, 1024, size_t(1) << 40, opts.clientMaxOutput)) return usageError(flagName(c), "must be bytes from 1024 upwards");
            break;
        case kClientMaxInflight:
            if (!parseNumber<size_t>(arg, 1, 10000000, opts.clientMaxInflight)) return usageError(flagName(c), "must be a number from 1 to 10000000");
            break;
        case kShutdownTimeout:
            if (!parseNumber<uint64_t>(arg, 0, 3600000, opts.shutdownTimeoutMs)) return usageError(flagName(c), "must be milliseconds from 0 to 3600000");
            break;
        case kLogLevel: {
            static const char *levels[] = {"error", "warning", "notice", "info", "debug"};
            bool known = false;
            for (const char *l : levels) known = known || std::strcmp(l, arg) == 0;
            if (!known) return usageError("--log-level", std::string("'") + arg + "' is not error, warning, notice, info or debug");
            opts.logLevel = arg;
            break;
        }
        case kMetrics: {
            std::string error;
            if (!parseAddress(arg, opts.metricsListen, error) || opts.metricsListen.kind != Address::Kind::Tcp)
                return usageError("--metrics", std::string("'") + arg + "' is not HOST:PORT (e.g. 127.0.0.1:9111)");
            opts.metrics = true;
            break;
        }
        case kMaxHandshakes:
            if (!parseNumber<size_t>(arg, 1, 1000000, opts.maxHandshakes)) return usageError(flagName(c), "must be a number from 1 to 1000000");
            break;
        case kRejectLogRate:
            if (!parseNumber<size_t>(arg, 1, 100000, opts.rejectLogRate)) return usageError(flagName(c), "must be lines per second from 1 to 100000");
            break;
        case kMaxBufferMemory:
            if (!parseNumber<size_t>(arg, size_t(1) << 20, size_t(1) << 44, opts.maxBufferMemory)) return usageError(flagName(c), "must be bytes from 1048576 to 17592186044416");
            break;
        case kMetricsMaxClients:
            if (!parseNumber<size_t>(arg, 1, 10000, opts.metricsMaxClients)) return usageError(flagName(c), "must be a number from 1 to 10000");
            break;
        case kStateDir:
            if (!*arg) return usageError("--state-dir", "the path is empty");
            opts.stateDir = arg;
            break;
        case kJournalDir:
            if (!*arg) return usageError("--journal-dir", "the path is empty");
            opts.journalDir = arg;
            break;
        case kNoJournal: noJournal = true; break;
        case kJournalFsync:
            if (std::strcmp(arg, "always") == 0) opts.journalFsync = JournalFsync::Always;
            else if (std::strcmp(arg, "everysec") == 0) opts.journalFsync = JournalFsync::Everysec;
            else if (std::strcmp(arg, "no") == 0) opts.journalFsync = JournalFsync::No;
            else return usageError("--journal-fsync", std::string("'") + arg + "' is not always, everysec or no");
            break;
        case kJournalMaxBytes:
            if (!parseNumber<uint64_t>(arg, 4096, uint64_t(1) << 50, opts.journalMaxBytes)) return usageError(flagName(c), "must be bytes from 4096 to 1125899906842624");
            break;
        case kJournalMaxAge:
            if (!parseNumber<uint64_t>(arg, 1, 31536000, opts.journalMaxAgeS)) return usageError(flagName(c), "must be seconds from 1 to 31536000");
            break;
        case kDivergenceLogRate:
            if (!parseNumber<size_t>(arg, 1, 100000, opts.divergenceLogRate)) return usageError(flagName(c), "must be lines per second from 1 to 100000");
            break;
        case kCatchupInflight:
            if (!parseNumber<size_t>(arg, 1, 1000000, opts.catchupInflight)) return usageError(flagName(c), "must be a number from 1 to 1000000");
            break;
        case 'v': opts.verbosity++; break;
        case 'h': std::fputs(kUsage, stdout); return ParseOutcome::ExitOk;
        case 'V': std::printf("dbsyncd %s\n", DBSYNC_VERSION); return ParseOutcome::ExitOk;
        case ':': {
            std::string flag = optopt ? flagName(optopt) : std::string(argv[optind - 1]);
            return usageError(flag, "needs a value");
        }
        default: {
            std::string flag = optopt ? std::string("-") + static_cast<char>(optopt) : std::string(argv[optind - 1]);
            return usageError(flag, "unknown option");
        }
        }
    }
    if (optind < argc) return usageError(argv[optind], "unexpected argument");
    if (opts.tlsCert.empty() != opts.tlsKey.empty())
        return usageError(opts.tlsCert.empty() ? "--tls-key" : "--tls-cert", "--tls-cert and --tls-key go together");
    if (!opts.tlsCert.empty() && opts.pubkeys.empty())
        return usageError("--tls-cert", "only with --pubkey (TLS here always authenticates clients by key)");

    // systemd's StateDirectory= sets it (a colon list when several are configured).
    const char *env = std::getenv("STATE_DIRECTORY");
    std::string systemdState = env ? std::string(env).substr(0, std::string(env).find(':')) : std::string();
    if (opts.stateDir.empty()) opts.stateDir = systemdState.empty() ? "/var/lib/dbsyncd" : systemdState;
    if (noJournal) {
        if (!opts.journalDir.empty()) return usageError("--no-journal", "contradicts --journal-dir");
    } else if (opts.journalDir.empty() && !systemdState.empty()) {
        // A service keeps a journal unless told not to; by hand, only when asked.
        opts.journalDir = systemdState + "/journal";
    }

    if (bind.substr(0, 5) == "unix:") {
        if (portGiven) return usageError("--port", "makes no sense with a unix:/path listen address");
        opts.listen.kind = Address::Kind::Unix;
        opts.listen.path = bind.substr(5);
        if (opts.listen.path.empty()) return usageError("--bind", "unix socket path is empty");
    } else {
        if (bind.size() > 2 && bind.front() == '[' && bind.back() == ']') bind = bind.substr(1, bind.size() - 2);
        if (bind.empty()) return usageError("--bind", "address is empty");
        opts.listen.host = bind;
    }

    if (databases.empty()) databases.push_back("redis:127.0.0.1:6379");
    for (const auto &d : databases) {
        DatabaseSpec spec;
        std::string error;
        if (!parseDatabase(d, spec, error)) return usageError("--databases", error);
        opts.databases.push_back(spec);
    }
    return ParseOutcome::Run;
}

}  // namespace dbsync
