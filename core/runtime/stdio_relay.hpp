// zlogin's side of a command's stdio. The zone only ever gets pipes or a
// pty that zlogin made; the pumps here copy between those and whatever the
// caller's fds 0-2 are (file, socket, FIFO, terminal, /dev/null), so no
// open file of the host is ever shared with a zone process.
#pragma once

#include <poll.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/sys/fd.hpp"

namespace zonekit::runtime {

// Reopen /dev/null on each of fds 0-2 that is closed, as ssh does: later
// opens cannot land there, and a closed stream reads as empty and takes
// any output. Call first thing in main.
void sanitize_stdio();

// True when fds a and b are one open file description (`2>&1`). False when
// they differ or the kernel cannot tell (no kcmp).
bool same_open_file(int a, int b);

// One direction of a stream, src -> dst, until src ends or dst fails.
// splice(2) while the kernel can splice the pair (one side is a pipe),
// read/write through a fixed buffer when it cannot (O_APPEND files,
// terminals). The flags of neither fd are changed (the caller's are
// shared with its shell); O_NONBLOCK ones are waited for with poll.
class Pump {
 public:
  static constexpr size_t kBuffer = 64 << 10;

  Pump() = default;
  Pump(int src, int dst) : src_(src), dst_(dst) {}
  Pump(const Pump&) = delete;
  Pump& operator=(const Pump&) = delete;
  ~Pump() = default;

  bool active() const { return src_ >= 0 && !done_; }
  // What to wait for before step() can move data: src readable or dst
  // writable.
  struct pollfd wanted() const;
  // Moves what it can without waiting; false once the pump is done.
  bool step();
  // Stop for good: what is buffered stays unsent.
  void stop();
  // Bytes passed to dst so far; bytes read from src but not yet passed.
  uint64_t moved() const { return moved_; }
  size_t pending() const { return len_ - off_; }
  bool spliced() const { return splice_ok_ && moved_ > 0; }
  // src ended (EOF or a read error) rather than dst failing.
  bool src_ended() const { return done_ && src_ended_; }

 private:
  bool flush();
  bool step_splice();
  bool step_copy();
  bool finish(bool src_ended);

  int src_ = -1, dst_ = -1;
  bool done_ = false, src_ended_ = false;
  bool splice_ok_ = true;
  int src_may_block_ = -1;  // unknown until the first step
  bool wait_dst_ = false;
  uint64_t moved_ = 0;
  std::unique_ptr<char[]> buf_;  // only once splice cannot serve
  size_t off_ = 0, len_ = 0;
};

// "~." typed at the start of a line: the ssh and illumos zlogin escape
// that ends a session from the keyboard. "~~" sends one "~"; any other
// character after "~" sends both.
class EscapeScanner {
 public:
  // Appends the bytes to forward to out; true when "~." was seen (what
  // followed it is dropped).
  bool feed(const char* data, size_t n, std::string& out);

 private:
  bool at_line_start_ = true, tilde_ = false;
};

// How long zlogin keeps copying output once the command has exited, for a
// process of the zone (a daemon started in the background) that still holds
// it open. Pipes: until they reach EOF, for at most kLingerMs, as
// `docker exec` does. A pty: until it is idle for kPtyIdleMs or kLingerMs
// passed, then it is hung up, as sshd does.
inline constexpr int kLingerMs = 2000;
inline constexpr int kPtyIdleMs = 100;

// The command's stdio when it has no pty: zlogin's ends of its pipes.
struct PipeEnds {
  UniqueFd in;       // write end of the command's stdin
  UniqueFd in_peek;  // a read end of it, kept for a regular-file stdin only
  UniqueFd out;      // read end of its stdout
  UniqueFd err;      // read end of its stderr (none: stderr is stdout's pipe)
};

// Copies fd 0 -> in, out -> fd 1, err -> fd 2 until exit_fd turns readable
// (the command exited) and then as kLingerMs says; stdin stops at the
// command's exit. Input read ahead but not consumed by the command is given
// back to a regular-file stdin (its offset moves back), so
// `while read l; do zlogin z true; done < list` works as with a local
// command. Closes every end before it returns.
void relay_pipes(PipeEnds ends, int exit_fd, int linger_ms = kLingerMs);

enum class PtyEnd { Exited, Detached };

// Copies fd 0 -> master (a ^D once fd 0 ends) and master -> fd 1 until
// exit_fd turns readable and the output is done as kPtyIdleMs says, or
// until "~." is typed (escapes: fd 0 is a terminal) or SIGTERM or SIGHUP
// arrives: Detached, the caller hangs up. Puts a terminal on fd 0 in raw
// mode and follows its window size (SIGWINCH) while it runs.
PtyEnd relay_pty(int master, int exit_fd, bool escapes, int linger_ms = kLingerMs,
                 int idle_ms = kPtyIdleMs);

}  // namespace zonekit::runtime
