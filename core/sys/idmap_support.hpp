// Which file systems can be idmapped (mount_setattr MOUNT_ATTR_IDMAP), and
// since which kernel: an image zone's root is its image idmapped into the
// zone's uid range, so a store on a file system the running kernel cannot
// idmap cannot boot image zones. Pure: the caller supplies statfs's type
// name and uname's release.
#pragma once

#include <string>

namespace zonekit::sys {

// "6.1.0-13-amd64" -> 601 (major * 100 + minor); 0 when unparsable.
int kernel_version_code(const std::string& release);

// Why FS_TYPE cannot be idmapped on RELEASE, and what to do: the text that
// follows "idmap PATH: " in a boot error.
std::string idmap_refusal(const std::string& fs_type, const std::string& release);

}  // namespace zonekit::sys
