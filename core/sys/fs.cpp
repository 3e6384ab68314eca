#include "core/sys/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <random>

#include "core/sys/fd.hpp"

namespace zonekit::fs {

namespace {

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string temp_suffix() {
  static std::atomic<unsigned> counter{0};
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[64];
  snprintf(buf, sizeof buf, ".tmp.%d.%u.%llx", getpid(), counter++,
           static_cast<unsigned long long>(rng() & 0xffffffffULL));
  return buf;
}

Result<void> write_all(int fd, std::string_view data, const std::string& what) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("write", what);
    }
    off += static_cast<size_t>(n);
  }
  return {};
}

}  // namespace

Result<void> fsync_dir(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return sys_error("open", path);
  if (::fsync(fd.get()) < 0) return sys_error("fsync", path);
  return {};
}

namespace {

Result<void> write_and_rename(const std::string& path, std::string_view data, mode_t mode, bool durable) {
  std::string dir = dir_of(path);
  std::string tmp = dir + "/." + base_of(path) + temp_suffix();
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
  if (!fd) return sys_error("create", tmp);
  auto fail_cleanup = [&](Error e) -> Result<void> {
    ::unlink(tmp.c_str());
    return std::unexpected(std::move(e));
  };
  if (fchmod(fd.get(), mode) < 0) return fail_cleanup(sys_error("chmod", tmp).error());
  if (auto r = write_all(fd.get(), data, tmp); !r) return fail_cleanup(r.error());
  if (durable && ::fsync(fd.get()) < 0) return fail_cleanup(sys_error("fsync", tmp).error());
  if (::close(fd.release()) < 0) return fail_cleanup(sys_error("close", tmp).error());
  if (::rename(tmp.c_str(), path.c_str()) < 0) return fail_cleanup(sys_error("rename", path).error());
  return durable ? fsync_dir(dir) : Result<void>{};
}

}  // namespace

Result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode) {
  return write_and_rename(path, data, mode, true);
}

Result<void> replace_file(const std::string& path, std::string_view data, mode_t mode) {
  return write_and_rename(path, data, mode, false);
}

Result<std::string> read_file(const std::string& path, size_t max_bytes) {
  return read_file_at(AT_FDCWD, path, max_bytes, path);
}

Result<std::string> read_file_at(int dirfd, const std::string& rel, size_t max_bytes, const std::string& shown) {
  const std::string& path = shown;
  UniqueFd fd(::openat(dirfd, rel.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd) {
    auto e = sys_error("open", path);
    if (errno == ENOENT) e.error().kind = ErrorKind::NotFound;
    return e;
  }
  struct stat st;
  if (fstat(fd.get(), &st) < 0) return sys_error("stat", path);
  if (!S_ISREG(st.st_mode)) return fail(path + ": not a regular file");
  if (static_cast<size_t>(st.st_size) > max_bytes)
    return fail(path + ": file too large (" + std::to_string(st.st_size) + " bytes)");
  return read_fd(fd.get(), max_bytes, path);
}

Result<std::string> read_fd(int fd, size_t max_bytes, const std::string& shown) {
  // Straight into the string (no big stack buffer: see netlink_route.cpp).
  std::string out;
  size_t chunk = 4096;
  for (;;) {
    const size_t len = out.size();
    out.resize(len + chunk);
    ssize_t n = ::read(fd, out.data() + len, chunk);
    out.resize(len + static_cast<size_t>(n > 0 ? n : 0));
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("read", shown);
    }
    if (n == 0) break;
    if (out.size() > max_bytes) return fail(shown + ": file too large");
    chunk = std::min<size_t>(chunk * 2, 1 << 20);
  }
  return out;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (auto* e = readdir(d)) {
    if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0)))
      continue;
    out.emplace_back(e->d_name);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Result<void> mkdir_p(const std::string& path, mode_t mode) {
  if (path.empty()) return fail("mkdir: empty path");
  std::string cur;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    cur = path.substr(0, next);
    pos = next + 1;
    if (cur.empty()) continue;
    if (::mkdir(cur.c_str(), mode) < 0 && errno != EEXIST) return sys_error("mkdir", cur);
  }
  struct stat st;
  if (::stat(path.c_str(), &st) < 0) return sys_error("stat", path);
  if (!S_ISDIR(st.st_mode)) return fail(path + ": exists and is not a directory");
  return {};
}

void remove_stale_temps(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (struct dirent* ent = readdir(d)) {
    if (ent->d_name[0] == '.' && strstr(ent->d_name, ".tmp.")) unlinkat(dirfd(d), ent->d_name, 0);
  }
  closedir(d);
}

}  // namespace zonekit::fs
