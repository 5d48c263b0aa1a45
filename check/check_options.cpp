#include "check_options.hpp"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <getopt.h>

#include "version.hpp"

namespace dbsync::check {
namespace {

const char kUsage[] =
    "Usage: dbsync-check -d DATABASES [options]\n"
    "       dbsync-check --from-dbsyncd HOST:PORT [-d DATABASES] [options]\n"
    "       dbsync-check --resync dbN --from-dbsyncd HOST:PORT [--source dbM]\n"
    "Compares the Redis databases behind dbsyncd key by key (the union of their\n"
    "keys, so a key missing anywhere is found) and optionally repairs them.\n"
    "Exit status: 0 identical (or every difference repaired), 1 divergent,\n"
    "2 could not check (bad arguments, a database unreachable or failing).\n"
    "\n"
    "Databases:\n"
    "  -d, --databases LIST     comma list, as dbsyncd's -d: redis:HOST:PORT,\n"
    "                           redis:[IPV6]:PORT, redis:unix:/path or\n"
    "                           redis://[user:password@]HOST:PORT[/DB] (repeatable)\n"
    "      --from-dbsyncd ADDR  take the list from a running dbsyncd (HOST:PORT or\n"
    "                           unix:/path) through DBSYNC INFO; that list holds\n"
    "                           no passwords: give such databases with\n"
    "                           -d redis://user:password@HOST:PORT[/DB] too, an\n"
    "                           entry with the same address replaces the listed one\n"
    "      --timeout MS         connect and reply timeout per database and for\n"
    "                           dbsyncd, TLS handshake included (default 5000)\n"
    "\n"
    "A dbsyncd started with --pubkey (TLS 1.3 only), as php.ini's dbsync.* keys:\n"
    "      --signkey FILE       private key (PEM) whose public key that dbsyncd\n"
    "                           trusts (dbsync.signkey); without it: plain text\n"
    "      --server-pubkey KEY  dbsyncd's key: a copy of its tls-server-pubkey.pem or\n"
    "                           the sha256:... it logs at start (dbsync.server_pubkey)\n"
    "      --no-server-verify   with --signkey and no --server-pubkey: accept any\n"
    "                           server (dbsync.server_verify = 0)\n"
    "\n"
    "What to compare:\n"
    "      --match PATTERN      only keys matching PATTERN (SCAN MATCH)\n"
    "      --type TYPE          only keys of TYPE (SCAN TYPE: string, list, hash, ...)\n"
    "      --skip-prefix P      skip keys starting with P: dbsyncd's own bookkeeping\n"
    "                           such as dbsync:applied:* (default dbsync:; '' none)\n"
    "      --ttl-tolerance MS   expiry times equal within MS (default 0)\n"
    "      --rounds N           checks of a differing key before it is reported, so\n"
    "                           a write in flight is not divergence (default 3)\n"
    "      --round-delay MS     pause between rounds (default 200)\n"
    "\n"
    "Load on the databases:\n"
    "      --count N            SCAN COUNT and keys per pipelined batch (default 1000)\n"
    "      --chunk N            elements per read when values are compared by\n"
    "                           content (HSCAN, SSCAN, ZRANGE, LRANGE, XRANGE)\n"
    "                           (default 1000)\n"
    "      --rate N             at most N keys compared per second (default 0: no cap)\n"
    "\n"
    "Repair:\n"
    "      --repair             write the majority's value (or --source's) to the\n"
    "                           others: RESTORE ... ABSTTL REPLACE, or DEL where the\n"
    "                           source has no key; each write is applied only if the\n"
    "                           target still holds what was compared (checked in a\n"
    "                           Lua script on the target), else the key is reported\n"
    "                           as changed and left alone\n"
    "      --source dbN         the database to copy from instead of the majority\n"
    "                           (db0 is the first database listed)\n"
    "      --dry-run            with --repair: show what would be written, write nothing\n"
    "\n"
    "Resync (needs --from-dbsyncd, whose journal keeps the writes meanwhile):\n"
    "      --resync dbN         bring a diverged database back while writes go on:\n"
    "                           it becomes a replica of a healthy one (REPLICAOF;\n"
    "                           --source dbM, or the first one up), is promoted once\n"
    "                           in sync, and dbsyncd catches it up from the journal\n"
    "      --resync-timeout S   seconds the copy and the catch-up may take (default\n"
    "                           3600)\n"
    "\n"
    "Output:\n"
    "      --json               one JSON document on stdout instead of lines\n"
    "  -q, --quiet              no progress line (it is shown only when stderr is a\n"
    "                           terminal anyway)\n"
    "  -h, --help               this help\n"
    "  -V, --version            version\n";

enum LongOnly {
    kFromDbsyncd = 1000,
    kTimeout,
    kMatch,
    kType,
    kSkipPrefix,
    kTtlTolerance,
    kRounds,
    kRoundDelay,
    kCount,
    kChunk,
    kRate,
    kRepair,
    kSource,
    kDryRun,
    kJson,
    kResync,
    kResyncTimeout,
    kSignkey,
    kServerPubkey,
    kNoServerVerify,
};

const struct option kLongOptions[] = {
    {"databases", required_argument, nullptr, 'd'},
    {"from-dbsyncd", required_argument, nullptr, kFromDbsyncd},
    {"timeout", required_argument, nullptr, kTimeout},
    {"signkey", required_argument, nullptr, kSignkey},
    {"server-pubkey", required_argument, nullptr, kServerPubkey},
    {"no-server-verify", no_argument, nullptr, kNoServerVerify},
    {"match", required_argument, nullptr, kMatch},
    {"type", required_argument, nullptr, kType},
    {"skip-prefix", required_argument, nullptr, kSkipPrefix},
    {"ttl-tolerance", required_argument, nullptr, kTtlTolerance},
    {"rounds", required_argument, nullptr, kRounds},
    {"round-delay", required_argument, nullptr, kRoundDelay},
    {"count", required_argument, nullptr, kCount},
    {"chunk", required_argument, nullptr, kChunk},
    {"rate", required_argument, nullptr, kRate},
    {"repair", no_argument, nullptr, kRepair},
    {"source", required_argument, nullptr, kSource},
    {"dry-run", no_argument, nullptr, kDryRun},
    {"resync", required_argument, nullptr, kResync},
    {"resync-timeout", required_argument, nullptr, kResyncTimeout},
    {"json", no_argument, nullptr, kJson},
    {"quiet", no_argument, nullptr, 'q'},
    {"help", no_argument, nullptr, 'h'},
    {"version", no_argument, nullptr, 'V'},
    {nullptr, 0, nullptr, 0},
};

std::string flagName(int code) {
    for (const auto &o : kLongOptions)
        if (o.name && o.val == code) return std::string("--") + o.name;
    return std::string("-") + static_cast<char>(code);
}

ParseResult usageError(const std::string &flag, const std::string &problem) {
    std::fprintf(stderr, "dbsync-check: %s: %s (see dbsync-check --help)\n", flag.c_str(), problem.c_str());
    return ParseResult::ExitUsage;
}

bool parseNumber(const char *text, uint64_t min, uint64_t max, uint64_t &out) {
    uint64_t v = 0;
    const char *end = text + std::strlen(text);
    auto [ptr, ec] = std::from_chars(text, end, v);
    if (ec != std::errc() || ptr != end || text == end || v < min || v > max) return false;
    out = v;
    return true;
}

// The TLS flags only apply to the connection to dbsyncd, and only together:
// a key without a way to authenticate the server would send nothing.
ParseResult checkTlsOptions(const CheckOptions &opts) {
    bool any = !opts.signkey.empty() || !opts.serverPubkey.empty() || !opts.serverVerify;
    if (!any) return ParseResult::Run;
    const char *first = !opts.signkey.empty() ? "--signkey" : !opts.serverPubkey.empty() ? "--server-pubkey"
                                                                                         : "--no-server-verify";
    if (opts.fromDbsyncd.empty())
        return usageError(first, "only means something with --from-dbsyncd (the databases are reached directly)");
    if (opts.signkey.empty())
        return usageError(first, "only means something with --signkey (the client's key for a dbsyncd with --pubkey)");
    if (!opts.serverPubkey.empty() && !opts.serverVerify)
        return usageError("--no-server-verify", "and --server-pubkey do not go together");
    if (opts.serverPubkey.empty() && opts.serverVerify)
        return usageError("--signkey", "needs --server-pubkey, dbsyncd's key (the sha256:... it logs at start, or a "
                                       "copy of its tls-server-pubkey.pem), to know who answers; "
                                       "--no-server-verify accepts any server");
    return ParseResult::Run;
}

}  // namespace

bool parseDbName(const std::string &text, int &index) {
    if (text.size() < 3 || text.compare(0, 2, "db") != 0) return false;
    uint64_t v = 0;
    if (!parseNumber(text.c_str() + 2, 0, 1000000, v)) return false;
    index = static_cast<int>(v);
    return true;
}

ParseResult parseCheckOptions(int argc, char **argv, CheckOptions &opts) {
    opterr = 0;
    optind = 1;
    int code;
    while ((code = getopt_long(argc, argv, ":d:qhV", kLongOptions, nullptr)) != -1) {
        const std::string flag = code == '?' || code == ':' ? "" : flagName(code);
        uint64_t n = 0;
        auto number = [&](uint64_t min, uint64_t max) {
            if (parseNumber(optarg, min, max, n)) return true;
            usageError(flag, "'" + std::string(optarg) + "' is not a whole number from " + std::to_string(min) +
                                 " to " + std::to_string(max));
            return false;
        };
        switch (code) {
        case 'd': {
            std::vector<std::string> items = splitList(optarg);
            if (items.empty()) return usageError("--databases", "the list is empty");
            for (const std::string &item : items) {
                DatabaseSpec spec;
                std::string error;
                if (!parseDatabase(item, spec, error)) return usageError("--databases", error);
                opts.databases.push_back(spec);
            }
            break;
        }
        case kFromDbsyncd: opts.fromDbsyncd = optarg; break;
        case kSignkey:
            opts.signkey = optarg;
            if (opts.signkey.empty()) return usageError(flag, "the file name is empty");
            break;
        case kServerPubkey:
            opts.serverPubkey = optarg;
            if (opts.serverPubkey.empty()) return usageError(flag, "the key is empty (a file or sha256:...)");
            break;
        case kNoServerVerify: opts.serverVerify = false; break;
        case kTimeout: if (!number(1, 3600000)) return ParseResult::ExitUsage; opts.timeoutMs = n; break;
        case kMatch: opts.match = optarg; break;
        case kType:
            opts.type = optarg;
            if (opts.type.empty()) return usageError(flag, "the type is empty");
            break;
        case kSkipPrefix: opts.skipPrefix = optarg; break;
        case kTtlTolerance: if (!number(0, 86400000ull * 365)) return ParseResult::ExitUsage; opts.ttlToleranceMs = n; break;
        case kRounds: if (!number(1, 100)) return ParseResult::ExitUsage; opts.rounds = static_cast<unsigned>(n); break;
        case kRoundDelay: if (!number(0, 600000)) return ParseResult::ExitUsage; opts.roundDelayMs = n; break;
        case kCount: if (!number(1, 100000)) return ParseResult::ExitUsage; opts.count = n; break;
        case kChunk: if (!number(1, 100000)) return ParseResult::ExitUsage; opts.chunk = n; break;
        case kRate: if (!number(0, 100000000)) return ParseResult::ExitUsage; opts.rate = n; break;
        case kRepair: opts.repair = true; break;
        case kSource:
            if (!parseDbName(optarg, opts.source))
                return usageError(flag, "'" + std::string(optarg) + "' is not a database name such as db0");
            break;
        case kDryRun: opts.dryRun = true; break;
        case kResync:
            if (!parseDbName(optarg, opts.resync))
                return usageError(flag, "'" + std::string(optarg) + "' is not a database name such as db1");
            break;
        case kResyncTimeout: if (!number(1, 86400 * 7)) return ParseResult::ExitUsage; opts.resyncTimeoutS = n; break;
        case kJson: opts.json = true; break;
        case 'q': opts.quiet = true; break;
        case 'h': std::fputs(kUsage, stdout); return ParseResult::ExitOk;
        case 'V': std::printf("dbsync-check %s\n", DBSYNC_VERSION_STRING); return ParseResult::ExitOk;
        case ':': return usageError(argv[optind - 1], "needs a value");
        default: return usageError(argv[optind - 1], "unknown option");
        }
    }
    if (optind < argc) return usageError(argv[optind], "unexpected argument (databases go after -d)");
    if (opts.databases.empty() && opts.fromDbsyncd.empty())
        return usageError("--databases", "no databases: give -d LIST or --from-dbsyncd HOST:PORT");
    if (opts.dryRun && !opts.repair) return usageError("--dry-run", "only means something with --repair");
    if (opts.source >= 0 && !opts.repair && opts.resync < 0)
        return usageError("--source", "only means something with --repair or --resync");
    if (ParseResult r = checkTlsOptions(opts); r != ParseResult::Run) return r;
    if (opts.resync >= 0) {
        if (opts.fromDbsyncd.empty()) return usageError("--resync", "needs --from-dbsyncd (the journal keeps the writes meanwhile)");
        if (opts.repair) return usageError("--resync", "and --repair do not go together");
        if (opts.source == opts.resync) return usageError("--source", "cannot be the database being resynced");
    }
    return ParseResult::Run;
}

}  // namespace dbsync::check
