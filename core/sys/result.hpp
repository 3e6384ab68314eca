// Typed errors that carry operation, object and errno up the stack (the crun
// way): the innermost layer says what failed, each outer layer adds context.
#pragma once

#include <cerrno>
#include <cstring>
#include <expected>
#include <string>
#include <utility>
#include <vector>

namespace zonekit {

// What the caller should do about an error; maps to exit codes in cmd/.
enum class ErrorKind {
  Failure,   // exit 1
  Invalid,   // exit 2: usage or invalid manifest
  NotFound,  // exit 3: no such zone / image / tag
  Busy,      // exit 1: locked or in use
};

struct Error {
  ErrorKind kind = ErrorKind::Failure;
  int code = 0;                      // errno, 0 when not from a syscall
  std::string op;                    // "mount", "open", ...
  std::string object;                // "/proc", a path, an ifname ...
  std::string detail;                // free text when there is no op/object
  std::vector<std::string> context;  // added by outer layers, innermost first

  // "zone web01: boot: mount /proc: Permission denied"
  std::string message() const {
    std::string inner;
    if (!op.empty()) {
      inner = op;
      if (!object.empty()) inner += " " + object;
      if (!detail.empty()) inner += ": " + detail;
      if (code != 0) inner += std::string(": ") + std::strerror(code);
    } else {
      inner = detail;
      if (code != 0) inner += (inner.empty() ? "" : ": ") + std::string(std::strerror(code));
    }
    std::string out;
    for (auto it = context.rbegin(); it != context.rend(); ++it) out += *it + ": ";
    return out + inner;
  }

  Error&& wrap(std::string ctx) && {
    context.push_back(std::move(ctx));
    return std::move(*this);
  }
};

template <class T = void>
using Result = std::expected<T, Error>;

// A failed syscall: op on object, errno now (or given).
inline std::unexpected<Error> sys_error(std::string op, std::string object, int err = errno) {
  Error e;
  e.code = err;
  e.op = std::move(op);
  e.object = std::move(object);
  return std::unexpected(std::move(e));
}

inline std::unexpected<Error> fail(std::string detail, ErrorKind kind = ErrorKind::Failure) {
  Error e;
  e.kind = kind;
  e.detail = std::move(detail);
  return std::unexpected(std::move(e));
}

inline std::unexpected<Error> fail(Error e) { return std::unexpected(std::move(e)); }

// Add context to the error of a Result, pass success through.
template <class T>
Result<T> context(Result<T>&& r, std::string ctx) {
  if (!r) r.error().context.push_back(std::move(ctx));
  return std::move(r);
}

}  // namespace zonekit

// ZK_TRY(expr): evaluate a Result<T>; on error return it from the enclosing
// function (which must return some Result<U>), else yield the value.
#define ZK_TRY(expr)                                                \
  ({                                                                \
    auto _zk_r = (expr);                                            \
    if (!_zk_r) return std::unexpected(std::move(_zk_r.error()));   \
    std::move(*_zk_r);                                              \
  })
// ZK_TRYV(expr): the same for Result<void>.
#define ZK_TRYV(expr)                                               \
  do {                                                              \
    auto _zk_r = (expr);                                            \
    if (!_zk_r) return std::unexpected(std::move(_zk_r.error()));   \
  } while (0)
// ZK_TRYC(expr, ctx): like ZK_TRY, adding context on failure.
#define ZK_TRYC(expr, ctx)                                          \
  ({                                                                \
    auto _zk_r = (expr);                                            \
    if (!_zk_r) {                                                   \
      _zk_r.error().context.push_back(ctx);                         \
      return std::unexpected(std::move(_zk_r.error()));             \
    }                                                               \
    std::move(*_zk_r);                                              \
  })
#define ZK_TRYVC(expr, ctx)                                         \
  do {                                                              \
    auto _zk_r = (expr);                                            \
    if (!_zk_r) {                                                   \
      _zk_r.error().context.push_back(ctx);                         \
      return std::unexpected(std::move(_zk_r.error()));             \
    }                                                               \
  } while (0)
