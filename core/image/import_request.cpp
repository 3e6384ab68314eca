#include "core/image/import_request.hpp"

#include <unistd.h>

#include <cctype>
#include <cstring>

namespace zonekit::image {

namespace {

// "https://h/x" -> "https"; "" when source is not scheme://...
std::string scheme_of(const std::string& s) {
  auto sep = s.find("://");
  if (sep == std::string::npos || sep == 0 || !std::isalpha(static_cast<unsigned char>(s[0]))) return "";
  for (size_t i = 1; i < sep; ++i) {
    char c = s[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return "";
  }
  std::string scheme = s.substr(0, sep);
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return scheme;
}

// Drop user:password@ and ?query / #fragment: image.json and messages keep
// the rest.
std::string redact_url(const std::string& url) {
  auto host = url.find("://") + 3;
  auto end = url.find_first_of("?#", host);
  std::string out = url.substr(0, end);
  auto path = out.find('/', host);
  auto at = out.rfind('@', path == std::string::npos ? std::string::npos : path);
  if (at != std::string::npos && at >= host) out.erase(host, at + 1 - host);
  return out;
}

Result<void> check_label(const char* what, const std::string& value) {
  if (value.size() > 128) return fail(std::string("--") + what + " is longer than 128 bytes", ErrorKind::Invalid);
  for (unsigned char c : value)
    if (c < 0x20 || c == 0x7f) return fail(std::string("--") + what + " contains a control character", ErrorKind::Invalid);
  return {};
}

}  // namespace

Result<SourceSpec> parse_source(const std::string& source, bool have_sha256) {
  SourceSpec spec;
  spec.text = spec.shown = source;
  if (source.empty()) return fail("no source given", ErrorKind::Invalid);
  if (source == "-") {
    spec.kind = SourceKind::Stdin;
    return spec;
  }
  std::string scheme = scheme_of(source);
  if (scheme.empty()) return spec;
  spec.kind = SourceKind::Url;
  spec.scheme = scheme;
  spec.shown = redact_url(source);
  if (scheme == "https") return spec;
  if (scheme == "http") {
    if (have_sha256) return spec;
    return fail("plain http:// is fetched only with --sha256 (nothing else would notice a changed download); "
                "use https:// or give --sha256",
                ErrorKind::Invalid);
  }
  if (scheme == "file") return fail("file:// URLs are not fetched; give the file's path", ErrorKind::Invalid);
  return fail("cannot fetch " + scheme + ":// URLs; imgadm fetches https:// (and http:// with --sha256), "
                  "or give a file, a directory or '-' for standard input",
              ErrorKind::Invalid);
}

Result<SourceSpec> check_import(const std::string& source, const ImportOptions& opts) {
  SourceSpec spec = ZK_TRY(parse_source(source, !opts.sha256.empty()));
  if (!opts.sha256.empty()) {
    bool hex = opts.sha256.size() == 64;
    for (char c : opts.sha256) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
    if (!hex) return fail("--sha256 '" + opts.sha256 + "' is not 64 hex digits", ErrorKind::Invalid);
  }
  ZK_TRYV(check_label("name", opts.name));
  ZK_TRYV(check_label("version", opts.version));
  if (opts.max_source_bytes == 0) return fail("--max-size must be more than 0", ErrorKind::Invalid);
  if (opts.fetch.timeout_s <= 0) return fail("--timeout must be at least 1 second", ErrorKind::Invalid);
  if (!opts.fetch.cacert.empty() && ::access(opts.fetch.cacert.c_str(), R_OK) < 0)
    return fail("--cacert " + opts.fetch.cacert + ": " + strerror(errno), ErrorKind::Invalid);
  if (spec.kind == SourceKind::Stdin) {
    if (::isatty(STDIN_FILENO))
      return fail("standard input is a terminal; pipe a tarball into it (imgadm import - --name NAME < image.tar.gz)",
                  ErrorKind::Invalid);
    if (opts.name.empty()) return fail("standard input has no file name to name the image after; give --name", ErrorKind::Invalid);
  }
  return spec;
}

std::string shown_source(const std::string& source) {
  return scheme_of(source).empty() ? source : redact_url(source);
}

Result<uint64_t> parse_size(const std::string& text) {
  auto bad = [&] {
    return fail("size '" + text + "' is not a number of bytes with an optional K, M, G or T (powers of 1024)",
                ErrorKind::Invalid);
  };
  size_t i = 0;
  uint64_t whole = 0, frac = 0, frac_div = 1;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    auto digit = static_cast<uint64_t>(text[i] - '0');
    if (whole > (UINT64_MAX - digit) / 10) return bad();
    whole = whole * 10 + digit;
  }
  if (i == 0) return bad();
  if (i < text.size() && text[i] == '.') {
    size_t start = ++i;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
      if (frac_div < 1'000'000) {
        frac = frac * 10 + static_cast<uint64_t>(text[i] - '0');
        frac_div *= 10;
      }
    }
    if (i == start) return bad();
  }
  std::string unit = text.substr(i);
  if (unit.size() == 2 && (unit[1] == 'B' || unit[1] == 'b') && unit[0] != 'B' && unit[0] != 'b') unit.resize(1);
  int shift = -1;
  if (unit.empty() || unit == "B" || unit == "b") shift = 0;
  else if (unit.size() == 1) {
    const char* units = "KMGT";
    const char* at = std::strchr(units, std::toupper(static_cast<unsigned char>(unit[0])));
    if (at) shift = 10 * static_cast<int>(at - units + 1);
  }
  if (shift < 0) return bad();
  if (shift > 0 && whole > (UINT64_MAX >> shift)) return bad();
  uint64_t bytes = (whole << shift) + (frac << shift) / frac_div;
  return bytes;
}

std::string name_from_source(const std::string& path_or_url) {
  std::string path = path_or_url;
  if (!scheme_of(path).empty()) {
    path = redact_url(path);
    auto host = path.find("://") + 3;
    auto slash = path.find('/', host);
    path = slash == std::string::npos ? "" : path.substr(slash);
  }
  while (path.size() > 1 && path.ends_with('/')) path.pop_back();
  std::string base = path.substr(path.rfind('/') + 1);
  for (const char* ext : {".tar.gz", ".tar.xz", ".tar.zst", ".tar.bz2", ".tgz", ".txz", ".tzst", ".tbz2", ".tar"}) {
    if (base.size() > strlen(ext) && base.ends_with(ext)) {
      base.resize(base.size() - strlen(ext));
      break;
    }
  }
  return base.empty() || base == "/" ? "image" : base;
}

}  // namespace zonekit::image
