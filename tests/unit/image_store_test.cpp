// The store: list/get/users/remove, crash leftovers, directory import.
#include <doctest/doctest.h>

#include "core/image/image_store.hpp"
#include "core/image/sha256.hpp"
#include "core/sys/lock.hpp"
#include "tests/unit/image_test_util.hpp"

using namespace zonekit;
using namespace zonekit::image;

namespace {

struct Store {
  std::string top = zk_test::make_temp_dir();
  std::string root = top + "/store";
  ~Store() { (void)fs::remove_tree(top); }
  ImportResult add(const std::string& name, const std::string& version = "", std::string content = "") {
    std::string tar = top + "/" + name + ".tar.gz";
    if (content.empty()) content = "ID=" + name + "\n";
    zk_test::write_file(tar, zk_test::build_tar({{.path = "etc/os-release", .data = content}}, "gzip"));
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
  CHECK(missing.error().message() == "debian: no such image (see imgadm list)");
  CHECK(*fs::read_file(rootfs_path(s.root, a.uuid) + "/etc/os-release") == "ID=alpine\n");
  CHECK(image_from_json(to_json(a))->source_digest == a.source_digest);
}

TEST_CASE("two images with one name: get by name is ambiguous, uuids still work") {
  Store s;
  auto a = s.add("base", "1", "VERSION=1\n");
  auto b = s.add("base", "2", "VERSION=2\n");
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
        "image web (" + a.uuid + ") is used by zones: web01, 0d5c1e4e-0000-4000-8000-000000000002; delete them first");
  CHECK(get(s.root, a.uuid));

  // A zone.json that cannot be parsed but names the image still holds it.
  REQUIRE(fs::remove_tree(s.root + "/zones/z1"));
  REQUIRE(fs::remove_tree(s.root + "/zones/z2"));
  s.zone("broken", "{\"image_uuid\": \"" + a.uuid + "\", trunc");
  CHECK(remove(s.root, a.uuid).error().message() == "image web (" + a.uuid + ") is used by zone: broken; delete it first");
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
        "import " + s.top + "/x.tar: --name contains a control character");
  CHECK(list(s.root)->empty());
}

TEST_CASE("one source, one image: a second import of the same bytes writes nothing") {
  Store s;
  auto a = s.add("busybox", "1.35");
  CHECK_FALSE(a.existing);
  auto before = zk_test::tree(s.root);
  ImportOptions o;
  o.name = "other";
  o.version = "9";
  auto again = image::import(s.root, s.top + "/busybox.tar.gz", o);
  REQUIRE(again);
  CHECK(again->existing);
  CHECK(again->uuid == a.uuid);
  CHECK(again->name == "busybox");  // not renamed
  CHECK(again->version == "1.35");
  CHECK(zk_test::tree(s.root) == before);
  CHECK(list(s.root)->size() == 1);
  CHECK(get(s.root, "busybox")->uuid == a.uuid);

  // The same bytes under another file name are the same source.
  REQUIRE(rename((s.top + "/busybox.tar.gz").c_str(), (s.top + "/copy.tgz").c_str()) == 0);
  CHECK(image::import(s.root, s.top + "/copy.tgz", {})->uuid == a.uuid);
  // Other bytes are another image.
  auto b = s.add("busybox", "1.36", "ID=busybox\nVERSION=1.36\n");
  CHECK_FALSE(b.existing);
  CHECK(b.uuid != a.uuid);
  CHECK(list(s.root)->size() == 2);
}

TEST_CASE("--sha256: checked before the image appears; a known digest is not read at all") {
  Store s;
  std::string tar = s.top + "/t.tar";
  std::string bytes = zk_test::build_tar({{.path = "f", .data = "1"}});
  zk_test::write_file(tar, bytes);
  ImportOptions o;
  o.sha256 = std::string(64, 'a');
  auto r = image::import(s.root, tar, o);
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "import " + tar + ": content has sha256 " + sha256_hex(bytes) + ", not the expected " +
                                   std::string(64, 'a') + " (--sha256); nothing was imported");
  CHECK(zk_test::names_in(s.root + "/images") == std::vector<std::string>{".lock"});

  std::string upper = sha256_hex(bytes);
  for (auto& c : upper) c = static_cast<char>(toupper(c));
  o.sha256 = upper;  // as some sites print it
  auto ok = image::import(s.root, tar, o);
  REQUIRE(ok);
  CHECK_FALSE(ok->existing);
  CHECK(ok->source_digest == "sha256:" + sha256_hex(bytes));

  // That digest is in the store: the source is not even opened.
  auto known = image::import(s.root, s.top + "/gone.tar", o);
  REQUIRE(known);
  CHECK(known->existing);
  CHECK(known->uuid == ok->uuid);

  // A directory has no bytes to check.
  REQUIRE(fs::mkdir_p(s.top + "/dir"));
  o.sha256 = std::string(64, 'b');
  CHECK(image::import(s.root, s.top + "/dir", o).error().message() ==
        "import " + s.top + "/dir: --sha256 checks the bytes of a file or a download; " + s.top + "/dir is a directory");
}

TEST_CASE("--max-size bounds what is read from a file") {
  Store s;
  std::string tar = s.top + "/big.tar";
  zk_test::write_file(tar, zk_test::build_tar({{.path = "f", .data = std::string(100000, 'x')}}));
  ImportOptions o;
  o.max_source_bytes = 64 << 10;
  CHECK(image::import(s.root, tar, o).error().message() ==
        "import " + tar + ": " + tar + ": larger than the 64.0K limit; raise --max-size");
  CHECK_FALSE(zk_test::lexists(s.root + "/images"));
}

TEST_CASE("a requested uuid (zoneadm apply) and one source, one image") {
  Store s;
  std::string tar = s.top + "/t.tar";
  zk_test::write_file(tar, zk_test::build_tar({{.path = "f", .data = "1"}}));
  ImportOptions o;
  o.uuid = "5e1f0000-0000-4000-8000-000000000001";
  auto a = image::import(s.root, tar, o);
  REQUIRE(a);
  CHECK(a->uuid == o.uuid);
  CHECK_FALSE(a->existing);
  // Again with that uuid: that image, nothing written.
  auto again = image::import(s.root, tar, o);
  REQUIRE(again);
  CHECK(again->existing);
  CHECK(again->uuid == o.uuid);
  // The same source under another uuid is refused, naming the image it is.
  ImportOptions other;
  other.uuid = "5e1f0000-0000-4000-8000-000000000002";
  auto r = image::import(s.root, tar, other);
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "import " + tar + ": this source is already imported as image " + o.uuid +
                                   " (t), not as " + other.uuid + "; use that uuid, or delete that image first");
  CHECK(list(s.root)->size() == 1);
}
