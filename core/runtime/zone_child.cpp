#include "core/runtime/zone_child.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <grp.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/net/zone_files.hpp"
#include "core/runtime/caps.hpp"
#include "core/runtime/init_loop.hpp"
#include "core/runtime/mount_apply.hpp"
#include "core/runtime/run_dir.hpp"
#include "core/sys/fault.hpp"

namespace zonekit::runtime {

const char* child_step_name(ChildStep step) {
  switch (step) {
    case ChildStep::WaitParent: return "wait for parent";
    case ChildStep::AttachImage: return "attach image";
    case ChildStep::SetIds: return "set ids";
    case ChildStep::CgroupNs: return "unshare cgroup namespace";
    case ChildStep::Hostname: return "set hostname";
    case ChildStep::MountPrivate: return "make mounts private";
    case ChildStep::Mounts: return "build root";
    case ChildStep::Pivot: return "pivot_root";
    case ChildStep::SeedEtc: return "write /etc";
    case ChildStep::Rlimits: return "set rlimits";
    case ChildStep::Fds: return "set up console fds";
    case ChildStep::Session: return "set controlling tty";
    case ChildStep::Caps: return "drop capabilities";
    case ChildStep::Seccomp: return "load seccomp filter";
    case ChildStep::Exec: return "exec init";
  }
  return "?";
}

Result<std::vector<FileSeed>> etc_files(const ZoneSpec& spec) {
  std::vector<FileSeed> f;
  f.push_back({"/etc/hostname", spec.hostname + "\n", true});
  // The network files come from core/net, which validates every value that
  // ends up in them (a hostile manifest cannot add lines).
  std::string hosts = ZK_TRYC(net::hosts_file(spec), "/etc/hosts");
  if (hosts.find("\t" + spec.hostname) == std::string::npos && !spec.hostname.empty()) {
    // No address of its own: the Debian convention lets the name resolve.
    std::string fqdn = spec.dns_domain.empty() ? spec.hostname : spec.hostname + "." + spec.dns_domain;
    hosts += "127.0.1.1\t" + (fqdn == spec.hostname ? fqdn : fqdn + " " + spec.hostname) + "\n";
  }
  f.push_back({"/etc/hosts", hosts, true});
  // Not inside the braced list: an early return from the ZK_TRYC statement
  // expression would leak the temporaries already built there.
  std::string resolv = ZK_TRYC(net::resolv_conf(spec), "/etc/resolv.conf");
  f.push_back({"/etc/resolv.conf", resolv, true});
  f.push_back({"/etc/passwd",
               "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
               false});
  f.push_back({"/etc/group", "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n", false});
  f.push_back({"/etc/nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n",
               false});
  // The shared /usr's libraries, as the host's ldconfig last indexed them.
  if (spec.brand != "image") {
    int fd = ::open("/etc/ld.so.cache", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
      std::string cache;
      char buf[65536];
      ssize_t n;
      while (cache.size() < (8u << 20) && (n = ::read(fd, buf, sizeof buf)) > 0)
        cache.append(buf, static_cast<size_t>(n));
      ::close(fd);
      if (!cache.empty() && cache.size() < (8u << 20)) f.push_back({"/etc/ld.so.cache", cache, true});
    }
  }
  return f;
}

std::vector<std::string> init_env() {
  return {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
          "TERM=vt220", "container=zonekit"};
}

namespace {

[[noreturn]] void child_fail(int sync_fd, ChildStep step, int err, int index = -1) {
  ChildMsg m{ChildMsgType::Error, step, err, index};
  (void)!::send(sync_fd, &m, sizeof m, MSG_NOSIGNAL);
  _exit(kChildFailExit);
}

int write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    off += static_cast<size_t>(n);
  }
  return 0;
}

// The zone's disk (or its quota) is full. Seeding must not fail a boot for
// a few bytes: what cannot be written is left out.
bool no_space(int err) { return err == ENOSPC || err == EDQUOT; }

// The seeds below run after pivot_root as the zone's root, with nothing
// else running in the zone: a symlink planted by the zone can only point
// inside the zone.

// A seed kept on the zone's disk (regenerate false): written only when
// absent. Left out, to be tried at the next boot, when the disk is full: a
// partly written file is removed, never kept.
int seed_file(const FileSeed& f) {
  int fd = ::open(f.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EEXIST) {
    // Seeds are not fsynced (a boot must not pay for it): a host crash
    // right after the first boot can leave one empty, and an empty passwd
    // or group is never what a zone wants. Seeded again, in place.
    struct stat st;
    if (::lstat(f.path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0 && !f.content.empty())
      fd = ::open(f.path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return 0;
  }
  if (fd < 0) return no_space(errno) ? 0 : -errno;
  int r = write_all(fd, f.content);
  ::close(fd);
  if (r < 0) ::unlink(f.path.c_str());
  return no_space(-r) ? 0 : r;
}

// Per-boot seeds (regenerate true: hostname, hosts, resolv.conf,
// ld.so.cache) live on a small tmpfs of their own, each mounted on its
// name in /etc, as Docker does: they take no block and no inode of the
// zone's disk, so a zone that filled its disk still boots; the zone may
// edit them (within the tmpfs' size) until the next boot writes them
// anew; they cannot be renamed over or removed while mounted. The tmpfs is
// mounted on a directory of the zone's fresh /run only while the files
// are bound, and its memory is the zone's.
constexpr const char* kSeedDir = "/run/.zonekit-etc";

int mount_seed(const FileSeed& f) {
  std::string src = std::string(kSeedDir) + f.path.substr(f.path.rfind('/'));
  int fd = ::open(src.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return -errno;
  int r = write_all(fd, f.content);
  ::close(fd);
  if (r < 0) return r;
  // The mount point: a regular file, used as it is (never opened for
  // writing: an image's file is not copied up). Whatever else the zone
  // left there (a symlink, an empty directory) is replaced, as the old
  // rewrite did.
  struct stat st;
  bool have = ::lstat(f.path.c_str(), &st) == 0;
  if (have && !S_ISREG(st.st_mode)) {
    if (::unlink(f.path.c_str()) < 0 && !(errno == EISDIR && ::rmdir(f.path.c_str()) == 0)) return -errno;
    have = false;
  }
  if (!have) {
    int t = ::open(f.path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (t < 0) return no_space(errno) ? 0 : -errno;  // no inode for a mount point: left out
    ::close(t);
  }
  return ::mount(src.c_str(), f.path.c_str(), nullptr, MS_BIND, nullptr) < 0 ? -errno : 0;
}

// 0, or -errno with *failed the index of the seed (-1: the tmpfs).
int mount_seeds(const std::vector<FileSeed>& files, int* failed) {
  size_t bytes = 1 << 20, count = 0;  // 1 MiB for the zone's edits
  for (const auto& f : files)
    if (f.regenerate) {
      bytes += (f.content.size() + 4095) & ~size_t{4095};
      ++count;
    }
  if (count == 0) return 0;
  *failed = -1;
  if (::mkdir(kSeedDir, 0700) < 0) return -errno;
  char data[96];
  snprintf(data, sizeof data, "size=%zu,nr_inodes=%zu,mode=0700", bytes, count + 8);
  if (::mount("zkseed", kSeedDir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, data) < 0) {
    int e = errno;
    ::rmdir(kSeedDir);
    return -e;
  }
  int r = 0;
  for (size_t i = 0; i < files.size() && r == 0; ++i) {
    if (!files[i].regenerate) continue;
    r = mount_seed(files[i]);
    if (r < 0) *failed = static_cast<int>(i);
  }
  // The files' own mounts keep the tmpfs; the zone sees nothing in /run.
  if (::umount2(kSeedDir, MNT_DETACH) < 0 && r == 0) r = -errno;
  ::rmdir(kSeedDir);
  return r;
}

// Best effort: a kernel that refuses a cgroup mount in a user namespace
// leaves /sys/fs/cgroup empty, and the zone boots all the same.
void mount_cgroup_views(const std::vector<std::string>& views) {
  constexpr unsigned long ro = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  auto mount = [](const char* src, const char* dst, const char* type, unsigned long flags, const char* data) {
    return syscall(SYS_mount, src, dst, type, flags, data);
  };
  if (views.empty()) return;
  if (views.size() == 1 && views[0] == "cgroup2") {
    (void)mount("cgroup2", "/sys/fs/cgroup", "cgroup2", ro, nullptr);
    return;
  }
  if (mount("cgroup", "/sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=64k") < 0)
    return;
  for (const auto& opts : views) {
    std::string dir = "/sys/fs/cgroup/" + opts;
    if (::mkdir(dir.c_str(), 0755) < 0) continue;
    if (mount("cgroup", dir.c_str(), "cgroup", ro, opts.c_str()) < 0) ::rmdir(dir.c_str());
  }
  (void)mount(nullptr, "/sys/fs/cgroup", nullptr, MS_REMOUNT | MS_BIND | ro, nullptr);
}

void reset_signals() {
  struct sigaction sa{};
  sa.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; ++s) sigaction(s, &sa, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

}  // namespace

void zone_child_main(ChildConfig& cfg) {
  int sync = cfg.sync_fd;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  close_supervisor_lock_in_child();
  // Continue, with the image's id-shifted tree attached for the image brand.
  ChildMsg go{};
  char ctrl[CMSG_SPACE(sizeof(int))]{};
  struct iovec iov{&go, sizeof go};
  struct msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctrl;
  msg.msg_controllen = sizeof ctrl;
  ssize_t n;
  do n = ::recvmsg(sync, &msg, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  if (n != sizeof go || go.type != ChildMsgType::Continue) _exit(kChildFailExit);  // parent gone
  int image_tree = -1;
  if (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c && c->cmsg_type == SCM_RIGHTS)
    memcpy(&image_tree, CMSG_DATA(c), sizeof image_tree);

  if (setresgid(0, 0, 0) < 0) child_fail(sync, ChildStep::SetIds, errno);
  if (setgroups(0, nullptr) < 0) child_fail(sync, ChildStep::SetIds, errno);
  if (setresuid(0, 0, 0) < 0) child_fail(sync, ChildStep::SetIds, errno);
  // Changing ids cleared the parent-death signal: set it again, then make
  // sure the parent did not die in between (it holds the sync socket open).
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  struct pollfd pfd{sync, POLLRDHUP, 0};
  if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLRDHUP))) _exit(kChildFailExit);

  // RLIMIT_MEMLOCK = max_locked_memory, never above what we hold: the
  // child lowers its own limit (the parent could only with
  // CAP_SYS_RESOURCE, which hosts may withhold, now that the child's
  // effective uid differs from ours).
  if (cfg.memlock_bytes > 0) {
    struct rlimit lim{};
    if (getrlimit(RLIMIT_MEMLOCK, &lim) < 0) child_fail(sync, ChildStep::Rlimits, errno);
    lim.rlim_max = std::min<rlim_t>(lim.rlim_max, cfg.memlock_bytes);
    lim.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_MEMLOCK, &lim) < 0) child_fail(sync, ChildStep::Rlimits, errno);
  }
  if (sethostname(cfg.hostname.data(), cfg.hostname.size()) < 0)
    child_fail(sync, ChildStep::Hostname, errno);
  if (setdomainname(cfg.domainname.data(), cfg.domainname.size()) < 0)
    child_fail(sync, ChildStep::Hostname, errno);

  sys::LinuxMountSyscalls msys;
  if (int r = msys.make_rprivate("/"); r < 0) child_fail(sync, ChildStep::MountPrivate, -r);
  if (!cfg.lower.empty()) {
    if (image_tree < 0) child_fail(sync, ChildStep::AttachImage, EBADF);
    if (syscall(SYS_move_mount, image_tree, "", AT_FDCWD, cfg.lower.c_str(),
                MOVE_MOUNT_F_EMPTY_PATH) < 0)
      child_fail(sync, ChildStep::AttachImage, errno);
    ::close(image_tree);
  }
  int failed = -1;
  if (int r = apply_mounts(cfg.mounts, cfg.root, msys, &failed); r < 0)
    child_fail(sync, ChildStep::Mounts, -r, failed);
  if (int r = msys.pivot(cfg.root.c_str()); r < 0) child_fail(sync, ChildStep::Pivot, -r);
  fault::point("boot.after_pivot");

  // Everything from here on happens in the zone's cgroup, once the parent
  // has put us there: root the cgroup namespace at it first.
  ChildMsg built{ChildMsgType::Built, ChildStep::Pivot, 0, -1};
  if (::send(sync, &built, sizeof built, MSG_NOSIGNAL) != sizeof built) _exit(kChildFailExit);
  ChildMsg attached{};
  do n = ::recv(sync, &attached, sizeof attached, 0); while (n < 0 && errno == EINTR);
  if (n != sizeof attached || attached.type != ChildMsgType::Attached) _exit(kChildFailExit);  // parent gone
  if (unshare(CLONE_NEWCGROUP) < 0) child_fail(sync, ChildStep::CgroupNs, errno);
  mount_cgroup_views(cfg.cgroup_views);

  umask(022);
  for (size_t i = 0; i < cfg.files.size(); ++i)
    if (!cfg.files[i].regenerate)
      if (int r = seed_file(cfg.files[i]); r < 0) child_fail(sync, ChildStep::SeedEtc, -r, static_cast<int>(i));
  int failed_seed = -1;
  if (int r = mount_seeds(cfg.files, &failed_seed); r < 0) child_fail(sync, ChildStep::SeedEtc, -r, failed_seed);

  // stdio = console; the sync socket moves to fd 3 (close-on-exec, so a
  // successful execve reads as EOF in the parent); zkinit, for the
  // built-in init, to fd 4; nothing else survives.
  bool builtin = cfg.argv.empty();
  int init_exe = builtin && cfg.init_exe_fd >= 0 ? fcntl(cfg.init_exe_fd, F_DUPFD_CLOEXEC, 10) : -1;
  if (setsid() < 0) child_fail(sync, ChildStep::Session, errno);
  // Opened here, through the zone's own /dev/console (zoneadmd's pty bound
  // there): the zone gets no open file of the host's, and its
  // /proc/1/fd/0 names /dev/console, not the host's /dev/pts/N.
  int console = ::open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (console < 0) child_fail(sync, ChildStep::Fds, errno);
  for (int fd = 0; fd < 3; ++fd)
    if (dup2(console, fd) < 0) child_fail(sync, ChildStep::Fds, errno);
  if (sync != 3) {
    if (dup3(sync, 3, O_CLOEXEC) < 0) child_fail(sync, ChildStep::Fds, errno);
    sync = 3;
  }
  if (init_exe >= 0) {
    if (dup3(init_exe, 4, O_CLOEXEC) < 0) child_fail(sync, ChildStep::Fds, errno);
    init_exe = 4;
  }
  if (syscall(SYS_close_range, init_exe >= 0 ? 5U : 4U, ~0U, 0U) < 0) child_fail(sync, ChildStep::Fds, errno);
  if (ioctl(0, TIOCSCTTY, 0) < 0) child_fail(sync, ChildStep::Session, errno);
  if (chdir("/") < 0) child_fail(sync, ChildStep::Pivot, errno);
  reset_signals();

  // Until (and unless) zkinit replaces it, the built-in init is zoneadmd's
  // image: make it non-dumpable so the zone cannot ptrace it or open
  // /proc/1/{exe,mem,environ} (the owning user namespace of its mm is the
  // host's). zkinit makes itself non-dumpable again after the exec.
  if (builtin) {
    prctl(PR_SET_DUMPABLE, 0);
    if (cfg.title && cfg.title_len > 0) {
      memset(cfg.title, 0, cfg.title_len);
      strncpy(cfg.title, "init", cfg.title_len - 1);
    }
    prctl(PR_SET_NAME, "init");
  }
  // From here on the zone outlives its zoneadmd: a new one adopts it
  // (fd_keeper.hpp). Had zoneadmd died before this, the boot was unfinished
  // and the parent-death signal ended it. Cleared before seccomp, which
  // need not allow prctl.
  prctl(PR_SET_PDEATHSIG, 0);
  if (int r = caps::apply_in_child(); r < 0) child_fail(sync, ChildStep::Caps, -r);
  if (cfg.seccomp)
    if (int r = seccomp::load(*cfg.seccomp); r < 0) child_fail(sync, ChildStep::Seccomp, -r);

  if (builtin) {
    ChildMsg m{ChildMsgType::Started, ChildStep::Exec, 0, -1};
    (void)!::send(sync, &m, sizeof m, MSG_NOSIGNAL);
    ::close(sync);
    if (init_exe >= 0) {
      std::vector<char*> env;
      for (auto& e : cfg.env) env.push_back(e.data());
      env.push_back(nullptr);
      char name[] = "init";
      char* argv[] = {name, nullptr};
      syscall(SYS_execveat, init_exe, "", argv, env.data(), AT_EMPTY_PATH);
      ::close(init_exe);  // nothing of the host's stays open in the zone
    }
    reap_until_stopped();  // without zkinit (or if it could not run)
  }
  std::vector<char*> argv, envp;
  for (auto& a : cfg.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : cfg.env) envp.push_back(e.data());
  envp.push_back(nullptr);
  ChildMsg exec_msg{ChildMsgType::Exec, ChildStep::Exec, 0, -1};
  if (::send(sync, &exec_msg, sizeof exec_msg, MSG_NOSIGNAL) != sizeof exec_msg) _exit(kChildFailExit);
  execve(argv[0], argv.data(), envp.data());
  child_fail(sync, ChildStep::Exec, errno);
}

}  // namespace zonekit::runtime
