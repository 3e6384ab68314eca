#include "core/runtime/zone_exec.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <sstream>

#include "core/runtime/caps.hpp"
#include "core/runtime/cgroup.hpp"
#include "core/runtime/run_dir.hpp"
#include "core/runtime/seccomp.hpp"
#include "core/runtime/supervisor_client.hpp"
#include "core/sys/fs.hpp"
#include "core/sys/proc_stat.hpp"

namespace zonekit::runtime {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::string read_small_file(const char* path) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return {};
  struct stat st;
  std::string out;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    char buf[4096];
    ssize_t n;
    while (out.size() < (1 << 20) && (n = ::read(fd, buf, sizeof buf)) > 0)
      out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// What the grandchild reports before exec (or instead of it).
struct ExecReport {
  int32_t step;   // 1 join, 2 user, 3 pty, 4 ids, 5 caps, 6 seccomp, 7 exec
  int32_t err;
};
const char* report_step(int step) {
  switch (step) {
    case 1: return "join zone";
    case 2: return "look up user";
    case 3: return "allocate pty";
    case 4: return "set user ids";
    case 5: return "drop capabilities";
    case 6: return "load seccomp filter";
    case 7: return "exec";
  }
  return "?";
}

[[noreturn]] void report_and_exit(int fd, int step, int err) {
  ExecReport r{step, err};
  (void)!::send(fd, &r, sizeof r, MSG_NOSIGNAL);
  _exit(step == 7 && err == EACCES ? kExecNotRunnable : kExecFailed);
}

int send_fd(int sock, int fd) {
  char dummy = 'M';
  struct iovec iov{&dummy, 1};
  char ctrl[CMSG_SPACE(sizeof(int))]{};
  struct msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctrl;
  msg.msg_controllen = sizeof ctrl;
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

// Receives the pty master, or (no fd) the grandchild's failure report.
int recv_fd(int sock, ExecReport* report, bool* got_report) {
  ExecReport buf{};
  struct iovec iov{&buf, sizeof buf};
  char ctrl[CMSG_SPACE(sizeof(int))]{};
  struct msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctrl;
  msg.msg_controllen = sizeof ctrl;
  ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  if (n <= 0) return -1;
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) {
    if (n == sizeof buf) {
      *report = buf;
      *got_report = true;
    }
    return -1;
  }
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

// Find file in the zone's PATH (we are inside its mount namespace).
std::string find_in_path(const std::string& file, const std::string& path) {
  if (file.find('/') != std::string::npos) return file;
  for (const auto& dir : split(path, ':')) {
    std::string cand = (dir.empty() ? "." : dir) + "/" + file;
    if (access(cand.c_str(), X_OK) == 0) return cand;
  }
  return file;
}

volatile sig_atomic_t g_winch = 0;
void on_winch(int) { g_winch = 1; }

void relay_pty(int master, int sock_unused) {
  (void)sock_unused;
  bool tty = isatty(0);
  struct sigaction sa{};
  sa.sa_handler = on_winch;  // no SA_RESTART: poll returns EINTR
  sigaction(SIGWINCH, &sa, nullptr);
  struct termios saved{};
  if (tty) {
    tcgetattr(0, &saved);
    struct termios raw = saved;
    cfmakeraw(&raw);
    tcsetattr(0, TCSANOW, &raw);
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
  }
  bool in_open = true;
  char buf[4096];
  for (;;) {
    struct pollfd p[2] = {{master, POLLIN, 0}, {in_open ? 0 : -1, POLLIN, 0}};
    if (g_winch) {  // the caller's window changed size: tell the zone's tty
      g_winch = 0;
      struct winsize ws;
      if (tty && ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
    }
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(master, buf, sizeof buf);
      if (n <= 0) break;
      (void)!::write(1, buf, static_cast<size_t>(n));
    }
    if (in_open && (p[1].revents & (POLLIN | POLLHUP))) {
      ssize_t n = ::read(0, buf, sizeof buf);
      if (n <= 0) {
        in_open = false;
        char eot = 4;  // pass end-of-input on as ^D
        (void)!::write(master, &eot, 1);
      } else {
        (void)!::write(master, buf, static_cast<size_t>(n));
      }
    }
  }
  if (tty) tcsetattr(0, TCSANOW, &saved);
}

// Without a pty, a terminal of the caller must never reach the zone (it
// could read the admin's keystrokes or change the terminal's modes after
// zlogin returned). Each of fds 0-2 that is a terminal is replaced by a
// pipe, relayed here on the host side.
struct TtyPipes {
  int zone_fd[3] = {-1, -1, -1};  // what the zone gets as fd 0, 1, 2 (-1: keep ours)
  int host_fd[3] = {-1, -1, -1};  // our end of that pipe
};

bool make_tty_pipes(TtyPipes& t) {
  for (int fd = 0; fd < 3; ++fd) {
    if (!isatty(fd)) continue;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return false;
    t.zone_fd[fd] = fd == 0 ? p[0] : p[1];
    t.host_fd[fd] = fd == 0 ? p[1] : p[0];
  }
  return true;
}

void relay_tty_pipes(TtyPipes& t) {
  char buf[4096];
  for (;;) {
    struct pollfd p[3];
    int n = 0;
    int which[3];
    if (t.host_fd[0] >= 0) p[n] = {0, POLLIN, 0}, which[n++] = 0;
    for (int fd = 1; fd < 3; ++fd)
      if (t.host_fd[fd] >= 0) p[n] = {t.host_fd[fd], POLLIN, 0}, which[n++] = fd;
    if (t.host_fd[1] < 0 && t.host_fd[2] < 0) break;  // the zone closed its output
    if (poll(p, static_cast<nfds_t>(n), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; ++i) {
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      int fd = which[i];
      if (fd == 0) {
        ssize_t r = ::read(0, buf, sizeof buf);
        if (r <= 0 || ::write(t.host_fd[0], buf, static_cast<size_t>(r)) < 0) {
          ::close(t.host_fd[0]);
          t.host_fd[0] = -1;
        }
      } else {
        ssize_t r = ::read(t.host_fd[fd], buf, sizeof buf);
        if (r <= 0) {
          ::close(t.host_fd[fd]);
          t.host_fd[fd] = -1;
        } else {
          (void)!::write(fd, buf, static_cast<size_t>(r));
        }
      }
    }
    // No output left to relay but stdin still open: stop reading it.
  }
  if (t.host_fd[0] >= 0) ::close(t.host_fd[0]);
  t.host_fd[0] = -1;
}

volatile sig_atomic_t g_forward_to = 0;
void forward_signal(int sig) {
  if (g_forward_to > 0) kill(g_forward_to, sig);
}

}  // namespace

bool parse_passwd_user(const std::string& passwd, const std::string& user, ZoneUser& out) {
  std::istringstream in(passwd);
  std::string line;
  while (std::getline(in, line)) {
    auto f = split(line, ':');
    if (f.size() < 7 || f[0] != user) continue;
    char* end;
    unsigned long uid = strtoul(f[2].c_str(), &end, 10);
    if (*end || f[2].empty()) return false;
    unsigned long gid = strtoul(f[3].c_str(), &end, 10);
    if (*end || f[3].empty()) return false;
    out.name = user;
    out.uid = static_cast<unsigned>(uid);
    out.gid = static_cast<unsigned>(gid);
    out.home = f[5].empty() ? "/" : f[5];
    out.shell = f[6].empty() ? "/bin/sh" : f[6];
    return true;
  }
  return false;
}

std::vector<unsigned> parse_group_members(const std::string& group, const std::string& user) {
  std::vector<unsigned> out;
  std::istringstream in(group);
  std::string line;
  while (std::getline(in, line)) {
    auto f = split(line, ':');
    if (f.size() < 4 || f[2].empty()) continue;
    for (const auto& m : split(f[3], ','))
      if (m == user) out.push_back(static_cast<unsigned>(strtoul(f[2].c_str(), nullptr, 10)));
  }
  return out;
}

Result<int> exec_in_zone(const std::string& run_dir, const ExecOptions& opts) {
  auto st = ZK_TRY(query(run_dir));
  if (!st.supervisor_alive || st.state != "running" || st.run.init_pid <= 0)
    return fail("zone is not running (state " + st.state + ")");
  auto spec = ZK_TRY(read_spec(run_dir));
  ZK_TRYV(validate_spec(spec));
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, st.run.init_pid, 0));
  if (pidfd < 0) return sys_error("pidfd_open", "zone init");
  UniqueFd init_fd(pidfd);
  // The pidfd pins the process; make sure it is still the zone's init.
  if (!sys::process_matches(st.run.init_pid, st.run.init_start_time))
    return fail("zone init exited (pid " + std::to_string(st.run.init_pid) + " changed)");
  auto cg = ZK_TRYC(cgroup::detect(), "cgroup");
  // The filter zoneadmd gave the init; built anew if that file is missing
  // (a zone booted by an older zoneadmd) or unreadable.
  auto cached = fs::read_file(RunPaths{run_dir}.seccomp(), 1 << 20);
  auto loaded = cached ? seccomp::from_bytes(*cached) : Result<seccomp::Program>(std::unexpected(cached.error()));
  auto prog = loaded ? std::move(*loaded) : ZK_TRYC(seccomp::build_default(), "seccomp");

  int sp[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) return sys_error("socketpair", "");
  UniqueFd top_end(sp[0]), kid_end(sp[1]);

  std::vector<std::string> env{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                               "container=zonekit"};
  if (opts.pty) env.push_back("TERM=" + (opts.term.empty() ? std::string("vt220") : opts.term));

  TtyPipes tty;
  if (!opts.pty && !make_tty_pipes(tty)) return sys_error("pipe", "stdio");
  // Without a pty the command is in its own session, so ^C reaches it only
  // through us: forward the usual terminal signals to it.
  struct sigaction fwd{};
  fwd.sa_handler = opts.pty ? SIG_IGN : forward_signal;
  sigaction(SIGINT, &fwd, nullptr);
  sigaction(SIGQUIT, &fwd, nullptr);
  if (!opts.pty) {
    sigaction(SIGTERM, &fwd, nullptr);
    sigaction(SIGHUP, &fwd, nullptr);
  }
  pid_t mid = fork();
  if (mid < 0) return sys_error("fork", "");
  if (mid == 0) {
    int rep = kid_end.get();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    // Non-dumpable until exec: the zone cannot ptrace us while we still
    // hold host state (the mm's user namespace is the host's).
    prctl(PR_SET_DUMPABLE, 0);
    if (auto r = cg->attach(spec.cgroup_path, getpid()); !r) report_and_exit(rep, 1, r.error().code ? r.error().code : EIO);
    if (setns(init_fd.get(), CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS |
                                 CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP) < 0)
      report_and_exit(rep, 1, errno);
    pid_t kid = fork();
    if (kid < 0) report_and_exit(rep, 1, errno);
    if (kid > 0) {
      // Only zlogin and the command hold the relay pipes, so that end of
      // input and end of output are seen.
      for (int fd = 0; fd < 3; ++fd) {
        if (tty.zone_fd[fd] >= 0) ::close(tty.zone_fd[fd]);
        if (tty.host_fd[fd] >= 0) ::close(tty.host_fd[fd]);
      }
      g_forward_to = kid;
      struct sigaction f{};
      f.sa_handler = forward_signal;
      for (int sig : {SIGINT, SIGQUIT, SIGTERM, SIGHUP}) sigaction(sig, &f, nullptr);
      int status;
      while (waitpid(kid, &status, 0) < 0 && errno == EINTR) {
      }
      _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    // In the zone now (pid ns too). Everything below reads zone files from
    // inside the zone.
    // Become the zone's root first: our host ids are unmapped here, and
    // anything we create (the pty) must belong to the zone.
    if (setresgid(0, 0, 0) < 0 || setgroups(0, nullptr) < 0 || setresuid(0, 0, 0) < 0)
      report_and_exit(rep, 4, errno);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (chdir("/") < 0) report_and_exit(rep, 1, errno);
    ZoneUser u;
    if (!parse_passwd_user(read_small_file("/etc/passwd"), opts.user, u)) report_and_exit(rep, 2, ENOENT);
    u.groups = parse_group_members(read_small_file("/etc/group"), opts.user);

    if (opts.pty) {
      int master = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
      if (master < 0) report_and_exit(rep, 3, errno);
      int unlock = 0;
      if (ioctl(master, TIOCSPTLCK, &unlock) < 0) report_and_exit(rep, 3, errno);
      int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
      if (slave < 0) report_and_exit(rep, 3, errno);
      if (fchown(slave, u.uid, 5) < 0 && errno != EINVAL) report_and_exit(rep, 3, errno);
      if (int r = send_fd(rep, master); r < 0) report_and_exit(rep, 3, -r);
      ::close(master);
      if (setsid() < 0) report_and_exit(rep, 3, errno);
      for (int fd = 0; fd < 3; ++fd) dup2(slave, fd);
      if (slave > 2) ::close(slave);
      if (ioctl(0, TIOCSCTTY, 0) < 0) report_and_exit(rep, 3, errno);
    }
    if (!opts.pty) {
      // Out of the caller's session: /dev/tty must not open the admin's
      // terminal. Terminals among our stdio become the relayed pipes.
      if (setsid() < 0) report_and_exit(rep, 3, errno);
      for (int fd = 0; fd < 3; ++fd) {
        if (tty.host_fd[fd] >= 0) ::close(tty.host_fd[fd]);
        if (tty.zone_fd[fd] >= 0 && dup2(tty.zone_fd[fd], fd) < 0) report_and_exit(rep, 3, errno);
      }
    }
    // Nothing of zlogin's survives exec except stdio.
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);

    env.push_back("HOME=" + u.home);
    env.push_back("USER=" + u.name);
    env.push_back("LOGNAME=" + u.name);
    env.push_back("SHELL=" + u.shell);
    for (const auto& e : opts.env) env.push_back(e);
    std::vector<std::string> argv = opts.argv;
    std::string path;
    if (argv.empty()) {
      path = u.shell;
      auto slash = u.shell.rfind('/');
      argv.push_back("-" + u.shell.substr(slash == std::string::npos ? 0 : slash + 1));
    } else {
      path = find_in_path(argv[0], "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    }
    if (chdir(u.home.c_str()) < 0 && chdir("/") < 0) report_and_exit(rep, 1, errno);

    if (u.uid != 0)
      if (int r = caps::drop_bounding_in_child(); r < 0) report_and_exit(rep, 5, -r);
    std::vector<gid_t> groups(u.groups.begin(), u.groups.end());
    if (setgroups(groups.size(), groups.data()) < 0) report_and_exit(rep, 4, errno);
    if (setresgid(u.gid, u.gid, u.gid) < 0) report_and_exit(rep, 4, errno);
    if (setresuid(u.uid, u.uid, u.uid) < 0) report_and_exit(rep, 4, errno);
    // A uid change resets "dumpable" to fs.suid_dumpable; keep the zone
    // from ptracing us until exec whatever the host sysctl says.
    prctl(PR_SET_DUMPABLE, 0);
    if (int r = caps::apply_in_child(); r < 0) report_and_exit(rep, 5, -r);
    if (int r = seccomp::load(prog); r < 0) report_and_exit(rep, 6, -r);

    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    std::vector<char*> av, ev;
    for (auto& a : argv) av.push_back(a.data());
    av.push_back(nullptr);
    for (auto& e : env) ev.push_back(e.data());
    ev.push_back(nullptr);
    execve(path.c_str(), av.data(), ev.data());
    report_and_exit(rep, 7, errno);
  }
  kid_end.reset();
  init_fd.reset();
  g_forward_to = mid;
  for (int fd = 0; fd < 3; ++fd)
    if (tty.zone_fd[fd] >= 0) ::close(tty.zone_fd[fd]);
  if (!opts.pty && (tty.host_fd[0] >= 0 || tty.host_fd[1] >= 0 || tty.host_fd[2] >= 0))
    relay_tty_pipes(tty);

  ExecReport rep{};
  bool got_report = false;
  UniqueFd master;
  if (opts.pty) {
    master.reset(recv_fd(top_end.get(), &rep, &got_report));
    if (master) relay_pty(master.get(), top_end.get());
  }
  // Close the master only once the command exited: closing it hangs the
  // tty up, and a command that closed its stdio on the way out would still
  // die of that SIGHUP.
  int status;
  while (waitpid(mid, &status, 0) < 0) {
    if (errno != EINTR) return sys_error("waitpid", "");
  }
  master.reset();
  if (!got_report) got_report = ::recv(top_end.get(), &rep, sizeof rep, MSG_DONTWAIT) == sizeof rep;
  if (got_report) {
    Error e;
    e.op = report_step(rep.step);
    if (rep.step == 7 && !opts.argv.empty()) e.object = opts.argv[0];
    if (rep.step == 2) {
      e.detail = "no such user '" + opts.user + "' in the zone's /etc/passwd";
    } else {
      e.code = rep.err;
    }
    return std::unexpected(std::move(e));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace zonekit::runtime
