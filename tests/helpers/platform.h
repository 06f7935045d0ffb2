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
#include <string>

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

// Why this process cannot start a program built for its own processor by its
// path, or "" when it can. Asked once, by trying: fork, then exec this very
// program with --version (doctest prints its version and exits). Under
// qemu-aarch64 on an x86-64 host (make test-arm64) the exec fails with "Exec
// format error" unless the host kernel hands arm64 programs to qemu itself
// (binfmt_misc, which a container rarely has): the tests that start the
// graders, the judge's runners or the tutorials then skip, with this reason.
const std::string& cannot_start_own_programs();

// The make variables that choose this program's build folder (build/,
// build/clang/, build/clang-libc++/, build/asan/, ...), read from its
// flags.txt (the compiler's --version line, then the flags) and its name:
// " CXX=clang++ STDLIB=libc++ MODE=asan", or "" for build/. A test that runs
// make for this build passes them: a make with another compiler would build
// and run another folder's programs.
std::string build_make_variables();

// A pipe whose two ends close on exec (fds[0] reads, fds[1] writes); false,
// with errno, when it cannot be made. Linux makes it in one call (pipe2);
// macOS has no pipe2, so there a program another thread starts in between
// may inherit the ends: the tests start their programs from one thread.
bool make_cloexec_pipe(int fds[2]);

// The two skips of make test-arm64, each the first line of a test case:
//   if (platform::skip_unless_own_programs_start()) return;
// true (after doctest's MESSAGE "skipped: " and the reason) when the case
// cannot run here: this process cannot start this build's programs (above),
// or the host's g++ does not make them, so the make targets a case runs
// (grade-all, handout, the tutorials) would build and test the host's tree in
// build/, not this one.
bool skip_unless_own_programs_start();
bool skip_unless_host_builds_this_kind();

}  // namespace ag_test::platform
