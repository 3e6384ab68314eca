#include "core/ops/complete_live.hpp"

#include <algorithm>

#include "core/manifest/schema.hpp"
#include "core/ops/zone_fields.hpp"
#include "core/ops/zones.hpp"
#include "core/store/store.hpp"

namespace zonekit::ops {

namespace {

using Names = std::vector<std::string>;

Names zone_names(const std::string& verb) {
  auto st = store::Store::open(store::Paths::from_env());
  if (!st) return {};
  auto zones = list(*st);
  if (!zones) return {};
  Names out;
  for (const auto& z : *zones) {
    if (!zone_state_fits(verb, z.state)) continue;
    auto alias = z.doc.is_object() ? z.doc.find("alias") : z.doc.end();
    out.push_back(z.doc.is_object() && alias != z.doc.end() && alias->is_string() ? alias->get<std::string>()
                                                                                  : z.uuid);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Names tag_names(const std::string&) {
  auto st = store::Store::open(store::Paths::from_env());
  if (!st) return {};
  auto tags = st->tags();
  if (!tags) return {};
  Names out;
  for (const auto& [name, _] : *tags) out.push_back(name);
  return out;
}

// Plain list fields; the "tags." style prefixes need a key typed by hand.
Names list_fields() {
  Names out;
  for (const auto& f : zone_fields())
    if (f.name.empty() || f.name.back() != '.') out.push_back(f.name);
  return out;
}

Names property_names(const std::string& verb) {
  if (verb == "list") return list_fields();
  if (verb == "explain") {
    // Every documented property, nested ones as explain takes them.
    Names out;
    for (const auto& p : manifest::schema()) {
      std::string path = p.path;
      for (size_t at; (at = path.find("[]")) != std::string::npos;) path.erase(at, 2);
      out.push_back(path);
    }
    return out;
  }
  Names out;
  for (const auto& p : manifest::schema())
    // Objects and lists of objects have their own update members
    // (set_tags, add_nics ...), not key=value.
    if ((p.update == manifest::Update::Live || p.update == manifest::Update::NextBoot) &&
        p.path.find_first_of("[.") == std::string::npos && p.type != manifest::Type::Map &&
        p.type != manifest::Type::ObjectList && p.type != manifest::Type::RouteMap)
      out.push_back(p.path);
  return out;
}

Names option_values(const std::string&, const std::string& option) {
  if (option == "state") return zone_states();
  if (option == "output" || option == "sort") return list_fields();
  if (option == "brand") return {"sparse", "image"};
  if (option == "to") return {"json", "yaml"};
  return {};
}

// "state=" and "brand=" in list filters; booleans and choices of the
// schema's properties in updates and filters alike.
Names property_values(const std::string&, const std::string& name) {
  if (name == "state") return zone_states();
  const auto* p = manifest::find_property(name);
  if (!p) return {};
  if (p->type == manifest::Type::Bool) return {"true", "false"};
  if (p->type == manifest::Type::Enum) return p->choices;
  return {};
}

}  // namespace

Live store_live() {
  Live live;
  live.zones = zone_names;
  live.tags = tag_names;
  live.properties = property_names;
  live.option_values = option_values;
  live.property_values = property_values;
  return live;
}

}  // namespace zonekit::ops
