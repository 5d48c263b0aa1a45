#include "command_tokenizer.hpp"

namespace dbsync {
namespace {

bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

bool tokenizeCommand(std::string_view line, std::vector<std::string> &args, std::string &error) {
    args.clear();
    size_t i = 0;
    const size_t n = line.size();
    while (true) {
        while (i < n && isBlank(line[i])) i++;
        if (i >= n) return true;
        std::string current;
        bool inDouble = false, inSingle = false, done = false;
        while (!done) {
            if (inDouble) {
                if (i >= n) {
                    error = "unbalanced double quotes";
                    return false;
                }
                char c = line[i];
                if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && hexValue(line[i + 2]) >= 0 &&
                    hexValue(line[i + 3]) >= 0) {
                    current.push_back(static_cast<char>(hexValue(line[i + 2]) * 16 + hexValue(line[i + 3])));
                    i += 3;
                } else if (c == '\\' && i + 1 < n) {
                    i++;
                    switch (line[i]) {
                    case 'n': current.push_back('\n'); break;
                    case 'r': current.push_back('\r'); break;
                    case 't': current.push_back('\t'); break;
                    case 'b': current.push_back('\b'); break;
                    case 'a': current.push_back('\a'); break;
                    default: current.push_back(line[i]); break;
                    }
                } else if (c == '"') {
                    // A closing quote must end the argument: "foo"bar is an error.
                    if (i + 1 < n && !isBlank(line[i + 1])) {
                        error = "closing quote must be followed by a space";
                        return false;
                    }
                    done = true;
                } else {
                    current.push_back(c);
                }
            } else if (inSingle) {
                if (i >= n) {
                    error = "unbalanced single quotes";
                    return false;
                }
                char c = line[i];
                if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
                    i++;
                    current.push_back('\'');
                } else if (c == '\'') {
                    if (i + 1 < n && !isBlank(line[i + 1])) {
                        error = "closing quote must be followed by a space";
                        return false;
                    }
                    done = true;
                } else {
                    current.push_back(c);
                }
            } else {
                if (i >= n) break;
                char c = line[i];
                if (isBlank(c)) {
                    done = true;
                } else if (c == '"') {
                    inDouble = true;
                } else if (c == '\'') {
                    inSingle = true;
                } else {
                    current.push_back(c);
                }
            }
            if (i < n) i++;
        }
        args.push_back(std::move(current));
    }
}

}  // namespace dbsync
