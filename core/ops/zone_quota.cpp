#include "core/ops/zone_quota.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "core/runtime/mount_plan.hpp"
#include "core/sys/fs.hpp"
#include "core/sys/project_quota.hpp"

namespace zonekit::ops {

using nlohmann::json;

namespace {

// The manifest's own quota (validated: an integer >= 0, signed when it came
// from an update); nullopt when it sets none.
std::optional<uint64_t> manifest_quota(const json& doc) {
  auto it = doc.find("quota");
  if (it == doc.end() || !it->is_number_integer()) return std::nullopt;
  return static_cast<uint64_t>(std::max<int64_t>(0, it->get<int64_t>()));
}

// The bound in force: the manifest's, else zonekit.toml's [quota] default.
uint64_t quota_gib(const store::Store& st, const json& doc) {
  return manifest_quota(doc).value_or(st.config().quota_default_gib);
}

// "1 GiB", or "the default quota of 10 GiB ([quota] default)" when the
// manifest set none.
std::string quota_text(const json& doc, uint64_t gib) {
  if (manifest_quota(doc)) return fmt::format("{} GiB", gib);
  return fmt::format("the default quota of {} GiB ([quota] default in zonekit.toml)", gib);
}

Result<uint32_t> project_of(const json& doc) {
  auto it = doc.find("uid_base");
  if (it == doc.end() || !it->is_number_unsigned()) return fail("stored manifest has no uid_base");
  return quota::project_id(it->get<uint32_t>());
}

std::string zone_name(const json& doc) {
  return doc.value("alias", doc.value("uuid", std::string()));
}

Result<void> refuse_unenforced(const json& doc, uint64_t gib, const std::string& dir, const quota::Support& sup) {
  if (sup.enforced) return {};
  return fail(fmt::format("quota: cannot enforce {} on {}: {}; set quota to 0, or allow unenforced "
                          "quotas in zonekit.toml ([quota] allow_unenforced = true, the default)",
                          quota_text(doc, gib), dir, sup.reason),
              ErrorKind::Invalid);
}

// Boot's note when the store is below its reserve, else "".
std::string reserve_warning(const store::Store& st) {
  auto sp = quota::space(st.paths().zones_dir());
  if (!sp) return "";
  return quota::below_reserve(*sp, st.config().store_reserve_percent);
}

}  // namespace

std::string writable_layer(const store::Store& st, const json& doc) {
  ZoneSpec spec;
  spec.brand = doc.value("brand", std::string("sparse"));
  spec.zone_dir = st.paths().zone_dir(doc.value("uuid", std::string()));
  return runtime::writable_layer_dir(spec);
}

Result<void> check_quota(const store::Store& st, const json& doc, const std::string& dir) {
  uint64_t gib = quota_gib(st, doc);
  if (gib == 0 || st.config().quota_allow_unenforced) return {};
  return refuse_unenforced(doc, gib, dir, quota::probe(dir));
}

Result<void> check_store_space(const store::Store& st) {
  auto sp = ZK_TRYC(quota::space(st.paths().zones_dir()), "store");
  std::string why = quota::below_reserve(sp, st.config().store_reserve_percent);
  if (why.empty()) return {};
  return fail(why + "; refusing to create a zone (delete zones or data, or lower the reserve)");
}

Result<std::string> apply_quota(const store::Store& st, const json& doc) {
  std::string dir = writable_layer(st, doc);
  uint64_t gib = quota_gib(st, doc);
  auto sup = quota::probe(fs::exists(dir) ? dir : st.paths().zone_dir(doc.value("uuid", std::string())));
  if (gib > 0 && !st.config().quota_allow_unenforced) ZK_TRYV(refuse_unenforced(doc, gib, dir, sup));
  if (sup.accounted) {
    uint32_t id = ZK_TRYC(project_of(doc), "quota");
    // Made here (as zoneadmd would at boot) so that the tree carries its
    // project id before the zone writes anything.
    ZK_TRYVC(fs::mkdir_p(dir, 0755), "quota");
    ZK_TRYVC(quota::tag_tree(dir, id), "quota");
    auto space = ZK_TRYC(quota::space(dir), "quota");
    ZK_TRYVC(quota::set_limits(dir, id, quota::limits_for(gib, space)), "quota");
  }
  std::vector<std::string> notes;
  // The default is not worth a note at every boot where it cannot be
  // enforced (zoneadm info says so); a quota the manifest asks for is.
  if (gib > 0 && !sup.enforced && manifest_quota(doc))
    notes.push_back(fmt::format("quota of {} GiB is not enforced on {}: {}", gib, dir, sup.reason));
  if (auto w = reserve_warning(st); !w.empty()) notes.push_back(w);
  std::string out;
  for (const auto& n : notes) out += (out.empty() ? "" : "; ") + n;
  return out;
}

Result<void> apply_quota_after_create(store::Store& st, const json& doc) {
  std::string uuid = doc.value("uuid", std::string());
  auto lock = ZK_TRY(st.lock_zone(uuid));
  auto applied = apply_quota(st, doc);
  if (applied) return {};
  Error e = std::move(applied.error()).wrap("zone " + zone_name(doc));
  (void)st.remove(uuid);
  return std::unexpected(std::move(e));
}

void clear_quota(const store::Store& st, const json& doc) {
  auto id = project_of(doc);
  if (!id) return;
  // The zone's directory is gone: ask the filesystem of the zones dir.
  std::string dir = st.paths().zones_dir();
  if (quota::probe(dir).accounted) (void)quota::set_limits(dir, *id, {});
}

json quota_info(const store::Store& st, const json& doc) {
  json j = json::object();
  uint64_t gib = quota_gib(st, doc);
  if (!manifest_quota(doc)) j["quota_default"] = gib;
  std::string dir = writable_layer(st, doc);
  if (!fs::exists(dir)) dir = st.paths().zone_dir(doc.value("uuid", std::string()));
  auto sup = quota::probe(dir);
  auto id = project_of(doc);
  if (sup.accounted && id) {
    // A zone not booted since zonekit learned quotas has an untagged tree.
    auto tagged = quota::dir_project(writable_layer(st, doc));
    if (!tagged || tagged->id != *id || !tagged->inherit) {
      sup.enforced = false;
      sup.reason = "the zone's files do not carry its project id yet (the next zoneadm boot tags them)";
    } else if (auto u = quota::usage(dir, *id)) {
      j["quota_used_bytes"] = u->bytes;
      j["quota_used_files"] = u->files;
      j["quota_limit_bytes"] = u->byte_limit;
      j["quota_limit_files"] = u->file_limit;
    }
  }
  if (gib > 0) {
    j["quota_enforced"] = sup.enforced;
    if (!sup.enforced) j["quota_reason"] = sup.reason;
  }
  return j;
}

}  // namespace zonekit::ops
