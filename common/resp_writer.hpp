// Encodes commands and replies in RESP2, the protocol on both legs of dbsync.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dbsync::resp {

// Appends "*<n>\r\n$<len>\r\n<arg>\r\n..." for the given arguments.
void appendCommand(std::string &out, const std::vector<std::string_view> &args);
void appendCommand(std::string &out, const std::vector<std::string> &args);

void appendBulk(std::string &out, std::string_view value);
void appendArrayHeader(std::string &out, long long count);
void appendInteger(std::string &out, long long value);
void appendNil(std::string &out);
void appendStatus(std::string &out, std::string_view status);
// "-<message>\r\n"; CR and LF inside the message become spaces so the reply
// stays one line whatever a database or the OS put in it.
void appendError(std::string &out, std::string_view message);

}  // namespace dbsync::resp
