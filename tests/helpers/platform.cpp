// tests/helpers/platform.cpp: the answers of platform.h for Linux (/proc)
// and macOS (Mach calls), and "unknown" elsewhere; the last two questions
// (the compiler, starting a program) are asked the same way on both.
#include "tests/helpers/platform.h"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <system_error>

#if defined(__APPLE__)
#include <mach-o/dyld.h>  // _NSGetExecutablePath
#include <mach/mach.h>    // task_info
#include <stdint.h>
#include <vector>
#endif

namespace ag_test::platform {

#if defined(__linux__)

// /proc/self/exe is a symbolic link to the program; qemu-user makes it point
// at the emulated program rather than at qemu itself.
std::filesystem::path executable_path() {
  std::error_code error;
  std::filesystem::path path = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::filesystem::path() : path;
}

namespace {
// kB from the "<field>:  1234 kB" line of /proc/self/status, or -1.
int64_t status_kb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  return -1;
}
int64_t kb_to_bytes(int64_t kb) { return kb < 0 ? -1 : kb * 1024; }
}  // namespace

// VmRSS: resident now; VmHWM ("high water mark"): the peak.
int64_t current_resident_bytes() { return kb_to_bytes(status_kb("VmRSS")); }
int64_t peak_resident_bytes() { return kb_to_bytes(status_kb("VmHWM")); }

// Writing "5" to clear_refs resets VmHWM to VmRSS (Linux 4.0 and later).
bool reset_peak() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return clear.good() && peak_resident_bytes() >= 0;
}

#elif defined(__APPLE__)

// _NSGetExecutablePath gives the path the program was started by (it may
// hold symbolic links or ".."): canonical() resolves them.
std::filesystem::path executable_path() {
  uint32_t size = 0;
  _NSGetExecutablePath(nullptr, &size);  // asks for the size
  std::vector<char> buffer(size + 1, '\0');
  if (_NSGetExecutablePath(buffer.data(), &size) != 0) return {};
  std::error_code error;
  std::filesystem::path path = std::filesystem::canonical(buffer.data(), error);
  return error ? std::filesystem::path() : path;
}

namespace {
bool basic_info(mach_task_basic_info_data_t& info) {
  mach_msg_type_number_t count = MACH_TASK_BASIC_INFO_COUNT;
  return task_info(mach_task_self(), MACH_TASK_BASIC_INFO, reinterpret_cast<task_info_t>(&info),
                   &count) == KERN_SUCCESS;
}
}  // namespace

int64_t current_resident_bytes() {
  mach_task_basic_info_data_t info;
  return basic_info(info) ? int64_t(info.resident_size) : -1;
}
int64_t peak_resident_bytes() {
  mach_task_basic_info_data_t info;
  return basic_info(info) ? int64_t(info.resident_size_max) : -1;
}
// resident_size_max only grows: no reset.
bool reset_peak() { return false; }

#else

std::filesystem::path executable_path() { return {}; }
int64_t current_resident_bytes() { return -1; }
int64_t peak_resident_bytes() { return -1; }
bool reset_peak() { return false; }

#endif

const char* compiled_for() {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__)
  return "aarch64";
#else
  return "other";
#endif
}

bool host_compiler_targets_this_program() {
  static const bool same = [] {
    std::string machine;  // "x86_64-linux-gnu", "aarch64-linux-gnu", "arm64-apple-darwin23.1.0"
    if (FILE* pipe = popen("g++ -dumpmachine 2>/dev/null", "r")) {
      char chunk[256];
      for (size_t n; (n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0;) machine.append(chunk, n);
      pclose(pipe);
    }
    const std::string cpu = compiled_for();
    if (cpu == "aarch64" && machine.rfind("arm64", 0) == 0) return true;  // Apple's name for it
    return cpu != "other" && machine.rfind(cpu, 0) == 0;
  }();
  return same;
}

std::string build_make_variables() {
  const std::filesystem::path build = executable_path().parent_path();
  std::ifstream in(build / "flags.txt");
  std::string compiler, flags;
  std::getline(in, compiler);
  std::getline(in, flags);
  std::string vars;
  if (compiler.find("clang") != std::string::npos) vars += " CXX=clang++";
  if (flags.find("-stdlib=libc++") != std::string::npos) vars += " STDLIB=libc++";
  const std::string mode = build.filename().string();
  if (mode == "debug" || mode == "asan") vars += " MODE=" + mode;
  return vars;
}

bool make_cloexec_pipe(int fds[2]) {
#ifdef __linux__
  return ::pipe2(fds, O_CLOEXEC) == 0;
#else
  if (::pipe(fds) != 0) return false;
  for (int i = 0; i < 2; ++i) ::fcntl(fds[i], F_SETFD, FD_CLOEXEC);
  return true;
#endif
}

// The exec's own error answers, not the program's exit status: the write end
// of a pipe closes on a successful exec (FD_CLOEXEC), and a failed exec sends
// its errno through it. Between fork and exec the child makes only
// async-signal-safe calls, since the library's worker threads may hold locks
// at the moment of the fork.
const std::string& cannot_start_own_programs() {
  static const std::string reason = []() -> std::string {
    const std::string self = executable_path().string();
    if (self.empty()) return "this program's own path is unknown";
    char version[] = "--version";
    char* const argv[] = {const_cast<char*>(self.c_str()), version, nullptr};
    int channel[2];
    if (!make_cloexec_pipe(channel)) return std::string("pipe: ") + std::strerror(errno);
    const pid_t child = ::fork();
    if (child == 0) {
      const int quiet = ::open("/dev/null", O_WRONLY);
      ::dup2(quiet, 1);
      ::dup2(quiet, 2);
      ::execv(argv[0], argv);
      const int error = errno;
      (void)!::write(channel[1], &error, sizeof error);
      ::_exit(127);
    }
    const int fork_error = errno;
    ::close(channel[1]);
    int error = 0;
    ssize_t got = 0;  // stays 0 (end of file) when the exec succeeded
    while (child > 0 && (got = ::read(channel[0], &error, sizeof error)) < 0 && errno == EINTR) {
    }
    ::close(channel[0]);
    if (child < 0) return std::string("fork: ") + std::strerror(fork_error);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (got != sizeof error) return "";
    std::string why = "starting " + self + " gives \"" + std::strerror(error) + "\"";
    if (error == ENOEXEC)
      why += ": this host's kernel cannot run a " + std::string(compiled_for()) +
             " program (an emulator such as qemu-aarch64 runs this one, and the kernel has no"
             " binfmt_misc entry that hands such programs to it)";
    return why;
  }();
  return reason;
}

bool skip_unless_own_programs_start() {
  const std::string& why = cannot_start_own_programs();
  if (why.empty()) return false;
  MESSAGE("skipped: " << why);
  return true;
}

bool skip_unless_host_builds_this_kind() {
  if (host_compiler_targets_this_program()) return false;
  const std::string why = std::string("this suite was cross-built for ") + compiled_for() +
                          ": the make targets this case runs would build and run the host's "
                          "programs, in build/, not this build's";
  MESSAGE("skipped: " << why);
  return true;
}

}  // namespace ag_test::platform
