// Turning `zoneadm update NAME key=value ...` and update files into the
// vmadm-shaped update payload.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/sys/result.hpp"

namespace zonekit::ops {

// key=value pairs, typed by the schema (manifest::add_assignment).
Result<nlohmann::json> parse_update_args(const std::vector<std::string>& args);

// A JSON or YAML update payload (object).
Result<nlohmann::json> parse_update_payload(const std::string& text, const std::string& source);

}  // namespace zonekit::ops
