// The zone store: one directory per zone keyed by uuid, holding the stored
// manifest (zone.json). Every write is atomic and every mutation is locked
// (see Paths::alloc_lock / zone_lock). Identity is decided once, at create.
//
//   <root>/zones/<uuid>/zone.json     stored manifest, identity materialised
//   <root>/zones/<uuid>/incomplete    present while a delete is unfinished
//   <root>/zones/.new-<uuid>/         a create being assembled (never read)
//   <root>/zones/.del-<uuid>/         a delete being finished (never read)
//   <root>/tags/<name>.json           nic tags added with nicadm
//   <root>/locks/                     lock files (flock)
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/store/config.hpp"
#include "core/store/paths.hpp"
#include "core/sys/fs.hpp"
#include "core/sys/lock.hpp"
#include "core/sys/result.hpp"

namespace zonekit::store {

struct ZoneRecord {
  std::string uuid;
  nlohmann::json doc;      // stored manifest; null when unreadable
  bool incomplete = false; // an interrupted delete: only delete again is allowed
  std::string error;       // why the record cannot be read, empty when fine
  std::string name() const;  // alias, else uuid
};

class Store {
 public:
  static Result<Store> open(Paths paths);

  const Paths& paths() const { return paths_; }
  const Config& config() const { return config_; }

  // Every zone (readable or not), sorted by uuid.
  Result<std::vector<ZoneRecord>> list() const;
  // One zone by exact uuid; NotFound when absent. A corrupt record is an
  // error naming the file.
  Result<ZoneRecord> load(const std::string& uuid) const;
  // alias, uuid or unique uuid prefix -> uuid. NotFound / Invalid (ambiguous).
  Result<std::string> resolve(const std::string& name) const;

  // Create a zone from a validated, normalised manifest: assigns identity
  // under the allocation lock and publishes the zone with one rename.
  // Returns the stored document.
  Result<nlohmann::json> create(nlohmann::json doc);
  // Replace a zone's stored manifest (caller holds the zone lock; for
  // identity changes also the alloc lock).
  Result<void> write(const std::string& uuid, const nlohmann::json& doc);
  // Delete: mark incomplete, unpublish in one rename, then remove the
  // files (progress as fs::remove_tree). Files that cannot be removed are an
  // error naming them, with the zone already gone from the store: zoneadm
  // recover removes the rest. Caller holds the zone lock and has stopped
  // the zone.
  Result<void> remove(const std::string& uuid, const fs::RemoveProgress& progress = {});

  Result<FileLock> lock_zone(const std::string& uuid, int timeout_ms = -1) const;
  Result<FileLock> lock_alloc(int timeout_ms = -1) const;

  // nic tags: the config file's and nicadm's.
  // skip_corrupt: leave out tag files that cannot be read (a zone using
  // such a tag then finds it unknown) instead of failing for every tag.
  Result<std::map<std::string, NicTag>> tags(bool skip_corrupt = false) const;
  Result<void> put_tag(const NicTag& tag);   // caller holds the alloc lock
  Result<void> delete_tag(const std::string& name);

 private:
  Store(Paths p, Config c) : paths_(std::move(p)), config_(std::move(c)) {}
  void sweep_stale() const;  // leftovers of killed creates/deletes; alloc lock held
  // The alias hint (see Paths::aliases_dir): record doc's alias, or read
  // the uuid a name's hint points at (nullopt: none, or not an alias).
  void note_alias(const nlohmann::json& doc) const;
  std::optional<std::string> alias_hint(const std::string& name) const;
  Paths paths_;
  Config config_;
};

// ISO 8601 UTC with milliseconds, "2026-11-28T08:11:45.123Z".
std::string now_iso8601();

}  // namespace zonekit::store
