#include "core/ops/yaml_emit.hpp"

#include <yaml-cpp/yaml.h>

namespace zonekit::ops {

using nlohmann::json;

namespace {

void emit(YAML::Emitter& out, const json& v) {
  switch (v.type()) {
    case json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [k, val] : v.items()) {
        out << YAML::Key << k << YAML::Value;
        emit(out, val);
      }
      out << YAML::EndMap;
      break;
    case json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& val : v) emit(out, val);
      out << YAML::EndSeq;
      break;
    case json::value_t::string:
      // Always quoted: "true", "0755", "1e3" or "null" must stay strings.
      out << YAML::DoubleQuoted << v.get<std::string>();
      break;
    case json::value_t::boolean:
      out << (v.get<bool>() ? "true" : "false");
      break;
    case json::value_t::null:
      out << YAML::Null;
      break;
    default:
      out << v.dump();
      break;
  }
}

}  // namespace

std::string to_yaml(const json& doc) {
  YAML::Emitter out;
  emit(out, doc);
  return std::string(out.c_str()) + "\n";
}

}  // namespace zonekit::ops
