// Moving a task into a cgroup first waits out an RCU grace period (7-10 ms
// on this class of host: the kernel's cgroup_threadgroup_rwsem switching to
// its writer mode), unless another move ended within the last grace period.
// A warm-up helper "moves" itself to the cgroup it is already in, so that
// wait runs while the zone's cgroup, init and network are made; the real
// attach, done after wait(), then finds it over.
//
// The helper is a process, not a thread: a thread asleep in that wait keeps
// a killed zoneadmd (and its locks) half-alive. It closes every fd but its
// gate first, holds nothing, and outlives a killed parent by at most one
// grace period. Nothing depends on it for correctness: a failed or absent
// warm-up only means the attach pays the wait itself.
#pragma once

#include <sys/types.h>

#include <string>

#include "core/sys/fd.hpp"

namespace zonekit::runtime {

class AttachWarmup {
 public:
  AttachWarmup() = default;
  // Fork the helper, writing "0" to procs_file (a no-op move of itself;
  // Driver::own_procs_file). Empty procs_file: no helper.
  static AttachWarmup start(const std::string& procs_file);
  // Wait instead for the helper another process started: gate_fd is the
  // read end that start()'s gate() handed over, at EOF once it exited.
  static AttachWarmup from_gate(UniqueFd gate_fd);

  AttachWarmup(AttachWarmup&& other) noexcept;
  AttachWarmup& operator=(AttachWarmup&& other) noexcept;
  ~AttachWarmup();

  // The read end for another process (zoneadmd) to wait on; -1 if none.
  int gate() const { return gate_.get(); }
  // Block until the helper has exited (bounded: gives up after 2 s).
  void wait();

 private:
  pid_t pid_ = 0;  // ours to reap
  UniqueFd gate_;
};

}  // namespace zonekit::runtime
