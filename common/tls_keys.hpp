// Keys and certificates for dbsync's authentication (docs/operations.md, "Security").
//
// The key is the identity: a peer is trusted when the public key in its
// TLS certificate equals one of the configured public keys (or has one of
// the configured fingerprints). Certificates are only envelopes for keys
// here, so this file can make a self-signed one in memory from any key (the
// daemon's server certificate for its key in --state-dir, the PHP
// extension's client certificate).
//
// Accepted keys: RSA of 2048 bits or more, ECDSA on P-256 or P-384, Ed25519.
// Everything is OpenSSL 3; nothing here prompts for a password or touches a
// terminal. Errors come back as one line of text naming the file and the
// problem, ready for a log line or a PHP warning. No PHP types.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace dbsync::tls {

struct PKeyFree {
    void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); }
};
struct X509Free {
    void operator()(X509 *c) const { X509_free(c); }
};
using PKey = std::unique_ptr<EVP_PKEY, PKeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

// Takes the OpenSSL error queue (emptying it) as "reason; reason"; `fallback`
// when the queue is empty.
std::string opensslError(const char *fallback = "unknown OpenSSL error");

// True for the key types and sizes dbsync accepts; otherwise false and
// `error` says why ("RSA key of 1024 bits is too weak: at least 2048 ...").
bool checkKeyStrength(const EVP_PKEY *key, std::string &error);

// "RSA 2048 bits", "ECDSA P-256", "Ed25519" (for logs and messages).
std::string keyDescription(const EVP_PKEY *key);

// "sha256:" + hex SHA-256 of the DER SubjectPublicKeyInfo. The same digest as
//   openssl pkey -pubin -in public.pem -outform DER | openssl dgst -sha256
std::string keyFingerprint(const EVP_PKEY *key);

// Same public key (type and value)? The comparison behind key pinning.
bool sameKey(const EVP_PKEY *a, const EVP_PKEY *b);

// Reads every public key in a PEM file ("BEGIN PUBLIC KEY" or "BEGIN RSA
// PUBLIC KEY" blocks; one file may hold several) and checks each one's
// strength. A missing or unreadable file, a private key, a certificate, no
// key at all or a weak key fail with a message that names the file.
bool loadPublicKeys(const std::string &path, std::vector<PKey> &out, std::string &error);

// Reads a passwordless PEM private key (PKCS#8, or traditional RSA/EC) and
// checks its strength. An encrypted key fails (never prompts).
PKey loadPrivateKey(const std::string &path, std::string &error);

// Reads the first certificate of a PEM file.
Cert loadCertificate(const std::string &path, std::string &error);

// A fresh ECDSA P-256 key (the daemon's server key, made once in --state-dir).
PKey generateEcKey(std::string &error);

// PEM text of the private key (unencrypted PKCS#8) or of the public key
// ("BEGIN PUBLIC KEY"); empty and `error` on failure. The caller wipes the
// private key's text (OPENSSL_cleanse) once written.
std::string privateKeyPem(EVP_PKEY *key, std::string &error);
std::string publicKeyPem(EVP_PKEY *key, std::string &error);

// Parses a list of key fingerprints as keyFingerprint() writes them
// ("sha256:" and 64 hex digits; upper case and ':' between hex pairs, as
// other tools print them, are accepted), separated by commas or blanks.
// Each comes back in keyFingerprint()'s form. False and `error` for an
// empty list or an entry that is not such a fingerprint.
bool parseFingerprints(const std::string &text, std::vector<std::string> &out, std::string &error);

// True when `text` is meant as fingerprints rather than a file name.
bool looksLikeFingerprints(const std::string &text);

// A self-signed X.509 v3 certificate for `key`, valid from a day ago for
// `days` days, subject and issuer CN=`commonName`. Signed with SHA-256
// (Ed25519: its own scheme). Made in memory; nothing touches the disk.
Cert makeSelfSignedCert(EVP_PKEY *key, const std::string &commonName, int days, std::string &error);

// A set of trusted public keys (the daemon's --pubkey set, or the client's
// dbsync.server_pubkey): whole keys read from PEM files, and fingerprints.
class KeySet {
public:
    // Loads every file (each may hold several keys). All or nothing: on
    // failure the set is unchanged and `error` names the first bad file.
    bool loadFiles(const std::vector<std::string> &paths, std::string &error);
    void add(PKey key) { keys_.push_back(std::move(key)); }
    // `fingerprint` in keyFingerprint()'s form (see parseFingerprints()).
    void addFingerprint(std::string fingerprint) { fingerprints_.push_back(std::move(fingerprint)); }
    bool contains(const EVP_PKEY *key) const;
    size_t size() const { return keys_.size() + fingerprints_.size(); }
    bool empty() const { return size() == 0; }
    const std::vector<PKey> &keys() const { return keys_; }

private:
    std::vector<PKey> keys_;
    std::vector<std::string> fingerprints_;
};

}  // namespace dbsync::tls
