#include "core/store/paths.hpp"

#include <cstdlib>

namespace zonekit::store {

Paths Paths::from_env() {
  Paths p;
  auto take = [](const char* name, std::string& into) {
    const char* v = std::getenv(name);
    if (v && *v) into = v;
    while (into.size() > 1 && into.back() == '/') into.pop_back();
  };
  take("ZONEKIT_ROOT", p.root);
  take("ZONEKIT_RUN", p.run);
  take("ZONEKIT_CONFIG", p.config);
  return p;
}

}  // namespace zonekit::store
