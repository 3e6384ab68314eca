// Update payloads against a fixed stored zone: the JSON payload path
// (validate_update + apply_update) and the `zoneadm update NAME k=v` path
// (add_assignment, one argument per input line). An accepted update must
// produce a manifest that still validates as a create would.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/manifest/parse.hpp"
#include "core/manifest/validate.hpp"

using namespace zonekit;
using nlohmann::json;

namespace {

const json& stored() {
  static const json doc = [] {
    json d = json::parse(R"({
      "alias": "web01", "brand": "sparse", "autoboot": true,
      "max_physical_memory": 256, "max_lwps": 2000, "cpu_cap": 100,
      "tags": {"role": "web"},
      "nics": [{"nic_tag": "admin", "ips": ["10.88.0.5/24"], "gateways": ["10.88.0.1"],
                "mac": "02:08:20:aa:bb:cc", "primary": true}],
      "resolvers": ["10.88.0.1"]
    })");
    if (!manifest::validate_create(d).empty()) abort();
    d = manifest::normalize_create(std::move(d));
    d["uuid"] = "0123abcd-ef01-4234-8567-89abcdef0123";
    return d;
  }();
  return doc;
}

void check_update(const json& payload) {
  auto diags = manifest::validate_update(stored(), payload);
  (void)manifest::format_diagnostics(diags);
  if (!diags.empty()) return;
  json next = manifest::apply_update(stored(), payload);
  auto changed = manifest::changed_keys(stored(), next);
  (void)manifest::reboot_keys(changed);
  (void)next.dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  json payload = json::parse(text, nullptr, false);
  if (!payload.is_discarded()) check_update(payload);

  json from_args = json::object();
  std::vector<manifest::Diagnostic> errors;
  bool ok = true;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    ok = manifest::add_assignment(from_args, text.substr(start, nl - start), errors) && ok;
    start = nl + 1;
  }
  if (ok && errors.empty()) check_update(from_args);
  return 0;
}
