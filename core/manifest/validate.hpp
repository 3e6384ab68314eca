// Validation and normalisation of create and update payloads, driven by
// schema(). Every function here is pure: no I/O, no allocation of host
// resources (MACs, IPs and uuids are the store's job).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/manifest/parse.hpp"
#include "core/manifest/schema.hpp"

namespace zonekit::manifest {

// Every problem of a create payload, in a stable order: bad values (top-level
// properties in schema order, nested ones in array order), then unknown
// top-level keys, then checks across properties (limits, brand, duplicate
// MACs/addresses/targets, primary nic, old nic form, routes). Read-only
// properties as `zoneadm get` prints them are accepted, so a stored manifest
// re-validates; values are never changed here.
std::vector<Diagnostic> validate_create(const nlohmann::json& doc);

// Call only on a doc that validate_create accepted. Drops null values and
// read-only properties (uuid is kept), rewrites deprecated forms (nics[].ip +
// netmask + gateway -> ips + gateways; brand joyent/joyent-minimal/lx ->
// image; filesystem type bind -> lofs; option nodev -> nodevice), lower-cases
// uuids and MACs, cleans filesystem targets ("/srv//x/" -> "/srv/x"), names
// nics net0, net1... where missing, makes the first nic primary when none is,
// and writes every default from the schema. The hostname default needs the
// uuid: see default_hostname(). Nics may still lack mac and ips: the store
// allocates those.
nlohmann::json normalize_create(nlohmann::json doc);

// `zonecfg export`: a create payload that recreates the zone: the stored
// manifest without read-only properties. keep_identity=false also drops the
// uuid and the nics' MACs, for a copy of the zone beside the original (its
// fixed IPs stay: remove them to have new ones allocated).
nlohmann::json export_manifest(const nlohmann::json& stored, bool keep_identity = true);

// The hostname a zone gets when its manifest has none: the alias when it is
// a valid host name, else the uuid ("" when neither is known yet).
std::string default_hostname(const nlohmann::json& doc);

// Every problem of an update payload against the stored (normalised)
// manifest: unknown keys, create-only and read-only keys, bad values, nics
// and filesystems named by a mac/target that does not exist, and problems of
// the manifest the update would produce.
std::vector<Diagnostic> validate_update(const nlohmann::json& stored, const nlohmann::json& payload);

// The stored manifest after the update (call only when validate_update found
// nothing). Pure. `key: null` resets a property to its default (or removes
// it); set_* merge into maps, remove_* delete map keys (missing keys are not
// an error); add_nics are normalised like create nics (they may lack mac and
// ips, for the store to allocate); a nic marked primary makes the others
// non-primary; properties whose default follows another
// (max_locked_memory, max_swap, tmpfs follow max_physical_memory) keep
// following it when they were at their default, and are clamped to stay
// within their bounds (max_locked_memory <= max_physical_memory <= max_swap);
// a removed hostname gets its default again.
nlohmann::json apply_update(const nlohmann::json& stored, const nlohmann::json& payload);

// Top-level keys whose values differ, sorted. Empty = "no changes".
std::vector<std::string> changed_keys(const nlohmann::json& before, const nlohmann::json& after);

// How a change to a top-level key takes effect (Live or NextBoot; ReadOnly
// for read-only keys, NextBoot for unknown ones).
Update change_kind(std::string_view key);
// The changed keys that take effect only at the next boot.
std::vector<std::string> reboot_keys(const std::vector<std::string>& changed);
inline bool needs_reboot(const std::vector<std::string>& changed) { return !reboot_keys(changed).empty(); }

// `zoneadm update NAME key=value ...`: one argument -> payload member, typed
// by the schema ("max_physical_memory=512" -> 512, "autoboot=true" -> true,
// "resolvers=1.1.1.1,8.8.8.8" -> list, "cpu_cap=null" -> null, values
// starting with '{' or '[' are JSON). Adds a diagnostic (path = the key, or
// the argument when it has no '=') and returns false on error.
bool add_assignment(nlohmann::json& payload, std::string_view arg, std::vector<Diagnostic>& errors);

// Every key an update payload may hold: the updatable properties, then the
// members set_tags, remove_tags, add_nics, ... (for docs and completion).
const std::vector<std::string>& update_keys();

}  // namespace zonekit::manifest
