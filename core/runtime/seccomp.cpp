// The default zone seccomp profile.
//
// Shape: allow by default, deny a reviewed list. Docker's profile is an
// allowlist; a denylist is what the zone's other walls make safe enough
// here (own user namespace with no CAP_SYS_ADMIN, no_new_privs, pid ns) and
// it never breaks a workload on a syscall we forgot. What it must stop is
// the kernel surface the other walls leave open to an unprivileged process
// (keys, bpf, perf, userfaultfd, io_uring, nested user namespaces) and the
// host-global knobs Docker also withholds. Denied calls fail with EPERM,
// clone3 with ENOSYS (its flags live in memory the filter cannot read, so
// libc must fall back to clone(2), whose flags it can).
//
// The filter covers x86_64, i386 (int $0x80) and x32 (syscall numbers with
// bit 30 set): a profile that only knows the native ABI is bypassed by the
// other two. Any other architecture kills the process.
#include "core/runtime/seccomp.hpp"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "core/sys/fd.hpp"

namespace zonekit::seccomp {
namespace {

enum class Act { Eperm, Enosys };

struct Denied {
  const char* name;
  Act act = Act::Eperm;
};

// Unconditionally denied syscalls, by group. Keep this reviewable.
constexpr Denied kDenied[] = {
    // Kernel keyrings are not namespaced: a zone could read or fill keys
    // shared with the host and other zones.
    {"add_key"}, {"request_key"}, {"keyctl"},
    // Large, frequently exploited kernel surfaces with no use in a zone
    // (eBPF programs, perf events, userfaultfd as an exploit primitive,
    // io_uring, which Docker also denies since 2023 and which bypasses
    // per-syscall filtering of the operations it performs).
    {"bpf"}, {"perf_event_open"}, {"userfaultfd"},
    {"io_uring_setup"}, {"io_uring_enter"}, {"io_uring_register"},
    // Kernel code and the running kernel itself.
    {"kexec_load"}, {"kexec_file_load"}, {"init_module"}, {"finit_module"},
    {"delete_module"}, {"create_module"}, {"get_kernel_syms"}, {"query_module"},
    {"reboot"},
    // File handles bypass path lookup (the "shocker" escape).
    {"open_by_handle_at"}, {"name_to_handle_at"},
    // Host-global state: swap, process accounting, quotas, the clock, the
    // kernel log, the NFS server.
    {"swapon"}, {"swapoff"}, {"acct"}, {"quotactl"}, {"quotactl_fd"},
    {"settimeofday"}, {"stime"}, {"clock_settime"}, {"clock_settime64"},
    {"clock_adjtime"}, {"clock_adjtime64"}, {"adjtimex"},
    {"syslog"}, {"nfsservctl"}, {"lookup_dcookie"},
    // Raw hardware access and obsolete interfaces nobody needs.
    {"iopl"}, {"ioperm"}, {"vm86"}, {"vm86old"}, {"uselib"}, {"ustat"}, {"sysfs"},
    {"_sysctl"}, {"pciconfig_read"}, {"pciconfig_write"}, {"pciconfig_iobase"},
    {"afs_syscall"}, {"bdflush"},
    // Mounting. The zone has no CAP_SYS_ADMIN, so these fail anyway; denying
    // them also keeps the filesystem-context parsers (CVE-2022-0185 was
    // reached through fsconfig from a user namespace) out of reach. If zones
    // ever get CAP_SYS_ADMIN, revisit this group.
    {"mount"}, {"umount"}, {"umount2"}, {"pivot_root"}, {"mount_setattr"},
    {"fsopen"}, {"fsconfig"}, {"fsmount"}, {"fspick"}, {"open_tree"}, {"move_mount"},
    // Page migration of one's own memory has no use in a zone; Docker never
    // allows it.
    {"move_pages"},
    // clone3 passes its flags in memory: answer ENOSYS so libc uses clone(2).
    {"clone3", Act::Enosys},
};
// Allowed on purpose: ptrace, process_vm_readv/writev, kcmp, pidfd_getfd
// (the kernel's ptrace access checks plus the zone's own pid and user
// namespace confine them to the zone's processes, as Docker allows them on
// kernels >= 4.8); setns and unshare of other namespace types (they need
// CAP_SYS_ADMIN, which the zone lacks).

// personality(2) values Docker allows: PER_LINUX, PER_LINUX32, UNAME26,
// UNAME26|PER_LINUX32 and the query 0xffffffff.
constexpr uint32_t kPersonalityFlexible = 0x8 | 0x20000;  // bits 3 and 17

int add(scmp_filter_ctx ctx, uint32_t action, int nr, unsigned count, const scmp_arg_cmp* cmps) {
  return seccomp_rule_add_array(ctx, action, nr, count, cmps);
}

// Deny personality(x) unless x is one of the allowed values. libseccomp
// takes one comparison per argument and rule, so the complement is spelt
// as masked patterns (each rule: some bits set, one bit clear):
//  - x > 0xffffffff;
//  - for each bit k not in {3, 17}: bit k set and bit k+1 (mod 32) clear;
//  - for k in {3, 17}: bits k-1 and k set and bit k+1 clear.
// Any 32-bit x outside the allowed set has a set bit outside {3,17} and a
// clear bit; walking up from the former to the first clear bit ends in one
// of these patterns. 0, 8, 0x20000, 0x20008 have no set bit outside {3,17}
// and 0xffffffff no clear bit, so none of them match.
Result<void> add_personality(scmp_filter_ctx ctx, uint32_t eperm) {
  const int nr = seccomp_syscall_resolve_name("personality");
  scmp_arg_cmp high = SCMP_A0(SCMP_CMP_GT, 0xffffffffULL);
  if (int rc = add(ctx, eperm, nr, 1, &high); rc < 0) return sys_error("seccomp rule", "personality", -rc);
  for (int k = 0; k < 32; ++k) {
    const uint64_t bit = uint64_t{1} << k;
    const uint64_t next = uint64_t{1} << ((k + 1) % 32);
    uint64_t set = bit;
    if (kPersonalityFlexible & bit) set |= uint64_t{1} << (k - 1);
    scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, set | next, set);
    if (int rc = add(ctx, eperm, nr, 1, &cmp); rc < 0) return sys_error("seccomp rule", "personality", -rc);
  }
  return {};
}

struct CtxDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

// A context with the default action, attributes and the given extra ABIs.
Result<Ctx> new_context(std::initializer_list<uint32_t> arches, bool keep_native) {
  Ctx ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) return fail("seccomp_init failed");
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS); rc < 0)
    return sys_error("seccomp attr", "badarch", -rc);
  // A binary search over syscall numbers instead of a linear chain.
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2); rc < 0)
    return sys_error("seccomp attr", "optimize", -rc);
  for (uint32_t arch : arches)
    if (int rc = seccomp_arch_add(ctx.get(), arch); rc < 0 && rc != -EEXIST)
      return sys_error("seccomp arch add", std::to_string(arch), -rc);
  if (!keep_native)
    if (int rc = seccomp_arch_remove(ctx.get(), SCMP_ARCH_NATIVE); rc < 0)
      return sys_error("seccomp arch remove", "native", -rc);
  return ctx;
}

// Every rule of the profile. socket_families: whether socket(2) can be
// filtered by family on these ABIs (not on i386, see below).
Result<void> add_rules(scmp_filter_ctx ctx, bool socket_families, std::vector<std::string>* unresolved) {
  const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
  for (const Denied& d : kDenied) {
    const int nr = seccomp_syscall_resolve_name(d.name);
    if (nr == __NR_SCMP_ERROR) {  // newer than our libseccomp: nothing to deny
      if (unresolved) unresolved->emplace_back(d.name);
      continue;
    }
    const uint32_t action = d.act == Act::Enosys ? SCMP_ACT_ERRNO(ENOSYS) : eperm;
    if (int rc = seccomp_rule_add(ctx, action, nr, 0); rc < 0) return sys_error("seccomp rule", d.name, -rc);
  }

  // No nested user namespaces: an unprivileged process gets every
  // capability inside a new user namespace, which reopens the kernel
  // surface the zone's capability set closes. flags is argument 0 of both
  // calls on x86_64 and i386.
  for (const char* name : {"unshare", "clone"}) {
    scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER);
    if (int rc = add(ctx, eperm, seccomp_syscall_resolve_name(name), 1, &cmp); rc < 0)
      return sys_error("seccomp rule", name, -rc);
  }

  // TIOCSTI pushes input into a terminal, TIOCLINUX can read and select on
  // a virtual console: if a zone process holds a terminal fd shared with
  // the host (zlogin without a pty), they would type commands into the
  // admin's shell. The request is an unsigned int, so only its low 32 bits
  // are compared (the kernel ignores the rest).
  for (uint64_t request : {uint64_t{TIOCSTI}, uint64_t{TIOCLINUX}}) {
    scmp_arg_cmp cmp = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffULL, request);
    if (int rc = add(ctx, eperm, seccomp_syscall_resolve_name("ioctl"), 1, &cmp); rc < 0)
      return sys_error("seccomp rule", "ioctl", -rc);
  }

  // Socket families Docker denies: AF_ALG (the kernel crypto API, a
  // recurring source of local privilege escalations) and AF_VSOCK (talks to
  // the hypervisor, not to the zone's network). EAFNOSUPPORT is what a
  // kernel without them says, which software probing for them expects.
  // Not on i386: there libseccomp also turns the rule into one on
  // socketcall(SYS_SOCKET), whose family it cannot see, which would deny
  // every socket of 32-bit programs (glibc creates them through
  // socketcall). Docker has the same hole on i386 and closes it with
  // AppArmor; here i386 sockets stay unfiltered by family.
  if (socket_families) {
    for (uint64_t family : {uint64_t{AF_ALG}, uint64_t{AF_VSOCK}}) {
      scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, family);
      if (int rc = add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), seccomp_syscall_resolve_name("socket"), 1, &cmp); rc < 0)
        return sys_error("seccomp rule", "socket", -rc);
    }
  }

  return add_personality(ctx, eperm);
}

}  // namespace

Result<Program> build_default() {
  Program prog;
#if defined(__x86_64__)
  // x86_64 and x32 in one context, i386 in another (without the socket
  // family rules), merged into one program.
  Ctx ctx = ZK_TRY(new_context({SCMP_ARCH_X32}, true));
  ZK_TRYV(add_rules(ctx.get(), true, &prog.unresolved));
  Ctx i386 = ZK_TRY(new_context({SCMP_ARCH_X86}, false));
  ZK_TRYV(add_rules(i386.get(), false, nullptr));
  if (int rc = seccomp_merge(ctx.get(), i386.get()); rc < 0) return sys_error("seccomp merge", "x86", -rc);
  (void)i386.release();  // merged into ctx, which now owns it
#else
  Ctx ctx = ZK_TRY(new_context({}, true));
  ZK_TRYV(add_rules(ctx.get(), true, &prog.unresolved));
#endif

  UniqueFd mem(memfd_create("zonekit-seccomp", MFD_CLOEXEC));
  if (!mem) return sys_error("memfd_create", "seccomp");
  if (int rc = seccomp_export_bpf(ctx.get(), mem.get()); rc < 0) return sys_error("seccomp export", "bpf", -rc);
  struct stat st {};
  if (fstat(mem.get(), &st) < 0) return sys_error("fstat", "seccomp memfd");
  if (st.st_size <= 0 || st.st_size % sizeof(sock_filter) != 0)
    return fail("seccomp export: unexpected BPF size " + std::to_string(st.st_size));
  const size_t count = static_cast<size_t>(st.st_size) / sizeof(sock_filter);
  if (count > BPF_MAXINSNS) return fail("seccomp export: " + std::to_string(count) + " instructions is too many");
  prog.insns.resize(count);
  auto* out = reinterpret_cast<char*>(prog.insns.data());
  size_t done = 0;
  while (done < static_cast<size_t>(st.st_size)) {
    ssize_t n = pread(mem.get(), out + done, static_cast<size_t>(st.st_size) - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return sys_error("read", "seccomp memfd", n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  return prog;
}

std::string to_bytes(const Program& prog) {
  return std::string(reinterpret_cast<const char*>(prog.insns.data()), prog.insns.size() * sizeof(sock_filter));
}

Result<Program> from_bytes(std::string_view bytes) {
  if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0 ||
      bytes.size() / sizeof(sock_filter) > BPF_MAXINSNS)
    return fail("seccomp program: " + std::to_string(bytes.size()) + " bytes is not a whole program",
                ErrorKind::Invalid);
  Program prog;
  prog.insns.resize(bytes.size() / sizeof(sock_filter));
  memcpy(prog.insns.data(), bytes.data(), bytes.size());
  return prog;
}

int load(Program& prog) {
  sock_fprog fprog = prog.fprog();
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) < 0) return -errno;
  return 0;
}

}  // namespace zonekit::seccomp
