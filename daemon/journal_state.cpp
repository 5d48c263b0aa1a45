#include "journal_state.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sstream>
#include <sys/random.h>
#include <unistd.h>
#include <vector>

namespace dbsync {
namespace {

bool validInstance(const std::string &s) {
    if (s.size() != 16) return false;
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

bool validName(const std::string &s) {
    if (s.empty()) return false;
    for (unsigned char c : s) {
        if (c <= ' ' || c == 0x7f) return false;
    }
    return true;
}

bool parseU64(const std::string &s, uint64_t &out) {
    if (s.empty() || s.size() > 20) return false;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        const uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    out = v;
    return true;
}

std::vector<std::string> words(const std::string &line) {
    std::vector<std::string> out;
    std::istringstream in(line);
    std::string w;
    while (in >> w) out.push_back(w);
    return out;
}

bool writeAll(int fd, const std::string &s) {
    size_t done = 0;
    while (done < s.size()) {
        ssize_t r = ::write(fd, s.data() + done, s.size() - done);
        if (r < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        done += static_cast<size_t>(r);
    }
    return true;
}

}  // namespace

std::string newJournalInstance() {
    unsigned char bytes[8];
    size_t got = 0;
    while (got < sizeof bytes) {
        ssize_t r = ::getrandom(bytes + got, sizeof bytes - got, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            return "";
        }
        got += static_cast<size_t>(r);
    }
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

bool loadJournalState(const std::string &dir, JournalState &st, std::string &error) {
    const std::string path = dir + "/state";
    st = JournalState{};
    std::string text;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            st.instance = newJournalInstance();
            if (st.instance.empty()) {
                error = "cannot make an instance id: getrandom failed";
                return false;
            }
            return true;
        }
        error = "cannot read " + path + ": " + std::strerror(errno);
        return false;
    }
    char chunk[4096];
    for (;;) {
        ssize_t r = ::read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            error = "cannot read " + path + ": " + std::strerror(errno);
            ::close(fd);
            return false;
        }
        if (r == 0) break;
        text.append(chunk, static_cast<size_t>(r));
    }
    ::close(fd);
    std::istringstream in(text);
    std::string line;
    size_t lineNo = 0;
    bool haveInstance = false, haveHead = false;
    auto bad = [&](const std::string &why) {
        error = path + ":" + std::to_string(lineNo) + ": " + why;
        return false;
    };
    while (std::getline(in, line)) {
        lineNo++;
        std::vector<std::string> w = words(line);
        if (w.empty()) continue;
        if (w[0] == "instance") {
            if (w.size() != 2 || !validInstance(w[1])) return bad("expected \"instance <16 hex digits>\"");
            if (haveInstance) return bad("instance given twice");
            st.instance = w[1];
            haveInstance = true;
        } else if (w[0] == "head") {
            if (w.size() != 2 || !parseU64(w[1], st.head)) return bad("expected \"head <seq>\"");
            if (haveHead) return bad("head given twice");
            haveHead = true;
        } else if (w[0] == "database") {
            JournalState::Database db;
            uint64_t diverged = 0;
            if ((w.size() != 6 && w.size() != 8) || w[2] != "applied" || !parseU64(w[3], db.applied) ||
                w[4] != "diverged" || !parseU64(w[5], diverged) || diverged > 1 ||
                (w.size() == 8 && (w[6] != "marker" || !parseU64(w[7], db.divergedMarker)))) {
                return bad("expected \"database <name> applied <seq> diverged <0|1> [marker <seq>]\"");
            }
            db.diverged = diverged == 1;
            if (!st.databases.emplace(w[1], db).second) return bad("database " + w[1] + " given twice");
        } else if (w[0] == "retired") {
            if (w.size() != 2 || !parseU64(w[1], st.retired)) return bad("expected \"retired <seq>\"");
        } else if (w[0] == "ahead") {
            if (w.size() != 2 || !parseU64(w[1], st.ahead)) return bad("expected \"ahead <seq>\"");
        } else if (w[0] == "run") {
            std::pair<uint64_t, uint64_t> run;
            if (w.size() != 3 || !parseU64(w[1], run.first) || !parseU64(w[2], run.second) || run.second < run.first)
                return bad("expected \"run <head> <base>\"");
            st.runs.push_back(run);
        } else {
            return bad("unknown item \"" + w[0] + "\"");
        }
    }
    if (!haveInstance) {
        lineNo++;
        return bad("no instance line");
    }
    return true;
}

bool saveJournalState(const std::string &dir, const JournalState &st, std::string &error) {
    if (!validInstance(st.instance)) {
        error = "journal state: instance \"" + st.instance + "\" is not 16 lowercase hex digits";
        return false;
    }
    std::string text = "instance " + st.instance + "\nhead " + std::to_string(st.head) + "\n";
    for (const auto &[name, db] : st.databases) {
        if (!validName(name)) {
            error = "journal state: database name \"" + name + "\" is empty or has whitespace";
            return false;
        }
        text += "database " + name + " applied " + std::to_string(db.applied) + " diverged " +
                (db.diverged ? "1" : "0") + " marker " + std::to_string(db.divergedMarker) + "\n";
    }
    text += "retired " + std::to_string(st.retired) + "\n";
    if (st.ahead) text += "ahead " + std::to_string(st.ahead) + "\n";
    for (const auto &run : st.runs) text += "run " + std::to_string(run.first) + " " + std::to_string(run.second) + "\n";
    const std::string path = dir + "/state", tmp = dir + "/state.tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = "cannot create " + tmp + ": " + std::strerror(errno);
        return false;
    }
    if (!writeAll(fd, text) || ::fsync(fd) != 0) {
        error = "cannot write " + tmp + ": " + std::strerror(errno);
        ::close(fd);
        ::unlink(tmp.c_str());
        return false;
    }
    if (::close(fd) != 0) {
        error = "cannot write " + tmp + ": " + std::strerror(errno);
        ::unlink(tmp.c_str());
        return false;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        error = "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno);
        ::unlink(tmp.c_str());
        return false;
    }
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || ::fsync(dfd) != 0) {
        error = "cannot sync directory " + dir + ": " + std::strerror(errno);
        if (dfd >= 0) ::close(dfd);
        return false;
    }
    ::close(dfd);
    return true;
}

}  // namespace dbsync
