// The metadata protocol as a zone drives it: arbitrary bytes split into
// lines (bounded), each parsed and answered against a fixed stored zone,
// writes checked and applied. Nothing may crash, buffer past the line
// limit, or produce an answer a client could not frame back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/runtime/metadata_keys.hpp"
#include "core/runtime/metadata_protocol.hpp"

using namespace zonekit::runtime;
using nlohmann::json;

namespace {

const json& stored() {
  static const json doc = json::parse(R"({
    "uuid": "6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4e", "alias": "web01", "hostname": "web01",
    "customer_metadata": {"user-script": "#!/bin/sh\necho hi\n", "n": 5, "b": true},
    "internal_metadata": {"root_pw": "secret", "sdc:x": "y", "ops:key": "v", "operator-script": "true"},
    "internal_metadata_namespaces": ["ops"],
    "tags": {"role": "web"}, "resolvers": ["10.0.0.1"], "routes": {"10.1.0.0/16": "nics[0]"},
    "nics": [{"interface": "net0", "mac": "02:08:20:aa:bb:cc", "ips": ["10.0.0.5/24"],
              "gateways": ["10.0.0.1"], "primary": true}]
  })");
  return doc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  MdLineSplitter split(4096);  // small, so the overflow path is reached
  json doc = stored();
  while (!in.empty()) {
    size_t used = 0;
    std::string line;
    bool done = split.feed(in, &used, &line);
    if (used == 0 || used > in.size()) abort();
    in.remove_prefix(used);
    if (split.buffered() > 4096) abort();
    if (!done) continue;
    MdRequest r = parse_request_line(line);
    if (r.v2 && r.reqid.empty()) abort();
    std::string out;
    MdAnswer a;
    switch (r.op) {
      case MdOp::Get: a = metadata_get(doc, r.key); break;
      case MdOp::Keys: a = metadata_keys(doc); break;
      case MdOp::Put:
      case MdOp::Delete: {
        MdWrite w{r.key, r.value, r.op == MdOp::Delete};
        a = metadata_check_write(doc, w);
        if (a.code == MdCode::Success) {
          doc = metadata_apply_write(std::move(doc), w);
          (void)doc.dump();  // what the writer stores must serialise
        }
        break;
      }
      default: continue;
    }
    if (r.v2) {
      out = format_v2(r.reqid, a.code, a.data);
      MdFrame f;
      if (!parse_v2_frame(out, &f) || f.reqid != r.reqid || f.payload != a.data) abort();
    } else {
      out = format_v1(a.code, a.data);
      if (out.empty() || out.back() != '\n') abort();
    }
  }
  return 0;
}
