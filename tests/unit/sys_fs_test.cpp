#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "core/sys/fs.hpp"
#include "core/sys/lock.hpp"

using namespace zonekit;

namespace {
std::string make_temp_dir() {
  char tmpl[] = "/tmp/zk-unit-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  return tmpl;
}
}  // namespace

TEST_CASE("write_file_atomic replaces content and leaves no temp file") {
  auto dir = make_temp_dir();
  auto path = dir + "/a.json";
  REQUIRE(fs::write_file_atomic(path, "one"));
  REQUIRE(fs::write_file_atomic(path, "two"));
  CHECK(*fs::read_file(path) == "two");
  REQUIRE(fs::remove_tree(dir));
  CHECK_FALSE(fs::exists(dir));
}

TEST_CASE("read_file refuses symlinks and reports missing files as NotFound") {
  auto dir = make_temp_dir();
  REQUIRE(fs::write_file_atomic(dir + "/real", "x"));
  REQUIRE(symlink("real", (dir + "/link").c_str()) == 0);
  auto r = fs::read_file(dir + "/link");
  CHECK_FALSE(r);
  auto missing = fs::read_file(dir + "/nope");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == ErrorKind::NotFound);
  CHECK(missing.error().message() == "open " + dir + "/nope: No such file or directory");
  REQUIRE(fs::remove_tree(dir));
}

TEST_CASE("remove_tree does not follow symlinks out of the tree") {
  auto outside = make_temp_dir();
  REQUIRE(fs::write_file_atomic(outside + "/keep", "k"));
  auto dir = make_temp_dir();
  REQUIRE(fs::mkdir_p(dir + "/a/b/c"));
  REQUIRE(symlink(outside.c_str(), (dir + "/a/b/escape").c_str()) == 0);
  REQUIRE(fs::remove_tree(dir));
  CHECK_FALSE(fs::exists(dir));
  CHECK(*fs::read_file(outside + "/keep") == "k");
  REQUIRE(fs::remove_tree(outside));
}

TEST_CASE("error context reads outermost first") {
  Result<void> r = sys_error("mount", "/proc", EPERM);
  r = context(std::move(r), "boot");
  r = context(std::move(r), "zone web01");
  CHECK(r.error().message() == "zone web01: boot: mount /proc: Operation not permitted");
}

TEST_CASE("FileLock: a second exclusive lock with no wait is Busy") {
  auto dir = make_temp_dir();
  auto a = FileLock::acquire(dir + "/l", FileLock::Mode::Exclusive);
  REQUIRE(a);
  auto b = FileLock::acquire(dir + "/l", FileLock::Mode::Exclusive, 0);
  REQUIRE_FALSE(b);
  CHECK(b.error().kind == ErrorKind::Busy);
  a->release();
  CHECK(FileLock::acquire(dir + "/l", FileLock::Mode::Exclusive, 0));
  REQUIRE(fs::remove_tree(dir));
}
