// The keeper: a small process (zoneadmd --keeper) that holds what a zone
// must not lose when its zoneadmd dies: the console pty, the metadata pty
// and the metadata socket. Closing a pty's master hangs up the zone's
// /dev/console for good, and a new zoneadmd could not reopen it; so each
// zoneadmd starts a keeper with those fds, and a zoneadmd that adopts a
// running zone (zoneadmd --adopt) takes them back from it.
//
// The keeper lives in its own session, ignores every catchable signal and
// only answers connections from uid 0 on <run_dir>/keeper.sock, each with
// the same fds over SCM_RIGHTS. It reads nothing from its peers, so it
// cannot be made to block or grow. zoneadmd kills it at teardown; a keeper
// that dies while its zoneadmd runs is started again.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/sys/fd.hpp"
#include "core/sys/result.hpp"

namespace zonekit::runtime {

// The fds, in this order.
enum KeptFd : int { kConsoleMaster, kConsoleSlave, kMetadataListen, kMetadataMaster, kMetadataSlave, kKeptFdCount };

inline constexpr const char* kKeeperFlag = "--keeper";

// Start the keeper for these fds (kKeptFdCount of them, in KeptFd order):
// binds sock_path, then fork+exec /proc/self/exe --keeper --run-dir
// RUN_DIR (the run dir only names it in ps). The child holds duplicates;
// the caller keeps its own.
Result<pid_t> start_keeper(const std::string& sock_path, const std::string& run_dir, const std::vector<int>& fds);

// Take the fds back from a running keeper (KeptFd order).
Result<std::vector<UniqueFd>> fetch_kept_fds(const std::string& sock_path);

// The keeper's main: fd 3 is its listening socket, fds 4.. the kept fds.
// Never returns.
[[noreturn]] void keeper_main();

}  // namespace zonekit::runtime
