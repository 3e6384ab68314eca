#include "core/ops/complete.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string_view>

namespace zonekit::ops {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Hidden subcommands (group "") such as __complete itself are never offered.
std::vector<const CLI::App*> visible_subcommands(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App* a) { return !a->get_group().empty(); });
}

const CLI::App* find_subcommand(const CLI::App& app, const std::string& word) {
  for (const CLI::App* sub : visible_subcommands(app))
    if (sub->check_name(word)) return sub;
  return nullptr;
}

// "--file", "-f", "--file=x" -> the option, or null.
const CLI::Option* find_flag(const CLI::App& app, std::string word) {
  if (auto eq = word.find('='); eq != std::string::npos) word.resize(eq);
  for (const CLI::App* a = &app; a; a = a->get_fallthrough() ? a->get_parent() : nullptr) {
    for (const CLI::Option* opt : a->get_options()) {
      if (!opt->nonpositional()) continue;
      for (const auto& l : opt->get_lnames())
        if (word == "--" + l) return opt;
      for (const auto& s : opt->get_snames())
        if (word == "-" + s) return opt;
    }
  }
  return nullptr;
}

// A flag expects no items (type size is still 1 for a bool flag in CLI11 2.1).
bool takes_value(const CLI::Option& opt) { return opt.get_items_expected_max() > 0; }

std::string long_name(const CLI::Option& opt) {
  if (!opt.get_lnames().empty()) return opt.get_lnames().front();
  if (!opt.get_snames().empty()) return opt.get_snames().front();
  return opt.get_name(true);
}

// The n-th positional of app; a positional taking many values (a vector)
// absorbs every later word.
const CLI::Option* positional_at(const CLI::App& app, size_t n) {
  size_t i = 0;
  for (const CLI::Option* opt : app.get_options()) {
    if (!opt->get_positional() || opt->nonpositional()) continue;
    bool many = opt->get_items_expected_max() > 1;
    if (i == n || many) return opt;
    ++i;
  }
  return nullptr;
}

std::vector<std::string> call(const Live::Lookup& f, const std::string& verb) {
  return f ? f(verb) : std::vector<std::string>{};
}

std::vector<std::string> positional_candidates(const CLI::Option& opt, const std::string& verb,
                                               const std::string& current, const Live& live) {
  const std::string name = opt.get_name(true);
  if (name == "zone") return call(live.zones, verb);
  if (name == "image") return call(live.images, verb);
  if (name == "tag") return call(live.tags, verb);
  if (name == "property" && verb == "explain") return call(live.properties, verb);  // names, no "="
  if (name == "property" || name == "filter") {
    if (auto eq = current.find('='); eq != std::string::npos) {
      if (!live.property_values) return {};
      std::vector<std::string> out;
      for (auto& v : live.property_values(verb, current.substr(0, eq))) out.push_back(current.substr(0, eq + 1) + v);
      return out;
    }
    auto props = call(live.properties, verb);
    for (auto& p : props) p += "=";
    return props;
  }
  return {};
}

// "alias,st": the candidates for the last item, each after what is typed
// before it, leaving out items already given.
std::vector<std::string> comma_list(const std::vector<std::string>& values, const std::string& current) {
  auto comma = current.rfind(',');
  if (comma == std::string::npos) return values;
  std::string head = current.substr(0, comma + 1);
  std::vector<std::string> given;
  for (size_t i = 0, j; i < comma; i = j + 1) {
    j = current.find(',', i);
    given.push_back(current.substr(i, j - i));
  }
  std::vector<std::string> out;
  for (const auto& v : values)
    if (std::find(given.begin(), given.end(), v) == given.end()) out.push_back(head + v);
  return out;
}

std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::Option* opt : app.get_options()) {
    if (!opt->nonpositional()) continue;
    for (const auto& l : opt->get_lnames()) out.push_back("--" + l);
    for (const auto& s : opt->get_snames()) out.push_back("-" + s);
  }
  return out;
}

std::vector<std::string> with_prefix(std::vector<std::string> all, const std::string& prefix) {
  std::vector<std::string> out;
  for (auto& c : all)
    if (starts_with(c, prefix) && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(std::move(c));
  return out;
}

}  // namespace

bool zone_state_fits(const std::string& verb, const std::string& state) {
  if (verb == "boot") return state == "stopped" || state == "failed" || state == "down";
  if (verb == "halt") return state == "running" || state == "ready" || state == "shutting_down" || state == "down";
  if (verb == "shutdown" || verb == "reboot" || verb == "zlogin") return state == "running";
  return true;
}

std::vector<std::string> complete(const CLI::App& app, const std::vector<std::string>& words, size_t cword,
                                  const Live& live) {
  if (cword == 0 || cword > words.size()) return {};
  const std::string current = cword < words.size() ? words[cword] : "";
  const CLI::App* at = &app;
  std::string verb = app.get_name();
  size_t positionals = 0;
  bool zone_named = false;     // illumos order: "zoneadm -z NAME VERB"
  bool after_dashdash = false;
  const CLI::Option* pending = nullptr;  // an option whose value comes next

  for (size_t i = 1; i < cword; ++i) {
    const std::string& w = words[i];
    if (pending) {
      pending = nullptr;
      continue;
    }
    if (!after_dashdash && w == "--") {
      after_dashdash = true;
      continue;
    }
    if (!after_dashdash && at == &app && i == 1 && (w == "-z" || w == "--zone") && !find_flag(*at, w)) {
      if (i + 1 == cword) return with_prefix(call(live.zones, ""), current);
      ++i;
      zone_named = true;
      continue;
    }
    if (!after_dashdash && starts_with(w, "-") && w.size() > 1) {
      const CLI::Option* opt = find_flag(*at, w);
      if (opt && takes_value(*opt) && w.find('=') == std::string::npos) pending = opt;
      continue;
    }
    if (const CLI::App* sub = positionals == 0 ? find_subcommand(*at, w) : nullptr) {
      at = sub;
      verb = sub->get_name();
      // After "-z NAME" the verb's zone operand is already given.
      const CLI::Option* first = positional_at(*at, 0);
      positionals = (zone_named && first && first->get_name(true) == "zone") ? 1 : 0;
      continue;
    }
    ++positionals;
  }

  if (pending) {
    if (!live.option_values) return {};
    return with_prefix(comma_list(live.option_values(verb, long_name(*pending)), current), current);
  }
  if (!after_dashdash && starts_with(current, "--") && current.find('=') != std::string::npos) {
    const CLI::Option* opt = find_flag(*at, current);
    if (!opt || !takes_value(*opt) || !live.option_values) return {};
    std::string head = current.substr(0, current.find('=') + 1);
    std::vector<std::string> out;
    for (auto& v : live.option_values(verb, long_name(*opt))) out.push_back(head + v);
    return with_prefix(std::move(out), current);
  }
  if (!after_dashdash && starts_with(current, "-")) return with_prefix(option_names(*at), current);

  std::vector<std::string> out;
  if (positionals == 0)
    for (const CLI::App* sub : visible_subcommands(*at)) {
      // After "-z NAME" only verbs that act on one zone make sense.
      const CLI::Option* first = zone_named ? positional_at(*sub, 0) : nullptr;
      if (zone_named && (!first || first->get_name(true) != "zone")) continue;
      out.push_back(sub->get_name());
    }
  if (const CLI::Option* pos = positional_at(*at, positionals))
    for (auto& c : positional_candidates(*pos, verb, current, live)) out.push_back(std::move(c));
  return with_prefix(std::move(out), current);
}

int run_complete(CLI::App& app, const std::vector<std::string>& words, size_t cword, const Live& live) {
  for (const auto& c : complete(app, words, cword, live)) std::printf("%s\n", c.c_str());
  return std::fflush(stdout) == 0 ? 0 : 1;
}

bool is_complete_request(int argc, char** argv) {
  return argc >= 3 && std::string_view(argv[1]) == "__complete";
}

int run_complete(CLI::App& app, int argc, char** argv, const Live& live) {
  std::string_view n = argv[2];
  size_t cword = 0;
  auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), cword);
  if (ec != std::errc() || end != n.data() + n.size()) {
    std::fprintf(stderr, "%s: __complete: CWORD must be a number\n", app.get_name().c_str());
    return 2;
  }
  std::vector<std::string> words(argv + 3, argv + argc);
  return run_complete(app, words, cword, live);
}

}  // namespace zonekit::ops
