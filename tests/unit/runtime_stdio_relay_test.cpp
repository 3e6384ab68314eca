// zlogin's stdio relay without a zone: pumps between every kind of fd the
// caller may have, end of input and output both ways, the linger rule for
// a background process that keeps the output, input given back to a
// regular-file stdin, the "~." escape. No root needed: the "command" is a
// plain child process on the pipes or pty the relay owns.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <string>

#include "core/runtime/stdio_relay.hpp"

using namespace zonekit;
using namespace zonekit::runtime;

namespace {

struct Pipe {
  UniqueFd rd, wr;
  Pipe() {
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC) == 0);
    rd.reset(p[0]);
    wr.reset(p[1]);
  }
};

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/zk-relay.XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    path = tmpl;
  }
  ~TempDir() {
    std::string cmd = "rm -rf '" + path + "'";
    (void)!system(cmd.c_str());
  }
  std::string file(const char* name) const { return path + "/" + name; }
};

std::string slurp(const std::string& path) {
  std::string out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

void spit(const std::string& path, const std::string& data, int flags = O_TRUNC) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
  ::close(fd);
}

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return s;
}

// Runs f in a child (fds 0-2 can be replaced there); its return value is
// the child's exit code.
int in_child(const std::function<int()>& f) {
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) _exit(f());
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void put_on(int fd, const std::string& path, int flags) {
  int f = ::open(path.c_str(), flags | O_CREAT, 0600);
  if (f < 0 || dup2(f, fd) < 0) _exit(90);
  ::close(f);
}

// The "command": sh -c script with the given fds as 0, 1, 2.
pid_t spawn(const char* script, int in, int out, int err) {
  pid_t pid = fork();
  if (pid == 0) {
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(91);
    execl("/bin/sh", "sh", "-c", script, nullptr);
    _exit(127);
  }
  return pid;
}

int pidfd_of(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

int64_t now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

// Drives one pump until it is done, draining a pipe dst as it goes.
void run_pump(Pump& p, int drain = -1, std::string* drained = nullptr) {
  char buf[65536];
  for (int i = 0; i < 100000 && p.active(); ++i) {
    struct pollfd w = p.wanted();
    struct pollfd fds[2] = {w, {drain, POLLIN, 0}};
    poll(fds, drain >= 0 ? 2 : 1, 1000);
    p.step();
    if (drain >= 0) {
      ssize_t n;
      while ((n = ::read(drain, buf, sizeof buf)) > 0) drained->append(buf, static_cast<size_t>(n));
    }
  }
}

}  // namespace

TEST_CASE("Pump: a pipe into a regular file is spliced, into an O_APPEND file copied") {
  signal(SIGPIPE, SIG_IGN);
  TempDir t;
  const std::string data = pattern(3 << 20);
  for (bool append : {false, true}) {
    CAPTURE(append);
    spit(t.file("dst"), append ? "head:" : "");
    UniqueFd dst(::open(t.file("dst").c_str(), O_WRONLY | O_CLOEXEC | (append ? O_APPEND : 0)));
    REQUIRE(dst);
    if (!append) REQUIRE(lseek(dst.get(), 0, SEEK_END) == 0);
    Pipe p;
    pid_t writer = fork();
    if (writer == 0) {
      p.rd.reset();
      size_t off = 0;
      while (off < data.size()) {
        ssize_t n = ::write(p.wr.get(), data.data() + off, data.size() - off);
        if (n <= 0) _exit(1);
        off += static_cast<size_t>(n);
      }
      _exit(0);
    }
    p.wr.reset();
    fcntl(p.rd.get(), F_SETFL, O_NONBLOCK);  // zlogin's own end
    Pump pump(p.rd.get(), dst.get());
    run_pump(pump);
    waitpid(writer, nullptr, 0);
    CHECK(pump.src_ended());
    CHECK(pump.moved() == data.size());
    CHECK(pump.spliced() == !append);
    CHECK(slurp(t.file("dst")) == (append ? "head:" : "") + data);
  }
}

TEST_CASE("Pump: a regular file into a pipe whose reader is slow; a non-blocking full pipe waits") {
  TempDir t;
  const std::string data = pattern(1 << 20);
  spit(t.file("src"), data);
  UniqueFd src(::open(t.file("src").c_str(), O_RDONLY | O_CLOEXEC));
  Pipe p;
  fcntl(p.wr.get(), F_SETFL, O_NONBLOCK);
  fcntl(p.rd.get(), F_SETFL, O_NONBLOCK);
  Pump pump(src.get(), p.wr.get());
  // Nobody reads yet: the pump fills the pipe, then waits for it to drain.
  pump.step();
  CHECK(pump.active());
  CHECK(pump.wanted().fd == p.wr.get());
  CHECK(pump.wanted().events == POLLOUT);
  std::string got;
  run_pump(pump, p.rd.get(), &got);
  CHECK(pump.src_ended());
  CHECK(got == data);
}

TEST_CASE("Pump: a reader that went away ends the pump, not the process") {
  signal(SIGPIPE, SIG_IGN);
  Pipe in, out;
  out.rd.reset();
  REQUIRE(::write(in.wr.get(), "x", 1) == 1);
  Pump pump(in.rd.get(), out.wr.get());
  pump.step();
  CHECK_FALSE(pump.active());
  CHECK_FALSE(pump.src_ended());
}

TEST_CASE("Pump: from a socket and from /dev/null") {
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  UniqueFd a(sv[0]), b(sv[1]);
  REQUIRE(::write(a.get(), "over a socket", 13) == 13);
  a.reset();
  Pipe p;
  fcntl(p.rd.get(), F_SETFL, O_NONBLOCK);
  Pump pump(b.get(), p.wr.get());
  std::string got;
  run_pump(pump, p.rd.get(), &got);
  CHECK(got == "over a socket");
  UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  Pump empty(null.get(), p.wr.get());
  run_pump(empty);
  CHECK(empty.src_ended());
  CHECK(empty.moved() == 0);
}

TEST_CASE("EscapeScanner: ~. at the start of a line only") {
  std::string out;
  EscapeScanner a;
  CHECK_FALSE(a.feed("ls ~.\n", 6, out));
  CHECK(out == "ls ~.\n");
  CHECK(a.feed("~.rest", 6, out));
  EscapeScanner b;
  out.clear();
  CHECK_FALSE(b.feed("~~x\r~", 5, out));  // "~" pending across reads
  CHECK(out == "~x\r");
  CHECK(b.feed(".", 1, out));
  EscapeScanner c;
  out.clear();
  CHECK_FALSE(c.feed("~a", 2, out));
  CHECK(out == "~a");
}

TEST_CASE("same_open_file tells 2>&1 from two opens of one file") {
  UniqueFd a(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  UniqueFd b(fcntl(a.get(), F_DUPFD_CLOEXEC, 0));
  UniqueFd c(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  CHECK(same_open_file(a.get(), b.get()));
  CHECK_FALSE(same_open_file(a.get(), c.get()));
}

TEST_CASE("sanitize_stdio puts /dev/null on a closed fd 0-2") {
  CHECK(in_child([] {
          ::close(1);
          sanitize_stdio();
          struct stat st, null;
          if (fstat(1, &st) < 0 || stat("/dev/null", &null) < 0) return 1;
          return st.st_rdev == null.st_rdev ? 0 : 2;
        }) == 0);
}

TEST_CASE("relay_pipes: input to the command, its output and errors back, EOF both ways") {
  TempDir t;
  const std::string data = pattern(5 << 20);
  spit(t.file("in"), data);
  CHECK(in_child([&] {
          put_on(0, t.file("in"), O_RDONLY);
          put_on(1, t.file("out"), O_WRONLY | O_APPEND);
          put_on(2, t.file("err"), O_WRONLY | O_TRUNC);
          Pipe in, out, err;
          pid_t cmd = spawn("cat; echo done >&2", in.rd.get(), out.wr.get(), err.wr.get());
          in.rd.reset();
          out.wr.reset();
          err.wr.reset();
          UniqueFd exit_fd(pidfd_of(cmd));
          PipeEnds ends{std::move(in.wr), {}, std::move(out.rd), std::move(err.rd)};
          relay_pipes(std::move(ends), exit_fd.get());
          int st;
          waitpid(cmd, &st, 0);
          return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
        }) == 0);
  CHECK(slurp(t.file("out")) == data);
  CHECK(slurp(t.file("err")) == "done\n");
}

TEST_CASE("relay_pipes: a background process holding the output does not hold the relay") {
  TempDir t;
  spit(t.file("in"), "");
  const int64_t t0 = now_ms();
  CHECK(in_child([&] {
          put_on(0, t.file("in"), O_RDONLY);
          put_on(1, t.file("out"), O_WRONLY | O_TRUNC);
          put_on(2, t.file("err"), O_WRONLY | O_TRUNC);
          Pipe in, out, err;
          pid_t cmd = spawn("sleep 20 & echo $!", in.rd.get(), out.wr.get(), err.wr.get());
          in.rd.reset();
          out.wr.reset();
          err.wr.reset();
          UniqueFd exit_fd(pidfd_of(cmd));
          PipeEnds ends{std::move(in.wr), {}, std::move(out.rd), std::move(err.rd)};
          relay_pipes(std::move(ends), exit_fd.get(), 300);
          waitpid(cmd, nullptr, 0);
          return 0;
        }) == 0);
  const int64_t took = now_ms() - t0;
  std::string pid = slurp(t.file("out"));
  REQUIRE_FALSE(pid.empty());
  kill(atoi(pid.c_str()), SIGKILL);
  CHECK(took >= 250);
  CHECK(took < 3000);
}

TEST_CASE("relay_pipes: input the command did not read goes back to a regular-file stdin") {
  TempDir t;
  spit(t.file("in"), "first line\nsecond line\nthird\n");
  CHECK(in_child([&] {
          put_on(0, t.file("in"), O_RDONLY);
          put_on(1, t.file("out"), O_WRONLY | O_TRUNC);
          Pipe in, out, err;
          // sh's read takes one byte at a time from a pipe: exactly a line.
          pid_t cmd = spawn("read l; echo \"got $l\"", in.rd.get(), out.wr.get(), err.wr.get());
          UniqueFd peek(std::move(in.rd));
          out.wr.reset();
          err.wr.reset();
          UniqueFd exit_fd(pidfd_of(cmd));
          PipeEnds ends{std::move(in.wr), std::move(peek), std::move(out.rd), std::move(err.rd)};
          relay_pipes(std::move(ends), exit_fd.get());
          waitpid(cmd, nullptr, 0);
          char rest[64] = {};
          ssize_t n = ::read(0, rest, sizeof rest - 1);
          return n > 0 && std::string(rest) == "second line\nthird\n" ? 0 : 1;
        }) == 0);
  CHECK(slurp(t.file("out")) == "got first line\n");
}

TEST_CASE("relay_pty: output through the pty, ^D at end of input, a lingering holder is hung up") {
  TempDir t;
  const int64_t t0 = now_ms();
  CHECK(in_child([&] {
          put_on(0, "/dev/null", O_RDONLY);
          put_on(1, t.file("out"), O_WRONLY | O_TRUNC);
          int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
          if (master < 0 || unlockpt(master) < 0) return 2;
          int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
          if (slave < 0) return 3;
          // cat ends at the ^D; the background sleep keeps the slave open.
          pid_t cmd = spawn("sleep 20 & echo bg=$!; cat; echo after-eof", slave, slave, slave);
          ::close(slave);
          UniqueFd exit_fd(pidfd_of(cmd));
          PtyEnd end = relay_pty(master, exit_fd.get(), false, 2000, 100);
          waitpid(cmd, nullptr, 0);
          return end == PtyEnd::Exited ? 0 : 4;
        }) == 0);
  const int64_t took = now_ms() - t0;
  std::string out = slurp(t.file("out"));
  CHECK(out.find("after-eof") != std::string::npos);
  auto bg = out.find("bg=");
  REQUIRE(bg != std::string::npos);
  kill(atoi(out.c_str() + bg + 3), SIGKILL);
  CHECK(took < 1500);  // idle after the exit, not the 2 s linger or the sleep
}

TEST_CASE("relay_pty: ~. detaches while the command still runs") {
  TempDir t;
  spit(t.file("in"), "echo x\n~.never sent\n");
  CHECK(in_child([&] {
          put_on(0, t.file("in"), O_RDONLY);
          put_on(1, "/dev/null", O_WRONLY);
          int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
          if (master < 0 || unlockpt(master) < 0) return 2;
          int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
          pid_t cmd = spawn("exec sleep 20", slave, slave, slave);
          ::close(slave);
          UniqueFd exit_fd(pidfd_of(cmd));
          PtyEnd end = relay_pty(master, exit_fd.get(), true);
          kill(cmd, SIGKILL);
          waitpid(cmd, nullptr, 0);
          return end == PtyEnd::Detached ? 0 : 4;
        }) == 0);
}
