#include "core/runtime/zone_exec.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <sstream>

#include "core/runtime/caps.hpp"
#include "core/runtime/cgroup.hpp"
#include "core/runtime/exec_guard.hpp"
#include "core/runtime/run_dir.hpp"
#include "core/runtime/seccomp.hpp"
#include "core/runtime/stdio_relay.hpp"
#include "core/runtime/supervisor_client.hpp"
#include "core/sys/fault.hpp"
#include "core/sys/fs.hpp"
#include "core/sys/proc_stat.hpp"

namespace zonekit::runtime {

namespace {

// How long the child may take from fork to execve. It normally takes
// milliseconds; only a child held up in the zone comes near this.
constexpr int kStartTimeoutMs = 10000;
constexpr int kPipeBytes = 1 << 20;
constexpr const char* kZonePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

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

// A file of the zone read by the child, which still has host credentials:
// only a regular file of at most 1 MiB, never one of /proc or /sys (a
// symlink planted there must not make us read our own environment).
std::string read_zone_file(const char* path) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return {};
  struct stat st;
  struct statfs sf;
  std::string out;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && fstatfs(fd, &sf) == 0 &&
      sf.f_type != PROC_SUPER_MAGIC && sf.f_type != SYSFS_MAGIC) {
    char buf[4096];
    ssize_t n;
    while (out.size() < (1 << 20) && (n = ::read(fd, buf, sizeof buf)) > 0)
      out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// The child's messages on its report socket: the pty master (with the fd)
// or why it could not start the command (then it exits).
enum class MsgType : int32_t { Master = 1, Failure = 2 };
enum Step : int32_t { kJoin = 1, kUser, kPty, kIds, kCaps, kSeccomp, kExec, kStdio };
struct KidMsg {
  MsgType type;
  int32_t step;
  int32_t err;
};

const char* step_name(int step) {
  switch (step) {
    case kJoin: return "join zone";
    case kUser: return "look up user";
    case kPty: return "allocate pty";
    case kIds: return "set user ids";
    case kCaps: return "drop capabilities";
    case kSeccomp: return "load seccomp filter";
    case kExec: return "exec";
    case kStdio: return "set up stdio";
  }
  return "?";
}

// The child's report socket and the zone init's pidfd, at fixed fds once
// the child has dropped everything else.
constexpr int kReportFd = 3;
constexpr int kInitFd = 4;

[[noreturn]] void report_and_exit(int step, int err) {
  KidMsg m{MsgType::Failure, step, err};
  (void)!::send(kReportFd, &m, sizeof m, MSG_NOSIGNAL);
  _exit(step == kExec && err == EACCES ? kExecNotRunnable : kExecFailed);
}

int send_master(int sock, int fd) {
  KidMsg m{MsgType::Master, 0, 0};
  struct iovec iov{&m, sizeof m};
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

// What the child told us so far.
struct KidNews {
  UniqueFd master;
  bool failed = false;
  KidMsg failure{};
};

// Reads one message without waiting; false at EOF (the child exec'd or
// exited).
bool read_kid_message(int sock, KidNews& news) {
  KidMsg m{};
  struct iovec iov{&m, sizeof m};
  char ctrl[CMSG_SPACE(sizeof(int))]{};
  struct msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctrl;
  msg.msg_controllen = sizeof ctrl;
  ssize_t n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  if (n == 0) return false;
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    if (m.type == MsgType::Master && !news.master) {
      news.master.reset(fd);
    } else {
      ::close(fd);
    }
  } else if (n == sizeof m && m.type == MsgType::Failure) {
    news.failed = true;
    news.failure = m;
  }
  return true;
}

// A pty of the zone's own devpts (the command sees /dev/pts/N) that no
// process of the zone can open before the command's session owns it. A new
// pty is locked (no open succeeds). Its node belongs to whoever opened
// ptmx: we still have host credentials, so host root, which the zone does
// not map, and a zone's root has no override over a file whose owner it
// does not map. Mode 0600 shuts out the tty group too; then it is
// unlocked. A devpts the zone mounted with its own uid= would give the
// node a zone owner: refused. Returns 0 or -errno.
int open_zone_pty(int* master_out, int* slave_out) {
  struct open_how how{};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  int dir = static_cast<int>(syscall(SYS_openat2, AT_FDCWD, "/dev/pts", &how, sizeof how));
  if (dir < 0 && errno == ENOSYS) dir = ::open("/dev/pts", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir < 0) return -errno;
  UniqueFd pts(dir);
  struct statfs sf;
  if (fstatfs(dir, &sf) < 0) return -errno;
  if (sf.f_type != DEVPTS_SUPER_MAGIC) return -ENODEV;
  UniqueFd master(openat(dir, "ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW));
  if (!master) return -errno;
  struct stat st;
  if (fstat(master.get(), &st) < 0) return -errno;
  if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 || minor(st.st_rdev) != 2) return -ENODEV;
  unsigned n = 0;
  if (ioctl(master.get(), TIOCGPTN, &n) < 0) return -errno;
  char name[16];
  snprintf(name, sizeof name, "%u", n);
  if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return -errno;
  if (st.st_uid != getuid()) return -EPERM;
  if (fchmodat(dir, name, 0600, 0) < 0) return -errno;
  int unlock = 0;
  if (ioctl(master.get(), TIOCSPTLCK, &unlock) < 0) return -errno;
  int slave = ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) return -errno;
  *slave_out = slave;
  *master_out = master.release();
  return 0;
}

// execve along the zone's PATH, as execvpe does; returns the errno to report.
int exec_search(const std::string& file, char* const* argv, char* const* envp) {
  if (file.find('/') != std::string::npos) {
    execve(file.c_str(), argv, envp);
    return errno;
  }
  bool denied = false;
  for (const auto& dir : split(kZonePath, ':')) {
    std::string cand = dir + "/" + file;
    execve(cand.c_str(), argv, envp);
    if (errno == EACCES) {
      denied = true;
    } else if (errno != ENOENT && errno != ENOTDIR) {
      return errno;
    }
  }
  return denied ? EACCES : ENOENT;
}

// Everything the child needs, made before fork (the child only uses it).
struct KidPlan {
  const ExecOptions* opts = nullptr;
  const ZoneSpec* spec = nullptr;
  cgroup::Driver* cg = nullptr;
  seccomp::Program* prog = nullptr;
  int report_fd = -1, init_fd = -1;
  int stdio[3] = {-1, -1, -1};  // the zone's pipe ends; unused with a pty
  bool have_winsize = false;
  struct winsize winsize{};
  std::vector<std::string> env;
};

// The child: joins the zone step by step and execs the command. Until it
// joins the zone's user namespace (as late as possible) it has host
// credentials, so no zone process can signal or ptrace it; from there to
// execve zlogin traces it (exec_guard.hpp).
[[noreturn]] void run_kid(KidPlan& k) {
  // Should zlogin die first: killed (zlogin is outside our pid namespace,
  // so getppid() says 0 and cannot tell; the "go" below sees it instead).
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Non-dumpable until exec: nothing in the zone may read our memory.
  prctl(PR_SET_DUMPABLE, 0);
  for (int sig : {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE}) signal(sig, SIG_DFL);

  // First of all, drop the caller's stdio: no open file of the host's
  // reaches the zone, and none is open while we read zone paths. Then the
  // report socket and the init's pidfd to fixed fds, and nothing else.
  const bool pty = k.opts->pty;
  int null = pty ? ::open("/dev/null", O_RDWR | O_CLOEXEC) : -1;
  for (int fd = 0; fd < 3; ++fd)
    if (dup2(pty ? null : k.stdio[fd], fd) < 0) _exit(kExecFailed);
  int rep = fcntl(k.report_fd, F_DUPFD_CLOEXEC, 10);
  int init = fcntl(k.init_fd, F_DUPFD_CLOEXEC, 10);
  if (rep < 0 || init < 0 || dup3(rep, kReportFd, O_CLOEXEC) < 0) _exit(kExecFailed);
  if (dup3(init, kInitFd, O_CLOEXEC) < 0) report_and_exit(kStdio, errno);
  if (syscall(SYS_close_range, kInitFd + 1, ~0U, 0U) < 0) report_and_exit(kStdio, errno);

  if (auto r = k.cg->attach(k.spec->cgroup_path, getpid()); !r)
    report_and_exit(kJoin, r.error().code ? r.error().code : EIO);
  if (setns(kInitFd, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP) < 0)
    report_and_exit(kJoin, errno);

  if (pty) {
    int master = -1, slave = -1;
    if (int r = open_zone_pty(&master, &slave); r < 0) report_and_exit(kPty, -r);
    if (int r = send_master(kReportFd, master); r < 0) report_and_exit(kPty, -r);
    ::close(master);
    for (int fd = 0; fd < 3; ++fd)
      if (dup2(slave, fd) < 0) report_and_exit(kPty, errno);
    ::close(slave);
  }
  // Out of the caller's session: /dev/tty never opens the admin's terminal.
  if (setsid() < 0) report_and_exit(kStdio, errno);
  if (pty) {
    if (ioctl(0, TIOCSCTTY, 0) < 0) report_and_exit(kPty, errno);
    if (k.have_winsize) ioctl(0, TIOCSWINSZ, &k.winsize);
  }

  // The zone's accounts, read with no more access than the zone's root.
  const unsigned base = k.spec->ids.host_base, count = k.spec->ids.count;
  setfsgid(base);
  setfsuid(base);
  ZoneUser u;
  const bool known = parse_passwd_user(read_zone_file("/etc/passwd"), k.opts->user, u);
  if (known) u.groups = parse_group_members(read_zone_file("/etc/group"), k.opts->user);
  setfsuid(0);
  setfsgid(0);
  if (!known) report_and_exit(kUser, ENOENT);

  // zlogin traces us from here on (or found it cannot): only now may the
  // zone's processes be able to signal us.
  char go;
  if (::recv(kReportFd, &go, 1, 0) != 1) _exit(kExecFailed);
  // The session owns the pty now; it becomes the user's, as at a login.
  if (pty && u.uid < count && (fchown(0, base + u.uid, base + 5) < 0 || fchmod(0, 0620) < 0))
    report_and_exit(kPty, errno);
  if (setns(kInitFd, CLONE_NEWUSER) < 0) report_and_exit(kJoin, errno);
  fault::point("zlogin.in_zone_userns");  // tests: a stop where the zone could send one

  if (u.uid != 0)
    if (int r = caps::drop_bounding_in_child(); r < 0) report_and_exit(kCaps, -r);
  std::vector<gid_t> groups(u.groups.begin(), u.groups.end());
  if (setgroups(groups.size(), groups.data()) < 0) report_and_exit(kIds, errno);
  if (setresgid(u.gid, u.gid, u.gid) < 0) report_and_exit(kIds, errno);
  if (setresuid(u.uid, u.uid, u.uid) < 0) report_and_exit(kIds, errno);
  // A uid change resets "dumpable" to fs.suid_dumpable; keep the zone
  // from ptracing us until exec whatever the host sysctl says.
  prctl(PR_SET_DUMPABLE, 0);
  if (int r = caps::apply_in_child(); r < 0) report_and_exit(kCaps, -r);
  if (int r = seccomp::load(*k.prog); r < 0) report_and_exit(kSeccomp, -r);
  if (chdir(u.home.c_str()) < 0 && chdir("/") < 0) report_and_exit(kJoin, errno);

  auto& env = k.env;
  env.push_back("HOME=" + u.home);
  env.push_back("USER=" + u.name);
  env.push_back("LOGNAME=" + u.name);
  env.push_back("SHELL=" + u.shell);
  for (const auto& e : k.opts->env) env.push_back(e);
  std::vector<std::string> argv = k.opts->argv;
  std::string file;
  if (argv.empty()) {  // the login shell: argv[0] "-sh"
    file = u.shell;
    auto slash = u.shell.rfind('/');
    argv.push_back("-" + u.shell.substr(slash == std::string::npos ? 0 : slash + 1));
  } else {
    file = argv[0];
  }
  std::vector<char*> av, ev;
  for (auto& a : argv) av.push_back(a.data());
  av.push_back(nullptr);
  for (auto& e : env) ev.push_back(e.data());
  ev.push_back(nullptr);

  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // The id changes cleared it: the command dies with zlogin.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  report_and_exit(kExec, exec_search(file, av.data(), ev.data()));
}

volatile sig_atomic_t g_forward_to = 0;
// The command runs in its own session: ^C and friends reach it through
// zlogin only. SIGCONT after, so a command the zone stopped acts on it.
void forward_signal(int sig) {
  if (g_forward_to > 0) {
    kill(g_forward_to, sig);
    kill(g_forward_to, SIGCONT);
  }
}

// zlogin's ends of the command's pipes; the zone's ends go to the child.
Result<PipeEnds> make_pipes(UniqueFd zone_end[3]) {
  PipeEnds host;
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return sys_error("pipe", "stdin");
  zone_end[0].reset(p[0]);
  host.in.reset(p[1]);
  struct stat st;
  if (fstat(0, &st) == 0 && S_ISREG(st.st_mode)) host.in_peek.reset(fcntl(p[0], F_DUPFD_CLOEXEC, 3));
  if (pipe2(p, O_CLOEXEC) < 0) return sys_error("pipe", "stdout");
  host.out.reset(p[0]);
  zone_end[1].reset(p[1]);
  // `2>&1`: one pipe for both keeps the command's order of lines.
  // Bulk data moves in 1 MiB steps: fewer hand-overs between zlogin and
  // the command (each a wake-up). Best effort; the default 64 KiB works.
  fcntl(host.in.get(), F_SETPIPE_SZ, kPipeBytes);
  fcntl(host.out.get(), F_SETPIPE_SZ, kPipeBytes);
  if (same_open_file(1, 2)) {
    zone_end[2].reset(fcntl(p[1], F_DUPFD_CLOEXEC, 3));
    if (!zone_end[2]) return sys_error("dup", "stderr");
  } else {
    if (pipe2(p, O_CLOEXEC) < 0) return sys_error("pipe", "stderr");
    host.err.reset(p[0]);
    zone_end[2].reset(p[1]);
  }
  return host;
}

// Restores zlogin's signal mask and handlers on the way out.
struct SignalScope {
  sigset_t old_mask;
  struct sigaction old[5];
  static constexpr int kSigs[5] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE};
  explicit SignalScope(bool pty) {
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old_mask);
    struct sigaction fwd{};
    fwd.sa_handler = forward_signal;  // no SA_RESTART: a blocked write returns
    struct sigaction ign{};
    ign.sa_handler = SIG_IGN;
    for (int i = 0; i < 5; ++i) {
      // With a pty, ^C is a byte for the zone's terminal; a closed output
      // must show as EPIPE to the relay, never kill zlogin.
      const bool forward = !pty && kSigs[i] != SIGPIPE;
      const bool ignore = kSigs[i] == SIGPIPE || (pty && (kSigs[i] == SIGINT || kSigs[i] == SIGQUIT));
      if (forward || ignore) sigaction(kSigs[i], forward ? &fwd : &ign, &old[i]);
      else sigaction(kSigs[i], nullptr, &old[i]);
    }
  }
  ~SignalScope() {
    g_forward_to = 0;
    for (int i = 0; i < 5; ++i) sigaction(kSigs[i], &old[i], nullptr);
    sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  }
};

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
  // A zone whose zoneadmd died still runs: entering needs only its init.
  if (!(st.supervisor_alive || st.unsupervised) || st.state != "running" || st.run.init_pid <= 0)
    return fail("zone is not running (state " + st.state + ")");
  auto spec = ZK_TRY(read_spec(run_dir));
  ZK_TRYV(validate_spec(spec));
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, st.run.init_pid, 0));
  if (pidfd < 0) return sys_error("pidfd_open", "zone init");
  UniqueFd init_fd(pidfd);
  // The pidfd pins the process; make sure it is still the zone's init.
  if (!sys::process_matches(st.run.init_pid, st.run.init_start_time))
    return fail("zone init exited (pid " + std::to_string(st.run.init_pid) + " changed)");
  auto cg = ZK_TRYC(cgroup::for_zone(spec), "cgroup");
  // The filter zoneadmd gave the init; built anew if that file is missing
  // (a zone booted by an older zoneadmd) or unreadable.
  auto cached = fs::read_file(RunPaths{run_dir}.seccomp(), 1 << 20);
  auto loaded = cached ? seccomp::from_bytes(*cached) : Result<seccomp::Program>(std::unexpected(cached.error()));
  auto prog = loaded ? std::move(*loaded) : ZK_TRYC(seccomp::build_default(), "seccomp");
  UniqueFd self(static_cast<int>(syscall(SYS_pidfd_open, getpid(), 0)));
  if (!self) return sys_error("pidfd_open", "zlogin");

  sanitize_stdio();
  int sp[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) return sys_error("socketpair", "");
  UniqueFd top_end(sp[0]), kid_end(sp[1]);

  KidPlan plan;
  plan.opts = &opts;
  plan.spec = &spec;
  plan.cg = cg.get();
  plan.prog = &prog;
  plan.report_fd = kid_end.get();
  plan.init_fd = init_fd.get();
  plan.env = {std::string("PATH=") + kZonePath, "container=zonekit"};
  UniqueFd zone_end[3];
  PipeEnds host;
  if (opts.pty) {
    plan.env.push_back("TERM=" + (opts.term.empty() ? std::string("vt220") : opts.term));
    plan.have_winsize = isatty(0) && ioctl(0, TIOCGWINSZ, &plan.winsize) == 0;
  } else {
    host = ZK_TRY(make_pipes(zone_end));
    for (int fd = 0; fd < 3; ++fd) plan.stdio[fd] = zone_end[fd].get();
  }

  SignalScope signals(opts.pty);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  UniqueFd sigchld(signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!sigchld) return sys_error("signalfd", "SIGCHLD");

  // Fork straight into the zone's pid namespace, then point our own next
  // children back at ours.
  if (setns(init_fd.get(), CLONE_NEWPID) < 0) return sys_error("setns", "zone pid namespace");
  pid_t kid = fork();
  const int fork_err = errno;
  if (kid != 0 && setns(self.get(), CLONE_NEWPID) < 0 && kid > 0) {
    kill(kid, SIGKILL);
    waitpid(kid, nullptr, 0);
    return sys_error("setns", "own pid namespace");
  }
  if (kid < 0) return sys_error("fork", "", fork_err);
  if (kid == 0) run_kid(plan);
  g_forward_to = kid;
  kid_end.reset();
  for (auto& z : zone_end) z.reset();

  const bool traced = seize_until_exec(kid);
  UniqueFd kid_fd(static_cast<int>(syscall(SYS_pidfd_open, kid, 0)));
  const char go = 1;
  if (!kid_fd || ::send(top_end.get(), &go, 1, MSG_NOSIGNAL) != 1) {
    const int err = errno;
    kill(kid, SIGKILL);
    waitpid(kid, nullptr, __WALL);
    return sys_error(kid_fd ? "send" : "pidfd_open", "zlogin child", err);
  }
  KidNews news;
  int status = 0;
  const auto outcome = await_exec(
      kid, traced, sigchld.get(), top_end.get(), [&] { return read_kid_message(top_end.get(), news); },
      kStartTimeoutMs, &status);
  if (outcome == StartOutcome::TimedOut)
    return fail("the command did not start within " + std::to_string(kStartTimeoutMs / 1000) +
                " seconds (held up in the zone); killed it");
  if (outcome == StartOutcome::Stopped)
    return fail("a process in the zone stopped zlogin's child before the command started; killed it");
  if (outcome == StartOutcome::Started && !news.failed) {
    if (!opts.pty) {
      relay_pipes(std::move(host), kid_fd.get());
    } else if (news.master && relay_pty(news.master.get(), kid_fd.get(), isatty(0)) == PtyEnd::Detached) {
      // "~.": hang the session up; a command that ignores that is killed.
      news.master.reset();
      struct pollfd p{kid_fd.get(), POLLIN, 0};
      if (poll(&p, 1, kLingerMs) <= 0) kill(kid, SIGKILL);
    }
  }
  if (outcome != StartOutcome::Exited) {
    while (waitpid(kid, &status, __WALL) < 0)
      if (errno != EINTR) return sys_error("waitpid", "");
  }
  // Close the master only once the command exited: closing it hangs the
  // tty up, and a command that closed its stdio on the way out would still
  // die of that SIGHUP.
  news.master.reset();
  for (int i = 0; i < 4 && !news.failed && read_kid_message(top_end.get(), news); ++i) {
  }
  if (news.failed) {
    Error e;
    e.op = step_name(news.failure.step);
    if (news.failure.step == kExec && !opts.argv.empty()) e.object = opts.argv[0];
    if (news.failure.step == kUser) {
      e.detail = "no such user '" + opts.user + "' in the zone's /etc/passwd";
    } else {
      e.code = news.failure.err;
    }
    return std::unexpected(std::move(e));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace zonekit::runtime
