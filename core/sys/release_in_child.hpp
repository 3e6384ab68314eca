// ReleaseInChild: hand the final close of a kernel object to a short-lived
// child, for objects whose last close waits for an RCU grace period (an
// nfnetlink socket after a table delete waits ~10 ms for the kernel to
// free the table's rules). The object's work is done before; only that
// wait moves off the caller's path.
#pragma once

#include "core/sys/fd.hpp"

namespace zonekit {

class ReleaseInChild {
 public:
  // Forks a detached child (reparented to init at once) that holds fd and
  // nothing else. Returns once the child has dropped every other fd it
  // inherited, so it can never extend a lock of ours. On failure the
  // object is simply released by the caller's own close, with the wait.
  explicit ReleaseInChild(int fd);
  ReleaseInChild(const ReleaseInChild&) = delete;
  ReleaseInChild& operator=(const ReleaseInChild&) = delete;
  // Close the caller's copy of fd first: then the child's is the last.
  // This lets the child go; it closes fd on its way out.
  ~ReleaseInChild() = default;

 private:
  UniqueFd go_;  // its EOF releases the child
};

}  // namespace zonekit
