// Zone operations behind zoneadm: each takes the store, does its locking,
// and returns data or a typed error. cmd/zoneadm only parses and prints.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/plan/zone_spec.hpp"
#include "core/store/store.hpp"
#include "core/sys/result.hpp"

namespace zonekit::ops {

// A zone as listings see it: the stored manifest plus derived fields
// (state, pid, boot_timestamp, exit_status, zonepath ...).
struct ZoneView {
  std::string uuid;
  nlohmann::json doc;        // stored manifest + derived fields
  std::string state;         // running, stopped, incomplete, failed, ...
  std::string error;         // unreadable record or last boot failure
};

// Parse + validate; Invalid error whose detail lists every problem, one per
// line, each "<source>: <path>: <message>". With a store, the manifest's
// needs of that host are checked too (ops::host_problems).
Result<nlohmann::json> load_manifest(const std::string& text, const std::string& source,
                                     const store::Store* host = nullptr);

Result<nlohmann::json> create(store::Store& st, const std::string& text, const std::string& source);
// "zone NAME: stored but not acted on: owner_uuid, nics[].model" for the
// vmadm properties of a created zone that zonekit only stores; "" if none.
std::string stored_only_note(const nlohmann::json& stored);

Result<std::vector<ZoneView>> list(const store::Store& st);
Result<ZoneView> view(const store::Store& st, const std::string& name);
std::string state_of(const store::Store& st, const store::ZoneRecord& rec, nlohmann::json* derived);

struct UpdateResult {
  std::vector<std::string> changed;   // keys whose value changed
  std::vector<std::string> next_boot; // changed keys that apply at next boot (running zone only)
  bool applied_live = false;          // limits pushed into the running zone
  bool running = false;               // the zone was running
  // A whole map given (customer_metadata={...}) replaces it: the keys that
  // went away, per map, so the caller can say so.
  std::vector<std::pair<std::string, std::vector<std::string>>> dropped_keys;
};
Result<UpdateResult> update(store::Store& st, const std::string& name, const nlohmann::json& payload);

// What the runtime needs to boot the zone, from its stored manifest.
Result<ZoneSpec> spec_for(const store::Store& st, const nlohmann::json& doc);

struct Note {                 // "zone web01 is already running"
  std::string text;
};
Result<Note> boot(store::Store& st, const std::string& name, const std::string& zoneadmd);
// Boot every zone with autoboot=true that is not running.
// progress(done, total, zone) is called per zone it boots.
struct AutobootReport {
  std::vector<std::string> booted, already_running;
  std::vector<std::pair<std::string, Error>> failed;
};
Result<AutobootReport> boot_autoboot(store::Store& st, const std::string& zoneadmd,
                                     const std::function<void(size_t, size_t, const std::string&)>& progress);
Result<Note> halt(store::Store& st, const std::string& name);
Result<Note> shutdown(store::Store& st, const std::string& name, int grace_seconds);
Result<Note> reboot(store::Store& st, const std::string& name, const std::string& zoneadmd);
// progress(removed): entries of the zone's files removed so far (see
// fs::remove_tree), for a terminal's progress line.
Result<Note> remove(store::Store& st, const std::string& name, const fs::RemoveProgress& progress = {});
// Every state a zone can be in (zoneadm(8) "Zone states"), and what wait
// also accepts: "deleted", and "installed" as illumos' name for stopped.
const std::vector<std::string>& zone_states();
// Wait until the zone reaches state (or timeout_s passes: Failure). An
// unknown state is refused at once (Invalid), naming the valid ones.
Result<void> wait_state(const store::Store& st, const std::string& name, const std::string& state,
                        int timeout_s);

// Path of a sibling program: <dir of this binary>/../libexec/zonekit/<name>
// (or $ZONEKIT_LIBEXEC/<name>).
std::string libexec_path(const std::string& name);

}  // namespace zonekit::ops
