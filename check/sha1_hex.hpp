// SHA-1 as lowercase hex, the form Lua's redis.sha1hex() gives inside Redis:
// a DUMP hash taken here can be checked by a script on the database.
#pragma once

#include <string>
#include <string_view>

#include <openssl/evp.h>

namespace dbsync::check {

std::string sha1Hex(std::string_view data);

// Incremental form, for values read in chunks.
class Sha1 {
public:
    Sha1();
    ~Sha1();
    Sha1(const Sha1 &) = delete;
    Sha1 &operator=(const Sha1 &) = delete;
    void add(std::string_view data);
    // Adds the length first, so ("ab","c") and ("a","bc") differ.
    void addField(std::string_view data);
    std::string hex();  // finishes; the object is spent afterwards
    std::string raw();  // finishes, 20 bytes

private:
    EVP_MD_CTX *ctx_;
};

}  // namespace dbsync::check
