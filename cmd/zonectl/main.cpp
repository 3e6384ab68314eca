// zonectl: low-level driver of the runtime client API for tests and
// debugging (the runc of zonekit). Admins use zoneadm.
//   zonectl boot RUN_DIR [TIMEOUT_MS]     boot from RUN_DIR/spec.json
//   zonectl halt|reboot RUN_DIR
//   zonectl shutdown RUN_DIR SECONDS
//   zonectl status RUN_DIR                prints "<state> <init_pid> <alive>"
//   zonectl limits RUN_DIR KEY=VALUE...   live cgroup update
//   zonectl cleanup RUN_DIR
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/runtime/run_dir.hpp"
#include "core/runtime/supervisor_client.hpp"

namespace rt = zonekit::runtime;

namespace {

std::string zoneadmd_path() {
  if (const char* p = getenv("ZONEKIT_ZONEADMD")) return p;
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "/usr/libexec/zonekit/zoneadmd";
  self[n] = '\0';
  std::string dir(self);
  dir = dir.substr(0, dir.rfind('/'));           // .../bin
  dir = dir.substr(0, dir.rfind('/'));           // prefix
  return dir + "/libexec/zonekit/zoneadmd";
}

int report(const zonekit::Result<void>& r) {
  if (r) return 0;
  fprintf(stderr, "zonectl: %s\n", r.error().message().c_str());
  return r.error().kind == zonekit::ErrorKind::NotFound ? 3 : 1;
}

int usage() {
  fprintf(stderr, "usage: zonectl boot|halt|shutdown|reboot|status|limits|cleanup RUN_DIR [args]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  std::string cmd = argv[1], dir = argv[2];
  if (cmd == "boot") {
    auto spec = rt::read_spec(dir);
    if (!spec) return report(std::unexpected(spec.error()));
    int timeout = argc > 3 ? atoi(argv[3]) : 60000;
    return report(rt::boot(*spec, zoneadmd_path(), timeout));
  }
  if (cmd == "halt") return report(rt::halt(dir, 60000, zoneadmd_path()));
  if (cmd == "reboot") return report(rt::reboot(dir, 60000));
  if (cmd == "shutdown") {
    if (argc < 4) return usage();
    return report(rt::shutdown(dir, atoi(argv[3]), zoneadmd_path()));
  }
  if (cmd == "status") {
    auto st = rt::query(dir);
    if (!st) return report(std::unexpected(st.error()));
    printf("%s %d %s\n", st->state.c_str(), st->run.init_pid, st->supervisor_alive ? "alive" : "dead");
    return 0;
  }
  if (cmd == "cleanup") {
    auto spec = rt::read_spec(dir);
    if (!spec) return report(std::unexpected(spec.error()));
    return report(rt::cleanup_dead(*spec));
  }
  if (cmd == "limits") {
    auto spec = rt::read_spec(dir);
    if (!spec) return report(std::unexpected(spec.error()));
    auto l = spec->limits;
    for (int i = 3; i < argc; ++i) {
      std::string kv = argv[i];
      auto eq = kv.find('=');
      if (eq == std::string::npos) return usage();
      std::string k = kv.substr(0, eq);
      unsigned long long v = strtoull(kv.c_str() + eq + 1, nullptr, 10);
      if (k == "memory_bytes") l.memory_bytes = v;
      else if (k == "swap_bytes") l.swap_bytes = v;
      else if (k == "pids_max") l.pids_max = v;
      else if (k == "cpu_cap_percent") l.cpu_cap_percent = static_cast<uint32_t>(v);
      else if (k == "cpu_shares") l.cpu_shares = static_cast<uint32_t>(v);
      else if (k == "io_priority") l.io_priority = static_cast<uint32_t>(v);
      else return usage();
    }
    return report(rt::apply_limits(dir, l));
  }
  return usage();
}
