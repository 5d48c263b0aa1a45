#include "sha1_hex.hpp"

#include <stdexcept>

namespace dbsync::check {

Sha1::Sha1() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha1(), nullptr) != 1) throw std::runtime_error("SHA-1 unavailable");
}

Sha1::~Sha1() { EVP_MD_CTX_free(ctx_); }

void Sha1::add(std::string_view data) { EVP_DigestUpdate(ctx_, data.data(), data.size()); }

void Sha1::addField(std::string_view data) {
    std::string len = std::to_string(data.size()) + ":";
    add(len);
    add(data);
}

std::string Sha1::raw() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_, md, &n);
    return std::string(reinterpret_cast<char *>(md), n);
}

std::string Sha1::hex() {
    static const char digits[] = "0123456789abcdef";
    std::string bytes = raw(), out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

std::string sha1Hex(std::string_view data) {
    Sha1 h;
    h.add(data);
    return h.hex();
}

}  // namespace dbsync::check
