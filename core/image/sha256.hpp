// SHA-256 (FIPS 180-4), small and dependency-free: image blobs are verified
// against their "sha256:<hex>" digests while they are read.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace zonekit::image {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t len);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // Finish and return the 64-char lowercase hex digest. The object is spent.
  std::string hex();

 private:
  void block(const uint8_t* p);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buf_{};
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string sha256_hex(std::string_view data);

}  // namespace zonekit::image
