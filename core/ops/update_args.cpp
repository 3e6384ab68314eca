#include "core/ops/update_args.hpp"

#include "core/manifest/parse.hpp"
#include "core/manifest/validate.hpp"

namespace zonekit::ops {

using nlohmann::json;

namespace {

Error invalid(const std::vector<manifest::Diagnostic>& diags) {
  Error e;
  e.kind = ErrorKind::Invalid;
  for (const auto& d : diags) e.detail += (e.detail.empty() ? "" : "\n") + d.str();
  return e;
}

}  // namespace

Result<json> parse_update_args(const std::vector<std::string>& args) {
  json payload = json::object();
  std::vector<manifest::Diagnostic> errors;
  for (const auto& a : args) manifest::add_assignment(payload, a, errors);
  if (!errors.empty()) return std::unexpected(invalid(errors));
  return payload;
}

Result<json> parse_update_payload(const std::string& text, const std::string& source) {
  auto parsed = manifest::parse(text, source);
  if (!parsed.errors.empty()) return std::unexpected(invalid(parsed.errors));
  if (!parsed.doc.is_object()) return fail(source + ": update payload must be an object", ErrorKind::Invalid);
  return parsed.doc;
}

}  // namespace zonekit::ops
