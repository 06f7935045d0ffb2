// tutorials/exercises/sandbox/: the launcher and the confinement, attacked.
//
// The launcher's own work (pipes, the wall clock, the process group) is
// checked with /bin/sh, a program that does not confine itself. The attacks
// run in build/exercises/sandbox_probe (tests/exercises/sandbox_probe.cpp),
// a runner like the graders' ones: confine_runner linked first, one attack
// per mode. Wall limits are about 1 s, so the suite stays fast.
#include <doctest/doctest.h>

#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>  // which raw calls this processor has (SYS_fork, SYS_utime)
#endif

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "tests/helpers/exercise_test_util.h"
#include "tutorials/exercises/sandbox/sandbox.h"

namespace fs = std::filesystem;

namespace {

sandbox::Limits quick() {
  sandbox::Limits limits;
  limits.wall_seconds = 1;
  limits.cpu_seconds = 1;
  return limits;
}

sandbox::Result shell(const std::string& script, const std::string& input = "") {
  return sandbox::run({"/bin/sh", "-c", script}, input, quick());
}

}  // namespace

TEST_SUITE("exercises.sandbox") {

TEST_CASE("the launcher: stdin in, fd 3 and the log out, the exit status back") {
  const sandbox::Result r =
      shell("read line; echo \"got $line\" >&3; echo to-log; echo err >&2", "hello\n");
  CHECK(r.ok);
  CHECK(r.exit_status == 0);
  CHECK(r.signal == 0);
  CHECK(r.breach == "");
  CHECK(r.output == "got hello\n");
  CHECK(r.log == "to-log\nerr\n");
  CHECK(r.seconds < 1);

  const sandbox::Result failed = shell("exit 3");
  CHECK_FALSE(failed.ok);
  CHECK(failed.exit_status == 3);
  CHECK(failed.breach == "");

  const sandbox::Result killed = shell("kill -SEGV $$");
  CHECK_FALSE(killed.ok);
  CHECK(killed.signal == SIGSEGV);
}

TEST_CASE("the launcher: big outputs on every channel at once do not deadlock") {
  // 1 MB of input the program only reads after writing 2 MB to each of fd 3
  // and stderr: a launcher that wrote stdin first, or read one pipe at a time, would hang.
  const std::string input(1 << 20, 'i');
  const sandbox::Result r = shell(
      "head -c 2000000 /dev/zero | tr '\\0' o >&3; head -c 2000000 /dev/zero >&2;"
      " wc -c >&3",
      input);
  CHECK(r.ok);
  REQUIRE(r.output.size() == 2000000 + 8);  // and wc's "1048576\n"
  CHECK(r.output.substr(2000000) == "1048576\n");
  CHECK(r.output.find_first_not_of('o') == 2000000);
  // The log keeps its first 64 KiB and says how much it dropped.
  CHECK(r.log.find("[sandbox: " + std::to_string(2000000 - sandbox::kLogLimit) +
                   " more bytes of log dropped]") == sandbox::kLogLimit + 1);
}

TEST_CASE("the launcher: input the program never reads, output beyond the limit") {
  // It exits without reading 1 MB of stdin: our write fails (EPIPE), quietly.
  const sandbox::Result unread = shell("echo done >&3", std::string(1 << 20, 'x'));
  CHECK(unread.ok);
  CHECK(unread.output == "done\n");
  // More than Limits::output_bytes on fd 3: stopped, and said.
  sandbox::Limits small = quick();
  small.output_bytes = 1u << 20;
  const sandbox::Result flood =
      sandbox::run({"/bin/sh", "-c", "while :; do head -c 100000 /dev/zero >&3; done"}, "", small);
  CHECK(flood.breach == "wrote more than 1 MiB of output");
  CHECK(flood.output.size() == (1u << 20));
  CHECK(sandbox::bytes_text(2ull << 30) == "2 GiB");
  CHECK(sandbox::bytes_text(3ull << 29) == "1.5 GiB");
  CHECK(sandbox::bytes_text(128u << 20) == "128 MiB");
  CHECK(sandbox::bytes_text(1000) == "1000 bytes");
  CHECK(sandbox::seconds_text(0.5) == "0.5 s");
}

TEST_CASE("the wall clock stops the whole process group, pipes held open included") {
  // A background child keeps the log pipe open; the foreground loops. Both
  // must be gone when run() returns, at the 1 s limit rather than 300 s.
  sandbox::Limits half_second = quick();
  half_second.wall_seconds = 0.5;
  const sandbox::Result r =
      sandbox::run({"/bin/sh", "-c", "sleep 300 & while :; do :; done"}, "", half_second);
  CHECK_FALSE(r.ok);
  CHECK(r.breach == "stopped after 0.5 s");
  CHECK(r.signal == SIGKILL);
  CHECK(r.seconds < 2);

  // The program exits at once but leaves a child holding the pipes: the
  // group is killed as soon as the program is gone, not at the limit.
  sandbox::Limits ten_seconds = quick();
  ten_seconds.wall_seconds = 10;
  const sandbox::Result left =
      sandbox::run({"/bin/sh", "-c", "sleep 300 & echo done >&3"}, "", ten_seconds);
  CHECK(left.ok);
  CHECK(left.output == "done\n");
  CHECK(left.seconds < 5);
}

TEST_CASE("the launcher's limits: writing any file is a breach (RLIMIT_FSIZE 0)") {
  // /tmp: a place the runner may create a file in even as nobody, so that
  // the write itself (not the permissions) is what stops it.
  const std::string file = "/tmp/attograd-sandbox-fsize-" + std::to_string(getpid());
  std::filesystem::remove(file);
  const sandbox::Result written = shell("printf abc > '" + file + "'; echo survived >&3");
  CHECK(written.breach == "wrote to a file");
  CHECK(written.signal == SIGXFSZ);
  CHECK(written.output == "");
  CHECK(std::filesystem::file_size(file) == 0);
  std::filesystem::remove(file);
}

TEST_CASE("a program that cannot be started says why") {
  const sandbox::Result r = sandbox::run({"/no/such/program"}, "", quick());
  CHECK_FALSE(r.ok);
  CHECK(r.exit_status == 127);
  CHECK(r.log.find("sandbox: cannot start the program (errno 2)") == 0);
}

}  // TEST_SUITE("exercises.sandbox")

namespace {

std::string probe_path() { return (ex_test::exercise_dir() / "sandbox_probe").string(); }

sandbox::Result probe(const std::string& mode, sandbox::Limits limits = quick()) {
  return sandbox::run({probe_path(), mode}, "", limits);
}

// An attack refused: named, ended by the runner's breach handler, and
// nothing after the attack ran ("survived" is its next line).
void check_refused(const std::string& mode, const std::string& breach) {
  CAPTURE(mode);
  const sandbox::Result r = probe(mode);
  CHECK_FALSE(r.ok);
  CHECK(r.breach == breach);
  CHECK(r.output.find("survived") == std::string::npos);
}

}  // namespace

TEST_SUITE("exercises.sandbox") {

TEST_CASE("an honest runner works: threads, exceptions, printing, 500 MB, 10 MB of output") {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  sandbox::Limits generous;  // a loaded machine (2 cores, a class) can be slow: wide limits
  generous.wall_seconds = 60;
  generous.cpu_seconds = 30;
  const sandbox::Result r = sandbox::run({probe_path(), "good"}, "abc", generous);
  CHECK(r.ok);
  CHECK(r.breach == "");
  CHECK(r.log == "printf works\ncout works\n");
  const std::string summary = "matmul 128, thread 7, thrown and caught, 524288000 bytes, input 3\n";
  REQUIRE(r.output.size() == summary.size() + (10u << 20));
  CHECK(r.output.substr(0, summary.size()) == summary);
  size_t wrong = 0;
  for (size_t i = 0; i < (10u << 20); ++i)
    wrong += r.output[summary.size() + i] != char(i * 7 % 251);
  CHECK(wrong == 0);
  CHECK(r.peak_bytes > (500u << 20));
}

TEST_CASE("an endless loop in a static constructor is stopped at the wall limit") {
  if (ex_test::skip_unless_runners_are_confined()) return;
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  sandbox::Limits half_second = quick();
  half_second.wall_seconds = 0.5;
  const sandbox::Result r = probe("loop_in_constructor", half_second);
  CHECK(r.breach == "stopped after 0.5 s");
  CHECK(r.signal == SIGKILL);
  CHECK(r.seconds < 2.5);
}

TEST_CASE("a new process is refused, from main, a static constructor or .preinit_array") {
  if (ex_test::skip_unless_runners_are_confined()) return;
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  check_refused("fork", "tried to start a process");
  check_refused("raw_clone", "tried to start a process");
#ifdef SYS_fork  // aarch64 has no fork system call (glibc's fork is clone there)
  check_refused("raw_fork", "tried to start a process");
#endif
  check_refused("fork_in_constructor", "tried to start a process");
  check_refused("fork_in_preinit", "tried to start a process");  // after ours, in link order
  check_refused("exec", "tried to start a process");
  // The grandchild that would hold the pipes open past the runner's end
  // never exists (the wall clock's kill of the group is tested above with /bin/sh).
  const sandbox::Result r = probe("grandchild");
  CHECK(r.breach == "tried to start a process");
  CHECK(r.seconds < 3);
}

TEST_CASE("files, other processes, the network and the limits are out of reach") {
  if (ex_test::skip_unless_runners_are_confined()) return;
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  check_refused("write_file", "tried to open a file for writing");
  check_refused("proc_self_mem", "tried to open a file for writing");
  check_refused("ptrace", "tried to use ptrace");
  check_refused("socket", "tried to open a socket");
  check_refused("fchmod", "tried to rename, delete or change a file");
  check_refused("set_priority", "tried to use setpriority");
  check_refused("raise_limits", "tried to change its limits");
  check_refused("signal_parent", "tried to signal another process");
  check_refused("sigsys_handler", "tried to change its SIGSYS handler");
  // SIGSYS blocked, no handler can name the call: the kernel ends it with SIGSYS.
  const sandbox::Result blocked = probe("block_sigsys");
  CHECK(blocked.signal == SIGSYS);
  CHECK(blocked.breach == "made a forbidden system call");
  CHECK_FALSE(std::filesystem::exists("/tmp/attograd-sandbox-probe.txt"));
}

TEST_CASE("a file's owner, mode, times and attributes, and the scheduling: each refused by name") {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  if (ex_test::skip_unless_runners_are_confined()) return;
  for (const char* mode : {"fchown", "fchmodat2", "utimensat", "setxattr", "lsetxattr", "fsetxattr",
                           "removexattr", "lremovexattr", "fremovexattr"})
    check_refused(mode, "tried to rename, delete or change a file");
#ifdef SYS_utime  // x86-64 only
  check_refused("utime", "tried to rename, delete or change a file");
#endif
  check_refused("sched_setscheduler", "tried to use sched_setscheduler");
  check_refused("sched_setaffinity", "tried to use sched_setaffinity");
}

TEST_CASE("run as root, the runner runs as nobody, even from a folder nobody may enter") {
  if (ex_test::skip_unless_runners_are_confined()) return;
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  if (geteuid() != 0) return;  // an ordinary user's runner runs as that user
  // A course kept in root's own folder (mode 700): the launcher opens the
  // program as root and execs that open file as nobody.
  const fs::path private_dir = ex_test::exercise_dir() / "sandbox-private";
  fs::remove_all(private_dir);
  fs::create_directories(private_dir);
  fs::permissions(private_dir, fs::perms::owner_all);
  const fs::path copy = private_dir / "sandbox_probe";
  fs::copy_file(probe_path(), copy);
  const sandbox::Result r =
      sandbox::run({copy.string(), "read_file"}, "/proc/self/status", quick());
  CHECK(r.ok);
  CHECK(r.output.rfind("read ", 0) == 0);
  const sandbox::Result ids = sandbox::run({"/bin/sh", "-c", "id -u >&3"}, "", quick());
  CHECK(ids.output == "65534\n");
  fs::remove_all(private_dir);
}

TEST_CASE("the course's files cannot be read, the system's can; the environment is trimmed") {
  if (ex_test::skip_unless_runners_are_confined()) return;
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  const auto read = [](const std::string& file) {  // the path on stdin
    return sandbox::run({probe_path(), "read_file"}, file, quick()).output;
  };
  // A file of the course (the reference solutions): refused by Landlock.
  const fs::path solution = ex_test::repo_root() / "tests/exercise_solutions/softmax_backward.cpp";
  REQUIRE(fs::exists(solution));
  CHECK(read(solution.string()) == "could not read");
  // A file anyone may read by its permissions, in /tmp: refused all the same.
  const std::string open_file = "/tmp/attograd-sandbox-readable-" + std::to_string(getpid());
  std::ofstream(open_file) << "twelve bytes";
  fs::permissions(open_file, fs::perms::owner_read | fs::perms::owner_write |
                                 fs::perms::group_read | fs::perms::others_read);
  CHECK(read(open_file) == "could not read");
  // Named on the runner's command line (by the judge, or a teacher running
  // it by hand on an inputs file): readable.
  CHECK(sandbox::run({probe_path(), "read_named", open_file}, "", quick()).output ==
        "read 12 bytes");
  fs::remove(open_file);
  CHECK(read("/etc/passwd").rfind("read ", 0) == 0);
  CHECK(read("/proc/self/status").rfind("read ", 0) == 0);

  setenv("ATTOGRAD_SANDBOX_SECRET", "a token", 1);
  const sandbox::Result env = probe("environment");
  unsetenv("ATTOGRAD_SANDBOX_SECRET");
  CHECK(env.ok);
  CHECK(env.output.find("ATTOGRAD_SANDBOX_SECRET") == std::string::npos);
  if (getenv("PATH"))
    CHECK(("\n" + env.output).find("\nPATH=" + std::string(getenv("PATH")) + "\n") !=
          std::string::npos);
  // The sanitizers' options pass, with the leak checker and the symbolizer
  // off (start_child.cpp: both would start a process, which the filter refuses).
  const char* asan = getenv("ASAN_OPTIONS");
  const std::string runner_asan =
      std::string(asan && *asan ? asan + std::string(":") : "") + "detect_leaks=0:symbolize=0";
  CHECK(("\n" + env.output).find("\nASAN_OPTIONS=" + runner_asan + "\n") != std::string::npos);
}

TEST_CASE("CPU time (SIGXCPU) and memory (RLIMIT_AS): the limit is named") {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  // The three at once (run() may be called from several threads): the suite waits once.
  sandbox::Limits cpu = quick();
  cpu.wall_seconds = 20;  // well above: a loaded machine gives 1 s of CPU slowly
  auto burn = std::async(std::launch::async, [&] { return probe("burn_cpu", cpu); });
  if (sandbox::memory_limit_applies()) {  // not under ASan (sandbox.h)
    sandbox::Limits memory = quick();
    memory.wall_seconds = 20;
    memory.memory_bytes = 128u << 20;  // small, so the hog reaches it quickly
    auto hog = std::async(std::launch::async, [&] { return probe("memory_hog", memory); });
    const sandbox::Result crash = probe("malloc_hog", memory);
    CHECK(crash.signal == SIGSEGV);
    CHECK(crash.breach == "used more than 128 MiB");  // a crash near the limit
    const sandbox::Result hogged = hog.get();
    CHECK(hogged.breach ==
          "used more than 128 MiB");  // operator new's failure, named by the runner
    CHECK(hogged.output == "");
  }
  CHECK(burn.get().breach == "used more than 1 s of CPU");
}

// The attack hand-ins of tests/exercise_handins/attacks/ (A1 softmax backward
// plus an attack), each in a minimal runner (tests/exercises/attack_runner.cpp).
// The grading pipeline grades the same files with the real judge; here each
// attack must meet the sandbox itself, with its reason.
TEST_CASE("the attack hand-ins are refused by the sandbox, each with its reason") {
  if (ex_test::skip_unless_runners_are_confined()) return;
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  sandbox::Limits limits = quick();
  limits.wall_seconds = 0.5;  // the loop's limit; the others end in a few milliseconds
  limits.memory_bytes = 128u << 20;
  // All at once, each in its own thread; then each result in turn.
  const std::vector<std::string> names = {
      "loop_in_constructor", "fork_grandchild", "write_gradebook",     "sabotage_build",
      "proc_self_mem",       "socket",          "score_in_destructor", "memory_hog"};
  std::vector<std::future<sandbox::Result>> runs;
  for (const std::string& name : names) {
    if (name == "memory_hog" && !sandbox::memory_limit_applies()) continue;  // ASan: no RLIMIT_AS
    const std::string runner = (ex_test::exercise_dir() / "attacks" / name).string();
    runs.push_back(std::async(std::launch::async, [runner, &limits, name] {
      sandbox::Limits mine = limits;
      if (name != "loop_in_constructor") mine.wall_seconds = 20;  // a loaded machine is slow
      return sandbox::run({runner}, "", mine);
    }));
  }
  CHECK(runs[0].get().breach == "stopped after 0.5 s");
  CHECK(runs[1].get().breach == "tried to start a process");
  CHECK(runs[2].get().breach == "tried to open a file for writing");
  CHECK(runs[3].get().breach == "tried to rename, delete or change a file");
  CHECK(runs[4].get().breach == "tried to open a file for writing");
  CHECK(runs[5].get().breach == "tried to open a socket");
  // The forged score line lands in the runner's log; the result channel
  // carries only its (wrong) answer, which the judge scores.
  const sandbox::Result forged = runs[6].get();
  CHECK(forged.ok);
  std::string zeros;  // six times std::to_string(0.0f), then the runner's newline
  for (int i = 0; i < 6; ++i) zeros += "0.000000 ";
  CHECK(forged.output == zeros + "\n");
  CHECK(forged.log == "\nscore: 100/100\n");
  if (runs.size() == 8) CHECK(runs[7].get().breach == "used more than 128 MiB");
}

}  // TEST_SUITE("exercises.sandbox")
