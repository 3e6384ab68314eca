// Pure parsing of OCI image layouts (image-spec image-layout.md) and
// `docker save` tarballs (manifest.json with Layers[]): which manifest to
// use and which layer files to stack, with the digest each must have.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/sys/result.hpp"

namespace zonekit::image {

struct Descriptor {
  std::string media_type, digest;
  int64_t size = -1;
  std::string ref_name;  // org.opencontainers.image.ref.name annotation
  bool is_index() const;
};

struct LayerRef {
  std::string path;    // relative to the layout root, e.g. "blobs/sha256/<hex>"
  std::string digest;  // "sha256:<hex>" the file must hash to; "" when unknown
  int64_t size = -1;
};

// "sha256:<64 lowercase hex>" only; anything else is Invalid.
Result<std::string> digest_hex(const std::string& digest);
// "blobs/sha256/<hex>" for a valid digest.
Result<std::string> blob_path(const std::string& digest);

// From index.json (or a nested image index): the only manifest, else the
// one for os/arch ("linux"/"amd64"); several candidates and none matching
// is an error listing the platforms found.
Result<Descriptor> pick_manifest(const nlohmann::json& index, const std::string& os = "linux",
                                 const std::string& arch = "amd64");
// From an image manifest: its layers, bottom first. Only tar layers
// (plain, gzip, zstd; OCI and Docker media types) are accepted.
Result<std::vector<LayerRef>> manifest_layers(const nlohmann::json& manifest);

struct DockerSave {
  std::string config;  // path of the config JSON in the tarball
  std::vector<LayerRef> layers;
  std::string repo_tag;  // first of RepoTags, "" if none
};
// From docker save's manifest.json (the first image in it). Layers under
// blobs/sha256/ carry their digest; the others get the config's diff_ids
// through apply_diff_ids.
Result<DockerSave> parse_docker_manifest(const nlohmann::json& manifest);
// Fill missing layer digests from the config's rootfs.diff_ids (these are
// the digests of the uncompressed layer tars, which is what docker save
// stores as <id>/layer.tar).
Result<void> apply_diff_ids(DockerSave& save, const nlohmann::json& config);

}  // namespace zonekit::image
