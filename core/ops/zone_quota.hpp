// A zone's quota, enforced with the project quotas of the store's
// filesystem (core/sys/project_quota.hpp): the zone's writable layer is
// tagged with its project id and the project gets the limit. Where the
// filesystem cannot enforce it, a quota above 0 is refused at create,
// update and boot, when zonekit.toml sets [quota] allow_unenforced = false.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/store/store.hpp"
#include "core/sys/result.hpp"

namespace zonekit::ops {

// The zone's writable layer in the store (sparse <zone>/root, image
// <zone>/overlay); its tree is the zone's project.
std::string writable_layer(const store::Store& st, const nlohmann::json& doc);

// The quota in force is the manifest's, else zonekit.toml's [quota]
// default (see store::Config::quota_default_gib).
//
// Refuse (Invalid, naming quota) a quota above 0 that the filesystem
// holding dir cannot enforce, unless the config allows it.
Result<void> check_quota(const store::Store& st, const nlohmann::json& doc, const std::string& dir);

// Refuse (Failure) another zone on a store whose filesystem has less than
// [store] reserve percent of its space or inodes free (quota::below_reserve).
Result<void> check_store_space(const store::Store& st);

// Create the writable layer's top directory if missing, tag its tree with
// the zone's project id and set the project's limits (none for quota 0),
// wherever the filesystem counts project usage. Idempotent; the caller
// holds the zone lock. Returns a warning, else "": the manifest's quota is
// not enforced (the config allowing it), or the store is below its reserve.
Result<std::string> apply_quota(const store::Store& st, const nlohmann::json& doc);

// apply_quota for a zone create just published, under its lock; on failure
// the zone is deleted again, so a refused create leaves nothing.
Result<void> apply_quota_after_create(store::Store& st, const nlohmann::json& doc);

// Drop the project's limits of a deleted zone, so a later zone given the
// same id starts clean. Best effort: the zone is gone either way.
void clear_quota(const store::Store& st, const nlohmann::json& doc);

// For zoneadm info: quota_default (GiB, when the manifest sets no quota),
// quota_enforced and quota_reason (quota above 0), and
// quota_used_bytes, quota_used_files, quota_limit_bytes, quota_limit_files
// where the filesystem counts project usage.
nlohmann::json quota_info(const store::Store& st, const nlohmann::json& doc);

}  // namespace zonekit::ops
