#include "dbsyncd_link.hpp"

#include "client/fanout.hpp"
#include "client/tls.hpp"
#include "common/resp_writer.hpp"

namespace dbsync::check {
namespace {

void replaceAll(std::string &text, std::string_view from, std::string_view to) {
    for (size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size())
        text.replace(at, from.size(), to);
}

// What a dbsyncd with --pubkey answers a plain-text client before it closes
// the connection (daemon/tls_gate.cpp).
bool isTlsRequired(const dbsync::Reply &r) {
    return r.isError() && r.str.find("requires TLS") != std::string::npos;
}

}  // namespace

std::string inFlagTerms(std::string text) {
    // Longest first: "dbsync.server_verify = 0" before any shorter name.
    replaceAll(text, "dbsync.server_verify = 0", "--no-server-verify");
    replaceAll(text, "dbsync.server_pubkey", "--server-pubkey");
    replaceAll(text, "dbsync.signkey", "--signkey");
    return text;
}

DbsyncdLink::DbsyncdLink(const CheckOptions &opts)
    : stream_{opts.signkey, opts.serverPubkey, opts.serverVerify}, timeoutMs_(static_cast<int>(opts.timeoutMs)) {
    Address address;
    std::string error;
    if (!parseAddress(opts.fromDbsyncd, address, error))
        throw LinkError("--from-dbsyncd '" + opts.fromDbsyncd + "': " + error);
    where_ = "dbsyncd (" + address.display() + ")";
    if (!stream_.signkey.empty() && !clientTlsContext(stream_, error)) throw LinkError(inFlagTerms(error));
    conn_ = std::make_unique<ClientConnection>(std::move(address));
}

dbsync::Reply DbsyncdLink::command(const std::vector<std::string_view> &args) {
    std::string request;
    resp::appendCommand(request, args);
    FanoutOptions options;
    options.timeoutMs = timeoutMs_;
    options.stream = stream_;
    FanoutResult result = fanoutCall({conn_.get()}, request, options);
    if (conn_->outcome() != ClientConnection::Outcome::Replied) {
        std::string why = inFlagTerms(conn_->error());
        if (!stream_.signkey.empty() && why.find("does not speak TLS") != std::string::npos)
            why += "; leave out --signkey for a dbsyncd started without --pubkey";
        throw LinkError(where_ + ": " + why);
    }
    // A success is handed over in the result; an error reply stays with the
    // connection (the call failed, but the server did answer).
    dbsync::Reply reply = result.ok ? std::move(result.reply) : conn_->takeReply(0);
    if (stream_.signkey.empty() && isTlsRequired(reply))
        throw LinkError(where_ + ": it takes TLS clients only (started with --pubkey): pass --signkey FILE, a "
                                 "private key whose public key it trusts, and --server-pubkey (" +
                        reply.str + ")");
    return reply;
}

}  // namespace dbsync::check
