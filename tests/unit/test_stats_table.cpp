// The stats tables (daemon/stats_table.hpp) that DBSYNC INFO and /metrics
// are rendered from: names unique, Prometheus' naming rules kept.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "stats_table.hpp"

using namespace dbsync;

namespace {
const std::regex kMetricName("dbsyncd_[a-z0-9_]+");
const std::regex kInfoName("[a-z0-9_]+");
}  // namespace

TEST(StatsTable, ServerRowsHaveUniqueNamesAndFollowPrometheusRules) {
    std::set<std::string> info, metrics;
    for (const ServerStat &row : serverStats()) {
        ASSERT_TRUE(row.infoName || row.metricName);
        if (row.infoName) {
            EXPECT_TRUE(std::regex_match(row.infoName, kInfoName)) << row.infoName;
            EXPECT_TRUE(info.insert(row.infoName).second) << "INFO field twice: " << row.infoName;
        }
        if (row.kind == StatKind::InfoOnly) {
            EXPECT_EQ(row.metricName, nullptr) << row.infoName;
            EXPECT_NE(row.text, nullptr) << row.infoName;
            continue;
        }
        ASSERT_NE(row.metricName, nullptr) << row.infoName;
        ASSERT_NE(row.value, nullptr) << row.metricName;
        EXPECT_TRUE(std::regex_match(row.metricName, kMetricName)) << row.metricName;
        EXPECT_TRUE(metrics.insert(row.metricName).second) << "metric twice: " << row.metricName;
        EXPECT_EQ(row.kind == StatKind::Counter, std::string(row.metricName).ends_with("_total")) << row.metricName;
        EXPECT_GT(std::string(row.help).size(), 10u) << row.metricName;
    }
}

TEST(StatsTable, DatabaseRowsHaveUniqueNamesAndLastErrorComesLast) {
    std::set<std::string> info, metrics;
    for (const DatabaseStat &row : databaseStats()) {
        if (row.infoName) {
            EXPECT_TRUE(std::regex_match(row.infoName, kInfoName)) << row.infoName;
            EXPECT_NE(std::string(row.infoName), "address") << "address= is the line's first field, always";
            EXPECT_TRUE(info.insert(row.infoName).second) << "field twice: " << row.infoName;
        }
        if (row.kind == DatabaseStatKind::InfoOnly) {
            EXPECT_EQ(row.metricName, nullptr);
            EXPECT_NE(row.text, nullptr);
            continue;
        }
        ASSERT_NE(row.metricName, nullptr);
        EXPECT_TRUE(std::regex_match(row.metricName, kMetricName)) << row.metricName;
        EXPECT_TRUE(metrics.insert(row.metricName).second) << "metric twice: " << row.metricName;
        EXPECT_EQ(row.kind == DatabaseStatKind::Counter, std::string(row.metricName).ends_with("_total"))
            << row.metricName;
        if (row.kind == DatabaseStatKind::Counter || row.kind == DatabaseStatKind::Gauge) {
            EXPECT_NE(row.value, nullptr) << row.metricName;
        }
    }
    // Readers take all after ",last_error=" as the message (it may hold commas).
    const DatabaseStat &last = databaseStats().back();
    ASSERT_NE(last.infoName, nullptr);
    EXPECT_STREQ(last.infoName, "last_error");
}
