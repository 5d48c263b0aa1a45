#include "key_fetch.hpp"

#include "sha1_hex.hpp"
#include "value_content.hpp"

namespace dbsync::check {

namespace {

[[noreturn]] void badReply(DbLink &db, const char *what, const redisReply *r) {
    std::string detail = isError(r) ? std::string(replyText(r)) : "unexpected reply type";
    std::string hint = std::string(what) == "PEXPIRETIME" ? " (PEXPIRETIME needs Redis 7.0 or later)" : "";
    throw LinkError(db.where() + ": " + what + " failed: " + detail + hint);
}

}  // namespace

bool allowsDigest(DbLink &db) {
    Reply r = db.command({"DEBUG", "DIGEST-VALUE", "dbsync-check:probe"});
    return r->type == REDIS_REPLY_ARRAY;
}

std::vector<std::vector<KeyState>> KeyFetcher::fetch(const std::vector<std::string> &keys, bool keepDump) {
    const bool wantDump = keepDump || mode_ == ValueMode::Dump;
    for (auto &db : links_) {
        for (const std::string &k : keys) {
            db->append({"TYPE", k});
            db->append({"PEXPIRETIME", k});
            if (wantDump) db->append({"DUMP", k});
        }
        if (mode_ == ValueMode::Digest && !keys.empty()) {
            std::vector<std::string_view> args = {"DEBUG", "DIGEST-VALUE"};
            for (const std::string &k : keys) args.push_back(k);
            db->append(args);
        }
        db->flush();
    }
    std::vector<std::vector<KeyState>> states(keys.size(), std::vector<KeyState>(links_.size()));
    for (size_t d = 0; d < links_.size(); d++) {
        DbLink &db = *links_[d];
        for (size_t k = 0; k < keys.size(); k++) {
            KeyState &s = states[k][d];
            Reply type = db.next();
            if (type->type != REDIS_REPLY_STATUS) badReply(db, "TYPE", type.get());
            s.type = std::string(replyText(type.get()));
            s.exists = s.type != "none";
            Reply expire = db.next();
            if (expire->type != REDIS_REPLY_INTEGER) badReply(db, "PEXPIRETIME", expire.get());
            s.expireAtMs = expire->integer == -2 ? -1 : expire->integer;
            if (wantDump) {
                Reply dump = db.next();
                if (dump->type == REDIS_REPLY_STRING) {
                    std::string_view payload = replyText(dump.get());
                    s.dumpSha = sha1Hex(payload);
                    if (keepDump) s.dump = std::string(payload);
                } else if (dump->type != REDIS_REPLY_NIL) {
                    badReply(db, "DUMP", dump.get());
                }
                if (mode_ == ValueMode::Dump) s.fingerprint = s.dumpSha;
            }
            // TYPE, PEXPIRETIME and DUMP are separate commands: a key that
            // vanished (or appeared) between them is taken as missing here
            // and looked at again in the next round.
            if (wantDump && s.exists && s.dumpSha.empty()) s.exists = false, s.type = "none";
        }
        if (mode_ == ValueMode::Digest && !keys.empty()) {
            Reply digests = db.next();
            if (digests->type != REDIS_REPLY_ARRAY || digests->elements != keys.size())
                badReply(db, "DEBUG DIGEST-VALUE", digests.get());
            for (size_t k = 0; k < keys.size(); k++) states[k][d].fingerprint = std::string(replyText(digests->element[k]));
        }
    }
    // DEBUG DIGEST-VALUE hashes a stream's entries only: its consumer
    // groups are read apart.
    if (mode_ == ValueMode::Digest)
        for (size_t k = 0; k < keys.size(); k++)
            for (size_t d = 0; d < links_.size(); d++)
                if (states[k][d].type == "stream")
                    states[k][d].fingerprint += ":" + groupsDigest(*links_[d], keys[k], chunk_);
    for (auto &s : states) {
        for (KeyState &st : s)
            if (!st.exists) st.fingerprint.clear(), st.expireAtMs = -1;
    }
    if (mode_ == ValueMode::Dump)
        for (size_t k = 0; k < keys.size(); k++) resolveEncodings(keys[k], states[k]);
    return states;
}

void KeyFetcher::resolveEncodings(const std::string &key, std::vector<KeyState> &states) {
    for (size_t a = 0; a < states.size(); a++) {
        if (!states[a].exists || states[a].fingerprint.rfind("content:", 0) == 0) continue;
        bool differs = false;
        for (size_t b = 0; b < states.size(); b++)
            differs = differs || (states[b].exists && states[b].type == states[a].type &&
                                  states[b].fingerprint != states[a].fingerprint);
        if (!differs) continue;
        for (size_t b = 0; b < states.size(); b++) {
            if (!states[b].exists || states[b].type != states[a].type) continue;
            std::string content = contentDigest(*links_[b], key, states[b].type, chunk_);
            if (!content.empty()) states[b].fingerprint = content;
        }
    }
}

std::vector<bool> KeyFetcher::listedBefore(const std::vector<std::string> &keys, size_t upTo, const std::string &type) {
    std::vector<bool> listed(keys.size(), false);
    for (size_t d = 0; d < upTo; d++) {
        for (const std::string &k : keys) links_[d]->append({"TYPE", k});
        links_[d]->flush();
    }
    for (size_t d = 0; d < upTo; d++) {
        for (size_t k = 0; k < keys.size(); k++) {
            Reply r = links_[d]->next();
            if (r->type != REDIS_REPLY_STATUS) badReply(*links_[d], "TYPE", r.get());
            std::string_view t = replyText(r.get());
            if (t != "none" && (type.empty() || t == type)) listed[k] = true;
        }
    }
    return listed;
}

}  // namespace dbsync::check
