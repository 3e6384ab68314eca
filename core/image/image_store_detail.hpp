// Internal to the image store: what image_store.cpp (list, get, remove)
// and image_import.cpp share. Import lives in its own object so that
// programs which only look images up (zoneadm, zlogin) do not link
// libarchive and the dozen libraries it loads.
#pragma once

#include <string>
#include <vector>

#include "core/image/image_store.hpp"
#include "core/sys/result.hpp"

namespace zonekit::image::detail {

inline constexpr const char* kIncoming = ".incoming-";
inline constexpr const char* kDeleting = ".deleting-";

std::string images_dir(const std::string& root);
std::vector<std::string> dir_names(const std::string& dir);
// Remove what killed imports and deletes left behind. Caller holds images/.lock.
void clean_leftovers(const std::string& images);
Result<std::vector<ImageInfo>> list_unlocked(const std::string& root);
Result<ImageInfo> find(const std::vector<ImageInfo>& images, const std::string& key);

}  // namespace zonekit::image::detail
