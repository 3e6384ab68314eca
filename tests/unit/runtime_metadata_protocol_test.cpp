#include <doctest/doctest.h>

#include <string>

#include "core/runtime/metadata_codec.hpp"
#include "core/runtime/metadata_protocol.hpp"

using namespace zonekit::runtime;

namespace {
MdRequest parse(const std::string& s) { return parse_request_line(s); }
}  // namespace

TEST_CASE("crc32 and base64 match the usual definitions") {
  CHECK(zonekit::mdcodec::crc32("123456789", 9) == 0xcbf43926u);
  CHECK(base64("") == "");
  CHECK(base64("f") == "Zg==");
  CHECK(base64("fo") == "Zm8=");
  CHECK(base64("foo") == "Zm9v");
  std::string out;
  CHECK(unbase64("Zm9vYg==", &out));
  CHECK(out == "foob");
  CHECK_FALSE(unbase64("Zm9", &out));       // not a multiple of 4
  CHECK_FALSE(unbase64("Zm=v", &out));      // data after padding
  CHECK_FALSE(unbase64("Zm9v\n", &out));
  CHECK_FALSE(unbase64("Z===", &out));
}

TEST_CASE("the reference client's example frame parses") {
  // From the reference client's proto.c comment: a KEYS answer.
  MdFrame f;
  REQUIRE(parse_v2_frame("V2 21 265ae1d8 dc4fae17 SUCCESS W10=\n", &f));
  CHECK(f.reqid == "dc4fae17");
  CHECK(f.code == "SUCCESS");
  CHECK(f.payload == "[]");
  CHECK(format_v2("dc4fae17", MdCode::Success, "[]") == "V2 21 265ae1d8 dc4fae17 SUCCESS W10=\n");
}

TEST_CASE("version 1 lines") {
  CHECK(parse("").op == MdOp::Empty);
  CHECK(parse("\r").op == MdOp::Empty);
  CHECK(parse("NEGOTIATE V2").op == MdOp::Negotiate);
  CHECK(parse("NEGOTIATE V3").op == MdOp::Invalid);
  auto g = parse("GET sdc:uuid\r");
  CHECK(g.op == MdOp::Get);
  CHECK_FALSE(g.v2);
  CHECK(g.key == "sdc:uuid");
  CHECK(parse("KEYS").op == MdOp::Keys);
  CHECK(parse("GET").op == MdOp::Invalid);
  CHECK(parse("PUT a b").op == MdOp::Invalid);  // writes need version 2
  CHECK(parse("hello").op == MdOp::Invalid);
}

TEST_CASE("version 2 frames: every command, and every broken frame refused") {
  auto get = parse_request_line(make_v2_frame("0123abcd", "GET", "user-script").substr(0, 999));
  // make_v2_frame ends in '\n', which a line never holds.
  std::string line = make_v2_frame("0123abcd", "GET", "user-script");
  line.pop_back();
  get = parse(line);
  CHECK(get.op == MdOp::Get);
  CHECK(get.v2);
  CHECK(get.reqid == "0123abcd");
  CHECK(get.key == "user-script");

  line = make_v2_frame("0000ffff", "PUT", base64("my key") + " " + base64("a\nvalue\n"));
  line.pop_back();
  auto put = parse(line);
  CHECK(put.op == MdOp::Put);
  CHECK(put.key == "my key");
  CHECK(put.value == "a\nvalue\n");

  line = make_v2_frame("0000ffff", "KEYS", "");
  line.pop_back();
  CHECK(parse(line).op == MdOp::Keys);
  line = make_v2_frame("0000ffff", "DELETE", "k");
  line.pop_back();
  CHECK(parse(line).op == MdOp::Delete);
  line = make_v2_frame("0000ffff", "FROB", "k");
  line.pop_back();
  CHECK(parse(line).op == MdOp::Unknown);  // a FAILURE with the request id

  // A PUT whose payload is not two base64 words.
  line = make_v2_frame("0000ffff", "PUT", "no-space");
  line.pop_back();
  CHECK(parse(line).op == MdOp::Unknown);

  std::string good = make_v2_frame("0123abcd", "GET", "k");
  good.pop_back();
  std::string bad_crc = good;
  bad_crc[bad_crc.size() - 1] ^= 1;  // body changed, crc not
  CHECK(parse(bad_crc).op == MdOp::Invalid);
  CHECK(parse("V2 3 00000000 abc").op == MdOp::Invalid);
  CHECK(parse("V2 -1 00000000 ").op == MdOp::Invalid);
  CHECK(parse("V2 99999999 ffffffff x").op == MdOp::Invalid);
  CHECK(parse("V2 012 ffffffff x").op == MdOp::Invalid);
  CHECK(parse("V2 ").op == MdOp::Invalid);
  // The request id must be hex (it comes back verbatim in the answer).
  std::string body = "zz GET " + base64("k");
  char head[40];
  snprintf(head, sizeof head, "V2 %zu %08x ", body.size(), zonekit::mdcodec::crc32(body.data(), body.size()));
  CHECK(parse(head + body).op == MdOp::Invalid);
}

TEST_CASE("answers as the wire carries them") {
  CHECK(format_v1(MdCode::Success, "a\n.b\nc") == "SUCCESS\na\n..b\nc\n.\n");
  CHECK(format_v1(MdCode::Success, "") == "SUCCESS\n.\n");
  CHECK(format_v1(MdCode::Success, "x\n") == "SUCCESS\nx\n\n.\n");
  CHECK(format_v1(MdCode::NotFound, "") == "NOTFOUND\n");
  CHECK(format_invalid() == "invalid command\n");
  CHECK(format_v2_ok() == "V2_OK\n");
  MdFrame f;
  REQUIRE(parse_v2_frame(format_v2("abcd0123", MdCode::NotFound, ""), &f));
  CHECK(f.code == "NOTFOUND");
  CHECK(f.payload.empty());
  REQUIRE(parse_v2_frame(format_v2("abcd0123", MdCode::Failure, "why\n"), &f));
  CHECK(f.code == "FAILURE");
  CHECK(f.payload == "why\n");
}

TEST_CASE("the line splitter holds at most its limit and answers an overlong line once") {
  MdLineSplitter s(8);
  std::string line;
  size_t used = 0;
  CHECK_FALSE(s.feed("GET ", &used, &line));
  CHECK(used == 4);
  CHECK(s.feed("k\nKEYS\n", &used, &line));
  CHECK(used == 2);  // stops after the first line
  CHECK(line == "GET k");
  CHECK(s.feed("KEYS\n", &used, &line));
  CHECK(line == "KEYS");
  // 20 bytes without a newline: nothing past the limit is kept.
  CHECK_FALSE(s.feed(std::string(20, 'A'), &used, &line));
  CHECK(s.buffered() == 0);
  CHECK_FALSE(s.feed(std::string(20, 'A'), &used, &line));
  CHECK(s.buffered() == 0);
  CHECK(s.feed("AAA\n", &used, &line));
  CHECK(parse(line).op == MdOp::TooLong);
  // And the stream carries on.
  CHECK(s.feed("KEYS\n", &used, &line));
  CHECK(line == "KEYS");
}
