#include <doctest/doctest.h>

#include <memory>

#include "core/ops/complete.hpp"

using namespace zonekit;
using ops::complete;
using V = std::vector<std::string>;

namespace {

// A small zoneadm-shaped CLI: the completion walks whatever tree it gets.
struct Cli {
  CLI::App app{"test tool", "zt"};
  std::string s;
  std::vector<std::string> many;
  int n = 0;
  bool b = false;
  CLI::App* hidden = nullptr;
  Cli() {
    app.set_version_flag("--version,-V", "zt 1");
    app.require_subcommand(1);
    auto* create = app.add_subcommand("create", "create");
    create->add_option("-f,--file", s, "file");
    auto* list = app.add_subcommand("list", "list");
    list->add_option("-o,--output", many, "fields");
    list->add_flag("-H,--no-header", b, "no header");
    list->add_option("filter", many, "key=value");
    auto* boot = app.add_subcommand("boot", "boot");
    boot->add_option("zone", s, "zone");
    boot->add_flag("--autoboot", b, "all");
    auto* halt = app.add_subcommand("halt", "halt");
    halt->add_option("zone", s, "zone")->required();
    auto* update = app.add_subcommand("update", "update");
    update->add_option("zone", s, "zone")->required();
    update->add_option("-f,--file", s, "file");
    update->add_option("property", many, "k=v");
    auto* wait = app.add_subcommand("wait", "wait");
    wait->add_option("zone", s, "zone")->required();
    wait->add_option("--state", s, "state")->required();
    wait->add_option("--timeout", n, "seconds");
    auto* explain = app.add_subcommand("explain", "explain");
    explain->add_option("property", s, "name")->required();
    auto* add = app.add_subcommand("tagadd", "add a tag");
    add->add_option("tag", s, "tag")->required();
    add->add_option("image", s, "image");
    hidden = app.add_subcommand("__complete", "")->group("");
  }
};

ops::Live fake_live() {
  ops::Live live;
  live.zones = [](const std::string& verb) {
    V out;
    for (auto [name, state] : {std::pair{"web01", "running"}, {"web02", "stopped"}, {"db", "running"}})
      if (ops::zone_state_fits(verb, state)) out.push_back(name);
    return out;
  };
  live.images = [](const std::string&) { return V{"alpine-3.19"}; };
  live.tags = [](const std::string&) { return V{"admin", "external"}; };
  live.properties = [](const std::string& verb) {
    return verb == "list" ? V{"alias", "state"} : V{"alias", "autoboot", "max_physical_memory"};
  };
  live.option_values = [](const std::string& verb, const std::string& opt) {
    if (verb == "wait" && opt == "state") return V{"running", "stopped"};
    if (verb == "list" && opt == "output") return V{"uuid", "alias", "state"};
    return V{};
  };
  live.property_values = [](const std::string&, const std::string& name) {
    if (name == "state") return V{"running", "stopped"};
    if (name == "autoboot") return V{"true", "false"};
    return V{};
  };
  return live;
}

V run(const V& words, size_t cword) {
  static Cli cli;
  return complete(cli.app, words, cword, fake_live());
}

}  // namespace

TEST_CASE("subcommands, without hidden ones, filtered by prefix") {
  CHECK(run({"zt"}, 1) == V{"create", "list", "boot", "halt", "update", "wait", "explain", "tagadd"});
  CHECK(run({"zt", ""}, 1) == V{"create", "list", "boot", "halt", "update", "wait", "explain", "tagadd"});
  CHECK(run({"zt", "b"}, 1) == V{"boot"});
  CHECK(run({"zt", "x"}, 1) == V{});
}

TEST_CASE("options of the tool and of a subcommand once '-' is typed") {
  CHECK(run({"zt", "-"}, 1) == V{"--help", "-h", "--version", "-V"});
  CHECK(run({"zt", "list", "-"}, 2) == V{"--help", "-h", "--output", "-o", "--no-header", "-H"});
  CHECK(run({"zt", "list", "--no"}, 2) == V{"--no-header"});
  CHECK(run({"zt", "boot", "--"}, 2) == V{"--help", "--autoboot"});
}

TEST_CASE("zone names filtered by what the verb accepts") {
  CHECK(run({"zt", "boot", ""}, 2) == V{"web02"});
  CHECK(run({"zt", "halt", ""}, 2) == V{"web01", "db"});
  CHECK(run({"zt", "halt", "w"}, 2) == V{"web01"});
  CHECK(run({"zt", "update", ""}, 2) == V{"web01", "web02", "db"});
  CHECK(run({"zt", "halt", "web01", ""}, 3) == V{});
  // cword past the end: a new, empty word.
  CHECK(run({"zt", "boot"}, 2) == V{"web02"});
}

TEST_CASE("update ZONE offers property names with '='") {
  CHECK(run({"zt", "update", "web01", ""}, 3) == V{"alias=", "autoboot=", "max_physical_memory="});
  CHECK(run({"zt", "update", "web01", "max"}, 3) == V{"max_physical_memory="});
  CHECK(run({"zt", "update", "web01", "alias=x", "au"}, 4) == V{"autoboot="});
  CHECK(run({"zt", "list", "st"}, 2) == V{"state="});
}

TEST_CASE("options that take a value: their value, not a positional") {
  CHECK(run({"zt", "update", "-f", ""}, 3) == V{});
  CHECK(run({"zt", "update", "-f", "x.json", ""}, 4) == V{"web01", "web02", "db"});
  CHECK(run({"zt", "wait", "web01", "--state", ""}, 4) == V{"running", "stopped"});
  CHECK(run({"zt", "wait", "web01", "--state", "r"}, 4) == V{"running"});
  CHECK(run({"zt", "wait", "--state=s"}, 2) == V{"--state=stopped"});
  CHECK(run({"zt", "list", "-o", ""}, 3) == V{"uuid", "alias", "state"});
  // A flag takes no value: the next word is a positional again.
  CHECK(run({"zt", "list", "-H", "al"}, 3) == V{"alias="});
  CHECK(run({"zt", "boot", "--autoboot", ""}, 3) == V{"web02"});
}

TEST_CASE("tags, images and the illumos -z order") {
  CHECK(run({"zt", "tagadd", ""}, 2) == V{"admin", "external"});
  CHECK(run({"zt", "tagadd", "admin", ""}, 3) == V{"alpine-3.19"});
  CHECK(run({"zt", "-z", ""}, 2) == V{"web01", "web02", "db"});
  CHECK(run({"zt", "-z", "web01", "h"}, 3) == V{"halt"});
  CHECK(run({"zt", "-z", "web01", "update", ""}, 4) == V{"alias=", "autoboot=", "max_physical_memory="});
}

TEST_CASE("comma lists, values after NAME=, explain, and verbs after -z NAME") {
  CHECK(run({"zt", "list", "-o", "alias,"}, 3) == V{"alias,uuid", "alias,state"});
  CHECK(run({"zt", "list", "-o", "alias,st"}, 3) == V{"alias,state"});
  CHECK(run({"zt", "list", "-o", "uuid,alias,"}, 3) == V{"uuid,alias,state"});
  CHECK(run({"zt", "list", "state="}, 2) == V{"state=running", "state=stopped"});
  CHECK(run({"zt", "list", "state=r"}, 2) == V{"state=running"});
  CHECK(run({"zt", "update", "web01", "autoboot="}, 3) == V{"autoboot=true", "autoboot=false"});
  CHECK(run({"zt", "update", "web01", "alias="}, 3) == V{});
  CHECK(run({"zt", "explain", "a"}, 2) == V{"alias", "autoboot"});
  // Only verbs whose operand is a zone: not create, list, explain, tagadd.
  CHECK(run({"zt", "-z", "web01", ""}, 3) == V{"boot", "halt", "update", "wait"});
}

TEST_CASE("out of range cword and empty callbacks offer nothing") {
  Cli cli;
  CHECK(complete(cli.app, {"zt"}, 0, fake_live()) == V{});
  CHECK(complete(cli.app, {"zt"}, 5, fake_live()) == V{});
  CHECK(complete(cli.app, {"zt", "halt", ""}, 2, ops::Live{}) == V{});
}

TEST_CASE("zone_state_fits") {
  CHECK(ops::zone_state_fits("boot", "stopped"));
  CHECK(ops::zone_state_fits("boot", "failed"));
  CHECK(ops::zone_state_fits("boot", "down"));
  CHECK_FALSE(ops::zone_state_fits("boot", "running"));
  CHECK(ops::zone_state_fits("zlogin", "running"));
  CHECK_FALSE(ops::zone_state_fits("zlogin", "stopped"));
  CHECK(ops::zone_state_fits("halt", "shutting_down"));
  CHECK(ops::zone_state_fits("delete", "corrupt"));
}
