#include "core/runtime/exec_guard.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

namespace zonekit::runtime {

namespace {

int64_t now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

bool is_stop_signal(int sig) {
  return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

// In a signal-delivery-stop before execve: let the signal through only if
// nothing in the zone sent it. A sender in the zone has a pid in the
// child's pid namespace; zlogin (forwarding ^C) and the host have none. A
// fault the kernel raised (si_code > 0) must be delivered, or the faulting
// instruction would run again forever; stops never are.
int signal_to_deliver(pid_t pid, int sig) {
  if (is_stop_signal(sig)) return 0;
  siginfo_t si{};
  if (ptrace(PTRACE_GETSIGINFO, pid, nullptr, &si) < 0) return 0;
  if (si.si_code > 0) return sig;
  return si.si_pid == 0 ? sig : 0;
}

StartOutcome kill_and_reap(pid_t pid, int* status, StartOutcome why) {
  kill(pid, SIGKILL);
  while (waitpid(pid, status, __WALL) < 0 && errno == EINTR) {
  }
  return why;
}

}  // namespace

bool seize_until_exec(pid_t pid) {
  // EXITKILL: should zlogin die, the child dies with it instead of running
  // on, untraced, as a half-set-up process.
  return ptrace(PTRACE_SEIZE, pid, nullptr,
                reinterpret_cast<void*>(PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)) == 0;
}

StartOutcome await_exec(pid_t pid, bool traced, int sigchld_fd, int sock,
                        const std::function<bool()>& on_message, int timeout_ms, int* status) {
  const int64_t deadline = now_ms() + timeout_ms;
  bool sock_open = true, exec_seen = false;
  for (;;) {
    // Traced: the exec stop says it. Untraced: the report socket, closed
    // on exec, reaching EOF (an exit that closed it too is found later).
    if (traced ? exec_seen : !sock_open) return StartOutcome::Started;
    int64_t left = deadline - now_ms();
    if (left <= 0) return kill_and_reap(pid, status, StartOutcome::TimedOut);
    struct pollfd p[2] = {{sigchld_fd, POLLIN, 0}, {sock_open ? sock : -1, POLLIN, 0}};
    if (poll(p, 2, static_cast<int>(left)) < 0 && errno != EINTR) return StartOutcome::Started;
    if (p[1].revents) sock_open = on_message();
    if (!p[0].revents || (!traced && !sock_open)) continue;
    struct signalfd_siginfo si;
    while (::read(sigchld_fd, &si, sizeof si) == sizeof si) {
    }
    int st;
    pid_t r;
    while ((r = waitpid(pid, &st, WNOHANG | __WALL | WUNTRACED)) == pid) {
      if (WIFEXITED(st) || WIFSIGNALED(st)) {
        while (sock_open && on_message()) {
        }
        *status = st;
        return StartOutcome::Exited;
      }
      if (!WIFSTOPPED(st)) continue;
      if (!traced) return kill_and_reap(pid, status, StartOutcome::Stopped);
      const int event = st >> 16;
      if (event == PTRACE_EVENT_EXEC) {
        ptrace(PTRACE_DETACH, pid, nullptr, nullptr);
        exec_seen = true;
        break;
      }
      const int sig = event == 0 ? signal_to_deliver(pid, WSTOPSIG(st)) : 0;
      ptrace(PTRACE_CONT, pid, nullptr, reinterpret_cast<void*>(static_cast<intptr_t>(sig)));
    }
  }
}

}  // namespace zonekit::runtime
