// The metadata doors served for real (a UNIX socket and a pty) by a
// MetadataService running its loop in a forked, single-threaded server
// process, as in zoneadmd; no root needed (the "zone root" is our own uid).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

// ASan's allocator keeps freed memory in quarantine and its shadow grows
// RSS: the bound on kept memory is checked in the plain build only.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRssMeaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kRssMeaningful = false;
#else
constexpr bool kRssMeaningful = true;
#endif
#else
constexpr bool kRssMeaningful = true;
#endif

#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "core/runtime/metadata_door.hpp"
#include "core/sys/fs.hpp"

using namespace zonekit;
using namespace zonekit::runtime;
using nlohmann::json;

namespace {

constexpr const char* kUuid = "6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4e";

int64_t now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

struct Server {
  std::string dir, zone_file, sock, tty;
  pid_t pid = 0;

  Server() {
    char tmpl[] = "/tmp/zk-mdata-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    std::string zone_dir = dir + "/store/zones/" + kUuid;
    REQUIRE(fs::mkdir_p(zone_dir));
    REQUIRE(fs::mkdir_p(dir + "/store/locks"));
    REQUIRE(fs::mkdir_p(dir + "/run"));
    zone_file = zone_dir + "/zone.json";
    json doc = {{"uuid", kUuid}, {"alias", "web01"},
                {"customer_metadata", {{"role", "web"}, {"big", std::string(60000, 'x')}}},
                {"internal_metadata", {{"root_pw", "secret"}}}};
    REQUIRE(fs::write_file_atomic(zone_file, doc.dump(2), 0600));
    int p[2];
    REQUIRE(pipe(p) == 0);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(p[0]);
      MetadataService svc;
      auto r = svc.open(metadata_config(zone_dir, dir + "/run", kUuid, getuid()));
      if (!r) _exit(3);
      std::string path = svc.tty_path() + "\n";
      (void)!::write(p[1], path.data(), path.size());
      ::close(p[1]);
      for (;;) {
        std::vector<struct pollfd> pfds;
        svc.add_pollfds(pfds, now_ms());
        int t = svc.timeout_ms(now_ms());
        poll(pfds.data(), pfds.size(), t < 0 || t > 200 ? 200 : t);
        svc.on_poll(pfds, now_ms());
        int st;
        pid_t kid;
        while ((kid = waitpid(-1, &st, WNOHANG)) > 0) svc.on_child_exit(kid, st);
      }
    }
    ::close(p[1]);
    char buf[256];
    ssize_t n = ::read(p[0], buf, sizeof buf);
    ::close(p[0]);
    REQUIRE(n > 1);
    tty.assign(buf, size_t(n) - 1);
    sock = dir + "/run/zonecontrol/metadata.sock";
  }
  ~Server() {
    ::kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    (void)fs::remove_tree(dir);
  }
  long rss_kib() const {
    auto s = fs::read_file("/proc/" + std::to_string(pid) + "/status", 1 << 16);
    if (!s) return -1;
    auto at = s->find("VmRSS:");
    return at == std::string::npos ? -1 : std::strtol(s->c_str() + at + 6, nullptr, 10);
  }
};

int connect_to(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a{};
  a.sun_family = AF_UNIX;
  strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

void send_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    REQUIRE(n > 0);
    off += size_t(n);
  }
}

// One line, or "" on timeout/EOF.
std::string read_line(int fd, int timeout_ms = 5000) {
  std::string line;
  int64_t end = now_ms() + timeout_ms;
  for (;;) {
    struct pollfd p{fd, POLLIN, 0};
    int left = int(end - now_ms());
    if (left <= 0 || poll(&p, 1, left) <= 0) return "";
    char c;
    ssize_t n = ::read(fd, &c, 1);
    if (n <= 0) return "";
    if (c == '\n') return line;
    line += c;
  }
}

MdFrame ask(int fd, const std::string& cmd, const std::string& payload, const std::string& reqid = "0000abcd") {
  send_all(fd, make_v2_frame(reqid, cmd, payload));
  MdFrame f;
  std::string line = read_line(fd);
  REQUIRE_MESSAGE(parse_v2_frame(line, &f), "bad frame: ", line);
  CHECK(f.reqid == reqid);
  return f;
}

}  // namespace

TEST_CASE("socket door: negotiate, get, keys, put, delete, and updates seen at once") {
  Server s;
  int fd = connect_to(s.sock);
  send_all(fd, "\n");
  CHECK(read_line(fd) == "invalid command");
  send_all(fd, "NEGOTIATE V2\n");
  CHECK(read_line(fd) == "V2_OK");
  auto f = ask(fd, "GET", "sdc:uuid");
  CHECK(f.code == "SUCCESS");
  CHECK(f.payload == kUuid);
  CHECK(ask(fd, "GET", "nope").code == "NOTFOUND");
  CHECK(ask(fd, "GET", "root_pw").payload == "secret");
  CHECK(ask(fd, "KEYS", "").payload == "big\nrole");
  CHECK(ask(fd, "PUT", base64("color") + " " + base64("blue\n")).code == "SUCCESS");
  CHECK(ask(fd, "GET", "color").payload == "blue\n");
  auto stored = json::parse(*fs::read_file(s.zone_file));
  CHECK(stored["customer_metadata"]["color"] == "blue\n");
  CHECK(stored.contains("last_modified"));
  CHECK(ask(fd, "DELETE", "role").code == "SUCCESS");
  CHECK(ask(fd, "GET", "role").code == "NOTFOUND");
  auto refused = ask(fd, "PUT", base64("sdc:alias") + " " + base64("x"));
  CHECK(refused.code == "FAILURE");
  CHECK(refused.payload == "Cannot update the \"sdc\" Namespace.");
  CHECK(ask(fd, "PUT", base64("root_pw") + " " + base64("x")).code == "FAILURE");
  // What zoneadm update writes shows at the next request.
  stored["customer_metadata"]["fresh"] = "from update";
  REQUIRE(fs::write_file_atomic(s.zone_file, stored.dump(2), 0600));
  CHECK(ask(fd, "GET", "fresh").payload == "from update");
  // Version 1, on the same connection.
  send_all(fd, "GET fresh\n");
  CHECK(read_line(fd) == "SUCCESS");
  CHECK(read_line(fd) == "from update");
  CHECK(read_line(fd) == ".");
  ::close(fd);
}

TEST_CASE("serial door: the reference client's handshake on the pty") {
  Server s;
  int fd = ::open(s.tty.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  struct termios t;
  REQUIRE(tcgetattr(fd, &t) == 0);
  cfmakeraw(&t);
  REQUIRE(tcsetattr(fd, TCSAFLUSH, &t) == 0);
  send_all(fd, "\n");
  CHECK(read_line(fd) == "invalid command");
  send_all(fd, "NEGOTIATE V2\n");
  CHECK(read_line(fd) == "V2_OK");
  CHECK(ask(fd, "GET", "sdc:alias").payload == "web01");
  CHECK(ask(fd, "PUT", base64("via") + " " + base64("tty")).code == "SUCCESS");
  CHECK(ask(fd, "GET", "via").payload == "tty");
  // A zone that turns echo back on does not make the port talk to itself.
  tcgetattr(fd, &t);
  t.c_lflag |= ECHO | ICANON;
  tcsetattr(fd, TCSANOW, &t);
  send_all(fd, "NEGOTIATE V2\n");
  CHECK(read_line(fd) == "V2_OK");
  cfmakeraw(&t);
  tcsetattr(fd, TCSANOW, &t);
  CHECK(ask(fd, "GET", "via", "00001111").payload == "tty");
  ::close(fd);
}

TEST_CASE("hostile clients: huge, malformed, too many, never reading") {
  Server s;
  long rss_before = s.rss_kib();
  int fd = connect_to(s.sock);
  // 8 MiB without a newline: dropped unbuffered, one "invalid command".
  std::string chunk(1 << 20, 'A');
  for (int i = 0; i < 8; ++i) send_all(fd, chunk);
  send_all(fd, "\n");
  CHECK(read_line(fd) == "invalid command");
  if (kRssMeaningful) CHECK(s.rss_kib() < rss_before + 2048);  // nothing like 8 MiB kept
  // Malformed frames: bad crc, bad length, bad base64.
  send_all(fd, "V2 5 00000000 hello\nV2 x y z\n");
  CHECK(read_line(fd) == "invalid command");
  CHECK(read_line(fd) == "invalid command");
  std::string frame = make_v2_frame("0000abcd", "GET", "k");
  frame.replace(frame.find("GET ") + 4, 1, "*");  // breaks base64 and crc
  send_all(fd, frame);
  CHECK(read_line(fd) == "invalid command");
  CHECK(ask(fd, "GET", "sdc:uuid").payload == kUuid);  // the connection goes on

  // A client that asks for a 60 KB value again and again and never reads.
  int hog = connect_to(s.sock);
  std::string req = make_v2_frame("0000beef", "GET", "big");
  int flags = fcntl(hog, F_GETFL);
  fcntl(hog, F_SETFL, flags | O_NONBLOCK);
  for (int i = 0; i < 2000; ++i)
    if (::write(hog, req.data(), req.size()) < 0) break;
  // Others are still served at once, and the hog holds one answer.
  int64_t t0 = now_ms();
  CHECK(ask(fd, "GET", "sdc:alias").payload == "web01");
  CHECK(now_ms() - t0 < 1000);
  if (kRssMeaningful) CHECK(s.rss_kib() < rss_before + 2048);

  // At most kMaxMetadataConns sockets: the hog, fd and two more; the next
  // is closed at once.
  int c3 = connect_to(s.sock), c4 = connect_to(s.sock), c5 = connect_to(s.sock);
  send_all(c5, "NEGOTIATE V2\n");
  CHECK(read_line(c5, 2000).empty());
  send_all(c4, "NEGOTIATE V2\n");
  CHECK(read_line(c4) == "V2_OK");
  for (int c : {c3, c4, c5, hog, fd}) ::close(c);
}

TEST_CASE("a flood is rate limited, not refused") {
  Server s;
  int fd = connect_to(s.sock);
  // Past the burst, requests are answered at kMetadataRate per second.
  const int n = kMetadataBurst + kMetadataRate;
  std::string all;
  for (int i = 0; i < n; ++i) all += make_v2_frame("0000abcd", "GET", "role");
  int64_t t0 = now_ms();
  send_all(fd, all);
  int answered = 0;
  while (answered < n && !read_line(fd, 5000).empty()) ++answered;
  int64_t took = now_ms() - t0;
  CHECK(answered == n);
  CHECK(took >= 700);   // about one second of refill
  CHECK(took < 5000);
  ::close(fd);
}
