#include "core/sys/project_quota.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/dqblk_xfs.h>
#include <linux/fs.h>
#include <linux/quota.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <vector>

#include "core/sys/fd.hpp"

#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443  // the same number on every architecture
#endif

namespace zonekit::quota {

namespace {

// A tree deeper than this is refused rather than walked: one open
// directory per level must stay well inside the default 1024 fds.
constexpr size_t kMaxDepth = 400;

long quotactl_fd(int fd, int cmd, uint32_t id, void* addr) {
  return syscall(SYS_quotactl_fd, fd, QCMD(cmd, PRJQUOTA), id, addr);
}

Result<UniqueFd> open_dir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return sys_error("open", dir);
  return fd;
}

Result<struct fsxattr> get_attrs(int fd, const std::string& shown) {
  struct fsxattr fa{};
  if (ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0) return sys_error("get project id of", shown);
  return fa;
}

// Set the project id (and PROJINHERIT on directories); true when changed.
Result<bool> tag(int fd, const std::string& shown, uint32_t id, bool dir) {
  struct fsxattr fa = ZK_TRY(get_attrs(fd, shown));
  bool inherit = fa.fsx_xflags & FS_XFLAG_PROJINHERIT;
  if (fa.fsx_projid == id && (!dir || inherit)) return false;
  fa.fsx_projid = id;
  if (dir) fa.fsx_xflags |= FS_XFLAG_PROJINHERIT;
  if (ioctl(fd, FS_IOC_FSSETXATTR, &fa) < 0) return sys_error("set project id of", shown);
  return true;
}

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};

struct Frame {
  std::unique_ptr<DIR, DirCloser> dir;  // owns the directory's fd
  std::string shown;
};

Result<Frame> frame_for(UniqueFd fd, std::string shown) {
  DIR* d = fdopendir(fd.get());
  if (!d) return sys_error("opendir", shown);
  fd.release();
  return Frame{std::unique_ptr<DIR, DirCloser>(d), std::move(shown)};
}

// Open name in dirfd as the type fstatat saw, never following a symlink;
// an entry that vanished or changed type meanwhile yields an empty fd.
Result<UniqueFd> open_entry(int dirfd, const char* name, const struct stat& seen, const std::string& shown) {
  int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
  if (S_ISDIR(seen.st_mode)) flags |= O_DIRECTORY;
  UniqueFd fd(openat(dirfd, name, flags));
  if (!fd) {
    if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR || errno == ENXIO) return UniqueFd();
    return sys_error("open", shown);
  }
  struct stat st;
  if (fstat(fd.get(), &st) < 0) return sys_error("stat", shown);
  if (st.st_ino != seen.st_ino || st.st_dev != seen.st_dev || (st.st_mode & S_IFMT) != (seen.st_mode & S_IFMT))
    return UniqueFd();
  return fd;
}

}  // namespace

Support probe(const std::string& dir) {
  auto fd = open_dir(dir);
  if (!fd) return {false, false, fd.error().message()};
  ProbeFacts f;
  struct statfs sfs{};
  if (fstatfs(fd->get(), &sfs) == 0) f.fs_type = fs_type_name(static_cast<uint64_t>(sfs.f_type));
  struct fs_quota_statv sv{};
  sv.qs_version = FS_QSTATV_VERSION1;
  if (quotactl_fd(fd->get(), Q_XGETQSTATV, 0, &sv) == 0) {
    f.state_flags = sv.qs_flags;
    return classify(f);
  }
  f.state_errno = errno;
  if (f.state_errno == ENOSYS) {
    // The filesystem's ENOSYS or the kernel's? A bad fd tells them apart.
    f.have_syscall = !(quotactl_fd(-1, Q_GETINFO, 0, nullptr) < 0 && errno == ENOSYS);
  }
  struct if_dqinfo info{};
  f.info_errno = quotactl_fd(fd->get(), Q_GETINFO, 0, &info) == 0 ? 0 : errno;
  return classify(f);
}

Result<DirProject> dir_project(const std::string& dir) {
  auto fd = ZK_TRY(open_dir(dir));
  struct fsxattr fa = ZK_TRY(get_attrs(fd.get(), dir));
  return DirProject{fa.fsx_projid, (fa.fsx_xflags & FS_XFLAG_PROJINHERIT) != 0};
}

Result<TagResult> tag_tree(const std::string& dir, uint32_t id) {
  TagResult res;
  UniqueFd top(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!top) return sys_error("open", dir);
  struct stat top_st;
  if (fstat(top.get(), &top_st) < 0) return sys_error("stat", dir);
  struct fsxattr fa = ZK_TRY(get_attrs(top.get(), dir));
  if (fa.fsx_projid == id && (fa.fsx_xflags & FS_XFLAG_PROJINHERIT)) return res;
  res.walked = true;

  // Depth first; a directory is tagged once everything below it is, so a
  // tagged directory met on a later walk is skipped whole.
  std::vector<Frame> stack;
  stack.push_back(ZK_TRY(frame_for(std::move(top), dir)));
  while (!stack.empty()) {
    Frame& cur = stack.back();
    int dfd = dirfd(cur.dir.get());
    errno = 0;
    struct dirent* ent = readdir(cur.dir.get());
    if (!ent) {
      if (errno != 0) return sys_error("readdir", cur.shown);
      if (ZK_TRY(tag(dfd, cur.shown, id, true))) ++res.tagged;
      stack.pop_back();
      continue;
    }
    if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..")) continue;
    std::string shown = cur.shown + "/" + ent->d_name;
    struct stat st;
    if (fstatat(dfd, ent->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno == ENOENT) continue;
      return sys_error("stat", shown);
    }
    if ((!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) || st.st_dev != top_st.st_dev) {
      ++res.skipped;
      continue;
    }
    UniqueFd fd = ZK_TRY(open_entry(dfd, ent->d_name, st, shown));
    if (!fd) {
      ++res.skipped;
      continue;
    }
    if (S_ISREG(st.st_mode)) {
      if (ZK_TRY(tag(fd.get(), shown, id, false))) ++res.tagged;
      continue;
    }
    struct fsxattr sub = ZK_TRY(get_attrs(fd.get(), shown));
    if (sub.fsx_projid == id && (sub.fsx_xflags & FS_XFLAG_PROJINHERIT)) continue;
    if (stack.size() >= kMaxDepth)
      return fail(shown + ": directory tree deeper than " + std::to_string(kMaxDepth) + " levels");
    stack.push_back(ZK_TRY(frame_for(std::move(fd), std::move(shown))));
  }
  return res;
}

Result<void> set_limits(const std::string& dir, uint32_t id, const Limits& limits) {
  auto fd = ZK_TRY(open_dir(dir));
  struct if_dqblk q{};
  q.dqb_bhardlimit = limits.block_hard_kib;
  q.dqb_ihardlimit = limits.inode_hard;
  q.dqb_valid = QIF_LIMITS;
  if (quotactl_fd(fd.get(), Q_SETQUOTA, id, &q) < 0)
    return sys_error("set quota of project " + std::to_string(id) + " on", dir);
  return {};
}

Result<Usage> usage(const std::string& dir, uint32_t id) {
  auto fd = ZK_TRY(open_dir(dir));
  struct if_dqblk q{};
  if (quotactl_fd(fd.get(), Q_GETQUOTA, id, &q) < 0)
    return sys_error("get quota of project " + std::to_string(id) + " on", dir);
  return Usage{q.dqb_curspace, q.dqb_curinodes, q.dqb_bhardlimit * QIF_DQBLKSIZE, q.dqb_ihardlimit};
}

Result<FsSpace> space(const std::string& dir) {
  struct statfs sfs{};
  if (statfs(dir.c_str(), &sfs) < 0) return sys_error("statfs", dir);
  return FsSpace{static_cast<uint64_t>(sfs.f_bsize), sfs.f_blocks, sfs.f_bavail, sfs.f_files, sfs.f_ffree};
}

}  // namespace zonekit::quota
