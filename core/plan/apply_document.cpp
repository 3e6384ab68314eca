// One file of a manifest set -> Document: a zone manifest (the default),
// or a `kind: nictag` / `kind: image` document.
#include <algorithm>

#include <fmt/format.h>

#include "core/manifest/schema.hpp"
#include "core/manifest/syntax.hpp"
#include "core/manifest/validate.hpp"
#include "core/plan/apply_plan.hpp"

namespace zonekit::apply {

using nlohmann::json;
using manifest::Diagnostic;
using manifest::quote;

namespace {

bool present(const json& j, const std::string& k) { return j.contains(k) && !j[k].is_null(); }

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool has_control(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// The fields of a nictag or image document.
enum class FieldType { Text, Count, Bool };
struct Field {
  std::string name;
  FieldType type;
  bool required;
  int64_t max;  // Text: length, Count: value
};

void check_fields(const json& doc, const std::vector<Field>& fields, std::vector<Diagnostic>& out) {
  std::vector<std::string> names;
  for (const auto& f : fields) names.push_back(f.name);
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (std::find(names.begin(), names.end(), it.key()) != names.end()) continue;
    std::string near = manifest::nearest(it.key(), names);
    out.push_back({it.key(), near.empty() ? "unknown property" : "unknown property (did you mean \"" + near + "\"?)"});
  }
  for (const auto& f : fields) {
    if (!present(doc, f.name)) {
      if (f.required) out.push_back({f.name, "is required"});
      continue;
    }
    const json& v = doc[f.name];
    switch (f.type) {
      case FieldType::Text:
        if (!v.is_string()) out.push_back({f.name, quote(v) + " is not a string"});
        else if (v.get_ref<const std::string&>().empty() || static_cast<int64_t>(v.get_ref<const std::string&>().size()) > f.max ||
                 has_control(v.get<std::string>()))
          out.push_back({f.name, fmt::format("must be 1 to {} characters on one line", f.max)});
        break;
      case FieldType::Count:
        if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > f.max)
          out.push_back({f.name, fmt::format("{} is not an integer in 0..{}", quote(v), f.max)});
        break;
      case FieldType::Bool:
        if (!v.is_boolean()) out.push_back({f.name, quote(v) + " is not a boolean (true or false)"});
        break;
    }
  }
}

void zone_document(json doc, Document& d, std::vector<Diagnostic>& out) {
  if (doc.contains("state")) {
    const json& s = doc["state"];
    if (s.is_string() && (s == "running" || s == "stopped")) d.state = s.get<std::string>();
    else if (!s.is_null()) out.push_back({"state", quote(s) + " is not a state apply sets (running or stopped)"});
    doc.erase("state");
  }
  if (present(doc, "alias") && doc["alias"].is_string()) d.name = doc["alias"].get<std::string>();
  else if (present(doc, "uuid") && doc["uuid"].is_string()) d.name = lower(doc["uuid"].get<std::string>());
  if (!present(doc, "alias") && !present(doc, "uuid"))
    out.push_back({"", "a zone manifest needs an alias or a uuid: apply finds the zone by them"});
  auto diags = manifest::validate_create(doc);
  out.insert(out.end(), diags.begin(), diags.end());
  d.given = doc;
  if (diags.empty()) d.doc = manifest::normalize_create(std::move(doc));
}

void tag_document(const json& doc, Document& d, std::vector<Diagnostic>& out) {
  static const std::vector<Field> fields = {
      {"name", FieldType::Text, true, 31},     {"bridge", FieldType::Text, true, 15},
      {"subnet", FieldType::Text, true, 64},   {"gateway", FieldType::Text, false, 64},
      {"range", FieldType::Text, false, 130},  {"mtu", FieldType::Count, false, 65535},
      {"vlan_id", FieldType::Count, false, 4094}, {"nat", FieldType::Bool, false, 0},
  };
  if (present(doc, "name") && doc["name"].is_string()) d.name = doc["name"].get<std::string>();
  size_t before = out.size();
  check_fields(doc, fields, out);
  if (out.size() != before) return;
  store::NicTag t;
  t.name = doc["name"];
  t.bridge = doc["bridge"];
  t.subnet = doc["subnet"];
  t.gateway = doc.value("gateway", std::string());
  t.range = doc.value("range", std::string());
  t.mtu = doc.value("mtu", 1500u);
  t.vlan_id = doc.value("vlan_id", uint16_t{0});
  t.nat = doc.value("nat", false);
  if (auto r = store::validate_tag(t); !r) {
    // "nic tag NAME: field: message" -> field, message
    std::string m = r.error().message();
    if (std::string prefix = "nic tag " + t.name + ": "; m.starts_with(prefix)) m = m.substr(prefix.size());
    size_t colon = m.find(": ");
    std::string field = colon == std::string::npos ? "" : m.substr(0, colon);
    bool known = std::any_of(fields.begin(), fields.end(), [&](const Field& f) { return f.name == field; });
    if (known) out.push_back({field, m.substr(colon + 2)});
    else out.push_back({"", m});
    return;
  }
  d.doc = {{"name", t.name},   {"bridge", t.bridge}, {"subnet", t.subnet},   {"gateway", t.gateway},
           {"range", t.range}, {"mtu", t.mtu},       {"vlan_id", t.vlan_id}, {"nat", t.nat}};
}

void image_document(const json& doc, Document& d, const std::string& dir, std::vector<Diagnostic>& out) {
  static const std::vector<Field> fields = {
      {"uuid", FieldType::Text, true, 36},
      {"source", FieldType::Text, false, 4096},
      {"name", FieldType::Text, false, 128},
      {"version", FieldType::Text, false, 128},
  };
  size_t before = out.size();
  check_fields(doc, fields, out);
  if (present(doc, "uuid") && doc["uuid"].is_string()) {
    d.name = lower(doc["uuid"].get<std::string>());
    if (!manifest::is_uuid(d.name)) out.push_back({"uuid", quote(doc["uuid"]) + " is not a UUID"});
  }
  if (out.size() != before) return;
  d.doc = {{"uuid", d.name},
           {"name", doc.value("name", std::string())},
           {"version", doc.value("version", std::string())},
           {"source", nullptr}};
  if (present(doc, "source")) {
    std::string src = doc["source"];
    // Relative to the file that declares it, as admins write them.
    if (src.front() != '/' && !dir.empty()) src = dir + "/" + src;
    d.doc["source"] = src;
  }
}

}  // namespace

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::Zone: return "zone";
    case Kind::NicTag: return "nictag";
    case Kind::Image: return "image";
  }
  return "";
}

ParseResult parse_document(std::string_view text, const std::string& source, const std::string& dir) {
  ParseResult r;
  Document& d = r.doc;
  d.source = source;
  manifest::Parsed parsed = manifest::parse(text, source);
  if (!parsed.errors.empty()) {
    r.problems = parsed.errors;
    for (auto& p : r.problems)
      if (p.source.empty()) p.source = source;
    return r;
  }
  d.positions = parsed.positions;
  json doc = std::move(parsed.doc);
  auto& out = r.problems;
  if (!doc.is_object()) {
    out.push_back({"", "a manifest must be an object"});
  } else {
    std::string kind = "zone";
    bool kind_ok = true;
    if (doc.contains("kind")) {
      const json& k = doc["kind"];
      if (k.is_string() && (k == "zone" || k == "nictag" || k == "image")) {
        kind = k.get<std::string>();
      } else {
        kind_ok = false;
        std::string near = k.is_string() ? manifest::nearest(k.get<std::string>(), {"zone", "nictag", "image"}) : "";
        out.push_back({"kind", quote(k) + " is not a document kind (zone, nictag or image)" +
                                   (near.empty() ? "" : "; did you mean \"" + near + "\"?")});
      }
      doc.erase("kind");
    }
    if (!kind_ok) {
      // What the document is meant to be is unknown: nothing more to check.
    } else if (kind == "zone") {
      d.kind = Kind::Zone;
      zone_document(std::move(doc), d, out);
    } else if (kind == "nictag") {
      d.kind = Kind::NicTag;
      tag_document(doc, d, out);
    } else {
      d.kind = Kind::Image;
      image_document(doc, d, dir, out);
    }
  }
  manifest::locate(out, parsed);
  d.ok = out.empty();
  return r;
}

}  // namespace zonekit::apply
