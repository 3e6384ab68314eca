// The store: list/get/users/remove, crash leftovers, directory import.
#include <doctest/doctest.h>

#include "core/image/image_store.hpp"
#include "core/sys/lock.hpp"
#include "tests/unit/image_test_util.hpp"

using namespace zonekit;
using namespace zonekit::image;

namespace {

struct Store {
  std::string top = zk_test::make_temp_dir();
  std::string root = top + "/store";
  ~Store() { (void)fs::remove_tree(top); }
  ImageInfo add(const std::string& name, const std::string& version = "") {
    std::string tar = top + "/" + name + ".tar.gz";
    zk_test::write_file(tar, zk_test::build_tar({{.path = "etc/os-release", .data = "ID=" + name + "\n"}}, "gzip"));
    ImportOptions o;
    o.version = version;
    auto r = image::import(root, tar, o);
    REQUIRE(r);
    return *r;
  }
  void zone(const std::string& uuid, const std::string& json) {
    REQUIRE(fs::mkdir_p(root + "/zones/" + uuid));
    zk_test::write_file(root + "/zones/" + uuid + "/zone.json", json);
  }
};

}  // namespace

TEST_CASE("import names the image from the file, get finds it by uuid, name and prefix") {
  Store s;
  auto a = s.add("alpine", "3.19");
  CHECK(is_uuid(a.uuid));
  CHECK(a.name == "alpine");
  CHECK(a.type == "tar");
  CHECK(a.size_bytes == 10);
  CHECK(a.source == s.top + "/alpine.tar.gz");
  CHECK(a.source_digest.starts_with("sha256:"));
  CHECK(a.created.size() == 24);
  CHECK(get(s.root, a.uuid)->name == "alpine");
  CHECK(get(s.root, "alpine")->uuid == a.uuid);
  CHECK(get(s.root, a.uuid.substr(0, 8))->uuid == a.uuid);
  auto missing = get(s.root, "debian");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == ErrorKind::NotFound);
  CHECK(missing.error().message() == "no such image: debian");
  CHECK(*fs::read_file(rootfs_path(s.root, a.uuid) + "/etc/os-release") == "ID=alpine\n");
  CHECK(image_from_json(to_json(a))->source_digest == a.source_digest);
}

TEST_CASE("two images with one name: get by name is ambiguous, uuids still work") {
  Store s;
  auto a = s.add("base", "1");
  auto b = s.add("base", "2");
  auto r = get(s.root, "base");
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::Invalid);
  CHECK(r.error().message().starts_with("image name 'base' is ambiguous: "));
  CHECK(get(s.root, b.uuid)->version == "2");
  CHECK(list(s.root)->size() == 2);
}

TEST_CASE("users and delete: refused while zones use the image, naming them") {
  Store s;
  auto a = s.add("web");
  auto other = s.add("db");
  s.zone("z1", R"({"uuid":"0d5c1e4e-0000-4000-8000-000000000001","alias":"web01","image_uuid":")" + a.uuid + "\"}");
  s.zone("z2", R"({"uuid":"0d5c1e4e-0000-4000-8000-000000000002","image_uuid":")" + a.uuid + "\"}");
  s.zone("z3", R"({"uuid":"0d5c1e4e-0000-4000-8000-000000000003","alias":"db01","image_uuid":")" + other.uuid + "\"}");
  s.zone("z4", R"({"uuid":"0d5c1e4e-0000-4000-8000-000000000004","alias":"sparse"})");
  CHECK(*users(s.root, a.uuid) == std::vector<std::string>{"web01", "0d5c1e4e-0000-4000-8000-000000000002"});
  auto r = remove(s.root, "web");
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::Busy);
  CHECK(r.error().message() ==
        "image web (" + a.uuid + ") is used by zones: web01, 0d5c1e4e-0000-4000-8000-000000000002");
  CHECK(get(s.root, a.uuid));

  // A zone.json that cannot be parsed but names the image still holds it.
  REQUIRE(fs::remove_tree(s.root + "/zones/z1"));
  REQUIRE(fs::remove_tree(s.root + "/zones/z2"));
  s.zone("broken", "{\"image_uuid\": \"" + a.uuid + "\", trunc");
  CHECK(remove(s.root, a.uuid).error().message() == "image web (" + a.uuid + ") is used by zone: broken");
  REQUIRE(fs::remove_tree(s.root + "/zones/broken"));

  REQUIRE(remove(s.root, a.uuid));
  CHECK_FALSE(zk_test::lexists(s.root + "/images/" + a.uuid));
  CHECK(zk_test::names_in(s.root + "/images") == std::vector<std::string>{".lock", other.uuid});
  CHECK(remove(s.root, a.uuid).error().kind == ErrorKind::NotFound);
}

TEST_CASE("leftovers of killed imports and deletes are cleaned; a running import is not") {
  Store s;
  auto a = s.add("one");
  std::string images = s.root + "/images";
  // A killed import (no lock holder), a killed delete, and a live import.
  REQUIRE(fs::mkdir_p(images + "/.incoming-dead/rootfs/etc"));
  zk_test::write_file(images + "/.incoming-dead/image.json", to_json(a));
  REQUIRE(fs::mkdir_p(images + "/.deleting-" + a.uuid + "x/rootfs"));
  REQUIRE(fs::mkdir_p(images + "/.incoming-live/rootfs"));
  auto live = FileLock::acquire(images + "/.incoming-live.lock", FileLock::Mode::Exclusive);
  REQUIRE(live);
  auto all = list(s.root);
  REQUIRE(all);
  CHECK(all->size() == 1);
  CHECK(zk_test::names_in(images) ==
        std::vector<std::string>{".incoming-live", ".incoming-live.lock", ".lock", a.uuid});
  live->release();
  CHECK(list(s.root)->size() == 1);
  CHECK(zk_test::names_in(images) == std::vector<std::string>{".lock", a.uuid});
}

TEST_CASE("directory import copies metadata, keeps symlinks as symlinks and hardlinks as links") {
  Store s;
  std::string src = s.top + "/tree";
  REQUIRE(fs::mkdir_p(src + "/bin"));
  REQUIRE(fs::mkdir_p(s.top + "/secret"));
  zk_test::write_file(s.top + "/secret/key", "do not copy");
  zk_test::write_file(src + "/bin/busybox", "ELF");
  REQUIRE(chmod((src + "/bin/busybox").c_str(), 04755) == 0);
  REQUIRE(symlink("busybox", (src + "/bin/sh").c_str()) == 0);
  REQUIRE(symlink((s.top + "/secret").c_str(), (src + "/escape").c_str()) == 0);
  REQUIRE(link((src + "/bin/busybox").c_str(), (src + "/bin/ls").c_str()) == 0);
  REQUIRE(mkfifo((src + "/fifo").c_str(), 0600) == 0);
  auto r = image::import(s.root, src, {});
  REQUIRE(r);
  CHECK(r->type == "dir");
  CHECK(r->name == "tree");
  CHECK(r->source_digest == "");
  std::string root = rootfs_path(s.root, r->uuid);
  CHECK(zk_test::tree(root) == std::vector<std::string>{"bin", "bin/busybox", "bin/ls", "bin/sh", "escape", "fifo"});
  char buf[256] = {};
  REQUIRE(readlink((root + "/escape").c_str(), buf, sizeof buf - 1) > 0);
  CHECK(std::string(buf) == s.top + "/secret");
  struct stat bb, ls;
  REQUIRE(lstat((root + "/bin/busybox").c_str(), &bb) == 0);
  REQUIRE(lstat((root + "/bin/ls").c_str(), &ls) == 0);
  CHECK(bb.st_ino == ls.st_ino);
  CHECK((bb.st_mode & 07777) == 0755);
  CHECK(r->size_bytes == 3);
  CHECK(r->warnings == std::vector<std::string>{"dropped setuid/setgid bits (1): bin/busybox"});
}

TEST_CASE("import of a missing source fails without touching the store") {
  Store s;
  auto r = image::import(s.root, s.top + "/nope.tar", {});
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "import " + s.top + "/nope.tar: open " + s.top + "/nope.tar: No such file or directory");
  CHECK(list(s.root)->empty());
}

TEST_CASE("import refuses a directory holding the store, and bad names") {
  Store s;
  REQUIRE(fs::mkdir_p(s.root));
  auto r = image::import(s.root, s.top, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "import " + s.top + ": " + s.top + ": contains the image store " + s.root);
  zk_test::write_file(s.top + "/x.tar", zk_test::build_tar({{.path = "f", .data = "1"}}));
  ImportOptions o;
  o.name = "bad\nname";
  CHECK(image::import(s.root, s.top + "/x.tar", o).error().message() ==
        "import " + s.top + "/x.tar: name contains a control character");
  CHECK(list(s.root)->empty());
}
