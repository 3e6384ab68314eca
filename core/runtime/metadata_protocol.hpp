// The SmartOS metadata protocol as zoneadmd serves it on a zone's
// /dev/ttyS1 and /.zonecontrol/metadata.sock: pure functions over bytes.
//
// The wire is lines of text. Version 1: "GET key", "KEYS", answered by
// "SUCCESS", the value's lines (a leading '.' doubled) and ".", or
// "NOTFOUND", or "invalid command". "NEGOTIATE V2" -> "V2_OK" switches a
// client to version 2 frames, one line each:
//   V2 <body length> <crc32 of body, 8 hex> <body>
//   body = <request id> <GET|KEYS|PUT|DELETE> [<base64 payload>]
// answered with the same request id and SUCCESS, NOTFOUND or FAILURE; a PUT
// payload is base64("<base64 key> <base64 value>").
//
// Everything is bounded: a line longer than kMaxRequestLine is discarded
// (the client gets one "invalid command") without being buffered.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace zonekit::runtime {

// Largest request line: a PUT of a kMaxPutValue value under a 128-byte key
// is base64 twice (4/3 * 4/3) plus the frame header.
inline constexpr size_t kMaxRequestLine = 192 * 1024;

enum class MdOp {
  Empty,      // blank line: the reference client's "reset" probe
  Negotiate,  // NEGOTIATE V2
  Get,
  Keys,
  Put,
  Delete,
  Unknown,    // a well-formed V2 frame with an unknown command
  Invalid,    // anything else: a V1 line we do not serve, a broken frame
  TooLong,    // a line past kMaxRequestLine (its bytes were dropped)
};

struct MdRequest {
  MdOp op = MdOp::Invalid;
  bool v2 = false;
  std::string reqid;  // V2 only
  std::string key;    // Get, Put, Delete
  std::string value;  // Put
};

// One request line (without its '\n'; a trailing '\r' is ignored).
MdRequest parse_request_line(std::string_view line);

// Splits a byte stream into lines, holding at most max_line bytes of a
// partial line. Feed returns how many bytes it consumed: it stops after the
// first complete line so that the caller can answer before reading on
// (one request in flight per connection bounds what a client can queue).
class MdLineSplitter {
 public:
  explicit MdLineSplitter(size_t max_line = kMaxRequestLine) : max_(max_line) {}
  // Consumes bytes up to and including the next '\n'. When a line is
  // complete, returns true and sets *out (a TooLong line comes back as
  // the text "\x01toolong"; parse it with parse_request_line as usual).
  bool feed(std::string_view data, size_t* consumed, std::string* out);
  size_t buffered() const { return buf_.size(); }
  void reset() {
    buf_.clear();
    buf_.shrink_to_fit();
    discarding_ = false;
  }

 private:
  std::string buf_;
  size_t max_;
  bool discarding_ = false;
};

enum class MdCode { Success, NotFound, Failure };

// The answer to one request, as wire bytes.
std::string format_v1(MdCode code, std::string_view data);
std::string format_v2(std::string_view reqid, MdCode code, std::string_view payload);
std::string format_invalid();  // "invalid command\n"
std::string format_v2_ok();    // "V2_OK\n"

// Builds a request frame (clients and tests).
std::string make_v2_frame(std::string_view reqid, std::string_view command, std::string_view payload);
std::string base64(std::string_view data);
// false on bad base64.
bool unbase64(std::string_view text, std::string* out);

// A response line a client reads back (tests and the fuzz target).
struct MdFrame {
  std::string reqid, code, payload;  // payload decoded
};
bool parse_v2_frame(std::string_view line, MdFrame* out);

}  // namespace zonekit::runtime
