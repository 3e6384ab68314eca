// The owner of a zone's user namespace, from the parent's side.
//
// The kernel charges per-user counters (inotify instances and watches,
// POSIX message queue bytes, queued signals, user namespaces, locked
// memory) at every level of the namespace chain: in the zone to the uid
// that uses them, and in each parent to the uid that owns the child
// namespace. A namespace created by host root charges host root: one zone
// holding 128 inotify instances would starve the host and every other
// zone. Created while our effective uid is the zone's own root uid, the
// zone's namespace charges that uid instead, which no other zone and no
// host account shares (store::check_id_ranges), so each zone spends its
// own budget.
#pragma once

#include <sys/types.h>

#include "core/sys/result.hpp"

namespace zonekit::runtime {

// While alive, the calling process (which must be single-threaded or
// accept that setresuid(2) applies to every thread) has effective uid
// `owner` and keeps its capabilities effective, so a clone(CLONE_NEWUSER)
// made meanwhile creates a namespace owned by `owner`. The destructor
// makes the effective uid 0 again, which restores every capability.
class NamespaceOwner {
 public:
  static Result<NamespaceOwner> become(uid_t owner);
  NamespaceOwner(NamespaceOwner&& o) noexcept : active_(o.active_) { o.active_ = false; }
  NamespaceOwner& operator=(NamespaceOwner&&) = delete;
  ~NamespaceOwner();

 private:
  NamespaceOwner() = default;
  bool active_ = false;
};

}  // namespace zonekit::runtime
