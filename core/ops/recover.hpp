// Crash recovery: find every host object zonekit names deterministically
// (zone veths zk<hex10>n<i>, nft tables bridge zk_<hex10>, cgroups
// <parent>/<uuid>, systemd scopes zonekit-<uuid>.scope, run directories, store staging dirs .new-/.del-, zones
// marked incomplete), compare with the store and the supervisors' liveness,
// and clean what no live zone owns. Zones whose supervisor is alive are
// kept as they are; zones that run without one (their zoneadmd died) get a
// new zoneadmd that adopts them, and keep everything they own.
//
// plan() is pure (facts -> actions, one printable line each); gather()
// reads the host; apply() carries the plan out, re-checking each zone under
// its lock so a zone that boots meanwhile is left alone.
#pragma once

#include <string>
#include <vector>

#include "core/store/store.hpp"
#include "core/sys/result.hpp"

namespace zonekit::ops::recover {

struct ZoneFact {
  std::string uuid;
  std::string name;            // alias, else uuid
  bool corrupt = false;        // zone.json unreadable: only its leftovers are kept
  bool incomplete = false;     // an interrupted delete
  bool supervisor_alive = false;  // OFD lock held and pid start time matches
  std::string recorded_state;  // state.json's state ("" when none)
  bool run_state_unreadable = false;  // state.json corrupt, a symlink, ...
  bool unsupervised = false;      // running (init alive) while its zoneadmd is dead
};

struct Facts {
  std::string cgroup_parent;              // "zonekit"
  std::vector<ZoneFact> zones;            // every zone directory in the store
  std::vector<std::string> links;         // host veths named zk*
  std::vector<std::string> tables;        // bridge nft tables named zk_*
  std::vector<std::string> cgroups;       // directory names under the parent (any hierarchy)
  std::vector<std::string> scopes;        // systemd units zonekit-<uuid>.scope in machine.slice
  std::vector<std::string> run_dirs;      // directory names under <run>/zones
  std::vector<std::string> staging;       // ".new-<uuid>" / ".del-<uuid>" under <root>/zones
};

enum class Kind {
  Keep,           // a live zone: adopted as it is
  Adopt,          // a zone running without its zoneadmd: start one that adopts it
  DeleteLink,
  DeleteTable,
  RemoveCgroup,   // kill every process in it, then rmdir in every hierarchy
  StopScope,      // a zone's systemd scope: StopUnit (systemd kills and removes)
  MarkStopped,    // state.json says active but the supervisor is dead
  ResetRunState,  // state.json unreadable and no supervisor: remove it
  RemoveRunDir,
  RemoveStaging,  // an interrupted create (.new-) or delete (.del-)
  FinishDelete,   // a zone marked incomplete
};

struct Action {
  Kind kind;
  std::string object;  // link, table, cgroup dir name, scope unit, run dir name, staging name or zone uuid
  std::string uuid;    // the store zone it belongs to; empty when none
  std::string text;    // "delete veth zk0123456789n0 (no zone)"
  bool operator==(const Action&) const = default;
};

// The first 10 hex digits of a uuid (dashes skipped): the key in veth and
// table names.
std::string hex10(const std::string& uuid);

// Pure. Order: keeps, adoptions, cgroups (kills processes first), links, tables,
// state fixes, run dirs, staging, interrupted deletes.
std::vector<Action> plan(const Facts& facts);

// Read the host and the store. Caller holds the alloc lock.
Result<Facts> gather(const store::Store& st);

struct Outcome {
  std::vector<std::string> done;    // action texts carried out (or planned, for dry runs)
  std::vector<Error> errors;        // actions that failed or were skipped (zone busy)
};

// Take the alloc lock, gather, plan and (unless dry_run) apply.
Result<Outcome> run(store::Store& st, bool dry_run);

}  // namespace zonekit::ops::recover
