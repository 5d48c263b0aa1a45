#include "resp_writer.hpp"

#include <charconv>

namespace dbsync::resp {
namespace {

void appendPrefixed(std::string &out, char prefix, long long value) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    (void)ec;
    out.push_back(prefix);
    out.append(buf, end);
    out.append("\r\n", 2);
}

void appendLine(std::string &out, char prefix, std::string_view text) {
    out.push_back(prefix);
    for (char c : text) out.push_back(c == '\r' || c == '\n' ? ' ' : c);
    out.append("\r\n", 2);
}

template <typename Args>
void appendArgs(std::string &out, const Args &args) {
    appendPrefixed(out, '*', static_cast<long long>(args.size()));
    for (const auto &a : args) appendBulk(out, a);
}

}  // namespace

void appendCommand(std::string &out, const std::vector<std::string_view> &args) { appendArgs(out, args); }
void appendCommand(std::string &out, const std::vector<std::string> &args) { appendArgs(out, args); }

void appendBulk(std::string &out, std::string_view value) {
    appendPrefixed(out, '$', static_cast<long long>(value.size()));
    out.append(value);
    out.append("\r\n", 2);
}

void appendArrayHeader(std::string &out, long long count) { appendPrefixed(out, '*', count); }
void appendInteger(std::string &out, long long value) { appendPrefixed(out, ':', value); }
void appendNil(std::string &out) { out.append("$-1\r\n", 5); }
void appendStatus(std::string &out, std::string_view status) { appendLine(out, '+', status); }
void appendError(std::string &out, std::string_view message) { appendLine(out, '-', message); }

}  // namespace dbsync::resp
