#include "core/sys/release_in_child.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace zonekit {

namespace {

// In the grandchild: keep fd (as 0) and the go pipe (as 1), drop the rest,
// report on ready, wait for EOF on go, exit (closing fd). All three are
// moved above 2 first: a caller started with closed stdio may have them
// there, and one dup2 must not clobber another.
[[noreturn]] void hold(int fd, int go, int ready) {
  fd = fcntl(fd, F_DUPFD, 3);
  go = fcntl(go, F_DUPFD, 3);
  ready = fcntl(ready, F_DUPFD, 3);
  if (fd < 0 || go < 0 || ready < 0 || dup2(fd, 0) < 0 || dup2(go, 1) < 0 || dup2(ready, 2) < 0) _exit(1);
  // Holding anything else (a lock of the caller's) is worse than not helping.
  if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0) _exit(1);
  char c = 0;
  (void)!::write(2, &c, 1);
  ::close(2);
  while (::read(1, &c, 1) < 0 && errno == EINTR) {
  }
  _exit(0);
}

}  // namespace

ReleaseInChild::ReleaseInChild(int fd) {
  int go[2], ready[2];
  if (pipe2(go, O_CLOEXEC) < 0) return;
  UniqueFd go_rd(go[0]), go_wr(go[1]);
  if (pipe2(ready, O_CLOEXEC) < 0) return;
  UniqueFd ready_rd(ready[0]), ready_wr(ready[1]);
  pid_t mid = fork();
  if (mid < 0) return;
  if (mid == 0) {
    pid_t pid = fork();
    if (pid == 0) hold(fd, go_rd.get(), ready_wr.get());
    _exit(pid < 0 ? 1 : 0);
  }
  ready_wr.reset();
  go_rd.reset();
  int status = 0;
  while (waitpid(mid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return;
  char c;
  ssize_t n;
  do n = ::read(ready_rd.get(), &c, 1); while (n < 0 && errno == EINTR);
  if (n == 1) go_ = std::move(go_wr);
}

}  // namespace zonekit
