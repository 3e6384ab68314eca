#include "core/runtime/supervisor_client.hpp"

#include "core/runtime/network_hook.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/runtime/attach_warmup.hpp"
#include "core/runtime/cgroup.hpp"
#include "core/runtime/ctl_protocol.hpp"
#include "core/runtime/run_dir.hpp"
#include "core/runtime/supervisor.hpp"
#include "core/sys/fs.hpp"
#include "core/sys/lock.hpp"
#include "core/sys/clock.hpp"
#include "core/sys/proc_stat.hpp"
#include "core/sys/fault.hpp"

namespace zonekit::runtime {

namespace {

void sleep_ms(int ms) {
  struct timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, nullptr);
}

// Sleeps up to ms, waking early on what the caller watches: zoneadmd's
// exit (pidfd), the boot notification pipe it closes once the zone is
// running or failed, or (reboot only) a new state.json renamed into the
// run dir. inotify is opt-in: closing an inotify fd that has a watch waits
// out an SRCU grace period (4-20 ms here), which every boot and halt paid.
class StateWaiter {
 public:
  void watch_state(const std::string& run_dir) {
    ino_ = UniqueFd(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (ino_ && inotify_add_watch(ino_.get(), run_dir.c_str(), IN_MOVED_TO) < 0) ino_.reset();
  }
  void watch_exit(pid_t pid) {
    if (!pid_watched_ && pid > 0) pidfd_ = UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
    pid_watched_ = true;
  }
  void watch_fd(UniqueFd fd) { fd_ = std::move(fd); }
  void wait(int ms) {
    struct pollfd p[3];
    nfds_t n = 0;
    if (ino_) p[n++] = {ino_.get(), POLLIN, 0};
    if (pidfd_) p[n++] = {pidfd_.get(), POLLIN, 0};
    if (fd_) p[n++] = {fd_.get(), POLLIN, 0};
    if (n == 0) return sleep_ms(ms);
    if (poll(p, n, ms) <= 0) return;
    char buf[4096];
    for (nfds_t i = 0; i < n; ++i) {
      if (!p[i].revents) continue;
      if (ino_ && p[i].fd == ino_.get()) {
        while (::read(ino_.get(), buf, sizeof buf) > 0) {
        }
      } else if (pidfd_ && p[i].fd == pidfd_.get()) {
        pidfd_.reset();  // an exited process stays readable: wake once
      } else if (fd_ && p[i].fd == fd_.get()) {
        fd_.reset();  // closed by zoneadmd: likewise
      }
    }
  }

 private:
  UniqueFd ino_;
  UniqueFd pidfd_;
  UniqueFd fd_;
  bool pid_watched_ = false;
};

// What a dead zoneadmd may have left that cleanup_dead removes: its
// cgroup, its sockets, its fd keeper (keeper.sock).
bool leftovers(const std::string& run_dir) {
  RunPaths p{run_dir};
  if (fs::exists(p.keeper()) || fs::exists(p.ctl())) return true;
  auto spec = read_spec(run_dir);
  if (!spec || spec->cgroup_path.empty()) return false;
  auto drv = cgroup::for_zone(*spec);
  return drv && (*drv)->exists(spec->cgroup_path);
}

bool is_active(const std::string& s) {
  return s == "ready" || s == "running" || s == "shutting_down";
}

// Wait until query() satisfies done, or the timeout passes.
// Waiting for zoneadmd to exit needs only its pidfd; a state change of a
// live zoneadmd (reboot) needs watch_state.
enum class Watch { Exit, State };
template <class Pred>
Result<ZoneStatus> wait_for(const std::string& run_dir, int timeout_ms, Pred done,
                            const char* what, Watch watch) {
  int64_t deadline = sys::mono_ms() + timeout_ms;
  StateWaiter waiter;
  if (watch == Watch::State) waiter.watch_state(run_dir);
  for (;;) {
    auto st = ZK_TRY(query(run_dir));
    if (done(st)) return st;
    if (st.supervisor_alive) waiter.watch_exit(st.run.zoneadmd_pid);
    if (sys::mono_ms() >= deadline)
      return fail(std::string("timed out waiting for the zone to ") + what + " (state " + st.state + ")");
    waiter.wait(20);
  }
}

Result<UniqueFd> connect_ctl(const std::string& run_dir) {
  RunPaths p{run_dir};
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return sys_error("socket", p.ctl());
  struct sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = p.ctl();
  if (path.size() >= sizeof addr.sun_path) return fail("control socket path too long: " + path);
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    return sys_error("connect", path);
  return fd;
}

Result<std::string> read_line(int fd, const std::string& what) {
  std::string line;
  char c;
  while (line.size() < 4096) {
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("read", what);
    if (n == 0) return fail(what + ": connection closed");
    if (c == '\n') return line;
    line += c;
  }
  return fail(what + ": reply too long");
}

}  // namespace

Result<ZoneStatus> query(const std::string& run_dir) {
  ZoneStatus st;
  st.run = ZK_TRY(read_state(run_dir));
  bool locked = supervisor_lock_held(run_dir);
  st.supervisor_alive = locked && sys::process_matches(st.run.zoneadmd_pid, st.run.zoneadmd_start_time);
  // The zone's init outlives its zoneadmd (zone_child.cpp): a recorded
  // running zone whose init still runs is running, supervised or not.
  // (Read only when the supervisor is not known alive: list stays one
  // /proc read per running zone.)
  auto init_alive = [&] {
    return (st.run.state == "running" || st.run.state == "shutting_down") &&
           sys::process_matches(st.run.init_pid, st.run.init_start_time);
  };
  if (st.supervisor_alive) {
    st.state = st.run.state;
    return st;
  }
  if (locked) {
    // Lock held but state.json not yet rewritten by the new zoneadmd: one
    // booting the zone, or one adopting it.
    st.supervisor_alive = true;
    st.lock_only = true;
    st.state = init_alive() ? st.run.state : "ready";
    return st;
  }
  if (init_alive()) {
    st.unsupervised = true;
    st.state = st.run.state;
    return st;
  }
  // Dead supervisor: whatever it last wrote, the zone is not running.
  if (is_active(st.run.state))
    st.state = leftovers(run_dir) ? "down" : "stopped";
  else
    st.state = st.run.state.empty() ? "stopped" : st.run.state;
  if (st.state == "stopped" && leftovers(run_dir)) st.state = "down";
  return st;
}

void stop_dead_keeper(const std::string& run_dir, const RunState& rs) {
  if (rs.keeper_pid > 0) {
    UniqueFd keeper(static_cast<int>(syscall(SYS_pidfd_open, rs.keeper_pid, 0)));
    if (keeper && sys::process_matches(rs.keeper_pid, rs.keeper_start_time))
      syscall(SYS_pidfd_send_signal, keeper.get(), SIGKILL, nullptr, 0);
  }
  ::unlink(RunPaths{run_dir}.keeper().c_str());
}

Result<void> cleanup_dead(const ZoneSpec& spec) {
  ZK_TRYV(validate_spec(spec));
  if (supervisor_lock_held(spec.run_dir))
    return fail("zone " + spec.name + ": supervisor is alive", ErrorKind::Busy);
  // The cgroup where the zone's last boot put it (spec.json), which the
  // manager configured now may not name.
  ZoneSpec where = spec;
  if (auto rec = read_spec(spec.run_dir); rec && rec->uuid == spec.uuid && validate_spec(*rec)) {
    where.cgroup_path = rec->cgroup_path;
    where.cgroup_unit = rec->cgroup_unit;
  }
  auto drv = ZK_TRYC(cgroup::for_zone(where), "cgroup");
  if (drv->exists(where.cgroup_path)) {
    ZK_TRYVC(drv->kill_everything(where.cgroup_path), "zone " + spec.name + ": cleanup");
    ZK_TRYVC(drv->destroy(where.cgroup_path), "zone " + spec.name + ": cleanup");
  }
  auto st = read_state(spec.run_dir);
  RunState rs = st ? *st : RunState{};
  // The veths died with the zone's netns; its filter table did not. A
  // zoneadmd that recorded a final state and a clean network teardown had
  // removed both already.
  // No state.json at all: never booted, or its zoneadmd died before the
  // first state write, which comes before any network setup.
  const bool was_clean = !fs::exists(RunPaths{spec.run_dir}.state()) ||
                         ((rs.state == "stopped" || rs.state == "failed") && rs.network_clean);
  if (!was_clean) ZK_TRYVC(teardown_network(spec), "zone " + spec.name + ": cleanup");
  RunPaths p{spec.run_dir};
  ::unlink(p.ctl().c_str());
  stop_dead_keeper(spec.run_dir, rs);
  if (is_active(rs.state) || rs.state.empty()) {
    rs.state = "stopped";
    rs.init_pid = 0;
  }
  if (!was_clean) {
    rs.network_clean = true;
    ZK_TRYV(write_state(spec.run_dir, rs));
  }
  return {};
}

namespace {

// Write the spec, start zoneadmd (double fork) and wait until the zone runs
// or its boot failed. gate_fd: the attach warm-up's gate, or -1.
// adopt: start zoneadmd --adopt for a zone that runs unsupervised; the
// spec and state stay as they are.
Result<void> start_zoneadmd(const ZoneSpec& spec, const std::string& zoneadmd_path, int timeout_ms,
                            int gate_fd, bool adopt = false) {
  const std::string who = "zone " + spec.name;
  RunPaths p{spec.run_dir};
  if (!adopt) {
    ZK_TRYVC(write_spec(spec), who + ": boot");
    // Set aside, not removed: the new zoneadmd keeps the last exit of init.
    if (::rename(p.state().c_str(), p.prev_state().c_str()) < 0) ::unlink(p.state().c_str());
    fs::remove_stale_temps(spec.run_dir);
  }
  ::unlink(p.adopt_error().c_str());

  // zoneadmd closes notify (its fd 3) once the zone is running or failed.
  int np[2];
  if (pipe2(np, O_CLOEXEC) < 0) return sys_error("pipe", "");
  UniqueFd notify_rd(np[0]), notify_wr(np[1]);
  // Double fork: zoneadmd is reparented to the host's init (or our
  // subreaper), in its own session, with nothing of ours but /dev/null
  // and those two pipes.
  int pp[2];
  if (pipe2(pp, O_CLOEXEC) < 0) return sys_error("pipe", "");
  UniqueFd rd(pp[0]), wr(pp[1]);
  pid_t mid = fork();
  if (mid < 0) return sys_error("fork", "zoneadmd");
  if (mid == 0) {
    setsid();
    pid_t pid = fork();
    if (pid != 0) {
      (void)!::write(wr.get(), &pid, sizeof pid);
      _exit(pid < 0 ? 1 : 0);
    }
    int null = ::open("/dev/null", O_RDWR);
    if (null < 0) _exit(127);
    // fd 3: the notify pipe; fd 4: the attach warm-up's gate. Both are
    // first moved above 4 so that placing one cannot clobber the other.
    int notify = fcntl(notify_wr.get(), F_DUPFD_CLOEXEC, 10);
    int gate = gate_fd >= 0 ? fcntl(gate_fd, F_DUPFD_CLOEXEC, 10) : -1;
    if (notify < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
        dup2(notify, 3) < 0 || (gate >= 0 && dup2(gate, 4) < 0))
      _exit(127);
    syscall(SYS_close_range, gate >= 0 ? 5U : 4U, ~0U, 0U);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (chdir("/") < 0) _exit(127);
    const char* argv[] = {"zoneadmd", "--run-dir", spec.run_dir.c_str(), "--notify-fd", "3",
                          adopt ? "--adopt" : gate >= 0 ? "--attach-gate" : nullptr, "4", nullptr};
    if (adopt) argv[6] = nullptr;
    const char* envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", fault::env_entry(), nullptr};
    execve(zoneadmd_path.c_str(), const_cast<char**>(argv), const_cast<char**>(envp));
    _exit(127);
  }
  wr.reset();
  notify_wr.reset();
  pid_t sup = 0;
  ssize_t n = ::read(rd.get(), &sup, sizeof sup);
  int status;
  waitpid(mid, &status, 0);
  if (n != sizeof sup || sup <= 0) return fail(who + ": boot: could not start zoneadmd");
  StateWaiter waiter;
  waiter.watch_exit(sup);
  waiter.watch_fd(std::move(notify_rd));

  int64_t deadline = sys::mono_ms() + timeout_ms;
  for (;;) {
    auto rs = read_state(spec.run_dir);
    // Adopted: whatever it found (init may have exited since) is its to handle.
    if (adopt && rs && rs->zoneadmd_pid == sup) return {};
    if (adopt && (!sys::proc_stat(sup) || sys::proc_stat(sup)->state == 'Z')) {
      auto again = read_state(spec.run_dir);
      if (again && again->zoneadmd_pid == sup) return {};
      auto why = fs::read_file(p.adopt_error());
      return fail(who + ": " + (why && !why->empty() ? *why : std::string("adopt: zoneadmd exited")));
    }
    if (rs && rs->zoneadmd_pid == sup) {
      if (rs->state == "running") return {};
      if (rs->state == "failed")
        return fail(who + ": " + (rs->error.empty() ? std::string("boot failed") : rs->error));
      if (rs->state == "stopped") return fail(who + ": boot: zone stopped while booting");
    }
    auto ps = sys::proc_stat(sup);
    if (!ps || ps->state == 'Z') {
      auto again = read_state(spec.run_dir);
      if (again && again->zoneadmd_pid == sup && again->state == "running") return {};
      if (again && again->zoneadmd_pid == sup && !again->error.empty())
        return fail(who + ": " + again->error);
      return fail(who + ": boot: zoneadmd exited before the zone was running (" + zoneadmd_path + ")");
    }
    if (sys::mono_ms() >= deadline) return fail(who + ": boot: timed out waiting for state running");
    waiter.wait(10);
  }
}

}  // namespace

Result<void> boot(const ZoneSpec& spec, const std::string& zoneadmd_path, int timeout_ms) {
  ZK_TRYV(validate_spec(spec));
  std::string who = "zone " + spec.name;
  ZK_TRYV(fs::mkdir_p(spec.run_dir, 0755));
  // Concurrent boots (and the cleanup of a dead zone) take turns, so one
  // never cleans up what another is starting.
  auto guard = ZK_TRYC(FileLock::acquire(spec.run_dir + "/boot.lock", FileLock::Mode::Exclusive,
                                         timeout_ms),
                       who + ": boot");
  auto st = ZK_TRY(query(spec.run_dir));
  if (st.supervisor_alive && st.state == "ready") {
    // A zoneadmd still coming up whose zoneadm was interrupted, or one that
    // was killed and is still exiting: wait until it is one or the other.
    st = ZK_TRYC(wait_for(spec.run_dir, timeout_ms,
                          [](const ZoneStatus& s) { return !s.supervisor_alive || s.state != "ready"; },
                          "settle", Watch::State),
                 who + ": boot");
  }
  if (st.supervisor_alive) {
    if (st.state == "running") return {};
    return fail(who + ": boot operation is invalid for zones in state '" + st.state + "'",
                ErrorKind::Busy);
  }
  // Running without its zoneadmd: a new one adopts it, as it runs.
  if (st.unsupervised) return start_zoneadmd(spec, zoneadmd_path, timeout_ms, -1, true);
  ZK_TRYVC(cleanup_dead(spec), who + ": boot");
  // The attach warm-up starts here, so that its grace period has run out
  // by the time zoneadmd attaches the zone's init. It holds the kernel's
  // cgroup_mutex meanwhile, which any cgroup mkdir needs: the zone's cgroup
  // is made first. zoneadmd's create then finds it and owns it; until a
  // zoneadmd holds the supervisor lock it is ours to remove if the boot
  // fails (a failure to make it is left for zoneadmd to report).
  // Under systemd the zone's scope needs its first process: zoneadmd
  // makes it, over D-Bus (cgroup_systemd.hpp).
  AttachWarmup warmup;
  auto drv = cgroup::for_zone(spec);
  const bool made = spec.cgroup_unit.empty() && drv && (*drv)->create(spec.cgroup_path);
  if (made) warmup = AttachWarmup::start((*drv)->own_procs_file());
  auto r = start_zoneadmd(spec, zoneadmd_path, timeout_ms, warmup.gate());
  if (!r && made && !supervisor_lock_held(spec.run_dir)) (void)(*drv)->destroy(spec.cgroup_path);
  return r;
}

Result<ZoneStatus> query_adopting(const std::string& run_dir, const std::string& zoneadmd_path,
                                  int timeout_ms) {
  auto st = ZK_TRY(query(run_dir));
  // Only root starts supervisors (and only root can see their lock: to
  // others every zone would look unsupervised).
  if (!st.unsupervised || geteuid() != 0) return st;
  // Boots, cleanups and adoptions of one zone take turns.
  auto guard = ZK_TRY(FileLock::acquire(run_dir + "/boot.lock", FileLock::Mode::Exclusive, timeout_ms));
  st = ZK_TRY(query(run_dir));
  if (!st.unsupervised) return st;
  auto spec = ZK_TRY(read_spec(run_dir));
  ZK_TRYV(start_zoneadmd(spec, zoneadmd_path, timeout_ms, -1, true));
  return query(run_dir);
}

Result<std::string> send_command(const std::string& run_dir, const std::string& command) {
  auto fd = ZK_TRY(connect_ctl(run_dir));
  std::string line = std::string(kCtlVersion) + " " + command + "\n";
  if (::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size()))
    return sys_error("send", RunPaths{run_dir}.ctl());
  return read_line(fd.get(), RunPaths{run_dir}.ctl());
}

Result<UniqueFd> open_console(const std::string& run_dir) {
  auto fd = ZK_TRY(connect_ctl(run_dir));
  std::string line = std::string(kCtlVersion) + " CONSOLE\n";
  if (::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size()))
    return sys_error("send", RunPaths{run_dir}.ctl());
  auto reply = read_line(fd.get(), RunPaths{run_dir}.ctl());
  if (!reply) return std::unexpected(reply.error());
  if (*reply != "OK") return fail("console: " + *reply);
  return fd;
}

namespace {

Result<void> stop_and_wait(const std::string& run_dir, const std::string& cmd, int timeout_ms,
                           const std::string& zoneadmd_path) {
  Result<void> stop_once(const std::string& run_dir, const std::string& cmd, int timeout_ms);

// A zone whose zoneadmd died (before or while we ask) is adopted, then
  // asked again; a few rounds, in case zoneadmds keep dying.
  for (int round = 0; round < 3; ++round) {
    auto st = zoneadmd_path.empty() ? query(run_dir) : query_adopting(run_dir, zoneadmd_path, timeout_ms);
    if (!st) return std::unexpected(st.error());
    if (st->unsupervised) return fail("zone runs without its zoneadmd (zoneadm recover adopts it)");
    auto r = stop_once(run_dir, cmd, timeout_ms);
    if (!r) return r;
    auto after = ZK_TRY(query(run_dir));
    if (!after.unsupervised && after.state != "down") return {};
  }
  return fail("zone still runs: its zoneadmd died while stopping it, three times");
}

Result<void> stop_once(const std::string& run_dir, const std::string& cmd, int timeout_ms) {
  auto st = ZK_TRY(query(run_dir));
  if (!st.supervisor_alive) {
    if (st.state == "down") {
      auto guard = ZK_TRY(FileLock::acquire(run_dir + "/boot.lock", FileLock::Mode::Exclusive,
                                            timeout_ms));
      auto again = ZK_TRY(query(run_dir));
      if (again.supervisor_alive) return fail("zone was booted while halting", ErrorKind::Busy);
      auto spec = ZK_TRY(read_spec(run_dir));
      ZK_TRYV(cleanup_dead(spec));
    }
    return {};  // already stopped
  }
  // A supervisor already stopping (another halt) may close the socket under
  // us: that is not a failure, the wait below decides.
  // A zoneadmd that just took its lock binds ctl.sock a moment later.
  auto reply = send_command(run_dir, cmd);
  for (int i = 0; i < 100 && !reply && reply.error().code == ENOENT; ++i) {
    sleep_ms(20);
    reply = send_command(run_dir, cmd);
  }
  if (reply && !reply->starts_with("OK")) return fail(*reply);
  auto done = wait_for(run_dir, timeout_ms, [](const ZoneStatus& s) { return !s.supervisor_alive; },
                       "stop", Watch::Exit);
  if (!done && !reply) return std::unexpected(reply.error());
  if (!done) return std::unexpected(done.error());
  // zoneadmd is gone, and with it the last process of a zone's systemd
  // scope: systemd collects it by itself, soon; stopping it here makes
  // that done when halt returns (and kills a helper that outlived
  // zoneadmd). Nothing to do in cgroupfs mode, where zoneadmd removed it.
  if (auto spec = read_spec(run_dir); spec && !spec->cgroup_unit.empty() && validate_spec(*spec))
    if (auto drv = cgroup::for_zone(*spec); drv && (*drv)->exists(spec->cgroup_path))
      (void)(*drv)->destroy(spec->cgroup_path);
  return {};
}

}  // namespace

Result<void> halt(const std::string& run_dir, int timeout_ms, const std::string& zoneadmd_path) {
  return stop_and_wait(run_dir, "HALT", timeout_ms, zoneadmd_path);
}

Result<void> shutdown(const std::string& run_dir, int grace_seconds, const std::string& zoneadmd_path) {
  return stop_and_wait(run_dir, "SHUTDOWN " + std::to_string(grace_seconds),
                       grace_seconds * 1000 + 30000, zoneadmd_path);
}

Result<void> reboot(const std::string& run_dir, int timeout_ms) {
  auto st = ZK_TRY(query(run_dir));
  if (!st.supervisor_alive || st.state != "running")
    return fail("reboot operation is invalid for zones in state '" + st.state + "'", ErrorKind::Busy);
  int old_init = st.run.init_pid;
  auto reply = send_command(run_dir, "REBOOT");
  if (!reply) return std::unexpected(reply.error());
  if (!reply->starts_with("OK")) return fail(*reply);
  auto done = ZK_TRY(wait_for(run_dir, timeout_ms,
                              [&](const ZoneStatus& s) {
                                return !s.supervisor_alive || s.state == "failed" ||
                                       (s.state == "running" && s.run.init_pid != old_init);
                              },
                              "reboot", Watch::State));
  if (done.state != "running") return fail("reboot failed: " + done.run.error);
  return {};
}

Result<void> apply_limits(const std::string& run_dir, const CgroupLimits& limits) {
  auto spec = ZK_TRY(read_spec(run_dir));
  ZK_TRYV(validate_spec(spec));
  auto st = ZK_TRY(query(run_dir));
  spec.limits = limits;
  ZK_TRYV(write_spec(spec));
  if (!st.supervisor_alive) return {};  // applied at next boot
  auto drv = ZK_TRYC(cgroup::for_zone(spec), "cgroup");
  return context(drv->apply(spec.cgroup_path, limits), "zone " + spec.name + ": apply limits");
}

Result<std::string> resolve_run_dir(const std::string& name) {
  const char* env = getenv("ZONEKIT_RUN");
  std::string run = env && *env ? env : "/run/zonekit";
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    return fail("no such zone: '" + name + "'", ErrorKind::NotFound);
  std::string dir = run + "/zones/" + name;
  if (!fs::exists(dir + "/spec.json")) return fail("no such zone: '" + name + "'", ErrorKind::NotFound);
  return dir;
}

}  // namespace zonekit::runtime
