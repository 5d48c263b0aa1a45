// Tests for common/tls_keys and common/tls_context: key loading and
// strength rules, self-signed certificates, and a real TLS 1.3 handshake
// between a client and a server context over a socketpair, in-process.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "tls_context.hpp"
#include "tls_keys.hpp"

namespace tls = dbsync::tls;

namespace {

tls::PKey generate(const char *type, const char *param = nullptr) {
    EVP_PKEY *k = nullptr;
    if (std::string(type) == "RSA")
        k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(std::atoi(param)));
    else if (param)
        k = EVP_PKEY_Q_keygen(nullptr, nullptr, type, param);
    else
        k = EVP_PKEY_Q_keygen(nullptr, nullptr, type);
    return tls::PKey(k);
}

class TlsKeys : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/dbsync-tls-test-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override {
        std::string cmd = "rm -rf '" + dir_ + "'";
        ASSERT_EQ(std::system(cmd.c_str()), 0);
    }

    std::string writePublic(const std::string &name, EVP_PKEY *key) {
        std::string path = dir_ + "/" + name;
        FILE *f = std::fopen(path.c_str(), "w");
        EXPECT_NE(f, nullptr);
        EXPECT_EQ(PEM_write_PUBKEY(f, key), 1);
        std::fclose(f);
        return path;
    }
    std::string writePrivate(const std::string &name, EVP_PKEY *key) {
        std::string path = dir_ + "/" + name;
        FILE *f = std::fopen(path.c_str(), "w");
        EXPECT_NE(f, nullptr);
        EXPECT_EQ(PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
        std::fclose(f);
        return path;
    }
    std::string writeText(const std::string &name, const std::string &text) {
        std::string path = dir_ + "/" + name;
        FILE *f = std::fopen(path.c_str(), "w");
        std::fputs(text.c_str(), f);
        std::fclose(f);
        return path;
    }

    std::string dir_;
};

}  // namespace

TEST_F(TlsKeys, StrengthRules) {
    std::string error;
    EXPECT_TRUE(tls::checkKeyStrength(generate("RSA", "2048").get(), error)) << error;
    EXPECT_TRUE(tls::checkKeyStrength(generate("EC", "P-256").get(), error)) << error;
    EXPECT_TRUE(tls::checkKeyStrength(generate("EC", "P-384").get(), error)) << error;
    EXPECT_TRUE(tls::checkKeyStrength(generate("ED25519").get(), error)) << error;
    EXPECT_FALSE(tls::checkKeyStrength(generate("RSA", "1024").get(), error));
    EXPECT_NE(error.find("too weak"), std::string::npos) << error;
    EXPECT_FALSE(tls::checkKeyStrength(generate("EC", "secp256k1").get(), error));
    EXPECT_NE(error.find("not supported"), std::string::npos) << error;
    EXPECT_FALSE(tls::checkKeyStrength(generate("X25519").get(), error));
}

TEST_F(TlsKeys, DescriptionAndFingerprint) {
    auto ed = generate("ED25519");
    EXPECT_EQ(tls::keyDescription(ed.get()), "Ed25519");
    EXPECT_EQ(tls::keyDescription(generate("EC", "P-384").get()), "ECDSA P-384");
    EXPECT_EQ(tls::keyDescription(generate("RSA", "2048").get()), "RSA 2048 bits");
    std::string fp = tls::keyFingerprint(ed.get());
    EXPECT_EQ(fp.size(), 7u + 64u);
    EXPECT_EQ(fp.rfind("sha256:", 0), 0u);
    EXPECT_EQ(fp, tls::keyFingerprint(ed.get()));
    EXPECT_NE(fp, tls::keyFingerprint(generate("ED25519").get()));
}

TEST_F(TlsKeys, LoadPublicKeysAndRefuseEverythingElse) {
    auto a = generate("ED25519");
    auto b = generate("EC", "P-256");
    std::string pa = writePublic("a.pub", a.get());
    std::string pb = writePublic("b.pub", b.get());
    // Two keys in one file.
    std::FILE *f = std::fopen(pb.c_str(), "a");
    PEM_write_PUBKEY(f, a.get());
    std::fclose(f);

    std::vector<tls::PKey> keys;
    std::string error;
    ASSERT_TRUE(tls::loadPublicKeys(pa, keys, error)) << error;
    ASSERT_TRUE(tls::loadPublicKeys(pb, keys, error)) << error;
    ASSERT_EQ(keys.size(), 3u);
    EXPECT_TRUE(tls::sameKey(keys[0].get(), a.get()));
    EXPECT_TRUE(tls::sameKey(keys[1].get(), b.get()));
    EXPECT_FALSE(tls::sameKey(keys[0].get(), b.get()));

    auto expectFails = [&](const std::string &path, const char *words) {
        std::vector<tls::PKey> none;
        std::string err;
        EXPECT_FALSE(tls::loadPublicKeys(path, none, err)) << path;
        EXPECT_TRUE(none.empty());
        EXPECT_NE(err.find(path), std::string::npos) << err;
        EXPECT_NE(err.find(words), std::string::npos) << err;
    };
    expectFails(dir_ + "/missing.pub", "No such file");
    expectFails(writePrivate("priv.pem", a.get()), "private key");
    expectFails(writeText("junk.pub", "hello"), "no public key");
    expectFails(writePublic("weak.pub", generate("RSA", "1024").get()), "too weak");

    tls::KeySet set;
    ASSERT_TRUE(set.loadFiles({pa, pb}, error)) << error;
    EXPECT_EQ(set.size(), 3u);
    EXPECT_TRUE(set.contains(b.get()));
    EXPECT_FALSE(set.contains(generate("ED25519").get()));
    // All or nothing: a bad file leaves the set as it was.
    EXPECT_FALSE(set.loadFiles({pa, dir_ + "/missing.pub"}, error));
    EXPECT_EQ(set.size(), 3u);
}

TEST_F(TlsKeys, PrivateKeysAndSelfSignedCertificates) {
    std::string error;
    for (auto *spec : {"ED25519", "P-256", "RSA"}) {
        tls::PKey key = std::string(spec) == "ED25519" ? generate("ED25519")
                        : std::string(spec) == "RSA"   ? generate("RSA", "2048")
                                                       : generate("EC", "P-256");
        std::string path = writePrivate(std::string(spec) + ".pem", key.get());
        tls::PKey loaded = tls::loadPrivateKey(path, error);
        ASSERT_TRUE(loaded) << error;
        EXPECT_TRUE(tls::sameKey(loaded.get(), key.get()));
        tls::Cert cert = tls::makeSelfSignedCert(loaded.get(), "test", 30, error);
        ASSERT_TRUE(cert) << error;
        EXPECT_TRUE(tls::sameKey(X509_get0_pubkey(cert.get()), key.get()));
        EXPECT_EQ(X509_verify(cert.get(), key.get()), 1);
    }
    auto pub = generate("ED25519");
    EXPECT_FALSE(tls::loadPrivateKey(writePublic("p.pub", pub.get()), error));
    EXPECT_NE(error.find("public key"), std::string::npos) << error;
    EXPECT_FALSE(tls::loadPrivateKey(writeText("enc.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA\n"), error));
    EXPECT_NE(error.find("encrypted"), std::string::npos) << error;
}

namespace {

// Drives both ends of a handshake over a non-blocking socketpair.
struct Pair {
    int fds[2] = {-1, -1};
    SSL *client = nullptr;
    SSL *server = nullptr;
    Pair(const tls::Context &c, const tls::Context &s) {
        EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
        std::string error;
        client = c.newSsl(fds[0], error);
        server = s.newSsl(fds[1], error);
    }
    ~Pair() {
        SSL_free(client);
        SSL_free(server);
        close(fds[0]);
        if (fds[1] >= 0) close(fds[1]);
    }
    // Returns true when both sides completed and the server saw a request.
    bool run(std::string &serverFailure) {
        bool cDone = false, sDone = false;
        for (int i = 0; i < 200 && !(cDone && sDone); i++) {
            if (!cDone) {
                int r = SSL_do_handshake(client);
                if (r == 1) cDone = true;
                else if (int e = SSL_get_error(client, r); e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                    return sDone = false, serverFailure = "client: " + tls::failureText(client, r, e), false;
            }
            if (!sDone) {
                int r = SSL_do_handshake(server);
                if (r == 1) sDone = true;
                else if (int e = SSL_get_error(server, r); e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
                    serverFailure = tls::failureText(server, r, e);
                    return false;
                }
            }
        }
        if (!(cDone && sDone)) return false;
        size_t n = 0;
        if (SSL_write_ex(client, "PING", 4, &n) != 1) return false;
        char buf[16];
        for (int i = 0; i < 50; i++) {
            if (SSL_read_ex(server, buf, sizeof buf, &n) == 1) return n == 4;
        }
        return false;
    }
};

}  // namespace

TEST_F(TlsKeys, HandshakeAcceptsOnlyPinnedClientKeys) {
    auto trusted = generate("ED25519");
    auto trustedRsa = generate("RSA", "2048");
    auto foreign = generate("EC", "P-256");
    auto serverKey = generate("EC", "P-256");
    std::string error;
    tls::ServerConfig sc;
    sc.pubkeyFiles = {writePublic("t.pub", trusted.get()), writePublic("r.pub", trustedRsa.get())};
    sc.ownKey = serverKey.get();
    auto server = tls::makeServerContext(sc, error);
    ASSERT_TRUE(server) << error;
    EXPECT_EQ(server->pins().size(), 2u);
    EXPECT_EQ(server->ownKeyFingerprint(), tls::keyFingerprint(serverKey.get()));

    for (EVP_PKEY *key : {trusted.get(), trustedRsa.get()}) {
        tls::ClientConfig cc;
        cc.signkeyFile = writePrivate("client.pem", key);
        cc.serverPubkey = tls::keyFingerprint(serverKey.get());
        auto client = tls::makeClientContext(cc, error);
        ASSERT_TRUE(client) << error;
        Pair p(*client, *server);
        std::string failure;
        EXPECT_TRUE(p.run(failure)) << failure;
        std::string keyText;
        EXPECT_TRUE(tls::peerTrusted(p.server, *server, keyText));
        EXPECT_NE(keyText.find("sha256:"), std::string::npos);
        EXPECT_STREQ(SSL_get_version(p.server), "TLSv1.3");
    }

    tls::ClientConfig cc;
    cc.signkeyFile = writePrivate("foreign.pem", foreign.get());
    cc.verifyServer = false;
    auto client = tls::makeClientContext(cc, error);
    ASSERT_TRUE(client) << error;
    Pair p(*client, *server);
    std::string failure;
    EXPECT_FALSE(p.run(failure));
    EXPECT_NE(failure.find("is not a trusted key"), std::string::npos) << failure;
    EXPECT_NE(failure.find(tls::keyFingerprint(foreign.get())), std::string::npos) << failure;
}

TEST_F(TlsKeys, ClientChecksServerKeyWhenPinned) {
    auto clientKey = generate("ED25519");
    auto serverKey = generate("EC", "P-256");
    std::string error;
    tls::Cert serverCert = tls::makeSelfSignedCert(serverKey.get(), "dbsyncd", 30, error);
    ASSERT_TRUE(serverCert) << error;
    std::string certPath = dir_ + "/server.crt";
    FILE *f = std::fopen(certPath.c_str(), "w");
    PEM_write_X509(f, serverCert.get());
    std::fclose(f);

    tls::ServerConfig sc;
    sc.pubkeyFiles = {writePublic("c.pub", clientKey.get())};
    sc.certFile = certPath;
    sc.keyFile = writePrivate("server.key", serverKey.get());
    auto server = tls::makeServerContext(sc, error);
    ASSERT_TRUE(server) << error;

    tls::ClientConfig good;
    good.signkeyFile = writePrivate("client.pem", clientKey.get());
    good.serverPubkey = writePublic("server.pub", serverKey.get());
    auto client = tls::makeClientContext(good, error);
    ASSERT_TRUE(client) << error;
    {
        Pair p(*client, *server);
        std::string failure;
        EXPECT_TRUE(p.run(failure)) << failure;
    }

    tls::ClientConfig wrong = good;
    wrong.serverPubkey = writePublic("other.pub", generate("EC", "P-256").get());
    auto client2 = tls::makeClientContext(wrong, error);
    ASSERT_TRUE(client2) << error;
    Pair p(*client2, *server);
    std::string failure;
    EXPECT_FALSE(p.run(failure));
    EXPECT_NE(failure.find("server key"), std::string::npos) << failure;
}

TEST_F(TlsKeys, ClientPinsServerKeysByFingerprint) {
    auto clientKey = generate("ED25519");
    auto serverKey = generate("EC", "P-256");
    auto otherKey = generate("EC", "P-256");
    std::string error;
    tls::ServerConfig sc;
    sc.pubkeyFiles = {writePublic("c.pub", clientKey.get())};
    sc.ownKey = serverKey.get();
    sc.ownKeySource = "state/tls-server-key.pem";
    auto server = tls::makeServerContext(sc, error);
    ASSERT_TRUE(server) << error;
    EXPECT_NE(server->ownKeyText().find("from state/tls-server-key.pem"), std::string::npos) << server->ownKeyText();

    auto handshake = [&](const std::string &pins, std::string &failure) {
        tls::ClientConfig cc;
        cc.signkeyFile = writePrivate("client.pem", clientKey.get());
        cc.serverPubkey = pins;
        auto client = tls::makeClientContext(cc, error);
        EXPECT_TRUE(client) << error;
        if (!client) return false;
        Pair p(*client, *server);
        return p.run(failure);
    };
    std::string failure;
    std::string mine = tls::keyFingerprint(serverKey.get()), other = tls::keyFingerprint(otherKey.get());
    EXPECT_TRUE(handshake(mine, failure)) << failure;
    // Several servers: a list, in any of the accepted spellings.
    std::string upper = "SHA256:" + mine.substr(7);
    for (char &ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    EXPECT_TRUE(handshake(other + ", " + upper, failure)) << failure;
    EXPECT_FALSE(handshake(other, failure));
    EXPECT_NE(failure.find("server key"), std::string::npos) << failure;
    EXPECT_NE(failure.find(mine), std::string::npos) << failure;
}

TEST_F(TlsKeys, FingerprintLists) {
    std::vector<std::string> out;
    std::string error;
    std::string hex(64, 'a');
    ASSERT_TRUE(tls::parseFingerprints("sha256:" + hex + ",sha256:" + std::string(64, 'B'), out, error)) << error;
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[1], "sha256:" + std::string(64, 'b'));
    // "ab:cd:..." as some tools print digests.
    std::string paired = "sha256:", plain = "sha256:";
    for (int i = 0; i < 32; i++) {
        paired += (i ? ":" : "") + std::string("0F");
        plain += "0f";
    }
    out.clear();
    ASSERT_TRUE(tls::parseFingerprints(paired, out, error)) << error;
    EXPECT_EQ(out[0], plain);
    for (const std::string &bad : {"sha256:" + hex.substr(1), "sha256:" + hex + "a", "sha256:" + std::string(63, 'a') + "g",
                                  std::string("sha256:"), "md5:" + hex, std::string(" , ")}) {
        std::vector<std::string> none;
        EXPECT_FALSE(tls::parseFingerprints(bad, none, error)) << bad;
        EXPECT_TRUE(none.empty());
    }
    EXPECT_TRUE(tls::looksLikeFingerprints(" sha256:x"));
    EXPECT_FALSE(tls::looksLikeFingerprints("/etc/dbsync/server.pub"));
}

TEST_F(TlsKeys, ClientRefusesToLeaveTheServerUnchecked) {
    auto key = generate("ED25519");
    std::string error;
    tls::ClientConfig cc;
    cc.signkeyFile = writePrivate("client.pem", key.get());
    EXPECT_FALSE(tls::makeClientContext(cc, error));
    EXPECT_EQ(error, tls::kNoServerPin);
    cc.serverPubkey = "sha256:nothex";
    EXPECT_FALSE(tls::makeClientContext(cc, error));
    EXPECT_NE(error.find("sha256:nothex: 'sha256:nothex' is not a key fingerprint"), std::string::npos) << error;
    // Only when told so explicitly.
    cc.serverPubkey.clear();
    cc.verifyServer = false;
    auto client = tls::makeClientContext(cc, error);
    ASSERT_TRUE(client) << error;
    EXPECT_TRUE(client->pins().empty());
}

TEST_F(TlsKeys, ServerContextNeedsItsOwnKey) {
    std::string error;
    tls::ServerConfig sc;
    sc.pubkeyFiles = {writePublic("c.pub", generate("ED25519").get())};
    EXPECT_FALSE(tls::makeServerContext(sc, error));
    EXPECT_NE(error.find("no server key"), std::string::npos) << error;
    auto weak = generate("RSA", "1024");
    sc.ownKey = weak.get();
    sc.ownKeySource = "state/key.pem";
    EXPECT_FALSE(tls::makeServerContext(sc, error));
    EXPECT_NE(error.find("state/key.pem: RSA key of 1024 bits is too weak"), std::string::npos) << error;
}

TEST_F(TlsKeys, PemTextRoundTrips) {
    auto key = generate("EC", "P-256");
    std::string error;
    std::string priv = tls::privateKeyPem(key.get(), error);
    ASSERT_NE(priv.find("-----BEGIN PRIVATE KEY-----"), std::string::npos) << error;
    tls::PKey loaded = tls::loadPrivateKey(writeText("k.pem", priv), error);
    ASSERT_TRUE(loaded) << error;
    EXPECT_TRUE(tls::sameKey(loaded.get(), key.get()));
    std::string pub = tls::publicKeyPem(key.get(), error);
    EXPECT_EQ(pub.find("PRIVATE"), std::string::npos);
    std::vector<tls::PKey> keys;
    ASSERT_TRUE(tls::loadPublicKeys(writeText("k.pub", pub), keys, error)) << error;
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_TRUE(tls::sameKey(keys[0].get(), key.get()));
}

TEST_F(TlsKeys, ContextErrorsNameTheFile) {
    std::string error;
    tls::ServerConfig sc;
    sc.pubkeyFiles = {dir_ + "/none.pub"};
    EXPECT_FALSE(tls::makeServerContext(sc, error));
    EXPECT_NE(error.find("none.pub"), std::string::npos) << error;
    tls::ClientConfig cc;
    cc.signkeyFile = dir_ + "/none.pem";
    EXPECT_FALSE(tls::makeClientContext(cc, error));
    EXPECT_NE(error.find("none.pem"), std::string::npos) << error;
}

TEST_F(TlsKeys, WritingToAGonePeerFailsWithoutSigpipe) {
    // The PHP extension runs in processes that may not ignore SIGPIPE.
    auto key = generate("ED25519");
    std::string error;
    tls::ServerConfig sc;
    sc.pubkeyFiles = {writePublic("k.pub", key.get())};
    sc.ownKey = key.get();
    auto server = tls::makeServerContext(sc, error);
    ASSERT_TRUE(server) << error;
    tls::ClientConfig cc;
    cc.signkeyFile = writePrivate("k.pem", key.get());
    cc.serverPubkey = writePublic("k.pub", key.get());
    auto client = tls::makeClientContext(cc, error);
    ASSERT_TRUE(client) << error;
    Pair p(*client, *server);
    std::string failure;
    ASSERT_TRUE(p.run(failure)) << failure;
    void (*old)(int) = std::signal(SIGPIPE, SIG_DFL);
    close(p.fds[1]);
    p.fds[1] = -1;
    bool failed = false;
    std::string chunk(4096, 'x');
    for (int i = 0; i < 100 && !failed; i++) {
        size_t n = 0;
        failed = SSL_write_ex(p.client, chunk.data(), chunk.size(), &n) != 1;
    }
    std::signal(SIGPIPE, old);
    EXPECT_TRUE(failed);
    ERR_clear_error();
}
