#include "core/ops/stop_all.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>

#include "core/ops/summary.hpp"
#include "core/ops/zones.hpp"

namespace zonekit::ops {

namespace {

constexpr size_t kParallel = 64;

struct Child {
  std::string zone;
  int out = -1;  // the child's error message, if any
  std::string message;
};

bool stoppable(const std::string& state) {
  return state == "running" || state == "ready" || state == "shutting_down" || state == "down";
}

}  // namespace

Result<StopAllReport> stop_all(store::Store& st, int grace_seconds,
                               const std::function<void(size_t, size_t)>& progress) {
  auto zones = ZK_TRY(list(st));
  std::vector<std::pair<std::string, std::string>> todo;  // uuid, name
  for (const auto& z : zones) {
    if (!stoppable(z.state)) continue;
    auto alias = z.doc.is_object() ? z.doc.find("alias") : z.doc.end();
    todo.emplace_back(z.uuid, alias != z.doc.end() && alias->is_string() ? alias->get<std::string>() : z.uuid);
  }
  StopAllReport rep;
  std::map<pid_t, Child> running;
  size_t next = 0, done = 0;
  auto reap_one = [&]() {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) return false;
    auto it = running.find(pid);
    if (it == running.end()) return true;
    Child c = std::move(it->second);
    running.erase(it);
    char buf[1024];
    ssize_t n;
    while ((n = ::read(c.out, buf, sizeof buf)) > 0) c.message.append(buf, static_cast<size_t>(n));
    ::close(c.out);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) rep.stopped.push_back(c.zone);
    else rep.failed.emplace_back(c.zone, c.message.empty() ? "zone " + c.zone + ": stop failed" : c.message);
    if (progress) progress(++done, todo.size());
    return true;
  };
  while (next < todo.size() || !running.empty()) {
    if (next < todo.size() && running.size() < kParallel) {
      auto [uuid, zone] = todo[next++];
      int p[2];
      if (::pipe2(p, O_CLOEXEC) < 0) return sys_error("pipe", "stop " + zone);
      pid_t pid = ::fork();
      if (pid < 0) {
        ::close(p[0]);
        ::close(p[1]);
        return sys_error("fork", "stop " + zone);
      }
      if (pid == 0) {
        ::close(p[0]);
        auto r = grace_seconds < 0 ? halt(st, uuid) : shutdown(st, uuid, grace_seconds);
        if (r) _exit(0);
        std::string m = r.error().message();
        (void)!::write(p[1], m.data(), m.size());
        _exit(1);
      }
      ::close(p[1]);
      running[pid] = Child{zone, p[0], {}};
      continue;
    }
    if (!reap_one()) break;
  }
  return rep;
}

std::string stop_all_summary(const std::string& verb, const StopAllReport& r) {
  std::vector<std::string> failed;
  for (const auto& [zone, _] : r.failed) failed.push_back(zone);
  std::string out;
  if (!r.stopped.empty()) out = std::to_string(r.stopped.size()) + " stopped (" + name_list(r.stopped) + ")";
  if (!failed.empty())
    out += (out.empty() ? "" : ", ") + std::to_string(failed.size()) + " failed (" + name_list(failed) + ")";
  return verb + ": " + (out.empty() ? std::string("no zone is running") : out);
}

}  // namespace zonekit::ops
