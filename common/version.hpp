// Single source of the product version, shared by dbsyncd and the PHP extension.
#pragma once

#define DBSYNC_VERSION "0.1.0"
#define DBSYNC_VERSION_STRING DBSYNC_VERSION
