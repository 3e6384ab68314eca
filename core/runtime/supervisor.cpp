#include "core/runtime/supervisor.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <linux/mount.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "core/runtime/attach_warmup.hpp"
#include "core/runtime/cgroup.hpp"
#include "core/runtime/ctl_protocol.hpp"
#include "core/runtime/fd_keeper.hpp"
#include "core/runtime/metadata_door.hpp"
#include "core/runtime/metadata_provision.hpp"
#include "core/runtime/network_hook.hpp"
#include "core/runtime/rootfs.hpp"
#include "core/runtime/run_dir.hpp"
#include "core/runtime/seccomp.hpp"
#include "core/runtime/userns_owner.hpp"
#include "core/runtime/zone_child.hpp"
#include "core/sys/clock.hpp"
#include "core/sys/proc_stat.hpp"
#include "core/sys/idmap_support.hpp"
#include "core/sys/quota_rules.hpp"
#include "core/sys/fault.hpp"
#include "core/sys/fs.hpp"

namespace zonekit::runtime {

namespace {

char* g_title = nullptr;
size_t g_title_len = 0;
constexpr int kChildReplyTimeoutMs = 30000;

// "init exited with code 3", "init was killed by SIGKILL".
std::string exit_text(int status) {
  if (WIFEXITED(status)) return "init exited with code " + std::to_string(WEXITSTATUS(status));
  const char* abbrev = sigabbrev_np(WTERMSIG(status));
  return abbrev ? std::string("init was killed by SIG") + abbrev
                : "init was killed by signal " + std::to_string(WTERMSIG(status));
}

// zkinit from our own directory, if it is a root-owned regular file that
// only root can write: the zone's first process executes it through this fd.
UniqueFd open_zkinit() {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return {};
  std::string path(self, static_cast<size_t>(n));
  path = path.substr(0, path.rfind('/') + 1) + "zkinit";
  UniqueFd fd(::open(path.c_str(), O_PATH | O_CLOEXEC | O_NOFOLLOW));
  struct stat st;
  if (!fd || fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
      (st.st_mode & (S_IWGRP | S_IWOTH)) || !(st.st_mode & S_IXOTH))
    return {};
  return fd;
}

// zonekit's in-zone clients (cmd/mdata), from our own directory: shown
// read-only in every zone when root owns them and only root can change them.
std::string native_sbin_dir() {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return {};
  std::string path(self, static_cast<size_t>(n));
  path = path.substr(0, path.rfind('/') + 1) + "mdata";
  struct stat st;
  if (lstat(path.c_str(), &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
      (st.st_mode & (S_IWGRP | S_IWOTH)))
    return {};
  return path;
}

struct Client {
  UniqueFd fd;
  std::string in;
  bool console = false;
};

ssize_t send_with_fd(int sock, const void* data, size_t len, int fd) {
  struct iovec iov{const_cast<void*>(data), len};
  struct msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  char ctrl[CMSG_SPACE(sizeof(int))]{};
  if (fd >= 0) {
    msg.msg_control = ctrl;
    msg.msg_controllen = sizeof ctrl;
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  return sendmsg(sock, &msg, MSG_NOSIGNAL);
}

// Image brand: a detached, read-only copy of the image's rootfs whose ids
// are shifted into the zone's range (an idmapped mount using the zone's own
// user namespace), so files owned by 0 in the image belong to the zone's
// root and copy-up into the writable layer works.
Result<UniqueFd> image_tree_for(const ZoneSpec& spec, pid_t child) {
  UniqueFd tree(static_cast<int>(syscall(SYS_open_tree, AT_FDCWD, spec.image_rootfs.c_str(),
                                         OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE)));
  if (!tree) return sys_error("open_tree", spec.image_rootfs);
  std::string ns_path = "/proc/" + std::to_string(child) + "/ns/user";
  UniqueFd userns(::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!userns) return sys_error("open", ns_path);
  struct mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  attr.userns_fd = static_cast<uint64_t>(userns.get());
  if (syscall(SYS_mount_setattr, tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) {
    const int e = errno;
    auto err = sys_error("idmap", spec.image_rootfs, e);
    struct statfs sfs;
    struct utsname uts;
    if (e == EINVAL && fstatfs(tree.get(), &sfs) == 0 && uname(&uts) == 0)
      err.error().detail = sys::idmap_refusal(quota::fs_type_name(static_cast<uint64_t>(sfs.f_type)), uts.release);
    return err;
  }
  return tree;
}

class Supervisor {
 public:
  Supervisor(std::string run_dir, SupervisorFds fds)
      : paths_{std::move(run_dir)}, notify_(std::move(fds.notify)), attach_gate_(std::move(fds.attach_gate)) {}
  Result<void> start();
  Result<void> adopt();
  Result<void> loop();
  int exit_code() const { return exit_code_; }
  void record_failure(const std::string& msg);

 private:
  Result<void> boot_zone();
  Result<pid_t> spawn_init(AttachWarmup& warmup);
  Result<void> open_console();
  Result<void> open_ctl();
  Result<void> block_signals();
  void start_keeper_now();
  void stop_keeper();
  void on_keeper_exit();
  void signal_init(int sig);
  void on_sigchld();
  // status: as from waitpid; nullopt when init was not our child (adopted)
  // and its status went to whoever reaps orphans.
  void on_init_exit(std::optional<int> status);
  void teardown(const char* final_state);
  void request_halt();
  void request_shutdown(int secs);
  void request_reboot();
  void handle_client_input(Client& c);
  std::string handle_command(Client& c, const std::string& line);
  void pump_console();
  void log_console(const char* data, size_t n);
  // "[zonekit 2026-12-05T17:12:15Z] msg" on a line of its own in the
  // console log: what zonekit did to the zone, between what the zone said.
  void note_console(const std::string& msg);
  void save_state();
  void start_provisioning();
  void stop_provisioning();
  void set_state(const char* s) {
    state_.state = s;
    save_state();
  }

  RunPaths paths_;
  UniqueFd notify_, attach_gate_;
  UniqueFd init_exe_;  // zkinit (libexec, next to us), or none
  ZoneSpec spec_;
  RunState state_;
  UniqueFd lock_;
  std::unique_ptr<cgroup::Driver> cg_;
  std::vector<std::string> origin_;  // our cgroups at start: teardown leaves the zone's for them
  UniqueFd sigfd_, ctl_, master_, slave_, log_;
  std::string slave_path_;
  size_t log_size_ = 0;
  bool log_at_line_start_ = true;
  int64_t boot_started_ms_ = sys::mono_ms();  // zoneadmd's start, then each boot_zone's
  std::vector<std::unique_ptr<Client>> clients_;
  pid_t init_pid_ = 0;
  // An adopted init is not our child: a pidfd tells us of its exit.
  UniqueFd init_pidfd_;
  pid_t keeper_pid_ = 0;
  UniqueFd keeper_pidfd_;
  bool stop_requested_ = false;
  bool reboot_requested_ = false;
  bool done_ = false;
  int64_t kill_deadline_ = 0;
  std::deque<int64_t> restarts_;
  int exit_code_ = 0;
  MetadataService metadata_;
  pid_t provisioner_ = 0;
};

void Supervisor::save_state() {
  (void)write_state(paths_.dir, state_);
  // The boot's outcome is on disk: wake zoneadm boot.
  if (state_.state != "ready") notify_.reset();
}

void Supervisor::record_failure(const std::string& msg) {
  if (init_pid_) {
    signal_init(SIGKILL);
    if (!init_pidfd_) waitpid(init_pid_, nullptr, 0);
    init_pid_ = 0;
  }
  state_.error = msg;  // before teardown: the "failed" state is written once, with its reason
  teardown("failed");
}

Result<void> Supervisor::start() {
  lock_ = ZK_TRY(acquire_supervisor_lock(paths_.dir));
  spec_ = ZK_TRY(read_spec(paths_.dir));
  ZK_TRYV(validate_spec(spec_));
  // The last exit of init outlives the supervisor that saw it, until the
  // next one (zoneadm info reports it across halt and boot).
  RunState prev = read_state_file(paths_.prev_state()).value_or(RunState{});
  ::unlink(paths_.prev_state().c_str());
  state_ = RunState{"ready"};
  state_.exit_status = prev.exit_status;
  state_.exit_code = prev.exit_code;
  state_.exit_signal = prev.exit_signal;
  state_.exit_timestamp = prev.exit_timestamp;
  state_.zoneadmd_pid = getpid();
  auto me = sys::proc_stat(getpid());
  if (me) state_.zoneadmd_start_time = me->start_time;
  save_state();
  ZK_TRYV(block_signals());
  cg_ = ZK_TRYC(cgroup::for_zone(spec_), "cgroup");
  if (auto self = fs::read_file("/proc/self/cgroup", 1 << 16)) origin_ = cg_->procs_files_of(*self);
  init_exe_ = open_zkinit();
  ZK_TRYV(open_console());
  ZK_TRYV(open_ctl());
  ZK_TRYVC(metadata_.open(metadata_config(spec_.zone_dir, paths_.dir, spec_.uuid, spec_.ids.host_base)),
           "metadata");
  start_keeper_now();
  save_state();  // the keeper's pid: whoever cleans up after us stops it
  return boot_zone();
}

// SIGCHLD and the stop signals arrive through a signalfd in the loop.
Result<void> Supervisor::block_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  sigfd_.reset(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!sigfd_) return sys_error("signalfd", "");
  return {};
}

// A zoneadmd whose zone runs and whose recorded zoneadmd died: the zone's
// processes, cgroup and network never stopped; take back the ptys and the
// metadata socket from the keeper, watch init through a pidfd (its exit
// status goes to the host's init now) and serve as if we had booted it.
Result<void> Supervisor::adopt() {
  lock_ = ZK_TRY(acquire_supervisor_lock(paths_.dir));
  spec_ = ZK_TRY(read_spec(paths_.dir));
  ZK_TRYV(validate_spec(spec_));
  state_ = ZK_TRY(read_state(paths_.dir));
  if (state_.state != "running" && state_.state != "shutting_down")
    return fail("adopt: the zone is not running (state " + state_.state + ")", ErrorKind::Busy);
  ZK_TRYV(block_signals());
  cg_ = ZK_TRYC(cgroup::for_zone(spec_), "cgroup");
  if (auto self = fs::read_file("/proc/self/cgroup", 1 << 16)) origin_ = cg_->procs_files_of(*self);
  // Our work for the zone is the zone's, as the dead zoneadmd's was.
  ZK_TRYVC(cg_->attach_supervisor(spec_.cgroup_path, getpid()), "cgroup");
  init_exe_ = open_zkinit();
  const MetadataConfig md = metadata_config(spec_.zone_dir, paths_.dir, spec_.uuid, spec_.ids.host_base);
  auto kept = fetch_kept_fds(paths_.keeper());
  std::string lost;
  if (kept) {
    master_ = std::move((*kept)[kConsoleMaster]);
    slave_ = std::move((*kept)[kConsoleSlave]);
    char name[128];
    if (ptsname_r(master_.get(), name, sizeof name) != 0) return sys_error("ptsname", "console");
    slave_path_ = name;
    fcntl(master_.get(), F_SETFL, fcntl(master_.get(), F_GETFL) | O_NONBLOCK);
    log_.reset(::open(paths_.console_log().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!log_) return sys_error("open", paths_.console_log());
    struct stat st;
    if (fstat(log_.get(), &st) == 0) log_size_ = static_cast<size_t>(st.st_size);
    ZK_TRYVC(metadata_.adopt(md, std::move((*kept)[kMetadataListen]), std::move((*kept)[kMetadataMaster]),
                             std::move((*kept)[kMetadataSlave])),
             "metadata");
    if (auto pidfd = UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, state_.keeper_pid, 0)));
        pidfd && sys::process_matches(state_.keeper_pid, state_.keeper_start_time)) {
      keeper_pid_ = state_.keeper_pid;
      keeper_pidfd_ = std::move(pidfd);
    } else {
      start_keeper_now();  // the socket answered, but not as the recorded keeper
    }
  } else {
    // The keeper died too: the zone's /dev/console and /dev/ttyS1 are hung
    // up until its next boot. The metadata socket comes back (a new one in
    // the directory bound into the zone).
    lost = " (keeper gone: " + kept.error().message() + "; console and /dev/ttyS1 lost until the next boot)";
    ZK_TRYV(open_console());
    ZK_TRYVC(metadata_.open(md), "metadata");
    start_keeper_now();
  }
  ZK_TRYV(open_ctl());
  state_.zoneadmd_pid = getpid();
  if (auto me = sys::proc_stat(getpid())) state_.zoneadmd_start_time = me->start_time;
  ++state_.adoptions;
  init_pidfd_ = UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, state_.init_pid, 0)));
  const bool init_alive = init_pidfd_ && sys::process_matches(state_.init_pid, state_.init_start_time);
  note_console("zoneadmd " + std::to_string(getpid()) + " adopted the running zone (init pid " +
               std::to_string(state_.init_pid) + ")" + lost);
  if (state_.state == "shutting_down") {
    // Its stop was under way: finish it, without knowing the grace asked for.
    stop_requested_ = true;
    kill_deadline_ = sys::mono_ms() + 10 * 1000;
  }
  if (!init_alive) {
    init_pidfd_.reset();
    init_pid_ = 0;
    on_init_exit(std::nullopt);
    return {};
  }
  init_pid_ = state_.init_pid;
  save_state();  // zoneadmd_pid is ours: wakes whoever started us
  return {};
}

// The keeper holds the ptys and the metadata socket (fd_keeper.hpp). Not
// fatal if it cannot start: the zone then only dies with us, as it did
// before keepers.
void Supervisor::start_keeper_now() {
  keeper_pidfd_.reset();
  keeper_pid_ = 0;
  std::vector<int> fds = {master_.get(), slave_.get()};
  for (int fd : metadata_.door_fds()) fds.push_back(fd);
  auto pid = start_keeper(paths_.keeper(), paths_.dir, fds);
  if (!pid) {
    note_console("no fd keeper: " + pid.error().message() + "; the zone will not outlive this zoneadmd");
    state_.keeper_pid = 0;
    return;
  }
  keeper_pid_ = *pid;
  keeper_pidfd_ = UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, *pid, 0)));
  state_.keeper_pid = *pid;
  auto st = sys::proc_stat(*pid);
  state_.keeper_start_time = st ? st->start_time : 0;
}

void Supervisor::stop_keeper() {
  if (keeper_pidfd_) {
    syscall(SYS_pidfd_send_signal, keeper_pidfd_.get(), SIGKILL, nullptr, 0);
    // Ours to reap when we started it; an adopted one goes to the host's init.
    waitpid(keeper_pid_, nullptr, 0);
  }
  keeper_pidfd_.reset();
  keeper_pid_ = 0;
  state_.keeper_pid = 0;
  state_.keeper_start_time = 0;
  ::unlink(paths_.keeper().c_str());
}

void Supervisor::on_keeper_exit() {
  waitpid(keeper_pid_, nullptr, WNOHANG);
  note_console("fd keeper " + std::to_string(keeper_pid_) + " died; starting another");
  start_keeper_now();
  save_state();
}

void Supervisor::signal_init(int sig) {
  if (init_pidfd_) syscall(SYS_pidfd_send_signal, init_pidfd_.get(), sig, nullptr, 0);
  else if (init_pid_ > 0) ::kill(init_pid_, sig);
}

Result<void> Supervisor::open_console() {
  master_.reset(posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master_) return sys_error("posix_openpt", "console");
  if (grantpt(master_.get()) < 0 || unlockpt(master_.get()) < 0)
    return sys_error("unlockpt", "console");
  char name[128];
  if (ptsname_r(master_.get(), name, sizeof name) != 0) return sys_error("ptsname", "console");
  slave_path_ = name;
  // zoneadmd keeps a slave open for its life so the master never sees a
  // hangup between boots.
  slave_.reset(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave_) return sys_error("open", slave_path_);
  // The zone's root must be able to open its /dev/console.
  if (fchown(slave_.get(), spec_.ids.host_base, spec_.ids.host_base + 5) < 0)
    return sys_error("chown", slave_path_);
  fchmod(slave_.get(), 0620);
  fcntl(master_.get(), F_SETFL, fcntl(master_.get(), F_GETFL) | O_NONBLOCK);
  log_.reset(::open(paths_.console_log().c_str(),
                    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!log_) return sys_error("open", paths_.console_log());
  struct stat st;
  if (fstat(log_.get(), &st) == 0) log_size_ = static_cast<size_t>(st.st_size);
  return {};
}

Result<void> Supervisor::open_ctl() {
  std::string path = paths_.ctl();
  ::unlink(path.c_str());
  ctl_.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!ctl_) return sys_error("socket", path);
  struct sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return fail("control socket path too long: " + path);
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  mode_t old = umask(077);
  int r = bind(ctl_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  umask(old);
  if (r < 0) return sys_error("bind", path);
  if (chmod(path.c_str(), 0600) < 0) return sys_error("chmod", path);
  if (listen(ctl_.get(), 16) < 0) return sys_error("listen", path);
  return {};
}

Result<pid_t> Supervisor::spawn_init(AttachWarmup& warmup) {
  auto prog = ZK_TRYC(seccomp::build_default(), "seccomp");
  (void)fs::replace_file(paths_.seccomp(), seccomp::to_bytes(prog), 0600);  // zlogin can build its own
  ChildConfig cfg;
  cfg.root = paths_.root();
  if (spec_.brand == "image") cfg.lower = image_lower_dir(spec_);
  cfg.hostname = spec_.hostname.empty() ? spec_.uuid.substr(0, 8) : spec_.hostname;
  cfg.domainname = spec_.dns_domain;
  HostFacts facts = probe_host_facts(slave_path_);
  facts.metadata_tty = metadata_.tty_path();
  facts.metadata_dir = metadata_.socket_dir();
  facts.native_sbin = native_sbin_dir();
  cfg.mounts = plan_mounts(spec_, facts);
  cfg.files = ZK_TRY(etc_files(spec_));
  cfg.argv = spec_.init_argv;
  cfg.env = init_env();
  cfg.seccomp = &prog;
  cfg.title = g_title;
  cfg.title_len = g_title_len;
  cfg.init_exe_fd = init_exe_.get();
  cfg.memlock_bytes = spec_.limits.locked_bytes;
  if (cg_->name() == "v2") {
    cfg.cgroup_views = {"cgroup2"};
  } else {
    // Each hierarchy's directory is named after its controllers.
    const std::string tail = "/" + spec_.cgroup_path;
    for (const auto& dir : cg_->dirs(spec_.cgroup_path)) {
      if (!dir.ends_with(tail)) continue;
      std::string h = dir.substr(0, dir.size() - tail.size());
      h = h.substr(h.rfind('/') + 1);
      if (!h.empty() && h.find_first_of("=:") == std::string::npos) cfg.cgroup_views.push_back(h);
    }
  }

  int sp[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
    return sys_error("socketpair", "");
  UniqueFd parent_end(sp[0]), child_end(sp[1]);
  cfg.sync_fd = child_end.get();

  // No CLONE_NEWCGROUP here: a cgroup namespace is rooted where its creator
  // stands, so the child unshares it once we have moved it into the zone's
  // cgroup (else the zone would see host cgroup paths).
  unsigned long flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
                        CLONE_NEWNET;
  // The zone's namespaces belong to the zone's own root uid, so what the
  // zone spends of per-user kernel counters is charged to it, never to
  // host root (see userns_owner.hpp).
  pid_t pid;
  int clone_errno = 0;
  {
    auto owner = ZK_TRYC(NamespaceOwner::become(spec_.ids.host_base), "user namespace owner");
    pid = static_cast<pid_t>(syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, 0));
    clone_errno = errno;
    if (pid == 0) {
      ::close(parent_end.release());  // else zoneadmd dying before Continue never wakes the child
      zone_child_main(cfg);           // never returns (the owner guard is the parent's)
    }
  }
  if (pid < 0) return sys_error("clone", "zone init", clone_errno);
  child_end.reset();
  fault::point("boot.after_clone");

  auto kill_child = [&](Error e) -> Result<pid_t> {
    ::kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return std::unexpected(std::move(e));
  };
  auto write_map = [&](const char* file, const std::string& text) -> Result<void> {
    std::string path = "/proc/" + std::to_string(pid) + "/" + file;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
      return sys_error("write", path);
    return {};
  };
  // One contiguous range, written by host root. setgroups stays "allow":
  // the "deny" rule protects negative-group ACLs from unprivileged mappers,
  // while here every gid the zone can hold is its own, and its login tools
  // need setgroups(2).
  std::string map = "0 " + std::to_string(spec_.ids.host_base) + " " +
                    std::to_string(spec_.ids.count) + "\n";
  if (auto r = write_map("uid_map", map); !r) return kill_child(r.error());
  if (auto r = write_map("gid_map", map); !r) return kill_child(r.error());
  if (auto r = setup_network_from_parent(spec_, pid); !r) return kill_child(r.error());

  UniqueFd image_tree;
  if (spec_.brand == "image") {
    auto tree = image_tree_for(spec_, pid);
    if (!tree) return kill_child(std::move(tree.error()).wrap("image"));
    image_tree = std::move(*tree);
  }
  // Continue: the child builds its root while the warm-up's grace period
  // runs out. It runs nothing of the zone's before Attached, sent once it
  // is in the zone's cgroup.
  ChildMsg go{ChildMsgType::Continue, ChildStep::WaitParent, 0, -1};
  if (send_with_fd(parent_end.get(), &go, sizeof go, image_tree.get()) != sizeof go)
    return kill_child(sys_error("send", "zone init").error());
  image_tree.reset();
  // The child's next verdict: Built (root ready, waiting for Attached),
  // Started (built-in init), exec (Exec announced, then its end closed by
  // execve), or an Error; nullopt on timeout. Its end closing without an
  // Exec announced means it died.
  bool attached_sent = false, exec_announced = false;
  auto verdict = [&](int timeout_ms) -> std::optional<Result<pid_t>> {
    for (;;) {
      struct pollfd pfd{parent_end.get(), POLLIN, 0};
      int pr;
      do pr = poll(&pfd, 1, timeout_ms); while (pr < 0 && errno == EINTR);
      if (pr == 0) return std::nullopt;
      ChildMsg reply{};
      ssize_t n = ::recv(parent_end.get(), &reply, sizeof reply, MSG_DONTWAIT);
      if (n == sizeof reply && reply.type == ChildMsgType::Exec && attached_sent && !exec_announced) {
        exec_announced = true;
        continue;
      }
      if (n == sizeof reply && reply.type == ChildMsgType::Built && !attached_sent) return pid;
      if ((n == 0 && exec_announced) || (n == sizeof reply && reply.type == ChildMsgType::Started)) return pid;
      if (n == sizeof reply && reply.type == ChildMsgType::Error) {
        std::string what = child_step_name(reply.step);
        if (reply.step == ChildStep::Mounts && reply.index >= 0 &&
            static_cast<size_t>(reply.index) < cfg.mounts.size())
          what = describe(cfg.mounts[static_cast<size_t>(reply.index)]);
        else if (reply.step == ChildStep::SeedEtc && reply.index >= 0 &&
                 static_cast<size_t>(reply.index) < cfg.files.size())
          what = "write " + cfg.files[static_cast<size_t>(reply.index)].path;
        else if (reply.step == ChildStep::Exec && !cfg.argv.empty())
          what = "exec " + cfg.argv[0];
        Error e;
        e.op = what;
        e.code = reply.err;
        return kill_child(std::move(e));
      }
      return kill_child(fail("zone init exited before reporting").error());
    }
  };
  warmup.wait();
  // We join the zone's supervisor leaf (what we do for the zone is then on
  // its CPU), after the warm-up: this move too finds the wait over.
  if (auto r = cg_->attach_supervisor(spec_.cgroup_path, getpid()); !r)
    return kill_child(std::move(r.error()).wrap("cgroup"));
  // The keeper too, started before the zone's cgroup existed: it then
  // outlives us inside the zone's node, where cleanup finds it.
  if (keeper_pid_ > 0) (void)cg_->attach_supervisor(spec_.cgroup_path, keeper_pid_);
  if (auto r = cg_->attach(spec_.cgroup_path, pid); !r) {
    // A child that failed building its root is gone: its report says why.
    if (auto v = verdict(0); v && !*v) return std::move(*v);
    return kill_child(std::move(r.error()).wrap("cgroup"));
  }
  auto built = verdict(kChildReplyTimeoutMs);
  if (!built) return kill_child(fail("zone init did not build its root within 30s").error());
  if (!*built) return std::move(*built);
  ChildMsg attached{ChildMsgType::Attached, ChildStep::WaitParent, 0, -1};
  // Not checked: a child that failed since has its report queued.
  (void)!::send(parent_end.get(), &attached, sizeof attached, MSG_NOSIGNAL);
  attached_sent = true;
  auto v = verdict(kChildReplyTimeoutMs);
  if (!v) return kill_child(fail("zone init did not start within 30s").error());
  return std::move(*v);
}

Result<void> Supervisor::boot_zone() {
  state_.network_clean = false;
  state_.init_pid = 0;
  state_.error.clear();
  set_state("ready");
  ZK_TRYVC(cg_->create(spec_.cgroup_path), "cgroup");
  // The first boot waits on the warm-up zoneadm boot started; reboots and
  // init restarts start their own, after the mkdir it would block.
  AttachWarmup warmup = attach_gate_ ? AttachWarmup::from_gate(std::move(attach_gate_))
                                     : AttachWarmup::start(cg_->own_procs_file());
  fault::point("boot.after_cgroup");
  ZK_TRYVC(cg_->apply(spec_.cgroup_path, spec_.limits), "cgroup");
  ZK_TRYVC(prepare_zone_dirs(spec_), "root");
  init_pid_ = ZK_TRY(spawn_init(warmup));
  state_.init_pid = init_pid_;
  auto st = sys::proc_stat(init_pid_);
  state_.init_start_time = st ? st->start_time : 0;
  state_.boot_timestamp = now_iso8601();
  state_.boot_ms = sys::mono_ms() - boot_started_ms_;
  set_state("running");
  note_console("zone booted: init pid " + std::to_string(init_pid_) + " in " + std::to_string(state_.boot_ms) +
               " ms" + (state_.restarts ? " (restart " + std::to_string(state_.restarts) + ")" : ""));
  start_provisioning();
  // Idle from here on, perhaps for months, beside a thousand others: give
  // the heap that booting used back to the kernel.
  malloc_trim(0);
  return {};
}

// root_authorized_keys and user-script, once per boot, in a child
// (metadata_provision.hpp); its result lands in provision.json.
void Supervisor::start_provisioning() {
  stop_provisioning();
  ::unlink((paths_.dir + "/provision.json").c_str());
  const auto& doc = metadata_.manifest().get();
  if (!doc.is_object()) return;
  ProvisionJob job;
  job.run_dir = paths_.dir;
  job.init_pid = init_pid_;
  job.zone_root = spec_.ids.host_base;
  job.console_fd = slave_.get();
  auto cm = doc.value("customer_metadata", nlohmann::json::object());
  if (cm.is_object() && cm.contains("root_authorized_keys")) {
    job.has_keys = true;
    job.keys = metadata_text(cm["root_authorized_keys"]);
  }
  if (cm.is_object() && cm.contains("user-script")) {
    job.has_script = true;
    job.script = metadata_text(cm["user-script"]);
  }
  provisioner_ = start_provisioner(job);
}

void Supervisor::stop_provisioning() {
  if (provisioner_ <= 0) return;
  ::kill(provisioner_, SIGKILL);
  waitpid(provisioner_, nullptr, 0);
  provisioner_ = 0;
}

void Supervisor::teardown(const char* final_state) {
  stop_provisioning();
  metadata_.reset_connections();
  if (cg_ && !spec_.cgroup_path.empty()) {
    (void)cg_->kill_all(spec_.cgroup_path);
    // cgroupfs: out of the supervisor leaf, then the node goes; systemd:
    // the scope ends with us (Driver::retire).
    (void)cg_->retire(origin_, spec_.cgroup_path, getpid());
    fault::point("halt.after_cgroup_removed");
  }
  stop_keeper();
  // The nics of our boot and those zoneadm update added live since (it
  // rewrites spec.json): every host veth either may still have.
  ZoneSpec net = spec_;
  if (auto now = read_spec(paths_.dir); now && now->uuid == spec_.uuid)
    for (const auto& nic : now->nics)
      if (std::none_of(net.nics.begin(), net.nics.end(), [&](const NicSpec& n) { return n.index == nic.index; }))
        net.nics.push_back(nic);
  state_.network_clean = teardown_network(net).has_value();
  ::unlink(paths_.ctl().c_str());
  if (metadata_.is_open()) (void)fs::remove_tree(metadata_.socket_dir());
  state_.init_pid = 0;
  note_console(std::string("zone ") + final_state);
  set_state(final_state);
  done_ = true;
}

void Supervisor::on_init_exit(std::optional<int> status) {
  init_pid_ = 0;
  init_pidfd_.reset();
  state_.init_pid = 0;
  if (status) {
    state_.exit_status = WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
    state_.exit_code = WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
    state_.exit_signal = WIFSIGNALED(*status) ? WTERMSIG(*status) : 0;
  } else {
    state_.exit_status = state_.exit_code = -1;
    state_.exit_signal = 0;
  }
  state_.exit_timestamp = now_iso8601();
  note_console(status ? exit_text(*status) : "init exited (status unknown: it was adopted, not our child)");
  kill_deadline_ = 0;
  if (!spec_.cgroup_path.empty()) (void)cg_->kill_all(spec_.cgroup_path);
  stop_provisioning();
  bool again = false;
  if (reboot_requested_) {
    reboot_requested_ = false;
    again = true;
  } else if (!stop_requested_ && spec_.restart_init) {
    int64_t now = sys::mono_ms();
    while (!restarts_.empty() && now - restarts_.front() > kRestartWindowSeconds * 1000)
      restarts_.pop_front();
    if (static_cast<int>(restarts_.size()) >= kMaxRestarts) {
      teardown("failed");
      state_.error = "init exited " + std::to_string(kMaxRestarts) + " times within " +
                     std::to_string(kRestartWindowSeconds) + "s; not restarting";
      note_console(state_.error);
      save_state();
      exit_code_ = 1;
      return;
    }
    restarts_.push_back(now);
    ++state_.restarts;
    note_console("restarting init (restart_init)");
    again = true;
  } else if (reboot_requested_ == false && !stop_requested_) {
    note_console("zone stopped: init exited and restart_init is false");
  }
  if (!again) {
    teardown("stopped");
    return;
  }
  boot_started_ms_ = sys::mono_ms();
  // Live nic changes (zoneadm update) rewrite spec.json: a reboot or an init
  // restart comes up with the zone's current nics, not the ones of our start.
  if (auto s = read_spec(paths_.dir); s && s->uuid == spec_.uuid) spec_.nics = std::move(s->nics);
  if (auto r = boot_zone(); !r) {
    std::string msg = "zone " + spec_.name + ": boot failed: " + r.error().message();
    note_console(msg);
    state_.error = msg;  // before teardown: "failed" is written once, with its reason
    teardown("failed");
    exit_code_ = 1;
  }
}

void Supervisor::on_sigchld() {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    if (pid == init_pid_ && !init_pidfd_) {
      on_init_exit(status);
    } else if (pid == provisioner_) {
      provisioner_ = 0;  // its result is in provision.json (zoneadm info reads it)
    } else {
      (void)metadata_.on_child_exit(pid, status);
    }
  }
}

void Supervisor::request_halt() {
  stop_requested_ = true;
  note_console("halt requested");
  if (!init_pid_) {
    teardown("stopped");
    return;
  }
  set_state("shutting_down");
  signal_init(SIGKILL);
  fault::point("halt.after_kill");
}

void Supervisor::request_shutdown(int secs) {
  stop_requested_ = true;
  note_console("shutdown requested: SIGTERM to init, halt after " + std::to_string(secs) + " s");
  if (!init_pid_) {
    teardown("stopped");
    return;
  }
  set_state("shutting_down");
  signal_init(SIGTERM);
  signal_init(SIGPWR);
  kill_deadline_ = sys::mono_ms() + static_cast<int64_t>(secs) * 1000;
}

void Supervisor::request_reboot() {
  if (!init_pid_) return;
  note_console("reboot requested");
  reboot_requested_ = true;
  set_state("shutting_down");
  signal_init(SIGKILL);
}

std::string Supervisor::handle_command(Client& c, const std::string& line) {
  auto req = parse_ctl_request(line);
  if (!req) return "ERR " + req.error().message() + "\n";
  switch (req->command) {
    case CtlCommand::Status:
      return "OK " + state_.state + " " + std::to_string(init_pid_) + "\n";
    case CtlCommand::Halt:
      request_halt();
      return "OK\n";
    case CtlCommand::Shutdown:
      request_shutdown(req->grace_seconds);
      return "OK\n";
    case CtlCommand::Reboot:
      if (!init_pid_) return "ERR zone is not running\n";
      request_reboot();
      return "OK\n";
    case CtlCommand::Console:
      c.console = true;
      return "OK\n";
  }
  return "ERR internal\n";
}

void Supervisor::handle_client_input(Client& c) {
  char buf[4096];
  ssize_t n = ::read(c.fd.get(), buf, sizeof buf);
  if (n <= 0) {
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    c.fd.reset();
    return;
  }
  if (c.console) {
    (void)!::write(master_.get(), buf, static_cast<size_t>(n));
    return;
  }
  c.in.append(buf, static_cast<size_t>(n));
  if (c.in.size() > 4096) {
    c.fd.reset();
    return;
  }
  size_t nl;
  while (!c.console && (nl = c.in.find('\n')) != std::string::npos) {
    std::string line = c.in.substr(0, nl);
    c.in.erase(0, nl + 1);
    std::string reply = handle_command(c, line);
    (void)!::send(c.fd.get(), reply.data(), reply.size(), MSG_NOSIGNAL);
  }
  if (c.console && !c.in.empty()) {
    (void)!::write(master_.get(), c.in.data(), c.in.size());
    c.in.clear();
  }
}

void Supervisor::note_console(const std::string& msg) {
  std::string line = (log_at_line_start_ ? "" : "\n") + ("[zonekit " + now_iso8601() + "] ") + msg + "\n";
  log_console(line.data(), line.size());
}

void Supervisor::log_console(const char* data, size_t n) {
  if (!log_ || n == 0) return;
  log_at_line_start_ = data[n - 1] == '\n';
  if (log_size_ + n > spec_.console_log_max) {
    std::string old = paths_.console_log() + ".0";
    ::rename(paths_.console_log().c_str(), old.c_str());
    log_.reset(::open(paths_.console_log().c_str(),
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
    log_size_ = 0;
    if (!log_) return;
  }
  if (::write(log_.get(), data, n) > 0) log_size_ += n;
}

void Supervisor::pump_console() {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(master_.get(), buf, sizeof buf);
    if (n <= 0) return;
    log_console(buf, static_cast<size_t>(n));
    for (auto& c : clients_)
      if (c->console && c->fd) (void)!::send(c->fd.get(), buf, static_cast<size_t>(n), MSG_NOSIGNAL | MSG_DONTWAIT);
  }
}

Result<void> Supervisor::loop() {
  while (!done_) {
    std::vector<struct pollfd> pfds;
    pfds.push_back({sigfd_.get(), POLLIN, 0});
    pfds.push_back({ctl_.get(), POLLIN, 0});
    pfds.push_back({master_.get(), POLLIN, 0});
    pfds.push_back({init_pidfd_.get(), POLLIN, 0});  // -1 (ignored) unless adopted
    pfds.push_back({keeper_pidfd_.get(), POLLIN, 0});
    constexpr size_t kFirstClient = 5;
    for (auto& c : clients_) pfds.push_back({c->fd.get(), POLLIN, 0});
    const size_t clients_end = pfds.size();
    int64_t now = sys::mono_ms();
    metadata_.add_pollfds(pfds, now);
    int timeout = -1;
    if (kill_deadline_) timeout = static_cast<int>(std::max<int64_t>(0, kill_deadline_ - now));
    if (int md = metadata_.timeout_ms(now); md >= 0 && (timeout < 0 || md < timeout)) timeout = md;
    int r = poll(pfds.data(), pfds.size(), timeout);
    if (r < 0 && errno != EINTR) return sys_error("poll", "");
    if (kill_deadline_ && sys::mono_ms() >= kill_deadline_) {
      kill_deadline_ = 0;
      signal_init(SIGKILL);
    }
    if (r < 0) continue;
    // Metadata first: its timers run even when poll only timed out.
    metadata_.on_poll(pfds, sys::mono_ms());
    if (r == 0) continue;
    if (pfds[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      bool chld = false;
      while (::read(sigfd_.get(), &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGCHLD) chld = true;
        else request_halt();  // SIGTERM/SIGINT/SIGHUP to zoneadmd = halt
      }
      if (chld) on_sigchld();
      if (done_) break;
    }
    if (pfds[2].revents & POLLIN) pump_console();
    if (pfds[3].fd >= 0 && pfds[3].fd == init_pidfd_.get() && (pfds[3].revents & POLLIN)) {
      on_init_exit(std::nullopt);
      if (done_) break;
    }
    if (pfds[4].fd >= 0 && pfds[4].fd == keeper_pidfd_.get() && (pfds[4].revents & POLLIN)) on_keeper_exit();
    for (size_t i = 0; i < clients_.size() && kFirstClient + i < clients_end; ++i)
      if (pfds[kFirstClient + i].revents & (POLLIN | POLLHUP | POLLERR)) handle_client_input(*clients_[i]);
    if (done_) break;
    std::erase_if(clients_, [](const auto& c) { return !c->fd; });
    if (pfds[1].revents & POLLIN) {
      int fd;
      while ((fd = accept4(ctl_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
        auto c = std::make_unique<Client>();
        c->fd.reset(fd);
        struct ucred cred{};
        socklen_t len = sizeof cred;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0) {
          const char msg[] = "ERR permission denied\n";
          (void)!::send(fd, msg, sizeof msg - 1, MSG_NOSIGNAL);
          continue;
        }
        clients_.push_back(std::move(c));
      }
    }
  }
  return {};
}

}  // namespace

void set_title_area(char* start, size_t len) {
  g_title = start;
  g_title_len = len;
}

int run_supervisor(const std::string& run_dir, SupervisorFds fds, std::string& err_out) {
  const bool adopt = fds.adopt;
  Supervisor sup(run_dir, std::move(fds));
  auto started = adopt ? sup.adopt() : sup.start();
  if (!started) {
    if (adopt) {
      // Leave a zone we could not adopt as it was: still running, with its
      // state naming the dead zoneadmd (the next command tries again).
      err_out = "adopt failed: " + started.error().message();
      (void)fs::replace_file(RunPaths{run_dir}.adopt_error(), err_out, 0600);
      return 1;
    }
    if (started.error().kind == ErrorKind::Busy) {
      err_out = started.error().message();
      return 1;  // the zone is someone else's: leave its state alone
    }
    err_out = "boot failed: " + started.error().message();
    sup.record_failure(err_out);
    return 1;
  }
  if (auto r = sup.loop(); !r) {
    err_out = r.error().message();
    return 1;
  }
  return sup.exit_code();
}

}  // namespace zonekit::runtime
