// fs::remove_tree: an iterative rm -rf for trees a zone built (see fs.hpp).
//
// The walk keeps a stack with one Level per directory depth: its inode (to
// check a directory reopened through ".." is the one left), an open stream
// only for the deepest few levels, and the name in the parent only while
// the parent's stream is open. A level whose stream was closed to save fds
// is reopened through ".." from its child and read again from its start:
// everything before the child is gone by then, and the now empty child is
// met again and removed. So fds are bounded by a constant, memory by a few
// bytes per level, and no path string is ever built but for an error.
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "core/sys/fd.hpp"
#include "core/sys/fs.hpp"

namespace zonekit::fs {

namespace {

constexpr uint64_t kProgressEvery = 1024;

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};
using DirPtr = std::unique_ptr<DIR, DirCloser>;

struct Level {
  ino_t ino = 0;
  DirPtr dir;        // null while closed to save fds
  std::string name;  // name in the parent; "" once the parent's stream was closed
};

// Streams kept open at once: a quarter of the fd limit, so a caller with
// ulimit -n 64 keeps most of its fds; never fewer than 2 (a level and its
// child), never more than 32.
size_t open_budget() {
  struct rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY) return 32;
  return std::clamp<size_t>(static_cast<size_t>(rl.rlim_cur / 4), 2, 32);
}

// A name as it may appear in a message: control bytes escaped (a zone can
// put newlines in its file names).
std::string printable(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += static_cast<char>(c);
  }
  return out;
}

class TreeRemover {
 public:
  TreeRemover(std::string top, const RemoveProgress& progress)
      : top_(std::move(top)), progress_(progress), budget_(open_budget()) {}

  Result<void> run(UniqueFd top_fd) {
    struct stat st;
    if (fstat(top_fd.get(), &st) < 0) return sys_error("stat", top_);
    dev_ = st.st_dev;
    DIR* d = fdopendir(top_fd.get());
    if (!d) return sys_error("open directory", top_);
    top_fd.release();
    levels_.push_back(Level{st.st_ino, DirPtr(d), ""});
    while (!levels_.empty()) {
      Level& cur = levels_.back();
      errno = 0;
      struct dirent* ent = readdir(cur.dir.get());
      if (ent) {
        if (strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0) ZK_TRYV(remove_entry(ent));
        continue;
      }
      if (errno != 0) return sys_error("read directory", shown(""));
      ZK_TRYV(leave_level());
    }
    if (progress_) progress_(removed_);
    return {};
  }

  uint64_t removed() const { return removed_; }

 private:
  std::string top_;
  const RemoveProgress& progress_;
  size_t budget_;
  dev_t dev_ = 0;
  std::vector<Level> levels_;
  size_t first_open_ = 0;  // levels_[first_open_..] have open streams
  uint64_t removed_ = 0;

  void count() {
    if (++removed_ % kProgressEvery == 0 && progress_) progress_(removed_);
  }

  // Where an entry of the deepest level is, for a message: the whole path
  // while every name is known, else its known tail and the depth.
  std::string shown(std::string_view entry) const {
    std::string out = top_;
    size_t from = 1;
    for (size_t i = levels_.size(); i-- > 1;)
      if (levels_[i].name.empty()) {
        from = i + 1;
        out += fmt::format("/[{} levels]", i);
        break;
      }
    for (size_t i = from; i < levels_.size(); ++i) out += "/" + printable(levels_[i].name);
    if (!entry.empty()) out += "/" + printable(entry);
    return out;
  }

  // Close the shallowest open stream (never the deepest level's).
  bool evict() {
    if (first_open_ + 1 >= levels_.size()) return false;
    levels_[first_open_].dir.reset();
    levels_[first_open_ + 1].name.clear();  // its parent will be read again from the start
    ++first_open_;
    return true;
  }

  // Open a directory below dirfd (a name, or ".."), never through a symlink
  // and never onto another mount; on EMFILE close shallower streams first.
  Result<UniqueFd> open_dir(int dirfd, const char* name, std::string_view entry) {
    static bool have_openat2 = true;
    for (;;) {
      int fd;
      if (have_openat2) {
        struct open_how how{};
        how.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
        how.resolve = RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
        fd = static_cast<int>(syscall(SYS_openat2, dirfd, name, &how, sizeof how));
        if (fd < 0 && errno == ENOSYS) {
          have_openat2 = false;
          continue;
        }
      } else {
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      }
      if (fd >= 0) {
        UniqueFd owned(fd);
        struct stat st;
        if (fstat(fd, &st) < 0) return sys_error("stat", shown(entry));
        if (st.st_dev != dev_) return mount_point(entry);
        return owned;
      }
      if ((errno == EMFILE || errno == ENFILE) && evict()) continue;
      if (errno == EXDEV) return mount_point(entry);
      return sys_error("open", shown(entry));
    }
  }

  std::unexpected<Error> mount_point(std::string_view entry) const {
    return fail("refusing to remove across a mount point: " + shown(entry));
  }

  Result<void> remove_entry(const struct dirent* ent) {
    int dfd = dirfd(levels_.back().dir.get());
    const char* name = ent->d_name;
    bool dir = ent->d_type == DT_DIR;
    if (ent->d_type == DT_UNKNOWN) {  // some filesystems do not say
      struct stat st;
      if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT) return {};
        return sys_error("stat", shown(name));
      }
      dir = S_ISDIR(st.st_mode);
    }
    if (!dir) {
      if (unlinkat(dfd, name, 0) == 0) {
        count();
        return {};
      }
      if (errno == ENOENT) return {};
      if (errno != EISDIR) return unlink_error("unlink", name);
    }
    // A directory: an empty one goes at once, a mount point is refused
    // (rmdir says EBUSY), anything else is entered.
    if (unlinkat(dfd, name, AT_REMOVEDIR) == 0) {
      count();
      return {};
    }
    if (errno == ENOENT) return {};
    if (errno == EBUSY) return mount_point(name);
    if (errno != ENOTEMPTY && errno != EEXIST) return unlink_error("rmdir", name);
    UniqueFd fd = ZK_TRY(open_dir(dfd, name, name));
    struct stat st;
    if (fstat(fd.get(), &st) < 0) return sys_error("stat", shown(name));
    DIR* d = fdopendir(fd.get());
    if (!d) return sys_error("open directory", shown(name));
    fd.release();
    levels_.push_back(Level{st.st_ino, DirPtr(d), name});
    while (levels_.size() - first_open_ > budget_ && evict()) {
    }
    return {};
  }

  // The deepest level has no entries left: remove it from its parent.
  Result<void> leave_level() {
    if (levels_.size() == 1) {
      levels_.pop_back();
      return {};
    }
    size_t parent = levels_.size() - 2;
    if (!levels_[parent].dir) {
      // Reopen the parent through "..", and make sure it is the directory
      // the walk came from (nothing of the zone runs during a delete, but a
      // tree moved meanwhile must not lead the walk outside).
      int cur_fd = dirfd(levels_.back().dir.get());
      UniqueFd fd = ZK_TRY(open_dir(cur_fd, "..", ".."));
      struct stat st;
      if (fstat(fd.get(), &st) < 0) return sys_error("stat", shown(".."));
      if (st.st_ino != levels_[parent].ino)
        return fail("directory moved while being removed: " + shown(""));
      DIR* d = fdopendir(fd.get());
      if (!d) return sys_error("open directory", shown(".."));
      fd.release();
      levels_[parent].dir.reset(d);
      first_open_ = parent;
    }
    std::string name = std::move(levels_.back().name);
    levels_.pop_back();
    // An unknown name: the parent's stream starts over and meets the empty
    // directory again.
    if (name.empty()) return {};
    if (unlinkat(dirfd(levels_.back().dir.get()), name.c_str(), AT_REMOVEDIR) == 0) {
      count();
      return {};
    }
    if (errno == ENOENT) return {};
    return unlink_error("rmdir", name);
  }

  // Root gets EPERM only from an immutable or append-only attribute (on
  // the entry or its directory), which only host root can set: say so.
  std::unexpected<Error> unlink_error(const char* op, std::string_view entry) const {
    int e = errno;
    auto err = sys_error(op, shown(entry), e);
    if (e == EPERM && geteuid() == 0) err.error().detail = "immutable or append-only (see lsattr)";
    return err;
  }
};

}  // namespace

Result<void> remove_tree(const std::string& path, const RemoveProgress& progress) {
  struct stat st;
  if (::lstat(path.c_str(), &st) < 0) {
    if (errno == ENOENT) return {};
    return sys_error("stat", path);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlink(path.c_str()) < 0 && errno != ENOENT) return sys_error("unlink", path);
    if (progress) progress(1);
    return {};
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return sys_error("open", path);
  TreeRemover remover(path, progress);
  ZK_TRYV(remover.run(std::move(fd)));
  if (::rmdir(path.c_str()) < 0 && errno != ENOENT) return sys_error("rmdir", path);
  return {};
}

}  // namespace zonekit::fs
