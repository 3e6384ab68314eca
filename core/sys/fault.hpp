// Fault injection for crash tests: named points at the steps of create,
// boot, halt, update and delete. When the environment variable
// ZONEKIT_FAULT equals a point's name, the process kills itself with
// SIGKILL right there, exactly as `kill -9` at that instant would.
// ZONEKIT_FAULT=<step>:stop stops the process there instead (SIGSTOP), so a
// test can inspect the host at that instant, then kill or continue it.
// Unset (production), a point costs one getenv.
#pragma once

namespace zonekit::fault {

// Die with SIGKILL if ZONEKIT_FAULT == name; stop if it is name:stop.
void point(const char* name);

// The "ZONEKIT_FAULT=<step>" entry of this process's environment, or
// nullptr; lets a launcher that scrubs the environment (zoneadm starting
// zoneadmd) pass the fault on. Allocation-free: safe after fork.
const char* env_entry();

}  // namespace zonekit::fault
