#include "core/ops/update_args.hpp"

#include <fmt/format.h>

#include "core/manifest/parse.hpp"
#include "core/manifest/schema.hpp"

namespace zonekit::ops {

using nlohmann::json;

namespace {

Result<json> typed_value(const std::string& key, const std::string& text) {
  const manifest::Property* p = manifest::find_property(key);
  if (!p) return json(text);  // validate_update names the unknown key
  switch (p->type) {
    case manifest::Type::Bool:
      if (text == "true") return json(true);
      if (text == "false") return json(false);
      return fail(fmt::format("{}: \"{}\" is not true or false", key, text), ErrorKind::Invalid);
    case manifest::Type::Int: {
      size_t used = 0;
      long long v = 0;
      try {
        v = std::stoll(text, &used, 10);
      } catch (...) {
        used = 0;
      }
      if (used == 0 || used != text.size())
        return fail(fmt::format("{}: \"{}\" is not an integer", key, text), ErrorKind::Invalid);
      return json(v);
    }
    case manifest::Type::List: {
      json arr = json::array();
      size_t pos = 0;
      while (pos <= text.size() && !text.empty()) {
        size_t comma = text.find(',', pos);
        if (comma == std::string::npos) comma = text.size();
        arr.push_back(text.substr(pos, comma - pos));
        pos = comma + 1;
      }
      return arr;
    }
    case manifest::Type::Map:
    case manifest::Type::RouteMap:
    case manifest::Type::ObjectList: {
      json j = json::parse(text, nullptr, false);
      if (j.is_discarded())
        return fail(fmt::format("{}: value must be JSON for this property", key), ErrorKind::Invalid);
      return j;
    }
    default:
      return json(text);
  }
}

}  // namespace

Result<json> parse_update_args(const std::vector<std::string>& args) {
  json payload = json::object();
  for (const auto& a : args) {
    auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0)
      return fail(fmt::format("\"{}\": expected property=value", a), ErrorKind::Invalid);
    std::string key = a.substr(0, eq), text = a.substr(eq + 1);
    bool mapped = false;
    for (const char* m : {"tags", "customer_metadata", "internal_metadata"}) {
      std::string prefix = std::string(m) + ".";
      if (key.rfind(prefix, 0) == 0 && key.size() > prefix.size()) {
        std::string sub = key.substr(prefix.size());
        if (text.empty()) payload[std::string("remove_") + m].push_back(sub);
        else payload[std::string("set_") + m][sub] = text;
        mapped = true;
      }
    }
    if (mapped) continue;
    if (text.empty()) {
      payload[key] = nullptr;
      continue;
    }
    payload[key] = ZK_TRY(typed_value(key, text));
  }
  return payload;
}

Result<json> parse_update_payload(const std::string& text, const std::string& source) {
  auto parsed = manifest::parse(text, source);
  if (!parsed.errors.empty()) {
    Error e;
    e.kind = ErrorKind::Invalid;
    for (const auto& d : parsed.errors) e.detail += (e.detail.empty() ? "" : "\n") + d.str();
    return std::unexpected(e);
  }
  if (!parsed.doc.is_object()) return fail(source + ": update payload must be an object", ErrorKind::Invalid);
  return parsed.doc;
}

}  // namespace zonekit::ops
