#include "core/runtime/ctl_protocol.hpp"

#include <cstdlib>

namespace zonekit::runtime {

Result<CtlRequest> parse_ctl_request(const std::string& line) {
  std::string prefix = std::string(kCtlVersion) + " ";
  if (line.rfind(prefix, 0) != 0) return fail("unsupported protocol (want " + prefix + "...)");
  std::string cmd = line.substr(prefix.size());
  std::string arg;
  bool has_arg = false;
  if (auto sp = cmd.find(' '); sp != std::string::npos) {
    arg = cmd.substr(sp + 1);
    cmd = cmd.substr(0, sp);
    has_arg = true;
  }
  auto no_arg = [&](CtlCommand c) -> Result<CtlRequest> {
    if (has_arg) return fail(cmd + " takes no argument");
    return CtlRequest{c};
  };
  if (cmd == "HALT") return no_arg(CtlCommand::Halt);
  if (cmd == "REBOOT") return no_arg(CtlCommand::Reboot);
  if (cmd == "STATUS") return no_arg(CtlCommand::Status);
  if (cmd == "CONSOLE") return no_arg(CtlCommand::Console);
  if (cmd == "SHUTDOWN") {
    char* end = nullptr;
    long secs = arg.empty() ? -1 : strtol(arg.c_str(), &end, 10);
    if (arg.empty() || *end != '\0' || secs < 0 || secs > kMaxShutdownGrace)
      return fail("bad grace seconds '" + arg + "'");
    return CtlRequest{CtlCommand::Shutdown, static_cast<int>(secs)};
  }
  return fail("unknown command '" + cmd + "'");
}

}  // namespace zonekit::runtime
