// The rtnetlink link-message parser (RTM_NEWLINK replies: name, MTU,
// master, nested link kind). The parser is internal to
// core/sys/netlink_route.cpp, so that file is compiled into this target.
// The input is one message as mnl_cb_run hands it on: nlmsg_len is checked
// against the buffer (mnl_nlmsg_ok) before the callback runs.
#include "core/sys/netlink_route.cpp"

#include <cstdlib>
#include <memory>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < sizeof(nlmsghdr)) return 0;
  // A copy of exactly the bytes a kernel buffer holds (so ASan sees any
  // overread): the message padded to NLMSG_ALIGNTO, as netlink always pads,
  // with nlmsg_len made consistent with the input size.
  size_t padded = MNL_ALIGN(size);
  std::unique_ptr<char[]> owner(new char[padded]());
  char* buf = owner.get();
  std::memcpy(buf, data, size);
  auto* nlh = reinterpret_cast<nlmsghdr*>(buf);
  nlh->nlmsg_len = static_cast<uint32_t>(size);
  if (!mnl_nlmsg_ok(nlh, static_cast<int>(size))) return 0;
  auto info = zonekit::netlink::parse_link(nlh);
  if (info.name.size() > size || info.kind.size() > size) abort();
  return 0;
}
