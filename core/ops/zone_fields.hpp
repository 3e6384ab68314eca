// The fields of `zoneadm list` (-o, -s, filters): names are a stable
// contract, documented in zoneadm(8).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/ops/output.hpp"

namespace zonekit::ops {

const std::vector<FieldInfo>& zone_fields();
const std::vector<std::string>& default_zone_columns();  // uuid,alias,brand,ram,state,ip
// row: the ZoneView document (stored manifest + derived fields incl. state).
nlohmann::json zone_field(const nlohmann::json& row, const std::string& field);

}  // namespace zonekit::ops
