// NIC changes of a running zone (update add_nics / remove_nics /
// update_nics), applied without a reboot where the kernel allows.
#pragma once

#include <nlohmann/json.hpp>

#include "core/store/store.hpp"
#include "core/sys/result.hpp"

namespace zonekit::ops {

// Called after the new manifest is stored, with the zone lock held, only
// when the zone is running and its nics changed. Returns true when the
// running zone now matches `after`, false when the change waits for the
// next boot.
Result<bool> apply_nics_live(const store::Store& st, const nlohmann::json& before,
                             const nlohmann::json& after);

}  // namespace zonekit::ops
