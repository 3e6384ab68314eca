// Argument parsing every CLI11 tool shares, so that all of them answer
// -h/--help and -V/--version alike and word usage errors alike:
//   zoneadm: unknown subcommand 'start' (did you mean 'boot'?)
//   zoneadm get: zone is required; see 'zoneadm get --help'
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

namespace zonekit::cli {

// Words admins bring from other tools, mapped to ours ("start" -> "boot").
using Synonyms = std::vector<std::pair<std::string, std::string>>;

// The subcommand to suggest for an unknown one: a synonym first, then the
// nearest name by edit distance; "" when nothing is close.
std::string suggest_subcommand(const std::string& word, const std::vector<std::string>& names,
                               const Synonyms& synonyms);

// Parse args (in order, without argv[0]). Returns nothing when the tool
// should go on; otherwise the exit status to return at once: 0 after
// --help or --version, 2 after a usage error (printed as above).
std::optional<int> parse(CLI::App& app, std::vector<std::string> args, const std::string& tool,
                         const Synonyms& synonyms = {});

}  // namespace zonekit::cli
