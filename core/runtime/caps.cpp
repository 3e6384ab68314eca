// Zone capabilities.
//
// The set is Docker's 14 default capabilities minus three:
//  - MKNOD: in a user namespace mknod(2) of device nodes fails whatever the
//    capability set (only init-userns root may), and FIFOs/sockets need no
//    capability, so the cap is moot; dropping it costs nothing.
//  - AUDIT_WRITE: the kernel refuses audit netlink messages from a non-init
//    user namespace (ECONNREFUSED, which libaudit treats as "no audit"), so
//    it is moot too.
//  - NET_RAW: raw and packet sockets have been the entry point of several
//    kernel memory-corruption exploits reachable from a user namespace
//    (CVE-2016-8655, CVE-2017-7308, CVE-2020-14386). Podman dropped it from
//    its defaults for the same reason. ping keeps working through ICMP
//    datagram sockets when the runtime sets net.ipv4.ping_group_range in the
//    zone's network namespace (to "0 2147483647").
// What stays is what ordinary software run as root expects: file ownership
// and permission overrides, setuid/setgid to drop privileges, binding ports
// below 1024, chroot, signalling its own processes, and SETFCAP/SETPCAP for
// package managers installing files with capabilities.
#include "core/runtime/caps.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace zonekit::caps {
namespace {

constexpr int kZoneCaps[] = {
    CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FOWNER,           CAP_FSETID,     CAP_KILL, CAP_SETGID,
    CAP_SETUID, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_SETFCAP,
};

constexpr uint64_t mask_of_zone_caps() {
  uint64_t m = 0;
  for (int c : kZoneCaps) m |= uint64_t{1} << c;
  return m;
}

constexpr int kMaxCapProbe = 64;  // capability numbers fit in the 64-bit v3 sets

}  // namespace

const std::vector<int>& zone_set() {
  static const std::vector<int> set(std::begin(kZoneCaps), std::end(kZoneCaps));
  return set;
}

uint64_t zone_mask() { return mask_of_zone_caps(); }

int drop_bounding_in_child() {
  constexpr uint64_t keep = mask_of_zone_caps();
  // Walk up until the kernel says the number is past CAP_LAST_CAP, so this
  // needs neither /proc nor an allocation.
  for (int cap = 0; cap < kMaxCapProbe; ++cap) {
    if (keep & (uint64_t{1} << cap)) {
      if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0 && errno == EINVAL) break;
      continue;
    }
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      if (errno == EINVAL) break;
      return -errno;
    }
  }
  return 0;
}

int apply_in_child() {
  constexpr uint64_t keep = mask_of_zone_caps();
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &header, data) < 0) return -errno;
  const uint64_t permitted = uint64_t{data[0].permitted} | (uint64_t{data[1].permitted} << 32);

  // Dropping from the bounding set needs CAP_SETPCAP. A process that no
  // longer has it (it already switched to a non-root user) must have called
  // drop_bounding_in_child() before; check that it did.
  if (permitted & (uint64_t{1} << CAP_SETPCAP)) {
    if (int rc = drop_bounding_in_child(); rc < 0) return rc;
  } else {
    for (int cap = 0; cap < kMaxCapProbe; ++cap) {
      if (keep & (uint64_t{1} << cap)) continue;
      int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
      if (r < 0) break;  // EINVAL: past the last capability
      if (r == 1) return -EPERM;
    }
  }

  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) return -errno;

  // Never raise: a non-root user ends up with nothing, as after a login.
  const uint64_t want = keep & permitted;
  data[0].permitted = data[0].effective = static_cast<uint32_t>(want);
  data[1].permitted = data[1].effective = static_cast<uint32_t>(want >> 32);
  data[0].inheritable = data[1].inheritable = 0;
  header = {_LINUX_CAPABILITY_VERSION_3, 0};
  if (syscall(SYS_capset, &header, data) < 0) return -errno;

  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return -errno;
  return 0;
}

}  // namespace zonekit::caps
