#include "core/ops/cli_util.hpp"

#include <unistd.h>

#include <cstdio>

#include "core/sys/fs.hpp"

namespace zonekit::cli {

int exit_code(const Error& e) {
  switch (e.kind) {
    case ErrorKind::Invalid: return kUsage;
    case ErrorKind::NotFound: return kNotFound;
    default: return kFailure;
  }
}

void print_error(const std::string& tool, const Error& e) {
  std::string msg = e.message();
  size_t pos = 0;
  while (pos <= msg.size()) {
    size_t nl = msg.find('\n', pos);
    if (nl == std::string::npos) nl = msg.size();
    std::fprintf(stderr, "%s: %s\n", tool.c_str(), msg.substr(pos, nl - pos).c_str());
    pos = nl + 1;
  }
}

void print_note(const std::string& tool, const std::string& text) {
  if (!text.empty()) std::fprintf(stderr, "%s: %s\n", tool.c_str(), text.c_str());
}

Result<std::string> read_input(const std::string& path) {
  if (path != "-") {
    // A missing input file is a failure (exit 1), never "no such zone" (3).
    auto r = fs::read_file(path, 1 << 20 | 1);
    if (!r && r.error().kind == ErrorKind::NotFound) r.error().kind = ErrorKind::Failure;
    return r;
  }
  if (isatty(STDIN_FILENO)) return fail("refusing to read a manifest from a terminal; use -f FILE", ErrorKind::Invalid);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("read", "stdin");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > (1 << 20)) break;  // the parser reports the size limit
  }
  return out;
}

bool stdout_is_tty() { return isatty(STDOUT_FILENO); }
bool stderr_is_tty() { return isatty(STDERR_FILENO); }

}  // namespace zonekit::cli
