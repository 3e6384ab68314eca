// The cgroup driver this host needs, against the real /sys/fs/cgroup.
// Root only (skips otherwise); uses a unique parent and removes it on every
// path out, pass or fail.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/stat.h>

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdlib>
#include <csignal>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "core/runtime/cgroup.hpp"
#include "core/runtime/cgroup_devices.hpp"
#include "core/runtime/cgroup_driver_util.hpp"

using namespace zonekit;

namespace {

const char* kRoot = "/sys/fs/cgroup";

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool is_dir(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

// Owns the test's cgroups: kills what is left and removes them on exit.
struct LiveCgroup {
  std::unique_ptr<cgroup::Driver> driver;
  // Under the integration harness, inside its unique parent (which its
  // cleanup removes whatever happens); standalone, a parent of our own.
  std::string parent = getenv("ZONEKIT_CGROUP_PARENT") ? getenv("ZONEKIT_CGROUP_PARENT")
                                                       : "zonekit-unit-" + std::to_string(getpid());
  std::string path = parent + "/zone";
  ~LiveCgroup() {
    if (!driver) return;
    (void)driver->kill_everything(path);
    (void)driver->destroy(path);
    (void)driver->destroy(parent);
  }
};

// A child that waits (pipe closed = go) and then runs fn, exiting with its
// return value.
struct Child {
  pid_t pid = -1;
  int go = -1;
  template <class Fn>
  explicit Child(Fn fn) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[1]);
      char c;
      (void)!read(fds[0], &c, 1);
      _exit(fn());
    }
    close(fds[0]);
    go = fds[1];
  }
  void start() {
    close(go);
    go = -1;
  }
  int wait_status() {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    pid = -1;
    return status;
  }
  ~Child() {
    if (go >= 0) close(go);
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

// In a child: the zone's devices open (a pty pair included: ptmx 5:2 and
// a slave 136:N), /dev/tty is not refused by the cgroup (ENXIO without a
// controlling terminal is fine), /dev/kmsg (c 1:11, not in the list) is.
// 0 when all hold, else the number of the failed check.
int probe_devices() {
  int check = 0;
  for (const char* dev : {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"}) {
    ++check;
    int fd = open(dev, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return check;
    close(fd);
  }
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0) return 10;
  if (grantpt(master) != 0 || unlockpt(master) != 0) return 11;
  int slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) return 12;
  close(slave);
  close(master);
  int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (tty >= 0) close(tty);
  else if (errno == EPERM) return 13;
  int kmsg = open("/dev/kmsg", O_RDONLY | O_CLOEXEC);
  if (kmsg >= 0) return 14;
  return errno == EPERM ? 0 : 15;
}

// The value a cgroup file holds after the planned write (what the kernel
// reads back is the same text for every file we write).
std::string file_for(cgroup::Driver& d, const std::string& path, const std::string& planned) {
  if (d.name() == "v2") return std::string(kRoot) + "/" + path + "/" + planned;
  auto slash = planned.find('/');
  return std::string(kRoot) + "/" + planned.substr(0, slash) + "/" + path + planned.substr(slash);
}

}  // namespace

TEST_CASE("cgroup live: create, limit, attach, update, kill and destroy on this host") {
  if (geteuid() != 0) return;
  LiveCgroup cg;
  auto d = cgroup::detect(kRoot);
  REQUIRE(d);
  cg.driver = std::move(*d);
  MESSAGE("driver: " << cg.driver->name());
  auto& drv = *cg.driver;

  CgroupLimits limits;
  limits.memory_bytes = 64ull << 20;
  limits.swap_bytes = 128ull << 20;
  limits.pids_max = 16;
  limits.cpu_cap_percent = 50;
  limits.cpu_shares = 200;
  limits.io_priority = 50;
  REQUIRE(drv.create(cg.path));
  REQUIRE(drv.exists(cg.path));
  REQUIRE(drv.apply(cg.path, limits));

  const auto plan = drv.name() == "v2" ? cgroup::plan_v2(limits) : cgroup::plan_v1(limits);
  // The last value planned for each file (v1 writes payload's cpu quota twice).
  std::map<std::string, std::string> last;
  for (const auto& w : plan) last[file_for(drv, cg.path, w.file)] = w.value;
  int checked = 0;
  for (const auto& [file, value] : last) {
    if (access(file.c_str(), F_OK) != 0) continue;  // optional file this kernel lacks
    // v2's io.weight reads back as "default N".
    CHECK_MESSAGE((slurp(file) == value || slurp(file) == "default " + value), file);
    ++checked;
  }
  CHECK(checked >= 6);
  int status = 0;

  Child child([] { return 0; });
  REQUIRE(drv.attach(cg.path, child.pid));
  for (const auto& dir : drv.dirs(cg.path)) {
    CHECK_MESSAGE(slurp(dir + "/payload/cgroup.procs") == std::to_string(child.pid), dir);
    CHECK_MESSAGE(slurp(dir + "/cgroup.procs") == "", dir);
  }
  auto pids = drv.pids(cg.path);
  REQUIRE(pids);
  CHECK(*pids == std::vector<pid_t>{child.pid});
  auto stats = drv.stats(cg.path);
  REQUIRE(stats);
  CHECK(stats->pids_current == 1);

  // Live update both ways: raising memory past the old memory+swap ceiling
  // and lowering it again must both be accepted by the kernel.
  CgroupLimits bigger = limits;
  bigger.memory_bytes = 512ull << 20;
  bigger.swap_bytes = 1024ull << 20;
  REQUIRE(drv.apply(cg.path, bigger));
  CHECK(slurp(file_for(drv, cg.path, drv.name() == "v2" ? "payload/memory.max" : "memory/payload/memory.limit_in_bytes")) ==
        "536870912");
  REQUIRE(drv.apply(cg.path, limits));
  CHECK(slurp(file_for(drv, cg.path, drv.name() == "v2" ? "payload/memory.max" : "memory/payload/memory.limit_in_bytes")) ==
        "67108864");

  // The device allowlist holds for a process in the cgroup.
  Child prober(probe_devices);
  REQUIRE(drv.attach(cg.path, prober.pid));
  prober.start();
  status = prober.wait_status();
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);

  // kill_all must finish while the killed child is still an unreaped
  // zombie of ours (zoneadmd reaps only after it returns).
  REQUIRE(drv.kill_all(cg.path));
  status = child.wait_status();
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  REQUIRE(drv.destroy(cg.path));
  CHECK_FALSE(drv.exists(cg.path));
  for (const auto& dir : drv.dirs(cg.path)) CHECK_FALSE(is_dir(dir));
  REQUIRE(drv.destroy(cg.parent));
  for (const auto& dir : drv.dirs(cg.parent)) CHECK_FALSE(is_dir(dir));
}

TEST_CASE("cgroup live: the pids limit stops forks and the memory limit OOM-kills the hog only") {
  if (geteuid() != 0) return;
  LiveCgroup cg;
  auto d = cgroup::detect(kRoot);
  REQUIRE(d);
  cg.driver = std::move(*d);
  auto& drv = *cg.driver;
  CgroupLimits limits;
  limits.memory_bytes = 32ull << 20;
  limits.swap_bytes = 32ull << 20;
  limits.pids_max = 4;
  REQUIRE(drv.create(cg.path));
  REQUIRE(drv.apply(cg.path, limits));

  // Fork bomb in miniature: of 10 forks at most 3 succeed (4 with itself).
  Child bomb([] {
    int ok = 0, eagain = 0;
    for (int i = 0; i < 10; ++i) {
      pid_t p = fork();
      if (p == 0) {
        pause();
        _exit(0);
      }
      if (p > 0) ++ok;
      else if (errno == EAGAIN) ++eagain;
    }
    return ok == 3 && eagain == 7 ? 0 : 10 + ok;
  });
  REQUIRE(drv.attach(cg.path, bomb.pid));
  bomb.start();
  int status = bomb.wait_status();
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  REQUIRE(drv.kill_all(cg.path));  // the three paused grandchildren
  CHECK(drv.pids(cg.path)->empty());

  // A 64 MiB hog under a 32 MiB limit dies by SIGKILL; its sibling lives.
  Child sibling([] {
    pause();
    return 0;
  });
  Child hog([] {
    const size_t size = 64ull << 20;
    auto* p = static_cast<char*>(mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (p == MAP_FAILED) return 2;
    for (size_t i = 0; i < size; i += 4096) p[i] = 1;
    return 0;
  });
  REQUIRE(drv.attach(cg.path, sibling.pid));
  REQUIRE(drv.attach(cg.path, hog.pid));
  hog.start();
  status = hog.wait_status();
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK(kill(sibling.pid, 0) == 0);
  auto stats = drv.stats(cg.path);
  REQUIRE(stats);
  CHECK(stats->oom_kills >= 1);
  REQUIRE(drv.kill_all(cg.path));
  status = sibling.wait_status();
  CHECK(WIFSIGNALED(status));
  REQUIRE(drv.destroy(cg.path));
}

TEST_CASE("cgroup live: v2 attach, pids, cgroup.kill and destroy on a hybrid host's cgroup2 mount") {
  // On a pure v2 host the first test case covers v2 already; on a hybrid
  // host the cgroup2 mount has no memory/pids controllers, so create()
  // must refuse, but the rest of the driver can still be checked there.
  const std::string unified = std::string(kRoot) + "/unified";
  if (geteuid() != 0 || access((std::string(kRoot) + "/cgroup.controllers").c_str(), F_OK) == 0 ||
      access((unified + "/cgroup.controllers").c_str(), F_OK) != 0)
    return;
  LiveCgroup cg;
  cg.driver = cgroup::make_v2(unified);
  auto& drv = *cg.driver;
  if (slurp(unified + "/cgroup.controllers").find("memory") == std::string::npos) {
    auto r = drv.create(cg.path);
    REQUIRE_FALSE(r);
    CHECK(r.error().message() ==
          "cgroup " + cg.path + ": cgroup v2: controller 'memory' is not available in " + unified);
    CHECK_FALSE(is_dir(unified + "/" + cg.parent));  // rolled back
  }
  // The node and its leaves by hand: create() refused.
  for (const std::string& rel : {cg.parent, cg.path, cg.path + "/payload", cg.path + "/supervisor"})
    REQUIRE(mkdir((unified + "/" + rel).c_str(), 0755) == 0);
  Child a([] {
    pause();
    return 0;
  });
  Child b([] {
    pause();
    return 0;
  });
  // The BPF device program create() attaches to payload on a pure v2 host.
  {
    int dirfd = open((unified + "/" + cg.path + "/payload").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(dirfd >= 0);
    auto attached = cgroup::detail::attach_device_program(dirfd, cg.path);
    close(dirfd);
    if (!attached) FAIL(attached.error().message());
    Child prober(probe_devices);
    REQUIRE(drv.attach(cg.path, prober.pid));
    prober.start();
    int status = prober.wait_status();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  REQUIRE(drv.attach(cg.path, a.pid));
  REQUIRE(drv.attach_supervisor(cg.path, b.pid));
  auto pids = drv.pids(cg.path);
  REQUIRE(pids);
  CHECK(*pids == std::vector<pid_t>{std::min(a.pid, b.pid), std::max(a.pid, b.pid)});
  REQUIRE(drv.kill_all(cg.path));
  CHECK(WTERMSIG(a.wait_status()) == SIGKILL);
  CHECK(kill(b.pid, 0) == 0);  // the supervisor leaf is not the zone
  REQUIRE(drv.kill_everything(cg.path));
  CHECK(WTERMSIG(b.wait_status()) == SIGKILL);
  REQUIRE(drv.destroy(cg.path));
  CHECK_FALSE(is_dir(unified + "/" + cg.path));
  REQUIRE(drv.destroy(cg.parent));
}

TEST_CASE("cgroup live: kill_all ends a running fork bomb held at its pids limit") {
  if (geteuid() != 0) return;
  LiveCgroup cg;
  auto d = cgroup::detect(kRoot);
  REQUIRE(d);
  cg.driver = std::move(*d);
  auto& drv = *cg.driver;
  CgroupLimits limits;
  limits.pids_max = 64;
  REQUIRE(drv.create(cg.path));
  REQUIRE(drv.apply(cg.path, limits));
  Child bomb([] {
    for (;;) {
      if (fork() < 0) sched_yield();  // every process keeps forking
    }
    return 0;
  });
  REQUIRE(drv.attach(cg.path, bomb.pid));
  bomb.start();
  // Let it fill its limit.
  for (int i = 0; i < 200; ++i) {
    auto s = drv.stats(cg.path);
    if (s && s->pids_current >= 64) break;
    usleep(10000);
  }
  auto full = drv.stats(cg.path);
  REQUIRE(full);
  CHECK(full->pids_current == 64);
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(drv.kill_all(cg.path));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  MESSAGE("kill_all of a 64-process fork bomb: " << ms << " ms (" << drv.name() << ")");
  CHECK(drv.pids(cg.path)->empty());
  int status = bomb.wait_status();
  CHECK(WIFSIGNALED(status));
  REQUIRE(drv.destroy(cg.path));
  CHECK_FALSE(drv.exists(cg.path));
}

TEST_CASE("cgroup live: kill_members signals only processes that are in the cgroup") {
  if (geteuid() != 0) return;
  LiveCgroup cg;
  auto d = cgroup::detect(kRoot);
  REQUIRE(d);
  cg.driver = std::move(*d);
  auto& drv = *cg.driver;
  REQUIRE(drv.create(cg.path));
  Child inside([] { pause(); return 0; });
  Child outside([] { pause(); return 0; });
  REQUIRE(drv.attach(cg.path, inside.pid));
  inside.start();
  outside.start();
  // A stale list: the outsider's pid stands for a pid reused by a host process.
  cgroup::detail::kill_members({inside.pid, outside.pid}, cg.path);
  int status = 0;
  REQUIRE(waitpid(inside.pid, &status, 0) == inside.pid);
  inside.pid = -1;
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  usleep(50 * 1000);
  CHECK(waitpid(outside.pid, &status, WNOHANG) == 0);  // still alive
}

// CPU time this process has used, in ms.
int64_t own_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

TEST_CASE("cgroup live: the supervisor leaf shares the zone's CPU cap and counters, not its other limits") {
  if (geteuid() != 0) return;
  LiveCgroup cg;
  auto d = cgroup::detect(kRoot);
  REQUIRE(d);
  cg.driver = std::move(*d);
  auto& drv = *cg.driver;
  CgroupLimits limits;
  limits.pids_max = 2;
  limits.cpu_cap_percent = 25;
  REQUIRE(drv.create(cg.path));
  REQUIRE(drv.apply(cg.path, limits));
  const auto origin = drv.procs_files_of(slurp("/proc/self/cgroup") + "\n");

  // The zone, made first: a child inherits the "go" pipe of every Child
  // made before it, and would hold sup's open.
  Child zone([] {
    pause();
    return 0;
  });
  // A stand-in for zoneadmd: burns 300 ms of CPU, forks past the zone's
  // pids limit, opens a device the zone may not, then leaves the zone's
  // cgroup as zoneadmd's teardown does. Exit code: the failed step.
  int64_t burn_wall_ms = 0;
  auto* shared = static_cast<int64_t*>(
      mmap(nullptr, sizeof(int64_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  REQUIRE(shared != MAP_FAILED);
  Child sup([&] {
    auto t0 = std::chrono::steady_clock::now();
    volatile uint64_t spins = 0;
    while (own_cpu_ms() < 300) spins = spins + 1;
    *shared = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    for (int i = 0; i < 4; ++i) {
      pid_t p = fork();
      if (p < 0) return 1;
      if (p == 0) _exit(0);
      waitpid(p, nullptr, 0);
    }
    int kmsg = open("/dev/kmsg", O_RDONLY | O_CLOEXEC);
    if (kmsg < 0 && errno == EPERM) return 2;
    if (kmsg >= 0) close(kmsg);
    return 0;
  });
  REQUIRE(drv.attach_supervisor(cg.path, sup.pid));
  REQUIRE(drv.attach(cg.path, zone.pid));
  sup.start();
  int status = sup.wait_status();
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  burn_wall_ms = *shared;
  munmap(shared, sizeof(int64_t));
  auto stats = drv.stats(cg.path);
  REQUIRE(stats);
  MESSAGE("300 ms of supervisor CPU under a 25% zone cap took " << burn_wall_ms << " ms; the zone's counter: "
                                                                 << stats->cpu_usage_ns / 1000000 << " ms");
  // The zone's CPU counter has the supervisor's time; the cap held it back
  // (300 ms at 25% of one CPU is 1.2 s of wall time; 0.9 s allows for the
  // burst the first period gives).
  CHECK(stats->cpu_usage_ns >= 290ull * 1000000);
  CHECK(burn_wall_ms >= 900);
  // pids: only the zone's process counts against max_lwps.
  CHECK(stats->pids_current == 1);

  // A second stand-in stays in the leaf while the zone is killed: it
  // survives, leaves, and kill_everything then cannot reach it.
  Child sup2([] {
    pause();
    return 0;
  });
  REQUIRE(drv.attach_supervisor(cg.path, sup2.pid));
  REQUIRE(drv.kill_all(cg.path));
  CHECK(WTERMSIG(zone.wait_status()) == SIGKILL);
  CHECK(kill(sup2.pid, 0) == 0);
  REQUIRE(cgroup::leave(origin, cg.path, sup2.pid));
  REQUIRE(drv.kill_everything(cg.path));
  CHECK(kill(sup2.pid, 0) == 0);
  REQUIRE(drv.destroy(cg.path));
  CHECK_FALSE(drv.exists(cg.path));
}
