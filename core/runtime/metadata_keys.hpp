// What a zone may read and write through its metadata doors, as pure
// functions of its stored manifest (zone.json). The SmartOS data
// dictionary's keys that mean something here:
//   sdc:uuid sdc:alias sdc:hostname sdc:dns_domain sdc:zonename sdc:brand
//   sdc:nics sdc:resolvers sdc:routes sdc:tags (JSON text)
//   sdc:operator-script (internal_metadata["operator-script"])
//   any other key: customer_metadata[key] (user-script, user-data,
//   root_authorized_keys, ...), except keys ending in "_pw" and keys
//   "NS:..." with NS in internal_metadata_namespaces, which read
//   internal_metadata[key] and are read-only.
// Only customer_metadata keys are listed (KEYS) and writable (PUT, DELETE).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/runtime/metadata_protocol.hpp"

namespace zonekit::runtime {

// Limits on what a zone writes (mdata-put): documented in mdata-put(1).
inline constexpr size_t kMaxMetadataKey = 128;              // bytes, as the manifest schema
inline constexpr size_t kMaxPutValue = 64 * 1024;           // bytes per value
inline constexpr size_t kMaxCustomerMetadata = 1024 * 1024; // bytes of keys + values in all
inline constexpr size_t kMaxMetadataKeys = 1024;            // keys (the schema's map limit)

struct MdAnswer {
  MdCode code = MdCode::NotFound;
  std::string data;  // the value (Success) or the reason (Failure)
};

MdAnswer metadata_get(const nlohmann::json& doc, std::string_view key);
MdAnswer metadata_keys(const nlohmann::json& doc);

// A change a zone asked for: put (value set) or delete.
struct MdWrite {
  std::string key;
  std::string value;
  bool remove = false;
};
// Success when the zone may make this change to doc, else Failure with why.
MdAnswer metadata_check_write(const nlohmann::json& doc, const MdWrite& w);
// doc with the change made (call only when metadata_check_write succeeded).
nlohmann::json metadata_apply_write(nlohmann::json doc, const MdWrite& w);

// A metadata value as text: strings as they are, numbers and booleans in
// JSON form (the manifest's maps may hold those), anything else empty.
std::string metadata_text(const nlohmann::json& v);

}  // namespace zonekit::runtime
