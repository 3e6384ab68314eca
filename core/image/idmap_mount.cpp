#include "core/image/idmap_mount.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace zonekit::image {

Result<UniqueFd> idmapped_tree(const std::string& dir, int userns_fd) {
  int fd = static_cast<int>(
      syscall(SYS_open_tree, AT_FDCWD, dir.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (fd < 0) return sys_error("open_tree", dir);
  UniqueFd tree(fd);
  struct mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  attr.userns_fd = static_cast<uint64_t>(userns_fd);
  if (syscall(SYS_mount_setattr, tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) {
    auto e = sys_error("idmap mount", dir);
    if (errno == EINVAL)
      e.error().detail = "the filesystem cannot be idmapped, or the user namespace has no mapping";
    return e;
  }
  return tree;
}

Result<void> attach_tree(int tree_fd, const std::string& target) {
  if (syscall(SYS_move_mount, tree_fd, "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0)
    return sys_error("move_mount", target);
  return {};
}

}  // namespace zonekit::image
