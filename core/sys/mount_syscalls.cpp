#include "core/sys/mount_syscalls.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace zonekit::sys {

namespace {

int neg_errno() { return -errno; }

struct Fd {  // minimal owner usable in the child
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() { if (fd >= 0) ::close(fd); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

uint64_t to_mount_attr(uint32_t attrs) {
  uint64_t a = 0;
  if (attrs & 1) a |= MOUNT_ATTR_RDONLY;
  if (attrs & 2) a |= MOUNT_ATTR_NOSUID;
  if (attrs & 4) a |= MOUNT_ATTR_NODEV;
  if (attrs & 8) a |= MOUNT_ATTR_NOEXEC;
  return a;
}

int setattr_fd(int fd, const char* path, unsigned flags, uint32_t attrs, bool recursive) {
  if (attrs == 0) return 0;
  struct mount_attr ma{};
  ma.attr_set = to_mount_attr(attrs);
  if (recursive) flags |= AT_RECURSIVE;
  if (syscall(SYS_mount_setattr, fd, path, flags, &ma, sizeof ma) < 0) return neg_errno();
  return 0;
}

// Clone the mount at fd (or fd+path), add attributes, attach at target.
int clone_attach(int src_fd, const char* src_path, bool recursive, uint32_t attrs, int tgt_fd,
                 const char* tgt_path) {
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
  if (src_path[0] == '\0') flags |= AT_EMPTY_PATH;
  Fd tree(static_cast<int>(syscall(SYS_open_tree, src_fd, src_path, flags)));
  if (tree.fd < 0) return neg_errno();
  if (int r = setattr_fd(tree.fd, "", AT_EMPTY_PATH, attrs, recursive); r < 0) return r;
  unsigned mflags = MOVE_MOUNT_F_EMPTY_PATH | (tgt_path[0] == '\0' ? MOVE_MOUNT_T_EMPTY_PATH : 0);
  if (syscall(SYS_move_mount, tree.fd, "", tgt_fd, tgt_path, mflags) < 0) return neg_errno();
  return 0;
}

const char* attr_text(uint32_t a, char* buf) {
  buf[0] = '\0';
  if (a & 1) strcat(buf, ",ro");
  if (a & 2) strcat(buf, ",nosuid");
  if (a & 4) strcat(buf, ",nodev");
  if (a & 8) strcat(buf, ",noexec");
  return buf[0] ? buf + 1 : "-";
}

}  // namespace

int open_beneath_nofollow(int dirfd, const char* path, int flags) {
  struct open_how how{};
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC | O_NOFOLLOW;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(syscall(SYS_openat2, dirfd, path, &how, sizeof how));
  return fd < 0 ? neg_errno() : fd;
}

int LinuxMountSyscalls::make_rprivate(const char* path) {
  return ::mount(nullptr, path, nullptr, MS_REC | MS_PRIVATE, nullptr) < 0 ? neg_errno() : 0;
}

int LinuxMountSyscalls::mount_fresh(const char* fstype, const char* source, const char* target,
                                    unsigned long flags, const char* data) {
  return ::mount(source, target, fstype, flags, data[0] ? data : nullptr) < 0 ? neg_errno() : 0;
}

int LinuxMountSyscalls::bind(const char* source, const char* target, bool recursive,
                             uint32_t attrs) {
  return clone_attach(AT_FDCWD, source, recursive, attrs, AT_FDCWD, target);
}

int LinuxMountSyscalls::bind_beneath(const char* base_dir, const char* name, const char* target,
                                     uint32_t attrs) {
  Fd base(::open(base_dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (base.fd < 0) return neg_errno();
  int src = open_beneath_nofollow(base.fd, name, O_PATH | O_DIRECTORY);
  if (src < 0) return src;
  Fd src_fd(src);
  return clone_attach(src_fd.fd, "", false, attrs, AT_FDCWD, target);
}

int LinuxMountSyscalls::bind_in_root(const char* source, const char* root, const char* target,
                                     bool recursive, uint32_t attrs) {
  Fd src(::open(source, O_PATH | O_CLOEXEC));
  if (src.fd < 0) return neg_errno();
  struct stat st;
  if (fstat(src.fd, &st) < 0) return neg_errno();
  bool is_dir = S_ISDIR(st.st_mode);

  int cur = ::open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (cur < 0) return neg_errno();
  Fd cur_fd(cur);
  // Walk target one component at a time, refusing symlinks and "..".
  char comp[256];
  const char* p = target;
  for (;;) {
    while (*p == '/') ++p;
    if (*p == '\0') return -EINVAL;  // target names the root itself
    const char* end = strchr(p, '/');
    size_t len = end ? static_cast<size_t>(end - p) : strlen(p);
    if (len >= sizeof comp) return -ENAMETOOLONG;
    memcpy(comp, p, len);
    comp[len] = '\0';
    if (strcmp(comp, "..") == 0 || strcmp(comp, ".") == 0) return -EINVAL;
    const char* rest = end;
    while (rest && *rest == '/') ++rest;
    bool last = rest == nullptr || *rest == '\0';
    if (!last || is_dir) {
      if (mkdirat(cur_fd.fd, comp, 0755) < 0 && errno != EEXIST) return neg_errno();
      int next = open_beneath_nofollow(cur_fd.fd, comp, O_PATH | O_DIRECTORY);
      if (next < 0) return next;
      ::close(cur_fd.fd);
      cur_fd.fd = next;
    } else {
      int f = openat(cur_fd.fd, comp, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
                     0600);
      if (f < 0) return neg_errno();
      ::close(f);
      int next = open_beneath_nofollow(cur_fd.fd, comp, O_PATH);
      if (next < 0) return next;
      ::close(cur_fd.fd);
      cur_fd.fd = next;
    }
    if (last) break;
    p = rest;
  }
  return clone_attach(src.fd, "", recursive, attrs, cur_fd.fd, "");
}

int LinuxMountSyscalls::set_attr(const char* target, uint32_t attrs, bool recursive) {
  return setattr_fd(AT_FDCWD, target, AT_SYMLINK_NOFOLLOW, attrs, recursive);
}

int LinuxMountSyscalls::mkdir(const char* path, mode_t mode) {
  if (::mkdir(path, mode) == 0) return ::chmod(path, mode) < 0 ? neg_errno() : 0;  // past umask
  if (errno != EEXIST) return neg_errno();
  struct stat st;
  if (lstat(path, &st) < 0) return neg_errno();
  return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int LinuxMountSyscalls::mkfile(const char* path, mode_t mode) {
  int fd = ::open(path, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return neg_errno();
  ::close(fd);
  return 0;
}

int LinuxMountSyscalls::symlink(const char* contents, const char* path) {
  return ::symlink(contents, path) < 0 ? neg_errno() : 0;
}

bool LinuxMountSyscalls::exists(const char* path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

int LinuxMountSyscalls::pivot(const char* new_root) {
  if (chdir(new_root) < 0) return neg_errno();
  if (syscall(SYS_pivot_root, ".", ".") < 0) return neg_errno();
  if (umount2(".", MNT_DETACH) < 0) return neg_errno();
  if (chdir("/") < 0) return neg_errno();
  return 0;
}

int RecordingMountSyscalls::record(std::string line) {
  int idx = static_cast<int>(calls.size());
  calls.push_back(std::move(line));
  return idx == fail_at ? -fail_errno : 0;
}

int RecordingMountSyscalls::make_rprivate(const char* path) {
  return record(fmt::format("rprivate {}", path));
}
int RecordingMountSyscalls::mount_fresh(const char* fstype, const char* source, const char* target,
                                        unsigned long flags, const char* data) {
  return record(fmt::format("mount {} {} {} {:#x} {}", fstype, source, target, flags, data));
}
int RecordingMountSyscalls::bind(const char* source, const char* target, bool recursive,
                                 uint32_t attrs) {
  char b[64];
  return record(fmt::format("bind {} {}{} {}", source, target, recursive ? " rec" : "",
                            attr_text(attrs, b)));
}
int RecordingMountSyscalls::bind_beneath(const char* base_dir, const char* name,
                                         const char* target, uint32_t attrs) {
  char b[64];
  return record(fmt::format("bind_beneath {} {} {} {}", base_dir, name, target, attr_text(attrs, b)));
}
int RecordingMountSyscalls::bind_in_root(const char* source, const char* root, const char* target,
                                         bool recursive, uint32_t attrs) {
  char b[64];
  return record(fmt::format("bind_in_root {} {} {}{} {}", source, root, target,
                            recursive ? " rec" : "", attr_text(attrs, b)));
}
int RecordingMountSyscalls::set_attr(const char* target, uint32_t attrs, bool recursive) {
  char b[64];
  return record(fmt::format("setattr {}{} {}", target, recursive ? " rec" : "", attr_text(attrs, b)));
}
int RecordingMountSyscalls::mkdir(const char* path, mode_t mode) {
  return record(fmt::format("mkdir {} {:04o}", path, mode));
}
int RecordingMountSyscalls::mkfile(const char* path, mode_t mode) {
  return record(fmt::format("mkfile {} {:04o}", path, mode));
}
int RecordingMountSyscalls::symlink(const char* contents, const char* path) {
  return record(fmt::format("symlink {} -> {}", path, contents));
}
bool RecordingMountSyscalls::exists(const char* path) {
  for (const auto& m : missing)
    if (m == path) return false;
  return true;
}
int RecordingMountSyscalls::pivot(const char* new_root) {
  return record(fmt::format("pivot {}", new_root));
}

}  // namespace zonekit::sys
