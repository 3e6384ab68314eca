#include "core/image/image_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/image/image_store_detail.hpp"
#include "core/sys/fs.hpp"

namespace zonekit::image {

namespace detail {

std::string images_dir(const std::string& root) { return root + "/images"; }

std::vector<std::string> dir_names(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (struct dirent* ent = readdir(d)) {
    if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, "..")) out.emplace_back(ent->d_name);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// Remove what killed imports and deletes left behind. Caller holds images/.lock.
void clean_leftovers(const std::string& images) {
  for (const auto& name : dir_names(images)) {
    std::string path = images + "/" + name;
    if (name.starts_with(kDeleting)) {
      (void)fs::remove_tree(path);
    } else if (name.starts_with(kIncoming)) {
      bool is_lock = name.ends_with(".lock");
      std::string dir = is_lock ? path.substr(0, path.size() - 5) : path;
      if (is_lock && fs::exists(dir)) continue;  // handled with its directory
      // A running import holds its lock; only a dead one's can be taken.
      auto held = FileLock::acquire(dir + ".lock", FileLock::Mode::Exclusive, 0);
      if (!held) continue;
      (void)fs::remove_tree(dir);
      ::unlink((dir + ".lock").c_str());
    }
  }
}

Result<std::vector<ImageInfo>> list_unlocked(const std::string& root) {
  std::vector<ImageInfo> out;
  std::string images = images_dir(root);
  for (const auto& name : dir_names(images)) {
    if (!is_uuid(name)) continue;
    auto text = fs::read_file(images + "/" + name + "/image.json");
    if (!text) continue;  // not an image (never a half one: those are .incoming-*)
    auto info = image_from_json(*text);
    if (!info || info->uuid != name) continue;
    out.push_back(std::move(*info));
  }
  std::sort(out.begin(), out.end(), [](const ImageInfo& a, const ImageInfo& b) {
    return std::tie(a.created, a.name, a.version, a.uuid) < std::tie(b.created, b.name, b.version, b.uuid);
  });
  return out;
}

Result<ImageInfo> find(const std::vector<ImageInfo>& images, const std::string& key) {
  for (const auto& i : images)
    if (i.uuid == key) return i;
  std::vector<const ImageInfo*> named;
  for (const auto& i : images)
    if (i.name == key) named.push_back(&i);
  if (named.size() == 1) return *named[0];
  if (named.size() > 1) {
    std::string uuids;
    for (auto* i : named) uuids += (uuids.empty() ? "" : ", ") + i->uuid + " (" + (i->version.empty() ? "-" : i->version) + ")";
    return fail("image name '" + key + "' is ambiguous: " + uuids + "; use a uuid", ErrorKind::Invalid);
  }
  std::vector<const ImageInfo*> prefixed;
  if (!key.empty())
    for (const auto& i : images)
      if (i.uuid.starts_with(key)) prefixed.push_back(&i);
  if (prefixed.size() == 1) return *prefixed[0];
  if (prefixed.size() > 1)
    return fail("uuid prefix '" + key + "' matches several images; give more of the uuid", ErrorKind::Invalid);
  return fail(key + ": no such image (see imgadm list)", ErrorKind::NotFound);
}

}  // namespace detail

using namespace detail;

bool is_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::string new_uuid() {
  unsigned char b[16];
  size_t got = 0;
  while (got < sizeof b) {
    ssize_t n = getrandom(b + got, sizeof b - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  char out[37];
  snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
           b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

std::string to_json(const ImageInfo& i) {
  nlohmann::ordered_json j;
  j["uuid"] = i.uuid;
  j["name"] = i.name;
  j["version"] = i.version;
  j["type"] = i.type;
  j["source"] = i.source;
  j["source_digest"] = i.source_digest;
  j["created"] = i.created;
  j["size_bytes"] = i.size_bytes;
  j["warnings"] = i.warnings;
  return j.dump(2);
}

Result<ImageInfo> image_from_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("image.json: not a JSON object", ErrorKind::Invalid);
  ImageInfo i;
  auto str = [&](const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  i.uuid = str("uuid");
  i.name = str("name");
  i.version = str("version");
  i.type = str("type");
  i.source = str("source");
  i.source_digest = str("source_digest");
  i.created = str("created");
  if (auto it = j.find("size_bytes"); it != j.end() && it->is_number_unsigned()) i.size_bytes = it->get<uint64_t>();
  if (auto it = j.find("warnings"); it != j.end() && it->is_array())
    for (const auto& w : *it)
      if (w.is_string()) i.warnings.push_back(w.get<std::string>());
  if (!is_uuid(i.uuid)) return fail("image.json: missing or malformed uuid", ErrorKind::Invalid);
  return i;
}

std::string rootfs_path(const std::string& store_root, const std::string& uuid) {
  return images_dir(store_root) + "/" + uuid + "/rootfs";
}

Result<FileLock> lock_store(const std::string& store_root, FileLock::Mode mode) {
  std::string images = images_dir(store_root);
  ZK_TRYV(fs::mkdir_p(images, 0755));
  return FileLock::acquire(images + "/.lock", mode);
}

Result<std::vector<ImageInfo>> list(const std::string& store_root) {
  std::string images = images_dir(store_root);
  if (!fs::exists(images)) return std::vector<ImageInfo>{};
  // Cleaning needs the lock; a reader without write access still lists.
  auto lock = FileLock::acquire(images + "/.lock", FileLock::Mode::Exclusive);
  if (lock) clean_leftovers(images);
  return list_unlocked(store_root);
}

Result<ImageInfo> get(const std::string& store_root, const std::string& uuid_or_name) {
  auto all = ZK_TRY(list(store_root));
  return find(all, uuid_or_name);
}

Result<std::vector<std::string>> users(const std::string& store_root, const std::string& uuid) {
  std::vector<std::string> out;
  const std::string zones = store_root + "/zones";
  for (const auto& name : dir_names(zones)) {
    if (name.starts_with(".")) continue;
    auto text = fs::read_file(zones + "/" + name + "/zone.json");
    if (!text) continue;
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      if (text->find(uuid) != std::string::npos) out.push_back(name);
      continue;
    }
    auto field = [&](const char* k) {
      auto it = j.find(k);
      return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (field("image_uuid") != uuid) continue;
    std::string alias = field("alias"), zuuid = field("uuid");
    out.push_back(!alias.empty() ? alias : !zuuid.empty() ? zuuid : name);
  }
  return out;
}

Result<void> remove(const std::string& store_root, const std::string& uuid_or_name) {
  const std::string images = images_dir(store_root);
  if (!fs::exists(images)) return fail(uuid_or_name + ": no such image (see imgadm list)", ErrorKind::NotFound);
  FileLock lock = ZK_TRY(lock_store(store_root, FileLock::Mode::Exclusive));
  clean_leftovers(images);
  auto all = ZK_TRY(list_unlocked(store_root));
  ImageInfo info = ZK_TRY(find(all, uuid_or_name));
  auto zones = ZK_TRY(users(store_root, info.uuid));
  if (!zones.empty()) {
    std::string names;
    for (const auto& z : zones) names += (names.empty() ? "" : ", ") + z;
    return fail("image " + info.name + " (" + info.uuid + ") is used by zone" + (zones.size() > 1 ? "s" : "") + ": " + names +
                    "; delete " + (zones.size() > 1 ? "them" : "it") + " first",
                ErrorKind::Busy);
  }
  // Out of the list in one rename; the tree goes after (or, if we are
  // killed, at the next command).
  const std::string doomed = images + "/" + kDeleting + info.uuid;
  if (::rename((images + "/" + info.uuid).c_str(), doomed.c_str()) < 0) return sys_error("rename", images + "/" + info.uuid);
  ZK_TRYV(fs::fsync_dir(images));
  return context(fs::remove_tree(doomed), "delete image " + info.uuid);
}

}  // namespace zonekit::image
