// `zoneadm list` output with hostile field values: -p must keep one line per
// row and exactly one unescaped ':' between fields; -j must be JSON that
// reads back to the same values; the table keeps one line per row.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/ops/output.hpp"
#include "core/ops/zone_fields.hpp"

using namespace zonekit;
using nlohmann::json;

namespace {

// Fields separated by unescaped ':' in one -p line.
size_t parseable_fields(const std::string& line) {
  size_t n = 1;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\') {
      ++i;
      continue;
    }
    if (line[i] == ':') ++n;
  }
  return n;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string::npos) abort();  // output ends with a newline
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t z = in.find('\0', start);
    parts.push_back(in.substr(start, z == std::string::npos ? std::string::npos : z - start));
    if (z == std::string::npos) break;
    start = z + 1;
  }
  // Stored values always went through the JSON parser: valid UTF-8 only.
  for (const auto& p : parts) {
    try {
      (void)json(p).dump();
    } catch (const json::exception&) {
      return 0;
    }
  }
  auto part = [&](size_t i) { return i < parts.size() ? parts[i] : std::string(); };
  std::vector<json> rows;
  for (size_t r = 0; r < 2; ++r) {
    json row = {{"uuid", part(r * 4)}, {"alias", part(r * 4 + 1)}, {"brand", "sparse"},
                {"state", part(r * 4 + 2)}, {"tags", {{"role", part(r * 4 + 3)}}},
                {"max_physical_memory", 256}};
    rows.push_back(row);
  }
  const std::vector<std::string> fields = {"uuid", "alias", "state", "tags.role", "ram"};

  ops::ListOptions p;
  p.fields = fields;
  p.parseable = true;
  p.header = false;
  auto out = ops::render_list(rows, p, ops::zone_fields(), ops::zone_field);
  if (!out) abort();
  auto lines = lines_of(*out);
  if (lines.size() != rows.size()) abort();
  for (const auto& l : lines)
    if (parseable_fields(l) != fields.size()) abort();

  ops::ListOptions t;
  t.fields = fields;
  auto table = ops::render_list(rows, t, ops::zone_fields(), ops::zone_field);
  if (!table || lines_of(*table).size() != rows.size() + 1) abort();

  ops::ListOptions j;
  j.json = true;
  j.fields = fields;
  auto js = ops::render_list(rows, j, ops::zone_fields(), ops::zone_field);
  if (!js) abort();
  json back = json::parse(*js, nullptr, false);
  if (back.is_discarded() || !back.is_array() || back.size() != rows.size()) abort();
  return 0;
}
