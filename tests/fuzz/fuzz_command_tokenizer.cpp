// libFuzzer target for common/command_tokenizer.
//
// Checks: never crashes; on success no argument is longer than the line and
// the arguments joined by spaces, each quoted with \xHH escapes, tokenize
// back to the same arguments; on failure an error message is set.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "command_tokenizer.hpp"

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            std::fprintf(stderr, "invariant failed: %s (line %d)\n", #cond, __LINE__); \
            std::abort();                                                             \
        }                                                                             \
    } while (0)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view line(reinterpret_cast<const char *>(data), size);
    std::vector<std::string> args;
    std::string error;
    if (!dbsync::tokenizeCommand(line, args, error)) {
        CHECK(!error.empty());
        return 0;
    }
    size_t total = 0;
    for (const auto &a : args) total += a.size();
    CHECK(total <= size);

    static const char hex[] = "0123456789abcdef";
    std::string quoted;
    for (const auto &a : args) {
        quoted += "\"";
        for (unsigned char c : a) {
            quoted += "\\x";
            quoted += hex[c >> 4];
            quoted += hex[c & 15];
        }
        quoted += "\" ";
    }
    std::vector<std::string> again;
    CHECK(dbsync::tokenizeCommand(quoted, again, error));
    CHECK(again == args);
    return 0;
}
