// zoneadm log: a zone's console log (what its init and processes wrote to
// /dev/console, and zonekit's own "[zonekit TIME] ..." lines about the
// zone). zoneadmd writes it to the zone's run directory as console.log,
// rotating it to console.log.0 at the zone's cap (zlog_max_size, or
// zonekit.toml [console] log_max_size), so at most twice the cap is kept.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/store/store.hpp"
#include "core/sys/result.hpp"

namespace zonekit::ops {

using LogSink = std::function<void(std::string_view)>;

// The log, older file first; only the last `lines` lines when lines >= 0.
// Streams in bounded chunks whatever the log's size.
Result<void> print_log(const store::Store& st, const std::string& name, long lines, const LogSink& out);

// After print_log: what the zone writes from now on, across rotations,
// reboots and halts, until the zone is deleted (returns) or `stop` says so
// (checked a few times a second).
Result<void> follow_log(const store::Store& st, const std::string& name, const LogSink& out,
                        const std::function<bool()>& stop);

// For a terminal: a zone's output must not drive the admin's terminal.
// Carriage returns are dropped; other C0 controls but newline and tab, DEL,
// and the C1 controls (also as UTF-8) become '?'. Escape sequences
// (colours) therefore show as "?[31m".
std::string for_terminal(std::string_view text);

}  // namespace zonekit::ops
