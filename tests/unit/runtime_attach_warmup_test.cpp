// AttachWarmup: wait() returns once the helper is gone, however it ended.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "core/runtime/attach_warmup.hpp"

using zonekit::UniqueFd;
using zonekit::runtime::AttachWarmup;

namespace {
int64_t now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}
}  // namespace

TEST_CASE("AttachWarmup: no procs file, no helper, no gate") {
  auto w = AttachWarmup::start("");
  CHECK(w.gate() == -1);
}

TEST_CASE("AttachWarmup: the helper writes \"0\" to the file and holds no other fd of ours") {
  // A FIFO as the procs file: the helper blocks in open until we read.
  char dir[] = "/tmp/zk-warmup-XXXXXX";
  REQUIRE(mkdtemp(dir));
  const std::string fifo = std::string(dir) + "/cgroup.procs";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  int p[2];
  REQUIRE(pipe2(p, O_CLOEXEC) == 0);
  UniqueFd rd(p[0]), wr(p[1]);
  auto w = AttachWarmup::start(fifo);
  REQUIRE(w.gate() >= 0);
  wr.reset();
  // EOF on our pipe while the helper still lives: it kept no copy.
  struct pollfd pfd{rd.get(), POLLIN, 0};
  REQUIRE(poll(&pfd, 1, 5000) == 1);
  char c;
  CHECK(::read(rd.get(), &c, 1) == 0);
  UniqueFd in(::open(fifo.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(in);
  char buf[8] = {};
  CHECK(::read(in.get(), buf, sizeof buf) == 1);
  CHECK(std::string(buf) == "0");
  w.wait();
  unlink(fifo.c_str());
  rmdir(dir);
}

TEST_CASE("AttachWarmup: a helper whose write fails still ends, and its gate with it") {
  auto w = AttachWarmup::start("/nonexistent/cgroup.procs");
  REQUIRE(w.gate() >= 0);
  int64_t t0 = now_ms();
  w.wait();
  CHECK(now_ms() - t0 < 1000);
  CHECK(w.gate() == -1);
}

TEST_CASE("AttachWarmup: from_gate waits for the other side's EOF") {
  int p[2];
  REQUIRE(pipe2(p, O_CLOEXEC) == 0);
  UniqueFd wr(p[1]);
  auto w = AttachWarmup::from_gate(UniqueFd(p[0]));
  int64_t t0 = now_ms();
  std::thread closer([&] {
    usleep(150 * 1000);
    wr.reset();
  });
  w.wait();
  closer.join();
  CHECK(now_ms() - t0 >= 140);
}
