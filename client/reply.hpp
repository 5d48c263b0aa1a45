// A parsed Redis reply, independent of PHP.
//
// The fan-out client hands replies to its callers (the PHP glue, the tests)
// in this form: reply_decoder.hpp builds it from the bytes that
// common/reply_framer.hpp framed.
#pragma once

#include <string>
#include <vector>

namespace dbsync {

struct Reply {
    enum class Type { Status, Error, String, Integer, Nil, Array };
    Type type = Type::Nil;
    std::string str;          // Status, Error, String
    long long integer = 0;    // Integer
    std::vector<Reply> elements;  // Array

    bool isError() const { return type == Type::Error; }
};

}  // namespace dbsync
