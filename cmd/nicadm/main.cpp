// nicadm: nic tags (a host bridge and an address pool) and their
// allocations.
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "core/ops/cli_parse.hpp"
#include "core/ops/cli_util.hpp"
#include "core/ops/complete_live.hpp"
#include "core/ops/nictags.hpp"
#include "core/ops/output.hpp"
#include "core/store/store.hpp"

using namespace zonekit;
using nlohmann::json;

namespace {

const char* kTool = "nicadm";

int report(const Error& e) {
  cli::print_error(kTool, e);
  return cli::exit_code(e);
}

// Lists (host_access, forward) read "dns,tcp/22" in tables and with -p;
// an empty one is a missing value there.
json plain_field(const json& row, const std::string& f, bool as_json) {
  auto it = row.find(f);
  if (it == row.end()) return json();
  if (as_json || !it->is_array()) return *it;
  std::string joined;
  for (const auto& x : *it) joined += (joined.empty() ? "" : ",") + x.get<std::string>();
  return joined.empty() ? json() : json(joined);
}

// "none" or "a,b,c" -> the list ("none": empty).
std::vector<std::string> list_value(const std::vector<std::string>& given) {
  auto items = ops::split_list(given);
  if (items.size() == 1 && items[0] == "none") return {};
  return items;
}

int print_notes(const ops::Notes& notes) {
  for (const auto& n : notes) cli::print_note(kTool, n);
  return 0;
}

const std::vector<ops::FieldInfo> kTagFields = {
    {"name", "NAME"}, {"bridge", "BRIDGE"}, {"subnet", "SUBNET"}, {"gateway", "GATEWAY"},
    {"range", "RANGE"}, {"mtu", "MTU", true}, {"vlan_id", "VLAN", true}, {"nat", "NAT"},
    {"host_access", "HOST_ACCESS"}, {"forward", "FORWARD"}, {"origin", "ORIGIN"}};
const std::vector<ops::FieldInfo> kAllocFields = {
    {"zone", "ZONE"}, {"uuid", "UUID"}, {"nic", "NIC"}, {"ip", "IP"}, {"mac", "MAC"}};

void add_list_flags(CLI::App* cmd, std::vector<std::string>& o, bool& no_header, ops::ListOptions& opt) {
  cmd->add_option("-o,--output", o, "fields to show, comma-separated")->allow_extra_args(false);
  cmd->add_flag("-H,--no-header", no_header, "omit the header line");
  cmd->add_flag("-p,--parseable", opt.parseable, "colon-separated, ':' and '\\' escaped");
  cmd->add_flag("-j,--json", opt.json, "JSON array");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nicadm: manage nic tags (host bridges with address pools).\n"
               "Exit status: 0 ok, 1 failure, 2 usage, 3 no such nic tag.",
               "nicadm"};
  app.set_version_flag("--version,-V", std::string("nicadm (zonekit) ") + ZONEKIT_VERSION);
  app.require_subcommand(1);

  store::NicTag tag;
  tag.origin = "store";
  ops::TagChange change;
  std::string name;
  std::vector<std::string> o_fields;
  bool no_header = false;
  ops::ListOptions lopt;

  auto* add = app.add_subcommand("add", "add a nic tag");
  add->add_option("tag", tag.name, "tag name")->required();
  add->add_option("--bridge", tag.bridge, "host bridge (created if missing)")->required();
  add->add_option("--subnet", tag.subnet, "subnet, CIDR")->required();
  add->add_option("--gateway", tag.gateway, "gateway address, put on the bridge");
  add->add_option("--range", tag.range, "allocation range FIRST-LAST (default: the whole subnet)");
  add->add_option("--mtu", tag.mtu, "MTU of the zone NICs")->capture_default_str();
  add->add_option("--vlan", tag.vlan_id, "VLAN id (0: untagged)");
  add->add_flag("--nat", tag.nat, "masquerade traffic from the subnet leaving the host");
  std::vector<std::string> a_host, a_forward;
  add->add_option("--host-access", a_host, "what zones may reach on the host: none, all, or dns,ping,tcp/PORT,udp/PORT")
      ->allow_extra_args(false);
  add->add_option("--forward", a_forward, "where the host forwards the zones' traffic: none, or world,TAG,...")
      ->allow_extra_args(false);

  auto* list = app.add_subcommand("list", "list nic tags");
  add_list_flags(list, o_fields, no_header, lopt);
  auto* show = app.add_subcommand("show", "list a tag's allocations: zone, nic, IP, MAC");
  show->add_option("tag", name, "tag name")->required();
  add_list_flags(show, o_fields, no_header, lopt);

  auto* update = app.add_subcommand("update", "change a nic tag");
  update->add_option("tag", name, "tag name")->required();
  std::string u_bridge, u_subnet, u_gateway, u_range;
  uint32_t u_mtu = 0;
  uint16_t u_vlan = 0;
  bool u_nat = false, u_no_nat = false;
  auto* ob = update->add_option("--bridge", u_bridge, "host bridge");
  auto* os = update->add_option("--subnet", u_subnet, "subnet, CIDR");
  auto* og = update->add_option("--gateway", u_gateway, "gateway address");
  auto* orr = update->add_option("--range", u_range, "allocation range FIRST-LAST");
  auto* om = update->add_option("--mtu", u_mtu, "MTU");
  auto* ov = update->add_option("--vlan", u_vlan, "VLAN id");
  update->add_flag("--nat", u_nat, "turn outbound NAT on");
  update->add_flag("--no-nat", u_no_nat, "turn outbound NAT off");
  std::vector<std::string> u_host, u_forward;
  auto* oh = update->add_option("--host-access", u_host, "none, all, or dns,ping,tcp/PORT,udp/PORT")
                 ->allow_extra_args(false);
  auto* of = update->add_option("--forward", u_forward, "none, or world,TAG,...")->allow_extra_args(false);

  auto* del = app.add_subcommand("delete", "delete a nic tag (refused while zones use it)");
  del->add_option("tag", name, "tag name")->required();

  if (ops::is_complete_request(argc, argv)) {
    auto live = ops::store_live();
    live.option_values = [&](const std::string& verb, const std::string& opt) {
      std::vector<std::string> out;
      if (opt != "output") return out;
      for (const auto& f : verb == "show" ? kAllocFields : kTagFields) out.push_back(f.name);
      return out;
    };
    return ops::run_complete(app, argc, argv, live);
  }
  if (auto rc = cli::parse(app, {argv + 1, argv + argc}, kTool,
                           {{"ls", "list"}, {"rm", "delete"}, {"remove", "delete"}, {"get", "show"},
                            {"create", "add"}, {"set", "update"}, {"modify", "update"}}))
    return *rc;

  auto st = store::Store::open(store::Paths::from_env());
  if (!st) return report(st.error());

  if (add->parsed()) {
    tag.host_access = list_value(a_host);
    tag.forward = list_value(a_forward);
    auto r = ops::add_tag(*st, tag);
    return r ? 0 : report(r.error());
  }
  if (update->parsed()) {
    if (*ob) change.bridge = u_bridge;
    if (*os) change.subnet = u_subnet;
    if (*og) change.gateway = u_gateway;
    if (*orr) change.range = u_range;
    if (*om) change.mtu = u_mtu;
    if (*ov) change.vlan_id = u_vlan;
    if (u_nat) change.nat = true;
    if (u_no_nat) change.nat = false;
    if (*oh) change.host_access = list_value(u_host);
    if (*of) change.forward = list_value(u_forward);
    auto r = ops::update_tag(*st, name, change);
    return r ? print_notes(*r) : report(r.error());
  }
  if (del->parsed()) {
    auto r = ops::delete_tag(*st, name);
    return r ? print_notes(*r) : report(r.error());
  }
  lopt.fields = ops::split_list(o_fields);
  lopt.header = !no_header && !lopt.parseable;
  std::vector<json> rows;
  const std::vector<ops::FieldInfo>* known = &kTagFields;
  if (list->parsed()) {
    auto tags = st->tags();
    if (!tags) return report(tags.error());
    for (const auto& [_, t] : *tags) rows.push_back(ops::tag_json(t));
    if (lopt.fields.empty() && !lopt.json) lopt.fields = {"name", "bridge", "subnet", "gateway", "range", "mtu", "nat"};
    lopt.sort = {"name"};
  } else if (show->parsed()) {
    auto tags = st->tags();
    if (!tags) return report(tags.error());
    if (!tags->contains(name)) return report(fail("nic tag " + name + ": No such nic tag", ErrorKind::NotFound).error());
    auto allocs = ops::tag_allocations(*st, name);
    if (!allocs) return report(allocs.error());
    rows = *allocs;
    known = &kAllocFields;
    if (lopt.fields.empty() && !lopt.json) lopt.fields = {"zone", "nic", "ip", "mac"};
    lopt.sort = {"ip"};
  }
  auto out = ops::render_list(std::move(rows), lopt, *known, [&](const json& row, const std::string& f) {
    return plain_field(row, f, lopt.json);
  });
  if (!out) return report(out.error());
  std::cout << *out;
  return 0;
}
