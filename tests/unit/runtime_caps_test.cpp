#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "core/runtime/caps.hpp"
#include "core/runtime/seccomp.hpp"

using namespace zonekit;

namespace {

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

// The Cap*/NoNewPrivs lines of a /proc/<pid>/status text, in order.
std::string cap_lines(const std::string& status) {
  std::string out;
  size_t pos = 0;
  while (pos < status.size()) {
    size_t eol = status.find('\n', pos);
    if (eol == std::string::npos) eol = status.size();
    std::string line = status.substr(pos, eol - pos);
    if (line.starts_with("Cap") || line.starts_with("NoNewPrivs")) out += line + "\n";
    pos = eol + 1;
  }
  return out;
}

std::string expected(const char* mask) {
  std::string m = mask;
  return "CapInh:\t0000000000000000\nCapPrm:\t" + m + "\nCapEff:\t" + m + "\nCapBnd:\t" + m +
         "\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1\n";
}

// Fork; the child runs fn and writes what it reports into a pipe.
template <class Fn>
std::string in_child(Fn fn) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    fn(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string out = read_all(fds[0]);
  close(fds[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return out;
}

void report(int fd, const std::string& s) { (void)!write(fd, s.data(), s.size()); }

[[noreturn]] void die(int fd, const std::string& s) {
  report(fd, s);
  _exit(1);
}

}  // namespace

TEST_CASE("caps: the zone set is Docker's defaults minus MKNOD, NET_RAW and AUDIT_WRITE") {
  CHECK(caps::zone_set() == std::vector<int>{CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL,
                                             CAP_SETGID, CAP_SETUID, CAP_SETPCAP, CAP_NET_BIND_SERVICE,
                                             CAP_SYS_CHROOT, CAP_SETFCAP});
  CHECK(caps::zone_mask() == 0x800405fbULL);
}

TEST_CASE("caps: apply_in_child leaves exactly the zone set, nothing ambient, no_new_privs") {
  if (geteuid() != 0) {
    // Without CAP_SETPCAP the bounding set cannot shrink: the call must say so.
    std::string got = in_child([](int fd) { report(fd, std::to_string(caps::apply_in_child())); });
    CHECK(got == std::to_string(-EPERM));
    return;
  }
  std::string got = in_child([](int fd) {
    if (int rc = caps::apply_in_child(); rc != 0) return report(fd, "apply: " + std::to_string(rc));
    int status = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    report(fd, cap_lines(read_all(status)));
  });
  CHECK(got == expected("00000000800405fb"));
}

TEST_CASE("caps: a program exec'd as root afterwards holds the same set") {
  if (geteuid() != 0) return;
  std::string got = in_child([](int fd) {
    if (int rc = caps::apply_in_child(); rc != 0) return report(fd, "apply: " + std::to_string(rc));
    dup2(fd, 1);
    execl("/bin/cat", "cat", "/proc/self/status", static_cast<char*>(nullptr));
    report(fd, "exec failed");
  });
  CHECK(cap_lines(got) == expected("00000000800405fb"));
}

TEST_CASE("caps: a non-root user ends with no capabilities and the small bounding set") {
  if (geteuid() != 0) return;
  std::string got = in_child([](int fd) {
    if (int rc = caps::drop_bounding_in_child(); rc != 0) return report(fd, "drop: " + std::to_string(rc));
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) return report(fd, "setid");
    if (int rc = caps::apply_in_child(); rc != 0) return report(fd, "apply: " + std::to_string(rc));
    int status = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    report(fd, cap_lines(read_all(status)));
  });
  CHECK(got ==
        "CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"
        "CapBnd:\t00000000800405fb\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1\n");
}

TEST_CASE("caps: apply_in_child refuses when the bounding set was not dropped before losing root") {
  if (geteuid() != 0) return;
  std::string got = in_child([](int fd) {
    if (setresuid(65534, 65534, 65534) != 0) return report(fd, "setid");
    report(fd, std::to_string(caps::apply_in_child()));
  });
  CHECK(got == std::to_string(-EPERM));
}

namespace {

// Fork a child into a new user namespace whose root maps to host uid/gid
// 100000 (as a zone's would), let it run fn after caps and seccomp, and
// return what it reports.
template <class Fn>
std::string in_zone_like_child(Fn fn) {
  auto prog = seccomp::build_default();
  REQUIRE(prog);
  int report_fds[2], sync_fds[2], go_fds[2];
  REQUIRE(pipe(report_fds) == 0);
  REQUIRE(pipe(sync_fds) == 0);
  REQUIRE(pipe(go_fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(report_fds[0]);
    close(sync_fds[0]);
    close(go_fds[1]);
    int out = report_fds[1];
    if (unshare(CLONE_NEWUSER) != 0) die(out, "unshare");
    close(sync_fds[1]);  // tell the parent to write the maps
    char c;
    if (read(go_fds[0], &c, 1) != 1) die(out, "no maps");
    if (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0) die(out, "setid");
    if (int rc = caps::apply_in_child(); rc != 0) die(out, "caps " + std::to_string(rc));
    if (int rc = seccomp::load(*prog); rc != 0) die(out, "seccomp " + std::to_string(rc));
    fn(out);
    _exit(0);
  }
  close(report_fds[1]);
  close(sync_fds[1]);
  close(go_fds[0]);
  char c;
  (void)!read(sync_fds[0], &c, 1);  // EOF once the child has unshared
  close(sync_fds[0]);
  const std::string proc = "/proc/" + std::to_string(pid);
  auto write_to = [](const std::string& path, const std::string& text) {
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    bool ok = fd >= 0 && write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    if (fd >= 0) close(fd);
    return ok;
  };
  CHECK(write_to(proc + "/setgroups", "deny"));
  CHECK(write_to(proc + "/uid_map", "0 100000 65536"));
  CHECK(write_to(proc + "/gid_map", "0 100000 65536"));
  (void)!write(go_fds[1], "g", 1);
  close(go_fds[1]);
  std::string out = read_all(report_fds[0]);
  close(report_fds[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return out;
}

std::string errno_of(long rc) {
  if (rc >= 0) return "OK";
  const char* e = strerrorname_np(errno);
  return e ? e : "?";
}

}  // namespace

TEST_CASE("caps + seccomp in a user namespace: the zone's root keeps only the zone set") {
  if (geteuid() != 0) return;
  std::string got = in_zone_like_child([](int fd) {
    int status = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    std::string r = cap_lines(read_all(status));
    close(status);
    r += "uid=" + std::to_string(getuid()) + "\n";
    r += "unshare_user=" + errno_of(unshare(CLONE_NEWUSER)) + "\n";
    r += "unshare_mnt=" + errno_of(unshare(CLONE_NEWNS)) + "\n";
    r += "mount=" + errno_of(mount("none", "/tmp", "tmpfs", 0, nullptr)) + "\n";
    r += "sethostname=" + errno_of(sethostname("x", 1)) + "\n";
    r += "kill_host_init=" + errno_of(kill(1, 0)) + "\n";
    r += "keyctl=" + errno_of(syscall(SYS_keyctl, 0, -3, 0)) + "\n";
    r += "setuid_in_zone=" + errno_of(setresuid(1000, 1000, 1000)) + "\n";
    report(fd, r);
  });
  CHECK(got == expected("00000000800405fb") +
                   "uid=0\nunshare_user=EPERM\nunshare_mnt=EPERM\nmount=EPERM\nsethostname=EPERM\n"
                   "kill_host_init=EPERM\nkeyctl=EPERM\nsetuid_in_zone=OK\n");
}
