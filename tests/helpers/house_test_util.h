// tests/helpers/house_test_util.h: what the house tests (tests/house/) share:
// the repository's root, a shell command's output and status, and make run
// as a student types it.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "tests/helpers/platform.h"

namespace house_test {

// The folder holding the Makefile, above this test binary.
inline std::filesystem::path repo_root() {
  std::filesystem::path p = ag_test::platform::executable_path().parent_path();
  while (!std::filesystem::exists(p / "Makefile") && p != p.parent_path()) p = p.parent_path();
  return p;
}

struct Run {
  std::string output;  // stdout and stderr
  int status = -1;     // the exit status
};

inline Run run_shell(const std::string& command) {
  Run run;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return run;
  char chunk[4096];
  for (size_t n; (n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0;) run.output.append(chunk, n);
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// make as a student types it: not as a sub-make of `make test` (its jobserver,
// its level), nor with the CXX and STDLIB that `make CXX=clang++ STDLIB=libc++
// test` exports. The caller adds the options and the targets.
inline const std::string kFreshMake =
    "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u CXX -u STDLIB make --no-print-directory";

// make in the repository, as a student types it.
inline Run run_make(const std::string& args) {
  return run_shell(kFreshMake + " -C '" + repo_root().string() + "' " + args);
}

}  // namespace house_test
