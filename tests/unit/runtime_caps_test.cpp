#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "core/runtime/caps.hpp"

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
