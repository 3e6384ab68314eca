// Internal to the cgroup drivers: the device allowlist a zone's cgroup gets
// (v1 devices controller, v2 BPF device program).
#pragma once

#include "core/sys/result.hpp"

namespace zonekit::cgroup::detail {

// Attach the allowlist as a BPF_CGROUP_DEVICE program to the cgroup2
// directory dirfd (replacing one attached before). Skips (success) when
// dirfd is not on a cgroup2 filesystem, as in unit tests' fake trees.
Result<void> attach_device_program(int dirfd, const std::string& shown);

}  // namespace zonekit::cgroup::detail
