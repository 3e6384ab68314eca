// zlogin [-t|-T] [-l USER] [-e VAR=VAL]... NAME [command [args...]]
// zlogin -C NAME        attach to the zone console (detach with "~.")
// Exit status: the command's (128+signal if killed); 126/127 when it could
// not be run; 1 on other failures; 2 usage; 3 no such zone.
#include <getopt.h>
#include <poll.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>

#include "core/ops/complete.hpp"
#include "core/ops/complete_live.hpp"
#include "core/ops/zones.hpp"
#include "core/store/store.hpp"
#include "core/runtime/supervisor_client.hpp"
#include "core/runtime/stdio_relay.hpp"
#include "core/runtime/zone_exec.hpp"

namespace {

const char kUsageText[] =
    "usage: zlogin [-t|-T] [-l user] [-e VAR=VAL]... zone [command [args ...]]\n"
    "       zlogin -C zone\n";

int usage() {
  fputs(kUsageText, stderr);
  return 2;
}

int help() {
  printf("zlogin: run a command or a shell in a running zone, or attach to its console.\n%s\n"
         "  -t, --tty           force a pty\n"
         "  -T, --no-tty        never a pty\n"
         "  -l, --user USER     run as USER from the zone's /etc/passwd (default root)\n"
         "  -e, --env VAR=VAL   set VAR for the command (repeatable)\n"
         "  -C, --console       attach to the zone's console; ~. detaches\n"
         "  -h, --help          print this help and exit\n"
         "  -V, --version       print the version and exit\n"
         "Exit status: the command's (128+signal if killed); 126/127 when it could not be\n"
         "run; 1 other failures; 2 usage; 3 no such zone.\n",
         kUsageText);
  return 0;
}

int exit_for(const zonekit::Error& e) {
  if (e.kind == zonekit::ErrorKind::NotFound) return 3;
  if (e.kind == zonekit::ErrorKind::Invalid) return 2;
  if (e.op == "exec") return e.code == EACCES ? zonekit::runtime::kExecNotRunnable
                                              : zonekit::runtime::kExecFailed;
  return 1;
}

// Relay the console until EOF or "~." typed at the start of a line.
int console(const std::string& name, const std::string& run_dir) {
  auto sock = zonekit::runtime::open_console(run_dir);
  if (!sock) {
    fprintf(stderr, "zlogin: zone %s: %s\n", name.c_str(), sock.error().message().c_str());
    return 1;
  }
  int fd = sock->get();
  bool tty = isatty(0);
  struct termios saved{};
  if (tty) {
    tcgetattr(0, &saved);
    struct termios raw = saved;
    cfmakeraw(&raw);
    tcsetattr(0, TCSANOW, &raw);
  }
  fprintf(stderr, "[Connected to zone '%s' console; ~. to detach]\r\n", name.c_str());
  zonekit::runtime::EscapeScanner escape;
  bool in_open = true;
  char buf[4096];
  for (;;) {
    struct pollfd p[2] = {{fd, POLLIN, 0}, {in_open ? 0 : -1, POLLIN, 0}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) break;
      (void)!write(1, buf, static_cast<size_t>(n));
    }
    if (in_open && (p[1].revents & (POLLIN | POLLHUP))) {
      ssize_t n = read(0, buf, sizeof buf);
      if (n <= 0) {
        in_open = false;
        shutdown(fd, SHUT_WR);
        continue;
      }
      std::string out;
      bool detach = escape.feed(buf, static_cast<size_t>(n), out);
      if (!out.empty()) (void)!write(fd, out.data(), out.size());
      if (detach) break;
    }
  }
  if (tty) tcsetattr(0, TCSANOW, &saved);
  fprintf(stderr, "\n[Connection to zone '%s' console closed]\n", name.c_str());
  return 0;
}

}  // namespace

// alias, uuid or unique uuid prefix -> the zone's run directory.
zonekit::Result<std::string> resolve_zone(const std::string& name) {
  auto st = ZK_TRY(zonekit::store::Store::open(zonekit::store::Paths::from_env()));
  std::string uuid = ZK_TRY(st.resolve(name));
  return st.paths().run_zone_dir(uuid);
}

int main(int argc, char** argv) {
  // Before anything opens a file: a closed fd 0-2 must not be reused.
  zonekit::runtime::sanitize_stdio();
  if (zonekit::ops::is_complete_request(argc, argv)) {
    // zlogin parses with getopt; this App only describes it for completion.
    CLI::App app{"zlogin", "zlogin"};
    app.set_help_flag();
    app.add_flag("-t,--tty")->description("force a pty");
    app.add_flag("-T,--no-tty")->description("no pty");
    app.add_flag("-C,--console")->description("attach to the console");
    app.add_option("-l,--user", "user in the zone");
    app.add_option("-e,--env", "VAR=VAL for the command")->allow_extra_args(false);
    app.add_flag("-h,--help")->description("print help");
    app.add_flag("-V,--version")->description("print the version");
    app.add_option("zone", "zone name");
    app.add_option("command", "command and arguments");
    return zonekit::ops::run_complete(app, argc, argv, zonekit::ops::store_live());
  }
  zonekit::runtime::ExecOptions opts;
  bool force_pty = false, no_pty = false, want_console = false;
  int c;
  static const struct option kLong[] = {
      {"tty", no_argument, nullptr, 't'},     {"no-tty", no_argument, nullptr, 'T'},
      {"user", required_argument, nullptr, 'l'}, {"env", required_argument, nullptr, 'e'},
      {"console", no_argument, nullptr, 'C'}, {"help", no_argument, nullptr, 'h'},
      {"version", no_argument, nullptr, 'V'}, {nullptr, 0, nullptr, 0}};
  opterr = 0;  // our own messages, named "zlogin" whatever argv[0] is
  while ((c = getopt_long(argc, argv, "+:tTl:e:ChV", kLong, nullptr)) != -1) {
    switch (c) {
      case 't': force_pty = true; break;
      case 'T': no_pty = true; break;
      case 'l': opts.user = optarg; break;
      case 'e':
        if (!strchr(optarg, '=') || optarg[0] == '=') {
          fprintf(stderr, "zlogin: -e %s: not VAR=VALUE\n", optarg);
          return usage();
        }
        opts.env.push_back(optarg);
        break;
      case 'C': want_console = true; break;
      case 'h': return help();
      case 'V': printf("zlogin (zonekit) %s\n", ZONEKIT_VERSION); return 0;
      case ':':
        fprintf(stderr, "zlogin: option '%s' needs a value\n", argv[optind - 1]);
        return usage();
      default:
        fprintf(stderr, "zlogin: unknown option '%s'\n", argv[optind - 1]);
        return usage();
    }
  }
  if (force_pty && no_pty) {
    fprintf(stderr, "zlogin: -t and -T cannot be used together\n");
    return usage();
  }
  if (optind >= argc) {
    fprintf(stderr, "zlogin: a zone is required\n");
    return usage();
  }
  std::string name = argv[optind++];
  for (int i = optind; i < argc; ++i) opts.argv.push_back(argv[i]);

  auto run_dir = resolve_zone(name);
  if (!run_dir) {
    fprintf(stderr, "zlogin: %s\n", run_dir.error().message().c_str());
    return exit_for(run_dir.error());
  }
  // A zone running without its zoneadmd gets a new one first (zlogin -C
  // needs it; a command would not, so adoption failing does not stop it).
  auto adopted = zonekit::runtime::query_adopting(*run_dir, zonekit::ops::libexec_path("zoneadmd"), 30 * 1000);
  if (!adopted) {
    fprintf(stderr, "zlogin: zone %s: %s\n", name.c_str(), adopted.error().message().c_str());
    if (want_console) return exit_for(adopted.error());
  }
  if (want_console) {
    if (!opts.argv.empty()) {
      fprintf(stderr, "zlogin: -C takes no command\n");
      return usage();
    }
    return console(name, *run_dir);
  }
  // As ssh: a shell gets a pty only when stdin is a terminal; -t forces one.
  opts.pty = force_pty || (opts.argv.empty() && !no_pty && isatty(0));
  if (const char* term = getenv("TERM")) opts.term = term;
  auto rc = zonekit::runtime::exec_in_zone(*run_dir, opts);
  if (!rc) {
    fprintf(stderr, "zlogin: zone %s: %s\n", name.c_str(), rc.error().message().c_str());
    return exit_for(rc.error());
  }
  return *rc;
}
