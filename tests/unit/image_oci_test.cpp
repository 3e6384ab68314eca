// OCI image layouts and docker save tarballs: layers stacked in order,
// whiteouts and opaque directories applied, digests enforced.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/image/image_store.hpp"
#include "core/image/sha256.hpp"
#include "tests/unit/image_test_util.hpp"

using namespace zonekit;
using namespace zonekit::image;
using zk_test::TarEntry;

namespace {

const std::vector<TarEntry> kLower = {
    {.path = "a", .type = AE_IFDIR, .perm = 0755},
    {.path = "a/keep", .data = "keep"},
    {.path = "a/gone", .data = "gone"},
    {.path = "a/gonedir", .type = AE_IFDIR, .perm = 0755},
    {.path = "a/gonedir/x", .data = "x"},
    {.path = "b", .type = AE_IFDIR, .perm = 0755},
    {.path = "b/old", .data = "old"},
    {.path = "b/olddir", .type = AE_IFDIR, .perm = 0755},
    {.path = "b/olddir/y", .data = "y"},
    {.path = "c", .data = "lower c"},
};
const std::vector<TarEntry> kUpper = {
    {.path = "a/.wh.gone", .data = ""},
    {.path = "a/.wh.gonedir", .data = ""},
    {.path = "b", .type = AE_IFDIR, .perm = 0750},
    {.path = "b/.wh..wh..opq", .data = ""},
    {.path = "b/new", .data = "new"},
    {.path = "c", .data = "upper c"},
    {.path = "d", .type = AE_IFLNK, .link = "c"},
};
const std::vector<std::string> kStacked = {"a", "a/keep", "b", "b/new", "c", "d"};

struct Layout {
  std::string dir;
  explicit Layout(std::string d) : dir(std::move(d)) { REQUIRE(fs::mkdir_p(dir + "/blobs/sha256")); }
  std::string blob(const std::string& data) {
    std::string hex = sha256_hex(data);
    zk_test::write_file(dir + "/blobs/sha256/" + hex, data);
    return "sha256:" + hex;
  }
};

// An OCI layout of the two layers; returns the manifest digest.
std::string make_oci(Layout& l, const std::string& upper_filter = "gzip") {
  std::string config = l.blob(R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}})");
  std::string l1 = l.blob(zk_test::build_tar(kLower, "gzip"));
  std::string l2 = l.blob(zk_test::build_tar(kUpper, upper_filter));
  nlohmann::json manifest = {
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config", {{"mediaType", "application/vnd.oci.image.config.v1+json"}, {"digest", config}, {"size", 1}}},
      {"layers",
       {{{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"}, {"digest", l1}, {"size", 1}},
        {{"mediaType", upper_filter == "zstd" ? "application/vnd.oci.image.layer.v1.tar+zstd"
                                              : "application/vnd.oci.image.layer.v1.tar+gzip"},
         {"digest", l2},
         {"size", 1}}}}};
  std::string m = l.blob(manifest.dump());
  nlohmann::json index = {{"schemaVersion", 2},
                          {"manifests",
                           {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                             {"digest", m},
                             {"size", manifest.dump().size()},
                             {"annotations", {{"org.opencontainers.image.ref.name", "stack:2.1"}}},
                             {"platform", {{"os", "linux"}, {"architecture", "amd64"}}}}}}};
  zk_test::write_file(l.dir + "/index.json", index.dump());
  zk_test::write_file(l.dir + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  return m;
}

// A tarball of a directory (as `tar -C dir -cf out .` would make it).
std::string tar_of_dir(const std::string& dir) {
  std::vector<TarEntry> entries;
  for (const auto& rel : zk_test::tree(dir)) {
    struct stat st;
    REQUIRE(lstat((dir + "/" + rel).c_str(), &st) == 0);
    if (S_ISDIR(st.st_mode))
      entries.push_back({.path = rel, .type = AE_IFDIR, .perm = 0755});
    else
      entries.push_back({.path = rel, .data = *fs::read_file(dir + "/" + rel, 1 << 30)});
  }
  return zk_test::build_tar(entries);
}

void check_stacked(const std::string& store, const ImageInfo& info) {
  std::string root = rootfs_path(store, info.uuid);
  CHECK(zk_test::tree(root) == kStacked);
  CHECK(*fs::read_file(root + "/c") == "upper c");
  CHECK(*fs::read_file(root + "/b/new") == "new");
  struct stat st;
  REQUIRE(stat((root + "/b").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0750);
}

}  // namespace

TEST_CASE("OCI layout directory: layers, whiteouts, opaque dirs, name from ref") {
  auto top = zk_test::make_temp_dir();
  Layout l(top + "/layout");
  std::string manifest = make_oci(l);
  auto r = image::import(top + "/store", l.dir, {});
  REQUIRE(r);
  CHECK(r->type == "oci");
  CHECK(r->source_digest == manifest);
  CHECK(r->name == "stack");
  CHECK(r->version == "2.1");
  CHECK(r->warnings.empty());
  check_stacked(top + "/store", *r);
  REQUIRE(fs::remove_tree(top));
}

TEST_CASE("OCI layout as a tarball, zstd layer") {
  auto top = zk_test::make_temp_dir();
  Layout l(top + "/layout");
  std::string manifest = make_oci(l, "zstd");
  zk_test::write_file(top + "/img.oci.tar", tar_of_dir(l.dir));
  ImportOptions opts;
  opts.name = "named";
  auto r = image::import(top + "/store", top + "/img.oci.tar", opts);
  REQUIRE(r);
  CHECK(r->type == "oci");
  CHECK(r->source_digest == manifest);
  CHECK(r->name == "named");
  check_stacked(top + "/store", *r);
  CHECK(zk_test::names_in(top + "/store/images/" + r->uuid) == std::vector<std::string>{"image.json", "rootfs"});
  REQUIRE(fs::remove_tree(top));
}

TEST_CASE("OCI layout: a layer that does not match its digest fails the import") {
  auto top = zk_test::make_temp_dir();
  Layout l(top + "/layout");
  make_oci(l);
  // Swap the content of the lower layer blob for another valid tar.
  auto index = nlohmann::json::parse(*fs::read_file(l.dir + "/index.json"));
  std::string mdigest = index["manifests"][0]["digest"];
  auto manifest = nlohmann::json::parse(*fs::read_file(l.dir + "/blobs/sha256/" + mdigest.substr(7)));
  std::string layer = manifest["layers"][0]["digest"];
  zk_test::write_file(l.dir + "/blobs/sha256/" + layer.substr(7), zk_test::build_tar({{.path = "evil", .data = "1"}}));
  auto r = image::import(top + "/store", l.dir, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "import " + l.dir + ": layer 0 (blobs/sha256/" + layer.substr(7) +
                                   "): content does not match digest " + layer);
  CHECK(image::list(top + "/store")->empty());
  CHECK(zk_test::names_in(top + "/store/images") == std::vector<std::string>{".lock"});
  REQUIRE(fs::remove_tree(top));
}

TEST_CASE("docker save tarball: manifest.json, layer.tar files checked against diff_ids") {
  auto top = zk_test::make_temp_dir();
  std::string save = top + "/save";
  std::string l1 = zk_test::build_tar(kLower), l2 = zk_test::build_tar(kUpper);
  REQUIRE(fs::mkdir_p(save + "/l1"));
  REQUIRE(fs::mkdir_p(save + "/l2"));
  zk_test::write_file(save + "/l1/layer.tar", l1);
  zk_test::write_file(save + "/l2/layer.tar", l2);
  nlohmann::json config = {{"architecture", "amd64"},
                           {"os", "linux"},
                           {"rootfs", {{"type", "layers"}, {"diff_ids", {"sha256:" + sha256_hex(l1), "sha256:" + sha256_hex(l2)}}}}};
  std::string config_hex = sha256_hex(config.dump());
  zk_test::write_file(save + "/" + config_hex + ".json", config.dump());
  nlohmann::json manifest = nlohmann::json::array(
      {{{"Config", config_hex + ".json"}, {"RepoTags", {"busy/box:1.36"}}, {"Layers", {"l1/layer.tar", "l2/layer.tar"}}}});
  zk_test::write_file(save + "/manifest.json", manifest.dump());
  zk_test::write_file(top + "/save.tar", tar_of_dir(save));

  auto r = image::import(top + "/store", top + "/save.tar", {});
  REQUIRE(r);
  CHECK(r->type == "docker");
  CHECK(r->source_digest == "sha256:" + config_hex);
  CHECK(r->name == "box");
  CHECK(r->version == "1.36");
  check_stacked(top + "/store", *r);

  // The same, unpacked, as a directory, is the same image (one config
  // digest); then with a layer that lies.
  auto d = image::import(top + "/store", save, {});
  REQUIRE(d);
  CHECK(d->existing);
  CHECK(d->uuid == r->uuid);
  zk_test::write_file(save + "/l2/layer.tar", zk_test::build_tar({{.path = "c", .data = "tampered"}}));
  auto bad = image::import(top + "/store", save, {});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message() == "import " + save + ": layer 1 (l2/layer.tar): content does not match digest sha256:" +
                                     sha256_hex(l2));
  CHECK(image::list(top + "/store")->size() == 1);
  REQUIRE(fs::remove_tree(top));
}
