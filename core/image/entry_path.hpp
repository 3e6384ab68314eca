// Pure rules for archive entry names: how a name in a (possibly hostile)
// tarball maps to a path inside the image rootfs, and what an OCI whiteout
// entry means. No I/O here, so every rule is unit-tested.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/sys/result.hpp"

namespace zonekit::image {

struct EntryPath {
  std::vector<std::string> parts;  // empty = the rootfs directory itself
  bool was_absolute = false;       // a leading "/" was stripped
  std::string str() const;         // "a/b/c" ("." for the root)
};

// Leading "/" and "./" are stripped, empty and "." components dropped.
// ".." anywhere is refused (Invalid): a name never climbs, even when the
// result would stay inside. NUL bytes and over-long names are refused.
Result<EntryPath> sanitize_entry_path(std::string_view raw);

// OCI layer whiteouts (image-spec layer.md).
enum class WhiteoutKind { None, Remove, Opaque };
struct Whiteout {
  WhiteoutKind kind = WhiteoutKind::None;
  // Remove: the path the whiteout deletes. Opaque: the directory whose
  // lower-layer content is hidden.
  std::vector<std::string> target;
};
Whiteout classify_whiteout(const EntryPath& path);

// What an opaque marker does to something already in the tree under the
// opaque directory: entries written by the current layer (and directories
// on the way to them) stay; everything from lower layers goes.
enum class OpaqueAction { Keep, Descend, Remove };
OpaqueAction opaque_action(const std::string& path, bool is_dir, const std::set<std::string>& written_this_layer);

}  // namespace zonekit::image
