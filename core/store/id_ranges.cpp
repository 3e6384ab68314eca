#include "core/store/id_ranges.hpp"

#include <charconv>
#include <sstream>

#include <fmt/format.h>

#include "core/sys/fs.hpp"

namespace zonekit::store {

namespace {

bool parse_u64(std::string_view s, uint64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  for (;;) {
    size_t j = line.find(':', i);
    out.push_back(line.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    if (j == std::string_view::npos) return out;
    i = j + 1;
  }
}

template <class F>
void each_line(const std::string& text, F f) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') f(std::string_view(line));
}

}  // namespace

std::vector<IdSpan> systemd_ranges() {
  return {
      {0, 65535, "system, regular, homed and dynamic ids and nobody (0-65535)"},
      {0x80000, 0x6fffffff, "systemd's container id range (524288-1879048191)"},
      {0x7ffe0000, 0x7ffeffff, "systemd's foreign id range (2147352576-2147418111)"},
  };
}

void add_subordinate_ranges(HostIds& ids, const std::string& text, const std::string& file) {
  each_line(text, [&](std::string_view line) {
    auto f = fields(line);
    uint64_t first, count;
    if (f.size() < 3 || !parse_u64(f[1], first) || !parse_u64(f[2], count) || count == 0) return;
    ids.used.push_back({first, first + count - 1, fmt::format("{}: {}", file, line)});
  });
}

void add_account_ids(HostIds& ids, const std::string& text, const std::string& file, const std::string& kind) {
  each_line(text, [&](std::string_view line) {
    auto f = fields(line);
    uint64_t id;
    if (f.size() < 3 || !parse_u64(f[2], id)) return;
    ids.used.push_back({id, id, fmt::format("host {} {} ({} {} in {})", kind, f[0], kind == "user" ? "uid" : "gid",
                                            id, file)});
  });
}

HostIds read_host_ids(bool with_systemd_ranges, const std::string& etc) {
  HostIds ids;
  if (with_systemd_ranges) ids.used = systemd_ranges();
  auto text = [&](const char* name) {
    auto r = fs::read_file(etc + "/" + name, 16 << 20);
    return r ? *r : std::string();
  };
  add_subordinate_ranges(ids, text("subuid"), etc + "/subuid");
  add_subordinate_ranges(ids, text("subgid"), etc + "/subgid");
  add_account_ids(ids, text("passwd"), etc + "/passwd", "user");
  add_account_ids(ids, text("group"), etc + "/group", "group");
  return ids;
}

const IdSpan* overlap(const HostIds& ids, uint64_t first, uint64_t last) {
  for (const auto& s : ids.used)
    if (s.first <= last && first <= s.last) return &s;
  return nullptr;
}

Result<void> check_id_config(const Config& c, const HostIds& ids) {
  uint64_t first = c.id_first, last = uint64_t(c.id_first) + uint64_t(c.id_ranges) * c.id_count - 1;
  if (c.id_ranges == 0) return fail("[ids] ranges: must be at least 1", ErrorKind::Invalid);
  if (last >= (uint64_t{1} << 31))
    return fail(fmt::format("[ids] first = {}, ranges = {}: the last zone's ids would reach {}, past 2^31 - 1, "
                            "where tools that read ids as signed numbers fail",
                            c.id_first, c.id_ranges, last),
                ErrorKind::Invalid);
  if (const IdSpan* s = overlap(ids, first, last))
    return fail(fmt::format("[ids] first = {}, ranges = {} (ids {}-{}) overlap {}: a host account or range "
                            "sharing a zone's ids can read its files and signal its processes; choose ids "
                            "outside it (the default is first = {}, ranges = {})",
                            c.id_first, c.id_ranges, first, last, s->what, Config{}.id_first, Config{}.id_ranges),
                ErrorKind::Invalid);
  return {};
}

Result<void> check_zone_ids(uint64_t base, uint64_t count, const HostIds& ids) {
  if (const IdSpan* s = overlap(ids, base, base + count - 1))
    return fail(fmt::format("the zone's ids {}-{} include {}, which could read the zone's files and signal its "
                            "processes; remove that account or range (or recreate the zone)",
                            base, base + count - 1, s->what));
  return {};
}

}  // namespace zonekit::store
