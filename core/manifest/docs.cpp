#include "core/manifest/docs.hpp"

#include <algorithm>

#include "core/manifest/parse.hpp"
#include "core/manifest/schema.hpp"
#include "core/manifest/validate.hpp"

namespace zonekit::manifest {

using json = nlohmann::json;

namespace {

std::string leaf(const std::string& path) {
  size_t dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

std::string default_text(const Property& p) {
  if (!p.default_doc.empty()) return p.default_doc;
  if (!p.default_value.is_null()) return yaml_flow(p.default_value);
  return "";
}

std::string update_text(const Property& p) {
  switch (p.update) {
    case Update::CreateOnly: return "create only";
    case Update::Live: return "updatable, live";
    case Update::NextBoot: return "updatable, at next boot";
    case Update::ReadOnly: return "read only, set by zonekit";
  }
  return "";
}

// "integer in MiB, 1 to 16777216; default 256; updatable, live"
std::string facts(const Property& p) {
  std::string s = type_name(p);
  if (!p.unit.empty()) s += " in " + p.unit;
  if (p.type == Type::Int) {
    s += ", " + std::to_string(p.min) + " to " + std::to_string(p.max);
  } else if ((p.type == Type::List || p.type == Type::ObjectList || p.type == Type::Map ||
              p.type == Type::RouteMap) && p.max != kNoLimit) {
    s += ", at most " + std::to_string(p.max);
  }
  if (std::string d = default_text(p); !d.empty()) s += "; default " + d;
  if (p.required) s += "; required";
  if (p.stored_only) s += "; stored, not acted on";
  return s + "; " + update_text(p);
}

// "add_nics, update_nics and remove_nics": the update members of a property.
std::string members_of(const std::string& path) {
  std::vector<std::string> m;
  for (const auto& k : update_keys())
    if (!find_property(k) && k.substr(k.find('_') + 1) == path) m.push_back(k);
  std::string s;
  for (size_t i = 0; i < m.size(); ++i) s += (i == 0 ? "" : i + 1 == m.size() ? " and " : ", ") + m[i];
  return s;
}

std::string canonical_brand(std::string_view brand) {
  const Property* p = find_property("brand");
  std::string b(brand);
  for (const auto& [from, to] : p->aliases)
    if (from == b) b = to;
  return std::find(p->choices.begin(), p->choices.end(), b) != p->choices.end() ? b : "";
}

}  // namespace

// ---------------------------------------------------------------- template

std::string template_yaml(std::string_view brand_in) {
  std::string brand = canonical_brand(brand_in.empty() ? kBrandSparse : brand_in);
  if (brand.empty()) return "";
  std::string out;
  out += "# zonekit zone manifest, brand " + brand + ".\n";
  out += "# Generated from the manifest schema: see zone-manifest(5), or run\n";
  out += "# `zoneadm explain PROPERTY`. Uncomment and edit what you need, then\n";
  out += "# `zonecfg validate FILE` and `zoneadm create -f FILE`.\n";
  for (const Property* p : children("")) {
    // vmadm keys zonekit only stores mean nothing to a new manifest.
    if (p->update == Update::ReadOnly || p->deprecated || p->stored_only) continue;
    bool active = p->in_template || (p->path == "image_uuid" && brand == kBrandImage);
    out += "\n# " + p->doc + ".\n# " + facts(*p) + ".\n";
    if (p->type == Type::ObjectList) {
      // Active sub-properties first, so the entry's "- " line is a live one.
      std::vector<const Property*> kids;
      for (const Property* k : children(p->path))
        if (!k->deprecated && !k->example.is_null() && k->in_template) kids.push_back(k), active = true;
      for (const Property* k : children(p->path))
        if (!k->deprecated && !k->example.is_null() && !k->in_template) kids.push_back(k);
      std::string c = active ? "" : "# ";
      out += c + p->path + ":\n";
      bool first = true;
      for (const Property* k : kids) {
        std::string line = leaf(k->path) + ": " + yaml_flow(k->example);
        if (first) {
          out += c + "  # " + k->doc + " (" + facts(*k) + ")\n";
          out += c + "  - " + line + "\n";
        } else {
          out += c + "    # " + k->doc + " (" + facts(*k) + ")\n";
          out += c + "    " + (active && k->in_template ? "" : "# ") + line + "\n";
        }
        first = false;
      }
      continue;
    }
    json value = p->path == "brand" ? json(brand) : p->example;
    if (value.is_null()) continue;
    out += std::string(active ? "" : "# ") + p->path + ": " + yaml_flow(value) + "\n";
  }
  return out;
}

// ---------------------------------------------------------------- man page

namespace {

// Text line safe for roff: escape backslashes, protect a leading dot/quote.
std::string roff(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\e";
    else out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return out;
}

// mdoc wants text lines under 80 bytes and each sentence on a new line.
std::string wrap_text_lines(const std::string& in) {
  std::string out;
  size_t pos = 0;
  bool literal = false;
  while (pos < in.size()) {
    size_t nl = in.find('\n', pos);
    std::string line = in.substr(pos, nl - pos);
    pos = nl == std::string::npos ? in.size() : nl + 1;
    if (line.starts_with(".Bd")) literal = true;
    if (line.starts_with(".Ed")) literal = false;
    if (literal || line.starts_with(".") || line.size() < 72) {
      out += line + "\n";
      continue;
    }
    std::string cur;
    size_t i = 0;
    while (i < line.size()) {
      size_t sp = line.find(' ', i);
      std::string word = line.substr(i, sp - i);
      i = sp == std::string::npos ? line.size() : sp + 1;
      if (!cur.empty() && cur.size() + 1 + word.size() > 72) {
        out += cur + "\n";
        cur.clear();
      }
      cur += (cur.empty() ? "" : " ") + word;
      if (word.ends_with(".") && i < line.size()) {
        out += cur + "\n";
        cur.clear();
      }
    }
    if (!cur.empty()) out += cur + "\n";
  }
  return out;
}

void property_item(std::string& out, const Property& p) {
  out += ".It Sy " + p.path + "\n";
  out += roff(p.doc + ".") + "\n";
  if (p.deprecated) out += "Deprecated: normalised to the newer form at create.\n";
  out += ".Pp\n";
  std::string type = type_name(p);
  out += roff("Type: " + type + (p.unit.empty() ? "" : ", in " + p.unit) + ".") + "\n";
  if (p.type == Type::Int) out += "Range: " + std::to_string(p.min) + " to " + std::to_string(p.max) + ".\n";
  else if ((p.type == Type::List || p.type == Type::ObjectList || p.type == Type::Map || p.type == Type::RouteMap) &&
           p.max != kNoLimit)
    out += "At most " + std::to_string(p.max) + " entries.\n";
  std::string d = default_text(p);
  out += roff("Default: " + (d.empty() ? std::string("none") : d) + ".") + "\n";
  if (p.required) out += "Required.\n";
  std::string u;
  switch (p.update) {
    case Update::CreateOnly: u = "Create only: cannot be changed by an update."; break;
    case Update::Live: u = "Updatable: takes effect at once, also in a running zone."; break;
    case Update::NextBoot: u = "Updatable: takes effect at the next boot."; break;
    case Update::ReadOnly: u = "Read only: set by zonekit, shown by zoneadm get, ignored at create."; break;
  }
  std::string m = members_of(p.path);
  if (p.type == Type::ObjectList && !m.empty()) u = "Updatable with " + m + ": takes effect at the next boot.";
  else if (!m.empty()) u += "\nAn update may also use " + m + ".";
  out += u + "\n";
  if (!p.example.is_null() && p.update != Update::ReadOnly)
    out += ".Pp\nExample:\n.Ql " + leaf(p.path) + ": " + roff(yaml_flow(p.example)) + "\n";
}

}  // namespace

std::string manpage_mdoc() {
  std::string out;
  out += ".\\\" Generated from core/manifest/schema.cpp; do not edit.\n";
  out += ".Dd November 28, 2026\n.Dt ZONE-MANIFEST 5\n.Os\n";
  out += ".Sh NAME\n.Nm zone-manifest\n.Nd zonekit zone manifest format\n";
  out += ".Sh DESCRIPTION\n";
  out += "A zone manifest describes one zonekit zone.\n";
  out += "It is a JSON object or a YAML mapping, read by\n.Nm zoneadm Cm create ,\n.Nm zoneadm Cm validate\nand\n";
  out += ".Nm zonecfg Cm validate .\n";
  out += "Property names follow the SmartOS\n.Nm vmadm\nmanifest, so vmadm create payloads work unchanged.\n";
  out += ".Pp\n";
  out += "Unknown properties, wrong types and values out of range are errors.\n";
  out += "Every problem is reported, each naming the path of the value, for example\n";
  out += ".Ql nics[0].ips[0]: \"10.0.0.300/24\" is not an IPv4 or IPv6 CIDR .\n";
  out += "Defaults are written into the stored manifest at create.\n";
  out += ".Pp\n";
  out += "In YAML, only unquoted true and false are booleans and only unquoted decimal numbers are integers;\n";
  out += ".Ql autoboot: yes\nis an error.\n";
  out += "Duplicate keys, aliases and more than one document are errors.\n";
  out += "Input is limited to 1 MiB and to " + std::to_string(kMaxDepth) + " levels of nesting.\n";

  out += ".Sh PROPERTIES\n.Bl -tag -width Ds\n";
  for (const Property* p : children("")) {
    if (p->update == Update::ReadOnly) continue;
    property_item(out, *p);
    if (p->type == Type::ObjectList) {
      out += ".Pp\nEach entry has these properties:\n.Bl -tag -width Ds\n";
      for (const Property* k : children(p->path)) property_item(out, *k);
      out += ".El\n";
    }
  }
  out += ".El\n";

  out += ".Sh READ-ONLY PROPERTIES\n";
  out += ".Nm zoneadm Cm get\nshows these too.\n";
  out += "A create payload may hold them, so that the output of get validates, but they are ignored.\n";
  out += ".Bl -tag -width Ds\n";
  for (const Property* p : children(""))
    if (p->update == Update::ReadOnly) property_item(out, *p);
  out += ".El\n";

  out += ".Sh BRANDS\n.Bl -tag -width Ds\n";
  out += ".It Sy sparse\nThe zone shares the host's /usr, /bin and /lib read-only and has its own /etc, /var, /tmp, "
         "/root and /home.\nThe default when there is no image_uuid.\n";
  out += ".It Sy image\nThe zone runs the root file system of the image named by image_uuid.\n";
  out += "The vmadm brands joyent, joyent-minimal and lx are accepted as image.\n";
  out += ".El\n.Pp\nThe hardware VM brands kvm and bhyve are not supported.\n";

  out += ".Sh UPDATES\n";
  out += "An update payload holds updatable properties, which replace the stored value\n(null resets a property to its default),\n";
  out += "and these members:\n.Bl -tag -width Ds\n";
  for (const auto& k : update_keys()) {
    if (find_property(k)) continue;
    std::string text = explain(k).substr(k.size() + 2);
    text[0] = char(std::toupper(static_cast<unsigned char>(text[0])));
    out += ".It Sy " + k + "\n" + roff(text + ".") + "\n";
  }
  out += ".El\n.Pp\n";
  out += "A create-only or read-only property in an update is an error.\n";
  out += "An update that changes nothing reports\n.Dq no changes .\n";

  out += ".Sh EXAMPLES\nA sparse zone with one interface whose address comes from the pool of nic tag demo:\n";
  out += ".Bd -literal -offset indent\nalias: demo01\nmax_physical_memory: 512\nnics:\n  - nic_tag: demo\n.Ed\n";
  out += ".Pp\nA similar zone in JSON, in the older vmadm nic form with a fixed address:\n";
  out += ".Bd -literal -offset indent\n{\n  \"alias\": \"demo01\",\n  \"nics\": [{\"nic_tag\": \"demo\", "
         "\"ip\": \"10.0.0.5\",\n             \"netmask\": \"255.255.255.0\", \"gateway\": \"10.0.0.1\"}]\n}\n.Ed\n";
  out += ".Pp\nRaise the memory limit of a zone:\n";
  out += ".Dl zoneadm update web01 max_physical_memory=1024\n";
  out += ".Sh SEE ALSO\nzoneadm(8), zonecfg(8)\n";
  return wrap_text_lines(out);
}

// ---------------------------------------------------------------- explain

std::string explain(std::string_view path_in) {
  std::string path(path_in);
  if (path.empty()) return "";
  // Update members: set_tags, add_nics, ...
  for (const auto& k : update_keys()) {
    if (k != path || find_property(k)) continue;
    std::string target = k.substr(k.find('_') + 1);
    if (k.starts_with("set_")) return k + ": merges keys into " + target + " (null removes a key)";
    if (k.starts_with("remove_") && find_property(target)->type != Type::ObjectList)
      return k + ": removes the listed keys from " + target;
    std::string by = target == "nics" ? "mac" : "target";
    if (k.starts_with("add_")) return k + ": adds entries to " + target + ", given as at create";
    if (k.starts_with("update_")) return k + ": changes entries of " + target + ", each named by its " + by;
    if (k.starts_with("remove_")) return k + ": removes the entries of " + target + " with the listed " + by + " values";
  }
  const Property* p = find_property(path);
  if (!p) return "";
  std::string out = p->path + "\n  " + p->doc + ".\n";
  out += "  type: " + type_name(*p) + (p->unit.empty() ? "" : ", in " + p->unit) + "\n";
  if (p->type == Type::Int) out += "  range: " + std::to_string(p->min) + " to " + std::to_string(p->max) + "\n";
  std::string d = default_text(*p);
  out += "  default: " + (d.empty() ? std::string("none") : d) + "\n";
  if (p->required) out += "  required\n";
  out += "  update: " + update_text(*p) + "\n";
  if (std::string m = members_of(p->path); !m.empty()) out += "  update members: " + m + "\n";
  if (p->deprecated) out += "  deprecated: normalised to the newer form at create\n";
  if (!p->example.is_null()) out += "  example: " + leaf(p->path) + ": " + yaml_flow(p->example) + "\n";
  if (p->type == Type::ObjectList) {
    std::string acted, stored;
    for (const Property* k : children(p->path)) (k->stored_only ? stored : acted) += " " + leaf(k->path);
    out += "  entries have:" + acted + "\n";
    if (!stored.empty()) out += "  stored, not acted on (vmadm):" + stored + "\n";
  }
  return out;
}

}  // namespace zonekit::manifest
