// Listing output shared by every tool: columns (-o), sort (-s), filters
// (key=value, key=~regex), and the three formats: a table (-H drops the
// header), parseable (-p: ':'-separated, '\' and ':' escaped) and JSON (-j).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/sys/result.hpp"

namespace zonekit::ops {

// A row is a JSON object; a field's text is looked up by the caller's
// accessor so that derived fields ("ip", "tags.role") work everywhere.
using FieldFn = std::function<nlohmann::json(const nlohmann::json& row, const std::string& field)>;

struct FieldInfo {
  std::string name;      // "alias"
  std::string header;    // "ALIAS"
  bool numeric = false;  // right-aligned, sorted as numbers
};

struct ListOptions {
  std::vector<std::string> fields;   // -o
  std::vector<std::string> sort;     // -s, "-field" descending
  std::vector<std::string> filters;  // key=value | key=~regex
  bool header = true;                // -H clears
  bool parseable = false;            // -p
  bool json = false;                 // -j
};

// Split "-o a,b,c" values; also accepts repeated flags.
std::vector<std::string> split_list(const std::vector<std::string>& values);

// Escape one -p field: '\' -> "\\", ':' -> "\:", newline -> "\n".
std::string escape_parseable(std::string_view s);

// Text of a JSON value in a table cell: strings bare, null/missing "-".
std::string cell_text(const nlohmann::json& v, bool parseable);

// Check fields/filters against the known ones (prefix fields like "tags."
// end with '.'); Invalid error naming the bad one.
Result<void> check_fields(const std::vector<std::string>& fields, const std::vector<FieldInfo>& known);

// Filter, sort and render rows. Output ends with a newline unless empty.
Result<std::string> render_list(std::vector<nlohmann::json> rows, const ListOptions& opt,
                                const std::vector<FieldInfo>& known, const FieldFn& field);

}  // namespace zonekit::ops
