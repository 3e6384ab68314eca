// Manifest text -> JSON document. JSON and YAML are both accepted (picked by
// file extension, else by the first character). Parsing checks only the
// syntax; validate.hpp checks the content.
//
// YAML is read with the YAML 1.2 core schema, made stricter: unquoted
// true/false are booleans, unquoted decimal integers are integers, unquoted
// null/~/empty are null, and everything else (yes, no, on, off, 0x1F, 010)
// is a string, so `autoboot: yes` is an error, not a surprise. Quoted
// scalars are always strings. Duplicate keys, aliases (*name), custom tags
// and more than one document are errors.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace zonekit::manifest {

inline constexpr size_t kMaxInputBytes = size_t{1} << 20;  // 1 MiB
inline constexpr int kMaxDepth = 16;                       // nested objects/arrays

struct Diagnostic {
  std::string path;     // "nics[0].ips[0]"; empty for the whole document
  std::string message;  // "\"10.0.0.300/24\" is not an IPv4 or IPv6 CIDR"
  int line = 0, column = 0;  // 1-based; 0 = unknown
  std::string source;   // file name when known ("web.yaml", "-")

  // "web.yaml:3:7: nics[0].ips[0]: ...", "nics[0].ips[0]: ...", "web.json: ..."
  std::string str() const;
  bool operator==(const Diagnostic&) const = default;
};

enum class Format { Json, Yaml };

struct Parsed {
  nlohmann::json doc;                // null when errors is not empty
  std::vector<Diagnostic> errors;    // at most one: syntax errors stop parsing
  Format format = Format::Json;
  std::string source;
  // Where each value was written ("nics[0].mac" -> {line, column}); YAML only.
  std::map<std::string, std::pair<int, int>> positions;
};

// Never throws. source_name is used for messages and to pick the format.
Parsed parse(std::string_view text, std::string_view source_name);

// Gives diagnostics from validation the source name and, where known, the
// line and column of their path (or of its nearest enclosing value).
void locate(std::vector<Diagnostic>& diags, const Parsed& parsed);

// All diagnostics, one str() per line.
std::string format_diagnostics(const std::vector<Diagnostic>& diags);

// A JSON value as messages quote it: strings in double quotes, long values cut.
std::string quote(const nlohmann::json& value);

// YAML text for a JSON document (block style, keys in JSON order), for
// `zonecfg convert --to yaml`. Strings that would read back as something
// else are quoted.
std::string to_yaml(const nlohmann::json& doc);
// One value in YAML flow style ("web01", "[10.0.0.5/24]", "{role: web}").
std::string yaml_flow(const nlohmann::json& value);

}  // namespace zonekit::manifest
