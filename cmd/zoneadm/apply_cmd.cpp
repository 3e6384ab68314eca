#include "cmd/zoneadm/apply_cmd.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>

#include "core/ops/apply.hpp"
#include "core/ops/cli_util.hpp"
#include "core/ops/zones.hpp"

namespace zonekit::cli {

namespace {

const char* kTool = "zoneadm";

void say(const std::string& line) { std::fprintf(stderr, "%s: %s\n", kTool, line.c_str()); }

int report(const Error& e) {
  print_error(kTool, e);
  return exit_code(e);
}

bool colour() {
  const char* no = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return stdout_is_tty() && !(no && *no) && !(term && std::strcmp(term, "dumb") == 0);
}

}  // namespace

CLI::App* add_apply(CLI::App& app, ApplyArgs& a) {
  auto* cmd = app.add_subcommand("apply", "make the host match a set of manifests (zones, nic tags, images)");
  cmd->add_option("path", a.paths, "manifest file, directory of manifests, or '-' for stdin")->required();
  cmd->add_flag("-n,--dry-run", a.dry_run, "print the plan only; change nothing");
  cmd->add_flag("--prune", a.prune, "delete zones an earlier apply of this set created that it no longer has");
  cmd->add_flag("--replace", a.replace, "recreate zones whose create-only properties changed (keeps uuid, MACs, IPs)");
  cmd->add_option("--set", a.set, "name of the set (default: the directory's name)");
  cmd->add_flag("-j,--json", a.json, "print the plan (and what was done) as JSON");
  cmd->add_flag("--detailed-exitcode", a.detailed, "exit 0 for no changes, 4 for changes planned or made");
  return cmd;
}

int run_apply(const ApplyArgs& a) {
  auto set = ops::read_set(a.paths);
  std::string name = a.set.empty() ? set.default_name : a.set;
  if (name.empty() && set.unreadable) {
    for (const auto& p : set.problems) say(p.str());
    return kFailure;
  }
  if (name.empty())
    return report(fail("apply: name the set with --set NAME (its manifests come from standard input)",
                       ErrorKind::Invalid).error());
  if (auto why = ops::check_set_name(name); !why.empty())
    return report(fail("apply: --set: " + why, ErrorKind::Invalid).error());
  auto st = store::Store::open(store::Paths::from_env());
  if (!st) return report(st.error());
  auto make = [&]() -> Result<apply::Plan> {
    auto facts = ops::gather_facts(*st);
    if (!facts) return std::unexpected(facts.error());
    apply::Plan plan = apply::make_plan(set.docs, *facts, {.set = name, .prune = a.prune, .replace = a.replace});
    plan.problems.insert(plan.problems.begin(), set.problems.begin(), set.problems.end());
    ops::check_host(*st, *facts, plan);
    return plan;
  };
  // A plan that cannot run, or has nothing to run, is answered without
  // taking the apply lock: the store stays exactly as it was.
  auto answer = [&](const apply::Plan& plan) -> std::optional<int> {
    if (!plan.problems.empty()) {
      if (a.json) std::cout << apply::to_json(plan, a.dry_run).dump(2) << "\n";
      for (const auto& p : plan.problems) say(p.str());
      say("apply: " + std::to_string(plan.problems.size()) + (plan.problems.size() == 1 ? " problem" : " problems") +
          "; nothing was changed");
      return set.unreadable || plan.host_failure ? kFailure : kUsage;
    }
    if (plan.refused()) {
      if (a.json) std::cout << apply::to_json(plan, a.dry_run).dump(2) << "\n";
      else std::cout << apply::render_text(plan, colour());
      for (const auto& it : plan.items)
        if (!it.refused.empty()) say("zone " + it.name + ": " + it.refused);
      say("apply: nothing was changed");
      return kUsage;
    }
    if (a.dry_run || !plan.changes()) {
      auto out = ops::planned_outcome(*st, plan);
      if (a.json) std::cout << apply::to_json(plan, a.dry_run, &out).dump(2) << "\n";
      else std::cout << apply::render_text(plan, colour());
      return a.detailed && plan.changes() ? kChanges : kOk;
    }
    return std::nullopt;
  };
  auto first = make();
  if (!first) return report(first.error());
  if (auto rc = answer(*first)) return *rc;
  // Changes to make: plan again under the lock, from what the host has
  // once any other apply is done.
  auto lock = ops::lock_apply(*st);
  if (!lock) return report(lock.error());
  auto planned = make();
  if (!planned) return report(planned.error());
  const apply::Plan& plan = *planned;
  if (auto rc = answer(plan)) return *rc;
  if (!a.json) std::cout << apply::render_text(plan, colour()) << std::flush;
  auto out = ops::execute(*st, plan, ops::libexec_path("zoneadmd"), say);
  if (a.json) std::cout << apply::to_json(plan, false, &out).dump(2) << "\n";
  if (ops::failed(out)) {
    for (size_t i = 0; i < plan.items.size(); ++i)
      if (!out.error[i].empty()) say(out.error[i]);
    say("apply stopped: done: " + ops::done_summary(plan, out) + "; not done: " + ops::not_done_list(plan, out) +
        "; apply again to finish");
    return kFailure;
  }
  if (!a.json) std::cout << "Apply complete: " << ops::done_summary(plan, out) << ".\n";
  return a.detailed ? kChanges : kOk;
}

}  // namespace zonekit::cli
