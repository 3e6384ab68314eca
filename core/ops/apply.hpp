// zoneadm apply, the I/O half: read a manifest set, gather what the host
// has, check what only the disk can tell, and carry a plan (core/plan/
// apply_plan.hpp) out through the operations the imperative verbs use
// (create, update, boot, halt, delete; nicadm add/update; imgadm import).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/plan/apply_plan.hpp"
#include "core/store/store.hpp"
#include "core/sys/lock.hpp"
#include "core/sys/result.hpp"

namespace zonekit::ops {

struct ManifestSet {
  std::vector<apply::Document> docs;
  std::vector<manifest::Diagnostic> problems;  // of every file, all at once
  bool unreadable = false;                     // some PATH could not be read (exit 1, not 2)
  std::string default_name;                    // the first PATH's directory name ("" for stdin only)
};

// PATHs: manifest files, directories (their *.json, *.yaml and *.yml,
// sorted by name, dot files skipped) and "-" (standard input).
ManifestSet read_set(const std::vector<std::string>& paths);

// A set name: 1-64 of [A-Za-z0-9._-]; "" when fine, else why not.
std::string check_set_name(const std::string& name);

// Zones (with their run states), nic tags, imported images and unfinished
// replaces. Reads only: a dry run leaves the store as it was.
Result<apply::Facts> gather_facts(const store::Store& st);

// What only this host can tell, added to plan.problems: image sources that
// exist, host paths a zone may mount, quotas the store can enforce, a
// store the zones' ids can reach.
void check_host(const store::Store& st, const apply::Facts& facts, apply::Plan& plan);

// Held by an apply that changes the host, from its plan to its last step,
// so that two applies never interleave (every step also takes the locks
// its operation takes).
Result<FileLock> lock_apply(const store::Store& st);

// Run the plan in order: nic tags, images, creates and replaces, updates,
// halts, boots, deletes. Stops at the first failure: the outcome says
// what was done, what failed and what was not done; rerunning the apply
// finishes the job. note() gets one line per step done.
apply::Outcome execute(store::Store& st, const apply::Plan& plan, const std::string& zoneadmd,
                       const std::function<void(const std::string&)>& note);

// An outcome for a plan not run (a dry run): every step planned, and the
// uuid, IPs and MACs of the zones that exist already.
apply::Outcome planned_outcome(const store::Store& st, const apply::Plan& plan);

// "2 created, 1 updated, 1 booted" (steps done).
std::string done_summary(const apply::Plan& plan, const apply::Outcome& out);
// "zone web02 update, zone web02 boot" (steps not done after a failure).
std::string not_done_list(const apply::Plan& plan, const apply::Outcome& out);
bool failed(const apply::Outcome& out);

}  // namespace zonekit::ops
