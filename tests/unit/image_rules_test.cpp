// Pure rules: entry name sanitising, whiteouts, OCI manifest choice, list output.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/image/entry_path.hpp"
#include "core/image/image_list.hpp"
#include "core/image/oci_layout.hpp"

using namespace zonekit;
using namespace zonekit::image;

TEST_CASE("sanitize_entry_path strips roots and dots, refuses ..") {
  CHECK(sanitize_entry_path("./etc/passwd")->str() == "etc/passwd");
  CHECK(sanitize_entry_path("etc//./passwd/")->str() == "etc/passwd");
  auto abs = sanitize_entry_path("/etc/shadow");
  CHECK(abs->str() == "etc/shadow");
  CHECK(abs->was_absolute);
  CHECK(sanitize_entry_path("///")->parts.empty());
  CHECK(sanitize_entry_path("./")->str() == ".");
  for (const char* bad : {"../x", "a/../../x", "a/..", "..", "/../etc/passwd"}) {
    auto r = sanitize_entry_path(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().message() == "entry '" + std::string(bad) + "' contains '..'");
  }
  CHECK(sanitize_entry_path("a/..b/c")->str() == "a/..b/c");  // a name, not a climb
  CHECK_FALSE(sanitize_entry_path(std::string("a\0b", 3)));
  CHECK_FALSE(sanitize_entry_path("a/" + std::string(256, 'x')));
}

TEST_CASE("classify_whiteout") {
  auto w = classify_whiteout(*sanitize_entry_path("usr/lib/.wh.libfoo.so"));
  CHECK(w.kind == WhiteoutKind::Remove);
  CHECK(EntryPath{w.target}.str() == "usr/lib/libfoo.so");
  w = classify_whiteout(*sanitize_entry_path("var/cache/.wh..wh..opq"));
  CHECK(w.kind == WhiteoutKind::Opaque);
  CHECK(EntryPath{w.target}.str() == "var/cache");
  w = classify_whiteout(*sanitize_entry_path(".wh..wh..opq"));
  CHECK(w.kind == WhiteoutKind::Opaque);
  CHECK(w.target.empty());
  CHECK(classify_whiteout(*sanitize_entry_path("etc/passwd")).kind == WhiteoutKind::None);
  CHECK(classify_whiteout(*sanitize_entry_path("etc/x.wh.y")).kind == WhiteoutKind::None);
  w = classify_whiteout(*sanitize_entry_path("etc/.wh."));
  CHECK(w.kind == WhiteoutKind::Remove);
  CHECK(w.target.empty());  // names nothing: dropped
}

TEST_CASE("opaque_action keeps what this layer wrote and the way to it") {
  std::set<std::string> written = {"b", "b/new", "b/sub/deep/file"};
  CHECK(opaque_action("b/new", false, written) == OpaqueAction::Keep);
  CHECK(opaque_action("b/old", false, written) == OpaqueAction::Remove);
  CHECK(opaque_action("b/sub", true, written) == OpaqueAction::Descend);
  CHECK(opaque_action("b/sub/deep", true, written) == OpaqueAction::Descend);
  CHECK(opaque_action("b/sub/other", true, written) == OpaqueAction::Remove);
  CHECK(opaque_action("b/ne", false, written) == OpaqueAction::Remove);
  CHECK(opaque_action("b", true, written) == OpaqueAction::Descend);
}

TEST_CASE("pick_manifest: the only one, else linux/amd64") {
  std::string d1 = "sha256:" + std::string(64, '1'), d2 = "sha256:" + std::string(64, '2');
  nlohmann::json one = {{"manifests", {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                                        {"digest", d1},
                                        {"size", 10},
                                        {"annotations", {{"org.opencontainers.image.ref.name", "3.19"}}}}}}};
  auto m = pick_manifest(one);
  REQUIRE(m);
  CHECK(m->digest == d1);
  CHECK(m->ref_name == "3.19");
  CHECK_FALSE(m->is_index());
  nlohmann::json two = {{"manifests",
                         {{{"digest", d1}, {"platform", {{"os", "linux"}, {"architecture", "arm64"}}}},
                          {{"digest", d2}, {"platform", {{"os", "linux"}, {"architecture", "amd64"}}}}}}};
  CHECK(pick_manifest(two)->digest == d2);
  auto none = pick_manifest(two, "linux", "s390x");
  REQUIRE_FALSE(none);
  CHECK(none.error().message() == "index: 2 manifests and none for linux/s390x (found linux/arm64, linux/amd64)");
  nlohmann::json bad = {{"manifests", {{{"digest", "md5:abc"}}}}};
  CHECK(pick_manifest(bad).error().message() == "index: manifests[0]: unsupported digest 'md5:abc' (only sha256)");
}

TEST_CASE("manifest_layers and docker manifests refuse what they cannot stack") {
  std::string d = "sha256:" + std::string(64, 'a');
  nlohmann::json m = {{"layers", {{{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"}, {"digest", d}}}}};
  auto l = manifest_layers(m);
  REQUIRE(l);
  CHECK((*l)[0].path == "blobs/sha256/" + std::string(64, 'a'));
  m["layers"][0]["mediaType"] = "application/vnd.example.squashfs";
  CHECK(manifest_layers(m).error().message() ==
        "manifest: layers[0]: unsupported media type 'application/vnd.example.squashfs'");

  nlohmann::json dm = nlohmann::json::array({{{"Config", "c.json"}, {"RepoTags", {"busybox:1.36"}}, {"Layers", {"x/layer.tar"}}}});
  auto save = parse_docker_manifest(dm);
  REQUIRE(save);
  CHECK(save->repo_tag == "busybox:1.36");
  CHECK(save->layers[0].digest.empty());
  nlohmann::json config = {{"rootfs", {{"diff_ids", {d}}}}};
  REQUIRE(apply_diff_ids(*save, config));
  CHECK(save->layers[0].digest == d);
  dm[0]["Layers"][0] = "../../etc/passwd";
  CHECK(parse_docker_manifest(dm).error().message() ==
        "manifest.json: Layers[0]: path '../../etc/passwd' is not a relative path inside the image");
  dm[0]["Layers"][0] = "/etc/passwd";
  CHECK_FALSE(parse_docker_manifest(dm));
}

namespace {
std::vector<ImageInfo> sample() {
  ImageInfo a;
  a.uuid = "11111111-2222-4333-8444-555555555555";
  a.name = "busy:box";
  a.version = "1.0";
  a.type = "tar";
  a.size_bytes = 1982282;
  a.created = "2026-11-28T08:00:00Z";
  a.source_digest = "sha256:ab";
  ImageInfo b;
  b.uuid = "aaaaaaaa-2222-4333-8444-555555555555";
  b.name = "back\\slash";
  b.type = "oci";
  b.size_bytes = 512;
  b.created = "2026-11-28T09:00:00Z";
  return {a, b};
}
}  // namespace

TEST_CASE("list output: table, parseable, JSON") {
  auto images = sample();
  CHECK(format_table(images, default_list_fields(), true) ==
        "UUID                                  NAME        VERSION  TYPE  SIZE  CREATED\n"
        "11111111-2222-4333-8444-555555555555  busy:box    1.0      tar   1.9M  2026-11-28T08:00:00Z\n"
        "aaaaaaaa-2222-4333-8444-555555555555  back\\slash  -        oci   512B  2026-11-28T09:00:00Z\n");
  CHECK(format_table(images, {"name", "size"}, false) == "busy:box    1.9M\nback\\slash  512B\n");
  CHECK(format_parsable(images, {"name", "version", "size", "source_digest"}) ==
        "busy\\:box:1.0:1982282:sha256\\:ab\nback\\\\slash::512:\n");
  auto j = nlohmann::ordered_json::parse(format_json(images, {"uuid", "size"}));
  CHECK(j.dump() == R"([{"uuid":"11111111-2222-4333-8444-555555555555","size_bytes":1982282},)"
                    R"({"uuid":"aaaaaaaa-2222-4333-8444-555555555555","size_bytes":512}])");
  CHECK(nlohmann::json::parse(format_json(images, {}))[0]["warnings"].is_array());
  CHECK(parse_list_fields("uuid,bogus").error().message() ==
        "unknown field 'bogus' (valid: uuid, name, version, type, size, created, source, source_digest)");
  CHECK(human_size(1023) == "1023B");
  CHECK(human_size(1536) == "1.5K");
  CHECK(human_size(5ULL << 30) == "5.0G");
}
