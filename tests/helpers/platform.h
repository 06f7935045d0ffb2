// tests/helpers/platform.h: what the tests ask of the operating system, in
// one place: where is this program, and how much memory does it hold?
//
// Linux answers through /proc (the only file of the suite that reads it);
// macOS through its own calls (_NSGetExecutablePath, task_info), written
// below but compiled only there (#ifdef __APPLE__): this repository's
// machines are Linux, so the macOS branch is read, not run, here. Anywhere
// else the answers say "unknown" and the tests that need them skip.
#pragma once

#include <cstdint>
#include <filesystem>

namespace ag_test::platform {

// The running program's file, with symbolic links resolved (build/tests;
// under qemu-aarch64 the arm64 program, not qemu). Empty when unknown.
std::filesystem::path executable_path();

// Bytes of this process in RAM now, or -1 when the system does not say.
int64_t current_resident_bytes();

// The most bytes this process has held in RAM since it started or since the
// last successful reset_peak(), or -1 when the system does not say.
int64_t peak_resident_bytes();

// Starts the peak again from the current size. false where that is not
// possible (macOS keeps a peak that only grows; some Linux kernels refuse):
// a test that measures one call's peak then skips.
bool reset_peak();

// The processor this program was compiled for: "x86_64", "aarch64" or "other".
const char* compiled_for();

// Whether the host's g++ makes programs for that processor. The tests that
// build a program out of this build's objects (gdb's, lldb's) or run the
// host's build tree need it; it is false for the arm64 suite cross-built on an
// x86-64 machine and run under qemu-aarch64. Asked once (g++ -dumpmachine).
bool host_compiler_targets_this_program();

}  // namespace ag_test::platform
