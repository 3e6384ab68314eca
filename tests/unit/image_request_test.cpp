// What `imgadm import` accepts, checked before anything is read: sources
// (paths, '-', URLs and the schemes that are refused), how a URL is shown,
// --sha256, --max-size, names, and standard input.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/image/import_request.hpp"

using namespace zonekit;
using namespace zonekit::image;

namespace {

std::string error_of(const Result<SourceSpec>& r) {
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::Invalid);
  return r.error().message();
}

// Runs f with fd 0 replaced by fd, restoring it after.
template <class F>
void with_stdin(int fd, F f) {
  int saved = dup(STDIN_FILENO);
  REQUIRE(saved >= 0);
  REQUIRE(dup2(fd, STDIN_FILENO) == STDIN_FILENO);
  f();
  dup2(saved, STDIN_FILENO);
  close(saved);
}

}  // namespace

TEST_CASE("sources: paths, standard input and URLs") {
  CHECK(parse_source("busybox.tar.gz", false)->kind == SourceKind::Path);
  CHECK(parse_source("./ftp://x", false)->kind == SourceKind::Path);  // a file with an odd name
  CHECK(parse_source("a b://x", false)->kind == SourceKind::Path);
  CHECK(parse_source("-", false)->kind == SourceKind::Stdin);
  auto u = parse_source("HTTPS://Example.com/x.tar.gz", false);
  REQUIRE(u);
  CHECK(u->kind == SourceKind::Url);
  CHECK(u->scheme == "https");
  CHECK(parse_source("http://h/x.tar", true)->scheme == "http");
}

TEST_CASE("refused sources name the scheme and what is fetched") {
  CHECK(error_of(parse_source("http://h/x.tar", false)) ==
        "plain http:// is fetched only with --sha256 (nothing else would notice a changed download); "
        "use https:// or give --sha256");
  CHECK(error_of(parse_source("ftp://h/x.tar", true)) ==
        "cannot fetch ftp:// URLs; imgadm fetches https:// (and http:// with --sha256), or give a file, a "
        "directory or '-' for standard input");
  CHECK(error_of(parse_source("s3://bucket/key", false)).starts_with("cannot fetch s3:// URLs;"));
  CHECK(error_of(parse_source("FILE:///tmp/x.tar", false)) == "file:// URLs are not fetched; give the file's path");
  CHECK(error_of(parse_source("", false)) == "no source given");
}

TEST_CASE("a URL is shown without credentials and query") {
  CHECK(shown_source("https://user:pw@h:8443/p/x.tar.gz?X-Amz-Signature=abc#frag") == "https://h:8443/p/x.tar.gz");
  CHECK(shown_source("https://h/p@x.tar") == "https://h/p@x.tar");  // '@' in the path is not userinfo
  CHECK(shown_source("https://tok@h?q") == "https://h");
  CHECK(shown_source("/srv/a?b@c.tar") == "/srv/a?b@c.tar");  // paths stay as they are
  CHECK(parse_source("https://u:secret@h/x.tar", false)->shown == "https://h/x.tar");
}

TEST_CASE("image names from file names and URLs") {
  CHECK(name_from_source("/srv/busybox.tar.gz") == "busybox");
  CHECK(name_from_source("/srv/oci/") == "oci");
  CHECK(name_from_source("base.tar") == "base");
  CHECK(name_from_source("https://h/images/alpine-3.19.tgz?sig=1") == "alpine-3.19");
  CHECK(name_from_source("https://h") == "image");
  CHECK(name_from_source("https://h/") == "image");
  CHECK(name_from_source(".tar.gz") == ".tar.gz");
}

TEST_CASE("sizes") {
  CHECK(*parse_size("512") == 512);
  CHECK(*parse_size("64K") == 65536);
  CHECK(*parse_size("64k") == 65536);
  CHECK(*parse_size("100KB") == 102400);
  CHECK(*parse_size("1.5M") == 1572864);
  CHECK(*parse_size("16G") == 16ULL << 30);
  CHECK(*parse_size("2T") == 2ULL << 40);
  for (const char* bad : {"", "K", "-1", "1.5.5", "0x10", "1e3", "12Q", "1.M", "99999999999999999999", "20000000T"}) {
    CAPTURE(bad);
    auto r = parse_size(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::Invalid);
  }
  CHECK(parse_size("12Q").error().message() ==
        "size '12Q' is not a number of bytes with an optional K, M, G or T (powers of 1024)");
}

TEST_CASE("the request: --sha256, names, limits, the CA file") {
  auto check = [](auto edit) {
    ImportOptions o;
    edit(o);
    return check_import("x.tar", o);
  };
  CHECK(check([](ImportOptions& o) { o.sha256 = std::string(64, 'A'); }));
  CHECK(error_of(check([](ImportOptions& o) { o.sha256 = std::string(63, 'a'); })) ==
        "--sha256 '" + std::string(63, 'a') + "' is not 64 hex digits");
  CHECK(error_of(check([](ImportOptions& o) { o.sha256 = "sha256:" + std::string(57, 'a'); })).ends_with("is not 64 hex digits"));
  CHECK(error_of(check([](ImportOptions& o) { o.name = std::string(129, 'n'); })) == "--name is longer than 128 bytes");
  CHECK(error_of(check([](ImportOptions& o) { o.version = "1\n2"; })) == "--version contains a control character");
  CHECK(error_of(check([](ImportOptions& o) { o.max_source_bytes = 0; })) == "--max-size must be more than 0");
  CHECK(error_of(check([](ImportOptions& o) { o.fetch.timeout_s = 0; })) == "--timeout must be at least 1 second");
  CHECK(error_of(check([](ImportOptions& o) { o.fetch.cacert = "/nonexistent/ca.pem"; })) ==
        "--cacert /nonexistent/ca.pem: No such file or directory");
}

TEST_CASE("standard input: never a terminal, and the image needs a name") {
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(null >= 0);
  with_stdin(null, [] {
    ImportOptions o;
    CHECK(error_of(check_import("-", o)) == "standard input has no file name to name the image after; give --name");
    o.name = "bb";
    CHECK(check_import("-", o));
  });
  close(null);

  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(master >= 0);
  REQUIRE(grantpt(master) == 0);
  REQUIRE(unlockpt(master) == 0);
  int tty = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(tty >= 0);
  with_stdin(tty, [] {
    ImportOptions o;
    o.name = "bb";
    CHECK(error_of(check_import("-", o)) ==
          "standard input is a terminal; pipe a tarball into it (imgadm import - --name NAME < image.tar.gz)");
    CHECK(check_import("x.tar", o));  // only '-' reads it
  });
  close(tty);
  close(master);
}
