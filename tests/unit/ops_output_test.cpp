#include <doctest/doctest.h>

#include "core/ops/output.hpp"
#include "core/ops/zone_fields.hpp"

using namespace zonekit;
using nlohmann::json;

namespace {
std::vector<json> rows() {
  return {
      {{"uuid", "u1"}, {"alias", "web"}, {"brand", "sparse"}, {"max_physical_memory", 512}, {"state", "running"},
       {"nics", json::array({{{"ips", json::array({"10.0.0.5/24"})}, {"primary", true}}})},
       {"tags", {{"role", "a:b\\c"}}}},
      {{"uuid", "u2"}, {"alias", "db"}, {"brand", "image"}, {"max_physical_memory", 2048}, {"state", "stopped"}},
  };
}
std::string render(ops::ListOptions o) {
  auto r = ops::render_list(rows(), o, ops::zone_fields(), ops::zone_field);
  REQUIRE(r);
  return *r;
}
}  // namespace

TEST_CASE("parseable escaping") {
  CHECK(ops::escape_parseable("a:b\\c\nd") == "a\\:b\\\\c\\nd");
  CHECK(ops::escape_parseable("plain") == "plain");
}

TEST_CASE("table cells: one line, and no terminal control sequences") {
  CHECK(ops::cell_text("a\nb\tc\rd", false) == "a b c d");
  CHECK(ops::cell_text("\x1b]0;pwned\x07\x1b[2J", false) == "?]0;pwned??[2J");
  CHECK(ops::cell_text("x\x7fy", false) == "x?y");
  CHECK(ops::cell_text("csi\xc2\x9b" "31m", false) == "csi?31m");   // U+009B
  CHECK(ops::cell_text("caf\xc3\xa9 \xc2\xa0nbsp", false) == "caf\xc3\xa9 \xc2\xa0nbsp");  // printable UTF-8 kept
  CHECK(ops::cell_text("", false) == "-");
  CHECK(ops::cell_text("a:b", true) == "a\\:b");   // parseable: escaped, not replaced
}

TEST_CASE("table, parseable and JSON output") {
  ops::ListOptions o;
  o.fields = {"uuid", "alias", "ram", "state", "ip"};
  o.sort = {"alias"};
  CHECK(render(o) ==
        "UUID  ALIAS   RAM  STATE    IP\n"
        "u2    db     2048  stopped  -\n"
        "u1    web     512  running  10.0.0.5\n");
  o.header = false;
  o.parseable = true;
  o.fields = {"alias", "tags.role", "ip"};
  CHECK(render(o) == "db::\nweb:a\\:b\\\\c:10.0.0.5\n");
  o.parseable = false;
  o.json = true;
  o.fields = {"alias", "ram"};
  CHECK(render(o) == "[\n  {\n    \"alias\": \"db\",\n    \"ram\": 2048\n  },\n  {\n    \"alias\": \"web\",\n    \"ram\": 512\n  }\n]\n");
}

TEST_CASE("sort descending, filters, and errors name the bad field") {
  ops::ListOptions o;
  o.fields = {"alias"};
  o.header = false;
  o.sort = {"-ram"};
  CHECK(render(o) == "db\nweb\n");
  o.filters = {"state=running"};
  CHECK(render(o) == "web\n");
  o.filters = {"alias=~^d"};
  CHECK(render(o) == "db\n");
  o.filters = {"ram=512"};
  CHECK(render(o) == "web\n");
  o.filters = {"colour=red"};
  auto bad = ops::render_list(rows(), o, ops::zone_fields(), ops::zone_field);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::Invalid);
  CHECK(bad.error().message().rfind("unknown field \"colour\" (known: uuid, type, alias,", 0) == 0);
  o.filters = {"alias=~("};
  CHECK_FALSE(ops::render_list(rows(), o, ops::zone_fields(), ops::zone_field));
}
