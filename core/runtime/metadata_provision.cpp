#include "core/runtime/metadata_provision.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/runtime/run_dir.hpp"
#include "core/runtime/zone_exec.hpp"
#include "core/sys/fd.hpp"
#include "core/sys/fs.hpp"

namespace zonekit::runtime {

namespace {

constexpr const char* kScriptPath = "/run/mdata-user-script";

// openat2 beneath the zone's root: ".." and absolute names stay inside it,
// and no symlink is followed anywhere on the way.
int open_in_zone(int root_fd, const std::string& rel, int flags, mode_t mode = 0) {
  struct open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = mode;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how));
}

Result<void> write_all(int fd, const std::string& s, const std::string& shown) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return sys_error("write", shown);
    off += static_cast<size_t>(n);
  }
  return {};
}

// File system access as the zone's root: files a zone's own mounts (its
// tmpfs, an image zone's overlay) hold must belong to an id mapped in the
// zone's user namespace (creating them as host root fails with EOVERFLOW),
// and the zone's own permissions apply. Undone at scope end, which gives
// back the file capabilities for what follows (cgroup attach).
class AsZoneRoot {
 public:
  explicit AsZoneRoot(uint32_t id) {
    setfsgid(id);
    setfsuid(id);
  }
  ~AsZoneRoot() {
    setfsuid(0);
    setfsgid(0);
  }
  AsZoneRoot(const AsZoneRoot&) = delete;
  AsZoneRoot& operator=(const AsZoneRoot&) = delete;
};

std::string why(const Error& e, const std::string& path) {
  if (e.code == ELOOP) return path + ": a symlink is in the way (not followed)";
  return e.message();
}

}  // namespace

Result<void> write_zone_file(int root_fd, const std::string& dir, const std::string& name,
                             const std::string& content, mode_t mode, uint32_t zone_root) {
  UniqueFd d(open_in_zone(root_fd, dir, O_RDONLY | O_DIRECTORY));
  if (!d) return sys_error("open", dir);
  std::string tmp = "." + name + ".zonekit-tmp";
  (void)unlinkat(d.get(), tmp.c_str(), 0);
  UniqueFd f(openat(d.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!f) return sys_error("create", dir + "/" + tmp);
  auto cleanup = [&](Error e) -> Result<void> {
    (void)unlinkat(d.get(), tmp.c_str(), 0);
    return std::unexpected(std::move(e));
  };
  if (auto r = write_all(f.get(), content, dir + "/" + name); !r) return cleanup(r.error());
  // Not fsynced: every boot provisions the zone anew (zoneadm(8), "Crash
  // safety and fsync").
  if (fchown(f.get(), zone_root, zone_root) < 0 || fchmod(f.get(), mode) < 0)
    return cleanup(sys_error("chown", dir + "/" + name).error());
  // rename replaces whatever the zone left there, a symlink included,
  // without following it.
  if (renameat(d.get(), tmp.c_str(), d.get(), name.c_str()) < 0)
    return cleanup(sys_error("rename", dir + "/" + name).error());
  return {};
}

Result<void> install_authorized_keys(int root_fd, const std::string& keys, uint32_t zone_root) {
  UniqueFd home(open_in_zone(root_fd, "/root", O_RDONLY | O_DIRECTORY));
  if (!home) return sys_error("open", "/root");
  if (mkdirat(home.get(), ".ssh", 0700) == 0) {
    // Ours: hand it to the zone's root before anything goes in.
  } else if (errno != EEXIST) {
    return sys_error("mkdir", "/root/.ssh");
  }
  UniqueFd ssh(open_in_zone(root_fd, "/root/.ssh", O_RDONLY | O_DIRECTORY));
  if (!ssh) return sys_error("open", "/root/.ssh");
  if (fchown(ssh.get(), zone_root, zone_root) < 0 || fchmod(ssh.get(), 0700) < 0)
    return sys_error("chown", "/root/.ssh");
  std::string text = keys;
  if (!text.empty() && text.back() != '\n') text += '\n';
  return write_zone_file(root_fd, "/root/.ssh", "authorized_keys", text, 0600, zone_root);
}

pid_t start_provisioner(const ProvisionJob& job) {
  if (!job.has_keys && !job.has_script) return 0;
  std::string result_path = job.run_dir + "/provision.json";
  ::unlink(result_path.c_str());
  pid_t pid = fork();
  if (pid != 0) return pid < 0 ? 0 : pid;
  close_supervisor_lock_in_child();

  // The child: stdout and stderr are the zone's console, stdin an empty
  // pipe (no host file, not even /dev/null, reaches the zone); nothing
  // else of ours is needed (zone_exec opens what it uses).
  int empty[2];
  if (pipe2(empty, O_CLOEXEC) == 0) {
    ::close(empty[1]);
    dup2(empty[0], 0);
  }
  if (job.console_fd >= 0) {
    dup2(job.console_fd, 1);
    dup2(job.console_fd, 2);
  }
  nlohmann::json result = {{"user_script_exit", -1}, {"error", ""}};
  std::string errors;
  auto note = [&](const std::string& msg) {
    errors += (errors.empty() ? "" : "; ") + msg;
    dprintf(2, "zonekit: %s\r\n", msg.c_str());
  };
  std::string root_path = "/proc/" + std::to_string(job.init_pid) + "/root";
  UniqueFd root(::open(root_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) {
    note("provisioning: cannot open the zone's root");
  } else {
    if (job.has_keys) {
      AsZoneRoot as(job.zone_root);
      if (auto r = install_authorized_keys(root.get(), job.keys, job.zone_root); !r)
        note("root_authorized_keys not installed: " + why(r.error(), "/root/.ssh"));
    }
    if (job.has_script) {
      Result<void> w;
      {
        AsZoneRoot as(job.zone_root);
        w = write_zone_file(root.get(), "/run", "mdata-user-script", job.script, 0700, job.zone_root);
      }
      if (!w) {
        note("user-script not run: " + why(w.error(), kScriptPath));
      } else {
        ExecOptions opts;
        opts.argv = {kScriptPath};
        auto rc = exec_in_zone(job.run_dir, opts);
        // No "#!" line: run it with the zone's shell, as a login shell would.
        if (!rc && rc.error().code == ENOEXEC) {
          opts.argv = {"/bin/sh", kScriptPath};
          rc = exec_in_zone(job.run_dir, opts);
        }
        if (!rc) {
          note("user-script could not run: " + rc.error().message());
        } else {
          result["user_script_exit"] = *rc;
          dprintf(2, "zonekit: user-script exited with status %d\r\n", *rc);
        }
      }
    }
  }
  result["error"] = errors;
  (void)fs::replace_file(result_path, result.dump() + "\n", 0600);
  _exit(0);
}

ProvisionResult read_provision_result(const std::string& run_dir) {
  ProvisionResult out;
  auto text = fs::read_file(run_dir + "/provision.json", 64 * 1024);
  if (!text) return out;  // none this boot, or still running
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return out;
  if (j.contains("user_script_exit") && j["user_script_exit"].is_number_integer())
    out.user_script_exit = j["user_script_exit"].get<int>();
  if (j.contains("error") && j["error"].is_string()) out.error = j["error"].get<std::string>();
  return out;
}

}  // namespace zonekit::runtime
