#include "core/runtime/cgroup_fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <ctime>

namespace zonekit::cgroup::detail {
namespace {

constexpr size_t kMaxRead = 1 << 20;

Result<UniqueFd> open_root(const std::string& root) {
  UniqueFd fd(open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return sys_error("open", root);
  return fd;
}

Result<UniqueFd> open_child_dir(int parent, const std::string& name, const std::string& shown) {
  UniqueFd fd(openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    auto err = sys_error("open", shown);
    if (errno == ENOENT) err.error().kind = ErrorKind::NotFound;
    return err;
  }
  return fd;
}

}  // namespace

Result<std::vector<std::string>> list_subdirs(int dirfd, const std::string& shown) {
  // A fresh open description: readdir must not share an offset with dirfd.
  int own = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (own < 0) return sys_error("open", shown);
  DIR* dir = fdopendir(own);
  if (!dir) {
    close(own);
    return sys_error("opendir", shown);
  }
  std::vector<std::string> out;
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != ".." && e->d_type == DT_DIR) out.push_back(std::move(name));
  }
  closedir(dir);
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

// rmdir, waiting up to a second while the kernel still calls it busy (a
// cgroup whose last task just died is released asynchronously). 0 or errno.
int rmdir_retry(int dirfd, const std::string& name) {
  int err = 0;
  bool gone = wait_for(
      [&] {
        err = unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) == 0 || errno == ENOENT ? 0 : errno;
        return err != EBUSY;
      },
      1000);
  return gone ? err : EBUSY;
}

Result<void> remove_below(int dirfd, const std::string& shown) {
  // Read the names first: removing while iterating confuses readdir.
  auto subdirs = ZK_TRY(list_subdirs(dirfd, shown));
  for (const auto& name : subdirs) {
    const std::string child_shown = shown + "/" + name;
    auto child = open_child_dir(dirfd, name, child_shown);
    if (!child) {
      if (child.error().kind == ErrorKind::NotFound) continue;
      return std::unexpected(std::move(child.error()));
    }
    ZK_TRYV(remove_below(child->get(), child_shown));
    child->reset();
    if (int err = rmdir_retry(dirfd, name); err != 0) return sys_error("rmdir", child_shown, err);
  }
  return {};
}

}  // namespace

void sleep_ms(int ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

Result<std::vector<std::string>> split_path(const std::string& rel) {
  std::vector<std::string> parts;
  if (rel.empty()) return parts;
  auto invalid = [&](const char* why) {
    return fail("cgroup path '" + rel + "': " + why, ErrorKind::Invalid);
  };
  if (rel.front() == '/') return invalid("must be relative");
  if (rel.find('\0') != std::string::npos || rel.find('\n') != std::string::npos)
    return invalid("contains a newline or NUL");
  size_t start = 0;
  while (true) {
    size_t slash = rel.find('/', start);
    std::string part = rel.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty()) return invalid("empty component");
    if (part == "." || part == "..") return invalid("'.' or '..' component");
    parts.push_back(std::move(part));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

std::string join(const std::string& root, const std::string& rel) {
  return rel.empty() ? root : root + "/" + rel;
}

Result<UniqueFd> open_dir(const std::string& root, const std::string& rel) {
  auto parts = ZK_TRY(split_path(rel));
  UniqueFd fd = ZK_TRY(open_root(root));
  std::string shown = root;
  for (const auto& part : parts) {
    shown += "/" + part;
    fd = ZK_TRY(open_child_dir(fd.get(), part, shown));
  }
  return fd;
}

Result<std::vector<std::string>> make_dirs(const std::string& root, const std::string& rel) {
  auto parts = ZK_TRY(split_path(rel));
  UniqueFd fd = ZK_TRY(open_root(root));
  std::string shown = root;
  std::string sofar;
  std::vector<std::string> created;
  for (const auto& part : parts) {
    shown += "/" + part;
    sofar += (sofar.empty() ? "" : "/") + part;
    if (mkdirat(fd.get(), part.c_str(), 0755) == 0) {
      created.push_back(sofar);
    } else if (errno != EEXIST) {
      return sys_error("mkdir", shown);
    }
    fd = ZK_TRY(open_child_dir(fd.get(), part, shown));
  }
  return created;
}

Result<void> write_file(const std::string& root, const std::string& rel, const std::string& file,
                        const std::string& value) {
  UniqueFd dir = ZK_TRY(open_dir(root, rel));
  const std::string shown = join(root, rel) + "/" + file;
  UniqueFd fd(openat(dir.get(), file.c_str(), O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    auto err = sys_error("open", shown);
    if (errno == ENOENT) err.error().kind = ErrorKind::NotFound;
    return err;
  }
  // cgroupfs takes a value in one write(2); a short write is an error.
  ssize_t n;
  do {
    n = write(fd.get(), value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    auto err = sys_error("write", shown);
    err.error().detail = "'" + value + "'";
    return err;
  }
  if (static_cast<size_t>(n) != value.size()) return sys_error("write", shown, EIO);
  return {};
}

Result<std::string> read_file(const std::string& root, const std::string& rel, const std::string& file) {
  UniqueFd dir = ZK_TRY(open_dir(root, rel));
  const std::string shown = join(root, rel) + "/" + file;
  UniqueFd fd(openat(dir.get(), file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    auto err = sys_error("open", shown);
    if (errno == ENOENT) err.error().kind = ErrorKind::NotFound;
    return err;
  }
  std::string out;
  char buf[4096];
  while (out.size() < kMaxRead) {
    ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("read", shown);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

bool file_exists(const std::string& root, const std::string& rel, const std::string& file) {
  auto dir = open_dir(root, rel);
  if (!dir) return false;
  struct stat st {};
  return fstatat(dir->get(), file.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

bool dir_exists(const std::string& root, const std::string& rel) { return open_dir(root, rel).has_value(); }

Result<void> collect_procs(const std::string& root, const std::string& rel, std::vector<pid_t>& out) {
  auto dir = open_dir(root, rel);
  if (!dir) {
    if (dir.error().kind == ErrorKind::NotFound) return {};
    return std::unexpected(std::move(dir.error()));
  }
  auto text = read_file(root, rel, "cgroup.procs");
  if (!text) {
    if (text.error().kind == ErrorKind::NotFound) return {};
    return std::unexpected(std::move(text.error()));
  }
  const char* p = text->data();
  const char* end = p + text->size();
  while (p < end) {
    pid_t pid = 0;
    auto [next, ec] = std::from_chars(p, end, pid);
    if (ec == std::errc() && pid > 0) out.push_back(pid);
    p = next;
    while (p < end && (*p < '0' || *p > '9')) ++p;
  }
  auto subdirs = ZK_TRY(list_subdirs(dir->get(), join(root, rel)));
  for (const auto& name : subdirs) ZK_TRYV(collect_procs(root, join(rel, name), out));
  return {};
}

Result<void> remove_tree(const std::string& root, const std::string& rel) {
  auto parts = ZK_TRY(split_path(rel));
  if (parts.empty()) return fail("cgroup: refusing to remove the root " + root, ErrorKind::Invalid);
  const std::string parent_rel = rel.substr(0, rel.size() - parts.back().size() - (parts.size() > 1 ? 1 : 0));
  auto parent = open_dir(root, parent_rel);
  if (!parent) {
    if (parent.error().kind == ErrorKind::NotFound) return {};
    return std::unexpected(std::move(parent.error()));
  }
  const std::string shown = join(root, rel);
  auto self = open_child_dir(parent->get(), parts.back(), shown);
  if (!self) {
    if (self.error().kind == ErrorKind::NotFound) return {};
    return std::unexpected(std::move(self.error()));
  }
  ZK_TRYV(remove_below(self->get(), shown));
  self->reset();
  if (int err = rmdir_retry(parent->get(), parts.back()); err != 0) return sys_error("rmdir", shown, err);
  return {};
}

uint64_t keyed_value(const std::string& text, const std::string& key) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string_view line(text.data() + pos, eol - pos);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ' ') {
      uint64_t v = 0;
      auto rest = line.substr(key.size() + 1);
      std::from_chars(rest.data(), rest.data() + rest.size(), v);
      return v;
    }
    pos = eol + 1;
  }
  return 0;
}

uint64_t parse_number(const std::string& text) {
  if (text.starts_with("max")) return UINT64_MAX;
  uint64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

}  // namespace zonekit::cgroup::detail
