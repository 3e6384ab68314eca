#include "core/image/byte_source.hpp"

#include <unistd.h>

#include <cerrno>

#include "core/image/image_list.hpp"

namespace zonekit::image {

Error too_large(const std::string& shown, uint64_t max_bytes) {
  return fail(shown + ": larger than the " + human_size(max_bytes) + " limit; raise --max-size").error();
}

Result<size_t> FdSource::read(char* buf, size_t n) {
  ssize_t got;
  do got = ::read(fd_, buf, n);
  while (got < 0 && errno == EINTR);
  if (got < 0) return sys_error("read", shown_);
  read_ += static_cast<uint64_t>(got);
  if (read_ > max_) return fail(too_large(shown_, max_));
  return static_cast<size_t>(got);
}

}  // namespace zonekit::image
