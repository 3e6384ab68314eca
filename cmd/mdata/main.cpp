// mdata-get, mdata-list, mdata-put, mdata-delete: zonekit's in-zone
// clients of the SmartOS metadata protocol (core/runtime/metadata_protocol.hpp).
// Static and libc-only (no C++ library, no exceptions) so that they run in
// any image; zoneadmd shows them read-only at /native/usr/sbin in every zone
// (and in /usr/local/sbin in sparse zones). Options, output and exit codes
// are those of the reference client: 0 ok, 1 no such key, 2 error, 3 usage.
//
// The door: /.zonecontrol/metadata.sock, else the serial port /dev/ttyS1.
// Version 2 is negotiated; a host that only speaks version 1 still answers
// GET and KEYS. While the service is unreachable for a transient reason the
// tools wait and retry, as the reference client does.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/runtime/metadata_codec.hpp"

namespace {

using namespace zonekit::mdcodec;

enum Exit { kOk = 0, kNotFound = 1, kError = 2, kUsage = 3 };
enum Reply { kSuccess, kNotFoundReply, kFailure, kInvalid, kTimeout };

constexpr int kNegotiateTimeoutMs = 6000;
constexpr int kReplyTimeoutMs = 45000;
constexpr size_t kMaxReply = 64u << 20;

struct Buf {
  char* p = nullptr;
  size_t n = 0, cap = 0;
  void add(const char* d, size_t len) {
    if (n + len + 1 > cap) {
      size_t c = cap ? cap : 256;
      while (c < n + len + 1) c *= 2;
      char* q = static_cast<char*>(realloc(p, c));
      if (!q) {
        fputs("ERROR: out of memory\n", stderr);
        exit(kError);
      }
      p = q;
      cap = c;
    }
    memcpy(p + n, d, len);
    n += len;
    p[n] = '\0';
  }
  void add(const char* s) { add(s, strlen(s)); }
  void clear() { n = 0; if (p) p[0] = '\0'; }
};

struct Conn {
  int fd = -1;
  bool v2 = false;
  Buf pending;  // bytes read past the last line
};

void add_base64(Buf& b, const char* d, size_t n) {
  char* tmp = static_cast<char*>(malloc(base64_encoded_len(n) + 1));
  if (!tmp) exit(kError);
  base64_encode(d, n, tmp);
  b.add(tmp, base64_encoded_len(n));
  free(tmp);
}

bool write_all(int fd, const char* d, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, d, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    d += w;
    n -= size_t(w);
  }
  return true;
}

int64_t now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

// One line (without "\n" or "\r") into line; false on timeout or EOF.
bool read_line(Conn& c, Buf& line, int timeout_ms) {
  int64_t deadline = now_ms() + timeout_ms;
  line.clear();
  for (;;) {
    char* nl = c.pending.n ? static_cast<char*>(memchr(c.pending.p, '\n', c.pending.n)) : nullptr;
    if (nl) {
      size_t len = size_t(nl - c.pending.p);
      line.add(c.pending.p, len && nl[-1] == '\r' ? len - 1 : len);
      memmove(c.pending.p, nl + 1, c.pending.n - len - 1);
      c.pending.n -= len + 1;
      return true;
    }
    if (c.pending.n > kMaxReply) return false;
    int64_t left = deadline - now_ms();
    if (left <= 0) return false;
    struct pollfd pfd{c.fd, POLLIN, 0};
    int r = poll(&pfd, 1, int(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    char buf[65536];
    ssize_t n = read(c.fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;
    c.pending.add(buf, size_t(n));
  }
}

bool open_socket(const char* path, Conn& c, bool* transient) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  struct sockaddr_un a{};
  a.sun_family = AF_UNIX;
  strncpy(a.sun_path, path, sizeof a.sun_path - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
    *transient = errno == ECONNREFUSED || errno == EAGAIN || errno == EINTR;
    close(fd);
    return false;
  }
  c.fd = fd;
  return true;
}

// The serial port as the reference client uses it: exclusive, locked, raw,
// stale input thrown away, then a blank line must come back as
// "invalid command" before anything is asked.
bool open_serial(Conn& c, bool* transient) {
  int fd = open("/dev/ttyS1", O_RDWR | O_EXCL | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    *transient = errno == EAGAIN || errno == EBUSY || errno == EINTR;
    return false;
  }
  struct flock l{};
  l.l_type = F_WRLCK;
  l.l_whence = SEEK_SET;
  if (fcntl(fd, F_SETLKW, &l) < 0) {
    close(fd);
    *transient = true;
    return false;
  }
  struct termios t;
  if (tcgetattr(fd, &t) == 0) {
    cfmakeraw(&t);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 1;
    tcsetattr(fd, TCSAFLUSH, &t);
  }
  char scrap[512];
  while (read(fd, scrap, sizeof scrap) > 0) {
  }
  c.fd = fd;
  Buf line;
  if (!write_all(fd, "\n", 1) || !read_line(c, line, kNegotiateTimeoutMs) || strcmp(line.p, "invalid command") != 0) {
    free(line.p);
    close(fd);
    c.fd = -1;
    *transient = true;
    return false;
  }
  free(line.p);
  return true;
}

void connect_service(Conn& c) {
  for (;;) {
    bool transient = false;
    if (open_socket("/.zonecontrol/metadata.sock", c, &transient)) break;
    bool sock_transient = transient;
    transient = false;
    if (!sock_transient && open_serial(c, &transient)) break;
    if (!sock_transient && !transient) {
      fputs("ERROR: could not initialise protocol: no metadata service "
            "(/.zonecontrol/metadata.sock, /dev/ttyS1)\n", stderr);
      exit(kError);
    }
    sleep(1);  // the service is restarting: wait for it, as the reference client does
  }
  Buf line;
  if (!write_all(c.fd, "NEGOTIATE V2\n", 13) || !read_line(c, line, kNegotiateTimeoutMs)) {
    fputs("ERROR: could not initialise protocol: no answer from the metadata service\n", stderr);
    exit(kError);
  }
  c.v2 = strcmp(line.p, "V2_OK") == 0;
  free(line.p);
}

void make_reqid(char out[9]) {
  unsigned int r;
  if (getrandom(&r, sizeof r, 0) != sizeof r) r = unsigned(getpid()) ^ unsigned(now_ms());
  snprintf(out, 9, "%08x", r);
}

// Sends one request and waits for its answer; data gets the decoded
// payload (V2) or the data lines (V1).
Reply execute(Conn& c, const char* command, const char* arg, size_t arg_len, Buf& data) {
  Buf req, line;
  char reqid[9];
  if (c.v2) {
    Buf body;
    make_reqid(reqid);
    body.add(reqid);
    body.add(" ");
    body.add(command);
    if (arg) {
      body.add(" ");
      add_base64(body, arg, arg_len);
    }
    char head[48];
    snprintf(head, sizeof head, "V2 %zu %08x ", body.n, crc32(body.p, body.n));
    req.add(head);
    req.add(body.p, body.n);
    free(body.p);
  } else {
    req.add(command);
    if (arg) {
      req.add(" ");
      req.add(arg, arg_len);
    }
  }
  req.add("\n");
  if (!write_all(c.fd, req.p, req.n)) return kTimeout;
  free(req.p);
  data.clear();
  data.add("");
  if (!c.v2) {
    if (!read_line(c, line, kReplyTimeoutMs)) return kTimeout;
    if (strcmp(line.p, "NOTFOUND") == 0) return kNotFoundReply;
    if (strcmp(line.p, "invalid command") == 0) return kInvalid;
    if (strcmp(line.p, "SUCCESS") != 0) {
      data.add(line.p, line.n);
      return kFailure;
    }
    bool first = true;
    for (;;) {
      if (!read_line(c, line, kReplyTimeoutMs)) return kTimeout;
      if (strcmp(line.p, ".") == 0) return kSuccess;
      if (!first) data.add("\n");
      first = false;
      data.add(line.p[0] == '.' ? line.p + 1 : line.p);
    }
  }
  for (;;) {
    if (!read_line(c, line, kReplyTimeoutMs)) return kTimeout;
    // V2 <len> <crc> <reqid> <code> [payload]; frames of other requests are
    // skipped, as are broken ones.
    if (strncmp(line.p, "V2 ", 3) != 0) continue;
    char* p = line.p + 3;
    char* end;
    unsigned long len = strtoul(p, &end, 10);
    if (end == p || *end != ' ') continue;
    p = end + 1;
    unsigned long crc = strtoul(p, &end, 16);
    if (end == p || *end != ' ') continue;
    p = end + 1;
    size_t body_len = line.n - size_t(p - line.p);
    if (body_len != len || crc32(p, body_len) != uint32_t(crc)) continue;
    if (strncmp(p, reqid, 8) != 0 || p[8] != ' ') continue;
    p += 9;
    char* sp = strchr(p, ' ');
    size_t code_len = sp ? size_t(sp - p) : strlen(p);
    char* payload = sp ? sp + 1 : p + code_len;
    size_t plen = strlen(payload);
    char* dec = static_cast<char*>(malloc(plen / 4 * 3 + 1));
    long dn = dec ? base64_decode(payload, plen, dec) : -1;
    if (dn < 0) {
      free(dec);
      continue;
    }
    data.add(dec, size_t(dn));
    free(dec);
    if (code_len == 7 && strncmp(p, "SUCCESS", 7) == 0) return kSuccess;
    if (code_len == 8 && strncmp(p, "NOTFOUND", 8) == 0) return kNotFoundReply;
    return kFailure;
  }
}

const char* base_name(const char* path) {
  const char* s = strrchr(path, '/');
  return s ? s + 1 : path;
}

int tool_get(int argc, char** argv, Conn& c) {
  if (argc < 2) {
    fprintf(stderr, "Usage: %s <keyname>\n", argv[0]);
    return kUsage;
  }
  connect_service(c);
  Buf data;
  switch (execute(c, "GET", argv[1], strlen(argv[1]), data)) {
    case kSuccess:
      fwrite(data.p, 1, data.n, stdout);
      if (data.n == 0 || data.p[data.n - 1] != '\n') fputc('\n', stdout);
      return kOk;
    case kNotFoundReply: fprintf(stderr, "No metadata for '%s'\n", argv[1]); return kNotFound;
    case kFailure: fprintf(stderr, "Error getting metadata for key '%s': %s\n", argv[1], data.p); return kError;
    case kInvalid: fputs("ERROR: host does not support GET\n", stderr); return kError;
    case kTimeout: break;
  }
  fputs("ERROR: could not execute GET\n", stderr);
  return kError;
}

int tool_list(int, char**, Conn& c) {
  connect_service(c);
  Buf data;
  switch (execute(c, "KEYS", nullptr, 0, data)) {
    case kSuccess:
      fwrite(data.p, 1, data.n, stdout);
      if (data.n >= 1 && data.p[data.n - 1] != '\n') fputc('\n', stdout);
      return kOk;
    case kNotFoundReply: fputs("No metadata\n", stderr); return kNotFound;
    case kFailure: fprintf(stderr, "Error getting metadata: %s\n", data.p); return kError;
    case kInvalid: fputs("ERROR: host does not support KEYS\n", stderr); return kError;
    case kTimeout: break;
  }
  fputs("ERROR: could not execute KEYS\n", stderr);
  return kError;
}

int tool_put(int argc, char** argv, Conn& c) {
  if (argc < 2) {
    fprintf(stderr, "Usage: %s <keyname> [ <value> ]\n", argv[0]);
    return kUsage;
  }
  Buf value;
  value.add("");
  if (argc >= 3) {
    value.add(argv[2]);
  } else {
    if (isatty(0)) {
      fputs("ERROR: either specify the metadata value as the second command-line argument, "
            "or pipe content to stdin.\n", stderr);
      return kError;
    }
    char buf[65536];
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) != 0) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        fprintf(stderr, "ERROR: could not read from stdin: %s\n", strerror(errno));
        return kError;
      }
      value.add(buf, size_t(n));
    }
  }
  connect_service(c);
  if (!c.v2) {
    fputs("ERROR: host does not support PUT\n", stderr);
    return kError;
  }
  Buf arg;
  add_base64(arg, argv[1], strlen(argv[1]));
  arg.add(" ");
  add_base64(arg, value.p, value.n);
  Buf data;
  switch (execute(c, "PUT", arg.p, arg.n, data)) {
    case kSuccess: return kOk;
    case kNotFoundReply: fprintf(stderr, "No metadata for '%s'\n", argv[1]); return kNotFound;
    case kFailure: fprintf(stderr, "Error putting metadata for key '%s': %s\n", argv[1], data.p); return kError;
    case kInvalid: fputs("ERROR: host does not support PUT\n", stderr); return kError;
    case kTimeout: break;
  }
  fputs("ERROR: could not execute PUT\n", stderr);
  return kError;
}

int tool_delete(int argc, char** argv, Conn& c) {
  if (argc < 2) {
    fprintf(stderr, "Usage: %s <keyname>\n", argv[0]);
    return kUsage;
  }
  connect_service(c);
  if (!c.v2) {
    fputs("ERROR: host does not support DELETE\n", stderr);
    return kError;
  }
  Buf data;
  switch (execute(c, "DELETE", argv[1], strlen(argv[1]), data)) {
    case kSuccess: return kOk;
    case kNotFoundReply: fprintf(stderr, "No metadata for '%s'\n", argv[1]); return kNotFound;
    case kFailure: fprintf(stderr, "Error deleting metadata for key '%s': %s\n", argv[1], data.p); return kError;
    case kInvalid: fputs("ERROR: host does not support DELETE\n", stderr); return kError;
    case kTimeout: break;
  }
  fputs("ERROR: could not execute DELETE\n", stderr);
  return kError;
}

}  // namespace

int main(int argc, char** argv) {
  Conn c;
#ifdef MDATA_TOOL
  const char* tool = MDATA_TOOL;
#else
  const char* tool = argc > 0 ? base_name(argv[0]) : "mdata-get";
#endif
  if (strcmp(tool, "mdata-get") == 0) return tool_get(argc, argv, c);
  if (strcmp(tool, "mdata-list") == 0) return tool_list(argc, argv, c);
  if (strcmp(tool, "mdata-put") == 0) return tool_put(argc, argv, c);
  if (strcmp(tool, "mdata-delete") == 0) return tool_delete(argc, argv, c);
  fprintf(stderr, "%s: run as mdata-get, mdata-list, mdata-put or mdata-delete\n", base_name(tool));
  return kUsage;
}
