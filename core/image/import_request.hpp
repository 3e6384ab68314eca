// What `imgadm import` is asked to read, checked before a byte of it is
// read: a path (file or directory), "-" (standard input) or an https://
// (or, with --sha256, http://) URL. Pure, apart from the look at stdin
// and the CA file in check_import.
#pragma once

#include <cstdint>
#include <string>

#include "core/image/image_store.hpp"
#include "core/sys/result.hpp"

namespace zonekit::image {

enum class SourceKind { Path, Stdin, Url };

struct SourceSpec {
  SourceKind kind = SourceKind::Path;
  std::string text;    // as given
  std::string shown;   // a URL without user:password@ and ?query (these may be secrets); else text
  std::string scheme;  // "https" or "http" for a Url
};

// Classify a source. A URL of a scheme imgadm does not fetch, and http://
// without an expected sha256, are Invalid, naming the scheme and what is
// fetched.
Result<SourceSpec> parse_source(const std::string& source, bool have_sha256);

// The whole request: the source, --sha256 (64 hex digits), name and version
// (at most 128 bytes, no control characters), the CA file, and stdin (not
// a terminal; needs --name). Every failure is Invalid: a usage error.
Result<SourceSpec> check_import(const std::string& source, const ImportOptions& opts);

// How a source is named in messages and image.json: a URL loses its
// user:password@ and ?query; anything else is kept.
std::string shown_source(const std::string& source);

// "512", "64K", "1.5M", "16G" (powers of 1024) -> bytes; Invalid otherwise.
Result<uint64_t> parse_size(const std::string& text);

// "dir/busybox.tar.gz" -> "busybox"; a URL's last path component likewise;
// "image" when nothing is left.
std::string name_from_source(const std::string& path_or_url);

}  // namespace zonekit::image
