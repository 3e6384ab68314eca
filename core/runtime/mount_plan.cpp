#include "core/runtime/mount_plan.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace zonekit::runtime {

namespace {

constexpr unsigned long kNoSuidDev = MS_NOSUID | MS_NODEV;

MountStep mkdir_step(std::string target, uint32_t mode = 0755) {
  MountStep s{MountKind::Mkdir};
  s.target = std::move(target);
  s.mode = mode;
  return s;
}

MountStep fresh(std::string fstype, std::string source, std::string target, unsigned long flags,
                std::string data) {
  MountStep s{MountKind::Fresh};
  s.fstype = std::move(fstype);
  s.source = std::move(source);
  s.target = std::move(target);
  s.flags = flags;
  s.data = std::move(data);
  return s;
}

MountStep symlink_step(std::string contents, std::string target) {
  MountStep s{MountKind::Symlink};
  s.source = std::move(contents);
  s.target = std::move(target);
  return s;
}

MountStep simple(MountKind kind, std::string target) {
  MountStep s{kind};
  s.target = std::move(target);
  return s;
}

// runc/Docker masked and read-only paths.
const char* const kMaskedFiles[] = {
    "/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
    "/proc/latency_stats", "/proc/timer_stats", "/proc/interrupts", "/proc/kallsyms",
};
const char* const kMaskedDirs[] = {
    "/proc/acpi", "/proc/scsi", "/proc/asound", "/sys/firmware", "/sys/devices/virtual/powercap",
};
const char* const kReadOnly[] = {
    "/proc/sys", "/proc/sysrq-trigger", "/proc/bus", "/proc/fs", "/proc/irq",
};
const char* const kDevices[] = {"null", "zero", "full", "random", "urandom", "tty"};

}  // namespace

const std::vector<std::string>& shared_host_dirs() {
  static const std::vector<std::string> dirs{"usr", "bin", "sbin", "lib", "lib32", "lib64"};
  return dirs;
}

HostFacts probe_host_facts(const std::string& console_path) {
  HostFacts f;
  for (const auto& name : shared_host_dirs()) {
    HostFacts::TopDir d{name};
    std::string path = "/" + name;
    struct stat st;
    if (lstat(path.c_str(), &st) == 0) {
      if (S_ISLNK(st.st_mode)) {
        char buf[4096];
        ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
        if (n > 0) {
          d.exists = true;
          d.symlink.assign(buf, static_cast<size_t>(n));
        }
      } else if (S_ISDIR(st.st_mode)) {
        d.exists = true;
      }
    }
    f.top_dirs.push_back(std::move(d));
  }
  f.console_path = console_path;
  struct stat st;
  f.host_usr_local_sbin = lstat("/usr/local/sbin", &st) == 0 && S_ISDIR(st.st_mode);
  return f;
}

std::string image_lower_dir(const ZoneSpec& spec) { return spec.run_dir + "/lower"; }
std::string image_upper_dir(const ZoneSpec& spec) { return spec.zone_dir + "/overlay/upper"; }
std::string image_work_dir(const ZoneSpec& spec) { return spec.zone_dir + "/overlay/work"; }
std::string writable_layer_dir(const ZoneSpec& spec) {
  return spec.zone_dir + (spec.brand == "image" ? "/overlay" : "/root");
}

std::vector<std::string> persistent_dirs(const ZoneSpec& spec) {
  std::vector<std::string> dirs{"etc", "var", "root", "home"};
  if (spec.tmpfs_bytes == 0) dirs.push_back("tmp");
  return dirs;
}

std::vector<MountStep> plan_mounts(const ZoneSpec& spec, const HostFacts& facts) {
  std::vector<MountStep> p;
  const bool image = spec.brand == "image";
  if (image) {
    // The root: the image (attached id-shifted at image_lower_dir by the
    // child) under the zone's own writable layer. Everything below is the
    // zone's: top-level directories are created or checked to be real
    // directories before anything is mounted on them.
    p.push_back(fresh("overlay", "overlay", "/", kNoSuidDev,
                      fmt::format("lowerdir={},upperdir={},workdir={},userxattr",
                                  image_lower_dir(spec), image_upper_dir(spec),
                                  image_work_dir(spec))));
    p.push_back(mkdir_step("/etc"));
  } else {
    // The root: a private tmpfs, read-only once the tree is built.
    p.push_back(fresh("tmpfs", "zkroot", "/", kNoSuidDev, "mode=0755,size=1m"));
  }

  for (const auto& d : facts.top_dirs) {
    if (!d.exists || image) continue;
    std::string target = "/" + d.name;
    if (!d.symlink.empty()) {
      p.push_back(symlink_step(d.symlink, target));
      continue;
    }
    p.push_back(mkdir_step(target));
    MountStep b{MountKind::BindHost};
    b.source = target;
    b.target = target;
    b.recursive = true;
    b.attrs = kRdonly | kNosuid | kNodev;
    p.push_back(b);
  }

  for (const auto& name : persistent_dirs(spec)) {
    if (image) {
      if (name == "tmp") p.push_back(mkdir_step("/tmp", 01777));
      continue;
    }
    p.push_back(mkdir_step("/" + name, name == "tmp" ? 01777 : 0755));
    MountStep b{MountKind::BindZone};
    b.source = spec.zone_dir + "/root/" + name;
    b.target = "/" + name;
    b.attrs = kNosuid | kNodev;
    p.push_back(b);
  }

  if (spec.tmpfs_bytes != 0) {
    p.push_back(mkdir_step("/tmp", 01777));
    p.push_back(fresh("tmpfs", "tmpfs", "/tmp", kNoSuidDev,
                      fmt::format("mode=1777,size={}", spec.tmpfs_bytes)));
  }
  p.push_back(mkdir_step("/run"));
  p.push_back(fresh("tmpfs", "tmpfs", "/run", kNoSuidDev, "mode=0755,size=16m"));

  p.push_back(mkdir_step("/proc", 0555));
  p.push_back(fresh("proc", "proc", "/proc", kNoSuidDev | MS_NOEXEC, ""));
  p.push_back(mkdir_step("/sys", 0555));
  p.push_back(fresh("sysfs", "sysfs", "/sys", kNoSuidDev | MS_NOEXEC | MS_RDONLY, ""));

  p.push_back(mkdir_step("/dev"));
  p.push_back(fresh("tmpfs", "tmpfs", "/dev", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k"));
  for (const char* dev : kDevices) {
    std::string path = std::string("/dev/") + dev;
    MountStep f = simple(MountKind::File, path);
    f.mode = 0666;
    p.push_back(f);
    MountStep b{MountKind::BindHost};
    b.source = path;
    b.target = path;
    b.attrs = kNosuid | kNoexec;
    p.push_back(b);
  }
  p.push_back(mkdir_step("/dev/pts"));
  p.push_back(fresh("devpts", "devpts", "/dev/pts", MS_NOSUID | MS_NOEXEC,
                    "newinstance,ptmxmode=0666,mode=0620,gid=5"));
  p.push_back(symlink_step("pts/ptmx", "/dev/ptmx"));
  p.push_back(mkdir_step("/dev/shm", 01777));
  p.push_back(fresh("tmpfs", "shm", "/dev/shm", kNoSuidDev | MS_NOEXEC, "mode=1777,size=64m"));
  p.push_back(mkdir_step("/dev/mqueue"));
  p.push_back(fresh("mqueue", "mqueue", "/dev/mqueue", kNoSuidDev | MS_NOEXEC, ""));
  p.push_back(symlink_step("/proc/self/fd", "/dev/fd"));
  p.push_back(symlink_step("/proc/self/fd/0", "/dev/stdin"));
  p.push_back(symlink_step("/proc/self/fd/1", "/dev/stdout"));
  p.push_back(symlink_step("/proc/self/fd/2", "/dev/stderr"));
  if (!facts.console_path.empty()) {
    MountStep f = simple(MountKind::File, "/dev/console");
    f.mode = 0600;
    p.push_back(f);
    MountStep b{MountKind::BindHost};
    b.source = facts.console_path;
    b.target = "/dev/console";
    b.attrs = kNosuid | kNoexec;
    p.push_back(b);
  }

  // The metadata doors and clients. Mount points are made without
  // following any symlink (the image brand's root is the zone's to shape);
  // nothing is copied into the zone's tree.
  if (!facts.metadata_tty.empty()) {
    MountStep f = simple(MountKind::File, "/dev/ttyS1");
    f.mode = 0600;
    p.push_back(f);
    MountStep b{MountKind::BindHost};
    b.source = facts.metadata_tty;
    b.target = "/dev/ttyS1";
    b.attrs = kNosuid | kNoexec;
    p.push_back(b);
  }
  if (!facts.metadata_dir.empty()) {
    MountStep b{MountKind::BindUser};
    b.source = facts.metadata_dir;
    b.target = "/.zonecontrol";
    b.attrs = kRdonly | kNosuid | kNodev | kNoexec;
    p.push_back(b);
  }
  if (!facts.native_sbin.empty()) {
    MountStep b{MountKind::BindUser};
    b.source = facts.native_sbin;
    b.target = "/native/usr/sbin";
    b.attrs = kRdonly | kNosuid | kNodev;
    p.push_back(b);
    // Sparse zones share the host's /usr: show the clients in its
    // /usr/local/sbin through a read-only overlay (the host's files first).
    if (!image && facts.host_usr_local_sbin && facts.native_sbin.find_first_of(",:\\") == std::string::npos)
      p.push_back(fresh("overlay", "zkmdata", "/usr/local/sbin", MS_RDONLY | kNoSuidDev,
                        "lowerdir=/usr/local/sbin:" + facts.native_sbin + ",userxattr"));
  }

  for (const auto& fsys : spec.filesystems) {
    MountStep b{MountKind::BindUser};
    b.source = fsys.source;
    b.target = fsys.target;
    b.recursive = true;
    b.attrs = (fsys.read_only ? kRdonly : 0) | (fsys.nosuid ? kNosuid : 0) |
              (fsys.nodev ? kNodev : 0) | (fsys.noexec ? kNoexec : 0);
    p.push_back(b);
  }

  for (const char* m : kMaskedFiles) p.push_back(simple(MountKind::MaskFile, m));
  for (const char* m : kMaskedDirs) p.push_back(simple(MountKind::MaskDir, m));
  for (const char* r : kReadOnly) p.push_back(simple(MountKind::ReadOnly, r));

  if (!image) {
    MountStep ro = simple(MountKind::SetAttr, "/");
    ro.attrs = kRdonly;
    p.push_back(ro);
  }
  return p;
}

std::string describe(const MountStep& s) {
  auto attrs = [](uint32_t a) {
    std::string out;
    if (a & kRdonly) out += ",ro";
    if (a & kNosuid) out += ",nosuid";
    if (a & kNodev) out += ",nodev";
    if (a & kNoexec) out += ",noexec";
    return out.empty() ? std::string() : " [" + out.substr(1) + "]";
  };
  switch (s.kind) {
    case MountKind::Fresh:
      return fmt::format("mount {} {} on {} flags={:#x} data={}", s.fstype, s.source, s.target,
                         s.flags, s.data);
    case MountKind::BindHost:
      return fmt::format("bind {} on {}{}{}", s.source, s.target, s.recursive ? " rec" : "",
                         attrs(s.attrs));
    case MountKind::BindZone:
      return fmt::format("bind zone {} on {}{}", s.source, s.target, attrs(s.attrs));
    case MountKind::BindUser:
      return fmt::format("bind filesystem {} on {}{}", s.source, s.target, attrs(s.attrs));
    case MountKind::Mkdir: return fmt::format("mkdir {} {:04o}", s.target, s.mode);
    case MountKind::File: return fmt::format("file {} {:04o}", s.target, s.mode);
    case MountKind::Symlink: return fmt::format("symlink {} -> {}", s.target, s.source);
    case MountKind::MaskFile: return fmt::format("mask file {}", s.target);
    case MountKind::MaskDir: return fmt::format("mask dir {}", s.target);
    case MountKind::ReadOnly: return fmt::format("read-only {}", s.target);
    case MountKind::SetAttr: return fmt::format("set {}{}", s.target, attrs(s.attrs));
  }
  return "?";
}

}  // namespace zonekit::runtime
