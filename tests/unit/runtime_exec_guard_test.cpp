// zlogin's watch over its child from fork to execve (exec_guard.hpp),
// without a zone: a traced child that is stopped or signalled by another
// process still reaches its exec; an untraced one that is stopped is killed
// with the Stopped outcome; one that never execs is killed at the deadline.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include "core/runtime/exec_guard.hpp"
#include "core/sys/fd.hpp"

using namespace zonekit;
using namespace zonekit::runtime;

namespace {

// A child that waits for "go", runs body, then execs /bin/true with its
// report socket closed by the exec, as zlogin's child does.
struct Child {
  pid_t pid = -1;
  UniqueFd sock, sigchld;
  sigset_t old;
  bool traced = false;

  Child(bool trace, const std::function<void()>& body) {
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);
    sigchld.reset(signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK));
    int sp[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(sp[0]);
      char go;
      if (::recv(sp[1], &go, 1, 0) != 1) _exit(90);
      body();
      execl("/bin/true", "true", nullptr);
      _exit(127);
    }
    ::close(sp[1]);
    sock.reset(sp[0]);
    traced = trace && seize_until_exec(pid);
    REQUIRE(traced == trace);
    REQUIRE(::send(sock.get(), "g", 1, 0) == 1);
  }
  ~Child() { sigprocmask(SIG_SETMASK, &old, nullptr); }

  StartOutcome await(int timeout_ms, int* status) {
    return await_exec(
        pid, traced, sigchld.get(), sock.get(),
        [&] {
          char b[16];
          ssize_t n = ::recv(sock.get(), b, sizeof b, MSG_DONTWAIT);
          return n != 0;
        },
        timeout_ms, status);
  }
  int reap() {
    int st = 0;
    waitpid(pid, &st, __WALL);
    return st;
  }
};

}  // namespace

TEST_CASE("traced: stops and signals from other processes before exec are dropped") {
  Child c(true, [] {
    raise(SIGSTOP);
    // Another process (as a zone's would) sends a stop and a SIGTERM.
    pid_t self = getpid();
    pid_t other = fork();
    if (other == 0) {
      kill(self, SIGTSTP);
      kill(self, SIGSTOP);
      kill(self, SIGTERM);
      _exit(0);
    }
    waitpid(other, nullptr, 0);
    usleep(50000);
  });
  int status = 0;
  CHECK(c.await(10000, &status) == StartOutcome::Started);
  int st = c.reap();
  CHECK(WIFEXITED(st));
  CHECK(WEXITSTATUS(st) == 0);
}

TEST_CASE("traced: a child that exits before exec") {
  Child c(true, [] { _exit(3); });
  int status = 0;
  CHECK(c.await(10000, &status) == StartOutcome::Exited);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 3);
}

TEST_CASE("untraced: a child stopped before exec is killed, not waited for") {
  Child c(false, [] { raise(SIGSTOP); });
  int status = 0;
  CHECK(c.await(10000, &status) == StartOutcome::Stopped);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
}

TEST_CASE("a child that never execs is killed at the deadline") {
  for (bool trace : {true, false}) {
    CAPTURE(trace);
    Child c(trace, [] { pause(); });
    int status = 0;
    CHECK(c.await(300, &status) == StartOutcome::TimedOut);
    CHECK(WIFSIGNALED(status));
  }
}
