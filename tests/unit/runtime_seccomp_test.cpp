#include <doctest/doctest.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/runtime/seccomp.hpp"

using namespace zonekit;

namespace {

// Run body in a forked child under the default filter; it returns a text
// report which the parent gets back through a pipe.
std::string run_filtered(std::string (*body)()) {
  auto prog = seccomp::build_default();
  REQUIRE(prog);
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    std::string out;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
      out = "no_new_privs failed";
    } else if (int rc = seccomp::load(*prog); rc != 0) {
      out = std::string("load failed: ") + strerror(-rc);
    } else {
      out = body();
    }
    (void)!write(fds[1], out.data(), out.size());
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  return out;
}

// "name=OK" when the call succeeded, "name=<errno name>" when it failed.
std::string outcome(const char* name, long rc) {
  std::string r = std::string(name) + "=";
  if (rc >= 0) return r + "OK ";
  const char* e = strerrorname_np(errno);
  return r + (e ? e : "?") + " ";
}

std::string denied_calls() {
  std::string r;
  r += outcome("keyctl", syscall(SYS_keyctl, 0 /*KEYCTL_GET_KEYRING_ID*/, -3, 0));
  r += outcome("add_key", syscall(SYS_add_key, "user", "zk", "x", 1, -3));
  r += outcome("bpf", syscall(SYS_bpf, 0, nullptr, 0));
  r += outcome("perf_event_open", syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0));
  r += outcome("userfaultfd", syscall(SYS_userfaultfd, 0));
  r += outcome("io_uring_setup", syscall(SYS_io_uring_setup, 1, nullptr));
  r += outcome("swapoff", syscall(SYS_swapoff, "/nonexistent"));
  r += outcome("acct", syscall(SYS_acct, nullptr));
  r += outcome("settimeofday", syscall(SYS_settimeofday, nullptr, nullptr));
  r += outcome("clock_settime", syscall(SYS_clock_settime, -1, nullptr));
  r += outcome("adjtimex", syscall(SYS_adjtimex, nullptr));
  r += outcome("syslog", syscall(SYS_syslog, 10 /*SYSLOG_ACTION_SIZE_BUFFER*/, nullptr, 0));
  r += outcome("finit_module", syscall(SYS_finit_module, -1, "", 0));
  r += outcome("delete_module", syscall(SYS_delete_module, "zk_nonexistent", 0));
  r += outcome("kexec_load", syscall(SYS_kexec_load, 0, 0, nullptr, 0));
  r += outcome("open_by_handle_at", syscall(SYS_open_by_handle_at, -1, nullptr, 0));
  r += outcome("reboot", syscall(SYS_reboot, 0, 0, 0, nullptr));
  r += outcome("iopl", syscall(SYS_iopl, 3));
  r += outcome("mount", syscall(SYS_mount, "none", "/nonexistent", "tmpfs", 0, nullptr));
  r += outcome("fsopen", syscall(SYS_fsopen, "tmpfs", 0));
  r += outcome("clone3", syscall(SYS_clone3, nullptr, 0));
  r += outcome("unshare_user", syscall(SYS_unshare, CLONE_NEWUSER));
  r += outcome("unshare_user_mnt", syscall(SYS_unshare, CLONE_NEWUSER | CLONE_NEWNS));
  r += outcome("clone_user", syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, 0));
  r += outcome("tiocsti", syscall(SYS_ioctl, 0, TIOCSTI, "x"));
  r += outcome("tiocsti_high_bits", syscall(SYS_ioctl, 0, 0x100000000UL | TIOCSTI, "x"));
  return r;
}

std::string allowed_calls() {
  std::string r;
  r += outcome("getpid", syscall(SYS_getpid));
  r += outcome("uname_ioctl_fionread", -1 == syscall(SYS_ioctl, -1, FIONREAD, nullptr) && errno == EBADF ? 0 : -1);
  r += outcome("unshare_none", syscall(SYS_unshare, 0));
  pid_t child = static_cast<pid_t>(syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, 0));
  if (child == 0) _exit(0);
  r += outcome("clone_plain", child);
  if (child > 0) waitpid(child, nullptr, 0);
  return r;
}

std::string personalities() {
  std::string r;
  r += outcome("query", syscall(SYS_personality, 0xffffffffUL));
  r += outcome("linux32", syscall(SYS_personality, 0x8UL));
  r += outcome("uname26", syscall(SYS_personality, 0x20000UL));
  r += outcome("uname26_linux32", syscall(SYS_personality, 0x20008UL));
  r += outcome("linux", syscall(SYS_personality, 0x0UL));
  r += outcome("addr_no_randomize", syscall(SYS_personality, static_cast<unsigned long>(ADDR_NO_RANDOMIZE)));
  r += outcome("read_implies_exec", syscall(SYS_personality, static_cast<unsigned long>(READ_IMPLIES_EXEC)));
  r += outcome("linux32_no_random", syscall(SYS_personality, 0x8UL | ADDR_NO_RANDOMIZE));
  r += outcome("almost_all", syscall(SYS_personality, 0xfffffffeUL));
  r += outcome("bit31", syscall(SYS_personality, 0x80000000UL));
  r += outcome("high_bits", syscall(SYS_personality, 0x100000000UL));
  return r;
}

#if defined(__x86_64__)
// i386 ABI through int $0x80: the filter sees AUDIT_ARCH_I386 numbers.
long int80(long nr, long a = 0, long b = 0, long c = 0) {
  long ret;
  asm volatile("int $0x80"
               : "=a"(ret)
               : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(0L), "D"(0L)
               : "memory", "r8", "r9", "r10", "r11");
  return ret;
}

std::string compat_calls() {
  std::string r;
  auto show = [](const char* name, long rc) {
    const char* e = rc < 0 ? strerrorname_np(static_cast<int>(-rc)) : nullptr;
    return std::string(name) + "=" + (rc >= 0 ? "OK" : (e ? e : "?")) + " ";
  };
  r += show("i386_getpid", int80(20));
  r += show("i386_keyctl", int80(288, 0, -3));
  r += show("i386_unshare_user", int80(310, CLONE_NEWUSER));
  r += show("i386_clock_settime64", int80(404, -1));
  // x32 numbers are the x86_64 ones with bit 30 set; this kernel may lack
  // the x32 ABI (ENOSYS), but the filter must answer first.
  r += outcome("x32_keyctl", syscall(0x40000000L | SYS_keyctl, 0, -3, 0));
  r += outcome("x32_bpf", syscall(0x40000000L | SYS_bpf, 0, nullptr, 0));
  return r;
}

bool has_ia32_emulation() {
  pid_t pid = fork();
  if (pid == 0) _exit(int80(20) > 0 ? 0 : 1);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
#endif

}  // namespace

TEST_CASE("seccomp: the default profile builds for three ABIs") {
  auto prog = seccomp::build_default();
  REQUIRE(prog);
  CHECK(prog->insns.size() > 50);
  CHECK(prog->insns.size() < 1000);
  CHECK(prog->unresolved.empty());
}

TEST_CASE("seccomp: denied calls fail with EPERM, clone3 with ENOSYS") {
  CHECK(run_filtered(denied_calls) ==
        "keyctl=EPERM add_key=EPERM bpf=EPERM perf_event_open=EPERM userfaultfd=EPERM io_uring_setup=EPERM "
        "swapoff=EPERM acct=EPERM settimeofday=EPERM clock_settime=EPERM adjtimex=EPERM syslog=EPERM "
        "finit_module=EPERM delete_module=EPERM kexec_load=EPERM open_by_handle_at=EPERM reboot=EPERM "
        "iopl=EPERM mount=EPERM fsopen=EPERM clone3=ENOSYS unshare_user=EPERM unshare_user_mnt=EPERM "
        "clone_user=EPERM tiocsti=EPERM tiocsti_high_bits=EPERM ");
}

TEST_CASE("seccomp: ordinary calls still work") {
  CHECK(run_filtered(allowed_calls) == "getpid=OK uname_ioctl_fionread=OK unshare_none=OK clone_plain=OK ");
}

TEST_CASE("seccomp: personality allows exactly Docker's values") {
  CHECK(run_filtered(personalities) ==
        "query=OK linux32=OK uname26=OK uname26_linux32=OK linux=OK addr_no_randomize=EPERM "
        "read_implies_exec=EPERM linux32_no_random=EPERM almost_all=EPERM bit31=EPERM high_bits=EPERM ");
}

#if defined(__x86_64__)
TEST_CASE("seccomp: the i386 and x32 ABIs are filtered too") {
  if (!has_ia32_emulation()) {
    MESSAGE("kernel without IA32 emulation: only x32 checked");
  }
  std::string got = run_filtered(compat_calls);
  if (has_ia32_emulation()) {
    CHECK(got ==
          "i386_getpid=OK i386_keyctl=EPERM i386_unshare_user=EPERM i386_clock_settime64=EPERM "
          "x32_keyctl=EPERM x32_bpf=EPERM ");
  } else {
    CHECK(got.find("x32_keyctl=EPERM x32_bpf=EPERM") != std::string::npos);
  }
}
#endif
