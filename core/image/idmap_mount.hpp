// Idmapped, read-only views of an image rootfs for zones with a user
// namespace: a file owned by uid 0 in the image appears owned by the zone's
// mapped root (host_base) on the host, and by 0 inside the zone; the image
// itself is never chowned, so every zone of the image shares it.
#pragma once

#include <string>

#include "core/sys/fd.hpp"
#include "core/sys/result.hpp"

namespace zonekit::image {

// A detached clone of the mount tree at dir (open_tree OPEN_TREE_CLONE |
// AT_RECURSIVE) made read-only, nosuid, nodev and idmapped through the
// user namespace userns_fd (mount_setattr MOUNT_ATTR_IDMAP). Attach it with
// attach_tree() (e.g. as an overlay lowerdir) or move_mount(2). Fails when
// the kernel or the filesystem under dir cannot idmap (ext4, xfs, btrfs and
// tmpfs on 6.3+ can; overlayfs and NFS cannot).
Result<UniqueFd> idmapped_tree(const std::string& dir, int userns_fd);

// Attach a detached tree (from idmapped_tree) at target, an existing directory.
Result<void> attach_tree(int tree_fd, const std::string& target);

}  // namespace zonekit::image
