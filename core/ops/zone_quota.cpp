#include "core/ops/zone_quota.hpp"

#include <fmt/format.h>

#include "core/runtime/mount_plan.hpp"
#include "core/sys/fs.hpp"
#include "core/sys/project_quota.hpp"

namespace zonekit::ops {

using nlohmann::json;

namespace {

uint64_t quota_gib(const json& doc) {
  auto it = doc.find("quota");  // validated: an integer >= 0, signed when it came from an update
  if (it == doc.end() || !it->is_number_integer() || it->get<int64_t>() < 0) return 0;
  return static_cast<uint64_t>(it->get<int64_t>());
}

Result<uint32_t> project_of(const json& doc) {
  auto it = doc.find("uid_base");
  if (it == doc.end() || !it->is_number_unsigned()) return fail("stored manifest has no uid_base");
  return quota::project_id(it->get<uint32_t>());
}

std::string zone_name(const json& doc) {
  return doc.value("alias", doc.value("uuid", std::string()));
}

Result<void> refuse_unenforced(uint64_t gib, const std::string& dir, const quota::Support& sup) {
  if (sup.enforced) return {};
  return fail(fmt::format("quota: cannot enforce {} GiB on {}: {}; set quota to 0, or allow unenforced "
                          "quotas in zonekit.toml ([quota] allow_unenforced = true, the default)",
                          gib, dir, sup.reason),
              ErrorKind::Invalid);
}

}  // namespace

std::string writable_layer(const store::Store& st, const json& doc) {
  ZoneSpec spec;
  spec.brand = doc.value("brand", std::string("sparse"));
  spec.zone_dir = st.paths().zone_dir(doc.value("uuid", std::string()));
  return runtime::writable_layer_dir(spec);
}

Result<void> check_quota(const store::Store& st, const json& doc, const std::string& dir) {
  uint64_t gib = quota_gib(doc);
  if (gib == 0 || st.config().quota_allow_unenforced) return {};
  return refuse_unenforced(gib, dir, quota::probe(dir));
}

Result<std::string> apply_quota(const store::Store& st, const json& doc) {
  std::string dir = writable_layer(st, doc);
  uint64_t gib = quota_gib(doc);
  auto sup = quota::probe(fs::exists(dir) ? dir : st.paths().zone_dir(doc.value("uuid", std::string())));
  if (gib > 0 && !st.config().quota_allow_unenforced) ZK_TRYV(refuse_unenforced(gib, dir, sup));
  if (sup.accounted) {
    uint32_t id = ZK_TRYC(project_of(doc), "quota");
    // Made here (as zoneadmd would at boot) so that the tree carries its
    // project id before the zone writes anything.
    ZK_TRYVC(fs::mkdir_p(dir, 0755), "quota");
    ZK_TRYVC(quota::tag_tree(dir, id), "quota");
    uint64_t bsize = ZK_TRYC(quota::block_size(dir), "quota");
    ZK_TRYVC(quota::set_limits(dir, id, quota::limits_for(gib, bsize)), "quota");
  }
  if (gib > 0 && !sup.enforced)
    return fmt::format("quota of {} GiB is not enforced on {}: {}", gib, dir, sup.reason);
  return std::string();
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
  uint64_t gib = quota_gib(doc);
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
    }
  }
  if (gib > 0) {
    j["quota_enforced"] = sup.enforced;
    if (!sup.enforced) j["quota_reason"] = sup.reason;
  }
  return j;
}

}  // namespace zonekit::ops
