// Tests for daemon/write_journal: the bytes each write goes as, and where
// a database resumes from the marker it holds (docs/design.md, "The
// journal"), across runs of dbsyncd, retirement and lost records.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "daemon/write_journal.hpp"
#include "resp_writer.hpp"
#include "temp_dir.hpp"

using dbsync::OutgoingWrite;
using dbsync::ReplyShape;
using dbsync::WriteJournal;

namespace {

using Kind = WriteJournal::Resume::Kind;

class WriteJournalTest : public ::testing::Test {
protected:
    // The journal closes (and lets go of its lock) before its directory goes.
    void TearDown() override { journal_.reset(); }
    // A new run of dbsyncd on the same directory.
    WriteJournal &open() {
        journal_.reset();
        journal_ = std::make_unique<WriteJournal>();
        WriteJournal::Config c{};
        c.storage.dir = dir_.path();
        c.storage.fsync = dbsync::JournalFsync::No;
        c.maxBytes = 1 << 20;
        c.maxAgeMs = 3600 * 1000;
        c.catchupInflight = 100;
        std::string error;
        EXPECT_TRUE(journal_->open(c, error)) << error;
        return *journal_;
    }
    uint64_t write(WriteJournal &j, const std::string &cmd) {
        std::string resp;
        dbsync::resp::appendCommand(resp, std::vector<std::string>{"SET", cmd, "v"});
        OutgoingWrite w = j.single(resp, true, 1700000000000);
        EXPECT_TRUE(j.storage().flush());
        return w.seq;
    }
    dbsync::test::TempDir dir_;
    std::unique_ptr<WriteJournal> journal_;
};

}  // namespace

TEST_F(WriteJournalTest, PlainWritesGoAsTheyCameAndOthersCarryTheirMarker) {
    WriteJournal &j = open();
    std::string set = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
    OutgoingWrite plain = j.single(set, true, 1);
    EXPECT_EQ(plain.bytes(), set);
    EXPECT_EQ(plain.replies, 1u);
    EXPECT_EQ(plain.shape, ReplyShape::AsIs);
    EXPECT_EQ(plain.seq, j.runBase() + 1);

    std::string incr = "*2\r\n$4\r\nINCR\r\n$1\r\nc\r\n";
    OutgoingWrite atomic = j.single(incr, false, 1);
    EXPECT_EQ(atomic.seq, plain.seq + 1);
    EXPECT_EQ(atomic.bytes(), "*1\r\n$5\r\nMULTI\r\n" + incr + j.markerCommand(atomic.seq) + "*1\r\n$4\r\nEXEC\r\n");
    EXPECT_EQ(atomic.replies, 4u);
    EXPECT_EQ(atomic.shape, ReplyShape::FirstOfExec);
    EXPECT_NE(j.markerCommand(atomic.seq).find(j.markerKey()), std::string::npos);
    EXPECT_EQ(j.markerKey(), "dbsync:applied:" + j.instance());

    OutgoingWrite txn = j.transaction({incr, set}, 1);
    EXPECT_EQ(txn.bytes(), "*1\r\n$5\r\nMULTI\r\n" + incr + set + j.markerCommand(txn.seq) + "*1\r\n$4\r\nEXEC\r\n");
    EXPECT_EQ(txn.replies, 5u);  // MULTI, two commands, the marker, EXEC
    EXPECT_EQ(txn.shape, ReplyShape::ExecWithoutLast);
}

TEST_F(WriteJournalTest, AFreshDatabaseOfAFreshJournalResumesAtTheStart) {
    WriteJournal &j = open();
    WriteJournal::Resume r = j.resume("db:1", false, 0, 0);
    ASSERT_EQ(r.kind, Kind::From);
    EXPECT_EQ(r.applied, j.runBase());
    EXPECT_EQ(j.entriesAfter(r.applied), 0u);
}

TEST_F(WriteJournalTest, AMarkerInTheJournalResumesRightAfterIt) {
    WriteJournal &j = open();
    uint64_t a = write(j, "a");
    write(j, "b");
    uint64_t c = write(j, "c");
    WriteJournal::Resume r = j.resume("db:1", true, a, 0);
    ASSERT_EQ(r.kind, Kind::From) << r.why;
    EXPECT_EQ(r.applied, a);
    EXPECT_EQ(j.entriesAfter(a), 2u);
    EXPECT_EQ(j.entriesAfter(c), 0u);
}

TEST_F(WriteJournalTest, EachRunNumbersPastAGapThatReplayCrosses) {
    uint64_t a, b;
    {
        WriteJournal &j = open();
        a = write(j, "a");
        b = write(j, "b");
    }
    WriteJournal &j = open();
    EXPECT_GT(j.runBase(), b + 1);
    uint64_t c = write(j, "c");
    EXPECT_EQ(c, j.runBase() + 1);
    // A database at `a` lacks b and c only: the gap holds nothing.
    EXPECT_EQ(j.entriesAfter(a), 2u);
    EXPECT_EQ(j.acrossRunGap(b + 1), j.runBase() + 1);
    EXPECT_EQ(j.acrossRunGap(a + 1), 0u);
    WriteJournal::Resume r = j.resume("db:1", true, b, 0);
    ASSERT_EQ(r.kind, Kind::From) << r.why;
    EXPECT_EQ(r.applied, b);
}

TEST_F(WriteJournalTest, AMarkerInTheRunsGapMeansTheJournalLostWritesAnotherDatabaseLacks) {
    uint64_t b;
    {
        WriteJournal &j = open();
        write(j, "a");
        b = write(j, "b");
    }
    WriteJournal &j = open();
    // As after a power loss that took the journal's last records with it.
    WriteJournal::Resume ahead = j.resume("db:1", true, b + 3, 0);
    ASSERT_EQ(ahead.kind, Kind::From) << ahead.why;
    EXPECT_EQ(ahead.applied, j.runBase());
    EXPECT_EQ(j.aheadMarker(), b + 3);
    WriteJournal::Resume behind = j.resume("db:2", true, b, 0);
    EXPECT_EQ(behind.kind, Kind::Diverged);
    // One that did not connect in that run is judged by the same marker in
    // the next, after db:1 took new writes.
    uint64_t c = write(j, "c");
    j.noteDatabase("db:1", c, false, 0);
    WriteJournal &next = open();
    EXPECT_EQ(next.resume("db:1", true, c, c).kind, Kind::From);
    WriteJournal::Resume late = next.resume("db:3", true, b, 0);
    EXPECT_EQ(late.kind, Kind::Diverged) << "db:3 lacks what db:1 held past the journal";
    EXPECT_NE(late.why.find("lacks writes the journal lost"), std::string::npos) << late.why;
}

TEST_F(WriteJournalTest, TheDatabaseHoldingWritesTheJournalLostStaysRightInTheRunsAfter) {
    uint64_t b;
    {
        WriteJournal &j = open();
        write(j, "a");
        b = write(j, "b");
    }
    uint64_t base;
    {
        WriteJournal &j = open();
        base = j.runBase();
        ASSERT_EQ(j.resume("db:1", true, b + 2, 0).kind, Kind::From);
    }
    // Started again before db:1 took a write: its marker now lies in an
    // earlier run's gap, and it is still the one holding those writes.
    WriteJournal &j = open();
    WriteJournal::Resume holder = j.resume("db:1", true, b + 2, 0);
    ASSERT_EQ(holder.kind, Kind::From) << holder.why;
    EXPECT_EQ(holder.applied, base);
    EXPECT_EQ(j.resume("db:2", true, b, 0).kind, Kind::Diverged);
    WriteJournal::Resume older = j.resume("db:3", true, b + 1, 0);
    EXPECT_EQ(older.kind, Kind::Diverged) << "a marker below the lost writes' in that gap lacks some of them";
    EXPECT_NE(older.why.find("names writes an earlier run lost"), std::string::npos) << older.why;
}

TEST_F(WriteJournalTest, AMarkerPastEveryNumberIsNotThisJournals) {
    WriteJournal &j = open();
    uint64_t a = write(j, "a");
    EXPECT_EQ(j.resume("db:1", true, a + 1, 0).kind, Kind::Diverged);
}

TEST_F(WriteJournalTest, ADatabaseThatLostItsMarkerAfterApplyingWritesIsDiverged) {
    {
        WriteJournal &j = open();
        uint64_t a = write(j, "a");
        j.noteDatabase("db:1", a, false, 0);
        std::string error;
        ASSERT_TRUE(j.saveState(error)) << error;
    }
    WriteJournal &j = open();
    WriteJournal::Resume r = j.resume("db:1", false, 0, 0);
    EXPECT_EQ(r.kind, Kind::Diverged);
    EXPECT_NE(r.why.find("restarted empty"), std::string::npos) << r.why;
    // Another database new to this journal can take the whole history: nothing was retired.
    EXPECT_EQ(j.resume("db:2", false, 0, 0).kind, Kind::From);
}

TEST_F(WriteJournalTest, ADatabaseSeenApplyingWritesInThisRunThatLostItsMarkerIsDiverged) {
    WriteJournal &j = open();
    uint64_t a = write(j, "a");
    EXPECT_EQ(j.resume("db:1", false, 0, a).kind, Kind::Diverged);
}

TEST_F(WriteJournalTest, OnceWritesRetiredANewDatabaseWithoutMarkerIsDiverged) {
    {
        WriteJournal &j = open();
        uint64_t a = write(j, "a");
        j.retire(a, 5000);
    }
    WriteJournal &j = open();
    EXPECT_EQ(j.resume("db:new", false, 0, 0).kind, Kind::Diverged);
}

TEST_F(WriteJournalTest, ADivergedDatabaseStaysSoUntilItsMarkerMoved) {
    uint64_t a, b;
    {
        WriteJournal &j = open();
        a = write(j, "a");
        b = write(j, "b");
        j.noteDatabase("db:1", a, true, a);
        std::string error;
        ASSERT_TRUE(j.saveState(error)) << error;
    }
    WriteJournal &j = open();
    EXPECT_EQ(j.resume("db:1", true, a, 0).kind, Kind::Diverged);
    // Resynced from a healthy database: it holds that one's marker now.
    WriteJournal::Resume r = j.resume("db:1", true, b, 0);
    ASSERT_EQ(r.kind, Kind::From) << r.why;
    EXPECT_EQ(r.applied, b);
}

TEST_F(WriteJournalTest, BoundsSayHowFarBehindIsTooFar) {
    WriteJournal &j = open();
    uint64_t first = write(j, "first");
    for (int i = 0; i < 20000; i++) write(j, "k" + std::to_string(i));
    std::string why;
    EXPECT_TRUE(j.pastBounds(first - 1, 1700000000000, why));
    EXPECT_NE(why.find("--journal-max-bytes"), std::string::npos) << why;
    EXPECT_FALSE(j.pastBounds(j.storage().head(), 1700000000000, why));
}

TEST_F(WriteJournalTest, ALeaderFirstCommandTakesTheNextNumberAndItsRecordKeepsIt) {
    WriteJournal &j = open();
    write(j, "a");
    std::string spop = "*2\r\n$4\r\nSPOP\r\n$1\r\ns\r\n";
    OutgoingWrite lead = j.onLeader(spop);
    EXPECT_EQ(lead.seq, j.storage().head() + 1) << "numbered, not appended";
    EXPECT_EQ(lead.bytes(), "*1\r\n$5\r\nMULTI\r\n" + spop + j.markerCommand(lead.seq) + "*1\r\n$4\r\nEXEC\r\n");
    EXPECT_EQ(lead.shape, ReplyShape::FirstOfExec);
    // Nothing changed: the marker alone, naming itself.
    OutgoingWrite none = j.markerRecord(lead.seq, false, 1);
    EXPECT_EQ(none.seq, lead.seq);
    EXPECT_EQ(none.bytes(), j.markerCommand(lead.seq));
    EXPECT_TRUE(j.storage().flush());
    EXPECT_FALSE(j.inDoubt(none.seq));
    // The leader's reply lost: the record names the one before, so only
    // the leader can hold its number as a marker.
    OutgoingWrite lost = j.markerRecord(j.onLeader(spop).seq, true, 1);
    EXPECT_EQ(lost.seq, none.seq + 1);
    EXPECT_EQ(lost.bytes(), j.markerCommand(none.seq));
    EXPECT_TRUE(j.storage().flush());
    EXPECT_TRUE(j.inDoubt(lost.seq));
    EXPECT_FALSE(j.inDoubt(lost.seq + 1));
    // Two in flight whose replies were both lost: neither names the other.
    OutgoingWrite lost2 = j.markerRecord(j.onLeader(spop).seq, true, 1);
    EXPECT_EQ(lost2.bytes(), j.markerCommand(none.seq));
    EXPECT_TRUE(j.storage().flush());
    // The first record of a run names the last one of the run before.
    uint64_t last = j.storage().head();
    WriteJournal &next = open();
    OutgoingWrite first = next.markerRecord(next.onLeader(spop).seq, true, 1);
    EXPECT_EQ(first.seq, next.runBase() + 1);
    EXPECT_EQ(first.bytes(), next.markerCommand(last));
}
