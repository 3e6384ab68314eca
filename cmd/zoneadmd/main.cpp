// zoneadmd --run-dir DIR: the per-zone supervisor (libexec, started by
// zoneadm boot). Exit 0 when the zone stopped cleanly, 1 on failure.
#include <cstdio>
#include <cstring>
#include <string>

#include "core/runtime/supervisor.hpp"

int main(int argc, char** argv) {
  std::string run_dir;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--run-dir") == 0 && i + 1 < argc) {
      run_dir = argv[++i];
    } else {
      fprintf(stderr, "usage: zoneadmd --run-dir DIR\n");
      return 2;
    }
  }
  if (run_dir.empty()) {
    fprintf(stderr, "usage: zoneadmd --run-dir DIR\n");
    return 2;
  }
  // argv strings are contiguous: hand their area to the built-in init.
  char* end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
  zonekit::runtime::set_title_area(argv[0], static_cast<size_t>(end - argv[0]));
  std::string err;
  int rc = zonekit::runtime::run_supervisor(run_dir, err);
  if (rc != 0) fprintf(stderr, "zoneadmd: %s: %s\n", run_dir.c_str(), err.c_str());
  return rc;
}
