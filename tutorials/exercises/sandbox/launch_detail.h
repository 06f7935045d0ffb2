// tutorials/exercises/sandbox/launch_detail.h: the launcher's parts (sandbox.cpp puts them
// together).
//
// start_child.cpp: fork, and in the child the limits then exec.
// supervise.cpp:   the parent's poll() loop over the pipes, the wall clock, wait4.
#pragma once

#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

#include "tutorials/exercises/sandbox/sandbox.h"

namespace sandbox::detail {

// The parent's ends of the pipes (-1 once closed) and the child's pid.
struct Child {
  int pid = -1;
  int input_fd = -1;   // we write the input here: the child's stdin
  int output_fd = -1;  // the child's fd 3
  int log_fd = -1;     // the child's stdout and stderr
  int breach_fd = -1;  // the child's fd 4
};

// What was sent and received.
struct Streams {
  const std::string& input;
  size_t input_sent = 0;
  std::string output, log, breach;
  uint64_t log_dropped = 0;
};

// How the child ended.
struct Ending {
  int exit_status = -1;
  int signal = 0;
  bool timed_out = false;
  bool output_overflow = false;
  double cpu_seconds = 0;  // user + system, from wait4
  uint64_t peak_bytes = 0;
};

// Forks and execs argv confined by the launcher's half of the rules; throws
// std::runtime_error when the pipes or the fork cannot be made.
Child start_child(const std::vector<std::string>& argv, const Limits& limits);
// Feeds the input, drains the pipes, enforces the wall clock, reaps the child.
Ending supervise(Child& child, Streams& streams, const Limits& limits);

// False where this build has no seccomp (not Linux): run() then says so in the log.
bool confinement_available();

}  // namespace sandbox::detail
