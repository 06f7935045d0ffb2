// tutorials/exercises/sandbox/sandbox.cpp: the launcher (sandbox.h says what it is for).
//
// run() in five steps:
//   1. pipes: stdin (the input), fd 3 (the result channel), stdout+stderr (the
//      log, one pipe, so the two stay interleaved), fd 4 (the breach channel);
//   2. fork; the child moves to its own session (and process group), applies
//      the limits (start_child.cpp) and execs the runner;
//   3. the parent feeds stdin and reads the three pipes with poll(), all at
//      once: a runner that writes 10 MB before reading its input, or fills
//      stderr while we wait on fd 3, can never deadlock against us;
//   4. at the wall-clock deadline the whole process group is killed;
//   5. wait4 gives the exit status and the peak memory; the breach is named.
#include "tutorials/exercises/sandbox/sandbox.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "tutorials/exercises/sandbox/launch_detail.h"

namespace sandbox {

namespace {

using Clock = std::chrono::steady_clock;

// Which limit, if any, the way the program ended points at. The order matters:
// the wall clock first (we killed it), then what the runner's own handlers
// wrote on fd 4 (the most precise), then what the signal itself says.
std::string name_the_breach(const detail::Ending& end, const std::string& breach_channel,
                            const Limits& limits) {
  if (end.timed_out) return "stopped after " + seconds_text(limits.wall_seconds);
  if (!breach_channel.empty()) {
    const size_t newline = breach_channel.find('\n');
    return breach_channel.substr(0, newline);
  }
  if (end.output_overflow)
    return "wrote more than " + bytes_text(limits.output_bytes) + " of output";
  const double cpu_limit = std::ceil(limits.cpu_seconds);
  // SIGXCPU at the soft limit; SIGKILL at the hard one if it ignored SIGXCPU.
  if (end.signal == SIGXCPU || (end.signal == SIGKILL && end.cpu_seconds >= cpu_limit))
    return "used more than " + seconds_text(cpu_limit) + " of CPU";
  if (end.signal == SIGXFSZ) return "wrote to a file";
  if (end.signal == SIGSYS) return "made a forbidden system call";
  // An allocation refused under RLIMIT_AS: C++'s operator new reports it on fd 4
  // (confine_runner.cpp), but malloc returns null and the program usually
  // crashes on it. A crash after it came near the limit is that.
  const bool crashed = end.signal == SIGSEGV || end.signal == SIGBUS || end.signal == SIGABRT ||
                       end.signal == SIGKILL;
  if (crashed && memory_limit_applies() && end.peak_bytes >= limits.memory_bytes / 2)
    return "used more than " + bytes_text(limits.memory_bytes);
  return "";
}

}  // namespace

Result run(const std::vector<std::string>& argv, const std::string& input, const Limits& limits) {
  if (argv.empty()) throw std::runtime_error("sandbox::run: argv is empty (no program to start)");
  const Clock::time_point start = Clock::now();
  detail::Child child = detail::start_child(argv, limits);
  detail::Streams streams{input, 0, {}, {}, {}, 0};
  const detail::Ending end = detail::supervise(child, streams, limits);

  Result result;
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.exit_status = end.exit_status;
  result.signal = end.signal;
  result.peak_bytes = end.peak_bytes;
  result.output = std::move(streams.output);
  result.log = std::move(streams.log);
  if (streams.log_dropped > 0)
    result.log +=
        "\n[sandbox: " + std::to_string(streams.log_dropped) + " more bytes of log dropped]\n";
  if (!detail::confinement_available())
    result.log += "[sandbox: unconfined (no seccomp on this system): only limits apply]\n";
  result.breach = name_the_breach(end, streams.breach, limits);
  result.ok = result.breach.empty() && end.signal == 0 && end.exit_status == 0;
  return result;
}

}  // namespace sandbox

namespace sandbox::detail {

#ifdef __linux__
bool confinement_available() { return true; }
#else
bool confinement_available() { return false; }
#endif

}  // namespace sandbox::detail
