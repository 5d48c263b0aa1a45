// Raises the open-file limit so --max-clients can actually be reached: the
// default soft limit (1024) is far below dbsyncd's default of 10000 clients.
#pragma once

#include <cstddef>

namespace dbsync {

// Asks for `wanted` descriptors (soft limit up to the hard limit). Returns
// how many are available; logs a warning when that is fewer than wanted.
size_t raiseFdLimit(size_t wanted);

}  // namespace dbsync
