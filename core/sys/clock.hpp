// The monotonic clock in milliseconds: deadlines and timeouts.
#pragma once

#include <time.h>

#include <cstdint>

namespace zonekit::sys {

inline int64_t mono_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

}  // namespace zonekit::sys
