#include "core/ops/zonestat.hpp"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/net/antispoof.hpp"
#include "core/ops/zones.hpp"
#include "core/runtime/run_dir.hpp"
#include "core/plan/zone_spec.hpp"
#include "core/sys/fs.hpp"

namespace zonekit::ops::zonestat {

using nlohmann::json;

namespace {

double now_mono() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

uint64_t mib(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_number_unsigned() ? it->get<uint64_t>() << 20 : 0;
}

uint64_t num(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

uint64_t to_u64(const std::string& s) {
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') break;
    v = v * 10 + uint64_t(c - '0');
  }
  return v;
}

// Zonekit's own host links: zone veths and nothing else it names "zk".
bool zonekit_link(const std::string& name) { return name.starts_with("zk"); }

double rate(uint64_t before, uint64_t after, double dt) {
  return after >= before && dt > 0 ? double(after - before) / dt : 0.0;
}

json pct(double part, double whole) {
  if (whole <= 0) return nullptr;
  return std::round(part * 1000.0 / whole) / 10.0;
}

json one_decimal(double v) { return std::round(v * 10.0) / 10.0; }

}  // namespace

void parse_proc_stat(const std::string& text, HostSample& h) {
  std::istringstream in(text);
  std::string line;
  long hz = sysconf(_SC_CLK_TCK);
  if (hz <= 0) hz = 100;
  while (std::getline(in, line)) {
    auto w = words(line);
    if (w.empty() || w[0] != "cpu") continue;
    uint64_t total = 0, idle = 0;
    for (size_t i = 1; i < w.size() && i <= 8; ++i) {  // user..steal; guest is inside user
      uint64_t v = to_u64(w[i]);
      total += v;
      if (i == 4 || i == 5) idle += v;  // idle, iowait
    }
    uint64_t ns_per_tick = 1000000000ull / uint64_t(hz);
    h.cpu_total_ns = total * ns_per_tick;
    h.cpu_busy_ns = (total - idle) * ns_per_tick;
    return;
  }
}

void parse_meminfo(const std::string& text, HostSample& h) {
  std::map<std::string, uint64_t> kib;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto w = words(line);
    if (w.size() >= 2 && w[0].ends_with(":")) kib[w[0].substr(0, w[0].size() - 1)] = to_u64(w[1]);
  }
  h.mem_total = kib["MemTotal"] << 10;
  uint64_t avail = kib.contains("MemAvailable") ? kib["MemAvailable"] : kib["MemFree"];
  h.mem_used = h.mem_total - std::min(h.mem_total, avail << 10);
  h.swap_total = kib["SwapTotal"] << 10;
  h.swap_used = h.swap_total - std::min(h.swap_total, kib["SwapFree"] << 10);
}

void parse_loadavg(const std::string& text, HostSample& h) {
  auto w = words(text);
  if (w.size() >= 4) {
    auto slash = w[3].find('/');
    if (slash != std::string::npos) h.lwps = to_u64(w[3].substr(slash + 1));
  }
}

void parse_diskstats(const std::string& text, const std::vector<std::string>& whole_disks, HostSample& h) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto w = words(line);
    // major minor name reads merged sectors_read ms writes merged sectors_written ...
    if (w.size() < 10 || std::find(whole_disks.begin(), whole_disks.end(), w[2]) == whole_disks.end()) continue;
    h.disk_read += to_u64(w[5]) * 512;
    h.disk_write += to_u64(w[9]) * 512;
  }
}

Result<Sample> sample(const store::Store& st, const std::vector<std::string>& zones) {
  Sample s;
  std::set<std::string> wanted;
  for (const auto& z : zones) wanted.insert(ZK_TRY(st.resolve(z)));
  auto views = ZK_TRY(list(st));
  auto driver = cgroup::detect(st.config().cgroup_root);
  std::map<std::string, netlink::LinkStats> links;
  auto sock = netlink::RouteSocket::open();
  if (sock)
    if (auto all = sock->list_links())
      for (const auto& l : *all) {
        links[l.name] = l.stats;
        if (l.name != "lo" && !zonekit_link(l.name)) {
          s.host.net.rx_bytes += l.stats.rx_bytes;
          s.host.net.tx_bytes += l.stats.tx_bytes;
          s.host.net.rx_packets += l.stats.rx_packets;
          s.host.net.tx_packets += l.stats.tx_packets;
        }
      }
  for (auto& v : views) {
    if (!wanted.empty() && !wanted.contains(v.uuid)) continue;
    ZoneSample z;
    z.uuid = v.uuid;
    z.alias = v.doc.value("alias", std::string());
    z.state = v.state;
    z.mem_limit = mib(v.doc, "max_physical_memory");
    uint64_t memsw = mib(v.doc, "max_swap");
    z.swap_limit = memsw > z.mem_limit ? memsw - z.mem_limit : 0;
    z.lwps_limit = num(v.doc, "max_lwps");
    z.cpu_cap_pct = num(v.doc, "cpu_cap");
    if (driver && (v.state == "running" || v.state == "shutting_down" || v.state == "ready")) {
      // Where the zone's boot put its cgroup (a systemd scope, or under the
      // parent): its spec.json says.
      auto spec = runtime::read_spec(st.paths().run_zone_dir(v.uuid));
      const std::string path = spec && spec->uuid == v.uuid && !spec->cgroup_path.empty()
                                   ? spec->cgroup_path
                                   : st.config().cgroup_parent + "/" + v.uuid;
      if (auto cg = (*driver)->stats(path)) {
        z.measured = true;
        z.cg = *cg;
      }
    }
    if (z.measured && v.doc.contains("nics") && v.doc["nics"].is_array()) {
      for (uint32_t i = 0; i < v.doc["nics"].size(); ++i) {
        auto it = links.find(host_ifname(v.uuid, i));
        if (it == links.end()) continue;
        // The host end's rx is what the zone sent.
        z.net.rx_bytes += it->second.tx_bytes;
        z.net.tx_bytes += it->second.rx_bytes;
        z.net.rx_packets += it->second.tx_packets;
        z.net.tx_packets += it->second.rx_packets;
      }
    }
    s.zones.push_back(std::move(z));
  }
  if (auto t = fs::read_file("/proc/stat", 1 << 20)) parse_proc_stat(*t, s.host);
  if (auto t = fs::read_file("/proc/meminfo", 1 << 20)) parse_meminfo(*t, s.host);
  if (auto t = fs::read_file("/proc/loadavg", 4096)) parse_loadavg(*t, s.host);
  if (auto t = fs::read_file("/proc/diskstats", 1 << 20)) parse_diskstats(*t, fs::list_dir("/sys/block"), s.host);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  s.host.cpus = cpus > 0 ? unsigned(cpus) : 1;
  s.at = now_mono();
  return s;
}

std::optional<json> usage_of(const store::Store& st, const std::string& uuid) {
  auto s = sample(st, {uuid});
  if (!s || s->zones.size() != 1 || !s->zones[0].measured) return std::nullopt;
  const ZoneSample& z = s->zones[0];
  json out = {{"cpu_seconds", double(z.cg.cpu_usage_ns) / 1e9},
              {"memory_bytes", z.cg.memory_current},
              {"memory_limit_bytes", z.mem_limit},
              {"swap_bytes", z.cg.swap_current},
              {"lwps", z.cg.pids_current},
              {"lwps_limit", z.lwps_limit},
              {"oom_kills", z.cg.oom_kills},
              {"net_rx_bytes", z.net.rx_bytes},
              {"net_tx_bytes", z.net.tx_bytes},
              {"net_rx_packets", z.net.rx_packets},
              {"net_tx_packets", z.net.tx_packets},
              {"disk_read_bytes", z.cg.io_read_bytes},
              {"disk_written_bytes", z.cg.io_write_bytes}};
  // Frames the anti-spoofing filter dropped, per counter ("n0_ip": 3): one
  // request for this zone's table, which stays cheap with thousands of
  // zones (the nft command builds a cache of every table first).
  if (auto drops = net::antispoof_counters(uuid)) out["antispoof_drops"] = *drops;
  return out;
}

std::vector<json> rows(const Sample& a, const Sample& b) {
  double dt = b.at - a.at;
  std::map<std::string, const ZoneSample*> before;
  for (const auto& z : a.zones) before[z.uuid] = &z;
  std::vector<json> out;
  json total = {{"zone", "total"}, {"uuid", nullptr}, {"alias", nullptr}, {"state", nullptr}};
  double t_cpu = 0, t_in = 0, t_out = 0, t_pin = 0, t_pout = 0, t_dr = 0, t_dw = 0;
  uint64_t t_mem = 0, t_swap = 0, t_lwps = 0;
  for (const auto& z : b.zones) {
    json r = {{"zone", z.alias.empty() ? z.uuid : z.alias},
              {"uuid", z.uuid},
              {"alias", z.alias.empty() ? json(nullptr) : json(z.alias)},
              {"state", z.state}};
    auto it = before.find(z.uuid);
    const ZoneSample* p = it == before.end() ? nullptr : it->second;
    if (!z.measured || !p || !p->measured) {
      for (const char* f : {"cpu", "cpu_cap", "mem", "mem_pct", "swap", "swap_pct", "lwps", "lwps_pct", "net_in",
                            "net_out", "pkt_in", "pkt_out", "disk_read", "disk_write"})
        r[f] = nullptr;
      out.push_back(std::move(r));
      continue;
    }
    double cpu = rate(p->cg.cpu_usage_ns, z.cg.cpu_usage_ns, dt) / 1e9 * 100.0;  // % of one CPU
    r["cpu"] = one_decimal(cpu);
    r["cpu_cap"] = z.cpu_cap_pct ? pct(cpu, double(z.cpu_cap_pct)) : json(nullptr);
    r["mem"] = z.cg.memory_current;
    r["mem_pct"] = pct(double(z.cg.memory_current), double(z.mem_limit));
    r["swap"] = z.cg.swap_current;
    r["swap_pct"] = pct(double(z.cg.swap_current), double(z.swap_limit));
    r["lwps"] = z.cg.pids_current;
    r["lwps_pct"] = pct(double(z.cg.pids_current), double(z.lwps_limit));
    double in = rate(p->net.rx_bytes, z.net.rx_bytes, dt), outb = rate(p->net.tx_bytes, z.net.tx_bytes, dt);
    double pin = rate(p->net.rx_packets, z.net.rx_packets, dt), pout = rate(p->net.tx_packets, z.net.tx_packets, dt);
    double dr = rate(p->cg.io_read_bytes, z.cg.io_read_bytes, dt), dw = rate(p->cg.io_write_bytes, z.cg.io_write_bytes, dt);
    r["net_in"] = std::llround(in);
    r["net_out"] = std::llround(outb);
    r["pkt_in"] = std::llround(pin);
    r["pkt_out"] = std::llround(pout);
    r["disk_read"] = std::llround(dr);
    r["disk_write"] = std::llround(dw);
    t_cpu += cpu, t_in += in, t_out += outb, t_pin += pin, t_pout += pout, t_dr += dr, t_dw += dw;
    t_mem += z.cg.memory_current, t_swap += z.cg.swap_current, t_lwps += z.cg.pids_current;
    out.push_back(std::move(r));
  }
  total["cpu"] = one_decimal(t_cpu);
  total["cpu_cap"] = nullptr;
  total["mem"] = t_mem;
  total["mem_pct"] = pct(double(t_mem), double(b.host.mem_total));
  total["swap"] = t_swap;
  total["swap_pct"] = nullptr;
  total["lwps"] = t_lwps;
  total["lwps_pct"] = nullptr;
  total["net_in"] = std::llround(t_in);
  total["net_out"] = std::llround(t_out);
  total["pkt_in"] = std::llround(t_pin);
  total["pkt_out"] = std::llround(t_pout);
  total["disk_read"] = std::llround(t_dr);
  total["disk_write"] = std::llround(t_dw);
  out.push_back(std::move(total));

  const HostSample &h0 = a.host, &h = b.host;
  json host = {{"zone", "host"}, {"uuid", nullptr}, {"alias", nullptr}, {"state", nullptr}};
  uint64_t busy = h.cpu_busy_ns >= h0.cpu_busy_ns ? h.cpu_busy_ns - h0.cpu_busy_ns : 0;
  uint64_t all = h.cpu_total_ns >= h0.cpu_total_ns ? h.cpu_total_ns - h0.cpu_total_ns : 0;
  // In units of one CPU like the zones' figures: two busy CPUs are 200%.
  host["cpu"] = all ? one_decimal(double(busy) / double(all) * 100.0 * h.cpus) : json(nullptr);
  host["cpu_cap"] = nullptr;
  host["mem"] = h.mem_used;
  host["mem_pct"] = pct(double(h.mem_used), double(h.mem_total));
  host["swap"] = h.swap_used;
  host["swap_pct"] = pct(double(h.swap_used), double(h.swap_total));
  host["lwps"] = h.lwps;
  host["lwps_pct"] = nullptr;
  host["net_in"] = std::llround(rate(h0.net.rx_bytes, h.net.rx_bytes, dt));
  host["net_out"] = std::llround(rate(h0.net.tx_bytes, h.net.tx_bytes, dt));
  host["pkt_in"] = std::llround(rate(h0.net.rx_packets, h.net.rx_packets, dt));
  host["pkt_out"] = std::llround(rate(h0.net.tx_packets, h.net.tx_packets, dt));
  host["disk_read"] = std::llround(rate(h0.disk_read, h.disk_read, dt));
  host["disk_write"] = std::llround(rate(h0.disk_write, h.disk_write, dt));
  out.push_back(std::move(host));
  return out;
}

const std::vector<FieldInfo>& fields() {
  static const std::vector<FieldInfo> f = {
      {"zone", "ZONE"},          {"uuid", "UUID"},         {"alias", "ALIAS"},        {"state", "STATE"},
      {"cpu", "CPU%", true},     {"cpu_cap", "%CAP", true}, {"mem", "MEM", true},      {"mem_pct", "%MEM", true},
      {"swap", "SWAP", true},    {"swap_pct", "%SWAP", true}, {"lwps", "LWPS", true},  {"lwps_pct", "%LWP", true},
      {"net_in", "NETIN/s", true}, {"net_out", "NETOUT/s", true}, {"pkt_in", "PKTIN/s", true},
      {"pkt_out", "PKTOUT/s", true}, {"disk_read", "DISKR/s", true}, {"disk_write", "DISKW/s", true}};
  return f;
}

const std::vector<std::string>& default_columns() {
  static const std::vector<std::string> c = {"zone", "cpu", "cpu_cap", "mem", "mem_pct", "swap", "lwps",
                                             "lwps_pct", "net_in", "net_out", "disk_read", "disk_write"};
  return c;
}

std::string cell(const json& row, const std::string& field, bool raw) {
  auto it = row.find(field);
  if (it == row.end() || it->is_null()) return "-";
  if (it->is_string()) return it->get<std::string>();
  if (raw) return it->dump();
  bool percent = field == "cpu" || field.ends_with("_pct") || field == "cpu_cap";
  if (percent) return fmt::format("{:.1f}", it->get<double>());
  if (field == "lwps" || field.starts_with("pkt_")) return it->dump();
  // Sizes and byte rates: 1024-based, like imgadm and zoneadm's sizes.
  double v = it->get<double>();
  const char* units[] = {"", "K", "M", "G", "T"};
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  return u == 0 ? fmt::format("{:.0f}", v) : fmt::format("{:.1f}{}", v, units[u]);
}

namespace {

std::string label_value(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// Integral values as integers (no "1e+06"), others as fmt's shortest form.
std::string number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9e15) return fmt::format("{:.0f}", v);
  return fmt::format("{}", v);
}

struct Metric {
  const char* name;
  const char* type;
  const char* help;
};

}  // namespace

std::string prometheus(const Sample& a, const Sample& b) {
  auto rs = rows(a, b);
  std::map<std::string, const json*> by_uuid;
  for (const auto& r : rs)
    if (r["uuid"].is_string()) by_uuid[r["uuid"].get<std::string>()] = &r;
  std::string out;
  auto family = [&](const Metric& m, const std::function<std::optional<double>(const ZoneSample&, const json&)>& value) {
    std::string lines;
    for (const auto& z : b.zones) {
      auto v = value(z, *by_uuid[z.uuid]);
      if (!v) continue;
      lines += fmt::format("{}{{zone=\"{}\",alias=\"{}\",uuid=\"{}\"}} {}\n", m.name,
                           label_value(z.alias.empty() ? z.uuid : z.alias), label_value(z.alias), z.uuid,
                           number(*v));
    }
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", m.name, m.help, m.name, m.type) + lines;
  };
  auto measured = [](const ZoneSample& z, uint64_t v) -> std::optional<double> {
    return z.measured ? std::optional<double>(double(v)) : std::nullopt;
  };
  auto from_row = [](const json& r, const char* f) -> std::optional<double> {
    return r.contains(f) && r[f].is_number() ? std::optional<double>(r[f].get<double>()) : std::nullopt;
  };
  family({"zonekit_zone_running", "gauge", "1 when the zone runs, else 0"},
         [](const ZoneSample& z, const json&) { return std::optional<double>(z.state == "running" ? 1 : 0); });
  family({"zonekit_zone_cpu_seconds_total", "counter", "CPU time the zone used"},
         [](const ZoneSample& z, const json&) {
           return z.measured ? std::optional<double>(double(z.cg.cpu_usage_ns) / 1e9) : std::nullopt;
         });
  family({"zonekit_zone_cpu_percent", "gauge", "CPU used over the interval, percent of one CPU"},
         [&](const ZoneSample&, const json& r) { return from_row(r, "cpu"); });
  family({"zonekit_zone_cpu_cap_percent", "gauge", "the zone's cpu_cap, percent of one CPU"},
         [](const ZoneSample& z, const json&) {
           return z.cpu_cap_pct ? std::optional<double>(double(z.cpu_cap_pct)) : std::nullopt;
         });
  family({"zonekit_zone_memory_bytes", "gauge", "memory the zone uses, page cache included"},
         [&](const ZoneSample& z, const json&) { return measured(z, z.cg.memory_current); });
  family({"zonekit_zone_memory_limit_bytes", "gauge", "the zone's max_physical_memory"},
         [](const ZoneSample& z, const json&) { return std::optional<double>(double(z.mem_limit)); });
  family({"zonekit_zone_swap_bytes", "gauge", "swap the zone uses"},
         [&](const ZoneSample& z, const json&) { return measured(z, z.cg.swap_current); });
  family({"zonekit_zone_lwps", "gauge", "processes and threads in the zone"},
         [&](const ZoneSample& z, const json&) { return measured(z, z.cg.pids_current); });
  family({"zonekit_zone_lwps_limit", "gauge", "the zone's max_lwps"},
         [](const ZoneSample& z, const json&) { return std::optional<double>(double(z.lwps_limit)); });
  family({"zonekit_zone_network_receive_bytes_total", "counter", "bytes the zone received on its nics"},
         [&](const ZoneSample& z, const json&) { return measured(z, z.net.rx_bytes); });
  family({"zonekit_zone_network_transmit_bytes_total", "counter", "bytes the zone sent on its nics"},
         [&](const ZoneSample& z, const json&) { return measured(z, z.net.tx_bytes); });
  family({"zonekit_zone_network_receive_packets_total", "counter", "packets the zone received"},
         [&](const ZoneSample& z, const json&) { return measured(z, z.net.rx_packets); });
  family({"zonekit_zone_network_transmit_packets_total", "counter", "packets the zone sent"},
         [&](const ZoneSample& z, const json&) { return measured(z, z.net.tx_packets); });
  family({"zonekit_zone_disk_read_bytes_total", "counter", "bytes the zone read from block devices"},
         [&](const ZoneSample& z, const json&) { return measured(z, z.cg.io_read_bytes); });
  family({"zonekit_zone_disk_written_bytes_total", "counter", "bytes the zone wrote to block devices"},
         [&](const ZoneSample& z, const json&) { return measured(z, z.cg.io_write_bytes); });
  const HostSample& h = b.host;
  out += fmt::format(
      "# HELP zonekit_host_cpus CPUs online\n# TYPE zonekit_host_cpus gauge\nzonekit_host_cpus {}\n"
      "# HELP zonekit_host_memory_bytes memory the host uses (total less available)\n"
      "# TYPE zonekit_host_memory_bytes gauge\nzonekit_host_memory_bytes {}\n"
      "# HELP zonekit_host_memory_total_bytes the host's memory\n"
      "# TYPE zonekit_host_memory_total_bytes gauge\nzonekit_host_memory_total_bytes {}\n",
      h.cpus, h.mem_used, h.mem_total);
  return out;
}

}  // namespace zonekit::ops::zonestat
