// tutorials/exercises/sandbox/confine_runner.cpp: every runner links this object FIRST.
//
// It confines the runner before any of the hand-in's code can run. A C++
// program's static constructors (a hand-in's included: `static int x = attack();`)
// run from .init_array; the dynamic loader runs the executable's
// .preinit_array before all of them, before even the shared libraries'
// constructors. Our entry there:
//   1. installs the SIGSYS handler that names a refused call on fd 4;
//   2. installs a new-handler: an allocation refused by RLIMIT_AS becomes
//      "used more than 2 GiB" on fd 4 rather than a bad_alloc the hand-in
//      could catch, or a crash that says nothing;
//   3. limits its file access to the system's folders (landlock.h): the
//      course's files, the other hand-ins and the gradebook become unreadable;
//   4. installs the seccomp filter (seccomp_filter.cpp); if the kernel
//      refuses it the runner stops: an unconfined runner must not run.
// A hand-in cannot get ahead of this: the grading pipeline refuses a hand-in
// object that carries its own .preinit_array, IFUNC resolvers or prioritised
// constructors (tutorials/exercises/tools/).
// Outside Linux (x86-64, aarch64) there is no filter; the runner says so on
// stderr and runs under the launcher's rlimits only (on macOS, entered from
// a constructor: Mach-O has no .preinit_array).
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <new>

#include "tutorials/exercises/sandbox/landlock.h"
#include "tutorials/exercises/sandbox/sandbox.h"
#include "tutorials/exercises/sandbox/seccomp_filter.h"

#ifdef __linux__
#include <sys/prctl.h>
#endif

namespace {

// The exit status after a breach (128 + SIGSYS's number on Linux, as if the
// signal had ended it); the launcher reads the breach itself from fd 4.
constexpr int kBreachExit = 128 + 31;

// "used more than 2 GiB\n", written before main (no allocation when it is needed).
char memory_breach[64] = "ran out of memory\n";

void say(int fd, const char* text) { (void)!write(fd, text, strlen(text)); }

[[noreturn]] void out_of_memory() {
  say(sandbox::kBreachFd, memory_breach);
  _exit(kBreachExit);
}

// SIGSYS from a trapped call: si_errno is the rule's index (seccomp_filter.cpp).
// Only async-signal-safe calls here: write and _exit.
void on_forbidden_call(int, siginfo_t* info, void*) {
  const sandbox::seccomp::Breach breach = sandbox::seccomp::breach_of_trap(info->si_errno);
  say(sandbox::kBreachFd, breach.text);
  if (breach.call) {
    say(sandbox::kBreachFd, " ");
    say(sandbox::kBreachFd, breach.call);
  }
  say(sandbox::kBreachFd, "\n");
  _exit(kBreachExit);
}

void confine(int argc, char** argv, char**) {
  struct sigaction action {};
  action.sa_sigaction = on_forbidden_call;
  action.sa_flags = SA_SIGINFO;
  sigfillset(&action.sa_mask);  // nothing interrupts the report
  sigaction(SIGSYS, &action, nullptr);

  rlimit memory{};
  if (getrlimit(RLIMIT_AS, &memory) == 0 && memory.rlim_cur != RLIM_INFINITY) {
    const std::string text = "used more than " + sandbox::bytes_text(memory.rlim_cur) + "\n";
    std::strncpy(memory_breach, text.c_str(), sizeof memory_breach - 1);
  }
  std::set_new_handler(out_of_memory);

  if (!sandbox::seccomp::available()) {
    say(2, "[runner: no seccomp filter on this system: confined by rlimits only]\n");
    return;
  }
#ifdef __linux__
  // Also set by the launcher; set here too so that a runner started by hand
  // (a teacher debugging it) is confined the same way: without it an
  // unprivileged process may not install a filter.
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
#endif
  if (!sandbox::landlock::restrict_to_system_folders(argc - 1, argv + 1))
    say(2, "[runner: no Landlock in this kernel: the course's files stay readable]\n");
  if (!sandbox::seccomp::install(int32_t(getpid()))) {
    say(sandbox::kBreachFd, "could not be confined (the kernel refused the seccomp filter)\n");
    say(2, "runner: the kernel refused the seccomp filter; not running unconfined\n");
    _exit(kBreachExit);
  }
}

#ifdef __linux__
// The entry: a pointer in .preinit_array. `used`: nothing calls it by name.
__attribute__((section(".preinit_array"), used)) void (*const confine_entry)(int, char**,
                                                                             char**) = confine;
#else
// Mach-O (macOS) has no .preinit_array, and there is no filter to install
// (confine returns after the handlers): a constructor, the program's first
// in link order, sets the handlers that name the limits' breaches.
__attribute__((constructor)) void confine_from_constructor() { confine(0, nullptr, nullptr); }
#endif

}  // namespace

#if defined(__SANITIZE_ADDRESS__)
// Under AddressSanitizer (make asan) its leak checker would stop the world
// with ptrace at exit, which the filter refuses: the runner is checked for
// leaks as part of the suite's own ASan run instead. (An ASAN_OPTIONS in the
// environment outranks this default: the launcher appends detect_leaks=0 to
// the runner's, start_child.cpp.)
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
#endif
