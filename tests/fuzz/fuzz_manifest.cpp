// Manifest text (JSON or YAML, by the first byte) -> parse -> validate ->
// normalise -> export. Nothing may crash or throw, and a manifest that
// validates must survive its own export and validate again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "core/manifest/parse.hpp"
#include "core/manifest/validate.hpp"

using namespace zonekit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  // Both parsers on every input: the name picks the format.
  for (const char* source : {"fuzz.json", "fuzz.yaml"}) {
    auto parsed = manifest::parse(text, source);
    if (!parsed.errors.empty()) continue;
    auto diags = manifest::validate_create(parsed.doc);
    manifest::locate(diags, parsed);
    (void)manifest::format_diagnostics(diags);
    if (!diags.empty()) continue;
    auto doc = manifest::normalize_create(parsed.doc);
    (void)manifest::to_yaml(doc);
    auto exported = manifest::export_manifest(doc, false);
    // What validates and normalises must validate again after its export.
    if (!manifest::validate_create(exported).empty()) abort();
    (void)manifest::default_hostname(doc);
  }
  return 0;
}
