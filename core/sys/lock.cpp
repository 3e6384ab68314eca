#include "core/sys/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <time.h>

namespace zonekit {

Result<FileLock> FileLock::acquire(const std::string& path, Mode mode, int timeout_ms) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return sys_error("open lock", path);
  int op = mode == Mode::Exclusive ? LOCK_EX : LOCK_SH;
  if (timeout_ms < 0) {
    while (::flock(fd.get(), op) < 0) {
      if (errno != EINTR) return sys_error("flock", path);
    }
    return FileLock(std::move(fd));
  }
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    if (::flock(fd.get(), op | LOCK_NB) == 0) return FileLock(std::move(fd));
    if (errno != EWOULDBLOCK && errno != EINTR) return sys_error("flock", path);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    if (elapsed >= timeout_ms) {
      auto e = sys_error("lock", path, EWOULDBLOCK);
      e.error().kind = ErrorKind::Busy;
      return e;
    }
    struct timespec ts{0, 5 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
}

}  // namespace zonekit
