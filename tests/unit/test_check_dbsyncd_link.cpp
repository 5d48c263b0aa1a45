// dbsync-check's link to dbsyncd (check/dbsyncd_link.hpp): what it refuses
// before anything is sent, and the client core's messages told in the
// tool's flags. The conversation itself, plain and TLS, is tested end to
// end (tests/e2e/test_check_tls.py).
#include <gtest/gtest.h>

#include "check/dbsyncd_link.hpp"

using dbsync::check::CheckOptions;
using dbsync::check::DbsyncdLink;
using dbsync::check::inFlagTerms;
using dbsync::check::LinkError;

namespace {

std::string refusal(const CheckOptions &opts) {
    try {
        DbsyncdLink link(opts);
    } catch (const LinkError &e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(CheckDbsyncdLink, SpeaksInTheToolsFlags) {
    EXPECT_EQ(inFlagTerms("dbsync.signkey /k.pem: No such file or directory"),
              "--signkey /k.pem: No such file or directory");
    EXPECT_EQ(inFlagTerms("server key sha256:ab is not a trusted key (dbsync.server_pubkey names another key)"),
              "server key sha256:ab is not a trusted key (--server-pubkey names another key)");
    EXPECT_EQ(inFlagTerms("only dbsync.server_verify = 0 accepts any server; dbsync.signkey, dbsync.signkey"),
              "only --no-server-verify accepts any server; --signkey, --signkey");
    EXPECT_EQ(inFlagTerms("connect: Connection refused"), "connect: Connection refused");
}

TEST(CheckDbsyncdLink, RefusesABadAddressOrKeyBeforeConnecting) {
    CheckOptions opts;
    opts.fromDbsyncd = "127.0.0.1:99999";
    EXPECT_NE(refusal(opts).find("--from-dbsyncd '127.0.0.1:99999': "), std::string::npos) << refusal(opts);

    opts.fromDbsyncd = "127.0.0.1:1";
    EXPECT_EQ(refusal(opts), "");  // plain text: nothing to load, nothing sent yet
    opts.signkey = "/nonexistent/dbsync-check-key.pem";
    opts.serverVerify = false;
    EXPECT_EQ(refusal(opts), "--signkey /nonexistent/dbsync-check-key.pem: No such file or directory");
}
