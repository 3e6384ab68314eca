// What a manifest needs of this host, beyond its own validity: nic tags
// that exist, an imported image, identity nobody else holds, host paths a
// zone may mount, a quota the store can enforce, and a store and run dir
// the zone's ids can reach. `zoneadm validate` (unless --offline) and
// `create` report every problem at once, before anything changes.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/manifest/parse.hpp"
#include "core/store/store.hpp"
#include "core/sys/result.hpp"

namespace zonekit::ops {

// Every host problem of a valid, normalized manifest, one diagnostic each
// ("nics[0].nic_tag: \"lan\" is not a nic tag on this host (known: demo)").
// failure: some problem is the host's, not the manifest's (a pool with no
// free address, an unreadable zone in the store): exit 1, not 2.
struct HostProblems {
  std::vector<manifest::Diagnostic> diags;
  bool failure = false;
};
HostProblems host_problems(const store::Store& st, const nlohmann::json& doc);

// Host paths a zone may never get through filesystems[]: kernel and device
// views, live runtime state, and zonekit's own store and config. Checked
// as written at create/update and resolved (symlinks followed) at boot.
Result<void> check_fs_sources(const store::Store& st, const nlohmann::json& doc, bool resolve);

// A zone's ids are "other" to every host directory above its own: each
// directory from / down to the store's zones dir and the run dir's zones
// dir must be searchable by others (o+x), or the zone cannot even reach its
// root. Names the first directory that is not, with its mode and the fix.
Result<void> check_search_access(const store::Paths& paths);

// The same rule over a list of (directory, mode): the first directory
// whose mode lacks o+x, or "" (pure, for tests).
struct DirMode {
  std::string dir;
  unsigned mode = 0;
};
std::string first_unsearchable(const std::vector<DirMode>& chain);

}  // namespace zonekit::ops
