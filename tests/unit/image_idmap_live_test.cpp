// Root only (skips otherwise): an idmapped image tree shows image uid 0 as
// the zone's mapped root on the host and as 0 inside the zone's user
// namespace, is read-only, and serves as an overlay lower layer under a
// tmpfs upper. All in a forked child with its own mount namespace on a
// tmpfs, so no mount or file outlives the test.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "core/image/idmap_mount.hpp"
#include "core/sys/fs.hpp"

using namespace zonekit;

namespace {

constexpr uid_t kHostBase = 100000;

std::string errno_text(const std::string& what) { return what + ": " + strerror(errno); }

// A user namespace mapping 0..65535 to kHostBase..: made by a short-lived
// child; its /proc ns file keeps the namespace alive once opened.
std::string make_userns(UniqueFd& out) {
  int go[2];
  if (pipe2(go, O_CLOEXEC) < 0) return errno_text("pipe");
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) < 0) return errno_text("pipe");
  pid_t pid = fork();
  if (pid < 0) return errno_text("fork");
  if (pid == 0) {
    close(go[1]);  // else our own end keeps the read below from seeing EOF
    close(ready[0]);
    char c = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
    (void)!write(ready[1], &c, 1);
    (void)!read(go[0], &c, 1);
    _exit(0);
  }
  close(ready[1]);
  close(go[0]);
  char c = 0;
  std::string err;
  if (read(ready[0], &c, 1) != 1 || c != 'y') err = "unshare(CLONE_NEWUSER) failed in helper";
  std::string map = "0 " + std::to_string(kHostBase) + " 65536\n";
  for (const char* f : {"uid_map", "gid_map"}) {
    if (!err.empty()) break;
    std::string path = "/proc/" + std::to_string(pid) + "/" + f;
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, map.data(), map.size()) != static_cast<ssize_t>(map.size())) err = errno_text("write " + path);
    if (fd >= 0) close(fd);
  }
  if (err.empty()) {
    out.reset(open(("/proc/" + std::to_string(pid) + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
    if (!out) err = errno_text("open ns/user");
  }
  close(go[1]);
  close(ready[0]);
  waitpid(pid, nullptr, 0);
  return err;
}

std::string owner(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) < 0) return errno_text("stat " + path);
  return std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid);
}

// The test body, run in the child. Returns "" or what went wrong.
std::string run(const std::string& base) {
  if (unshare(CLONE_NEWNS) < 0) return errno_text("unshare mount ns");
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) return errno_text("make / private");
  if (mount("zk-idmap-test", base.c_str(), "tmpfs", 0, "mode=0755,size=16m") < 0) return errno_text("mount tmpfs");
  const std::string rootfs = base + "/image/rootfs";
  for (const char* d : {"/image/rootfs/etc", "/image/rootfs/home/user", "/lower", "/upper", "/work", "/merged"})
    if (!fs::mkdir_p(base + d)) return "mkdir " + base + d;
  if (!fs::write_file_atomic(rootfs + "/etc/hostname", "image\n")) return "write hostname";
  if (chown((rootfs + "/home/user").c_str(), 1000, 1000) < 0) return errno_text("chown");

  UniqueFd userns;
  if (auto e = make_userns(userns); !e.empty()) return e;
  auto tree = image::idmapped_tree(rootfs, userns.get());
  if (!tree) return tree.error().message();
  if (auto r = image::attach_tree(tree->get(), base + "/lower"); !r) return r.error().message();

  // Host view: shifted by the zone's base. The image itself is untouched.
  if (owner(base + "/lower/etc/hostname") != "100000:100000") return "lower etc/hostname owned " + owner(base + "/lower/etc/hostname");
  if (owner(base + "/lower/home/user") != "101000:101000") return "lower home/user owned " + owner(base + "/lower/home/user");
  if (owner(rootfs + "/etc/hostname") != "0:0") return "image file chowned: " + owner(rootfs + "/etc/hostname");
  if (open((base + "/lower/etc/new").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644) >= 0 || errno != EROFS)
    return "lower is writable";

  // An overlay: idmapped lower + the zone's own upper.
  std::string opts = "lowerdir=" + base + "/lower,upperdir=" + base + "/upper,workdir=" + base + "/work";
  if (mount("overlay", (base + "/merged").c_str(), "overlay", 0, opts.c_str()) < 0) return errno_text("mount overlay");
  if (owner(base + "/merged/etc/hostname") != "100000:100000") return "merged etc/hostname owned " + owner(base + "/merged/etc/hostname");
  if (!fs::write_file_atomic(base + "/merged/etc/zone-file", "mine")) return "write through overlay";
  if (fs::exists(rootfs + "/etc/zone-file")) return "overlay write reached the image";
  if (!fs::exists(base + "/upper/etc/zone-file")) return "overlay write not in upper";

  // Zone view: inside the user namespace the image's own owners show.
  int res[2];
  if (pipe2(res, O_CLOEXEC) < 0) return errno_text("pipe");
  pid_t pid = fork();
  if (pid == 0) {
    close(res[0]);
    std::string got;
    if (setns(userns.get(), CLONE_NEWUSER) < 0)
      got = errno_text("setns user");
    else
      got = owner(base + "/merged/etc/hostname") + " " + owner(base + "/merged/home/user");
    (void)!write(res[1], got.data(), got.size());
    _exit(0);
  }
  close(res[1]);
  char buf[256] = {};
  ssize_t n = read(res[0], buf, sizeof buf - 1);
  close(res[0]);
  waitpid(pid, nullptr, 0);
  std::string inside(buf, n > 0 ? static_cast<size_t>(n) : 0);
  if (inside != "0:0 1000:1000") return "inside the userns: " + inside;
  return "";
}

}  // namespace

TEST_CASE("idmapped image tree as an overlay lower layer (root only)") {
  if (geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  char tmpl[] = "/tmp/zk-idmap-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::string base = tmpl;
  int res[2];
  REQUIRE(pipe2(res, O_CLOEXEC) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::string err = run(base);
    (void)!write(res[1], err.data(), err.size());
    _exit(err.empty() ? 0 : 1);
  }
  close(res[1]);
  std::string err;
  char buf[512];
  ssize_t n;
  while ((n = read(res[0], buf, sizeof buf)) > 0) err.append(buf, static_cast<size_t>(n));
  close(res[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(err == "");
  CHECK(WIFEXITED(status));
  CHECK(rmdir(base.c_str()) == 0);  // the tmpfs went with the child's mount namespace
}
