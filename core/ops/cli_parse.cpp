#include "core/ops/cli_parse.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "core/manifest/schema.hpp"
#include "core/ops/cli_util.hpp"

namespace zonekit::cli {

namespace {

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> out;
  for (const auto* s : app.get_subcommands([](const CLI::App* a) { return !a->get_name().empty(); }))
    if (!s->get_group().empty()) out.push_back(s->get_name());  // hidden ones have no group
  return out;
}

// The first word that is not an option of the top-level app: the one CLI11
// will take as the subcommand. Options of the top level take no value.
std::optional<std::string> first_word(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--") return std::nullopt;
    if (!a.empty() && a[0] == '-') continue;
    return a;
  }
  return std::nullopt;
}

// The deepest subcommand that was named on the command line: the one a
// usage error belongs to ("zoneadm get" for "zone is required").
std::string failing_command(const CLI::App& app, const std::string& tool) {
  std::string out = tool;
  const CLI::App* cur = &app;
  for (;;) {
    const CLI::App* next = nullptr;
    for (const auto* s : cur->get_subcommands([](const CLI::App* a) { return a->count() > 0; })) next = s;
    if (!next) return out;
    out += " " + next->get_name();
    cur = next;
  }
}

}  // namespace

std::string suggest_subcommand(const std::string& word, const std::vector<std::string>& names,
                               const Synonyms& synonyms) {
  for (const auto& [from, to] : synonyms)
    if (from == word && std::find(names.begin(), names.end(), to) != names.end()) return to;
  for (const auto& n : names)
    if (word.size() >= 2 && n.starts_with(word)) return n;
  return manifest::nearest(word, names);
}

std::optional<int> parse(CLI::App& app, std::vector<std::string> args, const std::string& tool,
                         const Synonyms& synonyms) {
  auto names = subcommand_names(app);
  if (!names.empty()) {
    if (auto w = first_word(args); w && std::find(names.begin(), names.end(), *w) == names.end()) {
      std::string near = suggest_subcommand(*w, names, synonyms);
      std::fprintf(stderr, "%s: unknown subcommand '%s'%s\n", tool.c_str(), w->c_str(),
                   near.empty() ? "" : (" (did you mean '" + near + "'?)").c_str());
      std::fprintf(stderr, "%s: subcommands: ", tool.c_str());
      for (size_t i = 0; i < names.size(); ++i) std::fprintf(stderr, "%s%s", i ? ", " : "", names[i].c_str());
      std::fprintf(stderr, "; see '%s --help'\n", tool.c_str());
      return kUsage;
    }
  }
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::string where = failing_command(app, tool);
    std::string what = e.what();
    for (const char* extra : {"The following argument was not expected: ",
                              "The following arguments were not expected: "})
      if (what.starts_with(extra)) what = "unexpected argument " + what.substr(std::string(extra).size());
    if (!what.empty() && what[0] >= 'A' && what[0] <= 'Z' && (what.size() < 2 || !std::isupper(what[1])))
      what[0] = static_cast<char>(what[0] - 'A' + 'a');
    std::fprintf(stderr, "%s: %s; see '%s --help'\n", where.c_str(), what.c_str(), where.c_str());
    return kUsage;
  }
  return std::nullopt;
}

}  // namespace zonekit::cli
