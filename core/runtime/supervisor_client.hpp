// The client side of zoneadmd, used by zoneadm, zlogin and tests. Every call
// works from the run directory alone and is correct after zoneadmd was
// killed with SIGKILL (liveness = the OFD lock on zoneadmd.lock is held and
// the recorded pid still has its recorded start time).
#pragma once

#include <string>

#include "core/plan/zone_spec.hpp"
#include "core/sys/fd.hpp"
#include "core/sys/result.hpp"

namespace zonekit::runtime {

struct ZoneStatus {
  // "stopped", "ready", "running", "shutting_down", "down" (supervisor dead,
  // leftovers not cleaned yet), "failed" (run.error says why).
  std::string state;
  RunState run;
  bool supervisor_alive = false;
  // The zone runs (its init is alive) but its zoneadmd died: state says
  // "running" (or "shutting_down") and supervisor_alive is false until
  // adopt() starts a new zoneadmd.
  bool unsupervised = false;
  // supervisor_alive rests on the lock alone: state.json names no live
  // zoneadmd (yet). A zoneadmd that just took the lock, or a child of a
  // dead one that still holds a copy of its lock fd for a moment.
  bool lock_only = false;
};

// Cheap; never blocks on the zone.
Result<ZoneStatus> query(const std::string& run_dir);

// The zone's status, after starting a zoneadmd that adopts it if it runs
// unsupervised (zoneadmd --adopt). Returns the status to act on; fails
// only when the adoption failed (the zone is then left running).
Result<ZoneStatus> query_adopting(const std::string& run_dir, const std::string& zoneadmd_path,
                                  int timeout_ms);

// Write spec.json, clean leftovers of a dead supervisor, start zoneadmd
// detached and wait until the zone runs (ok), failed (error with the reason)
// or timeout. A zone already running is success.
Result<void> boot(const ZoneSpec& spec, const std::string& zoneadmd_path, int timeout_ms);

// Immediate stop: SIGKILL the zone, tear down, wait until stopped. With a
// zoneadmd_path, a zone running unsupervised (or whose zoneadmd dies while
// stopping it) is adopted and stopped again; without, that is an error.
Result<void> halt(const std::string& run_dir, int timeout_ms, const std::string& zoneadmd_path = {});
// SIGTERM and SIGPWR to init, SIGKILL after grace_seconds; waits until stopped.
Result<void> shutdown(const std::string& run_dir, int grace_seconds, const std::string& zoneadmd_path = {});
// A fresh zone (new namespaces) with a new init; waits until running again.
Result<void> reboot(const std::string& run_dir, int timeout_ms);
// Live limit update (cgroup write); also recorded in spec.json for reboots.
Result<void> apply_limits(const std::string& run_dir, const CgroupLimits& limits);
// Remove leftovers (cgroup, control socket, fd keeper, stale state) of a
// dead supervisor.
Result<void> cleanup_dead(const ZoneSpec& spec);
// The fd keeper of a zoneadmd that died before its zone ran, or of a zone
// that died unsupervised, has nothing left to keep: kill it (if it is still
// the recorded process) and remove its socket.
void stop_dead_keeper(const std::string& run_dir, const RunState& rs);

// Connect to ctl.sock and send one command ("HALT", "SHUTDOWN 10" ...);
// returns the reply line without "\n" ("OK ..." or "ERR ...").
Result<std::string> send_command(const std::string& run_dir, const std::string& command);
// Connect and switch the connection to console mode; returns the socket.
Result<UniqueFd> open_console(const std::string& run_dir);

// The run directory of a zone named on the command line (zlogin, tests):
// today a uuid under $ZONEKIT_RUN/zones; alias/prefix lookup comes with the
// store.
Result<std::string> resolve_run_dir(const std::string& name);

}  // namespace zonekit::runtime
