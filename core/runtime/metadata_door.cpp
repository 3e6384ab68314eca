#include "core/runtime/metadata_door.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "core/runtime/run_dir.hpp"
#include "core/store/paths.hpp"
#include "core/store/store.hpp"
#include "core/sys/fs.hpp"
#include "core/sys/lock.hpp"

namespace zonekit::runtime {

using nlohmann::json;

namespace {

// Writer exit codes.
enum : int { kWriteOk = 0, kWriteBusy = 10, kWriteUnreadable = 11, kWriteRefused = 12, kWriteFailed = 13 };

constexpr size_t kReadChunk = 16 * 1024;

void set_raw(int fd) {
  struct termios t;
  if (tcgetattr(fd, &t) < 0) return;
  struct termios raw = t;
  cfmakeraw(&raw);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  if (memcmp(&raw, &t, sizeof t) != 0) tcsetattr(fd, TCSANOW, &raw);
}

// The child behind PUT and DELETE: the zone lock (bounded wait), a fresh
// read, the same checks, an atomic rewrite. Never returns.
[[noreturn]] void run_writer(const MetadataConfig& cfg, const MdWrite& w) {
  auto lock = FileLock::acquire(cfg.lock_file, FileLock::Mode::Exclusive, kMetadataLockWaitMs);
  if (!lock) _exit(kWriteBusy);
  auto text = fs::read_file(cfg.zone_file);
  if (!text) _exit(kWriteUnreadable);
  json doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) _exit(kWriteUnreadable);
  if (metadata_check_write(doc, w).code != MdCode::Success) _exit(kWriteRefused);
  json next = metadata_apply_write(std::move(doc), w);
  next["last_modified"] = store::now_iso8601();
  if (!fs::write_file_atomic(cfg.zone_file, next.dump(2) + "\n", 0600)) _exit(kWriteFailed);
  _exit(kWriteOk);
}

}  // namespace

struct MetadataService::Conn {
  UniqueFd fd;              // socket; the pty's is master_ (fd stays -1)
  int io = -1;              // fd to read and write
  bool pty = false;
  MdLineSplitter split;
  std::string in;           // read but not yet split (at most kReadChunk)
  size_t in_off = 0;
  std::string out;          // the answer being written
  size_t out_off = 0;
  int64_t last_active = 0;
  int64_t out_since = 0;
  bool writing = false;     // a writer child works for us
  bool want_writer = false; // waiting for the writer slot or a token
  MdRequest pending;        // the request waiting for a token or the writer
  bool has_pending = false;
  bool dead = false;
};

MetadataConfig metadata_config(const std::string& zone_dir, const std::string& run_dir, const std::string& uuid,
                               uint32_t zone_root) {
  // zone_dir is <store>/zones/<uuid> (store::Paths::zone_dir).
  store::Paths p;
  std::string zones = zone_dir.substr(0, zone_dir.rfind('/'));
  p.root = zones.substr(0, zones.rfind('/'));
  MetadataConfig c;
  c.zone_file = p.zone_file(uuid);
  c.lock_file = p.zone_lock(uuid);
  c.socket_dir = run_dir + "/zonecontrol";
  c.zone_root = zone_root;
  return c;
}

const json& ManifestCache::get() {
  struct stat st;
  if (::stat(path_.c_str(), &st) < 0 || !S_ISREG(st.st_mode)) {
    doc_ = json();
    size_ = -1;
    return doc_;
  }
  int64_t mt = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  if (st.st_dev == dev_ && st.st_ino == ino_ && st.st_size == size_ && mt == mtime_ns_) return doc_;
  auto text = fs::read_file(path_);
  json doc = text ? json::parse(*text, nullptr, false) : json();
  doc_ = doc.is_discarded() || !doc.is_object() ? json() : std::move(doc);
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  size_ = st.st_size;
  mtime_ns_ = mt;
  return doc_;
}

MetadataService::MetadataService() = default;
MetadataService::~MetadataService() {
  if (writer_ > 0) {
    ::kill(writer_, SIGKILL);
    waitpid(writer_, nullptr, 0);
  }
}

Result<void> MetadataService::open(MetadataConfig cfg) {
  cfg_ = std::move(cfg);
  manifest_ = ManifestCache(cfg_.zone_file);
  // The socket's directory is bound into the zone: only our socket in it.
  (void)fs::remove_tree(cfg_.socket_dir);
  if (::mkdir(cfg_.socket_dir.c_str(), 0700) < 0) return sys_error("mkdir", cfg_.socket_dir);
  if (::chown(cfg_.socket_dir.c_str(), cfg_.zone_root, cfg_.zone_root) < 0 ||
      ::chmod(cfg_.socket_dir.c_str(), 0755) < 0)
    return sys_error("chown", cfg_.socket_dir);
  std::string path = cfg_.socket_dir + "/metadata.sock";
  listen_.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!listen_) return sys_error("socket", path);
  struct sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return fail("metadata socket path too long: " + path);
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  mode_t old = umask(077);
  int r = bind(listen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  umask(old);
  if (r < 0) return sys_error("bind", path);
  // Only the zone's root may talk to it, as only root opens a serial port.
  if (::lchown(path.c_str(), cfg_.zone_root, cfg_.zone_root) < 0 || ::chmod(path.c_str(), 0600) < 0)
    return sys_error("chown", path);
  if (listen(listen_.get(), 8) < 0) return sys_error("listen", path);

  master_.reset(posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master_) return sys_error("posix_openpt", "ttyS1");
  if (grantpt(master_.get()) < 0 || unlockpt(master_.get()) < 0) return sys_error("unlockpt", "ttyS1");
  char name[128];
  if (ptsname_r(master_.get(), name, sizeof name) != 0) return sys_error("ptsname", "ttyS1");
  tty_path_ = name;
  // Held for our life: the master never sees a hangup when the zone's
  // client closes the port.
  slave_.reset(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave_) return sys_error("open", tty_path_);
  if (fchown(slave_.get(), cfg_.zone_root, cfg_.zone_root) < 0) return sys_error("chown", tty_path_);
  fchmod(slave_.get(), 0600);
  set_raw(slave_.get());
  fcntl(master_.get(), F_SETFL, fcntl(master_.get(), F_GETFL) | O_NONBLOCK);
  auto pty = std::make_unique<Conn>();
  pty->pty = true;
  pty->io = master_.get();
  conns_.insert(conns_.begin(), std::move(pty));
  return {};
}

Result<void> MetadataService::adopt(MetadataConfig cfg, UniqueFd listen, UniqueFd master, UniqueFd slave) {
  cfg_ = std::move(cfg);
  manifest_ = ManifestCache(cfg_.zone_file);
  char name[128];
  if (ptsname_r(master.get(), name, sizeof name) != 0) return sys_error("ptsname", "ttyS1");
  tty_path_ = name;
  // Our reads and accepts must never block the loop, whatever the previous
  // zoneadmd left set on these open files.
  fcntl(listen.get(), F_SETFL, fcntl(listen.get(), F_GETFL) | O_NONBLOCK);
  fcntl(master.get(), F_SETFL, fcntl(master.get(), F_GETFL) | O_NONBLOCK);
  listen_ = std::move(listen);
  master_ = std::move(master);
  slave_ = std::move(slave);
  auto pty = std::make_unique<Conn>();
  pty->pty = true;
  pty->io = master_.get();
  conns_.insert(conns_.begin(), std::move(pty));
  return {};
}

void MetadataService::refill(int64_t now) {
  if (refilled_at_ == 0) refilled_at_ = now;
  double dt = double(now - refilled_at_) / 1000.0;
  refilled_at_ = now;
  tokens_ = std::min<double>(kMetadataBurst, tokens_ + dt * kMetadataRate);
  write_tokens_ = std::min<double>(kMetadataWriteBurst, write_tokens_ + dt * kMetadataWriteRate);
}

void MetadataService::add_pollfds(std::vector<struct pollfd>& pfds, int64_t now) {
  refill(now);
  poll_base_ = pfds.size();
  poll_count_ = 0;
  if (!listen_) return;
  pfds.push_back({listen_.get(), POLLIN, 0});
  ++poll_count_;
  for (auto& c : conns_) {
    short ev = 0;
    // Read only when idle: one request in flight per connection, and none
    // while the zone is out of tokens.
    bool idle = c->out.empty() && !c->writing && !c->want_writer && !c->has_pending && c->in_off >= c->in.size();
    if (idle && tokens_ >= 1) ev |= POLLIN;
    if (!c->out.empty()) ev |= POLLOUT;
    pfds.push_back({c->io, ev, 0});
    ++poll_count_;
  }
}

int MetadataService::timeout_ms(int64_t now) const {
  int64_t due = -1;
  auto at = [&](int64_t t) {
    if (t > 0 && (due < 0 || t < due)) due = t;
  };
  bool starved = false;
  for (const auto& c : conns_) {
    if (!c->out.empty()) at(c->out_since + kMetadataStallMs);
    if (!c->pty) at(c->last_active + kMetadataIdleMs);
    if (c->has_pending || c->in_off < c->in.size()) starved = true;
  }
  if (starved || tokens_ < 1) at(now + 1000 / kMetadataRate + 1);
  if (writer_ > 0) at(writer_deadline_);
  if (due < 0) return -1;
  return int(std::max<int64_t>(0, due - now));
}

void MetadataService::drop(Conn& c) {
  if (c.pty) {
    // The port stays; what the zone did not read is thrown away.
    c.out.clear();
    c.out.shrink_to_fit();
    c.out_off = 0;
    c.split.reset();
    c.in.clear();
    c.in_off = 0;
    c.has_pending = c.want_writer = false;
    tcflush(master_.get(), TCIOFLUSH);
    return;
  }
  c.dead = true;
  c.fd.reset();
}

void MetadataService::accept_all(int64_t now) {
  int fd;
  while ((fd = accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
    size_t sockets = conns_.size() - (master_ ? 1 : 0);
    if (sockets >= size_t(kMaxMetadataConns)) {
      ::close(fd);  // a flood of connections only ever costs an accept
      continue;
    }
    auto c = std::make_unique<Conn>();
    c->fd.reset(fd);
    c->io = fd;
    c->last_active = now;
    conns_.push_back(std::move(c));
  }
}

void MetadataService::on_poll(const std::vector<struct pollfd>& pfds, int64_t now) {
  refill(now);
  if (poll_count_ > 0 && pfds.size() >= poll_base_ + poll_count_) {
    bool accept_ready = pfds[poll_base_].revents & POLLIN;
    // Matched by fd: connections may have come and gone since add_pollfds.
    for (size_t i = poll_base_ + 1; i < poll_base_ + poll_count_; ++i) {
      short re = pfds[i].revents;
      if (!re) continue;
      for (auto& c : conns_) {
        if (c->dead || c->io != pfds[i].fd) continue;
        if (re & POLLOUT) flush(*c, now);
        if (!c->dead && (re & (POLLIN | POLLHUP | POLLERR))) read_input(*c, now);
        break;
      }
    }
    if (accept_ready) accept_all(now);
  }
  for (auto& c : conns_) {
    if (c->dead) continue;
    serve(*c, now);
    if (!c->out.empty() && now - c->out_since > kMetadataStallMs) drop(*c);
    else if (!c->pty && c->out.empty() && !c->writing && now - c->last_active > kMetadataIdleMs) drop(*c);
  }
  std::erase_if(conns_, [](const auto& c) { return c->dead && !c->writing; });
}

void MetadataService::read_input(Conn& c, int64_t now) {
  if (c.in_off < c.in.size() || !c.out.empty() || c.writing || c.has_pending) return;
  char buf[kReadChunk];
  ssize_t n = ::read(c.io, buf, sizeof buf);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    // EOF on a socket ends it; the pty's EIO (no slave open) never
    // happens while we hold a slave, so ignore it there.
    if (!c.pty) c.dead = true, c.fd.reset();
    return;
  }
  c.in.assign(buf, size_t(n));
  c.in_off = 0;
  c.last_active = now;
}

void MetadataService::serve(Conn& c, int64_t now) {
  if (c.want_writer && writer_ == 0 && write_tokens_ >= 1) start_writer(c, now);
  while (!c.dead && c.out.empty() && !c.writing && !c.want_writer) {
    if (c.has_pending) {
      if (tokens_ < 1) return;
      tokens_ -= 1;
      c.has_pending = false;
      answer(c, c.pending, now);
      continue;
    }
    if (c.in_off >= c.in.size()) {
      c.in.clear();
      c.in_off = 0;
      return;
    }
    size_t used = 0;
    std::string line;
    bool done = c.split.feed(std::string_view(c.in).substr(c.in_off), &used, &line);
    c.in_off += used;
    if (!done) continue;
    c.pending = parse_request_line(line);
    c.has_pending = true;
  }
}

void MetadataService::answer(Conn& c, const MdRequest& r, int64_t now) {
  auto reply = [&](MdCode code, const std::string& data) {
    c.out = r.v2 ? format_v2(r.reqid, code, data) : format_v1(code, data);
  };
  switch (r.op) {
    case MdOp::Empty:
    case MdOp::Invalid:
    case MdOp::TooLong:
      c.out = format_invalid();
      break;
    case MdOp::Negotiate:
      c.out = format_v2_ok();
      break;
    case MdOp::Unknown:
      reply(MdCode::Failure, "unknown command");
      break;
    case MdOp::Get:
    case MdOp::Keys: {
      const json& doc = manifest_.get();
      if (doc.is_null()) {
        reply(MdCode::Failure, "metadata is unavailable");
        break;
      }
      MdAnswer a = r.op == MdOp::Get ? metadata_get(doc, r.key) : metadata_keys(doc);
      if (!r.v2 && a.code == MdCode::Failure) {
        c.out = format_invalid();
        break;
      }
      reply(a.code, a.data);
      break;
    }
    case MdOp::Put:
    case MdOp::Delete: {
      if (!r.v2) {
        c.out = format_invalid();
        break;
      }
      const json& doc = manifest_.get();
      MdWrite w{r.key, r.value, r.op == MdOp::Delete};
      MdAnswer a = doc.is_null() ? MdAnswer{MdCode::Failure, "metadata is unavailable"}
                                 : metadata_check_write(doc, w);
      if (a.code != MdCode::Success) {
        reply(a.code, a.data);
        break;
      }
      c.pending = r;
      c.want_writer = true;
      if (writer_ == 0 && write_tokens_ >= 1) start_writer(c, now);
      return;
    }
  }
  c.out_off = 0;
  c.out_since = now;
  flush(c, now);
}

void MetadataService::start_writer(Conn& c, int64_t now) {
  MdWrite w{c.pending.key, c.pending.value, c.pending.op == MdOp::Delete};
  pid_t pid = fork();
  if (pid < 0) {
    c.want_writer = false;
    c.out = format_v2(c.pending.reqid, MdCode::Failure, "cannot start the metadata writer");
    c.out_off = 0;
    c.out_since = now;
    return;
  }
  if (pid == 0) {
    close_supervisor_lock_in_child();
    run_writer(cfg_, w);
  }
  write_tokens_ -= 1;
  writer_ = pid;
  writer_deadline_ = now + kMetadataWriterKillMs;
  c.want_writer = false;
  c.writing = true;
}

bool MetadataService::on_child_exit(pid_t pid, int status) {
  if (pid != writer_ || writer_ == 0) return false;
  writer_ = 0;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  int64_t now = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
  for (auto& c : conns_) {
    if (!c->writing) continue;
    c->writing = false;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::string why = code == kWriteBusy       ? "the zone is locked by another operation; try again"
                      : code == kWriteRefused  ? "refused: a limit was reached"
                      : code == kWriteUnreadable ? "the stored manifest cannot be read"
                                                 : "the stored manifest could not be written";
    if (!c->dead) {
      c->out = code == kWriteOk ? format_v2(c->pending.reqid, MdCode::Success, "")
                                : format_v2(c->pending.reqid, MdCode::Failure, why);
      c->out_off = 0;
      c->out_since = now;
      c->last_active = now;
      flush(*c, now);
    }
  }
  return true;
}

void MetadataService::flush(Conn& c, int64_t now) {
  if (c.pty) set_raw(master_.get());  // a zone that turned echo on would talk to itself
  while (c.out_off < c.out.size()) {
    ssize_t n = c.pty ? ::write(c.io, c.out.data() + c.out_off, c.out.size() - c.out_off)
                      : ::send(c.io, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      drop(c);
      return;
    }
    c.out_off += size_t(n);
    c.out_since = now;
  }
  c.out.clear();
  if (c.out.capacity() > 64 * 1024) c.out.shrink_to_fit();
  c.out_off = 0;
  c.last_active = now;
}

void MetadataService::reset_connections() {
  for (auto& c : conns_) drop(*c);
  std::erase_if(conns_, [](const auto& c) { return c->dead && !c->writing; });
}

}  // namespace zonekit::runtime
