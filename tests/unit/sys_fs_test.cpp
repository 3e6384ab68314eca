#include <doctest/doctest.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

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

TEST_CASE("replace_file replaces content and mode, leaves no temp file, replaces a symlink itself") {
  auto dir = make_temp_dir();
  auto path = dir + "/state.json";
  REQUIRE(fs::replace_file(path, "one", 0600));
  REQUIRE(fs::replace_file(path, "two", 0644));
  CHECK(*fs::read_file(path) == "two");
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0644);
  REQUIRE(fs::write_file_atomic(dir + "/target", "kept"));
  REQUIRE(symlink("target", (dir + "/link").c_str()) == 0);
  REQUIRE(fs::replace_file(dir + "/link", "new"));
  CHECK(*fs::read_file(dir + "/target") == "kept");
  CHECK(*fs::read_file(dir + "/link") == "new");
  CHECK(fs::list_dir(dir) == std::vector<std::string>{"link", "state.json", "target"});
  auto bad = fs::replace_file(dir + "/no/such/dir/f", "x");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().starts_with("create " + dir + "/no/such/dir/.f.tmp."));
  REQUIRE(fs::remove_tree(dir));
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

namespace {
// mkdir name; cd name, `depth` times below dir, a file at the bottom.
void make_deep(const std::string& dir, int depth, const char* name = "d") {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  for (int i = 0; i < depth; ++i) {
    REQUIRE(mkdirat(fd, name, 0755) == 0);
    int next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(next >= 0);
    close(fd);
    fd = next;
  }
  int f = openat(fd, "bottom", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(f >= 0);
  close(f);
  close(fd);
}

std::string why(const Result<void>& r) { return r ? "" : r.error().message(); }

int open_fds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d)) ++n;
    closedir(d);
  }
  return n;
}

// Lower RLIMIT_NOFILE for one test case.
struct FdLimit {
  struct rlimit saved{};
  explicit FdLimit(rlim_t n) {
    REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
    struct rlimit low = saved;
    low.rlim_cur = n;
    REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
  }
  ~FdLimit() { setrlimit(RLIMIT_NOFILE, &saved); }
};
}  // namespace

TEST_CASE("remove_tree removes a 5000-deep tree with 64 fds, in bounded fds") {
  auto dir = make_temp_dir();
  make_deep(dir, 5000);
  int before = open_fds();
  uint64_t last = 0;
  {
    FdLimit limit(64);
    auto r = fs::remove_tree(dir, [&](uint64_t n) { last = n; });
    REQUIRE_MESSAGE(r, why(r));
  }
  CHECK_FALSE(fs::exists(dir));
  CHECK(last == 5001);  // 5000 directories and the file; the top is not counted
  CHECK(open_fds() == before);
}

TEST_CASE("remove_tree works with 8 fds: a deep tree under a wide one") {
  auto dir = make_temp_dir();
  for (int i = 0; i < 50; ++i) {
    std::string sub = dir + "/w" + std::to_string(i);
    REQUIRE(fs::mkdir_p(sub));
    make_deep(sub, i * 3);
    REQUIRE(fs::write_file_atomic(sub + "/f", "x"));
  }
  FdLimit limit(8);
  auto r = fs::remove_tree(dir);
  REQUIRE_MESSAGE(r, why(r));
  CHECK_FALSE(fs::exists(dir));
}

TEST_CASE("remove_tree: a wide directory, odd names, fifos and symlinks") {
  auto outside = make_temp_dir();
  REQUIRE(fs::write_file_atomic(outside + "/keep", "k"));
  auto dir = make_temp_dir();
  REQUIRE(fs::mkdir_p(dir + "/wide"));
  for (int i = 0; i < 20000; ++i) {
    int f = open((dir + "/wide/" + std::to_string(i)).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    REQUIRE(f >= 0);
    close(f);
  }
  REQUIRE(fs::mkdir_p(dir + "/odd/new\nline\x01"));
  REQUIRE(fs::mkdir_p(dir + "/odd/a\nb"));
  REQUIRE(fs::write_file_atomic(dir + "/odd/a\nb/\n", "x"));
  REQUIRE(mkfifo((dir + "/odd/fifo").c_str(), 0600) == 0);
  REQUIRE(symlink(outside.c_str(), (dir + "/odd/dirlink").c_str()) == 0);
  REQUIRE(symlink((outside + "/keep").c_str(), (dir + "/odd/filelink").c_str()) == 0);
  REQUIRE(symlink("/", (dir + "/wide/root").c_str()) == 0);
  uint64_t calls = 0, last = 0;
  auto r = fs::remove_tree(dir, [&](uint64_t n) {
    ++calls;
    CHECK(n >= last);
    last = n;
  });
  REQUIRE_MESSAGE(r, why(r));
  CHECK_FALSE(fs::exists(dir));
  // wide: 20000 files, a symlink, itself; odd: two directories, a file, a
  // fifo, two symlinks, itself.
  CHECK(last == 20000 + 2 + 2 + 1 + 3 + 1);
  CHECK(calls == last / 1024 + 1);
  CHECK(*fs::read_file(outside + "/keep") == "k");
  REQUIRE(fs::remove_tree(outside));
}

TEST_CASE("remove_tree stops at what it cannot remove, names it, and finishes on a second call") {
  auto dir = make_temp_dir();
  make_deep(dir, 40, "lvl");
  std::string bottom = dir;
  for (int i = 0; i < 40; ++i) bottom += "/lvl";
  std::string stuck = bottom + "/stuck\nname";
  REQUIRE(fs::mkdir_p(stuck));
  REQUIRE(fs::write_file_atomic(stuck + "/f", "x"));
  // Root passes modes: only an attribute stops it (or a mount point, tested
  // in tests/integration/hard_delete.sh); anyone else, a directory mode.
  bool root = geteuid() == 0;
  std::string why = "Permission denied";
  if (root) {
    int fd = open((stuck + "/f").c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    int flags = FS_IMMUTABLE_FL;
    bool ok = ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
    close(fd);
    if (!ok) {
      MESSAGE("no immutable attribute on this filesystem: case skipped");
      REQUIRE(fs::remove_tree(dir));
      return;
    }
    why = "immutable or append-only (see lsattr): Operation not permitted";
  } else {
    REQUIRE(chmod(stuck.c_str(), 0500) == 0);
  }
  {
    FdLimit limit(16);  // 4 streams open: the top 38 levels are counted, not named
    auto r = fs::remove_tree(dir);
    REQUIRE_FALSE(r);
    CHECK(r.error().message() == "unlink " + dir + "/[38 levels]/lvl/lvl/stuck\\x0aname/f: " + why);
  }
  CHECK(fs::exists(stuck + "/f"));
  if (root) {
    int fd = open((stuck + "/f").c_str(), O_RDONLY | O_CLOEXEC);
    int flags = 0;
    REQUIRE(ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0);
    close(fd);
  } else {
    REQUIRE(chmod(stuck.c_str(), 0700) == 0);
  }
  REQUIRE(fs::remove_tree(dir));
  CHECK_FALSE(fs::exists(dir));
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
