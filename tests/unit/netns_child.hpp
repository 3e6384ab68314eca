// Test helpers for live network tests: run a check in a forked child inside
// a fresh network namespace (never the host's), and run a shell command for
// its output.
#pragma once

#include <doctest/doctest.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <string>

namespace netns_child {

// fn returns "" when it passed, else what failed; the child's verdict comes
// back as its exit status, its message on stderr.
inline void in_private_netns(const std::function<std::string()>& fn) {
  fflush(nullptr);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (unshare(CLONE_NEWNET) != 0) {
      perror("unshare(CLONE_NEWNET)");
      _exit(90);
    }
    std::string failed = fn();
    if (!failed.empty()) fprintf(stderr, "FAILED in netns child: %s\n", failed.c_str());
    fflush(nullptr);
    _exit(failed.empty() ? 0 : 1);
  }
  int st = 0;
  REQUIRE(waitpid(pid, &st, 0) == pid);
  REQUIRE(WIFEXITED(st));
  CHECK(WEXITSTATUS(st) == 0);
}

// stdout and stderr of cmd.
inline std::string run(const std::string& cmd) {
  std::string out;
  FILE* f = popen((cmd + " 2>&1").c_str(), "r");
  if (!f) return "popen failed";
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

}  // namespace netns_child

// For the checks such a child runs (they return "" or what failed): return
// the failing expression, with file and line, from the enclosing check.
#define EXPECT(cond)                                                                     \
  do {                                                                                   \
    if (!(cond)) return std::string(__FILE__ ":") + std::to_string(__LINE__) + ": " #cond; \
  } while (0)
#define EXPECT_OK(res)                                                                   \
  do {                                                                                   \
    auto _r = (res);                                                                     \
    if (!_r)                                                                             \
      return std::string(__FILE__ ":") + std::to_string(__LINE__) + ": " #res ": " +     \
             _r.error().message();                                                       \
  } while (0)
