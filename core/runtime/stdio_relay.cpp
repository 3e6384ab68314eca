#include "core/runtime/stdio_relay.hpp"

#include <fcntl.h>
#include <linux/kcmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

namespace zonekit::runtime {

namespace {

constexpr size_t kSpliceChunk = 1 << 20;
// Moves per wake-up when src never blocks, so one busy stream cannot
// starve the others.
constexpr int kRoundsPerStep = 16;

int64_t now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

void set_nonblock(int fd) {
  if (fd < 0) return;
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0 && !(fl & O_NONBLOCK)) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

// A read from fd cannot wait: a regular file, a block device, or O_NONBLOCK.
bool never_blocks(int fd) {
  struct stat st;
  if (fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) return true;
  int fl = fcntl(fd, F_GETFL);
  return fl >= 0 && (fl & O_NONBLOCK);
}

}  // namespace

void sanitize_stdio() {
  for (int fd = 0; fd < 3; ++fd) {
    if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    int null = ::open("/dev/null", O_RDWR);  // the lowest free fd: this one
    if (null >= 0 && null != fd) {
      dup2(null, fd);
      ::close(null);
    }
  }
}

bool same_open_file(int a, int b) {
  pid_t self = getpid();
  return syscall(SYS_kcmp, self, self, KCMP_FILE, a, b) == 0;
}

// --- Pump ----------------------------------------------------------------

struct pollfd Pump::wanted() const {
  if (!active()) return {-1, 0, 0};
  return wait_dst_ ? pollfd{dst_, POLLOUT, 0} : pollfd{src_, POLLIN, 0};
}

bool Pump::finish(bool src_ended) {
  done_ = true;
  src_ended_ = src_ended;
  return false;
}

bool Pump::flush() {
  while (off_ < len_) {
    ssize_t n = ::write(dst_, buf_.get() + off_, len_ - off_);
    if (n > 0) {
      off_ += static_cast<size_t>(n);
      moved_ += static_cast<uint64_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      wait_dst_ = true;
      return false;
    } else {
      return finish(false);
    }
  }
  off_ = len_ = 0;
  return true;
}

bool Pump::step_splice() {
  ssize_t n = splice(src_, nullptr, dst_, nullptr, kSpliceChunk, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
  if (n > 0) {
    moved_ += static_cast<uint64_t>(n);
    return true;
  }
  if (n == 0) return finish(true);
  switch (errno) {
    case EINTR:
      return true;
    case EAGAIN: {
      // src empty, or a pipe dst full: wait for the one that is not ready.
      struct pollfd p{dst_, POLLOUT, 0};
      wait_dst_ = poll(&p, 1, 0) == 0;
      return false;
    }
    case EINVAL:  // neither side a pipe, an O_APPEND file, a tty ...
    case ENOSYS:
    case EOPNOTSUPP:
      splice_ok_ = false;
      return true;
    default:
      return finish(errno != EPIPE);
  }
}

bool Pump::step_copy() {
  if (!buf_) buf_ = std::make_unique<char[]>(kBuffer);
  ssize_t n = ::read(src_, buf_.get(), kBuffer);
  if (n > 0) {
    off_ = 0;
    len_ = static_cast<size_t>(n);
    return flush();
  }
  if (n == 0) return finish(true);
  if (errno == EINTR) return true;
  if (errno == EAGAIN) return false;
  return finish(true);  // EIO: a hung-up terminal
}

bool Pump::step() {
  if (!active()) return false;
  wait_dst_ = false;
  if (off_ < len_ && !flush()) return !done_;
  // One move per wake-up from a src that may block: the next read could
  // wait for input that never comes.
  if (src_may_block_ < 0) src_may_block_ = !never_blocks(src_);
  const int rounds = src_may_block_ ? 1 : kRoundsPerStep;
  for (int i = 0; i < rounds && active(); ++i)
    if (!(splice_ok_ ? step_splice() : step_copy())) break;
  return !done_;
}

void Pump::stop() { done_ = true; }

// --- EscapeScanner ---------------------------------------------------------

bool EscapeScanner::feed(const char* data, size_t n, std::string& out) {
  for (size_t i = 0; i < n; ++i) {
    char c = data[i];
    if (tilde_) {
      tilde_ = false;
      if (c == '.') return true;
      if (c != '~') out += '~';
    } else if (at_line_start_ && c == '~') {
      tilde_ = true;
      at_line_start_ = false;
      continue;
    }
    out += c;
    at_line_start_ = c == '\r' || c == '\n';
  }
  return false;
}

// --- relay_pipes -----------------------------------------------------------

namespace {

// The command is gone: input it did not read goes back to a regular-file
// stdin, so the caller's next reader starts where the command stopped.
void give_back_input(PipeEnds& e, const Pump& in) {
  if (!e.in_peek) return;
  int unread = 0;
  if (ioctl(e.in_peek.get(), FIONREAD, &unread) < 0) unread = 0;
  off_t back = static_cast<off_t>(unread) + static_cast<off_t>(in.pending());
  if (back > 0) lseek(0, -back, SEEK_CUR);
}

}  // namespace

void relay_pipes(PipeEnds e, int exit_fd, int linger_ms) {
  set_nonblock(e.in.get());
  set_nonblock(e.out.get());
  set_nonblock(e.err.get());
  Pump in(e.in ? 0 : -1, e.in.get()), out(e.out ? e.out.get() : -1, 1), err(e.err ? e.err.get() : -1, 2);
  Pump* pumps[3] = {&in, &out, &err};
  UniqueFd* ends[3] = {&e.in, &e.out, &e.err};
  bool exited = false;
  int64_t deadline = 0;
  for (;;) {
    // A finished stream closes zlogin's end: EOF for the zone's stdin,
    // EPIPE for a zone process still writing an output nobody takes.
    for (int i = 0; i < 3; ++i)
      if (!pumps[i]->active() && *ends[i]) ends[i]->reset();
    if (exited && !out.active() && !err.active()) break;
    int timeout = -1;
    if (exited) {
      timeout = static_cast<int>(std::max<int64_t>(0, deadline - now_ms()));
      if (timeout == 0) break;
    }
    struct pollfd p[4];
    Pump* owner[4];
    nfds_t n = 0;
    for (Pump* pump : pumps)
      if (pump->active()) owner[n] = pump, p[n++] = pump->wanted();
    if (!exited) owner[n] = nullptr, p[n++] = {exit_fd, POLLIN, 0};
    if (poll(p, n, timeout) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (!p[i].revents) continue;
      if (owner[i]) {
        owner[i]->step();
      } else {
        exited = true;
        deadline = now_ms() + linger_ms;
        if (in.active() || e.in_peek) give_back_input(e, in);
        in.stop();
        e.in_peek.reset();
      }
    }
  }
  if (!exited) give_back_input(e, in);
}

// --- relay_pty -------------------------------------------------------------

PtyEnd relay_pty(int master, int exit_fd, bool escapes, int linger_ms, int idle_ms) {
  const bool tty = isatty(0);
  struct termios saved{};
  if (tty && tcgetattr(0, &saved) == 0) {
    struct termios raw = saved;
    cfmakeraw(&raw);
    tcsetattr(0, TCSANOW, &raw);
  }
  // SIGWINCH: pass the new size on. SIGTERM, SIGHUP: hang up as "~."
  // does, so the caller's terminal is not left raw.
  sigset_t sigs, old;
  sigemptyset(&sigs);
  for (int sig : {SIGWINCH, SIGTERM, SIGHUP}) sigaddset(&sigs, sig);
  sigprocmask(SIG_BLOCK, &sigs, &old);
  UniqueFd sig_fd(signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK));
  auto follow_size = [&] {
    struct winsize ws;
    if (tty && ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
  };
  follow_size();
  set_nonblock(master);

  Pump out(master, 1);
  EscapeScanner esc;
  std::string pending;  // input for the zone not yet taken by the pty
  bool in_open = true, exited = false, detached = false;
  int64_t deadline = 0, last_output = 0;
  char buf[4096];
  for (;;) {
    if (exited && !out.active()) break;
    int timeout = -1;
    if (exited) {
      int64_t now = now_ms();
      int64_t until = std::min(deadline, last_output + idle_ms);
      if (now >= until) break;
      timeout = static_cast<int>(until - now);
    }
    struct pollfd all[5] = {out.wanted(),
                            {in_open && pending.empty() ? 0 : -1, POLLIN, 0},
                            {pending.empty() ? -1 : master, POLLOUT, 0},
                            {exited ? -1 : exit_fd, POLLIN, 0},
                            {sig_fd.get(), POLLIN, 0}};
    if (poll(all, 5, timeout) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (all[4].revents) {
      struct signalfd_siginfo si;
      while (::read(sig_fd.get(), &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGWINCH) follow_size();
        else detached = true;
      }
      if (detached) break;
    }
    if (all[0].revents) {
      uint64_t before = out.moved();
      out.step();
      if (out.moved() != before) last_output = now_ms();
    }
    if (all[1].revents) {
      ssize_t n = ::read(0, buf, sizeof buf);
      if (n > 0) {
        if (escapes) {
          detached = esc.feed(buf, static_cast<size_t>(n), pending);
        } else {
          pending.append(buf, static_cast<size_t>(n));
        }
        if (detached) break;
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        in_open = false;
        pending += '\004';  // end of input, passed on as ^D
      }
    }
    if (!pending.empty()) {
      ssize_t n = ::write(master, pending.data(), pending.size());
      if (n > 0) {
        pending.erase(0, static_cast<size_t>(n));
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        pending.clear();  // nothing reads the pty any more
        in_open = false;
      }
    }
    if (all[3].revents) {
      exited = true;
      in_open = false;
      pending.clear();
      int64_t now = now_ms();
      deadline = now + linger_ms;
      last_output = now;
    }
  }
  if (tty) tcsetattr(0, TCSANOW, &saved);
  sig_fd.reset();
  sigprocmask(SIG_SETMASK, &old, nullptr);
  return detached ? PtyEnd::Detached : PtyEnd::Exited;
}

}  // namespace zonekit::runtime
