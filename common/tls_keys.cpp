#include "tls_keys.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace dbsync::tls {
namespace {

// Key files are small; anything larger is not one.
constexpr long kMaxKeyFileBytes = 1 << 20;

struct BioFree {
    void operator()(BIO *b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

// Reads a whole (small) file; false with a message naming it otherwise.
bool readSmallFile(const std::string &path, std::string &out, std::string &error) {
    FILE *f = std::fopen(path.c_str(), "rb");
    if (!f) {
        error = path + ": " + std::strerror(errno);
        return false;
    }
    out.clear();
    char buf[8192];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        out.append(buf, n);
        if (out.size() > static_cast<size_t>(kMaxKeyFileBytes)) {
            std::fclose(f);
            error = path + ": too large to be a key file";
            return false;
        }
    }
    bool failed = std::ferror(f);
    int err = errno;
    std::fclose(f);
    if (failed) {
        error = path + ": " + std::strerror(err);
        return false;
    }
    return true;
}

// Never prompt: an encrypted key simply fails to load.
int noPassword(char *, int, int, void *) { return -1; }

bool isEdwards(const EVP_PKEY *key) {
    int id = EVP_PKEY_get_base_id(key);
    return id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448;
}

}  // namespace

std::string opensslError(const char *fallback) {
    std::string text;
    unsigned long code;
    while ((code = ERR_get_error()) != 0) {
        const char *reason = ERR_reason_error_string(code);
        std::string r = reason ? reason : ("error " + std::to_string(code));
        if (text.find(r) != std::string::npos) continue;
        if (!text.empty()) text += "; ";
        text += r;
    }
    return text.empty() ? fallback : text;
}

bool checkKeyStrength(const EVP_PKEY *key, std::string &error) {
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: {
        int bits = EVP_PKEY_get_bits(key);
        if (bits < 2048) {
            error = "RSA key of " + std::to_string(bits) + " bits is too weak (at least 2048 bits are required)";
            return false;
        }
        return true;
    }
    case EVP_PKEY_EC: {
        char group[64] = "";
        size_t len = 0;
        if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) != 1) {
            ERR_clear_error();
            error = "ECDSA key on an unnamed curve is not supported (use P-256 or P-384)";
            return false;
        }
        int nid = OBJ_sn2nid(group);
        if (nid == NID_undef) nid = OBJ_txt2nid(group);
        if (nid == NID_X9_62_prime256v1 || nid == NID_secp384r1) return true;
        error = std::string("ECDSA key on curve ") + group + " is not supported (use P-256 or P-384)";
        return false;
    }
    case EVP_PKEY_ED25519: return true;
    default: {
        const char *name = OBJ_nid2sn(EVP_PKEY_get_base_id(key));
        error = std::string("key type ") + (name && *name ? name : "unknown") +
                " is not supported (use RSA of at least 2048 bits, ECDSA P-256/P-384 or Ed25519)";
        return false;
    }
    }
}

std::string keyDescription(const EVP_PKEY *key) {
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: return "RSA " + std::to_string(EVP_PKEY_get_bits(key)) + " bits";
    case EVP_PKEY_EC: {
        char group[64] = "";
        size_t len = 0;
        if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) != 1) {
            ERR_clear_error();
            return "ECDSA";
        }
        int nid = OBJ_sn2nid(group);
        if (nid == NID_X9_62_prime256v1) return "ECDSA P-256";
        if (nid == NID_secp384r1) return "ECDSA P-384";
        return std::string("ECDSA ") + group;
    }
    case EVP_PKEY_ED25519: return "Ed25519";
    default: {
        const char *name = OBJ_nid2sn(EVP_PKEY_get_base_id(key));
        return name ? name : "unknown key type";
    }
    }
}

std::string keyFingerprint(const EVP_PKEY *key) {
    unsigned char *der = nullptr;
    int len = i2d_PUBKEY(key, &der);
    if (len <= 0) {
        ERR_clear_error();
        return "sha256:?";
    }
    unsigned char md[SHA256_DIGEST_LENGTH];
    unsigned int mdLen = 0;
    bool ok = EVP_Digest(der, static_cast<size_t>(len), md, &mdLen, EVP_sha256(), nullptr) == 1;
    OPENSSL_free(der);
    if (!ok) {
        ERR_clear_error();
        return "sha256:?";
    }
    static const char hex[] = "0123456789abcdef";
    std::string s = "sha256:";
    for (unsigned i = 0; i < mdLen; i++) {
        s += hex[md[i] >> 4];
        s += hex[md[i] & 15];
    }
    return s;
}

bool sameKey(const EVP_PKEY *a, const EVP_PKEY *b) {
    if (!a || !b) return false;
    int r = EVP_PKEY_eq(a, b);
    if (r < 0) ERR_clear_error();
    return r == 1;
}

bool loadPublicKeys(const std::string &path, std::vector<PKey> &out, std::string &error) {
    std::string text;
    if (!readSmallFile(path, text, error)) return false;
    Bio bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    if (!bio) {
        error = path + ": " + opensslError("out of memory");
        return false;
    }
    std::vector<PKey> found;
    for (;;) {
        char *name = nullptr, *header = nullptr;
        unsigned char *data = nullptr;
        long len = 0;
        if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
            ERR_clear_error();  // end of the file (or trailing junk after the last block)
            break;
        }
        std::string blockName = name;
        std::string problem;
        PKey key;
        const unsigned char *p = data;
        if (blockName == "PUBLIC KEY") {
            key.reset(d2i_PUBKEY(nullptr, &p, len));
        } else if (blockName == "RSA PUBLIC KEY") {
            key.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, len));
        } else if (blockName.find("PRIVATE KEY") != std::string::npos) {
            problem = "is a private key; give the public key (openssl pkey -in private.pem -pubout -out public.pem) "
                      "and keep the private key with the PHP application only";
        } else if (blockName == "CERTIFICATE" || blockName == "TRUSTED CERTIFICATE") {
            problem = "is a certificate, not a public key (extract it with: openssl x509 -in " + path +
                      " -pubkey -noout)";
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        if (!problem.empty()) {
            error = path + ": " + problem;
            return false;
        }
        if (blockName != "PUBLIC KEY" && blockName != "RSA PUBLIC KEY") continue;  // e.g. EC PARAMETERS
        if (!key) {
            error = path + ": damaged " + blockName + " block: " + opensslError("cannot decode the key");
            return false;
        }
        std::string weak;
        if (!checkKeyStrength(key.get(), weak)) {
            error = path + ": " + weak;
            return false;
        }
        found.push_back(std::move(key));
    }
    if (found.empty()) {
        error = path + ": no public key found (expected a PEM block '-----BEGIN PUBLIC KEY-----')";
        return false;
    }
    for (auto &k : found) out.push_back(std::move(k));
    return true;
}

PKey loadPrivateKey(const std::string &path, std::string &error) {
    std::string text;
    if (!readSmallFile(path, text, error)) return nullptr;
    if (text.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string::npos ||
        text.find("Proc-Type: 4,ENCRYPTED") != std::string::npos) {
        error = path + ": the private key is encrypted; dbsync needs a passwordless key "
                       "(openssl pkey -in " + path + " -out plain.pem)";
        return nullptr;
    }
    if (text.find("PRIVATE KEY-----") == std::string::npos) {
        if (text.find("PUBLIC KEY-----") != std::string::npos)
            error = path + ": is a public key; the private key is needed here";
        else
            error = path + ": no private key found (expected a PEM block '-----BEGIN PRIVATE KEY-----')";
        return nullptr;
    }
    Bio bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    PKey key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassword, nullptr) : nullptr);
    // Wipe our copy of the secret.
    OPENSSL_cleanse(text.data(), text.size());
    if (!key) {
        error = path + ": cannot read the private key: " + opensslError("not a PEM private key");
        return nullptr;
    }
    std::string weak;
    if (!checkKeyStrength(key.get(), weak)) {
        error = path + ": " + weak;
        return nullptr;
    }
    return key;
}

Cert loadCertificate(const std::string &path, std::string &error) {
    std::string text;
    if (!readSmallFile(path, text, error)) return nullptr;
    Bio bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    Cert cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, noPassword, nullptr) : nullptr);
    if (!cert) error = path + ": no PEM certificate: " + opensslError("cannot decode");
    return cert;
}

PKey generateEcKey(std::string &error) {
    PKey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!key) error = "cannot generate a P-256 key: " + opensslError();
    return key;
}

std::string privateKeyPem(EVP_PKEY *key, std::string &error) {
    // Secure-heap memory when OpenSSL has one; the copy is wiped below.
    Bio bio(BIO_new(BIO_s_secmem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        error = "cannot encode the private key: " + opensslError("out of memory");
        return {};
    }
    char *data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    std::string text(data, len > 0 ? static_cast<size_t>(len) : 0);
    if (len > 0) OPENSSL_cleanse(data, static_cast<size_t>(len));
    return text;
}

std::string publicKeyPem(EVP_PKEY *key, std::string &error) {
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) {
        error = "cannot encode the public key: " + opensslError("out of memory");
        return {};
    }
    char *data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, len > 0 ? static_cast<size_t>(len) : 0);
}

bool looksLikeFingerprints(const std::string &text) {
    size_t i = text.find_first_not_of(" \t");
    return i != std::string::npos && (text.compare(i, 7, "sha256:") == 0 || text.compare(i, 7, "SHA256:") == 0);
}

bool parseFingerprints(const std::string &text, std::vector<std::string> &out, std::string &error) {
    std::vector<std::string> found;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t start = text.find_first_not_of(", \t", pos);
        if (start == std::string::npos) break;
        size_t end = text.find_first_of(", \t", start);
        if (end == std::string::npos) end = text.size();
        std::string item = text.substr(start, end - start);
        pos = end;
        std::string digits;
        bool ok = item.size() > 7 && (item.compare(0, 7, "sha256:") == 0 || item.compare(0, 7, "SHA256:") == 0);
        for (size_t i = 7; ok && i < item.size(); i++) {
            char c = item[i];
            if (c == ':') continue;  // ab:cd:... as some tools print it
            if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
            ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
            digits += c;
        }
        if (!ok || digits.size() != 2 * SHA256_DIGEST_LENGTH) {
            error = "'" + item + "' is not a key fingerprint (expected sha256: and 64 hex digits, as dbsyncd logs it)";
            return false;
        }
        found.push_back("sha256:" + digits);
    }
    if (found.empty()) {
        error = "no key fingerprint given";
        return false;
    }
    for (auto &f : found) out.push_back(std::move(f));
    return true;
}

Cert makeSelfSignedCert(EVP_PKEY *key, const std::string &commonName, int days, std::string &error) {
    Cert cert(X509_new());
    if (!cert) {
        error = "cannot make a certificate: " + opensslError("out of memory");
        return nullptr;
    }
    X509 *x = cert.get();
    // A random positive 63-bit serial: self-signed certificates from the same
    // key must not look identical to a peer that caches them.
    unsigned char serial[8];
    if (RAND_bytes(serial, sizeof serial) != 1) {
        error = "cannot make a certificate serial: " + opensslError();
        return nullptr;
    }
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, nullptr);
    bool ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != nullptr;
    BN_free(bn);
    ok = ok && X509_set_version(x, 2) == 1;  // v3
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), -86400L) != nullptr;
    ok = ok && X509_gmtime_adj(X509_getm_notAfter(x), static_cast<long>(days) * 86400L) != nullptr;
    ok = ok && X509_set_pubkey(x, key) == 1;
    X509_NAME *name = X509_get_subject_name(x);
    ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                          reinterpret_cast<const unsigned char *>(commonName.c_str()), -1, -1, 0) == 1;
    ok = ok && X509_set_issuer_name(x, name) == 1;
    ok = ok && X509_sign(x, key, isEdwards(key) ? nullptr : EVP_sha256()) > 0;
    if (!ok) {
        error = "cannot make a self-signed certificate: " + opensslError();
        return nullptr;
    }
    return cert;
}

bool KeySet::loadFiles(const std::vector<std::string> &paths, std::string &error) {
    std::vector<PKey> loaded;
    for (const auto &path : paths) {
        if (!loadPublicKeys(path, loaded, error)) return false;
    }
    if (loaded.empty()) {
        error = "no public key files given";
        return false;
    }
    keys_ = std::move(loaded);
    return true;
}

bool KeySet::contains(const EVP_PKEY *key) const {
    if (!key) return false;
    for (const auto &k : keys_)
        if (sameKey(k.get(), key)) return true;
    if (fingerprints_.empty()) return false;
    std::string fingerprint = keyFingerprint(key);
    for (const auto &f : fingerprints_)
        if (f == fingerprint) return true;
    return false;
}

}  // namespace dbsync::tls
