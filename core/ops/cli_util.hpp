// Small pieces every tool's main() shares: exit codes, error printing,
// reading -f FILE|-.
#pragma once

#include <string>

#include "core/sys/result.hpp"

namespace zonekit::cli {

// Documented in every man page's EXIT STATUS.
enum Exit : int { kOk = 0, kFailure = 1, kUsage = 2, kNotFound = 3 };

int exit_code(const Error& e);

// "tool: message", one line per line of the message, on stderr.
void print_error(const std::string& tool, const Error& e);
void print_note(const std::string& tool, const std::string& text);

// Read a file, or stdin for "-". Refuses a terminal on stdin (it would just hang).
Result<std::string> read_input(const std::string& path);

bool stdout_is_tty();
bool stderr_is_tty();

}  // namespace zonekit::cli
