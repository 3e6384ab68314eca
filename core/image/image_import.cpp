// imgadm import: a tarball, OCI layout or directory becomes an image
// (see image_store.hpp). The only part of the store that needs libarchive.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/image/archive_source.hpp"
#include "core/image/image_store.hpp"
#include "core/image/image_store_detail.hpp"
#include "core/sys/fs.hpp"

namespace zonekit::image {

namespace {

using namespace detail;

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

  if (!opts.uuid.empty() && !is_uuid(opts.uuid))
    return fail("uuid " + opts.uuid + " is not a lower-case UUID", ErrorKind::Invalid);
  ImageInfo info;
  info.uuid = opts.uuid.empty() ? new_uuid() : opts.uuid;
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
    if (fs::exists(final_dir)) return fail("image " + info.uuid + " is already imported");
    if (::chmod(incoming.c_str(), 0755) < 0) return sys_error("chmod", incoming);
    if (::rename(incoming.c_str(), final_dir.c_str()) < 0) return sys_error("rename", final_dir);
    guard.armed = false;
    ZK_TRYV(fs::fsync_dir(images));
  }
  ::unlink((incoming + ".lock").c_str());
  return info;
}

}  // namespace

Result<ImageInfo> import(const std::string& store_root, const std::string& source, const ImportOptions& opts) {
  return context(import_impl(store_root, source, opts), "import " + source);
}

}  // namespace zonekit::image
