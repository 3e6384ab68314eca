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

#include "core/image/archive_source.hpp"
#include "core/sys/fs.hpp"

namespace zonekit::image {

namespace {

constexpr const char* kIncoming = ".incoming-";
constexpr const char* kDeleting = ".deleting-";

std::string images_dir(const std::string& root) { return root + "/images"; }

// Milliseconds, like SmartOS's published_at, so images sort in import order.
std::string now_iso8601() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char buf[40];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, sizeof buf - n, ".%03ldZ", ts.tv_nsec / 1000000);
  return buf;
}

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
  if (prefixed.size() > 1) return fail("uuid prefix '" + key + "' matches several images", ErrorKind::Invalid);
  return fail("no such image: " + key, ErrorKind::NotFound);
}

// "base.tar.gz" -> "base"
std::string name_from_source(const std::string& path) {
  std::string base = path.substr(path.rfind('/') + 1);
  for (const char* ext : {".tar.gz", ".tar.xz", ".tar.zst", ".tar.bz2", ".tgz", ".txz", ".tzst", ".tbz2", ".tar"}) {
    if (base.size() > strlen(ext) && base.ends_with(ext)) {
      base.resize(base.size() - strlen(ext));
      break;
    }
  }
  return base.empty() ? "image" : base;
}

// "docker.io/library/alpine:3.19" -> {"alpine", "3.19"}; "latest" -> {"", "latest"}.
std::pair<std::string, std::string> split_ref(const std::string& ref) {
  auto colon = ref.rfind(':');
  auto slash = ref.rfind('/');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) {
    if (slash == std::string::npos) return {"", ref};
    return {ref.substr(slash + 1), ""};
  }
  std::string repo = ref.substr(0, colon);
  return {repo.substr(repo.rfind('/') + 1), ref.substr(colon + 1)};
}

// Removes a failed import's directory and lock on the way out.
struct IncomingGuard {
  std::string dir;
  bool armed = true;
  ~IncomingGuard() {
    if (!armed) return;
    (void)fs::remove_tree(dir);
    ::unlink((dir + ".lock").c_str());
  }
};

Result<ImageInfo> import_impl(const std::string& root, const std::string& source, const ImportOptions& opts) {
  char real[PATH_MAX];
  if (!realpath(source.c_str(), real)) {
    auto e = sys_error("open", source);
    if (errno == ENOENT) e.error().kind = ErrorKind::Invalid;
    return e;
  }
  struct stat st;
  if (stat(real, &st) < 0) return sys_error("stat", real);
  if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) return fail(std::string(real) + ": not a file or directory", ErrorKind::Invalid);

  for (const auto& [what, value] : {std::pair{"name", &opts.name}, std::pair{"version", &opts.version}}) {
    if (value->size() > 128) return fail(std::string(what) + " is longer than 128 bytes", ErrorKind::Invalid);
    for (unsigned char c : *value)
      if (c < 0x20 || c == 0x7f) return fail(std::string(what) + " contains a control character", ErrorKind::Invalid);
  }
  if (S_ISDIR(st.st_mode)) {
    // Copying a tree that holds the store would copy the import into itself.
    char store_real[PATH_MAX];
    std::string src = std::string(real) == "/" ? "/" : std::string(real) + "/";
    if (realpath(root.c_str(), store_real) && (std::string(store_real) + "/").starts_with(src))
      return fail(std::string(real) + ": contains the image store " + store_real, ErrorKind::Invalid);
  }

  ImageInfo info;
  info.uuid = new_uuid();
  info.source = real;
  info.created = now_iso8601();
  const std::string images = images_dir(root);
  const std::string incoming = images + "/" + kIncoming + info.uuid;
  IncomingGuard guard{incoming};
  FileLock incoming_lock;
  {
    FileLock lock = ZK_TRY(lock_store(root, FileLock::Mode::Exclusive));
    clean_leftovers(images);
    incoming_lock = ZK_TRY(FileLock::acquire(incoming + ".lock", FileLock::Mode::Exclusive));
    if (::mkdir(incoming.c_str(), 0700) < 0) return sys_error("mkdir", incoming);
    if (::mkdir((incoming + "/rootfs").c_str(), 0755) < 0) return sys_error("mkdir", incoming + "/rootfs");
  }

  ImportProgress progress;
  ByteCounter on_read;
  std::function<void(uint64_t)> on_total;
  if (opts.progress && opts.on_progress) {
    on_read = [&](uint64_t n) {
      progress.done += n;
      opts.on_progress(progress);
    };
    on_total = [&](uint64_t t) { progress.total = t; };
  }

  TreeWriter writer = ZK_TRY(TreeWriter::open(incoming + "/rootfs", opts.limits));
  TreeWriter* w = &writer;
  std::optional<TreeWriter> layered;
  LayoutResult layout;
  if (S_ISDIR(st.st_mode)) {
    UniqueFd src(::open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!src) return sys_error("open", real);
    std::string kind = detect_layout(src.get());
    if (kind.empty()) {
      info.type = "dir";
      ZK_TRYV(copy_directory(writer, real));
    } else {
      layout = ZK_TRY(import_layout(writer, src.get(), kind, on_read, on_total));
    }
  } else {
    UniqueFd src(::open(real, O_RDONLY | O_CLOEXEC));
    if (!src) return sys_error("open", real);
    progress.total = static_cast<uint64_t>(st.st_size);
    std::string hex = ZK_TRY(extract_tar_fd(writer, src.get(), false, "", on_read));
    info.type = "tar";
    info.source_digest = "sha256:" + hex;
    // A tarball of an OCI layout or a docker save unpacks to the layout:
    // move it aside and stack its layers into a fresh rootfs.
    UniqueFd top(::open((incoming + "/rootfs").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    std::string kind = top ? detect_layout(top.get()) : "";
    if (!kind.empty()) {
      top.reset();
      const std::string staged = incoming + "/layout";
      if (::rename((incoming + "/rootfs").c_str(), staged.c_str()) < 0) return sys_error("rename", staged);
      if (::mkdir((incoming + "/rootfs").c_str(), 0755) < 0) return sys_error("mkdir", incoming + "/rootfs");
      layered.emplace(ZK_TRY(TreeWriter::open(incoming + "/rootfs", opts.limits)));
      w = &*layered;
      UniqueFd lfd(::open(staged.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!lfd) return sys_error("open", staged);
      progress = {};
      layout = ZK_TRY(import_layout(*w, lfd.get(), kind, on_read, on_total));
      lfd.reset();
      ZK_TRYV(fs::remove_tree(staged));
    }
  }
  if (!layout.type.empty()) {
    info.type = layout.type;
    info.source_digest = layout.source_digest;
  }
  ZK_TRYV(w->finish());
  info.size_bytes = w->bytes();
  info.warnings = w->warnings().lines();

  auto [ref_name, ref_version] = split_ref(layout.ref_name);
  info.name = !opts.name.empty() ? opts.name : !ref_name.empty() ? ref_name : name_from_source(info.source);
  info.version = !opts.version.empty() ? opts.version : ref_version;

  // The tree reaches the disk before image.json makes it an image.
  {
    UniqueFd dir(::open(incoming.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir || ::syncfs(dir.get()) < 0) return sys_error("sync", incoming);
  }
  ZK_TRYV(fs::write_file_atomic(incoming + "/image.json", to_json(info) + "\n", 0644));
  {
    FileLock lock = ZK_TRY(lock_store(root, FileLock::Mode::Exclusive));
    const std::string final_dir = images + "/" + info.uuid;
    if (::chmod(incoming.c_str(), 0755) < 0) return sys_error("chmod", incoming);
    if (::rename(incoming.c_str(), final_dir.c_str()) < 0) return sys_error("rename", final_dir);
    guard.armed = false;
    ZK_TRYV(fs::fsync_dir(images));
  }
  ::unlink((incoming + ".lock").c_str());
  return info;
}

}  // namespace

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

Result<ImageInfo> import(const std::string& store_root, const std::string& source, const ImportOptions& opts) {
  return context(import_impl(store_root, source, opts), "import " + source);
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
  if (!fs::exists(images)) return fail("no such image: " + uuid_or_name, ErrorKind::NotFound);
  FileLock lock = ZK_TRY(lock_store(store_root, FileLock::Mode::Exclusive));
  clean_leftovers(images);
  auto all = ZK_TRY(list_unlocked(store_root));
  ImageInfo info = ZK_TRY(find(all, uuid_or_name));
  auto zones = ZK_TRY(users(store_root, info.uuid));
  if (!zones.empty()) {
    std::string names;
    for (const auto& z : zones) names += (names.empty() ? "" : ", ") + z;
    return fail("image " + info.name + " (" + info.uuid + ") is used by zone" + (zones.size() > 1 ? "s" : "") + ": " + names,
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
