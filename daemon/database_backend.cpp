#include "database_backend.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>

#include "command_table_live.hpp"
#include "fanout.hpp"
#include "log.hpp"
#include "request_framer.hpp"
#include "resp_writer.hpp"

namespace dbsync {
namespace {

// First reconnect within 50 ms, doubling up to --reconnect-max.
constexpr uint64_t kFirstRetryMs = 50;
// Room a COMMAND reply needs (some 90 KB from Redis 7.0), with a margin.
constexpr size_t kCommandReplyRoom = size_t(1) << 20;

// "$N\r\n<digits>\r\n", the marker's value.
bool parseMarker(std::string_view bulk, uint64_t &value) {
    size_t start = bulk.find("\r\n");
    if (start == std::string_view::npos) return false;
    std::string_view digits = bulk.substr(start + 2, bulk.size() - start - 4);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    return ec == std::errc() && end == digits.data() + digits.size() && !digits.empty();
}

// Commands in a RESP byte string (a journaled transaction): each begins
// with "*N\r\n" and N bulk strings.
size_t countCommands(std::string_view bytes) {
    FramerLimits limits;
    limits.max_request_bytes = limits.max_bulk_bytes = bytes.size() + 1;
    RequestFramer framer(limits);
    size_t n = 0;
    FramedRequest req;
    while (!bytes.empty() && framer.next(bytes, req) == RequestFramer::Result::Request) {
        n++;
        bytes.remove_prefix(req.consumed);
    }
    return n;
}

}  // namespace

namespace {

ReplyFramerLimits framerLimits(size_t maxReplyBytes) {
    ReplyFramerLimits l;
    // One bound for both: a bulk string is never longer than its reply,
    // and Redis's own proto-max-bulk-len can be raised past 512 MB.
    if (maxReplyBytes > 0) {
        l.max_reply_bytes = l.max_bulk_bytes = maxReplyBytes;
    } else {
        l.max_bulk_bytes = l.max_reply_bytes;
    }
    return l;
}

}  // namespace

DatabaseBackend::DatabaseBackend(EventLoop &loop, DatabaseSpec spec, Limits limits)
    : loop_(loop), spec_(std::move(spec)), limits_(limits), link_(loop, *this, framerLimits(limits.maxReplyBytes)),
      rng_(std::random_device{}()) {}

DatabaseBackend::~DatabaseBackend() { shutdown(); }

void DatabaseBackend::attachJournal(WriteJournal &journal, uint64_t knownApplied) {
    journal_ = &journal;
    position_ = Position::Unknown;
    applied_ = pushed_ = markerSent_ = knownApplied;
    hasAppliedWrites_ = knownApplied > 0;
}

const char *DatabaseBackend::stateName() const {
    if (position_ == Position::Diverged) return "diverged";
    if (state_ == State::Ready && position_ == Position::Replaying) return "catching_up";
    switch (state_) {
    case State::Down: return "down";
    case State::Connecting: return "connecting";
    case State::Handshaking: return "handshaking";
    case State::Ready: return "up";
    }
    return "?";
}

void DatabaseBackend::connect() {
    reconnectTimer_ = 0;
    if (stopping_) return;
    std::string why;
    bool opened = link_.open(spec_.address, why);
    // A host name is resolved with a blocking getaddrinfo: the loop's
    // cached clock may be far behind now, and the connect timeout must
    // count from here.
    loop_.refreshNow();
    if (!opened) {
        markDown(why, false);
        scheduleReconnect();
        return;
    }
    connectStartMs_ = loop_.nowMs();
    // The handshake is queued first, so it leaves as soon as the connect
    // completes; commands wait in the outbox until every step succeeded.
    state_ = State::Connecting;
    writeHandshake();
}

void DatabaseBackend::writeHandshake() {
    handshake_.clear();
    std::string bytes;
    auto step = [&](HandshakeStep::Kind kind, std::string name, const std::vector<std::string> &command) {
        resp::appendCommand(bytes, command);
        handshake_.push_back({kind, std::move(name)});
    };
    if (!spec_.password.empty()) {
        std::vector<std::string> auth{"AUTH"};
        if (!spec_.user.empty()) auth.push_back(spec_.user);
        auth.push_back(spec_.password);
        step(HandshakeStep::Required, "AUTH", auth);
    }
    if (spec_.db >= 0) {
        std::string n = std::to_string(spec_.db);
        step(HandshakeStep::Required, "SELECT " + n, {"SELECT", n});
    }
    // Its command table classifies commands (reads to one database, writes
    // to all): read each time, as the server may have been upgraded. It is
    // some 90 KB: not read under a --db-max-reply-bytes that would refuse it.
    if (limits_.readCommandTable && (limits_.maxReplyBytes == 0 || limits_.maxReplyBytes >= kCommandReplyRoom))
        step(HandshakeStep::Commands, "COMMAND", {"COMMAND"});
    if (journal_) {
        // The previous connection may still have commands in the
        // database's buffers, which it would run after the marker is read
        // here (a connection dropped on --db-timeout behind a slow
        // command): it is closed first, so the marker is final.
        if (clientId_ > 0) {
            std::string id = std::to_string(clientId_);
            step(HandshakeStep::Optional, "CLIENT KILL ID " + id, {"CLIENT", "KILL", "ID", id});
        }
        step(HandshakeStep::ClientId, "CLIENT ID", {"CLIENT", "ID"});
        step(HandshakeStep::Marker, "GET " + journal_->markerKey(), {"GET", journal_->markerKey()});
    }
    handshakeReplies_ = handshake_.size();
    link_.queue(bytes);
}

void DatabaseBackend::onLinkUp() {
    if (handshakeReplies_ == 0) {
        becomeReady();
    } else {
        state_ = State::Handshaking;
    }
}

void DatabaseBackend::onLinkLost(const std::string &why) { lost(why, false); }

void DatabaseBackend::becomeReady() {
    state_ = State::Ready;
    // Only a connection that took its handshake ends the backoff: one that
    // connects and is then refused is retried ever more slowly.
    attempt_ = 0;
    if (everConnected_) reconnects++;
    if (reportedDown_ || !everConnected_) LOG_NOTICE("database %s is up", name().c_str());
    everConnected_ = true;
    reportedDown_ = reportedRefused_ = false;
    if (journal_) resumeFromMarker();
}

void DatabaseBackend::resumeFromMarker() {
    if (!startMarkerKnown_) {
        startMarkerKnown_ = true;
        startMarker_ = markerPresent_ ? marker_ : 0;
    }
    if (position_ == Position::Diverged) return;
    WriteJournal::Resume r = journal_->resume(name(), markerPresent_, marker_, appliedWrites());
    if (r.kind == WriteJournal::Resume::Kind::Diverged) {
        diverge(r.why);
        return;
    }
    if (markerPresent_ && journal_->inDoubt(marker_)) {
        diverge("it ran a leader-first command whose reply was lost, and its marker " + std::to_string(marker_) +
                " shows it applied it: the others never got its effect");
        return;
    }
    // Whatever the outbox held is settled: the marker says what of it was
    // applied, and the rest comes again from the journal.
    applied_ = pushed_ = markerSent_ = lastRecord_ = r.applied;
    hasAppliedWrites_ = hasAppliedWrites_ || markerPresent_;
    replayedAtResume_ = replayed;
    position_ = Position::Replaying;
    reader_.reset();
    if (journal_->entriesAfter(r.applied) > 0)
        LOG_NOTICE("database %s: catching up from the journal after record %llu (%llu records behind)",
                   name().c_str(), static_cast<unsigned long long>(r.applied),
                   static_cast<unsigned long long>(journal_->entriesAfter(r.applied)));
}

uint64_t DatabaseBackend::behindEntries() const { return journal_ ? journal_->entriesAfter(applied_) : 0; }
uint64_t DatabaseBackend::behindBytes() const { return journal_ ? journal_->bytesAfter(applied_) : 0; }
uint64_t DatabaseBackend::behindSeconds() const {
    return journal_ ? journal_->secondsBehind(applied_, time(nullptr) * 1000ULL) : 0;
}

void DatabaseBackend::diverge(const std::string &why) {
    if (position_ == Position::Diverged) return;
    position_ = Position::Diverged;
    reader_.reset();
    LOG_ERROR("database %s is diverged: %s. It gets no writes and no reads until it is resynced "
              "(docs/operations.md, \"A diverged database\")", name().c_str(), why.c_str());
    journal_->noteDatabase(name(), applied_, true, markerPresent_ ? marker_ : 0);
    std::string error;
    if (!journal_->saveState(error)) LOG_ERROR("journal: cannot save its state: %s", error.c_str());
}

void DatabaseBackend::endResync() {
    resyncing_ = false;
    if (position_ != Position::Diverged) return;
    position_ = Position::Unknown;
    // Below any marker it can hold now, so the journal's state does not
    // take it for one that restarted empty.
    applied_ = 0;
    hasAppliedWrites_ = false;
    journal_->noteDatabase(name(), 0, false, 0);
    startMarkerKnown_ = false;
    LOG_NOTICE("database %s: resynced; it resumes from the marker it holds now", name().c_str());
    if (state_ != State::Down) drop("resynced: reconnecting to read its marker");
}

void DatabaseBackend::checkAhead(uint64_t marker) {
    if (position_ != Position::Diverged && startMarkerKnown_ && startMarker_ < marker)
        diverge("it lacks writes the journal lost, which another database holds (marker " + std::to_string(marker) +
                ")");
}

void DatabaseBackend::replayMore() {
    const Journal &storage = journal_->storage();
    while (position_ == Position::Replaying && outbox_.size() < journal_->config().catchupInflight) {
        if (!reader_) reader_ = std::make_unique<JournalReader>(storage, pushed_ + 1);
        JournalRecord rec;
        JournalReader::Result r = reader_->next(rec);
        if (r == JournalReader::Result::Record) {
            uint32_t replies = 1;
            if (rec.flags & kJournalAtomic) replies = 4;
            if (rec.flags & kJournalTransaction) replies = static_cast<uint32_t>(countCommands(rec.payload));
            outbox_.push(nullptr, rec.payload, loop_.nowUs(), rec.seq, replies);
            pushed_ = rec.seq;
            // A marker in doubt names the record before it (write_journal.hpp).
            if (!(rec.flags & kJournalInDoubt)) lastRecord_ = rec.seq;
            if (rec.flags & (kJournalAtomic | kJournalTransaction)) markerSent_ = rec.seq;
            replayed++;
            continue;
        }
        if (r == JournalReader::Result::Gap) {
            // The reader is past the hole already. Runs' gaps hold nothing;
            // any other hole held writes this database never got.
            if (journal_->firstNeeded(reader_->gapFirst() - 1) == reader_->gapLast() + 1) continue;
            diverge("the journal lacks records " + std::to_string(reader_->gapFirst()) + " to " +
                    std::to_string(reader_->gapLast()) + " it needs (retired, or lost to a failed journal write)");
            return;
        }
        if (r == JournalReader::Result::Error) {
            diverge("the journal cannot be read: " + reader_->error());
            return;
        }
        // End: every record in the files is in the outbox. A run's gap
        // holds nothing to replay; records still buffered are flushed
        // before the next turn's writes; records neither buffered nor in
        // the files were lost to a failed write.
        if (uint64_t across = journal_->acrossRunGap(pushed_ + 1); across && pushed_ < storage.head()) {
            pushed_ = across - 1;
            reader_.reset();
            continue;
        }
        if (pushed_ >= storage.head()) {
            position_ = Position::Live;
            reader_.reset();
            if (replayed > replayedAtResume_)
                LOG_NOTICE("database %s caught up (%llu records replayed)", name().c_str(),
                           static_cast<unsigned long long>(replayed - replayedAtResume_));
        } else if (storage.bufferedRecords() == 0) {
            diverge("the journal lacks records after " + std::to_string(pushed_) + " (lost to a failed journal write)");
        }
        return;
    }
}

void DatabaseBackend::scheduleReconnect() {
    if (stopping_ || reconnectTimer_) return;
    uint64_t delay = kFirstRetryMs << std::min(attempt_, 16u);
    delay = std::min(delay, limits_.reconnectMaxMs);
    attempt_++;
    // Jitter spreads the retries of many dbsyncd instances after a restart.
    std::uniform_int_distribution<uint64_t> jitter(delay / 2, delay);
    reconnectTimer_ = loop_.addTimer(jitter(rng_), [this] { connect(); });
}

void DatabaseBackend::markDown(const std::string &reason, bool handshakeRefused) {
    state_ = State::Down;
    lastError = reason;
    if (stopping_) return;
    // Each once per episode, until the database is Ready again. A refused
    // AUTH/SELECT is a configuration problem worth an error of its own,
    // even after the database was first logged down for another reason
    // (restarted, and now with other passwords or fewer databases).
    if (handshakeRefused && !reportedRefused_) {
        LOG_ERROR("database %s is down: %s (retrying with backoff up to --reconnect-max)", name().c_str(),
                  reason.c_str());
        reportedRefused_ = reportedDown_ = true;
    } else if (!reportedDown_) {
        LOG_WARN("database %s is down: %s", name().c_str(), reason.c_str());
        reportedDown_ = true;
    }
}

void DatabaseBackend::drop(const std::string &reason, bool handshakeRefused) {
    if (!link_.isOpen()) return;  // already given up
    link_.close();
    lost(reason, handshakeRefused);
}

void DatabaseBackend::lost(const std::string &reason, bool handshakeRefused) {
    awaitingReplies_ = 0;
    handshakeReplies_ = 0;
    queueError_.clear();
    if (position_ != Position::Off && position_ != Position::Diverged) {
        // What was written may or may not have been applied: the marker
        // will say, once it is connected again.
        position_ = Position::Unknown;
        reader_.reset();
    }
    markDown(reason, handshakeRefused);
    scheduleReconnect();
    // Everything it was owed fails now: what was written may have been
    // applied, what was not was not. A request may be decided and its
    // client send more, which finds this database Down and fails fast.
    DatabaseOutbox::Taken owed = outbox_.takeAll();
    for (size_t i = 0; i < owed.entries.size(); i++) {
        FanoutRequest *req = owed.entries[i].req;
        if (!req) continue;
        failures++;
        lostWithConnection++;
        noteFailed(req);
        if (i < owed.written) {
            outcomeUnknown++;
            req->onOutcomeUnknown(name() + ": " + reason);
        } else {
            req->onNotSent(name() + ": " + reason);
        }
        req->release();
    }
}

void DatabaseBackend::failFast(FanoutRequest *req, const std::string &why) {
    failures++;
    req->onNotSent(name() + ": " + why);
    req->release();
}

void DatabaseBackend::noteFailed(const FanoutRequest *req) {
    // With a journal, the journal brings what it missed.
    if (journal_ || req->isRead() || missedWrites || stopping_) return;
    missedWrites = true;
    LOG_WARN("database %s missed a write: reads go to databases that did not, while one is up, "
             "until it is resynced (dbsync-check) and dbsyncd restarted", name().c_str());
}

bool DatabaseBackend::admit(FanoutRequest *req) {
    if (state_ == State::Down) {
        noteFailed(req);
        failFast(req, "down (" + lastError + ")");
        return false;
    }
    // A transaction is one unit, as it is to Redis: it is admitted whole
    // while there is room for one more, so no size of transaction that
    // Redis would take is refused for good.
    if (outbox_.size() >= limits_.maxPending) {
        overflows++;
        noteFailed(req);
        failFast(req, "too many commands pending (--db-max-pending " + std::to_string(limits_.maxPending) + ")");
        return false;
    }
    return true;
}

void DatabaseBackend::send(FanoutRequest *req, std::string_view resp) {
    req->retain();
    if (journal_ && position_ != Position::Live) {
        failFast(req, notServingReason());
        return;
    }
    if (admit(req)) outbox_.push(req, resp, loop_.nowUs());
}

void DatabaseBackend::sendSequence(FanoutRequest *req, const std::vector<std::string> &commands) {
    sendWrite(req, unjournaledSequence(commands));
}

std::string DatabaseBackend::notServingReason() const {
    if (position_ == Position::Diverged) return "diverged (out of service until resynced)";
    if (state_ == State::Down) return "down (" + lastError + "); the journal keeps the write for it";
    return "catching up; the journal keeps the write for it";
}

bool DatabaseBackend::sendWrite(FanoutRequest *req, const OutgoingWrite &w) {
    req->retain();
    if (!journal_ || w.seq == 0) {
        // One entry: a transaction's commands are written back to back.
        if (!admit(req)) return false;
        outbox_.push(req, w.bytes(), loop_.nowUs(), 0, w.replies, static_cast<uint8_t>(w.shape));
        return true;
    }
    if (position_ != Position::Live) {
        failFast(req, notServingReason());
        return false;
    }
    if (outbox_.size() >= limits_.maxPending) {
        // Not dropped: it and what follows come from the journal once the
        // outbox drained, in order.
        overflows++;
        position_ = Position::Replaying;
        failFast(req, "too many commands pending (--db-max-pending " + std::to_string(limits_.maxPending) +
                          "); catching up from the journal");
        return false;
    }
    outbox_.push(req, w.bytes(), loop_.nowUs(), w.seq, w.replies, static_cast<uint8_t>(w.shape));
    pushed_ = lastRecord_ = w.seq;
    if (w.shape != ReplyShape::AsIs) markerSent_ = w.seq;
    return true;
}

void DatabaseBackend::sendRecord(const OutgoingWrite &w, bool inDoubt) {
    if (!journal_ || w.seq == 0) {
        if (serving() && outbox_.size() < limits_.maxPending)
            outbox_.push(nullptr, w.bytes(), loop_.nowUs(), 0, w.replies, static_cast<uint8_t>(w.shape));
        return;
    }
    if (position_ != Position::Live) return;
    if (outbox_.size() >= limits_.maxPending) {
        overflows++;
        position_ = Position::Replaying;
        return;
    }
    outbox_.push(nullptr, w.bytes(), loop_.nowUs(), w.seq, w.replies, static_cast<uint8_t>(w.shape));
    pushed_ = w.seq;
    // A marker in doubt names the record before it: batches go on naming that.
    if (!inDoubt) lastRecord_ = markerSent_ = w.seq;
}

void DatabaseBackend::sendControl(FanoutRequest *req, std::string_view resp) {
    req->retain();
    if (state_ == State::Down) {
        failFast(req, "down (" + lastError + ")");
        return;
    }
    auto control = std::make_unique<DatabaseControl>(loop_, spec_, name(), req);
    req->release();  // the control holds its own reference
    control->start(resp, loop_.nowMs() + limits_.connectTimeoutMs + limits_.replyTimeoutMs);
    controls_.push_back(std::move(control));
}

bool DatabaseBackend::flushWrites(bool mayHold) {
    if (!controls_.empty())
        std::erase_if(controls_, [](const std::unique_ptr<DatabaseControl> &c) { return c->done(); });
    if (state_ != State::Ready) return false;
    if (position_ == Position::Replaying) replayMore();
    if (outbox_.unwritten() == 0) return false;
    // The socket has not taken the last write yet (a slow or paused
    // database): the rest stays in the outbox, known unwritten, rather
    // than pile up in the link's buffer. EPOLLOUT resumes it.
    if (link_.waitsForWritable()) return false;
    // The clock, not the loop's cached time: the bound counts to the write.
    uint64_t now = EventLoop::monotonicUs();
    if (mayHold && awaitingReplies_ > 0 && now - lastWriteUs_ < limits_.batchWaitUs) {
        loop_.wakeWithinUs(lastWriteUs_ + limits_.batchWaitUs - now);
        return false;
    }
    // The batch ends with the marker of its last record, so a database
    // that crashes, or whose connection drops, says where it stopped
    // (replay_safety.hpp says why a batch of plain writes may be replayed
    // from its marker).
    if (journal_ && lastRecord_ > markerSent_ && position_ != Position::Diverged) {
        outbox_.push(nullptr, journal_->markerCommand(lastRecord_), loop_.nowUs());
        markerSent_ = lastRecord_;
    }
    outbox_.writeUnwritten(
        [this](const char *bytes, size_t size) {
            link_.queue(std::string_view(bytes, size));
            return true;
        },
        loop_.nowUs());
    // Everything written is in this write; Redis answers in order, so
    // the write is answered when that many replies have come back.
    awaitingReplies_ = outbox_.written();
    lastWriteUs_ = now;
    link_.flush();
    return true;
}

void DatabaseBackend::onLinkReply(const FramedReply &reply) {
    if (handshakeReplies_ > 0) {
        const HandshakeStep &hs = handshake_[handshake_.size() - handshakeReplies_];
        const std::string &step = hs.name;
        handshakeReplies_--;
        if (hs.kind == HandshakeStep::Commands) {
            // Not every user may run COMMAND (ACLs): the built-in table serves.
            auto table = std::make_shared<CommandTable>();
            std::string error;
            if (!reply.isError() && commandTableFromReply(reply.bytes, *table, error)) {
                commands = std::move(table);
            } else {
                if (commands || commandsVersion == 0)
                    LOG_NOTICE("database %s: no command table from COMMAND (%s): the built-in one serves for it",
                               name().c_str(),
                               reply.isError() ? std::string(reply.bytes.substr(1, reply.bytes.size() - 3)).c_str()
                                               : error.c_str());
                commands.reset();
            }
            commandsVersion++;
            if (handshakeReplies_ == 0) becomeReady();
            return;
        }
        if (hs.kind == HandshakeStep::Optional || hs.kind == HandshakeStep::ClientId) {
            // Not every user may run CLIENT (ACLs): then the old
            // connection is not closed first, which only matters after a
            // timeout behind a slow command.
            if (hs.kind == HandshakeStep::ClientId) {
                uint64_t id = 0;
                clientId_ = reply.kind == ReplyKind::Integer &&
                                    std::from_chars(reply.bytes.data() + 1, reply.bytes.data() + reply.bytes.size() - 2, id)
                                            .ec == std::errc()
                                ? id
                                : 0;
            }
            if (handshakeReplies_ == 0) becomeReady();
            return;
        }
        if (reply.isError()) {
            // "-ERR text\r\n": the text without the framing.
            std::string why = step + " failed: " + std::string(reply.bytes.substr(1, reply.bytes.size() - 3));
            drop(why, true);
            return;
        }
        if (hs.kind == HandshakeStep::Marker) {
            // The marker: a number, or nil where none was ever set.
            markerPresent_ = reply.kind == ReplyKind::Bulk;
            marker_ = 0;
            if (markerPresent_ && !parseMarker(reply.bytes, marker_)) {
                drop(step + ": the applied marker is not a number", true);
                return;
            }
            if (!markerPresent_ && reply.kind != ReplyKind::NullBulk) {
                drop(step + ": unexpected reply", true);
                return;
            }
        }
        if (handshakeReplies_ == 0) becomeReady();
        return;
    }
    if (outbox_.written() == 0) {
        // RESP2 has no unsolicited replies: the stream is out of step.
        drop("a reply to no command");
        return;
    }
    // Redis answers in the order commands were written: the front is this one.
    DatabaseOutbox::Entry &front = outbox_.front();
    if (front.replies > 1) {
        // MULTI's +OK, and each command's +QUEUED or the error that will
        // make EXEC abort.
        front.replies--;
        if (reply.isError() && queueError_.empty()) queueError_.assign(reply.bytes);
        return;
    }
    DatabaseOutbox::Entry e = outbox_.popAnswered();
    if (e.seq > applied_) applied_ = e.seq;
    if (e.seq) hasAppliedWrites_ = true;
    if (awaitingReplies_ > 0) awaitingReplies_--;
    uint64_t latency = loop_.nowUs() - e.queuedUs;
    latencyTotalUs += latency;
    latencyCount++;
    size_t b = 0;
    while (b < kLatencyBuckets && latency > kLatencyBucketsUs[b]) b++;
    latencyBucket[b]++;
    if (latencyCount == 1) latencyAverageUs = latency;
    else latencyAverageUs = latencyAverageUs - latencyAverageUs / 8 + latency / 8;
    latencySampledMs = loop_.nowMs();
    if (e.req) deliver(e, reply);
    queueError_.clear();
}

void DatabaseBackend::deliver(const DatabaseOutbox::Entry &e, const FramedReply &reply) {
    replies++;
    std::string_view bytes = reply.bytes;
    bool error = reply.isError();
    std::string shaped;
    auto shape = static_cast<ReplyShape>(e.shape);
    if (shape != ReplyShape::AsIs && reply.kind == ReplyKind::Array) {
        // EXEC's array: its elements, framed one by one.
        size_t header = bytes.find("\r\n") + 2;
        std::vector<FramedReply> elements;
        ReplyFramer framer;
        for (size_t off = header; off < bytes.size();) {
            FramedReply el;
            if (framer.next(bytes.substr(off), el) != ReplyFramer::Result::Reply) break;
            elements.push_back(el);
            off += el.bytes.size();
        }
        if (shape == ReplyShape::FirstOfExec && !elements.empty()) {
            bytes = elements.front().bytes;
            error = elements.front().isError();
        } else if (shape == ReplyShape::ExecWithoutLast && !elements.empty()) {
            shaped = "*" + std::to_string(elements.size() - 1) + "\r\n";
            for (size_t i = 0; i + 1 < elements.size(); i++) shaped.append(elements[i].bytes);
            bytes = shaped;
        }
    } else if (shape == ReplyShape::FirstOfExec && error && !queueError_.empty()) {
        // EXECABORT: the client sent one command, and gets Redis's reason
        // for refusing it.
        bytes = queueError_;
    }
    e.req->onReply(bytes, error);
    e.req->release();
}

void DatabaseBackend::checkTimeouts(uint64_t nowMs) {
    for (auto &control : controls_) control->checkTimeout(nowMs);
    if (!link_.isOpen()) return;
    if (state_ != State::Ready && nowMs - connectStartMs_ >= limits_.connectTimeoutMs) {
        std::string ms = std::to_string(limits_.connectTimeoutMs);
        drop(state_ == State::Connecting ? "connect timed out after " + ms + " ms"
                                         : "AUTH/SELECT unanswered after " + ms + " ms (--connect-timeout)");
        return;
    }
    if (outbox_.written() > 0 && loop_.nowUs() - outbox_.front().writtenUs >= limits_.replyTimeoutMs * 1000) {
        // A stalled database: fail what it holds and reconnect, rather than
        // let every later command wait behind the stuck one.
        drop("no reply within " + std::to_string(limits_.replyTimeoutMs) + " ms (--db-timeout)");
    }
}

void DatabaseBackend::shutdown() {
    stopping_ = true;
    if (reconnectTimer_) loop_.cancelTimer(reconnectTimer_);
    reconnectTimer_ = 0;
    controls_.clear();
    drop("dbsyncd is shutting down");
}

}  // namespace dbsync
