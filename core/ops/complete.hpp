// Shell completion from the CLI11 definitions. Every tool has a hidden
// `TOOL __complete CWORD WORDS...` that prints the candidates for
// WORDS[CWORD] one per line; the bash/zsh/fish files in completions/ only
// call it. The static part (subcommands, flags) is read from the CLI11 App
// tree, so it cannot drift from the parser; names that live in the store
// (zones, images, nic tags, manifest properties) come through Live.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace zonekit::ops {

// Live candidates. Each callback gets the verb being completed ("boot",
// "halt", "update"; the tool's own name when it has no subcommands) so it
// can filter (running zones for halt, stopped ones for boot). A callback
// left empty offers nothing.
struct Live {
  using Lookup = std::function<std::vector<std::string>(const std::string& verb)>;
  Lookup zones;       // positional named "zone"
  Lookup images;      // positional named "image"
  Lookup tags;        // positional named "tag"
  Lookup properties;  // positional named "property" or "filter": offered as "NAME="
  // Values of an option that takes one ("wait --state", "list -o"):
  // (verb, option's long name without dashes, e.g. "state"). A value
  // typed as a comma list ("alias,st") completes its last item.
  std::function<std::vector<std::string>(const std::string& verb, const std::string& option)> option_values;
  // Values after "NAME=" in a property or filter positional ("state=r",
  // "autoboot=t"): (verb, NAME).
  std::function<std::vector<std::string>(const std::string& verb, const std::string& name)> property_values;
};

// Candidates for words[cword]; words[0] is the program name. cword may be
// words.size() (completing a new, empty word). Sorted in definition order,
// filtered by the prefix typed so far. Options are offered only once a '-'
// is typed; an option's value or a positional nobody knows (a file) gives
// nothing, and the shell falls back to file names.
std::vector<std::string> complete(const CLI::App& app, const std::vector<std::string>& words, size_t cword,
                                  const Live& live);

// Print complete(...) one per line on stdout. Returns the exit status (0).
int run_complete(CLI::App& app, const std::vector<std::string>& words, size_t cword, const Live& live);

// The hidden subcommand, checked before app.parse():
//   argv = TOOL __complete CWORD WORD0 WORD1 ...
bool is_complete_request(int argc, char** argv);
// Runs it: 2 (usage) when CWORD is not a number.
int run_complete(CLI::App& app, int argc, char** argv, const Live& live);

// Which zone states each verb accepts, for the zones callback:
// boot -> stopped/failed/down; halt -> running/ready/shutting_down/down;
// shutdown, reboot, zlogin -> running; everything else -> any state.
bool zone_state_fits(const std::string& verb, const std::string& state);

}  // namespace zonekit::ops
