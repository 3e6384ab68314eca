// imgadm import: a tarball (a file, stdin or a download), OCI layout or
// directory becomes an image (see image_store.hpp). The only part of the
// store that needs libarchive and libcurl.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <climits>
#include <cstring>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>

#include "core/image/archive_source.hpp"
#include "core/image/image_store.hpp"
#include "core/image/image_store_detail.hpp"
#include "core/image/import_request.hpp"
#include "core/image/url_source.hpp"
#include "core/sys/fs.hpp"
#include "core/store/store.hpp"

namespace zonekit::image {

namespace {

using namespace detail;

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

// The complete image whose source_digest is digest, if any. Images appear
// only by rename, so a reader needs no lock to trust what it finds; a
// caller about to add an image holds images/.lock.
Result<std::optional<ImageInfo>> with_digest(const std::string& root, const std::string& digest) {
  if (digest.empty()) return std::optional<ImageInfo>{};
  auto images = ZK_TRY(list_unlocked(root));
  for (auto& i : images)
    if (i.source_digest == digest) return std::optional<ImageInfo>{std::move(i)};
  return std::optional<ImageInfo>{};
}

// The image of this source already in the store. A caller that asked
// for a uuid of its own (zoneadm apply's kind: image) gets it only if it
// is that image: one source is never two images.
Result<ImportResult> existing(ImageInfo info, const ImportOptions& opts) {
  if (!opts.uuid.empty() && info.uuid != opts.uuid)
    return fail("this source is already imported as image " + info.uuid + " (" + info.name +
                (info.version.empty() ? "" : " " + info.version) + "), not as " + opts.uuid +
                "; use that uuid, or delete that image first");
  ImportResult r;
  static_cast<ImageInfo&>(r) = std::move(info);
  r.existing = true;
  return r;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Result<ImportResult> import_impl(const std::string& root, const std::string& source, const ImportOptions& opts) {
  SourceSpec spec = ZK_TRY(check_import(source, opts));
  if (!opts.uuid.empty() && !is_uuid(opts.uuid))
    return fail("uuid " + opts.uuid + " is not a lower-case UUID", ErrorKind::Invalid);
  const std::string want = opts.sha256.empty() ? "" : "sha256:" + lower(opts.sha256);
  // With --sha256 the digest is known before a byte is read.
  if (auto found = ZK_TRY(with_digest(root, want))) return existing(std::move(*found), opts);
  ImageInfo info;
  std::unique_ptr<ByteSource> stream;
  UniqueFd src;
  std::string dir;  // a directory source (realpath)
  if (spec.kind == SourceKind::Path) {
    char real[PATH_MAX];
    if (!realpath(source.c_str(), real)) {
      auto e = sys_error("open", source);
      if (errno == ENOENT) e.error().kind = ErrorKind::Invalid;
      return e;
    }
    struct stat st;
    if (stat(real, &st) < 0) return sys_error("stat", real);
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) return fail(std::string(real) + ": not a file or directory", ErrorKind::Invalid);
    info.source = real;
    if (S_ISDIR(st.st_mode)) {
      if (!want.empty())
        return fail("--sha256 checks the bytes of a file or a download; " + info.source + " is a directory",
                    ErrorKind::Invalid);
      // Copying a tree that holds the store would copy the import into itself.
      char store_real[PATH_MAX];
      std::string prefix = info.source == "/" ? "/" : info.source + "/";
      if (realpath(root.c_str(), store_real) && (std::string(store_real) + "/").starts_with(prefix))
        return fail(info.source + ": contains the image store " + store_real, ErrorKind::Invalid);
      dir = info.source;
    } else {
      if (static_cast<uint64_t>(st.st_size) > opts.max_source_bytes) return fail(too_large(info.source, opts.max_source_bytes));
      src.reset(::open(real, O_RDONLY | O_CLOEXEC));
      if (!src) return sys_error("open", real);
      stream = std::make_unique<FdSource>(src.get(), info.source, opts.max_source_bytes, static_cast<uint64_t>(st.st_size));
    }
  } else if (spec.kind == SourceKind::Stdin) {
    info.source = "-";
    stream = std::make_unique<FdSource>(STDIN_FILENO, "standard input", opts.max_source_bytes);
  } else {
    info.source = spec.shown;
    stream = ZK_TRY(UrlSource::open(spec.text, spec.shown, opts.fetch, opts.max_source_bytes));
  }

  info.uuid = opts.uuid.empty() ? new_uuid() : opts.uuid;
  info.created = store::now_iso8601();  // milliseconds: images sort in import order
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
      if (progress.total == 0 && stream) progress.total = stream->size_hint();
      opts.on_progress(progress);
    };
    on_total = [&](uint64_t t) { progress.total = t; };
  }

  TreeWriter writer = ZK_TRY(TreeWriter::open(incoming + "/rootfs", opts.limits));
  TreeWriter* w = &writer;
  std::optional<TreeWriter> layered;
  LayoutResult layout;
  if (!dir.empty()) {
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dfd) return sys_error("open", dir);
    std::string kind = detect_layout(dfd.get());
    if (kind.empty()) {
      info.type = "dir";
      ZK_TRYV(copy_directory(writer, dir));
    } else {
      layout = ZK_TRY(import_layout(writer, dfd.get(), kind, on_read, on_total));
    }
  } else {
    std::string hex = ZK_TRY(extract_tar(writer, *stream, false, "", on_read));
    stream.reset();  // a download's connection is not needed any more
    if (!want.empty() && "sha256:" + hex != want)
      return fail("content has sha256 " + hex + ", not the expected " + want.substr(7) + " (--sha256); nothing was imported");
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

  // Already there (an earlier import, or a concurrent one that finished
  // first): the unpacked copy goes, with its lock, when guard does.
  if (auto found = ZK_TRY(with_digest(root, info.source_digest))) return existing(std::move(*found), opts);
  // The tree and image.json reach the disk, in one syncfs, before the
  // rename below makes them an image (a crash before it leaves a staging
  // directory the next command removes).
  ZK_TRYV(fs::replace_file(incoming + "/image.json", to_json(info) + "\n", 0644));
  if (::chmod(incoming.c_str(), 0755) < 0) return sys_error("chmod", incoming);
  {
    UniqueFd d(::open(incoming.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!d || ::syncfs(d.get()) < 0) return sys_error("sync", incoming);
  }
  {
    FileLock lock = ZK_TRY(lock_store(root, FileLock::Mode::Exclusive));
    // Decided under the lock the rename holds: one source, one image.
    if (auto found = ZK_TRY(with_digest(root, info.source_digest))) return existing(std::move(*found), opts);
    const std::string final_dir = images + "/" + info.uuid;
    if (fs::exists(final_dir)) return fail("image " + info.uuid + " is already imported");
    if (::rename(incoming.c_str(), final_dir.c_str()) < 0) return sys_error("rename", final_dir);
    guard.armed = false;
    ZK_TRYV(fs::fsync_dir(images));
  }
  ::unlink((incoming + ".lock").c_str());
  ImportResult out;
  static_cast<ImageInfo&>(out) = std::move(info);
  return out;
}

}  // namespace

Result<ImportResult> import(const std::string& store_root, const std::string& source, const ImportOptions& opts) {
  return context(import_impl(store_root, source, opts), "import " + shown_source(source));
}

}  // namespace zonekit::image
