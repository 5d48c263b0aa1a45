// Tests for common/log: level names, filtering and the two line styles.
#include <gtest/gtest.h>

#include <string>

#include "log.hpp"

using dbsync::log::Level;

namespace {

// Restores the global log settings after each test.
class Log : public ::testing::Test {
protected:
    void SetUp() override { saved_ = dbsync::log::level(); }
    void TearDown() override {
        dbsync::log::setLevel(saved_);
        dbsync::log::setJournalStyle(false);
    }
    Level saved_{};
};

}  // namespace

TEST_F(Log, ParseLevel) {
    Level l = Level::Error;
    EXPECT_TRUE(dbsync::log::parseLevel("debug", l));
    EXPECT_EQ(l, Level::Debug);
    EXPECT_TRUE(dbsync::log::parseLevel("warning", l));
    EXPECT_EQ(l, Level::Warning);
    EXPECT_TRUE(dbsync::log::parseLevel("error", l));
    EXPECT_TRUE(dbsync::log::parseLevel("notice", l));
    EXPECT_TRUE(dbsync::log::parseLevel("info", l));
    EXPECT_EQ(l, Level::Info);
    Level before = l;
    EXPECT_FALSE(dbsync::log::parseLevel("verbose", l));
    EXPECT_FALSE(dbsync::log::parseLevel("", l));
    EXPECT_FALSE(dbsync::log::parseLevel("DEBUGX", l));
    EXPECT_EQ(l, before);
}

TEST_F(Log, LevelFilters) {
    dbsync::log::setLevel(Level::Warning);
    EXPECT_TRUE(dbsync::log::enabled(Level::Error));
    EXPECT_TRUE(dbsync::log::enabled(Level::Warning));
    EXPECT_FALSE(dbsync::log::enabled(Level::Notice));
    EXPECT_FALSE(dbsync::log::enabled(Level::Debug));

    dbsync::log::setJournalStyle(false);
    ::testing::internal::CaptureStderr();
    LOG_INFO("hidden %d", 1);
    LOG_WARN("shown %d", 2);
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(err.find("hidden"), std::string::npos);
    EXPECT_NE(err.find("warning: shown 2\n"), std::string::npos) << err;
}

TEST_F(Log, JournalStylePrefix) {
    dbsync::log::setLevel(Level::Debug);
    dbsync::log::setJournalStyle(true);
    ::testing::internal::CaptureStderr();
    LOG_ERROR("boom");
    LOG_DEBUG("detail");
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(err, "<3>boom\n<7>detail\n");
}

TEST_F(Log, LongLinesAreCutButStayOneLine) {
    dbsync::log::setLevel(Level::Debug);
    dbsync::log::setJournalStyle(true);
    std::string big(10000, 'x');
    ::testing::internal::CaptureStderr();
    LOG_NOTICE("%s", big.c_str());
    std::string err = ::testing::internal::GetCapturedStderr();
    ASSERT_FALSE(err.empty());
    EXPECT_EQ(err.back(), '\n');
    EXPECT_EQ(err.find('\n'), err.size() - 1);
    EXPECT_LT(err.size(), big.size());
}
