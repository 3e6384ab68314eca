// zonestat: per-zone CPU, memory, swap, lwps, network and disk use, one
// block per interval (or redrawn in place on a terminal), like illumos
// zonestat(1) and prstat -Z. Parsing and printing only; the figures come
// from core/ops/zonestat.
#include <poll.h>
#include <signal.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "core/ops/cli_parse.hpp"
#include "core/ops/cli_util.hpp"
#include "core/ops/complete_live.hpp"
#include "core/ops/output.hpp"
#include "core/ops/zonestat.hpp"
#include "core/store/store.hpp"

using namespace zonekit;
using nlohmann::json;
namespace zs = zonekit::ops::zonestat;

namespace {

const char* kTool = "zonestat";

struct termios g_saved;
bool g_raw = false;
void restore_tty() {
  if (g_raw) tcsetattr(STDIN_FILENO, TCSANOW, &g_saved);
  g_raw = false;
}
void on_signal(int) {
  restore_tty();
  (void)!write(STDOUT_FILENO, "\033[?25h\n", 7);
  _exit(0);
}

// Sort zone rows (the total and host rows stay last): by field, descending
// for figures, ascending for names.
void sort_rows(std::vector<json>& rows, const std::string& field) {
  auto end = std::find_if(rows.begin(), rows.end(), [](const json& r) { return r["uuid"].is_null(); });
  bool text = field == "zone" || field == "uuid" || field == "alias" || field == "state";
  std::stable_sort(rows.begin(), end, [&](const json& a, const json& b) {
    const json& x = a[field];
    const json& y = b[field];
    if (x.is_null() != y.is_null()) return y.is_null();  // zones with figures first
    if (x.is_null()) return false;
    if (text) return x.get<std::string>() < y.get<std::string>();
    return x.get<double>() > y.get<double>();
  });
}

std::string render(std::vector<json> rows, const std::vector<std::string>& cols, bool header, bool raw,
                   bool parseable, bool as_json) {
  if (as_json) {
    json arr = json::array();
    for (auto& r : rows) {
      json o = json::object();
      for (const auto& c : cols) o[c] = r[c];
      arr.push_back(std::move(o));
    }
    return arr.dump() + "\n";
  }
  const auto& known = zs::fields();
  auto info = [&](const std::string& f) {
    return *std::find_if(known.begin(), known.end(), [&](const ops::FieldInfo& i) { return i.name == f; });
  };
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) {
    std::vector<std::string> line;
    for (const auto& c : cols) {
      if (parseable) line.push_back(ops::cell_text(r[c], true));
      else line.push_back(zs::cell(r, c, raw));
    }
    cells.push_back(std::move(line));
  }
  std::string out;
  if (parseable) {
    for (const auto& l : cells) {
      for (size_t i = 0; i < l.size(); ++i) out += (i ? ":" : "") + l[i];
      out += "\n";
    }
    return out;
  }
  std::vector<size_t> width(cols.size());
  for (size_t i = 0; i < cols.size(); ++i) {
    width[i] = header ? info(cols[i]).header.size() : 0;
    for (const auto& l : cells) width[i] = std::max(width[i], l[i].size());
  }
  auto line = [&](const std::vector<std::string>& l) {
    std::string s;
    for (size_t i = 0; i < l.size(); ++i) {
      bool right = info(cols[i]).numeric;
      std::string pad(width[i] - std::min(width[i], l[i].size()), ' ');
      s += (i ? "  " : "") + (right ? pad + l[i] : (i + 1 == l.size() ? l[i] : l[i] + pad));
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };
  if (header) {
    std::vector<std::string> h;
    for (const auto& c : cols) h.push_back(info(c).header);
    out += line(h);
  }
  for (const auto& l : cells) out += line(l);
  return out;
}

// Keys of the live view: a sort field each, q to quit.
std::string sort_for_key(char c) {
  switch (c) {
    case 'c': return "cpu";
    case 'm': return "mem";
    case 's': return "swap";
    case 'l': return "lwps";
    case 'n': return "net_in";
    case 'o': return "net_out";
    case 'r': return "disk_read";
    case 'w': return "disk_write";
    case 'z': return "zone";
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"zonestat: what each zone uses (CPU, memory, swap, lwps, network, disk), per interval.\n"
               "Exit status: 0 ok, 1 failure, 2 usage, 3 no such zone.",
               kTool};
  app.set_version_flag("--version,-V", std::string("zonestat (zonekit) ") + ZONEKIT_VERSION);
  std::vector<std::string> zones, o_fields;
  std::string sort_field = "cpu";
  bool raw = false, parseable = false, as_json = false, prom = false, no_header = false;
  double interval = -1;
  long count = -1;
  app.add_option("-z,--zone", zones, "zones to show (alias, uuid or uuid prefix), comma-separated")
      ->delimiter(',')
      ->allow_extra_args(false);
  app.add_flag("-r,--raw", raw, "raw numbers (bytes, bytes/s) instead of K/M/G in the table");
  app.add_option("-o,--output", o_fields, "fields to show, comma-separated; 'prometheus' for that format")
      ->allow_extra_args(false);
  app.add_option("-s,--sort", sort_field, "sort zones by this field (figures descending)")->capture_default_str();
  app.add_flag("-H,--no-header", no_header, "omit the header line");
  app.add_flag("-p,--parseable", parseable, "colon-separated, ':' and '\\' escaped");
  app.add_flag("-j,--json", as_json, "a JSON array per interval, one per line");
  app.add_flag("--prometheus", prom, "Prometheus text exposition format (one sample over INTERVAL)");
  app.add_option("interval", interval, "seconds between reports (default 1; 2 when redrawn on a terminal)");
  app.add_option("count", count, "number of reports (default 1; forever when redrawn on a terminal)");

  if (ops::is_complete_request(argc, argv)) {
    ops::Live live = ops::store_live();
    live.option_values = [zones = live.zones](const std::string&, const std::string& opt) {
      std::vector<std::string> out;
      if (opt == "zone") return zones("zonestat");
      if (opt == "output" || opt == "sort")
        for (const auto& f : zs::fields()) out.push_back(f.name);
      if (opt == "output") out.push_back("prometheus");
      return out;
    };
    return ops::run_complete(app, argc, argv, live);
  }
  if (auto rc = cli::parse(app, {argv + 1, argv + argc}, kTool)) return *rc;

  auto usage = [&](const std::string& what) {
    cli::print_error(kTool, fail(what, ErrorKind::Invalid).error());
    return cli::kUsage;
  };
  auto cols = ops::split_list(o_fields);
  if (cols.size() == 1 && cols[0] == "prometheus") prom = true, cols.clear();
  if (int(parseable) + int(as_json) + int(prom) > 1) return usage("-p, -j and prometheus output exclude each other");
  if (cols.empty() && (as_json || parseable))
    for (const auto& f : zs::fields()) cols.push_back(f.name);  // scripts get every field
  if (cols.empty()) cols = zs::default_columns();
  if (auto r = ops::check_fields(cols, zs::fields()); !r) return usage("-o: " + r.error().message());
  if (auto r = ops::check_fields({sort_field}, zs::fields()); !r) return usage("-s: " + r.error().message());
  if (interval != -1 && (!(interval > 0) || interval > 86400)) return usage("interval: must be above 0 seconds");
  if (count != -1 && count < 1) return usage("count: must be at least 1");

  bool live_view = !parseable && !as_json && !prom && cli::stdout_is_tty();
  if (interval < 0) interval = live_view ? 2 : 1;
  if (count < 0) count = live_view ? 0 : 1;  // 0: forever
  if (prom) count = 1;

  auto st = store::Store::open(store::Paths::from_env());
  if (!st) {
    cli::print_error(kTool, st.error());
    return cli::exit_code(st.error());
  }
  auto before = zs::sample(*st, zones);
  if (!before) {
    cli::print_error(kTool, before.error());
    return cli::exit_code(before.error());
  }
  if (live_view && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &g_saved) == 0) {
    struct termios raw_mode = g_saved;
    raw_mode.c_lflag &= ~tcflag_t(ICANON | ECHO);
    raw_mode.c_cc[VMIN] = 0;
    raw_mode.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &raw_mode);
    g_raw = true;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
  }
  for (long n = 0; count == 0 || n < count; ++n) {
    // Wait one interval, reading keys in the live view.
    double until = before->at + interval;
    for (;;) {
      struct timespec ts;
      clock_gettime(CLOCK_MONOTONIC, &ts);
      double left = until - (double(ts.tv_sec) + double(ts.tv_nsec) / 1e9);
      if (left <= 0) break;
      struct pollfd p{g_raw ? STDIN_FILENO : -1, POLLIN, 0};
      if (poll(&p, 1, int(std::ceil(left * 1000))) > 0 && (p.revents & POLLIN)) {
        char c = 0;
        if (read(STDIN_FILENO, &c, 1) == 1) {
          if (c == 'q') {
            restore_tty();
            return 0;
          }
          if (auto f = sort_for_key(c); !f.empty()) sort_field = f;
        }
      }
    }
    auto after = zs::sample(*st, zones);
    if (!after) {
      restore_tty();
      cli::print_error(kTool, after.error());
      return cli::exit_code(after.error());
    }
    if (prom) {
      std::cout << zs::prometheus(*before, *after) << std::flush;
      break;
    }
    auto rows = zs::rows(*before, *after);
    sort_rows(rows, sort_field);
    std::string text = render(rows, cols, !no_header && !parseable, raw, parseable, as_json);
    if (live_view) {
      char stamp[64];
      time_t now = time(nullptr);
      strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", localtime(&now));
      std::cout << "\033[H\033[2J" << "zonestat  " << stamp << "  interval " << interval << " s  sort "
                << sort_field << "  (c m s l n o r w z: sort, q: quit)\n\n"
                << text << std::flush;
    } else {
      std::cout << (n > 0 && !parseable && !as_json ? "\n" : "") << text << std::flush;
    }
    before = std::move(after);
  }
  restore_tty();
  return 0;
}
