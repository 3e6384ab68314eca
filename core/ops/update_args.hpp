// Turning `zoneadm update NAME key=value ...` and update files into the
// vmadm-shaped update payload.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/sys/result.hpp"

namespace zonekit::ops {

// key=value pairs: the value's JSON type follows the schema's type for key
// (max_physical_memory=512 -> 512, autoboot=true -> true, alias=web ->
// "web"); "key=" with an empty value removes an optional property (null).
// tags.K=V / customer_metadata.K=V become set_tags / set_customer_metadata.
Result<nlohmann::json> parse_update_args(const std::vector<std::string>& args);

// A JSON or YAML update payload (object).
Result<nlohmann::json> parse_update_payload(const std::string& text, const std::string& source);

}  // namespace zonekit::ops
