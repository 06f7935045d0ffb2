// tutorials/exercises/sandbox/seccomp_filter.h: the system calls a runner may not make.
//
// Linux only (seccomp). The filter is a small BPF program the kernel runs on
// every system call of the runner: it looks at the call's number and, for a
// few calls, at one argument, and answers "allow", "fail with ENOSYS", or
// "trap" (the kernel sends SIGSYS, whose handler in confine_runner.cpp names
// the breach and ends the program). Once installed it cannot be removed, by
// the program or by anything it starts.
#pragma once

#include <cstdint>

namespace sandbox::seccomp {

// Builds the filter and installs it on the calling thread (and so on every
// thread created later). self_pid: the runner's own pid, the only process it
// may send signals to. Returns false with errno set if the kernel refused it.
// Async-signal-safe and allocation-free: it runs before main, before any constructor.
bool install(int32_t self_pid);

// The breach a trapped call stands for ("tried to start a process"), by the
// number the filter put in the trap (the kernel hands it to the SIGSYS
// handler as siginfo's si_errno). `call` is the system call's name when the
// breach is named after the call itself ("tried to use bpf"), else null.
struct Breach {
  const char* text;
  const char* call;
};
Breach breach_of_trap(int trap_number);

// True where this build has a filter (Linux on x86-64 or aarch64).
bool available();

}  // namespace sandbox::seccomp
