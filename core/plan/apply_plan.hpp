// zoneadm apply, the pure half: a manifest set (zones, nic tags, images)
// against what the host has -> the ordered steps that make the host match
// the set, with every difference named. No I/O here: core/ops/apply reads
// the files and the store, and runs the steps through the same operations
// as the imperative verbs.
//
// A zone manifest is compared only on what it says, plus the schema's
// defaults: identity the store derived (uuid, MACs, IPs, uid range,
// timestamps) and properties the manifest leaves out (without a default)
// are not differences, so a second apply of the same set plans nothing.
// `key: null` says "absent" (removes a property without a default).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/manifest/parse.hpp"
#include "core/store/config.hpp"
#include "core/store/store.hpp"

namespace zonekit::apply {

// The tag that records which set created a zone (tags.apply_set), so that
// --prune deletes only zones that an apply of the same set created.
inline constexpr std::string_view kSetTag = "apply_set";

enum class Kind { Zone, NicTag, Image };
std::string_view kind_name(Kind k);

// One document of a set (one file), parsed and checked.
struct Document {
  Kind kind = Kind::Zone;
  bool ok = false;            // no problems: usable for planning
  std::string source;         // file as named in messages ("web.yaml", "<stdin>")
  std::string name;           // alias/uuid, tag name, image uuid ("" when unknown)
  nlohmann::json given;       // zone: the manifest as written, apply keys removed
  nlohmann::json doc;         // zone: normalized create manifest; nictag/image: fields with defaults
  std::optional<std::string> state;  // zone: "running" | "stopped"; unset = leave as it is
  std::map<std::string, std::pair<int, int>> positions;  // path -> line, column (YAML)
};

struct ParseResult {
  Document doc;
  std::vector<manifest::Diagnostic> problems;  // each with source (and line:col where known)
};
// text of one file -> document. dir: the file's directory, which an image's
// relative source is resolved against ("" for stdin: the current directory).
// `kind: zone` (default) | `nictag` | `image` picks the document type.
ParseResult parse_document(std::string_view text, const std::string& source, const std::string& dir);

// What the host has.
struct Facts {
  std::vector<store::ZoneRecord> zones;           // every zone, readable or not
  std::map<std::string, std::string> states;      // uuid -> zoneadm list state
  std::map<std::string, store::NicTag> tags;      // config's and nicadm's
  std::set<std::string> images;                   // imported image uuids
  std::vector<nlohmann::json> pending;            // unfinished replaces (their create manifests)
  store::Config config;                           // id ranges, for the identity dry run
};

struct Options {
  std::string set;       // set name, recorded in tags.apply_set of the zones it creates
  bool prune = false;    // delete zones of this set that the set no longer has
  bool replace = false;  // allow delete + recreate for create-only changes
};

enum class Step { CreateTag, UpdateTag, ImportImage, Replace, Create, Update, Halt, Boot, Delete };
// "create", "update", "import", "replace", "create", "update", "halt", "boot", "delete"
std::string_view step_name(Step s);

struct Change {
  std::string key;        // "max_physical_memory", "nics[net0].ips", "customer_metadata.role"
  nlohmann::json from;    // null: absent; secrets already masked
  nlohmann::json to;
  std::string when;       // zones: "live", "next boot" or "create only"; "" for tags and images
};

struct Item {
  Kind kind = Kind::Zone;
  std::string name;       // zone alias (else uuid), tag name, image uuid
  std::string uuid;       // zone uuid when known
  std::string source;     // file; "" for a zone found only by --prune
  std::vector<Step> steps;  // in execution order; empty: no change
  std::vector<Change> changes;
  std::string state_from, state_to;  // zones: run state now, and wanted ("" = leave)
  std::string note;       // why a step is there ("not in set web", "finishing an interrupted replace")
  std::string refused;    // a replace that needs --replace: what changed
  // What the executor needs: Create/Replace: the manifest to create;
  // Update: the update payload (vmadm shape); CreateTag/UpdateTag: the
  // tag's fields; ImportImage: {uuid, source, name, version}.
  nlohmann::json payload;
  bool has(Step s) const;
};

struct Plan {
  std::string set;
  std::vector<Item> items;   // nic tags, images, zones in set order, then prunes
  // Anything here and nothing may run: invalid manifests, conflicts, a
  // zone that cannot be created. host_failure: some problem is the host's
  // (a full address pool, an unreadable zone), not the manifests'.
  std::vector<manifest::Diagnostic> problems;
  bool host_failure = false;
  bool refused() const;      // a replace without --replace
  bool changes() const;      // some step is planned
};

// docs: every document of the set, in order (invalid ones too, so that
// their names still count as declared and cause no second error).
Plan make_plan(const std::vector<Document>& docs, const Facts& facts, const Options& opt);

// A secret's value as plans show it: metadata keys ending in "_pw" and
// "user-script" read "(secret)"; maps and nics are masked inside.
nlohmann::json mask(std::string_view key, const nlohmann::json& value);

// How the executor got on, per item and step.
enum class Status { Planned, Done, Failed, NotDone };
struct Outcome {
  std::vector<std::vector<Status>> status;  // [item][step]
  std::vector<std::string> error;           // [item]: why a step failed
  std::vector<nlohmann::json> result;       // [item]: zones: {uuid, ips, macs}
};

// The readable plan; colour adds ANSI colours (a terminal only).
std::string render_text(const Plan& plan, bool colour);
// "3 to create, 1 to update, 2 unchanged" / "no changes".
std::string summary(const Plan& plan);
// The JSON plan, a public format (zoneadm(8), the Ansible modules read it).
// With an outcome, each item also has its steps' status and result.
nlohmann::json to_json(const Plan& plan, bool dry_run, const Outcome* outcome = nullptr);

}  // namespace zonekit::apply
