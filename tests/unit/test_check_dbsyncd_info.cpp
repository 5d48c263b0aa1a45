// dbsync-check --from-dbsyncd: reading DBSYNC INFO's database lines and
// combining them with -d (check/dbsyncd_info.hpp).
#include <gtest/gtest.h>

#include "check/dbsyncd_info.hpp"

using dbsync::DatabaseSpec;
using dbsync::parseDatabase;
using dbsync::check::mergeDatabaseLists;
using dbsync::check::parseDbsyncInfo;

namespace {

const char kInfo[] =
    "# Server\r\ndbsyncd_version:0.1.0\r\nprocess_id:12\r\n\r\n# Databases\r\n"
    "db1:address=[::1]:6380/3,state=up,pending=0,ok=1,failed=0,unknown=0,reconnects=0,latency_us=5,last_error=\r\n"
    "db0:address=127.0.0.1:6379,state=down,pending=0,ok=0,failed=2,unknown=0,reconnects=1,latency_us=0,"
    "last_error=Connection refused, retrying\r\n"
    "db2:address=unix:/run/redis,a/redis.sock,state=up,pending=0,ok=0,failed=0,unknown=0,reconnects=0,"
    "latency_us=0,last_error=\r\n";

}  // namespace

TEST(CheckDbsyncdInfo, ReadsEveryDatabaseInIndexOrder) {
    std::vector<DatabaseSpec> dbs;
    std::string error;
    ASSERT_TRUE(parseDbsyncInfo(kInfo, dbs, error)) << error;
    ASSERT_EQ(dbs.size(), 3u);
    EXPECT_EQ(dbs[0].display(), "127.0.0.1:6379");
    EXPECT_EQ(dbs[0].db, -1);
    EXPECT_EQ(dbs[1].address.host, "::1");
    EXPECT_EQ(dbs[1].address.port, 6380);
    EXPECT_EQ(dbs[1].db, 3);
    EXPECT_EQ(dbs[2].address.path, "/run/redis,a/redis.sock");
    EXPECT_TRUE(dbs[0].password.empty());
}

TEST(CheckDbsyncdInfo, NoDatabaseLinesIsAnError) {
    std::vector<DatabaseSpec> dbs;
    std::string error;
    EXPECT_FALSE(parseDbsyncInfo("# Server\r\nredis_version:7.0.15\r\n", dbs, error));
    EXPECT_NE(error.find("no databases"), std::string::npos);
}

TEST(CheckDbsyncdInfo, DashDBringsTheCredentialsOrIsAdded) {
    std::vector<DatabaseSpec> listed;
    std::string error;
    ASSERT_TRUE(parseDbsyncInfo(kInfo, listed, error));
    DatabaseSpec withPassword, extra;
    ASSERT_TRUE(parseDatabase("redis://app:pw@[::1]:6380/3", withPassword, error));
    ASSERT_TRUE(parseDatabase("redis:10.0.0.9:6379", extra, error));
    auto merged = mergeDatabaseLists(listed, {extra, withPassword});
    ASSERT_EQ(merged.size(), 4u);
    EXPECT_EQ(merged[1].user, "app");
    EXPECT_EQ(merged[1].password, "pw");
    EXPECT_EQ(merged[3].display(), "10.0.0.9:6379");
    // Another database number on the same server is another database.
    DatabaseSpec otherDb;
    ASSERT_TRUE(parseDatabase("redis://:pw@127.0.0.1:6379/5", otherDb, error));
    EXPECT_EQ(mergeDatabaseLists(listed, {otherDb}).size(), 4u);
}
