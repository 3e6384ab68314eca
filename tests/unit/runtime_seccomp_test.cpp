#include <doctest/doctest.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <vector>
#include <chrono>
#include <cstring>
#include <string>

#include "core/runtime/seccomp.hpp"

using namespace zonekit;

namespace {

// A forked child must die of its own faults: doctest's crash handler, which
// it inherits, would report the child's signal as a failure of the test.
void default_fault_signals() {
  for (int sig : {SIGSEGV, SIGILL, SIGBUS, SIGFPE, SIGABRT, SIGSYS}) signal(sig, SIG_DFL);
}

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
    default_fault_signals();
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
  r += outcome("move_pages", syscall(SYS_move_pages, 0, 0, nullptr, nullptr, nullptr, 0));
  r += outcome("socket_alg", syscall(SYS_socket, AF_ALG, SOCK_SEQPACKET, 0));
  r += outcome("socket_vsock", syscall(SYS_socket, AF_VSOCK, SOCK_STREAM, 0));
  return r;
}

std::string allowed_calls() {
  std::string r;
  r += outcome("getpid", syscall(SYS_getpid));
  r += outcome("uname_ioctl_fionread", -1 == syscall(SYS_ioctl, -1, FIONREAD, nullptr) && errno == EBADF ? 0 : -1);
  r += outcome("unshare_none", syscall(SYS_unshare, 0));
  long sock = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
  r += outcome("socket_unix", sock);
  if (sock >= 0) close(static_cast<int>(sock));
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
  // Runs of set bits ending in an allowed bit (3 or 17), and all-but-one.
  r += outcome("bits_2_3", syscall(SYS_personality, 0xcUL));
  r += outcome("bits_16_17", syscall(SYS_personality, 0x30000UL));
  r += outcome("all_but_bit3", syscall(SYS_personality, 0xfffffff7UL));
  r += outcome("all_but_bit17", syscall(SYS_personality, 0xfffdffffUL));
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

std::string show_raw(const char* name, long rc) {
  const char* e = rc < 0 ? strerrorname_np(static_cast<int>(-rc)) : nullptr;
  return std::string(name) + "=" + (rc >= 0 ? "OK" : (e ? e : "?")) + " ";
}

std::string i386_calls() {
  std::string r;
  r += show_raw("i386_getpid", int80(20));
  r += show_raw("i386_keyctl", int80(288, 0, -3));
  r += show_raw("i386_unshare_user", int80(310, CLONE_NEWUSER));
  r += show_raw("i386_clock_settime64", int80(404, -1));
  // Not filtered on i386 (see seccomp.cpp): the kernel's own answer.
  long alg = int80(359, AF_ALG, SOCK_SEQPACKET, 0);
  if (alg >= 0) close(static_cast<int>(alg));
  r += show_raw("i386_socket_alg", alg >= 0 || alg == -EAFNOSUPPORT ? 0 : alg);
  return r;
}

// x32 numbers are the x86_64 ones with bit 30 set; the kernel may lack the
// x32 ABI (ENOSYS), but the filter must answer first.
std::string x32_calls() {
  std::string r;
  r += outcome("x32_keyctl", syscall(0x40000000L | SYS_keyctl, 0, -3, 0));
  r += outcome("x32_bpf", syscall(0x40000000L | SYS_bpf, 0, nullptr, 0));
  return r;
}

// What int $0x80 does on this kernel, asked in a child that may die of it.
// Kernels built without IA32 emulation, or booted with ia32_emulation=0,
// either return ENOSYS or raise a fault (SIGSEGV), depending on the build.
enum class Ia32 { Runs, Absent };
Ia32 probe_ia32() {
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    default_fault_signals();
    _exit(int80(20) > 0 ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Ia32::Runs;
  // Any other end is an absent ABI; anything but these two is a surprise.
  CHECK((WIFEXITED(status) || (WIFSIGNALED(status) && (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGILL))));
  return Ia32::Absent;
}
#endif

}  // namespace

TEST_CASE("seccomp: the default profile builds for three ABIs") {
  auto t0 = std::chrono::steady_clock::now();
  auto prog = seccomp::build_default();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(prog);
  MESSAGE("default profile: " << prog->insns.size() << " BPF instructions, built in " << us << " us");
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
        "clone_user=EPERM tiocsti=EPERM tiocsti_high_bits=EPERM move_pages=EPERM socket_alg=EAFNOSUPPORT "
        "socket_vsock=EAFNOSUPPORT ");
}

TEST_CASE("seccomp: ordinary calls still work") {
  CHECK(run_filtered(allowed_calls) == "getpid=OK uname_ioctl_fionread=OK unshare_none=OK socket_unix=OK clone_plain=OK ");
}

TEST_CASE("seccomp: personality allows exactly Docker's values") {
  CHECK(run_filtered(personalities) ==
        "query=OK linux32=OK uname26=OK uname26_linux32=OK linux=OK addr_no_randomize=EPERM "
        "read_implies_exec=EPERM linux32_no_random=EPERM almost_all=EPERM bit31=EPERM high_bits=EPERM "
        "bits_2_3=EPERM bits_16_17=EPERM all_but_bit3=EPERM all_but_bit17=EPERM ");
}

#if defined(__x86_64__)
TEST_CASE("seccomp: the x32 ABI is filtered") {
  CHECK(run_filtered(x32_calls) == "x32_keyctl=EPERM x32_bpf=EPERM ");
}

TEST_CASE("seccomp: the i386 ABI is filtered where the kernel runs it") {
  if (probe_ia32() == Ia32::Absent) {
    // The BPF interpreter cases below still check every i386 decision.
    MESSAGE("kernel without IA32 emulation: int $0x80 not checked live");
    return;
  }
  CHECK(run_filtered(i386_calls) ==
        "i386_getpid=OK i386_keyctl=EPERM i386_unshare_user=EPERM i386_clock_settime64=EPERM "
        "i386_socket_alg=OK ");
}
#endif

// ---------------------------------------------------------------------------
// The exported program run through a small classic-BPF interpreter, so the
// decisions can be checked for every ABI (including x32, which this kernel
// may lack) and for many argument values, without the kernel.
namespace {

struct Input {
  int nr = 0;
  uint32_t arch = AUDIT_ARCH_X86_64;
  uint64_t args[6] = {};
};

uint32_t load_word(const Input& in, uint32_t off) {
  seccomp_data d{};
  d.nr = in.nr;
  d.arch = in.arch;
  for (int i = 0; i < 6; ++i) d.args[i] = in.args[i];
  uint32_t v = 0;
  REQUIRE(off + 4 <= sizeof d);
  std::memcpy(&v, reinterpret_cast<const char*>(&d) + off, 4);
  return v;
}

uint32_t run_bpf(const std::vector<sock_filter>& prog, const Input& in) {
  uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
  for (size_t pc = 0; pc < prog.size(); ++pc) {
    const sock_filter& i = prog[pc];
    const uint32_t src = BPF_SRC(i.code) == BPF_X ? x : i.k;
    switch (BPF_CLASS(i.code)) {
      case BPF_LD:
        if (BPF_MODE(i.code) == BPF_ABS) a = load_word(in, i.k);
        else if (BPF_MODE(i.code) == BPF_IMM) a = i.k;
        else if (BPF_MODE(i.code) == BPF_MEM) a = mem[i.k];
        else if (BPF_MODE(i.code) == BPF_LEN) a = sizeof(seccomp_data);
        else FAIL("unsupported ld mode");
        break;
      case BPF_LDX:
        if (BPF_MODE(i.code) == BPF_IMM) x = i.k;
        else if (BPF_MODE(i.code) == BPF_MEM) x = mem[i.k];
        else if (BPF_MODE(i.code) == BPF_LEN) x = sizeof(seccomp_data);
        else FAIL("unsupported ldx mode");
        break;
      case BPF_ST: mem[i.k] = a; break;
      case BPF_STX: mem[i.k] = x; break;
      case BPF_ALU:
        switch (BPF_OP(i.code)) {
          case BPF_ADD: a += src; break;
          case BPF_SUB: a -= src; break;
          case BPF_MUL: a *= src; break;
          case BPF_DIV: a = src ? a / src : 0; break;
          case BPF_OR: a |= src; break;
          case BPF_AND: a &= src; break;
          case BPF_LSH: a <<= src; break;
          case BPF_RSH: a >>= src; break;
          case BPF_XOR: a ^= src; break;
          case BPF_NEG: a = -a; break;
          default: FAIL("unsupported alu op");
        }
        break;
      case BPF_JMP:
        if (BPF_OP(i.code) == BPF_JA) {
          pc += i.k;
        } else {
          bool c = false;
          switch (BPF_OP(i.code)) {
            case BPF_JEQ: c = a == src; break;
            case BPF_JGT: c = a > src; break;
            case BPF_JGE: c = a >= src; break;
            case BPF_JSET: c = (a & src) != 0; break;
            default: FAIL("unsupported jmp op");
          }
          pc += c ? i.jt : i.jf;
        }
        break;
      case BPF_RET: return BPF_RVAL(i.code) == BPF_A ? a : i.k;
      case BPF_MISC:
        if (BPF_MISCOP(i.code) == BPF_TAX) x = a;
        else a = x;
        break;
    }
  }
  FAIL("fell off the end of the program");
  return 0;
}

constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;
constexpr uint32_t kEperm = SECCOMP_RET_ERRNO | EPERM;

struct Abi {
  const char* name;
  uint32_t scmp_arch;
  uint32_t audit_arch;
};
constexpr Abi kAbis[] = {
    {"x86_64", SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64},
    {"i386", SCMP_ARCH_X86, AUDIT_ARCH_I386},
    {"x32", SCMP_ARCH_X32, AUDIT_ARCH_X86_64},
};

// Decision for name(args) on an ABI; nullopt when the ABI has no such call.
std::optional<uint32_t> decide(const std::vector<sock_filter>& prog, const Abi& abi, const char* name,
                               std::initializer_list<uint64_t> args = {}) {
  int nr = seccomp_syscall_resolve_name_arch(abi.scmp_arch, name);
  if (nr < 0) return std::nullopt;
  Input in;
  in.nr = nr;
  in.arch = abi.audit_arch;
  int i = 0;
  for (uint64_t a : args) in.args[i++] = a;
  return run_bpf(prog, in);
}

}  // namespace

TEST_CASE("seccomp BPF: every listed syscall is denied on every ABI that has it; ordinary ones pass") {
  auto prog = seccomp::build_default();
  REQUIRE(prog);
  const char* denied[] = {
      "add_key",       "request_key",     "keyctl",         "bpf",           "perf_event_open",
      "userfaultfd",   "io_uring_setup",  "io_uring_enter", "io_uring_register", "kexec_load",
      "kexec_file_load", "init_module",   "finit_module",   "delete_module", "create_module",
      "get_kernel_syms", "query_module",  "reboot",         "open_by_handle_at", "name_to_handle_at",
      "swapon",        "swapoff",         "acct",           "quotactl",      "quotactl_fd",
      "settimeofday",  "stime",           "clock_settime",  "clock_settime64", "clock_adjtime",
      "clock_adjtime64", "adjtimex",      "syslog",         "nfsservctl",    "lookup_dcookie",
      "iopl",          "ioperm",          "vm86",           "vm86old",       "uselib",
      "ustat",         "sysfs",           "_sysctl",        "mount",         "umount",
      "umount2",       "pivot_root",      "mount_setattr",  "fsopen",        "fsconfig",
      "fsmount",       "fspick",          "open_tree",      "move_mount",    "move_pages",
  };
  const char* allowed[] = {"read", "write", "openat", "execve", "getpid", "ptrace", "process_vm_readv",
                           "kcmp", "setns", "chroot", "sethostname", "setuid", "socketcall"};
  for (const Abi& abi : kAbis) {
    const std::string abi_name = abi.name;
    CAPTURE(abi_name);
    int present = 0;
    for (const char* name : denied) {
      const std::string syscall_name = name;
      CAPTURE(syscall_name);
      if (auto r = decide(prog->insns, abi, name)) {
        CHECK(*r == kEperm);
        ++present;
      }
    }
    CHECK(present >= 40);
    for (const char* name : allowed) {
      CAPTURE(name);
      if (auto r = decide(prog->insns, abi, name)) CHECK(*r == kAllow);
    }
    CHECK(decide(prog->insns, abi, "clone3") == (SECCOMP_RET_ERRNO | ENOSYS));
  }
  Input foreign;
  foreign.arch = AUDIT_ARCH_AARCH64;
  CHECK(run_bpf(prog->insns, foreign) == SECCOMP_RET_KILL_PROCESS);
}

TEST_CASE("seccomp BPF: argument filters on every ABI") {
  auto prog = seccomp::build_default();
  REQUIRE(prog);
  uint64_t state = 0x9e3779b97f4a7c15ULL;  // xorshift: reproducible
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const uint64_t allowed_personalities[] = {0, 8, 0x20000, 0x20008, 0xffffffff};
  for (const Abi& abi : kAbis) {
    const std::string abi_name = abi.name;
    CAPTURE(abi_name);
    const bool wide = abi.audit_arch == AUDIT_ARCH_X86_64;  // 64-bit argument registers
    for (uint64_t v : allowed_personalities) CHECK(decide(prog->insns, abi, "personality", {v}) == kAllow);
    int mismatches = 0;
    for (int i = 0; i < 20000; ++i) {
      uint64_t v = next();
      if (!wide || i % 2) v &= 0xffffffffULL;
      if (i % 4 == 0) v &= 0x20008 | (uint64_t{1} << (i % 32));  // near the allowed values
      const bool ok = std::find(std::begin(allowed_personalities), std::end(allowed_personalities), v) !=
                      std::end(allowed_personalities);
      if (decide(prog->insns, abi, "personality", {v}) != (ok ? kAllow : kEperm)) ++mismatches;
    }
    CHECK(mismatches == 0);

    for (int i = 0; i < 2000; ++i) {
      uint64_t flags = next() & (wide ? ~0ULL : 0xffffffffULL);
      const uint32_t want = (flags & CLONE_NEWUSER) ? kEperm : kAllow;
      CHECK(decide(prog->insns, abi, "unshare", {flags}) == want);
      CHECK(decide(prog->insns, abi, "clone", {flags}) == want);
    }
    for (uint64_t req : {uint64_t{TIOCSTI}, uint64_t{TIOCLINUX}}) {
      CHECK(decide(prog->insns, abi, "ioctl", {0, req}) == kEperm);
      if (wide) CHECK(decide(prog->insns, abi, "ioctl", {0, req | 0xabc00000000ULL}) == kEperm);
    }
    CHECK(decide(prog->insns, abi, "ioctl", {0, FIONREAD}) == kAllow);
    if (abi.audit_arch == AUDIT_ARCH_I386) {
      // socket is direct call 359 or socketcall(SYS_SOCKET=1, args): both
      // must stay open (the family filter is not possible there).
      Input in;
      in.arch = AUDIT_ARCH_I386;
      in.nr = 359;
      in.args[0] = AF_INET;
      CHECK(run_bpf(prog->insns, in) == kAllow);
      in.nr = 102;
      in.args[0] = 1;
      CHECK(run_bpf(prog->insns, in) == kAllow);
    } else {
      const uint32_t no_family = SECCOMP_RET_ERRNO | EAFNOSUPPORT;
      CHECK(decide(prog->insns, abi, "socket", {AF_ALG, SOCK_SEQPACKET}) == no_family);
      CHECK(decide(prog->insns, abi, "socket", {AF_VSOCK, SOCK_STREAM}) == no_family);
      CHECK(decide(prog->insns, abi, "socket", {0xffffffff00000000ULL | AF_ALG, SOCK_STREAM}) == no_family);
      CHECK(decide(prog->insns, abi, "socket", {AF_INET, SOCK_STREAM}) == kAllow);
      CHECK(decide(prog->insns, abi, "socket", {AF_NETLINK, SOCK_RAW}) == kAllow);
    }
  }
}

TEST_CASE("seccomp: the program round-trips through bytes; partial programs are refused") {
  auto prog = seccomp::build_default();
  REQUIRE(prog);
  std::string bytes = seccomp::to_bytes(*prog);
  CHECK(bytes.size() == prog->insns.size() * sizeof(sock_filter));
  auto back = seccomp::from_bytes(bytes);
  REQUIRE(back);
  CHECK(seccomp::to_bytes(*back) == bytes);
  CHECK_FALSE(seccomp::from_bytes(""));
  CHECK_FALSE(seccomp::from_bytes(bytes.substr(0, bytes.size() - 3)));
  CHECK_FALSE(seccomp::from_bytes(std::string((BPF_MAXINSNS + 1) * sizeof(sock_filter), '\0')));
}
