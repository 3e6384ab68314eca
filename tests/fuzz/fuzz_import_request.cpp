// What `imgadm import` makes of hostile command-line words: a source is a
// path, '-' or a URL (never a crash); a URL is shown without user:password@
// and ?query; an image name from a source is never empty and never holds a
// '/'; sizes read back exactly.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/image/import_request.hpp"

using namespace zonekit::image;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string s(reinterpret_cast<const char*>(data), size);

  for (bool sha : {false, true}) {
    auto spec = parse_source(s, sha);
    if (!spec) continue;
    if (spec->kind != SourceKind::Url) {
      if (spec->shown != s) abort();
      continue;
    }
    const std::string& shown = spec->shown;
    if (shown.size() > s.size()) abort();
    auto host = shown.find("://");
    if (host == std::string::npos) abort();
    auto path = shown.find('/', host + 3);
    auto authority = shown.substr(host + 3, path == std::string::npos ? std::string::npos : path - host - 3);
    if (authority.find('@') != std::string::npos) abort();  // credentials kept
    if (shown.find_first_of("?#") != std::string::npos) abort();
    if (spec->scheme != "https" && !(spec->scheme == "http" && sha)) abort();
  }

  std::string name = name_from_source(s);
  if (name.empty()) abort();
  if (name.find('/') != std::string::npos) abort();

  (void)parse_size(s);
  if (size >= 8) {
    uint64_t v;
    memcpy(&v, data, 8);
    auto plain = parse_size(std::to_string(v));
    if (!plain || *plain != v) abort();
    v >>= 20;
    auto k = parse_size(std::to_string(v) + "K");
    if (!k || *k != v << 10) abort();
  }
  return 0;
}
