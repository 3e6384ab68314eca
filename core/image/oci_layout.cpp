#include "core/image/oci_layout.hpp"

#include "core/image/entry_path.hpp"

namespace zonekit::image {

namespace {

const char* kIndexTypes[] = {"application/vnd.oci.image.index.v1+json",
                             "application/vnd.docker.distribution.manifest.list.v2+json"};
const char* kLayerTypes[] = {
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.docker.image.rootfs.diff.tar",
};

std::string str_field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<Descriptor> descriptor(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) return fail(where + ": not an object", ErrorKind::Invalid);
  Descriptor d;
  d.media_type = str_field(j, "mediaType");
  d.digest = str_field(j, "digest");
  if (auto it = j.find("size"); it != j.end() && it->is_number_integer()) d.size = it->get<int64_t>();
  if (auto a = j.find("annotations"); a != j.end() && a->is_object())
    d.ref_name = str_field(*a, "org.opencontainers.image.ref.name");
  ZK_TRYVC(digest_hex(d.digest), where);
  return d;
}

// A path named inside manifest.json must stay inside the layout.
Result<std::string> relative_path(const std::string& p, const std::string& where) {
  auto sane = sanitize_entry_path(p);
  if (!sane || sane->was_absolute || sane->parts.empty())
    return fail(where + ": path '" + p + "' is not a relative path inside the image", ErrorKind::Invalid);
  return sane->str();
}

}  // namespace

bool Descriptor::is_index() const {
  for (const char* t : kIndexTypes)
    if (media_type == t) return true;
  return false;
}

Result<std::string> digest_hex(const std::string& digest) {
  constexpr std::string_view prefix = "sha256:";
  if (!digest.starts_with(prefix)) return fail("unsupported digest '" + digest + "' (only sha256)", ErrorKind::Invalid);
  std::string hex = digest.substr(prefix.size());
  bool ok = hex.size() == 64;
  for (char c : hex) ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!ok) return fail("malformed digest '" + digest + "'", ErrorKind::Invalid);
  return hex;
}

Result<std::string> blob_path(const std::string& digest) {
  return "blobs/sha256/" + ZK_TRY(digest_hex(digest));
}

Result<Descriptor> pick_manifest(const nlohmann::json& index, const std::string& os, const std::string& arch) {
  auto it = index.find("manifests");
  if (!index.is_object() || it == index.end() || !it->is_array())
    return fail("index: no manifests array", ErrorKind::Invalid);
  if (it->empty()) return fail("index: no manifests", ErrorKind::Invalid);
  if (it->size() == 1) return descriptor((*it)[0], "index: manifests[0]");
  std::string seen;
  for (size_t i = 0; i < it->size(); ++i) {
    const auto& m = (*it)[i];
    auto p = m.find("platform");
    if (!m.is_object() || p == m.end() || !p->is_object()) continue;
    std::string mos = str_field(*p, "os"), march = str_field(*p, "architecture");
    if (mos == os && march == arch) return descriptor(m, "index: manifests[" + std::to_string(i) + "]");
    seen += (seen.empty() ? "" : ", ") + mos + "/" + march;
  }
  return fail("index: " + std::to_string(it->size()) + " manifests and none for " + os + "/" + arch +
                  (seen.empty() ? "" : " (found " + seen + ")"),
              ErrorKind::Invalid);
}

Result<std::vector<LayerRef>> manifest_layers(const nlohmann::json& manifest) {
  auto it = manifest.find("layers");
  if (!manifest.is_object() || it == manifest.end() || !it->is_array())
    return fail("manifest: no layers array", ErrorKind::Invalid);
  std::vector<LayerRef> out;
  for (size_t i = 0; i < it->size(); ++i) {
    std::string where = "manifest: layers[" + std::to_string(i) + "]";
    Descriptor d = ZK_TRY(descriptor((*it)[i], where));
    bool known = false;
    for (const char* t : kLayerTypes) known = known || d.media_type == t;
    if (!known) return fail(where + ": unsupported media type '" + d.media_type + "'", ErrorKind::Invalid);
    out.push_back({ZK_TRY(blob_path(d.digest)), d.digest, d.size});
  }
  return out;
}

Result<DockerSave> parse_docker_manifest(const nlohmann::json& manifest) {
  if (!manifest.is_array() || manifest.empty() || !manifest[0].is_object())
    return fail("manifest.json: expected a non-empty array of images", ErrorKind::Invalid);
  const auto& m = manifest[0];
  DockerSave out;
  std::string config = str_field(m, "Config");
  if (config.empty()) return fail("manifest.json: image has no Config", ErrorKind::Invalid);
  out.config = ZK_TRY(relative_path(config, "manifest.json: Config"));
  if (auto t = m.find("RepoTags"); t != m.end() && t->is_array() && !t->empty() && (*t)[0].is_string())
    out.repo_tag = (*t)[0].get<std::string>();
  auto layers = m.find("Layers");
  if (layers == m.end() || !layers->is_array()) return fail("manifest.json: image has no Layers", ErrorKind::Invalid);
  for (size_t i = 0; i < layers->size(); ++i) {
    std::string where = "manifest.json: Layers[" + std::to_string(i) + "]";
    if (!(*layers)[i].is_string()) return fail(where + ": not a string", ErrorKind::Invalid);
    LayerRef l;
    l.path = ZK_TRY(relative_path((*layers)[i].get<std::string>(), where));
    if (l.path.starts_with("blobs/sha256/")) {
      l.digest = "sha256:" + l.path.substr(13);
      ZK_TRYVC(digest_hex(l.digest), where);
    }
    out.layers.push_back(std::move(l));
  }
  return out;
}

Result<void> apply_diff_ids(DockerSave& save, const nlohmann::json& config) {
  auto rootfs = config.find("rootfs");
  nlohmann::json ids;
  if (config.is_object() && rootfs != config.end() && rootfs->is_object()) ids = rootfs->value("diff_ids", nlohmann::json());
  for (size_t i = 0; i < save.layers.size(); ++i) {
    if (!save.layers[i].digest.empty()) continue;
    if (!ids.is_array() || i >= ids.size() || !ids[i].is_string())
      return fail("config: no diff_id for layer " + std::to_string(i), ErrorKind::Invalid);
    save.layers[i].digest = ids[i].get<std::string>();
    ZK_TRYVC(digest_hex(save.layers[i].digest), "config: rootfs.diff_ids[" + std::to_string(i) + "]");
  }
  return {};
}

}  // namespace zonekit::image
