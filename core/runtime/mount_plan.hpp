// The zone's mount tree as a pure, ordered list of steps. plan_mounts() is a
// function of the spec and a few host facts only, so unit tests pin the exact
// list; mount_apply.hpp carries the steps out through a Syscalls interface.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/plan/zone_spec.hpp"

namespace zonekit::runtime {

enum class MountKind {
  Fresh,       // mount a new filesystem (tmpfs, proc, sysfs, devpts, mqueue)
  BindHost,    // bind a trusted host path (admin controlled: /usr, /dev/null...)
  BindZone,    // bind <zone_dir>/root/<name>; the last component must not be a symlink
  BindUser,    // filesystems[]: host source, target created in the zone tree with no symlink followed
  Mkdir,       // directory in the zone tree we built (not zone controlled)
  File,        // empty file as a bind target
  Symlink,     // target -> source
  MaskFile,    // bind the zone's /dev/null over target (skipped if missing)
  MaskDir,     // empty read-only tmpfs over target (skipped if missing)
  ReadOnly,    // bind target over itself, then read-only (skipped if missing)
  SetAttr,     // add mount attributes to the mount at target
};

// Attributes added after mounting (MOUNT_ATTR_* meaning; never cleared, so
// flags locked by the kernel for a user namespace are kept).
inline constexpr uint32_t kRdonly = 1, kNosuid = 2, kNodev = 4, kNoexec = 8;

struct MountStep {
  MountKind kind;
  std::string source;   // fstype source name, host path, symlink contents
  std::string target;   // absolute path inside the zone
  std::string fstype;   // Fresh only
  unsigned long flags = 0;  // MS_* for Fresh
  std::string data;     // mount data for Fresh
  uint32_t attrs = 0;   // MountAttr bits applied after mounting
  bool recursive = false;
  uint32_t mode = 0;    // Mkdir/File mode
  bool operator==(const MountStep&) const = default;
};

// What plan_mounts needs to know about the host.
struct HostFacts {
  struct TopDir {
    std::string name;          // "usr", "bin", ...
    bool exists = false;
    std::string symlink;       // non-empty: the host entry is a symlink to this
  };
  std::vector<TopDir> top_dirs;  // usr bin sbin lib lib32 lib64, in that order
  std::string console_path;      // host path of the console pty slave ("" = none)
  // The metadata doors (metadata_door.hpp), each "" when not served:
  std::string metadata_tty;      // host path of the pty slave that is the zone's /dev/ttyS1
  std::string metadata_dir;      // host directory with metadata.sock -> /.zonecontrol
  // zonekit's in-zone clients (mdata-get ...): the host directory that
  // every zone sees read-only as /native/usr/sbin, and that sparse zones
  // also see merged into /usr/local/sbin (on their PATH), when the host
  // has that directory.
  std::string native_sbin;
  bool host_usr_local_sbin = false;
};

// Host directories shared read-only with every sparse zone.
const std::vector<std::string>& shared_host_dirs();

// Read the host facts (lstat of /usr, /bin ...).
HostFacts probe_host_facts(const std::string& console_path);

// Image brand: where the image's read-only, id-shifted root is attached
// in the child (a directory of the run dir), and the overlay's writable
// layer under the zone's own directory.
std::string image_lower_dir(const ZoneSpec& spec);   // <run_dir>/lower
std::string image_upper_dir(const ZoneSpec& spec);   // <zone_dir>/overlay/upper
std::string image_work_dir(const ZoneSpec& spec);    // <zone_dir>/overlay/work

// The tree holding everything the zone writes to disk, the one its quota
// covers: <zone_dir>/overlay (upper and work) for the image brand,
// <zone_dir>/root (the persistent directories) for sparse.
std::string writable_layer_dir(const ZoneSpec& spec);

// Per-zone persistent directories under <zone_dir>/root (sparse brand).
std::vector<std::string> persistent_dirs(const ZoneSpec& spec);

std::vector<MountStep> plan_mounts(const ZoneSpec& spec, const HostFacts& facts);

// One line per step, for messages and golden tests.
std::string describe(const MountStep& step);

}  // namespace zonekit::runtime
