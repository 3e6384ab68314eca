#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace zonekit::ops {

// JSON value -> block-style YAML text that manifest::parse reads back to
// the same JSON (strings that would read as other types are quoted).
std::string to_yaml(const nlohmann::json& doc);

}  // namespace zonekit::ops
