#include "core/ops/summary.hpp"

#include <algorithm>

namespace zonekit::ops {

std::string name_list(std::vector<std::string> names, size_t max) {
  std::sort(names.begin(), names.end());
  std::string out;
  for (size_t i = 0; i < names.size() && i < max; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > max) out += " and " + std::to_string(names.size() - max) + " more";
  return out;
}

std::vector<std::string> update_summary(const std::string& zone, const UpdateResult& r) {
  auto join = [](const std::vector<std::string>& v) { return name_list(v, v.size()); };
  std::vector<std::string> out;
  if (r.changed.empty()) return {"zone " + zone + ": no changes"};
  if (!r.running) {
    out.push_back("zone " + zone + ": updated " + join(r.changed));
  } else {
    std::vector<std::string> live;
    for (const auto& k : r.changed)
      if (std::find(r.next_boot.begin(), r.next_boot.end(), k) == r.next_boot.end()) live.push_back(k);
    if (!live.empty()) out.push_back("zone " + zone + ": applied live: " + join(live));
    if (!r.next_boot.empty()) out.push_back("zone " + zone + ": at next boot: " + join(r.next_boot));
  }
  for (const auto& [map, gone] : r.dropped_keys)
    out.push_back("zone " + zone + ": " + map + " was replaced as a whole, dropping " + join(gone) + " (" + map +
                  ".KEY=VALUE sets one key)");
  return out;
}

std::string autoboot_summary(const AutobootReport& r) {
  std::vector<std::string> failed;
  for (const auto& [zone, _] : r.failed) failed.push_back(zone);
  std::string out;
  auto part = [&](const std::vector<std::string>& v, const char* what) {
    if (v.empty()) return;
    out += (out.empty() ? "" : ", ") + std::to_string(v.size()) + " " + what + " (" + name_list(v) + ")";
  };
  part(r.booted, "booted");
  part(r.already_running, "already running");
  part(failed, "failed");
  return "autoboot: " + (out.empty() ? std::string("no zone has autoboot set") : out);
}

}  // namespace zonekit::ops
