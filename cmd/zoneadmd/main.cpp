// zoneadmd --run-dir DIR: the per-zone supervisor (libexec, started by
// zoneadm boot). Exit 0 when the zone stopped cleanly, 1 on failure.
// zoneadmd --keeper --run-dir DIR: the fd keeper a zoneadmd starts (fd_keeper.hpp).
#include <fcntl.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/runtime/fd_keeper.hpp"
#include "core/runtime/supervisor.hpp"

namespace {

// zoneadm boot hands these over (core/runtime/supervisor_client.cpp):
//   --notify-fd FD    closed once the zone is running or failed
//   --attach-gate FD  at EOF once the attach warm-up ended (attach_warmup.hpp)
//   --adopt           take over the running zone of a zoneadmd that died
constexpr const char* kUsage = "usage: zoneadmd --run-dir DIR [--notify-fd FD] [--attach-gate FD] [--adopt]\n";

// Made close-on-exec: nothing zoneadmd starts inherits it.
zonekit::UniqueFd inherited_fd(const char* text) {
  char* end = nullptr;
  long fd = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || fd <= 2 || fd > 1024) return {};
  if (fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC) < 0) return {};
  return zonekit::UniqueFd(static_cast<int>(fd));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && strcmp(argv[1], zonekit::runtime::kKeeperFlag) == 0) zonekit::runtime::keeper_main();
  std::string run_dir;
  zonekit::runtime::SupervisorFds fds;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--run-dir") == 0 && i + 1 < argc) {
      run_dir = argv[++i];
    } else if (strcmp(argv[i], "--notify-fd") == 0 && i + 1 < argc) {
      fds.notify = inherited_fd(argv[++i]);
    } else if (strcmp(argv[i], "--attach-gate") == 0 && i + 1 < argc) {
      fds.attach_gate = inherited_fd(argv[++i]);
    } else if (strcmp(argv[i], "--adopt") == 0) {
      fds.adopt = true;
    } else {
      fprintf(stderr, "%s", kUsage);
      return 2;
    }
  }
  if (run_dir.empty()) {
    fprintf(stderr, "%s", kUsage);
    return 2;
  }
  // argv strings are contiguous: hand their area to the built-in init.
  char* end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
  zonekit::runtime::set_title_area(argv[0], static_cast<size_t>(end - argv[0]));
  std::string err;
  int rc = zonekit::runtime::run_supervisor(run_dir, std::move(fds), err);
  if (rc != 0) fprintf(stderr, "zoneadmd: %s: %s\n", run_dir.c_str(), err.c_str());
  return rc;
}
