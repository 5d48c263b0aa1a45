#include "server_key.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <openssl/crypto.h>

namespace dbsync {
namespace {

std::string withErrno(const std::string &what, int err) { return what + ": " + std::strerror(err); }

bool ensureDirectory(const std::string &dir, std::string &error) {
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return true;
        error = "--state-dir " + dir + ": not a directory";
        return false;
    }
    if (errno != ENOENT) {
        error = withErrno("--state-dir " + dir, errno);
        return false;
    }
    // Only the last component: a missing parent is a typo more often than not.
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        error = withErrno("--state-dir " + dir + ": cannot create it", errno);
        return false;
    }
    return true;
}

bool writeAll(int fd, const std::string &data) {
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

// `data` in a new, fsync'd file named after `final` in the same directory
// (so that a rename or link puts it in place atomically). Mode `mode`.
bool writeTemporary(const std::string &final, const std::string &data, mode_t mode, std::string &tmpPath,
                    std::string &error) {
    std::string pattern = final + ".tmp.XXXXXX";
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    int fd = ::mkstemp(name.data());  // 0600, O_EXCL
    if (fd < 0) {
        error = withErrno(final + ": cannot write", errno);
        return false;
    }
    tmpPath = name.data();
    bool ok = (mode == 0600 || ::fchmod(fd, mode) == 0) && writeAll(fd, data) && ::fsync(fd) == 0;
    int err = errno;
    if (::close(fd) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        ::unlink(tmpPath.c_str());
        error = withErrno(final + ": cannot write", err);
        return false;
    }
    return true;
}

void syncDirectory(const std::string &dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    if (::fsync(fd) != 0) {
        // Best effort: the files themselves are already on disk.
    }
    ::close(fd);
}

// 1: a usable key file is there; 0: there is none; -1: there is one that
// must not be used (error says why).
int checkExisting(const std::string &path, std::string &error) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
        int err = errno;
        if (err == ENOENT && ::lstat(path.c_str(), &st) != 0) return 0;
        // A symbolic link to nothing: someone meant a key to be there.
        error = withErrno(path, err);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        error = path + ": not a regular file";
        return -1;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        error = path + ": the server's private key is open to other users (mode " + mode +
                "); make it readable by dbsyncd only (chmod 600)";
        return -1;
    }
    return 1;
}

// Makes a key and puts it at `path` unless a key got there first (another
// dbsyncd on the same directory): false with error, or true with `key` set
// (nullptr: someone else's key is there now; read it).
bool createKey(const std::string &path, tls::PKey &key, std::string &error) {
    tls::PKey fresh = tls::generateEcKey(error);
    if (!fresh) return false;
    std::string pem = tls::privateKeyPem(fresh.get(), error);
    if (pem.empty()) return false;
    std::string tmp;
    bool written = writeTemporary(path, pem, 0600, tmp, error);
    OPENSSL_cleanse(pem.data(), pem.size());
    if (!written) return false;
    // link() rather than rename(): it never replaces a key that exists.
    int rc = ::link(tmp.c_str(), path.c_str());
    int err = errno;
    ::unlink(tmp.c_str());
    if (rc != 0 && err != EEXIST) {
        error = withErrno(path + ": cannot create", err);
        return false;
    }
    if (rc == 0) key = std::move(fresh);
    return true;
}

bool sameContent(const std::string &path, const std::string &text) {
    FILE *f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    std::string have(text.size() + 1, '\0');
    size_t n = std::fread(have.data(), 1, have.size(), f);
    std::fclose(f);
    return n == text.size() && have.compare(0, n, text) == 0;
}

}  // namespace

bool loadOrCreateServerKey(const std::string &stateDir, ServerKey &out, std::string &error) {
    out = ServerKey{};
    if (stateDir.empty()) {
        error = "--state-dir is empty";
        return false;
    }
    if (!ensureDirectory(stateDir, error)) return false;
    std::string dir = stateDir.back() == '/' ? stateDir.substr(0, stateDir.size() - 1) : stateDir;
    out.keyPath = dir + "/" + kServerKeyFile;
    out.pubkeyPath = dir + "/" + kServerPubkeyFile;

    int existing = checkExisting(out.keyPath, error);
    if (existing < 0) return false;
    if (existing == 0) {
        if (!createKey(out.keyPath, out.key, error)) return false;
        if (out.key) {
            out.created = true;
            syncDirectory(dir);
        } else if (checkExisting(out.keyPath, error) != 1) {
            if (error.empty()) error = out.keyPath + ": removed while being created";
            return false;
        }
    }
    if (!out.key) {
        out.key = tls::loadPrivateKey(out.keyPath, error);
        if (!out.key) return false;
    }

    std::string pub = tls::publicKeyPem(out.key.get(), out.warning);
    if (pub.empty() || sameContent(out.pubkeyPath, pub)) return true;
    std::string tmp, why;
    if (!writeTemporary(out.pubkeyPath, pub, 0644, tmp, why)) {
        out.warning = why;
    } else if (::rename(tmp.c_str(), out.pubkeyPath.c_str()) != 0) {
        out.warning = withErrno(out.pubkeyPath + ": cannot write", errno);
        ::unlink(tmp.c_str());
    }
    return true;
}

}  // namespace dbsync
