// The zone manifest schema: one table that lists every property a manifest
// may hold (vmadm names), with its type, unit, default, update rule and doc.
// Validation, defaults, `zonecfg template`, zone-manifest(5) and
// `zoneadm explain` are all generated from this table; nothing else may
// hard-code a property name's rules.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace zonekit::manifest {

enum class Type {
  String,      // one line of text (length bounds in min/max)
  Bool,
  Int,         // integer in [min, max], in `unit`
  Uuid,        // 8-4-4-4-12 hex
  Alias,       // 1..64 of [A-Za-z0-9._-], not starting with '-', not a uuid
  Hostname,    // RFC 1123 host name, <= 64 characters (Linux limit)
  DomainName,  // RFC 1123 domain name, <= 253 characters
  Name,        // identifier: [A-Za-z0-9_.-], 1..max characters (nic tags)
  Interface,   // netN
  Enum,        // one of `choices`
  Mac,         // unicast aa:bb:cc:dd:ee:ff
  Ip,          // IPv4 or IPv6 address
  Ipv4,        // IPv4 address
  Netmask,     // dotted IPv4 netmask with contiguous bits
  Cidr,        // IPv4 or IPv6 address with /prefix
  IpOrCidr,    // either
  AbsPath,     // absolute path, no "..", NUL or newline
  Command,     // absolute program path optionally followed by arguments
  Timestamp,   // ISO 8601 text (read-only properties)
  List,        // array of `item`, at most `max` entries
  Map,         // flat object: string key -> string, number or bool
  RouteMap,    // object: destination CIDR/IP -> gateway IP or "nics[N]"
  ObjectList,  // array of objects; sub-properties are "<path>[].<name>"
  Any,         // any JSON value, stored as given (vmadm properties zonekit does not act on)
};

enum class Update {
  CreateOnly,  // set at create, never changed
  Live,        // `update` applies it to a running zone at once
  NextBoot,    // `update` stores it; it takes effect at the next boot
  ReadOnly,    // assigned or derived by zonekit; never in a payload
};

constexpr int64_t kNoLimit = std::numeric_limits<int64_t>::max();

struct Property {
  std::string path;              // "max_physical_memory", "nics[].ips"
  Type type = Type::String;
  Type item = Type::String;      // element type when type == List
  std::string unit;              // "MiB", "GiB", "%", ""
  nlohmann::json default_value;  // null = no default
  Update update = Update::CreateOnly;
  std::string doc;               // one line
  int64_t min = 0;               // Int: value bounds; String-like: length bounds;
  int64_t max = kNoLimit;        // List: item count bounds
  std::vector<std::string> choices;  // Enum values (of the items, for a List)
  // Accepted spellings normalised to a canonical value ("joyent" -> "image").
  std::vector<std::pair<std::string, std::string>> aliases;
  // Values refused with a reason ("kvm", "dhcp").
  std::vector<std::pair<std::string, std::string>> refused;
  std::string default_ref;       // default is max(value of this property, min)
  std::string at_most;           // value must be <= this property's value
  std::string at_least;          // value must be >= this property's value
  std::string default_doc;       // how the default is decided, when not a constant
  nlohmann::json example;        // example value for the template and docs
  bool in_template = false;      // written uncommented in `zonecfg template`
  bool deprecated = false;       // accepted, normalised to a newer form
  bool required = false;         // within its object (nics[].nic_tag)
  // A vmadm(8) property that zonekit accepts and stores verbatim (zoneadm
  // get shows it) but does not act on; create says which were given.
  bool stored_only = false;
};

// THE single source of truth, in documentation order.
const std::vector<Property>& schema();

// "max_physical_memory", "nics[].ips"; also accepts "nics.ips", "nics[0].ips"
// and "nics.0.ips". Null when unknown.
const Property* find_property(std::string_view path);

// Canonical schema path for a concrete or dotted path: "nics.0.ips" ->
// "nics[].ips". Unchanged when it cannot be mapped.
std::string schema_path(std::string_view path);

// Direct children of a property path ("" = top level), in schema order.
std::vector<const Property*> children(std::string_view parent);

// Property paths for shell completion and `zoneadm explain`, in schema
// order ("alias", ..., "nics[].ips", ...).
std::vector<std::string> property_names(bool include_read_only);

// Human words: "integer", "list of IPv4 or IPv6 CIDRs", "live", ...
std::string type_name(const Property& p);
std::string_view update_name(Update u);

// The top-level keys of doc that are stored but not acted on (stored_only),
// with the nested ones as "nics[].model"; sorted, each once.
std::vector<std::string> stored_only_keys(const nlohmann::json& doc);

// The nearest of `candidates` to `name` by edit distance, or "" if none is
// close enough to be a plausible typo.
std::string nearest(std::string_view name, const std::vector<std::string>& candidates);

// Brands zonekit runs, and vmadm brand names accepted as aliases.
inline constexpr std::string_view kBrandSparse = "sparse";
inline constexpr std::string_view kBrandImage = "image";

}  // namespace zonekit::manifest
