// The byte-level pieces of the SmartOS metadata protocol (version 2):
// CRC-32 (the zlib polynomial) and standard base64 with padding. Header
// only, over raw buffers, with no allocation and no library beyond the
// compiler's: zoneadmd's parser and the static in-zone clients
// (cmd/mdata) share it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zonekit::mdcodec {

inline uint32_t crc32(const char* data, size_t len) {
  uint32_t crc = 0xffffffffu;
  for (size_t i = 0; i < len; ++i) {
    crc ^= static_cast<unsigned char>(data[i]);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

inline constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

inline size_t base64_encoded_len(size_t n) { return (n + 2) / 3 * 4; }

// Writes base64_encoded_len(n) characters to out (no terminator).
inline void base64_encode(const char* in, size_t n, char* out) {
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < n) v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    if (i + 2 < n) v |= static_cast<unsigned char>(in[i + 2]);
    out[o++] = kB64[(v >> 18) & 63];
    out[o++] = kB64[(v >> 12) & 63];
    out[o++] = i + 1 < n ? kB64[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? kB64[v & 63] : '=';
  }
}

inline int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Decodes n characters (a multiple of 4, '=' padding only at the end) into
// out, which must hold n / 4 * 3 bytes. Returns the decoded length, or -1
// when the text is not canonical base64.
inline long base64_decode(const char* in, size_t n, char* out) {
  if (n % 4 != 0) return -1;
  size_t o = 0;
  for (size_t i = 0; i < n; i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = in[i + k];
      if (c == '=' && i + 4 == n && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad) return -1;  // data after padding
      v[k] = base64_value(c);
      if (v[k] < 0) return -1;
    }
    uint32_t w = (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) | uint32_t(v[3]);
    out[o++] = static_cast<char>((w >> 16) & 0xff);
    if (pad < 2) out[o++] = static_cast<char>((w >> 8) & 0xff);
    if (pad < 1) out[o++] = static_cast<char>(w & 0xff);
  }
  return static_cast<long>(o);
}

}  // namespace zonekit::mdcodec
