// Files in a zone's run directory (layout in core/plan/zone_spec.hpp) and
// the supervisor lock. The lock is an OFD lock so that anyone can ask
// whether it is held (F_OFD_GETLK) without taking it, even for an instant.
#pragma once

#include <string>

#include "core/plan/zone_spec.hpp"
#include "core/sys/fd.hpp"
#include "core/sys/result.hpp"

namespace zonekit::runtime {

struct RunPaths {
  std::string dir;
  std::string spec() const { return dir + "/spec.json"; }
  std::string state() const { return dir + "/state.json"; }
  // The state of the previous boot, set aside while a new zoneadmd starts
  // (it keeps the last exit of init from it).
  std::string prev_state() const { return dir + "/state.prev.json"; }
  std::string lock() const { return dir + "/zoneadmd.lock"; }
  std::string ctl() const { return dir + "/ctl.sock"; }
  std::string keeper() const { return dir + "/keeper.sock"; }  // fd_keeper.hpp
  std::string adopt_error() const { return dir + "/adopt.error"; }  // why zoneadmd --adopt gave up
  std::string console_log() const { return dir + "/console.log"; }
  std::string seccomp() const { return dir + "/seccomp.bpf"; }  // the init's filter (zlogin loads it)
  std::string root() const { return dir + "/root"; }  // mount point of the zone's root (child ns only)
};

Result<ZoneSpec> read_spec(const std::string& run_dir);
Result<void> write_spec(const ZoneSpec& spec);
// A missing state file reads as {state: "stopped"}.
Result<RunState> read_state(const std::string& run_dir);
Result<RunState> read_state_file(const std::string& path);
Result<void> write_state(const std::string& run_dir, const RunState& st);

// Take the supervisor lock (non-blocking); Busy error if another holds it.
Result<UniqueFd> acquire_supervisor_lock(const std::string& run_dir);
// Whether some process holds the supervisor lock (never takes it).
bool supervisor_lock_held(const std::string& run_dir);
// A process zoneadmd forks shares the lock's open file description, so an
// OFD lock outlives zoneadmd for as long as any child keeps the fd: the zone
// child (until its close_range), the provisioner, the metadata writer. The
// next zoneadmd (adoption) would find the zone "supervised". Each forked
// child calls this first; async-signal-safe.
void close_supervisor_lock_in_child();

// What the runtime relies on before acting on a spec: absolute dirs, a
// relative cgroup path without "..", a uid range that is not the host's root.
Result<void> validate_spec(const ZoneSpec& spec);

std::string now_iso8601();

}  // namespace zonekit::runtime
