// Walks the arguments of a request RequestFramer has framed (a RESP array
// of bulk strings whose lengths and CRLFs it has checked), without copying:
// for the few places that look past the arguments the framer peeks at.
#pragma once

#include <charconv>
#include <string_view>

namespace dbsync {

// Calls fn(std::string_view) for each argument in order until fn returns false.
template <typename Fn>
void forEachArg(std::string_view resp, Fn fn) {
    size_t pos = resp.find("\r\n");
    while (pos != std::string_view::npos && pos + 2 < resp.size()) {
        pos += 2;  // at '$'
        size_t eol = resp.find("\r\n", pos);
        if (eol == std::string_view::npos) return;
        size_t len = 0;
        std::from_chars(resp.data() + pos + 1, resp.data() + eol, len);
        std::string_view arg = resp.substr(eol + 2, len);
        if (!fn(arg)) return;
        pos = eol + 2 + len;
    }
}

}  // namespace dbsync
