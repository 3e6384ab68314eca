// Hostile tarballs: each one fails safely or is sanitised, and nothing
// appears outside the image store (a sentinel directory beside it stays
// empty, host files keep their link counts).
#include <doctest/doctest.h>

#include <sys/xattr.h>

#include "core/image/image_store.hpp"
#include "tests/unit/image_test_util.hpp"

using namespace zonekit;
using namespace zonekit::image;
using zk_test::TarEntry;

namespace {

struct Sandbox {
  std::string top = zk_test::make_temp_dir();
  std::string store = top + "/store";
  std::string outside = top + "/outside";
  std::string tarball = top + "/in.tar";
  Sandbox() { REQUIRE(fs::mkdir_p(outside)); }
  ~Sandbox() { (void)fs::remove_tree(top); }

  Result<ImageInfo> import_entries(const std::vector<TarEntry>& entries, const ImportOptions& opts = {},
                                   const std::string& filter = "none") {
    zk_test::write_file(tarball, zk_test::build_tar(entries, filter));
    return image::import(store, tarball, opts);
  }
  std::string rootfs(const ImageInfo& i) const { return rootfs_path(store, i.uuid); }
  // Nothing outside the store: the sentinel is empty, the top holds only
  // what the test put there, and no import leftovers remain.
  void check_contained() const {
    CHECK(zk_test::names_in(outside).empty());
    CHECK(zk_test::names_in(top) == std::vector<std::string>{"in.tar", "outside", "store"});
    for (const auto& n : zk_test::names_in(store + "/images")) CHECK_FALSE(n.starts_with(".incoming-"));
  }
};

std::string warnings_of(const ImageInfo& i) {
  std::string all;
  for (const auto& w : i.warnings) all += w + "\n";
  return all;
}

}  // namespace

TEST_CASE("hostile: absolute path is written inside the rootfs, with a warning") {
  Sandbox s;
  auto r = s.import_entries({{.path = s.outside + "/abs", .data = "x"}});
  REQUIRE(r);
  CHECK(zk_test::lexists(s.rootfs(*r) + s.outside + "/abs"));
  CHECK(warnings_of(*r) == "stripped leading '/' (1): " + s.outside.substr(1) + "/abs\n");
  s.check_contained();
}

TEST_CASE("hostile: .. traversal fails the import") {
  for (std::string bad : {"../outside/dotdot", "a/../../outside/dotdot", "./../../../../../../../tmp/zk-dotdot"}) {
    Sandbox s;
    auto r = s.import_entries({{.path = "ok", .data = "1"}, {.path = bad, .data = "x"}});
    REQUIRE_FALSE(r);
    CHECK(r.error().message() == "import " + s.tarball + ": entry '" + bad + "' contains '..'");
    CHECK_FALSE(zk_test::lexists("/tmp/zk-dotdot"));
    s.check_contained();
    CHECK(image::list(s.store)->empty());
  }
}

TEST_CASE("hostile: absolute symlink, then a file written through it") {
  Sandbox s;
  auto r = s.import_entries({{.path = "evil", .type = AE_IFLNK, .link = s.outside},
                             {.path = "evil/through", .data = "x"}});
  // The symlink is resolved as the zone would see it, inside the rootfs,
  // where that directory does not exist: the import fails.
  REQUIRE_FALSE(r);
  CHECK(r.error().message().find("evil/through: resolve symlink inside the image evil: No such file or directory") !=
        std::string::npos);
  s.check_contained();
}

TEST_CASE("hostile: absolute symlink to a directory that exists inside lands inside") {
  Sandbox s;
  auto r = s.import_entries({{.path = "etc", .type = AE_IFDIR, .perm = 0755},
                             {.path = "evil", .type = AE_IFLNK, .link = "/etc"},
                             {.path = "evil/passwd", .data = "pwned"}});
  REQUIRE(r);
  CHECK(*fs::read_file(s.rootfs(*r) + "/etc/passwd") == "pwned");
  CHECK(zk_test::tree(s.rootfs(*r)) == std::vector<std::string>{"etc", "etc/passwd", "evil"});
  s.check_contained();
}

TEST_CASE("hostile: relative symlink climbing out, then a write through it") {
  Sandbox s;
  auto r = s.import_entries({{.path = "up", .type = AE_IFLNK, .link = "../../../../../../../../../" + s.outside},
                             {.path = "up/through", .data = "x"}});
  REQUIRE_FALSE(r);
  s.check_contained();
}

TEST_CASE("hostile: a symlink loop on itself fails safely") {
  Sandbox s;
  auto r = s.import_entries({{.path = "etc", .type = AE_IFLNK, .link = "/etc"}, {.path = "etc/passwd", .data = "x"}});
  REQUIRE_FALSE(r);
  s.check_contained();
}

TEST_CASE("hostile: a file or directory replacing a symlink never writes through it") {
  Sandbox s;
  auto r = s.import_entries({{.path = "victim", .type = AE_IFLNK, .link = s.outside + "/victim"},
                             {.path = "victim", .data = "replaced"},
                             {.path = "d", .type = AE_IFLNK, .link = s.outside},
                             {.path = "d", .type = AE_IFDIR, .perm = 0755},
                             {.path = "d/f", .data = "inside"}});
  REQUIRE(r);
  CHECK(*fs::read_file(s.rootfs(*r) + "/victim") == "replaced");
  CHECK(*fs::read_file(s.rootfs(*r) + "/d/f") == "inside");
  s.check_contained();
}

TEST_CASE("hostile: device nodes are dropped, fifos kept, setuid dropped, with warnings") {
  Sandbox s;
  auto r = s.import_entries({{.path = "dev/null", .type = AE_IFCHR, .perm = 0666},
                             {.path = "dev/sda", .type = AE_IFBLK, .perm = 0660},
                             {.path = "run/fifo", .type = AE_IFIFO, .perm = 0600},
                             {.path = "bin/su", .perm = 04755, .data = "#!"},
                             {.path = "bin/wall", .perm = 02755, .data = "#!"},
                             {.path = "bin/ping", .perm = 0755, .data = "#!", .xattr = "security.capability"},
                             {.path = "tmp", .type = AE_IFDIR, .perm = 01777}},
                            {}, "gzip");
  REQUIRE(r);
  auto root = s.rootfs(*r);
  CHECK_FALSE(zk_test::lexists(root + "/dev/null"));
  CHECK_FALSE(zk_test::lexists(root + "/dev/sda"));
  struct stat st;
  REQUIRE(lstat((root + "/run/fifo").c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
  REQUIRE(lstat((root + "/bin/su").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);
  REQUIRE(lstat((root + "/bin/wall").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);
  REQUIRE(lstat((root + "/tmp").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 01777);
  CHECK(warnings_of(*r) ==
        "dropped device nodes (2): dev/null, dev/sda\n"
        "dropped setuid/setgid bits (2): bin/su, bin/wall\n"
        "dropped extended attributes (1): bin/ping\n");
  char cap[64];
  CHECK(lgetxattr((root + "/bin/ping").c_str(), "security.capability", cap, sizeof cap) < 0);
  s.check_contained();
}

TEST_CASE("hostile: hardlinks to host files or outside the tree fail") {
  struct stat before;
  REQUIRE(stat("/etc/passwd", &before) == 0);
  {
    Sandbox s;
    auto r = s.import_entries({{.path = "pw", .hardlink = "/etc/passwd"}});
    REQUIRE_FALSE(r);
    CHECK(r.error().message() == "import " + s.tarball + ": hardlink pw: target '/etc/passwd' is not in the image");
    s.check_contained();
  }
  {
    Sandbox s;
    zk_test::write_file(s.top + "/outside-file", "secret");
    auto r = s.import_entries({{.path = "x", .hardlink = "../outside-file"}});
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("entry '../outside-file' contains '..'") != std::string::npos);
    struct stat st;
    REQUIRE(stat((s.top + "/outside-file").c_str(), &st) == 0);
    CHECK(st.st_nlink == 1);
    ::unlink((s.top + "/outside-file").c_str());
    s.check_contained();
  }
  {
    // A hardlink through a symlink pointing out resolves inside, where the target is missing.
    Sandbox s;
    auto r = s.import_entries({{.path = "l", .type = AE_IFLNK, .link = "/etc"}, {.path = "x", .hardlink = "l/passwd"}});
    REQUIRE_FALSE(r);
    s.check_contained();
  }
  struct stat after;
  REQUIRE(stat("/etc/passwd", &after) == 0);
  CHECK(after.st_nlink == before.st_nlink);
}

TEST_CASE("hardlinks inside the image work") {
  Sandbox s;
  auto r = s.import_entries({{.path = "a", .data = "same"}, {.path = "b/c", .hardlink = "./a"}});
  REQUIRE(r);
  struct stat a, c;
  REQUIRE(stat((s.rootfs(*r) + "/a").c_str(), &a) == 0);
  REQUIRE(stat((s.rootfs(*r) + "/b/c").c_str(), &c) == 0);
  CHECK(a.st_ino == c.st_ino);
  CHECK(a.st_nlink == 2);
}

TEST_CASE("hostile: a huge declared size fails before any data is written") {
  Sandbox s;
  std::string tar = zk_test::build_tar({{.path = "big", .data = ""}});
  // Declare 1 TiB in GNU base-256 form in the ustar size field, then fix
  // the header checksum: libarchive must believe it, we must refuse it.
  unsigned char* h = reinterpret_cast<unsigned char*>(tar.data());
  REQUIRE(std::string(reinterpret_cast<char*>(h), 3) == "big");
  memset(h + 124, 0, 12);
  h[124] = 0x80;
  h[130] = 0x01;  // 2^40
  memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (int i = 0; i < 512; ++i) sum += h[i];
  snprintf(reinterpret_cast<char*>(h + 148), 8, "%06o", sum);
  zk_test::write_file(s.tarball, tar);
  auto r = image::import(s.store, s.tarball, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "import " + s.tarball + ": big: declares 1099511627776 bytes, over the per-file limit of 8589934592");
  s.check_contained();
}

TEST_CASE("hostile: the total size cap holds across files") {
  Sandbox s;
  ImportOptions opts;
  opts.limits.max_total_bytes = 1000;
  auto r = s.import_entries({{.path = "a", .data = std::string(600, 'a')}, {.path = "b", .data = std::string(600, 'b')}},
                            opts, "xz");
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "import " + s.tarball + ": b: image exceeds the size limit of 1000 bytes");
  s.check_contained();
}

TEST_CASE("not a tarball: a clear error and nothing left") {
  Sandbox s;
  zk_test::write_file(s.tarball, "this is not an archive at all, just some text\n");
  auto r = image::import(s.store, s.tarball, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().message() ==
        "import " + s.tarball + ": not a tar archive (plain, or compressed with gzip, xz, bzip2 or zstd)");
  s.check_contained();
}

TEST_CASE("compressed inputs: zstd and xz") {
  for (std::string filter : {"zstd", "xz"}) {
    Sandbox s;
    auto r = s.import_entries({{.path = "etc/hostname", .data = "zone\n"}}, {}, filter);
    REQUIRE(r);
    CHECK(*fs::read_file(s.rootfs(*r) + "/etc/hostname") == "zone\n");
  }
}

TEST_CASE("ownership: numeric uid/gid from the archive, names ignored (as root)") {
  Sandbox s;
  auto r = s.import_entries({{.path = "home/user", .type = AE_IFDIR, .perm = 0700, .uid = 1000, .gid = 1001},
                             {.path = "home/user/f", .data = "x", .uid = 1000, .gid = 1001, .uname = "root"},
                             {.path = "home/user/l", .type = AE_IFLNK, .link = "f", .uid = 1000, .gid = 1001}});
  REQUIRE(r);
  if (geteuid() != 0) return;  // others keep their own ids, like tar
  for (const char* p : {"/home/user", "/home/user/f", "/home/user/l"}) {
    struct stat st;
    REQUIRE(lstat((s.rootfs(*r) + p).c_str(), &st) == 0);
    CHECK(st.st_uid == 1000);
    CHECK(st.st_gid == 1001);
  }
  struct stat st;
  REQUIRE(lstat((s.rootfs(*r) + "/home").c_str(), &st) == 0);
  CHECK(st.st_uid == 0);  // implied parent: root-owned
  CHECK((st.st_mode & 07777) == 0755);
}
