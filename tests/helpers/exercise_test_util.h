// tests/helpers/exercise_test_util.h: running the classroom's programs and make
// targets from the suites (test_exercises.cpp, test_exercise_handins.cpp,
// test_handout.cpp).
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/helpers/house_test_util.h"
#include "tests/helpers/platform.h"
#include "tutorials/exercises/sandbox/launch_detail.h"

namespace ex_test {

// build/exercises/, beside this test binary (build/, build/debug/ or build/asan/).
inline std::filesystem::path exercise_dir() {
  return ag_test::platform::executable_path().parent_path() / "exercises";
}

// The checkout this test binary was built from: the nearest directory above
// it that holds tutorials/exercises/ (build/tests -> the repository).
inline std::filesystem::path repo_root() {
  std::filesystem::path dir = exercise_dir().parent_path();
  while (!std::filesystem::exists(dir / "tutorials/exercises/exercise.h") &&
         dir != dir.parent_path())
    dir = dir.parent_path();
  return dir;
}

// release, debug or asan: the MODE this test binary was built in (its folder).
inline std::string build_mode() {
  const std::string build = exercise_dir().parent_path().filename().string();
  return build == "debug" || build == "asan" ? build : "release";
}

// A student's copy written by make handout (it has tutorials/exercises/HANDOUT
// and no reference solutions or graded hand-ins): the suites about the
// teacher's side (hand-ins, hand-outs) have nothing to run there.
inline bool is_handout() {
  return std::filesystem::exists(repo_root() / "tutorials/exercises/HANDOUT");
}

// The first line of a case that expects the runner's confinement to refuse
// an attack (seccomp, Landlock, no_new_privs, running as nobody):
//   if (ex_test::skip_unless_runners_are_confined()) return;
// Those are Linux's. Elsewhere (macOS) a runner is held by its limits and
// the wall clock only (tutorials/exercises/sandbox/README.md), and the case
// says so and skips.
inline bool skip_unless_runners_are_confined() {
  if (sandbox::detail::confinement_available()) return false;
  MESSAGE("skipped: this system has no seccomp or Landlock: runners are held by their limits only");
  return true;
}

// The twelve assignments, in the hand-out's order (A1-A5, then F1-F7).
inline const std::vector<std::string> kAssignments = {"softmax_backward",
                                                      "attention",
                                                      "conv2d_backward",
                                                      "batchnorm_backward",
                                                      "self_attention",
                                                      "engine",
                                                      "broadcast_backward",
                                                      "log_softmax_cross_entropy",
                                                      "layer_norm_backward",
                                                      "max_pool_backward",
                                                      "adam",
                                                      "multihead_attention"};

using Run = house_test::Run;  // output (stdout and stderr) and status

// Runs a shell command in the repository's root.
inline Run run(const std::string& command) {
  return house_test::run_shell("cd '" + repo_root().string() + "' && { " + command + " ; }");
}

// `make ARGS` in the repository, for this binary's build (its compiler,
// library and MODE: platform::build_make_variables), as a fresh make, as a
// teacher's would be (house_test::kFreshMake).
inline Run make(const std::string& args) {
  return run(house_test::kFreshMake + " -s" + ag_test::platform::build_make_variables() + " " +
             args);
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The last "score: N/100" of a report, or -1.
inline int score_of(const std::string& report) {
  const size_t at = report.rfind("score: ");
  int score = -1;
  if (at != std::string::npos) std::sscanf(report.c_str() + at, "score: %d/100", &score);
  return score;
}

}  // namespace ex_test
