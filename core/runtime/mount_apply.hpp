// Carry out a mount plan under root (a directory in the child's private
// mount namespace), then pivot into it. Runs in the freshly cloned child:
// no logging; failures are a step index and an errno.
#pragma once

#include <string>
#include <vector>

#include "core/runtime/mount_plan.hpp"
#include "core/sys/mount_syscalls.hpp"

namespace zonekit::runtime {

// 0 on success, else -errno with *failed_step set to the index in steps.
int apply_mounts(const std::vector<MountStep>& steps, const std::string& root,
                 sys::MountSyscalls& sys, int* failed_step);

}  // namespace zonekit::runtime
