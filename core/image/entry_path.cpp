#include "core/image/entry_path.hpp"

namespace zonekit::image {

namespace {
constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr size_t kMaxPath = 4096;
constexpr size_t kMaxName = 255;
}  // namespace

std::string EntryPath::str() const {
  if (parts.empty()) return ".";
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

Result<EntryPath> sanitize_entry_path(std::string_view raw) {
  if (raw.find('\0') != std::string_view::npos) return fail("entry name contains a NUL byte", ErrorKind::Invalid);
  if (raw.size() > kMaxPath) return fail("entry name is longer than 4096 bytes", ErrorKind::Invalid);
  EntryPath out;
  out.was_absolute = !raw.empty() && raw.front() == '/';
  size_t pos = 0;
  while (pos <= raw.size()) {
    size_t slash = raw.find('/', pos);
    if (slash == std::string_view::npos) slash = raw.size();
    std::string_view comp = raw.substr(pos, slash - pos);
    pos = slash + 1;
    if (comp.empty() || comp == ".") continue;
    if (comp == "..") return fail("entry '" + std::string(raw) + "' contains '..'", ErrorKind::Invalid);
    if (comp.size() > kMaxName) return fail("entry '" + std::string(raw) + "' has a name over 255 bytes", ErrorKind::Invalid);
    out.parts.emplace_back(comp);
  }
  return out;
}

Whiteout classify_whiteout(const EntryPath& path) {
  Whiteout w;
  if (path.parts.empty()) return w;
  const std::string& base = path.parts.back();
  if (base == kOpaqueMarker) {
    w.kind = WhiteoutKind::Opaque;
    w.target.assign(path.parts.begin(), path.parts.end() - 1);
  } else if (base.starts_with(kWhiteoutPrefix)) {
    std::string name = base.substr(kWhiteoutPrefix.size());
    // ".wh." alone or ".wh.." would name nothing sensible: treat as a no-op
    // whiteout of nothing (it is dropped, never written).
    w.kind = WhiteoutKind::Remove;
    if (name.empty() || name == "." || name == "..") return w;
    w.target.assign(path.parts.begin(), path.parts.end() - 1);
    w.target.push_back(std::move(name));
  }
  return w;
}

OpaqueAction opaque_action(const std::string& path, bool is_dir, const std::set<std::string>& written) {
  if (written.contains(path)) return is_dir ? OpaqueAction::Descend : OpaqueAction::Keep;
  std::string prefix = path + "/";
  auto it = written.lower_bound(prefix);
  if (it != written.end() && it->starts_with(prefix)) return OpaqueAction::Descend;
  return OpaqueAction::Remove;
}

}  // namespace zonekit::image
