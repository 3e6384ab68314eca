// What zoneadmd does with a zone's metadata at each boot, in a child so
// that its loop never waits on the zone:
//   root_authorized_keys -> /root/.ssh/authorized_keys (0600) in /root/.ssh
//     (0700), both owned by the zone's root, written through the zone's
//     root directory (/proc/<init>/root) with openat2 RESOLVE_IN_ROOT |
//     RESOLVE_NO_SYMLINKS: a symlink the zone planted is never followed
//     (the install is refused and the reason reported);
//   user-script -> /run/mdata-user-script (0700, the zone's tmpfs), run
//     once per boot as the zone's root with the confinement of zlogin
//     (zone_exec.hpp), once zoneadmd has configured the zone's network; its
//     output goes to the zone's console (and console.log). Its exit status,
//     or why it could not run, is recorded in <run_dir>/provision.json
//     (removed at each boot; zoneadm info shows it). A failing script
//     never fails the boot.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "core/sys/result.hpp"

namespace zonekit::runtime {

struct ProvisionJob {
  std::string run_dir;
  pid_t init_pid = 0;
  uint32_t zone_root = 0;       // host uid/gid of the zone's root
  bool has_keys = false;
  std::string keys;             // root_authorized_keys
  bool has_script = false;
  std::string script;           // user-script
  int console_fd = -1;          // the script's stdout and stderr
};

// Under root_fd (the zone's root directory): write /root/.ssh/authorized_keys.
Result<void> install_authorized_keys(int root_fd, const std::string& keys, uint32_t zone_root);

// Write a file at rel under root_fd (no symlink followed, replacing what is
// there), owned by the zone's root.
Result<void> write_zone_file(int root_fd, const std::string& dir, const std::string& name,
                             const std::string& content, mode_t mode, uint32_t zone_root);

// Forks the provisioning child; 0 when there is nothing to do.
pid_t start_provisioner(const ProvisionJob& job);

// <run_dir>/provision.json as the child left it: the script's exit status
// (-1: did not run) and the problems met ("" when none).
struct ProvisionResult {
  int user_script_exit = -1;
  std::string error;
};
ProvisionResult read_provision_result(const std::string& run_dir);

}  // namespace zonekit::runtime
