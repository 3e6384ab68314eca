#include "core/ops/console_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "core/runtime/run_dir.hpp"
#include "core/sys/fd.hpp"

namespace zonekit::ops {

namespace {

constexpr size_t kChunk = 64 * 1024;

UniqueFd open_log(const std::string& path) {
  return UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
}

// Copy fd from offset to its end, in chunks.
Result<void> copy_from(int fd, off_t offset, const LogSink& out, const std::string& path) {
  char buf[kChunk];
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("read", path);
    }
    if (n == 0) return {};
    out(std::string_view(buf, size_t(n)));
    offset += n;
  }
}

// Where the last `lines` lines of fd start, reading backwards in chunks. A
// line ends with '\n'; a last unterminated one counts too. When the file
// holds fewer lines, 0, and `lines` keeps how many are still wanted from
// the file before it.
Result<off_t> tail_offset(int fd, long& lines, const std::string& path) {
  struct stat st;
  if (fstat(fd, &st) < 0) return sys_error("stat", path);
  if (lines <= 0) return off_t(st.st_size);
  if (st.st_size == 0) return off_t{0};
  off_t end = st.st_size;
  char last;
  if (::pread(fd, &last, 1, end - 1) == 1 && last == '\n') --end;  // the last line's own end
  long found = 0;
  char buf[kChunk];
  off_t pos = end;
  while (pos > 0) {
    size_t n = size_t(std::min<off_t>(pos, off_t(sizeof buf)));
    pos -= off_t(n);
    if (::pread(fd, buf, n, pos) != ssize_t(n)) return sys_error("read", path);
    for (size_t i = n; i-- > 0;)
      if (buf[i] == '\n' && ++found == lines) {
        lines = 0;
        return pos + off_t(i) + 1;
      }
  }
  lines -= found + 1;
  if (lines < 0) lines = 0;
  return off_t{0};
}

Result<std::string> log_dir(const store::Store& st, const std::string& name) {
  std::string uuid = ZK_TRY(st.resolve(name));
  return st.paths().run_zone_dir(uuid);
}

void sleep_ms(int ms) {
  struct timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, nullptr);
}

}  // namespace

Result<void> print_log(const store::Store& st, const std::string& name, long lines, const LogSink& out) {
  std::string dir = ZK_TRY(log_dir(st, name));
  std::string cur = runtime::RunPaths{dir}.console_log(), old = cur + ".0";
  UniqueFd a = open_log(old), b = open_log(cur);
  if (lines < 0) {
    if (a) ZK_TRYV(copy_from(a.get(), 0, out, old));
    if (b) ZK_TRYV(copy_from(b.get(), 0, out, cur));
    return {};
  }
  long left = lines;
  off_t from_b = 0, from_a = -1;
  if (b) from_b = ZK_TRY(tail_offset(b.get(), left, cur));
  if (left > 0 && a) from_a = ZK_TRY(tail_offset(a.get(), left, old));
  if (from_a >= 0) ZK_TRYV(copy_from(a.get(), from_a, out, old));
  if (b) ZK_TRYV(copy_from(b.get(), from_b, out, cur));
  return {};
}

Result<void> follow_log(const store::Store& st, const std::string& name, const LogSink& out,
                        const std::function<bool()>& stop) {
  std::string dir = ZK_TRY(log_dir(st, name));
  std::string cur = runtime::RunPaths{dir}.console_log();
  UniqueFd fd = open_log(cur);
  off_t offset = 0;
  if (fd) {
    struct stat s;
    if (fstat(fd.get(), &s) == 0) offset = s.st_size;
  }
  while (!stop()) {
    if (fd) {
      char buf[kChunk];
      ssize_t n = ::pread(fd.get(), buf, sizeof buf, offset);
      if (n > 0) {
        out(std::string_view(buf, size_t(n)));
        offset += n;
        continue;
      }
    }
    // Rotated (console.log is another file now) or made anew at a boot:
    // the old one has been read to its end above, so take the new one.
    struct stat now, mine;
    bool exists = ::stat(cur.c_str(), &now) == 0;
    if (exists && (!fd || fstat(fd.get(), &mine) < 0 || mine.st_ino != now.st_ino || mine.st_dev != now.st_dev)) {
      fd = open_log(cur);
      offset = 0;
      continue;
    }
    if (!exists && ::access(dir.c_str(), F_OK) != 0 && !st.resolve(name)) return {};  // the zone is gone
    sleep_ms(200);
  }
  return {};
}

std::string for_terminal(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\r') continue;
    if (c == '\n' || c == '\t') out += char(c);
    else if (c < 0x20 || c == 0x7f) out += '?';
    else if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
             static_cast<unsigned char>(s[i + 1]) <= 0x9f) {
      out += '?';
      ++i;
    } else {
      out += char(c);
    }
  }
  return out;
}

}  // namespace zonekit::ops
