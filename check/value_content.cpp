#include "value_content.hpp"

#include <algorithm>
#include <vector>

#include "sha1_hex.hpp"

namespace dbsync::check {

namespace {

Reply expectArray(DbLink &db, const std::vector<std::string_view> &args) {
    Reply r = db.command(args);
    if (isError(r.get()))
        throw LinkError(db.where() + ": " + std::string(args[0]) + " failed: " + std::string(replyText(r.get())));
    if (r->type != REDIS_REPLY_ARRAY) throw LinkError(db.where() + ": " + std::string(args[0]) + ": unexpected reply");
    return r;
}

// Any reply as text, for hashing nested replies (XINFO's fields).
void hashReply(Sha1 &h, const redisReply *r) {
    switch (r->type) {
    case REDIS_REPLY_ARRAY:
        h.addField("*" + std::to_string(r->elements));
        for (size_t i = 0; i < r->elements; i++) hashReply(h, r->element[i]);
        break;
    case REDIS_REPLY_INTEGER: h.addField(":" + std::to_string(r->integer)); break;
    case REDIS_REPLY_NIL: h.addField("nil"); break;
    default: h.addField(replyText(r)); break;
    }
}

// Elements of an unordered collection, scanned: SSCAN (step 1) or HSCAN (step 2).
std::string scanDigest(DbLink &db, const char *cmd, const std::string &key, size_t chunk, size_t step) {
    std::vector<std::string> items;
    std::string cursor = "0", count = std::to_string(chunk);
    do {
        Reply r = expectArray(db, {cmd, key, cursor, "COUNT", count});
        if (r->elements != 2 || r->element[1]->type != REDIS_REPLY_ARRAY)
            throw LinkError(db.where() + ": " + cmd + ": unexpected reply");
        cursor = std::string(replyText(r->element[0]));
        const redisReply *page = r->element[1];
        for (size_t i = 0; i + step <= page->elements; i += step) {
            Sha1 e;
            for (size_t j = 0; j < step; j++) e.addField(replyText(page->element[i + j]));
            items.push_back(e.raw());
        }
    } while (cursor != "0");
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    Sha1 h;
    h.addField(cmd);
    for (const std::string &i : items) h.add(i);
    return h.hex();
}

// Ordered by index: LRANGE, or ZRANGE ... WITHSCORES (ordered by score then
// member, so no sorting is needed). A write between chunks can shift the
// indexes; the rounds re-check such a key.
std::string rangeDigest(DbLink &db, const char *cmd, const std::string &key, size_t chunk, bool withScores) {
    Sha1 h;
    h.addField(cmd);
    for (size_t start = 0;; start += chunk) {
        std::string from = std::to_string(start), to = std::to_string(start + chunk - 1);
        Reply r = withScores ? expectArray(db, {cmd, key, from, to, "WITHSCORES"}) : expectArray(db, {cmd, key, from, to});
        for (size_t i = 0; i < r->elements; i++) h.addField(replyText(r->element[i]));
        size_t got = withScores ? r->elements / 2 : r->elements;
        if (got < chunk) break;
    }
    return h.hex();
}

std::string stringDigest(DbLink &db, const std::string &key, size_t chunk) {
    const size_t bytes = chunk * 1024;  // --chunk elements, here kilobytes
    Sha1 h;
    h.addField("string");
    for (size_t start = 0;; start += bytes) {
        std::string from = std::to_string(start), to = std::to_string(start + bytes - 1);
        Reply r = db.command({"GETRANGE", key, from, to});
        if (isError(r.get())) throw LinkError(db.where() + ": GETRANGE failed: " + std::string(replyText(r.get())));
        h.add(replyText(r.get()));
        if (r->len < bytes) break;
    }
    return h.hex();
}

// A stream's entries, or a group's pending entries, in chunks: `page(start)`
// reads the chunk from `start` ("-", then "(" and the last ID read, which
// is exclusive: Redis 6.2+), whose elements each begin with their ID, and
// `each` gets every element.
template <class Page, class Each>
void forEachById(size_t chunk, Page page, Each each) {
    std::string start = "-";
    for (;;) {
        Reply r = page(start);
        for (size_t i = 0; i < r->elements; i++) each(r->element[i]);
        if (r->elements < chunk || r->elements == 0) break;
        const redisReply *last = r->element[r->elements - 1];
        if (last->type != REDIS_REPLY_ARRAY || last->elements < 1) break;
        start = "(" + std::string(replyText(last->element[0]));
    }
}

// Each consumer group of a stream: its name, position and counts from
// XINFO GROUPS, and each pending entry's ID, consumer and delivery count
// from XPENDING, read in chunks. Delivery times are left out: XPENDING
// gives them as idle times, counted from each server's own "now".
void hashGroups(Sha1 &h, DbLink &db, const std::string &key, size_t chunk) {
    Reply groups = expectArray(db, {"XINFO", "GROUPS", key});
    std::string count = std::to_string(chunk);
    for (size_t g = 0; g < groups->elements; g++) {
        const redisReply *group = groups->element[g];
        if (group->type != REDIS_REPLY_ARRAY) continue;
        std::string name;
        for (size_t i = 0; i + 1 < group->elements; i += 2) {
            std::string_view field = replyText(group->element[i]);
            if (field == "name") name = std::string(replyText(group->element[i + 1]));
            if (field == "name" || field == "pending" || field == "last-delivered-id" || field == "consumers" ||
                field == "entries-read") {
                h.addField(field);
                hashReply(h, group->element[i + 1]);
            }
        }
        forEachById(
            chunk, [&](const std::string &start) { return expectArray(db, {"XPENDING", key, name, start, "+", count}); },
            [&](const redisReply *e) {
                if (e->type != REDIS_REPLY_ARRAY || e->elements < 4) return;
                hashReply(h, e->element[0]);  // ID
                hashReply(h, e->element[1]);  // consumer
                hashReply(h, e->element[3]);  // deliveries
            });
    }
}

std::string streamDigest(DbLink &db, const std::string &key, size_t chunk) {
    Sha1 h;
    h.addField("stream");
    std::string count = std::to_string(chunk);
    forEachById(
        chunk, [&](const std::string &start) { return expectArray(db, {"XRANGE", key, start, "+", "COUNT", count}); },
        [&](const redisReply *entry) { hashReply(h, entry); });
    // What is not an entry: the last ID (XADD refuses IDs below it) and the
    // consumer groups; consumers' idle times are per server clock and left
    // out.
    Reply info = expectArray(db, {"XINFO", "STREAM", key});
    for (size_t i = 0; i + 1 < info->elements; i += 2)
        if (replyText(info->element[i]) == "last-generated-id") hashReply(h, info->element[i + 1]);
    hashGroups(h, db, key, chunk);
    return h.hex();
}

}  // namespace

std::string groupsDigest(DbLink &db, const std::string &key, size_t chunk) {
    Sha1 h;
    h.addField("groups");
    hashGroups(h, db, key, chunk);
    return h.hex();
}

std::string contentDigest(DbLink &db, const std::string &key, const std::string &type, size_t chunk) {
    std::string digest;
    if (type == "string") digest = stringDigest(db, key, chunk);
    else if (type == "list") digest = rangeDigest(db, "LRANGE", key, chunk, false);
    else if (type == "zset") digest = rangeDigest(db, "ZRANGE", key, chunk, true);
    else if (type == "hash") digest = scanDigest(db, "HSCAN", key, chunk, 2);
    else if (type == "set") digest = scanDigest(db, "SSCAN", key, chunk, 1);
    else if (type == "stream") digest = streamDigest(db, key, chunk);
    else return "";
    return "content:" + digest;
}

}  // namespace dbsync::check
