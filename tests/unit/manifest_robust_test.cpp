// Hostile input: random mutations of good manifests and update payloads must
// never throw or crash, and whatever validates must normalise to a manifest
// that validates again. Deterministic (fixed seed).
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "core/manifest/parse.hpp"
#include "core/manifest/schema.hpp"
#include "core/manifest/validate.hpp"

using namespace zonekit::manifest;
using json = nlohmann::json;

namespace {

const json kSeed = json::parse(R"({
  "alias": "web01", "brand": "sparse", "max_physical_memory": 512, "max_swap": 1024, "cpu_cap": 100,
  "resolvers": ["192.0.2.53"], "routes": {"10.1.0.0/16": "10.0.0.1", "10.2.0.0/16": "nics[0]"},
  "tags": {"env": "prod"}, "customer_metadata": {"a": "b"},
  "nics": [{"nic_tag": "demo", "ips": ["10.0.0.5/24"], "gateways": ["10.0.0.1"], "mac": "02:00:00:00:00:01"},
           {"nic_tag": "demo", "ip": "10.0.1.5", "netmask": "255.255.255.0", "gateway": "10.0.1.1"}],
  "filesystems": [{"type": "lofs", "source": "/usr/share/doc", "target": "/srv/doc", "options": ["ro"]}]})");

json random_value(std::mt19937& rng) {
  static const std::vector<json> pool = {
      nullptr, true, false, 0, 1, -1, 255, 4095, 65536, int64_t(1) << 62, 18446744073709551615ull, 1.5, 1e300, "",
      "x", "true", "512M", "10.0.0.300/24", "10.0.0.5/24", "fd00::1", "dhcp", "/proc/x", "/srv/../etc", "/srv",
      "02:00:00:00:00:01", "01:00:00:00:00:00", "nics[0]", "nics[9]", "net0", "eth0", "kvm", "joyent", "image",
      "a\nb", std::string("a\0b", 3), json::array(), json::object(), json::array({"10.0.0.6/24", 1}),
      json::object({{"k", json::object()}}), json::array({json::object({{"nic_tag", "demo"}})}),
      json::array({"ro", "rw", "nodev"})};
  return pool[rng() % pool.size()];
}

std::string random_key(std::mt19937& rng) {
  const auto& s = schema();
  const Property& p = s[rng() % s.size()];
  std::string leaf = p.path.substr(p.path.rfind('.') == std::string::npos ? 0 : p.path.rfind('.') + 1);
  if (rng() % 8 == 0) leaf += "x";
  return leaf;
}

void mutate(json& j, std::mt19937& rng, int depth = 0) {
  if ((j.is_object() || j.is_array()) && !j.empty() && rng() % 3 != 0 && depth < 6) {
    if (j.is_object()) {
      auto it = j.begin();
      std::advance(it, long(rng() % j.size()));
      if (rng() % 6 == 0) {
        j.erase(it);
        return;
      }
      mutate(it.value(), rng, depth + 1);
    } else {
      mutate(j[rng() % j.size()], rng, depth + 1);
    }
    return;
  }
  if (j.is_object() && rng() % 2 == 0) {
    j[random_key(rng)] = random_value(rng);
    return;
  }
  j = random_value(rng);
}

}  // namespace

TEST_CASE("mutated create payloads never throw; valid ones normalise cleanly") {
  std::mt19937 rng(20261128);
  int valid = 0;
  for (int i = 0; i < 4000; ++i) {
    json doc = kSeed;
    for (unsigned k = 0, n = 1 + rng() % 3; k < n; ++k) mutate(doc, rng);
    CAPTURE(doc.dump());
    std::vector<Diagnostic> errs;
    REQUIRE_NOTHROW(errs = validate_create(doc));
    for (const auto& e : errs) CHECK_FALSE(e.str().empty());
    if (!errs.empty()) continue;
    ++valid;
    json out;
    REQUIRE_NOTHROW(out = normalize_create(doc));
    CHECK(format_diagnostics(validate_create(out)) == "");
    CHECK(normalize_create(out) == out);
  }
  CHECK(valid > 100);
}

TEST_CASE("mutated update payloads never throw; valid ones apply cleanly") {
  std::mt19937 rng(42);
  json stored = normalize_create(kSeed);
  const json seed_update = json::parse(R"({
    "max_physical_memory": 1024, "set_tags": {"a": 1}, "remove_tags": ["env"],
    "add_nics": [{"nic_tag": "demo", "ips": ["10.0.2.5/24"]}],
    "update_nics": [{"mac": "02:00:00:00:00:01", "mtu": 9000, "primary": true}],
    "remove_filesystems": ["/srv/doc"], "add_filesystems": [{"source": "/var/log", "target": "/srv/log"}]})");
  int valid = 0;
  for (int i = 0; i < 3000; ++i) {
    json payload = seed_update;
    for (unsigned k = 0, n = 1 + rng() % 3; k < n; ++k) mutate(payload, rng);
    CAPTURE(payload.dump());
    std::vector<Diagnostic> errs;
    REQUIRE_NOTHROW(errs = validate_update(stored, payload));
    if (!errs.empty()) continue;
    ++valid;
    json out;
    REQUIRE_NOTHROW(out = apply_update(stored, payload));
    CHECK(format_diagnostics(validate_create(out)) == "");
    CHECK_NOTHROW(changed_keys(stored, out));
  }
  CHECK(valid > 100);
}

TEST_CASE("mutated manifest text never throws") {
  std::mt19937 rng(7);
  const std::string yaml = to_yaml(kSeed);
  const std::string json_text = kSeed.dump(2);
  const std::string bytes = "{}[]:,-#&*!|>'\"%@`\n\t \\\xff\xc3\x80";
  for (int i = 0; i < 3000; ++i) {
    std::string text = i % 2 ? yaml : json_text;
    for (unsigned k = 0, n = 1 + rng() % 4; k < n; ++k) {
      size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0: text[at] = bytes[rng() % bytes.size()]; break;
        case 1: text.insert(at, 1, bytes[rng() % bytes.size()]); break;
        default: text.erase(at, 1 + rng() % 8); break;
      }
    }
    CAPTURE(text);
    Parsed p;
    REQUIRE_NOTHROW(p = parse(text, i % 3 == 0 ? "-" : i % 2 ? "m.yaml" : "m.json"));
    CHECK(p.errors.size() <= 1);
    if (p.errors.empty()) {
      CHECK_NOTHROW(validate_create(p.doc));
      CHECK_NOTHROW(to_yaml(p.doc));
    }
  }
}

TEST_CASE("huge strings anywhere are refused without deep recursion") {
  const std::string big(900000, '1');
  const std::string word(900000, 'a');
  for (const std::string& s : {big, word}) {
    json doc = {{"alias", s}, {"hostname", s}, {"max_physical_memory", s}, {s, 1},
                {"tags", {{s, s}}}, {"routes", {{s, s}}},
                {"nics", json::array({json{{"nic_tag", s}, {"interface", s}, {"mac", s}, {"ips", json::array({s})}}})},
                {"filesystems", json::array({json{{"source", "/" + s}, {"target", "/" + s}, {"type", s}}})}};
    std::vector<Diagnostic> errs;
    REQUIRE_NOTHROW(errs = validate_create(doc));
    CHECK(errs.size() >= 10);
    for (const auto& e : errs) CHECK(e.str().size() < 400);
    REQUIRE_NOTHROW(validate_update(normalize_create(json::object()), json{{s, 1}, {"alias", s}}));
  }
  // Plain YAML scalars and bad JSON tokens of that size.
  CHECK(parse("alias: " + big + "\n", "w.yaml").errors.empty());
  CHECK(parse("alias: " + word + "\n", "w.yaml").errors.empty());
  Parsed bad = parse("{\"alias\": \"" + word, "w.json");
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].str().size() < 400);
}
