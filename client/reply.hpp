// A parsed Redis reply, independent of hiredis and of PHP.
//
// The fan-out client hands replies to its callers (the PHP glue, tests, the
// benchmark tool) in this form so that none of them depends on hiredis'
// redisReply layout, which differs between hiredis 0.14 and 1.x.
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
