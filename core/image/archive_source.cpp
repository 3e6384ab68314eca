#include "core/image/archive_source.hpp"

#include "core/sys/fs.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/image/oci_layout.hpp"
#include "core/image/sha256.hpp"

namespace zonekit::image {

namespace {

constexpr size_t kReadBuf = 1 << 20;
constexpr size_t kMaxJson = 16 << 20;

struct ArchiveFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveFree>;

// A filter counts only when libarchive has it built in: its fallback to an
// external decompressor program is not acceptable in product code.
bool native_filter(int (*support)(struct archive*)) {
  struct archive* a = archive_read_new();
  int r = support(a);
  archive_read_free(a);
  return r == ARCHIVE_OK;
}

struct Filter {
  const char* name;
  int (*support)(struct archive*);
  bool native;
};

std::vector<Filter>& filters() {
  static std::vector<Filter> f = [] {
    std::vector<Filter> v = {{"gzip", archive_read_support_filter_gzip, false},
                             {"bzip2", archive_read_support_filter_bzip2, false},
                             {"xz", archive_read_support_filter_xz, false},
                             {"lzma", archive_read_support_filter_lzma, false},
                             {"zstd", archive_read_support_filter_zstd, false}};
    for (auto& x : v) x.native = native_filter(x.support);
    return v;
  }();
  return f;
}

// Name the compression of a stream by its magic bytes ("" if none known).
std::string compression_of(const unsigned char* p, size_t n) {
  if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) return "gzip";
  if (n >= 3 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h') return "bzip2";
  if (n >= 6 && !memcmp(p, "\xfd" "7zXZ\0", 6)) return "xz";
  if (n >= 4 && !memcmp(p, "\x28\xb5\x2f\xfd", 4)) return "zstd";
  return "";
}

struct HashingReader {
  ByteSource* src;
  Sha256 sha;
  std::vector<char> buf = std::vector<char>(kReadBuf);
  const ByteCounter* on_read;
  std::string first_bytes;  // for naming an unsupported compression
  std::optional<Error> src_error;
};

la_ssize_t hashing_read(struct archive* a, void* client, const void** out) {
  auto* r = static_cast<HashingReader*>(client);
  auto n = r->src->read(r->buf.data(), r->buf.size());
  if (!n) {
    archive_set_error(a, n.error().code ? n.error().code : EIO, "%s", n.error().message().c_str());
    r->src_error = std::move(n.error());
    return -1;
  }
  r->sha.update(r->buf.data(), *n);
  if (r->first_bytes.size() < 8) r->first_bytes.append(r->buf.data(), std::min<size_t>(*n, 8));
  if (r->on_read && *r->on_read && *n > 0) (*r->on_read)(static_cast<uint64_t>(*n));
  *out = r->buf.data();
  return static_cast<la_ssize_t>(*n);
}

Result<UniqueFd> open_beneath(int dirfd, const std::string& rel) {
  struct open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(syscall(SYS_openat2, dirfd, rel.c_str(), &how, sizeof how));
  if (fd < 0) return sys_error("open", rel);
  UniqueFd owned(fd);
  struct stat st;
  if (fstat(fd, &st) < 0) return sys_error("stat", rel);
  if (!S_ISREG(st.st_mode)) return fail(rel + ": not a regular file");
  return owned;
}

Result<std::string> read_small(int dirfd, const std::string& rel) {
  UniqueFd fd = ZK_TRY(open_beneath(dirfd, rel));
  auto text = fs::read_fd(fd.get(), kMaxJson, rel);
  if (!text && text.error().code == 0) return fail(rel + ": larger than 16 MiB");
  return text;
}

Result<nlohmann::json> parse_json(const std::string& text, const std::string& what) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return fail(what + ": not valid JSON", ErrorKind::Invalid);
  return j;
}

// A blob read whole (manifests, configs) and checked against its digest.
Result<nlohmann::json> read_blob_json(int dirfd, const std::string& path, const std::string& digest) {
  std::string text = ZK_TRY(read_small(dirfd, path));
  if (!digest.empty() && "sha256:" + sha256_hex(text) != digest)
    return fail(path + ": content does not match digest " + digest);
  return parse_json(text, path);
}

bool is_regular_at(int dirfd, const char* name) {
  struct stat st;
  return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

Result<void> extract_layers(TreeWriter& w, int dirfd, const std::vector<LayerRef>& layers,
                            const ByteCounter& on_read, const std::function<void(uint64_t)>& on_total) {
  std::vector<UniqueFd> fds;
  uint64_t total = 0;
  for (const auto& l : layers) {
    fds.push_back(ZK_TRY(open_beneath(dirfd, l.path)));
    struct stat st;
    if (fstat(fds.back().get(), &st) == 0) total += static_cast<uint64_t>(st.st_size);
  }
  if (on_total) on_total(total);
  for (size_t i = 0; i < layers.size(); ++i) {
    std::string shown = "layer " + std::to_string(i) + " (" + layers[i].path + ")";
    std::string hex = ZK_TRY(extract_tar_fd(w, fds[i].get(), true, shown, on_read));
    if (!layers[i].digest.empty() && "sha256:" + hex != layers[i].digest)
      return fail(shown + ": content does not match digest " + layers[i].digest);
  }
  return {};
}

}  // namespace

Result<std::string> extract_tar(TreeWriter& w, ByteSource& src, bool layer, const std::string& shown,
                                const ByteCounter& on_read) {
  ArchivePtr a(archive_read_new());
  if (!a) return fail("archive_read_new: out of memory");
  for (const auto& f : filters())
    if (f.native) f.support(a.get());
  archive_read_support_format_tar(a.get());
  HashingReader reader{&src, {}, std::vector<char>(kReadBuf), &on_read, {}, {}};
  const std::string prefix = shown.empty() ? "" : shown + ": ";
  // libarchive's "Unrecognized archive format" (EILSEQ on Linux), at open
  // or before the first entry: say what was expected, or which compression
  // this libarchive was built without.
  auto unrecognized = [&]() -> std::optional<Error> {
    if (archive_errno(a.get()) != EILSEQ) return std::nullopt;
    std::string comp = compression_of(reinterpret_cast<const unsigned char*>(reader.first_bytes.data()),
                                      reader.first_bytes.size());
    if (comp.empty()) return fail(prefix + "not a tar archive (plain, or compressed with gzip, xz, bzip2 or zstd)").error();
    for (const auto& f : filters())
      if (comp == f.name && !f.native)
        return fail(prefix + comp + "-compressed, and this libarchive was built without " + comp).error();
    return std::nullopt;
  };
  if (archive_read_open(a.get(), &reader, nullptr, hashing_read, nullptr) != ARCHIVE_OK) {
    if (reader.src_error) return fail(std::move(*reader.src_error));
    if (auto e = unrecognized()) return fail(std::move(*e));
    const char* msg = archive_error_string(a.get());
    return fail(prefix + (msg ? msg : "cannot open archive"));
  }
  const uint64_t entries_before = w.entries();
  auto r = w.extract(a.get(), layer, shown);
  if (!r) {
    if (reader.src_error) return fail(std::move(*reader.src_error));
    if (w.entries() == entries_before)
      if (auto e = unrecognized()) return fail(std::move(*e));
    return std::unexpected(r.error());
  }
  // Hash what libarchive did not need (tar end padding) too: the digest is of the whole file.
  for (;;) {
    size_t n = ZK_TRY(src.read(reader.buf.data(), reader.buf.size()));
    if (n == 0) break;
    reader.sha.update(reader.buf.data(), n);
    if (on_read) on_read(static_cast<uint64_t>(n));
  }
  return reader.sha.hex();
}

Result<std::string> extract_tar_fd(TreeWriter& w, int fd, bool layer, const std::string& shown,
                                   const ByteCounter& on_read) {
  FdSource src(fd, shown.empty() ? "archive" : shown);
  return extract_tar(w, src, layer, shown, on_read);
}

Result<void> copy_directory(TreeWriter& w, const std::string& dir) {
  ArchivePtr a(archive_read_disk_new());
  if (!a) return fail("archive_read_disk_new: out of memory");
  archive_read_disk_set_symlink_physical(a.get());
  archive_read_disk_set_behavior(a.get(), ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS | ARCHIVE_READDISK_NO_XATTR |
                                              ARCHIVE_READDISK_NO_ACL | ARCHIVE_READDISK_NO_FFLAGS);
  if (archive_read_disk_open(a.get(), dir.c_str()) != ARCHIVE_OK)
    return fail(dir + ": " + std::string(archive_error_string(a.get()) ?: "cannot open"));
  std::unique_ptr<archive_entry_linkresolver, void (*)(archive_entry_linkresolver*)> links(
      archive_entry_linkresolver_new(), archive_entry_linkresolver_free);
  archive_entry_linkresolver_set_strategy(links.get(), ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
  std::unique_ptr<archive_entry, void (*)(archive_entry*)> entry(archive_entry_new(), archive_entry_free);
  const std::string prefix = dir.ends_with('/') ? dir : dir + "/";
  for (;;) {
    archive_entry_clear(entry.get());
    int r = archive_read_next_header2(a.get(), entry.get());
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      const char* msg = archive_error_string(a.get());
      return fail(dir + ": " + (msg ? msg : "cannot read directory"));
    }
    std::string path = archive_entry_pathname(entry.get()) ?: "";
    std::string rel;
    if (path == dir || path + "/" == prefix) {
      rel = ".";
    } else if (path.starts_with(prefix)) {
      rel = path.substr(prefix.size());
    } else {
      return fail(dir + ": walk produced a path outside it: " + path);
    }
    archive_read_disk_descend(a.get());
    archive_entry_copy_pathname(entry.get(), rel.c_str());
    archive_entry* e = entry.get();
    archive_entry* spare = nullptr;
    archive_entry_linkify(links.get(), &e, &spare);
    if (e) ZK_TRYVC(w.write_entry(a.get(), e, false), dir);
    if (spare) archive_entry_free(spare);
  }
  return {};
}

std::string detect_layout(int dirfd) {
  if (is_regular_at(dirfd, "oci-layout") && is_regular_at(dirfd, "index.json")) return "oci";
  if (is_regular_at(dirfd, "manifest.json")) {
    auto text = read_small(dirfd, "manifest.json");
    if (!text) return "";
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_array() && !j.empty() && j[0].is_object() && j[0].contains("Layers")) return "docker";
  }
  return "";
}

Result<LayoutResult> import_layout(TreeWriter& w, int dirfd, const std::string& type, const ByteCounter& on_read,
                                   const std::function<void(uint64_t)>& on_total) {
  LayoutResult out;
  out.type = type;
  if (type == "oci") {
    auto layout = ZK_TRY(parse_json(ZK_TRY(read_small(dirfd, "oci-layout")), "oci-layout"));
    if (!layout.is_object() || !layout.contains("imageLayoutVersion"))
      return fail("oci-layout: no imageLayoutVersion", ErrorKind::Invalid);
    auto index = ZK_TRY(parse_json(ZK_TRY(read_small(dirfd, "index.json")), "index.json"));
    Descriptor d = ZK_TRYC(pick_manifest(index), "index.json");
    for (int depth = 0; d.is_index(); ++depth) {
      if (depth == 4) return fail("index.json: image indexes nested too deep", ErrorKind::Invalid);
      auto nested = ZK_TRY(read_blob_json(dirfd, ZK_TRY(blob_path(d.digest)), d.digest));
      std::string ref = d.ref_name;
      d = ZK_TRYC(pick_manifest(nested), d.digest);
      if (d.ref_name.empty()) d.ref_name = ref;
    }
    auto manifest = ZK_TRY(read_blob_json(dirfd, ZK_TRY(blob_path(d.digest)), d.digest));
    auto layers = ZK_TRYC(manifest_layers(manifest), d.digest);
    ZK_TRYV(extract_layers(w, dirfd, layers, on_read, on_total));
    out.source_digest = d.digest;
    out.ref_name = d.ref_name;
    return out;
  }
  if (type == "docker") {
    auto manifest = ZK_TRY(parse_json(ZK_TRY(read_small(dirfd, "manifest.json")), "manifest.json"));
    DockerSave save = ZK_TRY(parse_docker_manifest(manifest));
    std::string config_text = ZK_TRY(read_small(dirfd, save.config));
    out.source_digest = "sha256:" + sha256_hex(config_text);
    // The config is named by its own digest: <hex>.json or blobs/sha256/<hex>.
    std::string base = save.config.substr(save.config.rfind('/') + 1);
    if (base.ends_with(".json")) base.resize(base.size() - 5);
    if (digest_hex("sha256:" + base) && "sha256:" + base != out.source_digest)
      return fail(save.config + ": content does not match its name");
    auto config = ZK_TRY(parse_json(config_text, save.config));
    ZK_TRYV(apply_diff_ids(save, config));
    ZK_TRYV(extract_layers(w, dirfd, save.layers, on_read, on_total));
    out.ref_name = save.repo_tag;
    return out;
  }
  return fail("unknown layout type '" + type + "'");
}

}  // namespace zonekit::image
