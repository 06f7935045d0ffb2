// tutorials/exercises/sandbox/sandbox.h: run an untrusted program, confined, and say how it ended.
//
// A hand-in is untrusted code. The grader never runs a line of it in its own
// process: it starts a separate program (the runner: the hand-in linked with
// the check bodies and with confine_runner.o), hands it the inputs on stdin,
// reads the answers back from a pipe (fd 3), and judges them itself.
//
//   sandbox::Result r = sandbox::run({"build/exercises/softmax_backward_runner", "rows"},
//                                    serialized_inputs, sandbox::Limits{.wall_seconds = 2});
//   if (!r.ok) report(r.breach.empty() ? r.log : r.breach);   // "tried to start a process"
//
// The confinement, in two places (README.md in this folder says which rule is where):
//  - the launcher (sandbox.cpp), after fork and before exec: its own process
//    group (so the wall-clock limit kills everything it started), rlimits
//    (CPU, address space, file size 0, no core files), no_new_privs, and
//    root dropped to nobody;
//  - the runner itself (confine_runner.cpp), before any constructor of the
//    program runs: a seccomp filter (seccomp_filter.cpp) that refuses
//    writing files, starting processes, ptrace, sockets, raising limits, ...
//    and names the refusal on a channel the launcher reads (fd 4).
// Outside Linux only the rlimits and the wall clock apply, and run() says so
// in Result::log.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace sandbox {

struct Limits {
  double wall_seconds = 5;               // the runner's whole process group
  double cpu_seconds = 5;                // RLIMIT_CPU (whole seconds, rounded up)
  uint64_t memory_bytes = 2ull << 30;    // address space (RLIMIT_AS)
  uint64_t output_bytes = 256ull << 20;  // what is kept of fd 3; more is a breach
};

struct Result {
  bool ok = false;          // exited with status 0 and no breach
  int exit_status = -1;     // when it exited
  int signal = 0;           // when a signal ended it
  std::string breach;       // "" or, by name: "stopped after 5 s", "used more than 5 s of CPU",
                            // "used more than 2 GiB", "tried to open a file for writing",
                            // "tried to start a process", "tried to use ptrace",
                            // "tried to open a socket", "tried to change its limits",
                            // "wrote to a file", ...
  std::string output;       // every byte the program wrote to its result channel (fd 3)
  std::string log;          // its stdout and stderr, interleaved, at most 64 KiB
  double seconds = 0;       // wall clock
  uint64_t peak_bytes = 0;  // peak resident memory (wait4's ru_maxrss)
};

// The file descriptors a runner sees: 0 the input, 1 and 2 the log, 3 the
// result channel, 4 the breach channel (written by confine_runner's handlers).
inline constexpr int kResultFd = 3;
inline constexpr int kBreachFd = 4;
// How many bytes of the log are kept (the rest is counted, then dropped).
inline constexpr size_t kLogLimit = 64 * 1024;

// Starts argv[0] with `input` on its stdin, confined, and waits for it (at
// most limits.wall_seconds). Never throws for what the program does; throws
// std::runtime_error only when the launcher itself cannot work (no pipes, no fork).
// Safe to call from several threads at once (a judge may run checks in parallel).
Result run(const std::vector<std::string>& argv, const std::string& input, const Limits& limits);

// False where Limits::memory_bytes is not applied: under AddressSanitizer
// (make asan), whose shadow memory reserves terabytes of address space.
bool memory_limit_applies();

// "5 s", "1.5 s"; "2 GiB", "512 MiB": how the breaches print a limit (the launcher and
// confine_runner.cpp both name limits, so the wording lives here, once).
inline std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", seconds);
  return text;
}
inline std::string bytes_text(uint64_t bytes) {
  char text[32];
  const double gib = double(bytes) / double(1ull << 30), mib = double(bytes) / double(1ull << 20);
  if (gib >= 1)
    std::snprintf(text, sizeof text, "%g GiB", gib);
  else if (mib >= 1)
    std::snprintf(text, sizeof text, "%g MiB", mib);
  else
    std::snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(bytes));
  return text;
}

}  // namespace sandbox
