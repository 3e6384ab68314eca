// From fork to execve, zlogin's child is in the zone's pid namespace, so the
// zone sees its pid. Until it joins the zone's user namespace (the last step
// before it drops to the user) it has host credentials and no process of
// the zone may signal it; from then to execve it could be stopped or
// killed, and zlogin would wait for it forever. zlogin therefore traces it
// (PTRACE_SEIZE): every signal the zone sends it before execve is dropped,
// and it is let go at execve. Where ptrace is refused (Yama scope 3, an
// LSM) a child seen stopped is killed, with an error that says so. Either
// way a child that has not started by the deadline is killed.
#pragma once

#include <sys/types.h>

#include <functional>

namespace zonekit::runtime {

// Trace pid (zlogin's child, which waits for this before it switches user
// namespace). False when the kernel refuses.
bool seize_until_exec(pid_t pid);

enum class StartOutcome {
  Started,   // the command runs (execve succeeded)
  Exited,    // the child ended before (status set)
  TimedOut,  // not started by the deadline: killed and reaped (status set)
  Stopped,   // untraced, stopped by a process of the zone: killed and reaped
};

// Waits for the child's execve or its end. sigchld_fd: a signalfd for
// SIGCHLD. on_message() is called when sock (the child's report socket,
// closed by its execve) is readable and returns false at EOF.
StartOutcome await_exec(pid_t pid, bool traced, int sigchld_fd, int sock,
                        const std::function<bool()>& on_message, int timeout_ms, int* status);

}  // namespace zonekit::runtime
