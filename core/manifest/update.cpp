// Update payloads in vmadm's shapes: validation, application, change kinds.
#include <algorithm>
#include <charconv>
#include <set>

#include "core/manifest/detail.hpp"
#include "core/manifest/validate.hpp"

namespace zonekit::manifest {

using json = nlohmann::json;
using namespace detail;

namespace {

// Kinds of special update members (vmadm shapes).
enum class Special { SetMap, RemoveMap, AddItems, UpdateItems, RemoveItems };
struct SpecialKey {
  std::string name;
  std::string target;  // the property it changes
  Special kind;
};
const std::vector<SpecialKey>& specials() {
  static const std::vector<SpecialKey> table = [] {
    std::vector<SpecialKey> t;
    for (const auto& p : schema()) {
      if (p.update == Update::ReadOnly || p.update == Update::CreateOnly) continue;
      if (p.type == Type::Map || p.type == Type::RouteMap) {
        t.push_back({"set_" + p.path, p.path, Special::SetMap});
        t.push_back({"remove_" + p.path, p.path, Special::RemoveMap});
      } else if (p.type == Type::ObjectList) {
        t.push_back({"add_" + p.path, p.path, Special::AddItems});
        t.push_back({"update_" + p.path, p.path, Special::UpdateItems});
        t.push_back({"remove_" + p.path, p.path, Special::RemoveItems});
      }
    }
    return t;
  }();
  return table;
}
const SpecialKey* find_special(std::string_view name) {
  for (const auto& s : specials())
    if (s.name == name) return &s;
  return nullptr;
}

// The sub-property that names an item of an ObjectList in updates.
std::string item_key_of(const std::string& list) { return list == "nics" ? "mac" : "target"; }

std::string item_key_value(const std::string& list, const json& item) {
  std::string key = item_key_of(list);
  if (!item.is_object() || !item.contains(key) || !item[key].is_string()) return "";
  std::string v = item[key].get<std::string>();
  return list == "nics" ? lower(v) : clean_path(v);
}

}  // namespace


const std::vector<std::string>& update_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const Property* p : children(""))
      if ((p->update == Update::Live || p->update == Update::NextBoot) && p->type != Type::ObjectList)
        k.push_back(p->path);
    for (const auto& s : specials()) k.push_back(s.name);
    return k;
  }();
  return keys;
}

std::vector<Diagnostic> validate_update(const json& stored, const json& payload) {
  Checker c;
  if (!payload.is_object()) {
    c.add("", "the update must be an object");
    return c.out;
  }
  for (auto it = payload.begin(); it != payload.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    std::string at = key_path("", key);
    if (const SpecialKey* s = find_special(key)) {
      const Property& target = prop(s->target);
      switch (s->kind) {
        case Special::SetMap:
          c.value(target, v, at);
          break;
        case Special::RemoveMap:
          if (!v.is_array()) {
            c.add(at, quote(v) + " is not a list of keys");
            break;
          }
          for (size_t i = 0; i < v.size(); ++i)
            if (!v[i].is_string()) c.add(index_path(at, i), quote(v[i]) + " is not a key");
          break;
        case Special::AddItems: {
          if (!v.is_array()) {
            c.add(at, quote(v) + " is not a list");
            break;
          }
          for (size_t i = 0; i < v.size(); ++i)
            if (c.object(v[i], s->target, index_path(at, i), false) && s->target == "nics")
              check_nic_form(c, v[i], index_path(at, i));
          break;
        }
        case Special::UpdateItems:
        case Special::RemoveItems: {
          if (!v.is_array()) {
            c.add(at, quote(v) + " is not a list");
            break;
          }
          std::string keyname = item_key_of(s->target);
          std::set<std::string> existing;
          if (given(stored, s->target))
            for (const auto& item : stored[s->target]) existing.insert(item_key_value(s->target, item));
          const Property& keyprop = prop(s->target + "[]." + keyname);
          for (size_t i = 0; i < v.size(); ++i) {
            std::string item_at = index_path(at, i);
            const json* keyval = &v[i];
            std::string keyval_at = item_at;
            if (s->kind == Special::UpdateItems) {
              if (!v[i].is_object()) {
                c.add(item_at, quote(v[i]) + " is not an object");
                continue;
              }
              if (!given(v[i], keyname)) {
                c.add(item_at + "." + keyname, "is required (it names the " +
                                                   std::string(s->target == "nics" ? "nic" : "filesystem") +
                                                   " to update)");
                continue;
              }
              keyval = &v[i][keyname];
              keyval_at = item_at + "." + keyname;
            }
            size_t before = c.out.size();
            c.value(keyprop, *keyval, keyval_at);
            if (c.out.size() != before) continue;
            json wrapped = {{keyname, *keyval}};
            if (!existing.contains(item_key_value(s->target, wrapped))) {
              c.add(keyval_at, "no " + std::string(s->target == "nics" ? "nic" : "filesystem") + " has " +
                                   keyname + " " + quote(*keyval));
              continue;
            }
            if (s->kind == Special::UpdateItems) {
              for (auto f = v[i].begin(); f != v[i].end(); ++f) {
                if (f.key() == keyname) continue;
                const Property* fp = find_property(s->target + "[]." + f.key());
                if (fp && fp->update == Update::CreateOnly)
                  c.add(key_path(item_at, f.key()), "cannot be changed after create");
              }
              json rest = v[i];
              rest.erase(keyname);
              for (auto f = rest.begin(); f != rest.end();) {
                const Property* fp = find_property(s->target + "[]." + f.key());
                if (fp && fp->update == Update::CreateOnly) f = rest.erase(f);
                else ++f;
              }
              // Required sub-properties are not required in a partial update.
              Checker partial;
              partial.object(rest, s->target, item_at, false);
              for (auto& d : partial.out)
                if (d.message != "is required") c.out.push_back(d);
              if (s->target == "nics") check_nic_form(c, v[i], item_at);
            }
          }
          break;
        }
      }
      continue;
    }
    const Property* p = find_property(key);
    if (!p || key.find_first_of(".[") != std::string::npos) {
      c.unknown(at, key, update_keys());
      continue;
    }
    if (p->update == Update::ReadOnly) {
      c.add(at, "is read-only (zonekit sets it)");
    } else if (p->update == Update::CreateOnly) {
      c.add(at, "cannot be changed after create");
    } else if (p->type == Type::ObjectList) {
      c.add(at, "cannot be replaced by an update; use add_" + key + ", update_" + key + " or remove_" + key);
    } else if (!v.is_null()) {
      c.value(*p, v, at);
    }
  }
  if (!c.out.empty()) return c.out;
  return validate_create(apply_update(stored, payload));
}

json apply_update(const json& stored, const json& payload) {
  json doc = stored;
  auto set_primary_only = [](json& nics, size_t keep) {
    for (size_t i = 0; i < nics.size(); ++i) nics[i]["primary"] = i == keep;
  };
  for (auto it = payload.begin(); it != payload.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    if (const SpecialKey* s = find_special(key)) {
      json& target = doc[s->target];
      std::string keyname = item_key_of(s->target);
      switch (s->kind) {
        case Special::SetMap:
          if (!target.is_object()) target = json::object();
          for (auto m = v.begin(); m != v.end(); ++m) {
            if (m.value().is_null()) target.erase(m.key());
            else target[m.key()] = m.value();
          }
          break;
        case Special::RemoveMap:
          if (target.is_object())
            for (const auto& k : v) target.erase(k.get<std::string>());
          break;
        case Special::AddItems: {
          if (!target.is_array()) target = json::array();
          for (const auto& item : v) {
            json x = item;
            for (auto f = x.begin(); f != x.end();) f = f.value().is_null() ? x.erase(f) : std::next(f);
            target.push_back(x);
            if (s->target == "nics" && given(x, "primary") && x["primary"] == true)
              set_primary_only(target, target.size() - 1);
          }
          if (s->target == "nics") {
            // Name and default only the new ones; keep old nics untouched.
            std::set<std::string> used;
            for (const auto& n : target)
              if (given(n, "interface")) used.insert(n["interface"].get<std::string>());
            unsigned next = 0;
            for (auto& n : target) {
              normalise_nic_old_form(n);
              if (!given(n, "interface")) {
                while (used.contains("net" + std::to_string(next))) ++next;
                n["interface"] = "net" + std::to_string(next);
                used.insert(n["interface"].get<std::string>());
              }
              materialise(n, "nics");
            }
          } else {
            normalise_filesystems(target);
          }
          break;
        }
        case Special::UpdateItems:
          for (const auto& item : v) {
            std::string want = item_key_value(s->target, item);
            for (size_t i = 0; i < target.size(); ++i) {
              if (item_key_value(s->target, target[i]) != want) continue;
              for (auto f = item.begin(); f != item.end(); ++f) {
                if (f.key() == keyname) continue;
                const Property* fp = find_property(s->target + "[]." + f.key());
                if (fp && fp->update == Update::CreateOnly) continue;
                if (f.value().is_null()) target[i].erase(f.key());
                else target[i][f.key()] = f.value();
              }
              if (s->target == "nics") {
                // An old-form field replaces its new-form counterpart.
                if (given(item, "ip")) target[i].erase("ips");
                if (given(item, "gateway")) target[i].erase("gateways");
                normalise_nic_old_form(target[i]);
                if (given(item, "primary") && item["primary"] == true) set_primary_only(target, i);
              }
              materialise(target[i], s->target);
              if (s->target == "filesystems" && given(target[i], "target"))
                target[i]["target"] = clean_path(target[i]["target"].get<std::string>());
            }
          }
          break;
        case Special::RemoveItems: {
          std::set<std::string> gone;
          for (const auto& k : v) gone.insert(item_key_value(s->target, json{{keyname, k}}));
          json kept = json::array();
          for (const auto& item : target)
            if (!gone.contains(item_key_value(s->target, item))) kept.push_back(item);
          target = kept;
          break;
        }
      }
      if (s->target == "nics" && target.is_array() && !target.empty()) {
        bool any = false;
        for (const auto& n : target) any = any || (given(n, "primary") && n["primary"] == true);
        if (!any) target[0]["primary"] = true;
      }
      if ((target.is_array() || target.is_object()) && target.empty() && !given(stored, s->target))
        doc.erase(s->target);
      continue;
    }
    if (v.is_null()) doc.erase(key);
    else doc[key] = v;
  }
  // Properties whose default follows another keep following it when they
  // were at their default, and stay within their bounds.
  for (const auto& p : schema()) {
    if (p.type != Type::Int || payload.contains(p.path)) continue;
    if (!p.default_ref.empty() && payload.contains(p.default_ref) && given(stored, p.path)) {
      auto old_ref = effective_int(stored, p.default_ref);
      auto old_val = as_int(stored[p.path]);
      auto new_ref = effective_int(doc, p.default_ref);
      if (old_ref && old_val && new_ref && *old_val == std::max(*old_ref, p.min))
        doc[p.path] = std::max(*new_ref, p.min);
    }
    if (!given(doc, p.path) || !as_int(doc[p.path])) continue;
    int64_t v = *as_int(doc[p.path]);
    if (!p.at_most.empty()) {
      auto other = effective_int(doc, p.at_most);
      if (other && v > *other && !payload.contains(p.path)) doc[p.path] = *other;
    }
    if (!p.at_least.empty()) {
      auto other = effective_int(doc, p.at_least);
      if (other && v < *other && !payload.contains(p.path)) doc[p.path] = *other;
    }
  }
  materialise(doc, "");
  if (!given(doc, "hostname")) {
    std::string h = default_hostname(doc);
    if (!h.empty()) doc["hostname"] = h;
  }
  return doc;
}

std::vector<std::string> changed_keys(const json& before, const json& after) {
  std::set<std::string> keys;
  for (auto it = before.begin(); it != before.end(); ++it) keys.insert(it.key());
  for (auto it = after.begin(); it != after.end(); ++it) keys.insert(it.key());
  std::vector<std::string> out;
  for (const auto& k : keys) {
    bool a = before.contains(k), b = after.contains(k);
    if (a != b || (a && before[k] != after[k])) out.push_back(k);
  }
  return out;
}

Update change_kind(std::string_view key) {
  const Property* p = find_property(key);
  return p ? p->update : Update::NextBoot;
}

std::vector<std::string> reboot_keys(const std::vector<std::string>& changed) {
  std::vector<std::string> out;
  for (const auto& k : changed) {
    Update u = change_kind(k);
    if (u == Update::NextBoot || u == Update::CreateOnly) out.push_back(k);
  }
  return out;
}

bool add_assignment(json& payload, std::string_view arg, std::vector<Diagnostic>& errors) {
  size_t eq = arg.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    errors.push_back({std::string(arg), "expected key=value"});
    return false;
  }
  std::string key(arg.substr(0, eq));
  std::string text(arg.substr(eq + 1));
  // MAP.KEY=VALUE sets one key of a map, MAP.KEY= removes it: vmadm's
  // set_MAP / remove_MAP, one key at a time.
  if (size_t dot = key.find('.'); dot != std::string::npos && dot > 0 && dot + 1 < key.size()) {
    std::string map = key.substr(0, dot), member = key.substr(dot + 1);
    const Property* mp = find_property(map);
    if (mp && (mp->type == Type::Map || mp->type == Type::RouteMap) && find_special("set_" + map)) {
      json& set = payload["set_" + map];
      json& remove = payload["remove_" + map];
      if (set.is_null()) set = json::object();
      if (remove.is_null()) remove = json::array();
      bool twice = set.contains(member) || std::find(remove.begin(), remove.end(), json(member)) != remove.end();
      if (twice) {
        errors.push_back({key, "is given twice"});
      } else if (text.empty()) {
        remove.push_back(member);
      } else if (map == "tags" && (text == "true" || text == "false")) {
        set[member] = text == "true";  // tags keep vmadm's scalar types
      } else if (int64_t i; map == "tags" && std::from_chars(text.data(), text.data() + text.size(), i).ptr ==
                                                   text.data() + text.size()) {
        set[member] = i;
      } else {
        set[member] = text;
      }
      if (set.empty()) payload.erase("set_" + map);
      if (remove.empty()) payload.erase("remove_" + map);
      return !twice;
    }
  }
  json value;
  const Property* p = find_property(key);
  if (text == "null") {
    value = nullptr;
  } else if (!text.empty() && (text.front() == '{' || text.front() == '[')) {
    value = json::parse(text, nullptr, false);
    if (value.is_discarded()) {
      errors.push_back({key, quote(json(text)) + " is not valid JSON"});
      return false;
    }
  } else if (p && p->type == Type::Int) {
    int64_t i;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
    value = (ec == std::errc() && ptr == text.data() + text.size()) ? json(i) : json(text);
  } else if (p && p->type == Type::Bool && (text == "true" || text == "false")) {
    value = text == "true";
  } else if (p && p->type == Type::List) {
    value = json::array();
    size_t i = 0;
    while (i <= text.size() && !text.empty()) {
      size_t j = text.find(',', i);
      if (j == std::string::npos) j = text.size();
      value.push_back(text.substr(i, j - i));
      i = j + 1;
    }
  } else {
    value = text;
  }
  if (payload.contains(key)) {
    errors.push_back({key, "is given twice"});
    return false;
  }
  payload[key] = value;
  return true;
}

}  // namespace zonekit::manifest

