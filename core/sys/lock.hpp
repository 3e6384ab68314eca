// FileLock: an flock(2) held for the lifetime of the object. Locks die with
// their holder, so a killed command never leaves the store locked.
#pragma once

#include <string>

#include "core/sys/fd.hpp"
#include "core/sys/result.hpp"

namespace zonekit {

class FileLock {
 public:
  enum class Mode { Shared, Exclusive };

  // Blocks until the lock is held (or timeout_ms passes: Busy error).
  // timeout_ms < 0 waits forever, 0 does not wait.
  static Result<FileLock> acquire(const std::string& path, Mode mode, int timeout_ms = -1);

  FileLock() = default;
  FileLock(FileLock&&) = default;
  FileLock& operator=(FileLock&&) = default;
  bool held() const { return static_cast<bool>(fd_); }
  int fd() const { return fd_.get(); }
  void release() { fd_.reset(); }

 private:
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace zonekit
