// ReleaseInChild: the child holds exactly the fd it was given, until the
// owner lets it go.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "core/sys/release_in_child.hpp"

using zonekit::ReleaseInChild;
using zonekit::UniqueFd;

namespace {

// Whether the read end sees EOF (every write end closed) within ms.
bool eof_within(int rd, int ms) {
  struct pollfd p{rd, POLLIN, 0};
  if (poll(&p, 1, ms) <= 0) return false;
  char c;
  return ::read(rd, &c, 1) == 0;
}

struct Pipe {
  UniqueFd rd, wr;
  Pipe() {
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC) == 0);
    rd.reset(p[0]);
    wr.reset(p[1]);
  }
};

}  // namespace

TEST_CASE("ReleaseInChild: the last close happens in the child, after the owner lets it go") {
  Pipe held;
  {
    ReleaseInChild keeper(held.wr.get());
    held.wr.reset();  // ours: not the last copy
    CHECK_FALSE(eof_within(held.rd.get(), 100));
  }
  CHECK(eof_within(held.rd.get(), 5000));
}

TEST_CASE("ReleaseInChild: the child keeps no other fd of ours (no lock outlives us)") {
  Pipe held, other;
  ReleaseInChild keeper(held.wr.get());
  other.wr.reset();
  CHECK(eof_within(other.rd.get(), 0));
}
