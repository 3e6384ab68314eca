// Internals shared by validate.cpp (create), update.cpp and checker.cpp.
// Not for use outside core/manifest.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/manifest/parse.hpp"
#include "core/manifest/schema.hpp"

namespace zonekit::manifest::detail {

// Paths as messages show them: "nics[0].ips[1]", "routes[\"10.0.0.0/8\"]".
std::string key_path(const std::string& parent, const std::string& key);
std::string index_path(const std::string& parent, size_t i);
std::string join_path(const std::string& parent, const std::string& key);
std::string last_segment(const std::string& path);

std::optional<int64_t> as_int(const nlohmann::json& v);
// Lexically cleaned absolute path: "//srv/./x/" -> "/srv/x". Assumes no "..".
std::string clean_path(std::string_view p);
bool has_dotdot(std::string_view p);
// C0 controls and DEL.
bool has_control(std::string_view s);
std::string lower(std::string s);
// The canonical spelling of an Enum value ("joyent" -> "image").
std::string canonical_value(const Property& p, const std::string& v);

// A top-level property known to exist.
const Property& prop(std::string_view path);
// Present and not null.
bool given(const nlohmann::json& obj, const std::string& key);
// The value a top-level Int property has in doc, given or defaulted.
std::optional<int64_t> effective_int(const nlohmann::json& doc, const std::string& key);

// Checks values against their schema properties, collecting diagnostics.
class Checker {
 public:
  std::vector<Diagnostic> out;

  void add(const std::string& path, std::string message);
  // One value against its property; false when the value is unusable (so
  // cross-checks skip it).
  bool value(const Property& p, const nlohmann::json& v, const std::string& path);
  // Every member of an object whose properties are children(parent); false
  // when obj is not an object.
  bool object(const nlohmann::json& obj, const std::string& parent, const std::string& path, bool allow_read_only);
  // "<at>: unknown property (did you mean ...?)"
  void unknown(const std::string& at, const std::string& key, const std::vector<std::string>& names);

 private:
  bool boolean(const nlohmann::json& v, const std::string& path);
  bool integer(const Property& p, const nlohmann::json& v, const std::string& path);
  static std::string integer_hint(const Property& p, const std::string& s);
  bool scalar(const Property& p, Type t, const nlohmann::json& v, const std::string& path);
  bool list(const Property& p, const nlohmann::json& v, const std::string& path);
  bool count(const Property& p, const nlohmann::json& v, const std::string& path);
  bool map(const Property& p, const nlohmann::json& v, const std::string& path);
  bool command_argv(const Property& p, const nlohmann::json& v, const std::string& path);
  bool routes(const Property& p, const nlohmann::json& v, const std::string& path);
  bool object_list(const Property& p, const nlohmann::json& v, const std::string& path);
};

// The old single-address nic form must be complete and not mixed with the new.
void check_nic_form(Checker& c, const nlohmann::json& nic, const std::string& at);

// Writes schema defaults and canonical values into one object whose
// properties are children(parent).
void materialise(nlohmann::json& obj, const std::string& parent);
// nics[].ip + netmask + gateway -> ips + gateways.
void normalise_nic_old_form(nlohmann::json& nic);
// Old form, interface names, defaults, one primary.
void normalise_nics(nlohmann::json& nics);
void normalise_filesystems(nlohmann::json& fss);

}  // namespace zonekit::manifest::detail
