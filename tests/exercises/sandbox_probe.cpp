// tests/exercises/sandbox_probe.cpp: a runner that attacks its sandbox, one attack per mode.
//
//   build/exercises/sandbox_probe MODE     (test_sandbox.cpp starts it through sandbox::run)
//
// Linked like a grader's runner: confine_runner's objects first, then this,
// then the library. After an attack that the sandbox should have stopped, it
// writes "survived" on fd 3, so a test sees at once if it was not stopped.
// Mode "good" does what an honest runner does (threads, the library's
// kernels on 2 threads, exceptions, printing, 500 MB, 10 MB of output) and
// must work. The attacks made before main and as raw system calls are
// Linux's, as the confinement they test is (#ifdef __linux__); elsewhere
// those modes are unknown and the probe exits with 2.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>  // the raw calls' numbers
#endif

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/ag.h"
#include "core/kernels/parallel.h"

namespace {

void report(const std::string& text) { (void)!write(3, text.data(), text.size()); }

#ifdef __linux__
// The mode, read before main: a static constructor has no argv, so it reads
// the command line the kernel keeps (reading files stays allowed).
std::string mode_from_cmdline() {
  std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
  std::string program, mode;
  std::getline(cmdline, program, '\0');
  std::getline(cmdline, mode, '\0');
  return mode;
}

// An attack in a static constructor: it runs before main, so only a
// confinement in place before constructors (confine_runner's .preinit_array) stops it.
struct EarlyAttack {
  EarlyAttack() {
    const std::string mode = mode_from_cmdline();
    volatile unsigned long spin = 0;
    if (mode == "loop_in_constructor")
      while (true) spin = spin + 1;
    if (mode == "fork_in_constructor") {
      if (fork() == 0) _exit(0);
      report("survived");
    }
  }
} early_attack;
#endif

// The honest runner's day: what the sandbox must let through.
int good(const std::string& input) {
  ag::set_num_threads(2);
  const ag::Tensor a = ag::ones({128, 128});
  const float corner = a.matmul(a).data()[0];  // 128 ones times 128 ones
  int from_thread = 0;
  std::thread worker([&] { from_thread = 7; });
  worker.join();
  std::string caught;
  try {
    throw std::runtime_error("thrown and caught");
  } catch (const std::exception& e) {
    caught = e.what();
  }
  // 500 MB, resident: every page touched. Asked for in 2 MB huge pages where
  // the kernel allows it (madvise): 250 page faults instead of 128,000, which
  // on a virtual machine is half a second of the suite.
  const size_t big_size = 500u << 20;
  std::unique_ptr<char, decltype(&std::free)> big(
      static_cast<char*>(std::aligned_alloc(2u << 20, big_size)), &std::free);
  if (!big) return 1;
#ifdef __linux__
  madvise(big.get(), big_size, MADV_HUGEPAGE);
#endif
  std::memset(big.get(), 1, big_size);
  std::printf("printf works\n");
  std::cout << "cout works" << std::endl;
  std::ostringstream summary;
  summary << "matmul " << corner << ", thread " << from_thread << ", " << caught << ", " << big_size
          << " bytes, input " << input.size() << "\n";
  report(summary.str());
  // 10 MB the test can predict: byte i is i * 7 % 251.
  std::string pattern(10u << 20, '\0');
  for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = char(i * 7 % 251);
  for (size_t at = 0; at < pattern.size();) {
    const ssize_t n = write(3, pattern.data() + at, pattern.size() - at);
    if (n <= 0) return 1;
    at += size_t(n);
  }
  return 0;
}

#ifdef __linux__
// The attacks made as raw system calls (glibc's wrappers may check first),
// with Linux's numbers, and ptrace, whose requests are Linux's. false: not one of them.
bool raw_call_attack(const std::string& mode) {
  if (mode == "raw_fork") {
#ifdef SYS_fork  // aarch64 has no fork system call
    if (syscall(SYS_fork) == 0) _exit(0);
#else
    return false;
#endif
  } else if (mode == "raw_clone") {  // a new process, not a thread: no CLONE_THREAD
    if (syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0) == 0) _exit(0);
  } else if (mode == "ptrace") {
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
  } else if (mode == "sched_setscheduler") {
    const int priority[1] = {0};
    syscall(SYS_sched_setscheduler, 0, 3 /* SCHED_BATCH */, priority);
  } else if (mode == "sched_setaffinity") {
    const unsigned long cpu0 = 1;
    syscall(SYS_sched_setaffinity, 0, sizeof cpu0, &cpu0);
  } else if (mode == "fchown") {     // a file's owner through a descriptor it holds
    syscall(SYS_fchown, 0, -1, -1);  // -1, -1: "no change", were it let through
  } else if (mode == "fchmodat2") {  // Linux 6.6's fchmodat with flags: same number everywhere
    syscall(452, AT_FDCWD, "/tmp", 01777, 0);
  } else if (mode == "utime") {
#ifdef SYS_utime  // x86-64 only; aarch64 has utimensat alone
    syscall(SYS_utime, "/tmp", nullptr);
#else
    return false;
#endif
  } else if (mode == "utimensat") {  // a file's times: make's idea of what is up to date
    syscall(SYS_utimensat, AT_FDCWD, "/tmp", nullptr, 0);
  } else if (mode == "setxattr") {  // extended attributes: labels, ACLs
    syscall(SYS_setxattr, "/tmp", "user.ag", "x", 1, 0);
  } else if (mode == "lsetxattr") {
    syscall(SYS_lsetxattr, "/tmp", "user.ag", "x", 1, 0);
  } else if (mode == "fsetxattr") {
    syscall(SYS_fsetxattr, 0, "user.ag", "x", 1, 0);
  } else if (mode == "removexattr") {
    syscall(SYS_removexattr, "/tmp", "user.ag");
  } else if (mode == "lremovexattr") {
    syscall(SYS_lremovexattr, "/tmp", "user.ag");
  } else if (mode == "fremovexattr") {
    syscall(SYS_fremovexattr, 0, "user.ag");
  } else {
    return false;
  }
  return true;
}
#else
bool raw_call_attack(const std::string&) { return false; }
#endif

// The attacks through POSIX's calls. false: not one of them.
bool posix_attack(const std::string& mode) {
  if (mode == "fork") {
    if (fork() == 0) _exit(0);
  } else if (mode == "grandchild") {  // would hold the pipes open after the runner ends
    if (fork() == 0) {
      sleep(300);
      _exit(0);
    }
  } else if (mode == "exec") {
    execl("/bin/true", "true", (char*)nullptr);
  } else if (mode == "write_file") {
    std::ofstream out("/tmp/attograd-sandbox-probe.txt");
    out << "written";
  } else if (mode == "proc_self_mem") {
    open("/proc/self/mem", O_RDWR);
  } else if (mode == "socket") {
    socket(AF_INET, SOCK_STREAM, 0);
  } else if (mode == "fchmod") {  // a file's mode through a descriptor it holds
    fchmod(0, 0);
  } else if (mode == "set_priority") {  // its scheduling: the judge's timings, its neighbours
    setpriority(PRIO_PROCESS, 0, 10);
  } else if (mode == "memory_hog") {  // grows towards 10 GB, doubling as vectors do
    std::vector<char> hog;
    while (hog.size() < (10ull << 30)) hog.resize(hog.size() * 2 + (1 << 20), 1);
  } else if (mode == "malloc_hog") {  // malloc says null, not bad_alloc: the program crashes
    std::vector<char*> blocks;
    for (char* block; (block = static_cast<char*>(std::malloc(64 << 20)));) {
      std::memset(block, 1, 64 << 20);
      blocks.push_back(block);
    }
    // As a program that forgot to check: the next block is null too.
    char* volatile unchecked = static_cast<char*>(std::malloc(64 << 20));
    unchecked[0] = 1;
  } else if (mode == "raise_limits") {
    rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
    setrlimit(RLIMIT_CPU, &unlimited);
  } else if (mode == "sigsys_handler") {  // the handler that names breaches: ignored
    signal(SIGSYS, SIG_IGN);
  } else if (mode == "block_sigsys") {  // no handler can run: the kernel kills it instead
    sigset_t sigsys;
    sigemptyset(&sigsys);
    sigaddset(&sigsys, SIGSYS);
    sigprocmask(SIG_BLOCK, &sigsys, nullptr);
    if (fork() == 0) _exit(0);
  } else if (mode == "signal_parent") {  // signal 0 only checks: harmless if it got through
    kill(getppid(), 0);
  } else if (mode == "burn_cpu") {
    volatile unsigned long spin = 0;
    while (true) spin = spin + 1;
  } else {
    return false;
  }
  return true;
}

void attack(const std::string& mode) {
  if (!raw_call_attack(mode) && !posix_attack(mode)) {
    std::fprintf(stderr, "sandbox_probe: unknown mode '%s'\n", mode.c_str());
    std::exit(2);
  }
  report("survived");
}

#ifdef __linux__
// An attack in the program's own .preinit_array (a hand-in's would be refused
// by the grading pipeline's object check, but if one got through): entries
// run in link order, and confine_runner's objects come first on the line.
void early_fork(int, char**, char**) {
  if (mode_from_cmdline() == "fork_in_preinit") {
    if (fork() == 0) _exit(0);
    report("survived");
  }
}
__attribute__((section(".preinit_array"),
               used)) void (*const early_fork_entry)(int, char**, char**) = early_fork;
#endif

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: sandbox_probe MODE [FILE]\n");
    return 2;
  }
  const std::string mode = argv[1];
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (mode == "good") return good(input);
  // Reading: a path given on stdin is refused outside the system's folders; a
  // file named on the command line (the judge chose it) stays readable.
  if (mode == "read_file" || (mode == "read_named" && argc == 3)) {
    std::ifstream file(mode == "read_file" ? input : std::string(argv[2]), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    report(file ? "read " + std::to_string(text.size()) + " bytes" : "could not read");
    return 0;
  }
  if (mode == "environment") {  // what the teacher's environment leaks to the runner
    for (char** e = environ; *e; ++e) report(std::string(*e) + "\n");
    return 0;
  }
  if (mode != "fork_in_constructor" && mode != "fork_in_preinit") attack(mode);
  return 0;
}
