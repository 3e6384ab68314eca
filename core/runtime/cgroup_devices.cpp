// Which devices a zone may open or create nodes for, whatever nodes end up
// in its tree: the minimal /dev the runtime builds (null, zero, full,
// random, urandom, tty, console, ptmx and its own pty slaves). Anything
// else, e.g. a block device node smuggled in through an image, is refused
// by the kernel (EPERM), as with Docker's device cgroup.
#include <linux/bpf.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/runtime/cgroup.hpp"
#include "core/runtime/cgroup_devices.hpp"
#include "core/sys/fd.hpp"

namespace zonekit::cgroup {

const std::vector<DeviceRule>& zone_devices() {
  static const std::vector<DeviceRule> rules = {
      {'c', 1, 3},    // null
      {'c', 1, 5},    // zero
      {'c', 1, 7},    // full
      {'c', 1, 8},    // random
      {'c', 1, 9},    // urandom
      {'c', 5, 0},    // tty
      {'c', 5, 1},    // console
      {'c', 5, 2},    // ptmx (also /dev/pts/ptmx)
      {'c', 136, -1}, // pty slaves of the zone's own devpts
  };
  return rules;
}

std::vector<FileWrite> plan_v1_devices() {
  std::vector<FileWrite> w{{"devices/payload/devices.deny", "a"}};
  for (const auto& r : zone_devices())
    w.push_back({"devices/payload/devices.allow", std::string(1, r.type) + " " + std::to_string(r.major) + ":" +
                                              (r.minor < 0 ? std::string("*") : std::to_string(r.minor)) + " rwm"});
  return w;
}

namespace detail {
namespace {

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

// r1 = struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
// access_type = (access << 16) | type. Returns 1 (allow) or 0 (deny).
std::vector<bpf_insn> device_program() {
  std::vector<bpf_insn> p;
  p.push_back(insn(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1, 0, 0));  // r2 = access_type
  p.push_back(insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff));    // r2 = type
  p.push_back(insn(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_4, BPF_REG_1, 4, 0));  // r4 = major
  p.push_back(insn(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_5, BPF_REG_1, 8, 0));  // r5 = minor
  for (const auto& r : zone_devices()) {
    const int type = r.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
    const int16_t skip = r.minor < 0 ? 4 : 5;  // to the next rule
    p.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, static_cast<int16_t>(skip - 1), type));
    p.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, static_cast<int16_t>(skip - 2), r.major));
    if (r.minor >= 0)
      p.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 2, static_cast<int32_t>(r.minor)));
    p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1));
    p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  }
  p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0));
  p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  return p;
}

long sys_bpf(int cmd, bpf_attr* attr) { return syscall(SYS_bpf, cmd, attr, sizeof(*attr)); }

}  // namespace

Result<void> attach_device_program(int dirfd, const std::string& shown) {
  struct statfs fs {};
  if (fstatfs(dirfd, &fs) < 0) return sys_error("statfs", shown);
  if (fs.f_type != CGROUP2_SUPER_MAGIC) return {};

  auto prog = device_program();
  static const char kLicense[] = "Apache-2.0";
  bpf_attr load{};
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<uint64_t>(prog.data());
  load.insn_cnt = static_cast<uint32_t>(prog.size());
  load.license = reinterpret_cast<uint64_t>(kLicense);
  UniqueFd prog_fd(static_cast<int>(sys_bpf(BPF_PROG_LOAD, &load)));
  if (!prog_fd) {
    // Load again with the verifier's log, for the message.
    const int err = errno;
    std::string log(4096, '\0');
    load.log_level = 1;
    load.log_buf = reinterpret_cast<uint64_t>(log.data());
    load.log_size = static_cast<uint32_t>(log.size());
    UniqueFd retry(static_cast<int>(sys_bpf(BPF_PROG_LOAD, &load)));
    auto e = sys_error("bpf load", "device program for " + shown, err);
    log.resize(strnlen(log.data(), log.size()));
    while (!log.empty() && log.back() == '\n') log.pop_back();
    if (!log.empty()) e.error().detail = "verifier: " + log;
    return e;
  }

  bpf_attr attach{};
  attach.target_fd = static_cast<uint32_t>(dirfd);
  attach.attach_bpf_fd = static_cast<uint32_t>(prog_fd.get());
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = 0;  // single program: replaces any earlier one, not overridable below
  if (sys_bpf(BPF_PROG_ATTACH, &attach) < 0) return sys_error("bpf attach", "device program to " + shown);
  return {};  // the attachment keeps the program alive; prog_fd can go
}

}  // namespace detail
}  // namespace zonekit::cgroup
