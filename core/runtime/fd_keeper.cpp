#include "core/runtime/fd_keeper.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace zonekit::runtime {

namespace {

constexpr char kMagic[8] = {'Z', 'K', 'K', 'E', 'E', 'P', '1', '\n'};
constexpr int kListenFd = 3;
constexpr int kFirstKeptFd = 4;

Result<sockaddr_un> unix_addr(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return fail("keeper socket path too long: " + path);
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

}  // namespace

Result<pid_t> start_keeper(const std::string& sock_path, const std::string& run_dir, const std::vector<int>& fds) {
  if (fds.size() != kKeptFdCount) return fail("keeper: wrong number of fds");
  auto addr = ZK_TRY(unix_addr(sock_path));
  UniqueFd listen_fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listen_fd) return sys_error("socket", sock_path);
  ::unlink(sock_path.c_str());
  mode_t old = umask(077);
  int r = bind(listen_fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  umask(old);
  if (r < 0) return sys_error("bind", sock_path);
  if (chmod(sock_path.c_str(), 0600) < 0) return sys_error("chmod", sock_path);
  if (listen(listen_fd.get(), 4) < 0) return sys_error("listen", sock_path);
  pid_t pid = fork();
  if (pid < 0) return sys_error("fork", "keeper");
  if (pid == 0) {
    // Move everything above the target range first, so that placing one fd
    // cannot clobber another, then exec a fresh image: a forked zoneadmd
    // would keep a copy of every heap page its parent later changes.
    int high[kKeptFdCount + 1];
    high[0] = fcntl(listen_fd.get(), F_DUPFD, 64);
    for (int i = 0; i < kKeptFdCount; ++i) high[i + 1] = fcntl(fds[static_cast<size_t>(i)], F_DUPFD, 64);
    for (int i = 0; i <= kKeptFdCount; ++i)
      if (high[i] < 0 || dup2(high[i], kListenFd + i) < 0) _exit(127);
    syscall(SYS_close_range, static_cast<unsigned>(kListenFd + kKeptFdCount + 1), ~0U, 0U);
    execl("/proc/self/exe", "zoneadmd", kKeeperFlag, "--run-dir", run_dir.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

Result<std::vector<UniqueFd>> fetch_kept_fds(const std::string& sock_path) {
  auto addr = ZK_TRY(unix_addr(sock_path));
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return sys_error("socket", sock_path);
  struct timeval tv{5, 0};  // a stopped keeper must not hang the adoption
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    return sys_error("connect", sock_path);
  char magic[sizeof kMagic];
  char ctrl[CMSG_SPACE(sizeof(int) * kKeptFdCount)]{};
  struct iovec iov{magic, sizeof magic};
  struct msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctrl;
  msg.msg_controllen = sizeof ctrl;
  ssize_t n;
  do n = recvmsg(fd.get(), &msg, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  if (n < 0) return sys_error("recvmsg", sock_path);
  std::vector<UniqueFd> out;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int k;
      memcpy(&k, CMSG_DATA(c) + i * sizeof(int), sizeof k);
      out.emplace_back(k);
    }
  }
  if (n != sizeof kMagic || memcmp(magic, kMagic, sizeof kMagic) != 0 || (msg.msg_flags & MSG_CTRUNC) ||
      out.size() != kKeptFdCount)
    return fail("keeper " + sock_path + ": malformed reply");
  return out;
}

void keeper_main() {
  // Nothing of the caller's session: a signal to zoneadmd's process group
  // or session must not reach the keeper.
  setsid();
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, nullptr);
  prctl(PR_SET_NAME, "zoneadmd-keeper");
  if (chdir("/") < 0) _exit(1);
  int fds[kKeptFdCount];
  for (int i = 0; i < kKeptFdCount; ++i) fds[i] = kFirstKeptFd + i;
  for (;;) {
    int c = accept4(kListenFd, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) {
      if (errno == EBADF || errno == EINVAL || errno == ENOTSOCK) _exit(1);
      continue;
    }
    struct ucred cred{};
    socklen_t len = sizeof cred;
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == 0) {
      char ctrl[CMSG_SPACE(sizeof fds)]{};
      struct iovec iov{const_cast<char*>(kMagic), sizeof kMagic};
      struct msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = ctrl;
      msg.msg_controllen = sizeof ctrl;
      struct cmsghdr* cm = CMSG_FIRSTHDR(&msg);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN(sizeof fds);
      memcpy(CMSG_DATA(cm), fds, sizeof fds);
      (void)sendmsg(c, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    ::close(c);
  }
}

}  // namespace zonekit::runtime
