// zkinit: a zone's init when its manifest names none (libexec, executed by
// the zone's first process from an fd zoneadmd opened, never by path from
// inside the zone). Reaps orphans; SIGTERM, SIGINT or SIGPWR end the zone.
// Static and libc-only, so that each zone's init costs a few private pages
// instead of a copy of zoneadmd's (about 40 KiB against 450 KiB).
#include <sys/prctl.h>

#include "core/runtime/init_loop.hpp"

int main() {
  // Nothing of the host's in this image, but keep the zone from ptracing
  // its pid 1 all the same (it could only stop its own zone that way).
  prctl(PR_SET_DUMPABLE, 0);
  prctl(PR_SET_NAME, "init");
  zonekit::runtime::reap_until_stopped();
}
