// zoneadm apply: make this host look like a set of manifests. Parsing and
// printing only; the plan is core/plan/apply_plan, the work core/ops/apply.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace zonekit::cli {

struct ApplyArgs {
  std::vector<std::string> paths;
  std::string set;
  bool dry_run = false, prune = false, replace = false, json = false, detailed = false;
};

// Exit status of --detailed-exitcode when changes were planned (-n) or
// made; beside 0 ok, 1 failure, 2 usage or invalid, 3 no such zone.
inline constexpr int kChanges = 4;

CLI::App* add_apply(CLI::App& app, ApplyArgs& args);
int run_apply(const ApplyArgs& args);

}  // namespace zonekit::cli
