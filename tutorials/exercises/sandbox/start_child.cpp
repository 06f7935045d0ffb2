// tutorials/exercises/sandbox/start_child.cpp: fork, then the launcher's half of the confinement.
//
// Between fork and exec the child may call only async-signal-safe functions
// (the grader that calls run() may have threads, and a lock another thread
// held at fork time stays locked forever in the child): no malloc, no
// std::string. Everything it needs (argv as char*, the uid of nobody) is
// prepared before fork. The runner's own half, the seccomp filter, is
// installed by confine_runner.cpp as the runner starts.
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include "tutorials/exercises/sandbox/launch_detail.h"

#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

namespace sandbox {

bool memory_limit_applies() {
#if defined(__SANITIZE_ADDRESS__)
  return false;  // ASan's shadow memory reserves terabytes of address space: RLIMIT_AS breaks it
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return false;
#else
  return true;
#endif
#else
  return true;
#endif
}

}  // namespace sandbox

namespace sandbox::detail {

namespace {

// Writes "sandbox: cannot <what> (errno N)" on fd 2 and leaves: async-signal-safe.
[[noreturn]] void die_in_child(const char* what) {
  const int error = errno;
  char digits[12];
  int n = 0;
  for (int e = error > 0 ? error : 0; n == 0 || e > 0; e /= 10) digits[n++] = char('0' + e % 10);
  auto say = [](const char* s) { (void)!write(2, s, strlen(s)); };
  say("sandbox: cannot ");
  say(what);
  say(" (errno ");
  while (n > 0) (void)!write(2, &digits[--n], 1);
  say(")\n");
  _exit(127);
}

// soft == hard, except for CPU time: at the soft limit the kernel sends
// SIGXCPU (which names the breach), at the hard one SIGKILL.
void set_limit(int resource, rlim_t value, const char* what, rlim_t hard_extra = 0) {
  const rlimit limit{value, value + hard_extra};
  if (setrlimit(resource, &limit) != 0) die_in_child(what);
}

// Closes every fd from `first` up.
void close_from(int first) {
#if defined(__linux__) && defined(SYS_close_range)
  if (syscall(SYS_close_range, unsigned(first), ~0u, 0u) == 0) return;
#endif
  for (int fd = first; fd < 4096; ++fd) close(fd);
}

// An O_PATH descriptor of the program (Linux), or -1: then exec by path.
int open_program(const char* path) {
#if defined(__linux__) && defined(SYS_execveat)
  return open(path, O_PATH | O_CLOEXEC);
#else
  (void)path;
  return -1;
#endif
}

void exec_program(int program_fd, char* const* args, char* const* environment) {
#if defined(__linux__) && defined(SYS_execveat)
  if (program_fd >= 0) {
    syscall(SYS_execveat, program_fd, "", args, environment, AT_EMPTY_PATH);
    // No execveat at all (Linux before 3.19, qemu-user before 8.0): by path.
    if (errno != ENOSYS) return;
  }
#else
  (void)program_fd;
#endif
  execve(args[0], args, environment);
}

struct Pipe {
  int read = -1, write = -1;
};

// ASAN_OPTIONS and LSAN_OPTIONS as the runner gets them: the caller's, then
// ":detect_leaks=0:symbolize=0" (the last value of an option wins). A runner
// built with ASan (make asan) would otherwise, at exit, run the leak checker,
// which clones a tracer process (clone without CLONE_THREAD) and ptraces the
// runner's threads with every signal blocked: the filter must refuse both
// (they are how a hand-in would start a process or read another's memory),
// and the kernel, unable to deliver SIGSYS, kills the runner as "made a
// forbidden system call". `make asan` asks for detect_leaks=1 in the
// environment, which outranks the runner's own __asan_default_options, hence
// this. Likewise an ASan report would exec llvm-symbolizer (a process):
// the runner's report gives addresses instead. The judge, which is not
// confined, still checks its own leaks.
std::vector<std::string> runner_sanitizer_options() {
  std::vector<std::string> options;
  for (const char* name : {"ASAN_OPTIONS", "LSAN_OPTIONS"}) {
    const char* caller = std::getenv(name);
    std::string value = caller ? caller : "";
    if (!value.empty()) value += ':';
    options.push_back(std::string(name) + "=" + value + "detect_leaks=0:symbolize=0");
  }
  return options;
}

Pipe make_pipe() {
  int fds[2];
  // O_CLOEXEC: a program another thread of the grader starts meanwhile must
  // not inherit our pipes (it would hold them open, and we would wait for EOF).
#ifdef __linux__
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("sandbox::run: cannot make a pipe");
#else
  // macOS has no pipe2: pipe, then close-on-exec. A program another thread
  // starts between the two calls inherits the pipe; it is a runner under its
  // own wall clock, so the wait for EOF it causes ends with that clock.
  if (pipe(fds) != 0) throw std::runtime_error("sandbox::run: cannot make a pipe");
  for (int end : fds) fcntl(end, F_SETFD, FD_CLOEXEC);
#endif
  return {fds[0], fds[1]};
}

}  // namespace

Child start_child(const std::vector<std::string>& argv, const Limits& limits) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // nobody's ids, looked up once, now (getpwnam is neither async-signal-safe,
  // for the child, nor thread-safe: run() may be called from several threads).
  static const std::pair<uid_t, gid_t> nobody = [] {
    const passwd* entry = getpwnam("nobody");
    return entry ? std::pair(entry->pw_uid, entry->pw_gid) : std::pair(uid_t(65534), gid_t(65534));
  }();
  const uid_t nobody_uid = nobody.first;
  const gid_t nobody_gid = nobody.second;
  const bool drop_root = geteuid() == 0;
  const rlim_t cpu = rlim_t(std::ceil(limits.cpu_seconds > 0 ? limits.cpu_seconds : 1));

  // The environment: only what a runner needs (the locale, the library's
  // thread count, the sanitizers' options), not the teacher's whole one.
  std::vector<char*> environment;
  for (char** e = environ; *e; ++e)
    for (const char* keep : {"PATH=", "LANG=", "LC_ALL=", "TZ=", "AG_", "UBSAN_OPTIONS="})
      if (std::strncmp(*e, keep, std::strlen(keep)) == 0) {
        environment.push_back(*e);
        break;
      }
  // The sanitizers' options, with two of them forced off for the runner:
  const std::vector<std::string> sanitizer_options = runner_sanitizer_options();
  for (const std::string& option : sanitizer_options)
    environment.push_back(const_cast<char*>(option.c_str()));
  environment.push_back(nullptr);

  // The program, opened now, while we may still be root: the child execs this
  // file descriptor (execveat), so nobody needs no way through the folders to
  // it (a course kept in /root, mode 700), only the file's own x bit.
  const int program = open_program(args[0]);

  const Pipe in = make_pipe(), out = make_pipe(), log = make_pipe(), breach = make_pipe();
  const int pid = fork();
  if (pid < 0) throw std::runtime_error("sandbox::run: fork failed");
  if (pid == 0) {
    // Its own session, hence its own process group (the wall-clock limit
    // kills the group, whatever it started) and no controlling terminal (no
    // /dev/tty to read the teacher's keystrokes from, or to type into).
    setsid();
    // Our ends to 0..4, the program to 5. First out of the way (to 10 and
    // up), so a dup2 never overwrites an fd that is still to be moved.
    const int wanted[6] = {in.read, log.write, log.write, out.write, breach.write, program};
    int moved[6] = {-1, -1, -1, -1, -1, -1};
    for (int i = 0; i < 6; ++i)
      if (wanted[i] >= 0 && (moved[i] = fcntl(wanted[i], F_DUPFD_CLOEXEC, 10)) < 0)
        die_in_child("move its pipes");
    for (int i = 0; i < 5; ++i)
      if (dup2(moved[i], i) < 0) die_in_child("set up fds 0-4");  // dup2 clears close-on-exec
    if (program >= 0 && dup3(moved[5], 5, O_CLOEXEC) < 0) die_in_child("keep the program open");
    close_from(6);  // nothing else of the grader's: not the gradebook, not other pipes

    set_limit(RLIMIT_CPU, cpu, "limit its CPU time", 1);
    if (memory_limit_applies()) set_limit(RLIMIT_AS, limits.memory_bytes, "limit its memory");
    set_limit(RLIMIT_FSIZE, 0, "limit its file size");  // a write to any file: SIGXFSZ
    set_limit(RLIMIT_CORE, 0, "turn off core files");
    set_limit(RLIMIT_NOFILE, 256, "limit its open files");
#ifdef __linux__
    // No set-uid program can give it privileges back; also what lets an
    // unprivileged process install a seccomp filter.
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die_in_child("set no_new_privs");
#endif
    if (drop_root) {
      // A root runner could undo every limit: run it as nobody. RLIMIT_NPROC
      // counts all of a user's threads, so it is set only for nobody (for an
      // ordinary user it would count the teacher's whole session).
      if (setgroups(0, nullptr) != 0 || setgid(nobody_gid) != 0 || setuid(nobody_uid) != 0)
        die_in_child("drop root to nobody");
      set_limit(RLIMIT_NPROC, 256, "limit its processes");
    }
    exec_program(program >= 0 ? 5 : -1, args.data(), environment.data());
    die_in_child("start the program");
  }
  if (program >= 0) close(program);
  for (int fd : {in.read, out.write, log.write, breach.write}) close(fd);
  for (int fd : {in.write, out.read, log.read, breach.read}) fcntl(fd, F_SETFL, O_NONBLOCK);
  return Child{pid, in.write, out.read, log.read, breach.read};
}

}  // namespace sandbox::detail
