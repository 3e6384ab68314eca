#include "core/runtime/attach_warmup.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utility>

namespace zonekit::runtime {

namespace {
constexpr int kGateTimeoutMs = 2000;
}

AttachWarmup AttachWarmup::start(const std::string& procs_file) {
  AttachWarmup w;
  if (procs_file.empty()) return w;
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return w;
  UniqueFd rd(p[0]), wr(p[1]);
  pid_t pid = fork();
  if (pid < 0) return w;
  if (pid == 0) {
    // Keep only the gate's write end: its close at exit is the signal.
    // Holding anything else (a lock of the caller's) is worse than no warm-up.
    int keep = wr.get();
    if ((keep > 0 && syscall(SYS_close_range, 0U, static_cast<unsigned>(keep - 1), 0U) < 0) ||
        syscall(SYS_close_range, static_cast<unsigned>(keep + 1), ~0U, 0U) < 0)
      _exit(1);
    int fd = ::open(procs_file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) (void)!::write(fd, "0", 1);
    _exit(0);
  }
  w.pid_ = pid;
  w.gate_ = std::move(rd);
  return w;
}

AttachWarmup AttachWarmup::from_gate(UniqueFd gate_fd) {
  AttachWarmup w;
  w.gate_ = std::move(gate_fd);
  return w;
}

AttachWarmup::AttachWarmup(AttachWarmup&& other) noexcept
    : pid_(std::exchange(other.pid_, 0)), gate_(std::move(other.gate_)) {}

AttachWarmup& AttachWarmup::operator=(AttachWarmup&& other) noexcept {
  if (this != &other) {
    wait();
    pid_ = std::exchange(other.pid_, 0);
    gate_ = std::move(other.gate_);
  }
  return *this;
}

AttachWarmup::~AttachWarmup() { wait(); }

void AttachWarmup::wait() {
  if (gate_) {
    struct pollfd p{gate_.get(), POLLIN, 0};
    int r;
    do r = poll(&p, 1, kGateTimeoutMs); while (r < 0 && errno == EINTR);
    gate_.reset();
  }
  if (pid_ > 0) {
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid_ = 0;
  }
}

}  // namespace zonekit::runtime
