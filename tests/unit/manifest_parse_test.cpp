// Parsing JSON and YAML manifests: typing, syntax errors with line/column,
// limits, and the YAML writer.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/manifest/parse.hpp"
#include "core/manifest/validate.hpp"

using namespace zonekit::manifest;
using json = nlohmann::json;

namespace {
std::string only_error(std::string_view text, std::string_view source) {
  Parsed p = parse(text, source);
  REQUIRE(p.errors.size() == 1);
  CHECK(p.doc.is_null());
  return p.errors[0].str();
}
}  // namespace

TEST_CASE("JSON and YAML give the same document") {
  Parsed j = parse(R"({"alias": "web01", "max_physical_memory": 512, "autoboot": true,
                       "nics": [{"nic_tag": "demo", "ips": ["10.0.0.5/24"]}]})",
                   "web.json");
  Parsed y = parse("# a comment\nalias: web01\nmax_physical_memory: 512\nautoboot: true\n"
                   "nics:\n  - nic_tag: demo\n    ips: [10.0.0.5/24]\n",
                   "web.yaml");
  REQUIRE(j.errors.empty());
  REQUIRE(y.errors.empty());
  CHECK(j.format == Format::Json);
  CHECK(y.format == Format::Yaml);
  CHECK(j.doc == y.doc);
}

TEST_CASE("format is picked by extension, else by the first character") {
  CHECK(parse(R"({"a": 1})", "-").format == Format::Json);
  CHECK(parse("a: 1\n", "-").format == Format::Yaml);
  CHECK(parse("a: 1\n", "web.YML").format == Format::Yaml);
  // Flow-style YAML that is not JSON still parses.
  Parsed flow = parse("{alias: web01, nics: [{nic_tag: demo}]}", "-");
  REQUIRE(flow.errors.empty());
  CHECK(flow.format == Format::Yaml);
  CHECK(flow.doc == json::parse(R"({"alias": "web01", "nics": [{"nic_tag": "demo"}]})"));
  // With a .json name, YAML is not tried: JSON errors stay JSON errors.
  CHECK(only_error("alias: web01\n", "web.json") ==
        "web.json:1:1: invalid JSON: syntax error while parsing value - invalid literal; last read: 'a'");
}

TEST_CASE("YAML scalars: quoted are strings, only true/false/decimal are typed") {
  Parsed p = parse(R"(
a: true
b: "true"
c: yes
d: 512
e: "512"
f: -5
g: 2.5
h: ~
i:
j: 0x1F
k: 010
l: 18446744073709551615
m: 18446744073709551616
n: 'it''s'
o: False
p: 1e999
)", "t.yaml");
  REQUIRE(p.errors.empty());
  const json& d = p.doc;
  CHECK(d["a"] == true);
  CHECK(d["b"] == "true");
  CHECK(d["c"] == "yes");
  CHECK(d["d"] == 512);
  CHECK(d["d"].is_number_integer());
  CHECK(d["e"] == "512");
  CHECK(d["f"] == -5);
  CHECK(d["g"] == 2.5);
  CHECK(d["h"].is_null());
  CHECK(d["i"].is_null());
  CHECK(d["j"] == "0x1F");
  CHECK(d["k"] == "010");
  CHECK(d["l"] == 18446744073709551615ull);
  CHECK(d["m"].is_number_float());
  CHECK(d["n"] == "it's");
  CHECK(d["o"] == false);
  CHECK(d["p"] == "1e999");  // does not fit a double: kept as text
  // So a YAML "yes" is a clear validation error, not a silent true.
  CHECK(format_diagnostics(validate_create(parse("autoboot: yes\n", "t.yaml").doc)) ==
        "autoboot: \"yes\" is not a boolean (write true without quotes)\n");
}

TEST_CASE("malformed input reports source, line and column") {
  CHECK(only_error("alias: web01\nnics:\n  - nic_tag: demo\n   ips: [\n", "web.yaml") ==
        "web.yaml:4:4: invalid YAML: end of sequence not found");
  CHECK(only_error("alias: web01\nbrand: [sparse\n", "web.yaml") ==
        "web.yaml:3:1: invalid YAML: end of sequence flow not found");
  CHECK(only_error("{\"alias\": \"a\",\n \"x\": tru}", "web.json") ==
        "web.json:2:10: invalid JSON: syntax error while parsing value - invalid literal; last read: '\"x\": tru}'");
  CHECK(only_error("{\"alias\": \"a\",}", "web.json") ==
        "web.json:1:15: invalid JSON: syntax error while parsing object key - unexpected '}'; expected string literal");
  CHECK(only_error("{\"a\": 1} {\"b\": 2}", "web.json") ==
        "web.json:1:10: invalid JSON: syntax error while parsing value - unexpected '{'; expected end of input");
  CHECK(only_error("{\"a\": \"\xff\"}", "web.json").starts_with("web.json:1:8: invalid JSON: syntax error while parsing value - invalid string: ill-formed UTF-8 byte"));
}

TEST_CASE("duplicate keys are errors in both formats") {
  CHECK(only_error("alias: a\nnics:\n  - nic_tag: x\n    nic_tag: y\n", "web.yaml") ==
        "web.yaml:4:5: nics[0].nic_tag: duplicate key");
  CHECK(only_error(R"({"nics": [{"mac": "a", "mac": "b"}]})", "web.json") == "web.json: nics[0].mac: duplicate key");
}

TEST_CASE("YAML features zonekit refuses") {
  CHECK(only_error("a: &x 1\nb: *x\n", "w.yaml") == "w.yaml:2:4: YAML aliases (*name) are not supported; write the value out");
  CHECK(only_error("hostname: !foo bar\n", "w.yaml") == "w.yaml:1:11: YAML tag \"!foo\" is not supported");
  CHECK(only_error("---\na: 1\n---\nb: 2\n", "w.yaml") == "w.yaml: more than one YAML document");
  CHECK(only_error("alias: \"caf\xe9\"\n", "w.yaml") == "w.yaml:1:8: text is not valid UTF-8");
  CHECK(only_error("? [a]\n: 1\n", "w.yaml") == "w.yaml:1:3: mapping keys must be plain strings");
  // Standard tags are fine.
  Parsed ok = parse("quota: !!int 5\nalias: !!str 123\n", "w.yaml");
  REQUIRE(ok.errors.empty());
  CHECK(ok.doc == json::parse(R"({"quota": 5, "alias": "123"})"));
}

TEST_CASE("empty, oversized and deeply nested input") {
  CHECK(only_error("", "w.yaml") == "w.yaml: manifest is empty");
  CHECK(only_error("# only a comment\n", "w.yaml") == "w.yaml: manifest is empty");
  CHECK(only_error("   ", "-") == "-: manifest is empty");
  std::string big = "alias: a\n# " + std::string(kMaxInputBytes, 'x') + "\n";
  CHECK(only_error(big, "big.yaml") == "big.yaml: manifest is larger than 1 MiB (" + std::to_string(big.size()) + " bytes)");
  std::string deep_json = std::string(40, '[') + std::string(40, ']');
  CHECK(only_error(deep_json, "d.json") == "d.json: [0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: nesting deeper than 16 levels");
  std::string deep_yaml = "a:";
  for (int i = 0; i < 20; ++i) deep_yaml += "\n" + std::string(size_t(2 * i + 2), ' ') + "b" + std::to_string(i) + ":";
  deep_yaml += " 1\n";
  CHECK(only_error(deep_yaml, "d.yaml") ==
        "d.yaml:17:33: a.b0.b1.b2.b3.b4.b5.b6.b7.b8.b9.b10.b11.b12.b13.b14: nesting deeper than 16 levels");
  // A million brackets is refused without blowing the stack.
  std::string huge(1000000, '[');
  CHECK(only_error(huge, "h.json").find("nesting deeper than 16 levels") != std::string::npos);
  CHECK(only_error(huge, "h.yaml").find("h.yaml:") == 0);
}

TEST_CASE("locate gives validation errors the line of their value") {
  Parsed p = parse("alias: web01\nnics:\n  - nic_tag: demo\n    ips:\n      - 10.0.0.5/24\n      - 10.0.0.300/24\n"
                   "  - ips: [10.0.0.7/24]\nmax_phisical_memory: 5\n",
                   "web.yaml");
  REQUIRE(p.errors.empty());
  auto diags = validate_create(p.doc);
  locate(diags, p);
  CHECK(format_diagnostics(diags) ==
        "web.yaml:6:9: nics[0].ips[1]: \"10.0.0.300/24\" is not an IPv4 or IPv6 CIDR\n"
        "web.yaml:7:5: nics[1].nic_tag: is required\n"
        "web.yaml:8:1: max_phisical_memory: unknown property (did you mean \"max_physical_memory\"?)\n");
  // JSON has no positions: the file name still leads.
  Parsed j = parse(R"({"max_physical_memory": 0})", "z.json");
  auto jd = validate_create(j.doc);
  locate(jd, j);
  CHECK(format_diagnostics(jd) == "z.json: max_physical_memory: 0 is below the minimum 1\n");
}

TEST_CASE("Diagnostic::str forms") {
  CHECK(Diagnostic{"nics[0].ips[0]", "bad"}.str() == "nics[0].ips[0]: bad");
  CHECK(Diagnostic{"", "bad"}.str() == "bad");
  CHECK(Diagnostic{"a", "bad", 3, 7, "web.yaml"}.str() == "web.yaml:3:7: a: bad");
  CHECK(Diagnostic{"a", "bad", 0, 0, "web.json"}.str() == "web.json: a: bad");
}

TEST_CASE("quote shows JSON values and cuts long ones") {
  CHECK(quote(json("10.0.0.300")) == "\"10.0.0.300\"");
  CHECK(quote(json(-5)) == "-5");
  CHECK(quote(json::parse(R"({"b":1})")) == "{\"b\":1}");
  CHECK(quote(json(std::string(100, 'a'))) == "\"" + std::string(79, 'a') + "...\"");
  CHECK(quote(json("line\nbreak")) == "\"line\\nbreak\"");
}

TEST_CASE("to_yaml writes YAML that reads back as the same document") {
  json doc = normalize_create(json::parse(R"({
    "alias": "web01", "customer_metadata": {"user-script": "#!/bin/sh\necho hi\n", "yes": "no", "n": "512",
                                            "empty": "", "colon": "a: b", "dash": "-x", "t": true, "k e y": 1.5},
    "tags": {}, "resolvers": ["1.1.1.1", "fd00::53"],
    "routes": {"10.1.0.0/16": "10.0.0.1"},
    "nics": [{"nic_tag": "demo", "mac": "02:00:00:00:00:01", "ips": ["10.0.0.5/24", "fd00::5/64"]}],
    "filesystems": [{"source": "/usr/share/doc", "target": "/srv/doc", "options": ["ro"]}]})"));
  std::string text = to_yaml(doc);
  Parsed back = parse(text, "out.yaml");
  REQUIRE(back.errors.empty());
  CHECK(back.doc == doc);
  CHECK(text.find("alias: web01\n") != std::string::npos);
  CHECK(text.find("  \"yes\": \"no\"\n") != std::string::npos);
  CHECK(text.find("nics:\n- allow_dhcp_spoofing: false\n") != std::string::npos);
  CHECK(yaml_flow(json::parse(R"({"role": "web", "ips": ["10.0.0.5/24"]})")) == "{ips: [10.0.0.5/24], role: web}");
}
