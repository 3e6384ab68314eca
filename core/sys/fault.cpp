#include "core/sys/fault.hpp"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char** environ;

namespace zonekit::fault {

void point(const char* name) {
  const char* want = getenv("ZONEKIT_FAULT");
  if (!want) return;
  size_t n = strlen(name);
  if (strncmp(want, name, n) != 0) return;
  if (strcmp(want + n, ":stop") == 0) {
    // Freeze here so a test can look at the host at this exact step.
    raise(SIGSTOP);
    return;
  }
  if (want[n] != 0) return;
  // A namespace's init ignores SIGKILL sent from inside: die as if killed.
  if (getpid() == 1) _exit(128 + SIGKILL);
  kill(getpid(), SIGKILL);
  raise(SIGKILL);
}

const char* env_entry() {
  static const char kPrefix[] = "ZONEKIT_FAULT=";
  for (char** e = environ; e && *e; ++e)
    if (strncmp(*e, kPrefix, sizeof kPrefix - 1) == 0) return *e;
  return nullptr;
}

}  // namespace zonekit::fault
