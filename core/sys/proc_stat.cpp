#include "core/sys/proc_stat.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace zonekit::sys {

Result<ProcStat> proc_stat(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sys_error("open", path);
  char buf[1024];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  int err = errno;
  ::close(fd);
  if (n <= 0) return sys_error("read", path, n < 0 ? err : EIO);
  buf[n] = '\0';
  // comm may hold spaces and parentheses: parse after the last ')'.
  char* p = strrchr(buf, ')');
  if (!p) return fail("parse " + path + ": no ')'");
  p += 2;
  ProcStat st;
  st.state = *p;
  // Fields from 3 (state) on; start_time is field 22.
  int field = 3;
  char* save = nullptr;
  for (char* tok = strtok_r(p, " ", &save); tok; tok = strtok_r(nullptr, " ", &save), ++field) {
    if (field == 4) st.ppid = static_cast<pid_t>(strtol(tok, nullptr, 10));
    if (field == 22) {
      st.start_time = strtoull(tok, nullptr, 10);
      return st;
    }
  }
  return fail("parse " + path + ": too few fields");
}

bool process_matches(pid_t pid, uint64_t start_time) {
  if (pid <= 0) return false;
  auto st = proc_stat(pid);
  return st && st->state != 'Z' && st->state != 'X' && st->start_time == start_time;
}

}  // namespace zonekit::sys
