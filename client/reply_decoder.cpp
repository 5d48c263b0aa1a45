#include "client/reply_decoder.hpp"

#include <charconv>
#include <vector>

namespace dbsync {
namespace {

// Reads the line that starts after the type byte at `pos`; false when no
// CRLF ends it inside `bytes`.
bool readLine(std::string_view bytes, size_t &pos, std::string_view &line) {
    size_t cr = bytes.find("\r\n", pos + 1);
    if (cr == std::string_view::npos) return false;
    line = bytes.substr(pos + 1, cr - pos - 1);
    pos = cr + 2;
    return true;
}

bool toNumber(std::string_view text, long long &value) {
    const char *end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    return ec == std::errc() && ptr == end && !text.empty();
}

// An array whose elements are being filled in; `elements` was sized once
// when the header was read, so pointers into it stay valid.
struct OpenArray {
    Reply *array;
    size_t filled;
};

}  // namespace

bool decodeReply(std::string_view bytes, Reply &out, std::string &error, size_t maxDepth) {
    out = Reply{};
    std::vector<OpenArray> open;
    Reply *slot = &out;
    size_t pos = 0;
    auto malformed = [&](const char *what) {
        error = std::string("malformed reply: ") + what + " at offset " + std::to_string(pos);
        out = Reply{};
        return false;
    };

    for (;;) {
        if (pos >= bytes.size()) return malformed("reply ends early");
        const char type = bytes[pos];
        if (std::string_view("+-:$*").find(type) == std::string_view::npos) return malformed("unknown reply type");
        std::string_view line;
        long long n = 0;
        if (!readLine(bytes, pos, line)) return malformed("line without CRLF");
        switch (type) {
        case '+':
            slot->type = Reply::Type::Status;
            slot->str.assign(line);
            break;
        case '-':
            slot->type = Reply::Type::Error;
            slot->str.assign(line);
            break;
        case ':':
            if (!toNumber(line, n)) return malformed("bad integer");
            slot->type = Reply::Type::Integer;
            slot->integer = n;
            break;
        case '$':
            if (!toNumber(line, n) || n < -1) return malformed("bad bulk string length");
            if (n == -1) {
                slot->type = Reply::Type::Nil;
                break;
            }
            if (static_cast<unsigned long long>(n) > bytes.size() - pos ||
                bytes.size() - pos - static_cast<size_t>(n) < 2 ||
                bytes.substr(pos + static_cast<size_t>(n), 2) != "\r\n")
                return malformed("bulk string not followed by CRLF");
            slot->type = Reply::Type::String;
            slot->str.assign(bytes.substr(pos, static_cast<size_t>(n)));
            pos += static_cast<size_t>(n) + 2;
            break;
        case '*':
            if (!toNumber(line, n) || n < -1) return malformed("bad array length");
            if (n == -1) {
                slot->type = Reply::Type::Nil;
                break;
            }
            slot->type = Reply::Type::Array;
            if (n == 0) break;
            // Every element takes 3 bytes or more ("+\r\n"): a count the
            // bytes cannot hold is refused before anything is allocated.
            if (static_cast<unsigned long long>(n) > (bytes.size() - pos) / 3)
                return malformed("array longer than the reply");
            if (open.size() >= maxDepth) {
                error = "reply nests deeper than " + std::to_string(maxDepth) + " levels";
                out = Reply{};
                return false;
            }
            slot->elements.resize(static_cast<size_t>(n));
            open.push_back({slot, 0});
            break;
        }

        // The next slot to fill: the next element of the innermost array
        // that still has room, closing the full ones on the way out.
        while (!open.empty() && open.back().filled == open.back().array->elements.size()) open.pop_back();
        if (open.empty()) break;
        slot = &open.back().array->elements[open.back().filled++];
    }
    if (pos != bytes.size()) return malformed("bytes after the reply");
    error.clear();
    return true;
}

}  // namespace dbsync
