#include "resync_run.hpp"

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <unistd.h>

#include "db_link.hpp"

namespace dbsync::check {
namespace {

constexpr auto kPoll = std::chrono::milliseconds(100);

using Clock = std::chrono::steady_clock;

struct Failure {
    std::string what;
};

// "field:value" from an INFO reply, "" when absent.
std::string infoField(std::string_view info, const std::string &field) {
    size_t at = 0;
    while ((at = info.find(field + ":", at)) != std::string_view::npos) {
        if (at == 0 || info[at - 1] == '\n') {
            size_t start = at + field.size() + 1;
            size_t end = info.find_first_of("\r\n", start);
            return std::string(info.substr(start, end == std::string_view::npos ? end : end - start));
        }
        at += field.size();
    }
    return "";
}

// A field of DBSYNC INFO's dbN line ("state" -> "up").
std::string dbField(std::string_view info, int n, const std::string &field) {
    std::string line = infoField(info, "db" + std::to_string(n));
    size_t at = line.find("," + field + "=");
    if (at == std::string::npos) return "";
    size_t start = at + field.size() + 2;
    // last_error is the last field and may hold commas.
    return field == "last_error" ? line.substr(start) : line.substr(start, line.find(',', start) - start);
}

std::string dbState(std::string_view info, int n) { return dbField(info, n, "state"); }

std::string ok(DbLink &link, const std::vector<std::string_view> &args) {
    Reply r = link.command(args);
    if (isError(r.get())) throw Failure{link.where() + ": " + std::string(args[0]) + " failed: " + std::string(replyText(r.get()))};
    return std::string(replyText(r.get()));
}

std::string ok(DbsyncdLink &link, const std::vector<std::string_view> &args) {
    dbsync::Reply r = link.command(args);
    if (r.isError()) throw Failure{link.where() + ": " + std::string(args[0]) + " failed: " + r.str};
    return r.str;
}

std::string dbsyncInfo(DbsyncdLink &daemon) { return ok(daemon, {"DBSYNC", "INFO"}); }

void progress(bool tty, const std::string &line) {
    if (tty) std::fprintf(stderr, "\r%-78s", line.c_str());
}

}  // namespace

int resyncDatabase(const CheckOptions &opts, DbsyncdLink &daemon) {
    bool tty = !opts.quiet && isatty(STDERR_FILENO);
    auto fail = [](const std::string &what) {
        std::fprintf(stderr, "dbsync-check: --resync: %s\n", what.c_str());
        return 2;
    };
    std::string error;
    int n = static_cast<int>(opts.databases.size());
    int target = opts.resync;
    if (target >= n) return fail("there is no db" + std::to_string(target));
    std::string info;
    try {
        info = dbsyncInfo(daemon);
    } catch (const Failure &f) {
        return fail(f.what);
    }
    std::string state = dbState(info, target);
    if (state != "diverged")
        return fail("db" + std::to_string(target) + " is " + (state.empty() ? "unknown" : state) +
                    ", not diverged: nothing to resync");
    int source = opts.source;
    for (int i = 0; source < 0 && i < n; i++)
        if (i != target && dbState(info, i) == "up") source = i;
    if (source < 0 || source >= n) return fail("no database is up to copy from");
    if (dbState(info, source) != "up") return fail("--source db" + std::to_string(source) + " is not up");
    const DatabaseSpec &from = opts.databases[source], &to = opts.databases[target];
    if (from.address.kind != Address::Kind::Tcp)
        return fail("db" + std::to_string(source) + " is on a unix socket; REPLICAOF needs HOST:PORT");
    if (from.db != to.db)
        return fail("db" + std::to_string(source) + " and db" + std::to_string(target) +
                    " use different database numbers; replication copies them as they are");

    auto started = Clock::now();
    auto deadline = started + std::chrono::seconds(opts.resyncTimeoutS);
    std::printf("resync db%d (%s) from db%d (%s)\n", target, to.display().c_str(), source, from.display().c_str());
    std::string label = "db" + std::to_string(target);
    try {
        ok(daemon, {"DBSYNC", "RESYNC", label, "BEGIN"});
    } catch (const Failure &f) {
        return fail(f.what);
    }
    bool replicating = false;
    std::unique_ptr<DbLink> replica;
    std::string oldAuth, oldUser;
    try {
        replica = std::make_unique<DbLink>(label, to, opts.timeoutMs);
        DbLink primary("db" + std::to_string(source), from, opts.timeoutMs);
        if (!from.password.empty()) {
            // The replica authenticates to the source as dbsyncd does.
            Reply a = replica->command({"CONFIG", "GET", "masterauth"});
            if (a->type == REDIS_REPLY_ARRAY && a->elements == 2) oldAuth = replyText(a->element[1]);
            Reply u = replica->command({"CONFIG", "GET", "masteruser"});
            if (u->type == REDIS_REPLY_ARRAY && u->elements == 2) oldUser = replyText(u->element[1]);
            ok(*replica, {"CONFIG", "SET", "masterauth", from.password});
            if (!from.user.empty()) ok(*replica, {"CONFIG", "SET", "masteruser", from.user});
        }
        std::string port = std::to_string(from.address.port);
        ok(*replica, {"REPLICAOF", from.address.host, port});
        replicating = true;
        // In sync: the link is up and the first full copy is loaded.
        for (;;) {
            std::string r = ok(*replica, {"INFO", "replication"});
            if (infoField(r, "master_link_status") == "up" && infoField(r, "master_sync_in_progress") == "0") break;
            if (Clock::now() > deadline) throw Failure{"not in sync within --resync-timeout"};
            progress(tty, "copying: link " + infoField(r, "master_link_status"));
            std::this_thread::sleep_for(kPoll);
        }
        // And it has everything the source had by now.
        std::string offset = infoField(ok(primary, {"INFO", "replication"}), "master_repl_offset");
        for (;;) {
            std::string r = ok(*replica, {"INFO", "replication"});
            if (std::stoull("0" + infoField(r, "slave_repl_offset")) >= std::stoull("0" + offset)) break;
            if (Clock::now() > deadline) throw Failure{"replica not at the source's offset within --resync-timeout"};
            std::this_thread::sleep_for(kPoll);
        }
        ok(*replica, {"REPLICAOF", "NO", "ONE"});
        replicating = false;
        if (!from.password.empty()) {
            ok(*replica, {"CONFIG", "SET", "masterauth", oldAuth});
            if (!from.user.empty()) ok(*replica, {"CONFIG", "SET", "masteruser", oldUser});
        }
        ok(daemon, {"DBSYNC", "RESYNC", label, "END"});
        // dbsyncd reconnects, reads the marker, replays the journal.
        for (;;) {
            std::string i = dbsyncInfo(daemon);
            std::string s = dbState(i, target);
            if (s == "up") {
                std::printf("db%d is up: copied from db%d and caught up from the journal (%s records replayed) in "
                            "%.1f s\n",
                            target, source, dbField(i, target, "replayed").c_str(),
                            std::chrono::duration<double>(Clock::now() - started).count());
                if (tty) std::fputc('\n', stderr);
                return 0;
            }
            if (s == "diverged")
                return fail("db" + std::to_string(target) + " is diverged again (see dbsyncd's log): " +
                            dbField(i, target, "last_error"));
            if (Clock::now() > deadline) return fail("db" + std::to_string(target) + " did not catch up within --resync-timeout");
            progress(tty, "catching up: " + dbField(i, target, "behind_entries") + " records behind");
            std::this_thread::sleep_for(kPoll);
        }
    } catch (const std::exception &e) {
        error = e.what();
    } catch (const Failure &f) {
        error = f.what;
    }
    // Back to a primary, and to diverged: nothing half-done stays.
    if (replica && replicating) {
        try {
            replica->command({"REPLICAOF", "NO", "ONE"});
        } catch (const std::exception &) {
        }
    }
    try {
        daemon.command({"DBSYNC", "RESYNC", label, "ABORT"});
    } catch (const std::exception &) {
    }
    return fail(error + "; db" + std::to_string(target) + " stays diverged");
}

}  // namespace dbsync::check
