#include "core/runtime/run_dir.hpp"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "core/sys/fs.hpp"

namespace zonekit::runtime {

Result<ZoneSpec> read_spec(const std::string& run_dir) {
  RunPaths p{run_dir};
  auto text = ZK_TRY(fs::read_file(p.spec()));
  try {
    return nlohmann::json::parse(text).get<ZoneSpec>();
  } catch (const std::exception& e) {
    return fail("parse " + p.spec() + ": " + e.what());
  }
}

Result<void> write_spec(const ZoneSpec& spec) {
  RunPaths p{spec.run_dir};
  return fs::replace_file(p.spec(), nlohmann::json(spec).dump(2) + "\n", 0600);
}

Result<RunState> read_state(const std::string& run_dir) { return read_state_file(RunPaths{run_dir}.state()); }

Result<RunState> read_state_file(const std::string& path) {
  if (!fs::exists(path)) return RunState{"stopped"};
  auto text = ZK_TRY(fs::read_file(path));
  try {
    return nlohmann::json::parse(text).get<RunState>();
  } catch (const std::exception& e) {
    return fail("parse " + path + ": " + e.what());
  }
}

Result<void> write_state(const std::string& run_dir, const RunState& st) {
  RunPaths p{run_dir};
  return fs::replace_file(p.state(), nlohmann::json(st).dump(2) + "\n", 0644);
}

namespace {
// The fd acquire_supervisor_lock() returned last (one supervisor per
// process): what close_supervisor_lock_in_child() closes.
volatile int g_supervisor_lock_fd = -1;
}  // namespace

void close_supervisor_lock_in_child() {
  if (g_supervisor_lock_fd >= 0) ::close(g_supervisor_lock_fd);
  g_supervisor_lock_fd = -1;
}

Result<UniqueFd> acquire_supervisor_lock(const std::string& run_dir) {
  RunPaths p{run_dir};
  UniqueFd fd(::open(p.lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return sys_error("open", p.lock());
  struct flock fl{};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  if (fcntl(fd.get(), F_OFD_SETLK, &fl) < 0) {
    int err = errno;
    auto e = sys_error("lock", p.lock(), err);
    if (err == EAGAIN || err == EACCES) {
      e.error().kind = ErrorKind::Busy;
      e.error().code = 0;
      e.error().detail = "another zoneadmd supervises this zone";
    }
    return e;
  }
  g_supervisor_lock_fd = fd.get();
  return fd;
}

bool supervisor_lock_held(const std::string& run_dir) {
  RunPaths p{run_dir};
  UniqueFd fd(::open(p.lock().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return false;
  struct flock fl{};
  fl.l_type = F_WRLCK;  // would a write lock conflict? (read fd is fine for GETLK)
  fl.l_whence = SEEK_SET;
  if (fcntl(fd.get(), F_OFD_GETLK, &fl) < 0) return false;
  return fl.l_type != F_UNLCK;
}

Result<void> validate_spec(const ZoneSpec& spec) {
  auto bad = [&](const std::string& what) {
    return fail("zone " + spec.name + ": invalid spec: " + what, ErrorKind::Invalid);
  };
  if (spec.uuid.empty()) return bad("uuid is empty");
  if (spec.run_dir.empty() || spec.run_dir[0] != '/') return bad("run_dir must be absolute");
  if (spec.zone_dir.empty() || spec.zone_dir[0] != '/') return bad("zone_dir must be absolute");
  const auto& cg = spec.cgroup_path;
  if (cg.empty() || cg[0] == '/' || cg.find("..") != std::string::npos)
    return bad("cgroup_path must be relative without '..'");
  if (!spec.cgroup_unit.empty() &&
      (spec.cgroup_unit != "zonekit-" + spec.uuid + ".scope" ||
       cg != "machine.slice/" + spec.cgroup_unit + "/zone"))
    return bad("cgroup_unit must be zonekit-<uuid>.scope, holding cgroup_path");
  if (spec.ids.host_base == 0 || spec.ids.count == 0 || spec.ids.count > 65536 * 16)
    return bad("ids must be a non-root range");
  for (const auto& f : spec.filesystems) {
    if (f.source.empty() || f.source[0] != '/') return bad("filesystem source must be absolute");
    if (f.target.empty() || f.target[0] != '/' || f.target.find("..") != std::string::npos)
      return bad("filesystem target must be absolute without '..'");
  }
  if (!spec.init_argv.empty() && spec.init_argv[0].rfind('/', 0) != 0)
    return bad("init must be an absolute path");
  return {};
}

std::string now_iso8601() {
  time_t t = time(nullptr);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace zonekit::runtime
