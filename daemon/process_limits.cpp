#include "process_limits.hpp"

#include <sys/resource.h>

#include "log.hpp"

namespace dbsync {

size_t raiseFdLimit(size_t wanted) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return wanted;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < wanted) {
        rlim_t target = wanted;
        if (rl.rlim_max != RLIM_INFINITY && target > rl.rlim_max) target = rl.rlim_max;
        rl.rlim_cur = target;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    size_t have = rl.rlim_cur == RLIM_INFINITY ? wanted : static_cast<size_t>(rl.rlim_cur);
    if (have < wanted) {
        LOG_WARN("open-file limit is %zu, fewer than the %zu that --max-clients needs; raise it "
                 "(LimitNOFILE= under systemd, ulimit -n otherwise)",
                 have, wanted);
    }
    return have;
}

}  // namespace dbsync
