// The built-in init's whole job, shared by zkinit (static, libc only) and
// the fallback in the zone's first process: reap orphans; SIGTERM, SIGINT
// or SIGPWR end the zone. Header-only so that zkinit links nothing else.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace zonekit::runtime {

[[noreturn]] inline void reap_until_stopped() {
  sigset_t set;
  sigemptyset(&set);
  const int sigs[] = {SIGCHLD, SIGTERM, SIGPWR, SIGINT, SIGHUP};
  for (int s : sigs) sigaddset(&set, s);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  for (;;) {
    siginfo_t si;
    int s = sigwaitinfo(&set, &si);
    if (s == SIGCHLD) {
      while (waitpid(-1, nullptr, WNOHANG) > 0) {
      }
    } else if (s == SIGTERM || s == SIGPWR || s == SIGINT) {
      _exit(0);
    }
  }
}

}  // namespace zonekit::runtime
