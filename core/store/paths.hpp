// Where zonekit keeps things. Every root can be moved by environment
// (ZONEKIT_ROOT, ZONEKIT_RUN, ZONEKIT_CONFIG) so tests use a temp dir.
#pragma once

#include <string>

namespace zonekit::store {

struct Paths {
  std::string root = "/var/lib/zonekit";             // zones, images, nic tags
  std::string run = "/run/zonekit";                  // per-boot state
  std::string config = "/etc/zonekit/zonekit.toml";  // optional

  static Paths from_env();

  std::string zones_dir() const { return root + "/zones"; }
  std::string zone_dir(const std::string& uuid) const { return zones_dir() + "/" + uuid; }
  std::string zone_file(const std::string& uuid) const { return zone_dir(uuid) + "/zone.json"; }
  // Present while a create or delete of the zone is unfinished.
  std::string incomplete_marker(const std::string& uuid) const { return zone_dir(uuid) + "/incomplete"; }
  std::string images_dir() const { return root + "/images"; }
  std::string tags_dir() const { return root + "/tags"; }
  std::string locks_dir() const { return root + "/locks"; }
  // alias -> uuid hints ("a-<alias>" symlinks): a lookup by alias reads one
  // zone, not all. Only hints: resolve() checks each against the zone.
  std::string aliases_dir() const { return root + "/aliases"; }
  // Held for every change of identity: create, delete, NIC changes, tags.
  std::string alloc_lock() const { return locks_dir() + "/alloc.lock"; }
  // Held for every change of one zone (update, boot, halt, delete).
  std::string zone_lock(const std::string& uuid) const { return locks_dir() + "/zone-" + uuid + ".lock"; }
  std::string run_zone_dir(const std::string& uuid) const { return run + "/zones/" + uuid; }
};

}  // namespace zonekit::store
