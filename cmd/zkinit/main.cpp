// zkinit: a zone's init when its manifest names none (libexec, executed by
// the zone's first process from an fd zoneadmd opened, never by path from
// inside the zone). Reaps orphans; SIGTERM, SIGINT or SIGPWR end the zone.
// Static and libc-only, so that each zone's init costs a few private pages
// instead of a copy of zoneadmd's (about 40 KiB against 450 KiB).
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main() {
  // Nothing of the host's in this image, but keep the zone from ptracing
  // its pid 1 all the same (it could only stop its own zone that way).
  prctl(PR_SET_DUMPABLE, 0);
  prctl(PR_SET_NAME, "init");
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
