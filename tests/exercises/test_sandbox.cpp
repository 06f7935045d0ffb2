// tutorials/exercises/sandbox/: the launcher and the confinement, attacked.
//
// The launcher's own work (pipes, the wall clock, the process group) is
// checked with /bin/sh, a program that does not confine itself. The attacks
// run in build/exercises/sandbox_probe (tests/exercises/sandbox_probe.cpp),
// a runner like the graders' ones: confine_runner linked first, one attack
// per mode. Wall limits are about 1 s, so the suite stays fast.
#include <doctest/doctest.h>

#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <string>

#include "tests/helpers/exercise_test_util.h"
#include "tutorials/exercises/sandbox/sandbox.h"

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

TEST_CASE("the wall clock stops the whole process group, pipes held open included") {
  // A background child keeps the log pipe open; the foreground loops. Both
  // must be gone when run() returns, at the 1 s limit rather than 300 s.
  const sandbox::Result r = shell("sleep 300 & while :; do :; done");
  CHECK_FALSE(r.ok);
  CHECK(r.breach == "stopped after 1 s");
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

TEST_CASE("the launcher's limits: CPU time, file size") {
  // The wall limit is far above the CPU limit: on a loaded machine a second
  // of CPU can take several seconds of wall clock.
  sandbox::Limits limits = quick();
  limits.wall_seconds = 20;
  const sandbox::Result cpu = sandbox::run({"/bin/sh", "-c", "while :; do :; done"}, "", limits);
  CHECK(cpu.breach == "used more than 1 s of CPU");
  CHECK(cpu.signal == SIGXCPU);

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
