// zoneadm: zone lifecycle and inspection. Parsing and printing only; the
// work is in core/ops.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cmd/zoneadm/apply_cmd.hpp"
#include "core/manifest/schema.hpp"
#include "core/manifest/docs.hpp"
#include "core/ops/cli_parse.hpp"
#include "core/ops/cli_util.hpp"
#include "core/ops/complete_live.hpp"
#include "core/ops/console_log.hpp"
#include "core/ops/zonestat.hpp"
#include "core/ops/stop_all.hpp"
#include "core/ops/summary.hpp"
#include "core/ops/update_args.hpp"
#include "core/ops/zone_fields.hpp"
#include "core/ops/zone_quota.hpp"
#include "core/ops/recover.hpp"
#include "core/ops/zones.hpp"
#include "core/store/store.hpp"

using namespace zonekit;
using nlohmann::json;

namespace {

const char* kTool = "zoneadm";

// illumos order: "zoneadm -z NAME VERB args" == "zoneadm VERB NAME args".
std::vector<std::string> reorder_args(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 3 && (args[0] == "-z" || args[0] == "--zone")) {
    std::string name = args[1];
    std::vector<std::string> out = {args[2], name};
    out.insert(out.end(), args.begin() + 3, args.end());
    return out;
  }
  return args;
}

int report(const Error& e) {
  cli::print_error(kTool, e);
  return cli::exit_code(e);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"zoneadm: create, boot, inspect, update, halt and delete zones.\n"
               "Exit status: 0 ok, 1 failure, 2 usage or invalid manifest, 3 no such zone.",
               "zoneadm"};
  app.set_version_flag("--version,-V", std::string("zoneadm (zonekit) ") + ZONEKIT_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  std::string file = "-", name, state, prop;
  int timeout = -1, grace = 60;
  bool autoboot = false;
  std::vector<std::string> rest;
  ops::ListOptions lopt;
  std::vector<std::string> o_fields, s_fields;
  bool no_header = false;

  auto* create = app.add_subcommand("create", "create a zone from a manifest (prints its uuid)");
  create->add_option("-f,--file", file, "manifest file, JSON or YAML ('-' for stdin)");
  auto* validate = app.add_subcommand("validate", "check a manifest and what it needs of this host, changing nothing");
  validate->add_option("-f,--file", file, "manifest file, JSON or YAML ('-' for stdin)");
  bool offline = false;
  validate->add_flag("--offline", offline, "check the manifest alone, not its nic tags, image, identity, store");
  auto* list = app.add_subcommand("list", "list zones");
  list->add_option("-o,--output", o_fields, "fields to show, comma-separated")->allow_extra_args(false);
  list->add_option("-s,--sort", s_fields, "sort by fields; '-field' sorts descending")->allow_extra_args(false);
  list->add_flag("-H,--no-header", no_header, "omit the header line");
  list->add_flag("-p,--parseable", lopt.parseable, "colon-separated, ':' and '\\' escaped");
  list->add_flag("-j,--json", lopt.json, "JSON array");
  list->add_option("filter", lopt.filters, "key=value or key=~regex");
  auto* get = app.add_subcommand("get", "print a zone's stored manifest and state as JSON");
  get->add_option("zone", name, "alias, uuid or unique uuid prefix")->required();
  auto* info = app.add_subcommand("info", "print a zone's runtime information as JSON");
  info->add_option("zone", name, "alias, uuid or unique uuid prefix")->required();
  auto* update = app.add_subcommand("update", "change a zone's properties");
  update->add_option("zone", name, "alias, uuid or unique uuid prefix")->required();
  update->add_option("-f,--file", file, "update payload, JSON or YAML ('-' for stdin)");
  update->add_option("property", rest, "property=value ...");
  auto* del = app.add_subcommand("delete", "halt and delete a zone and all its data");
  del->add_option("zone", name, "alias, uuid or unique uuid prefix")->required();
  auto* boot = app.add_subcommand("boot", "boot a zone");
  boot->add_option("zone", name, "alias, uuid or unique uuid prefix");
  boot->add_flag("--autoboot", autoboot, "boot every zone with autoboot=true");
  bool all = false;
  auto* halt = app.add_subcommand("halt", "stop a zone immediately");
  halt->add_option("zone", name, "alias, uuid or unique uuid prefix");
  halt->add_flag("--all", all, "halt every running zone (host shutdown)");
  auto* shutdown = app.add_subcommand("shutdown", "stop a zone gracefully (SIGTERM, then kill)");
  shutdown->add_option("zone", name, "alias, uuid or unique uuid prefix");
  shutdown->add_flag("--all", all, "shut every running zone down, in parallel (host shutdown)");
  shutdown->add_option("-t,--timeout", grace, "seconds before the zone is killed")->capture_default_str();
  auto* reboot = app.add_subcommand("reboot", "restart a zone");
  reboot->add_option("zone", name, "alias, uuid or unique uuid prefix")->required();
  auto* wait = app.add_subcommand("wait", "wait until a zone reaches a state");
  wait->add_option("zone", name, "alias, uuid or unique uuid prefix")->required();
  wait->add_option("--state", state, "running, stopped, ...")->required();
  wait->add_option("--timeout", timeout, "seconds (default: forever)");
  auto* recover = app.add_subcommand("recover", "clean what crashed commands and zones left on the host");
  bool dry_run = false;
  recover->add_flag("-n,--dry-run", dry_run, "print the plan only");
  auto* log = app.add_subcommand("log", "print a zone's console log");
  log->add_option("zone", name, "alias, uuid or unique uuid prefix")->required();
  bool follow = false, raw_log = false;
  long log_lines = -1;
  log->add_flag("-f,--follow", follow, "keep printing what the zone writes, across reboots");
  log->add_option("-n,--lines", log_lines, "only the last LINES lines");
  log->add_flag("--raw", raw_log, "pass control characters through to a terminal as they are");
  auto* explain = app.add_subcommand("explain", "describe a manifest property");
  explain->add_option("property", prop, "e.g. max_physical_memory or nics.ips")->required();
  cli::ApplyArgs apply_args;
  auto* apply = cli::add_apply(app, apply_args);

  if (ops::is_complete_request(argc, argv)) return ops::run_complete(app, argc, argv, ops::store_live());
  if (argc == 3 && (std::string(argv[1]) == "-z" || std::string(argv[1]) == "--zone")) {
    std::fprintf(stderr, "zoneadm: -z %s: a subcommand is required (e.g. 'zoneadm -z %s boot')\n", argv[2], argv[2]);
    return cli::kUsage;
  }
  if (auto rc = cli::parse(app, reorder_args(argc, argv), kTool,
                           {{"start", "boot"}, {"stop", "halt"}, {"ls", "list"}, {"show", "get"},
                            {"rm", "delete"}, {"destroy", "delete"}, {"uninstall", "delete"},
                            {"install", "create"}, {"restart", "reboot"}, {"set", "update"}}))
    return *rc;

  if (explain->parsed()) {
    std::string text = manifest::explain(prop);
    if (text.empty()) {
      cli::print_error(kTool, fail(prop + ": unknown property", ErrorKind::Invalid).error());
      return cli::kUsage;
    }
    std::cout << text;
    return 0;
  }
  if (apply->parsed()) return cli::run_apply(apply_args);
  if (validate->parsed()) {
    auto text = cli::read_input(file);
    if (!text) return report(text.error());
    std::optional<store::Store> host;
    if (!offline) {
      auto st = store::Store::open(store::Paths::from_env());
      if (!st) {
        cli::print_error(kTool, st.error());
        cli::print_note(kTool, "validate --offline checks the manifest without the store");
        return cli::exit_code(st.error());
      }
      host = std::move(*st);
    }
    auto doc = ops::load_manifest(*text, file == "-" ? "<stdin>" : file, host ? &*host : nullptr);
    if (!doc) return report(doc.error());
    cli::print_note(kTool, offline ? "manifest is valid (host not checked)" : "manifest is valid for this host");
    return 0;
  }

  auto st = store::Store::open(store::Paths::from_env());
  if (!st) return report(st.error());

  if (create->parsed()) {
    auto text = cli::read_input(file);
    if (!text) return report(text.error());
    auto doc = ops::create(*st, *text, file == "-" ? "<stdin>" : file);
    if (!doc) return report(doc.error());
    std::cout << (*doc)["uuid"].get<std::string>() << "\n";
    if (auto note = ops::stored_only_note(*doc); !note.empty()) cli::print_note(kTool, note);
    return 0;
  }
  if (list->parsed()) {
    lopt.fields = ops::split_list(o_fields);
    if (lopt.fields.empty() && !lopt.json) lopt.fields = ops::default_zone_columns();
    lopt.sort = ops::split_list(s_fields);
    if (lopt.sort.empty()) lopt.sort = {"alias", "uuid"};
    lopt.header = !no_header && !lopt.parseable;
    auto zones = ops::list(*st);
    if (!zones) return report(zones.error());
    std::vector<json> rows;
    // The default table marks a zone running without its zoneadmd; -o,
    // -p, -H and -j keep the plain state (see the supervisor field).
    const bool marked = o_fields.empty() && !lopt.json && lopt.header;
    size_t unsupervised = 0;
    for (auto& z : *zones) {
      z.doc["state"] = z.state;
      if (marked && z.doc.value("supervisor", "") == "none") {
        z.doc["state"] = z.state + "*";
        ++unsupervised;
      }
      z.doc["zonepath"] = st->paths().zone_dir(z.uuid);
      rows.push_back(std::move(z.doc));
    }
    auto out = ops::render_list(std::move(rows), lopt, ops::zone_fields(), ops::zone_field);
    if (!out) return report(out.error());
    std::cout << *out;
    if (unsupervised)
      cli::print_note(kTool, "* running without its zoneadmd, which died: the next command on the zone "
                             "(or zoneadm recover) starts one that adopts it");
    return 0;
  }
  if (get->parsed() || info->parsed()) {
    auto v = ops::view(*st, name);
    if (!v) return report(v.error());
    if (!v->error.empty() && v->state == "corrupt") return report(fail("zone " + v->uuid + ": " + v->error).error());
    if (get->parsed()) {
      std::cout << v->doc.dump(2) << "\n";
    } else {
      json j = {{"uuid", v->uuid}, {"alias", v->doc.value("alias", json())}, {"state", v->state}};
      for (const char* k : {"pid", "supervisor", "adoptions", "boot_timestamp", "boot_ms", "restarts", "exit_status", "exit_code",
                            "exit_signal", "exit_timestamp", "error", "zonepath", "user_script_exit_status",
                            "provision_error", "uid_base", "create_timestamp", "last_modified"})
        if (v->doc.contains(k)) j[k] = v->doc[k];
      if (auto usage = ops::zonestat::usage_of(*st, v->uuid); usage) j["usage"] = *usage;
      if (v->doc.contains("quota")) j["quota"] = v->doc["quota"];
      json quota = ops::quota_info(*st, v->doc);
      for (auto& [k, val] : quota.items()) j[k] = val;
      std::cout << j.dump(2) << "\n";
    }
    return 0;
  }
  if (update->parsed()) {
    json payload = json::object();
    if (!rest.empty()) {
      auto p = ops::parse_update_args(rest);
      if (!p) return report(p.error());
      payload = *p;
    } else {
      auto text = cli::read_input(file);
      if (!text) return report(text.error());
      auto p = ops::parse_update_payload(*text, file == "-" ? "<stdin>" : file);
      if (!p) return report(p.error());
      payload = *p;
    }
    auto r = ops::update(*st, name, payload);
    if (!r) return report(r.error());
    for (const auto& line : ops::update_summary(name, *r)) cli::print_note(kTool, line);
    return 0;
  }

  std::string zoneadmd = ops::libexec_path("zoneadmd");
  auto note = [&](Result<ops::Note> r) {
    if (!r) return report(r.error());
    cli::print_note(kTool, r->text);
    return 0;
  };
  if (recover->parsed()) {
    auto r = ops::recover::run(*st, dry_run);
    if (!r) return report(r.error());
    for (const auto& line : r->done) std::cout << line << "\n";
    if (r->done.empty() && r->errors.empty()) std::cout << "nothing to recover\n";
    for (const auto& e : r->errors) cli::print_error(kTool, e);
    return r->errors.empty() ? 0 : cli::kFailure;
  }
  if (boot->parsed()) {
    if (autoboot && !name.empty()) {
      cli::print_error(kTool, fail("boot: --autoboot boots every autoboot zone; it takes no zone name (" + name +
                                       ")", ErrorKind::Invalid).error());
      return cli::kUsage;
    }
    if (autoboot) {
      // Host start: clear what a crash left before booting anything.
      if (auto r = ops::recover::run(*st, false)) {
        for (const auto& line : r->done)
          if (!line.starts_with("keep ")) cli::print_note(kTool, "recover: " + line);
        for (const auto& e : r->errors) cli::print_error(kTool, e);
      } else {
        cli::print_error(kTool, r.error());
      }
      bool progress = cli::stderr_is_tty();
      auto results = ops::boot_autoboot(*st, zoneadmd, [&](size_t done, size_t total, const std::string& z) {
        if (progress) std::fprintf(stderr, "\rzoneadm: booting %zu/%zu %-40.40s", done, total, z.c_str());
      });
      if (progress) std::fprintf(stderr, "\r\033[K");
      if (!results) return report(results.error());
      for (const auto& [zone, err] : results->failed) cli::print_error(kTool, err);
      cli::print_note(kTool, ops::autoboot_summary(*results));
      return results->failed.empty() ? 0 : cli::kFailure;
    }
    if (name.empty()) {
      cli::print_error(kTool, fail("boot: a zone name or --autoboot is required", ErrorKind::Invalid).error());
      return cli::kUsage;
    }
    return note(ops::boot(*st, name, zoneadmd));
  }
  if (halt->parsed() || shutdown->parsed()) {
    std::string verb = halt->parsed() ? "halt" : "shutdown";
    if (all == !name.empty()) {
      cli::print_error(kTool, fail(verb + ": give a zone name or --all", ErrorKind::Invalid).error());
      return cli::kUsage;
    }
    if (!all) return note(halt->parsed() ? ops::halt(*st, name) : ops::shutdown(*st, name, grace));
    bool progress = cli::stderr_is_tty();
    auto r = ops::stop_all(*st, halt->parsed() ? -1 : grace, [&](size_t done, size_t total) {
      if (progress) std::fprintf(stderr, "\rzoneadm: %s: %zu/%zu zones stopped", verb.c_str(), done, total);
    });
    if (progress) std::fprintf(stderr, "\r\033[K");
    if (!r) return report(r.error());
    for (const auto& [zone, msg] : r->failed) cli::print_note(kTool, msg);
    cli::print_note(kTool, ops::stop_all_summary(verb, *r));
    return r->failed.empty() ? 0 : cli::kFailure;
  }
  if (reboot->parsed()) return note(ops::reboot(*st, name, zoneadmd));
  if (del->parsed()) {
    // Removing a large tree takes seconds: count on a terminal, as imgadm
    // import does (nothing when it is over within 200 ms).
    bool tty = cli::stderr_is_tty(), shown = false;
    auto last = std::chrono::steady_clock::now();
    auto r = ops::remove(*st, name, [&](uint64_t removed) {
      auto now = std::chrono::steady_clock::now();
      if (!tty || now - last < std::chrono::milliseconds(200)) return;
      last = now;
      shown = true;
      std::fprintf(stderr, "\rzoneadm: deleting %s: %llu files removed\033[K", name.c_str(),
                   static_cast<unsigned long long>(removed));
    });
    if (shown) std::fprintf(stderr, "\r\033[K");
    return note(std::move(r));
  }
  if (log->parsed()) {
    if (log_lines < -1) return report(fail("log: -n: must be 0 or more", ErrorKind::Invalid).error());
    bool tty = cli::stdout_is_tty() && !raw_log;
    auto out = [&](std::string_view s) {
      std::string text = tty ? ops::for_terminal(s) : std::string(s);
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    };
    if (auto r = ops::print_log(*st, name, log_lines, out); !r) return report(r.error());
    if (!follow) return 0;
    auto r = ops::follow_log(*st, name, out, [] { return std::ferror(stdout) != 0; });
    if (!r) return report(r.error());
    return 0;
  }
  if (wait->parsed()) {
    auto r = ops::wait_state(*st, name, state, timeout);
    if (!r) return report(r.error());
    return 0;
  }
  return cli::kUsage;
}
