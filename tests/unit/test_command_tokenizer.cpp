// Tests for common/command_tokenizer: redis-cli style argument splitting.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "command_tokenizer.hpp"

using dbsync::tokenizeCommand;
using Args = std::vector<std::string>;

namespace {

Args split(std::string_view line) {
    Args args{"stale"};
    std::string error;
    EXPECT_TRUE(tokenizeCommand(line, args, error)) << "line: " << line << " error: " << error;
    return args;
}

std::string splitError(std::string_view line) {
    Args args;
    std::string error;
    EXPECT_FALSE(tokenizeCommand(line, args, error)) << "line: " << line;
    return error;
}

}  // namespace

TEST(CommandTokenizer, PlainWords) {
    EXPECT_EQ(split("SET key value"), (Args{"SET", "key", "value"}));
    EXPECT_EQ(split("PING"), (Args{"PING"}));
}

TEST(CommandTokenizer, BlanksSeparateAndAreTrimmed) {
    EXPECT_EQ(split("  SET\t\tkey \r\n value\v\f "), (Args{"SET", "key", "value"}));
}

TEST(CommandTokenizer, EmptyAndBlankLinesGiveNoArguments) {
    EXPECT_TRUE(split("").empty());
    EXPECT_TRUE(split("   \t  \r\n").empty());
}

TEST(CommandTokenizer, DoubleQuotes) {
    EXPECT_EQ(split("SET \"my key\" \"a b  c\""), (Args{"SET", "my key", "a b  c"}));
    EXPECT_EQ(split("SET k \"\""), (Args{"SET", "k", ""}));
}

TEST(CommandTokenizer, DoubleQuoteEscapes) {
    EXPECT_EQ(split(R"(X "\n\r\t\b\a\"\\\q")"), (Args{"X", std::string("\n\r\t\b\a\"\\q")}));
}

TEST(CommandTokenizer, HexEscapes) {
    EXPECT_EQ(split(R"(X "\x41\x62\x00\xfF")"), (Args{"X", std::string("Ab\0\xff", 4)}));
    // Not a valid hex escape: the backslash escapes the 'x' only.
    EXPECT_EQ(split(R"(X "\xZZ")"), (Args{"X", "xZZ"}));
    EXPECT_EQ(split(R"(X "\x4")"), (Args{"X", "x4"}));
}

TEST(CommandTokenizer, SingleQuotesAreLiteral) {
    EXPECT_EQ(split(R"(SET k 'a "b" \n')"), (Args{"SET", "k", R"(a "b" \n)"}));
    EXPECT_EQ(split(R"(SET k 'it\'s')"), (Args{"SET", "k", "it's"}));
    EXPECT_EQ(split("SET k ''"), (Args{"SET", "k", ""}));
}

TEST(CommandTokenizer, QuoteInsideWordStartsQuoting) {
    // As redis-cli: a quote in the middle of a word opens a quoted part.
    EXPECT_EQ(split("SET a\"b c\""), (Args{"SET", "ab c"}));
}

TEST(CommandTokenizer, UnbalancedQuotes) {
    EXPECT_NE(splitError("SET \"abc").find("quote"), std::string::npos);
    EXPECT_NE(splitError("SET 'abc").find("quote"), std::string::npos);
    EXPECT_NE(splitError("SET \"abc\\\"").find("quote"), std::string::npos);
    EXPECT_NE(splitError("SET \"abc\\").find("quote"), std::string::npos);
    EXPECT_NE(splitError("SET 'abc\\'").find("quote"), std::string::npos);
}

TEST(CommandTokenizer, ClosingQuoteMustEndTheArgument) {
    EXPECT_FALSE(splitError("SET \"a\"b").empty());
    EXPECT_FALSE(splitError("SET 'a'b").empty());
    // ...but may end the line or be followed by any blank.
    EXPECT_EQ(split("SET \"a\"\t'b'\n"), (Args{"SET", "a", "b"}));
}

TEST(CommandTokenizer, BinaryBytesPassThrough) {
    std::string line("SET k v\0w\x80", 10);
    EXPECT_EQ(split(line), (Args{"SET", "k", std::string("v\0w\x80", 4)}));
}

TEST(CommandTokenizer, ManyArguments) {
    std::string line;
    Args expected;
    for (int i = 0; i < 5000; i++) {
        line += "a" + std::to_string(i) + " ";
        expected.push_back("a" + std::to_string(i));
    }
    EXPECT_EQ(split(line), expected);
}
