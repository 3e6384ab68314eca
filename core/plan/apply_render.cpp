// A plan as people read it, and as tools read it (the JSON plan).
#include <map>

#include <fmt/format.h>

#include "core/manifest/parse.hpp"
#include "core/plan/apply_plan.hpp"

namespace zonekit::apply {

using nlohmann::json;

namespace {

struct Style {
  bool on;
  std::string operator()(const char* code, const std::string& text) const {
    return on ? fmt::format("\033[{}m{}\033[0m", code, text) : text;
  }
};

std::string shown(const json& v) { return v.is_null() ? "(none)" : manifest::quote(v); }

// The symbol and colour of an item's line, by its most telling step.
std::pair<std::string, const char*> mark(const Item& it) {
  if (!it.refused.empty()) return {"!", "1;31"};
  if (it.steps.empty()) return {"=", "2"};
  switch (it.steps.front()) {
    case Step::CreateTag:
    case Step::Create:
    case Step::ImportImage: return {"+", "32"};
    case Step::Replace: return {"-/+", "31"};
    case Step::Delete: return {"-", "31"};
    case Step::Update:
    case Step::UpdateTag: return {"~", "33"};
    case Step::Halt:
    case Step::Boot: return {">", "36"};
  }
  return {"?", "0"};
}

bool lists_changes(const Item& it) {
  return !it.refused.empty() || it.has(Step::Update) || it.has(Step::UpdateTag) || it.has(Step::Replace);
}

// Counts by what happens to items: {"create": 2, "update": 1, ...}.
std::map<std::string, int> counts(const Plan& plan) {
  std::map<std::string, int> c;
  for (const auto& it : plan.items) {
    if (!it.refused.empty()) ++c["refused"];
    else if (it.steps.empty()) ++c["unchanged"];
    for (Step s : it.steps) ++c[std::string(step_name(s))];
  }
  return c;
}

}  // namespace

std::string summary(const Plan& plan) {
  auto c = counts(plan);
  std::string out;
  for (const char* k : {"create", "import", "update", "replace", "boot", "halt", "delete"})
    if (c[k]) out += fmt::format("{}{} to {}", out.empty() ? "" : ", ", c[k], k);
  if (c["refused"]) out += fmt::format("{}{} refused", out.empty() ? "" : ", ", c["refused"]);
  std::string unchanged = c["unchanged"] ? fmt::format("{} unchanged", c["unchanged"]) : "";
  if (out.empty()) return unchanged.empty() ? "no changes" : "no changes (" + unchanged + ")";
  return unchanged.empty() ? out : out + ", " + unchanged;
}

std::string render_text(const Plan& plan, bool colour) {
  Style style{colour};
  std::string out;
  for (const auto& it : plan.items) {
    auto [sym, code] = mark(it);
    std::string what;
    if (!it.refused.empty()) what = "replace refused";
    for (Step s : it.steps) what += (what.empty() ? "" : ", ") + std::string(step_name(s));
    if (what.empty()) what = "no change";
    std::string head = fmt::format("{} {} {}: {}", sym, kind_name(it.kind), it.name, what);
    if (!it.note.empty()) head += " (" + it.note + ")";
    out += style(code, head) + "\n";
    if (!it.refused.empty()) out += "      " + style("1;31", it.refused) + "\n";
    if (it.has(Step::Boot) || it.has(Step::Halt) || it.has(Step::Delete))
      if (!it.state_from.empty() || !it.state_to.empty())
        out += fmt::format("      state: {} -> {}\n", it.state_from.empty() ? "(new)" : it.state_from,
                           it.has(Step::Delete) ? "(deleted)" : it.has(Step::Boot) ? "running" : "stopped");
    if (!lists_changes(it)) continue;
    for (const auto& c : it.changes)
      out += fmt::format("      {}: {} -> {}{}\n", c.key, shown(c.from), shown(c.to),
                         c.when.empty() ? "" : " (" + c.when + ")");
  }
  std::string tail = plan.set.empty() ? summary(plan) : fmt::format("set {}: {}", plan.set, summary(plan));
  out += style("1", "Plan: " + tail + ".") + "\n";
  return out;
}

json to_json(const Plan& plan, bool dry_run, const Outcome* outcome) {
  json items = json::array();
  bool done_any = false;
  for (size_t i = 0; i < plan.items.size(); ++i) {
    const Item& it = plan.items[i];
    json j = {{"kind", kind_name(it.kind)}, {"name", it.name}};
    if (!it.uuid.empty()) j["uuid"] = it.uuid;
    if (!it.source.empty()) j["file"] = it.source;
    json actions = json::array();
    for (Step s : it.steps) actions.push_back(step_name(s));
    j["actions"] = actions;
    json changes = json::array();
    for (const auto& c : it.changes) {
      json cj = {{"key", c.key}, {"from", c.from}, {"to", c.to}};
      if (!c.when.empty()) cj["when"] = c.when;
      changes.push_back(cj);
    }
    j["changes"] = changes;
    if (it.kind == Kind::Zone)
      j["state"] = {{"from", it.state_from.empty() ? json() : json(it.state_from)},
                    {"to", it.state_to.empty() ? json() : json(it.state_to)}};
    if (!it.note.empty()) j["note"] = it.note;
    if (!it.refused.empty()) j["refused"] = it.refused;
    if (outcome && i < outcome->status.size()) {
      json status = json::object();
      for (size_t k = 0; k < it.steps.size() && k < outcome->status[i].size(); ++k) {
        Status s = outcome->status[i][k];
        status[std::string(step_name(it.steps[k]))] =
            s == Status::Done ? "done" : s == Status::Failed ? "failed" : s == Status::NotDone ? "not done" : "planned";
        done_any = done_any || s == Status::Done;
      }
      j["status"] = status;
      if (!outcome->error[i].empty()) j["error"] = outcome->error[i];
      if (!outcome->result[i].is_null()) j["result"] = outcome->result[i];
    }
    items.push_back(j);
  }
  json problems = json::array();
  for (const auto& p : plan.problems) {
    json pj = {{"file", p.source}, {"path", p.path}, {"message", p.message}, {"text", p.str()}};
    if (p.line > 0) pj["line"] = p.line, pj["column"] = p.column;
    problems.push_back(pj);
  }
  json sum = json::object();
  for (const auto& [k, v] : counts(plan)) sum[k] = v;
  return {{"format", 1},
          {"set", plan.set},
          {"dry_run", dry_run},
          {"changed", outcome && !dry_run ? done_any : plan.changes()},
          {"refused", plan.refused()},
          {"summary", sum},
          {"items", items},
          {"problems", problems}};
}

}  // namespace zonekit::apply
