// ByteSource: the bytes of an image source, pulled by the tar extractor as
// it needs them, so nothing is held whole in memory: a file or pipe
// (FdSource) or a download (UrlSource, url_source.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "core/sys/result.hpp"

namespace zonekit::image {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Up to n bytes into buf; 0 at the end of the stream. Errors name the source.
  virtual Result<size_t> read(char* buf, size_t n) = 0;
  // The stream's length when known (a file's size, Content-Length), else 0.
  virtual uint64_t size_hint() const { return 0; }
};

// A file or pipe, read to its end. More than max_bytes is an error
// "<shown>: larger than the <max> limit".
class FdSource final : public ByteSource {
 public:
  FdSource(int fd, std::string shown, uint64_t max_bytes = UINT64_MAX, uint64_t size = 0)
      : fd_(fd), shown_(std::move(shown)), max_(max_bytes), size_(size) {}
  Result<size_t> read(char* buf, size_t n) override;
  uint64_t size_hint() const override { return size_; }

 private:
  int fd_;
  std::string shown_;
  uint64_t max_, size_, read_ = 0;
};

// "<shown>: larger than the 1.0G limit; raise --max-size": the one wording
// for every source.
Error too_large(const std::string& shown, uint64_t max_bytes);

}  // namespace zonekit::image
