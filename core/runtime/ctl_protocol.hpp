// zoneadmd's control protocol, parsed purely (one request per line):
//   "ZONEKIT1 HALT" | "ZONEKIT1 SHUTDOWN <secs>" | "ZONEKIT1 REBOOT" |
//   "ZONEKIT1 STATUS" | "ZONEKIT1 CONSOLE"
// Replies are "OK[ text]\n" or "ERR message\n"; after "OK" to CONSOLE the
// connection carries console bytes both ways.
#pragma once

#include <string>

#include "core/sys/result.hpp"

namespace zonekit::runtime {

inline constexpr const char* kCtlVersion = "ZONEKIT1";
inline constexpr int kMaxShutdownGrace = 86400;

enum class CtlCommand { Halt, Shutdown, Reboot, Status, Console };

struct CtlRequest {
  CtlCommand command;
  int grace_seconds = 0;  // Shutdown
};

// The error's message is what follows "ERR " in the reply.
Result<CtlRequest> parse_ctl_request(const std::string& line);

}  // namespace zonekit::runtime
