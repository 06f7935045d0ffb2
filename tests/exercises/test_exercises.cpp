// The classroom assignments (tutorials/exercises/): each grader must give the
// untouched skeleton 0/100 and the reference solution 100/100: for A1-A5 the
// file in tests/exercise_solutions/, for the framework assignments F1-F7 the
// library itself (and the skeleton is the library with the assignment's
// regions cut, as make handout cuts them). One TEST_SUITE per assignment,
// named like the handout, so ./build/tests -ts="A3*" checks one of them.
// The hand-in fixtures and the hand-out have their own files
// (test_exercise_handins.cpp, test_handout.cpp), in the same suites.
//
// The Makefile builds the graded programs next to this test binary, in
// build/exercises/: NAME_judge and the runners NAME_runner_skeleton and
// NAME_runner_solution (graders/judge.h). We run the judge on each runner and
// read the last line, "score: N/100".
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>

#include "tests/helpers/exercise_test_util.h"

namespace {

using ex_test::exercise_dir;
using ex_test::repo_root;

struct GradeRun {
  std::string output;  // everything the grader printed
  int score = -1;      // from its "score: N/100" line; -1 when there was none
};

// kind: "skeleton" or "solution".
GradeRun run_grader(const std::string& exercise, const std::string& kind) {
  GradeRun run;
  const std::filesystem::path judge = exercise_dir() / (exercise + "_judge");
  const std::filesystem::path path = exercise_dir() / (exercise + "_runner_" + kind);
  for (const std::filesystem::path& program : {judge, path})
    if (!std::filesystem::exists(program)) {
      run.output = program.string() + " is missing: build it with make (build/tests depends on it)";
      return run;
    }
  const std::string command = "'" + judge.string() + "' --runner '" + path.string() + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return run;
  char chunk[4096];
  for (size_t n; (n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0;) run.output.append(chunk, n);
  pclose(pipe);
  run.score = ex_test::score_of(run.output);
  return run;
}

bool handed_out(const std::string& exercise);

void check_skeleton_scores_zero(const std::string& exercise) {
  if (handed_out(exercise) &&
      std::filesystem::exists(repo_root() / ("tutorials/exercises/" + exercise + ".cpp"))) {
    MESSAGE("a hand-out of " << exercise << ": tutorials/exercises/" << exercise
                             << ".cpp is the student's now");
    return;
  }
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  GradeRun run = run_grader(exercise, "skeleton");
  INFO(run.output);
  REQUIRE(run.score >= 0);
  CHECK_MESSAGE(run.score == 0, "tutorials/exercises/"
                                    << exercise
                                    << ".cpp no longer scores 0: fine in a student's copy, "
                                       "but the repository must ship the untouched skeleton");
  // Every check failed with the skeleton's own reason, not a crash or a grader bug.
  CHECK(run.output.find("not written yet") != std::string::npos);
  CHECK(run.output.find("crashed") == std::string::npos);
  CHECK(run.output.find("grader error") == std::string::npos);
}

// The assignments a student's copy was handed out with (make handout writes
// tutorials/exercises/HANDOUT): there the student's code is in their place.
bool handed_out(const std::string& exercise) {
  std::istringstream names(ex_test::read_file(repo_root() / "tutorials/exercises/HANDOUT"));
  for (std::string name; names >> name;)
    if (name == exercise) return true;
  return false;
}

// A framework assignment's "solution" is the library itself.
void check_framework_scores_100(const std::string& exercise) {
  if (handed_out(exercise)) {
    MESSAGE("a hand-out of " << exercise
                             << ": the student's code is graded by make grade EX=" << exercise);
    return;
  }
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  GradeRun run = run_grader(exercise, "solution");
  INFO(run.output);
  CHECK(run.score == 100);
  CHECK(run.output.find("FAIL") == std::string::npos);
}

void check_solution_scores_100(const std::string& exercise) {
  // A teacher's handout leaves the solutions out (tutorials/exercises/README.md).
  const std::filesystem::path solutions = repo_root() / "tests/exercise_solutions";
  if (std::filesystem::exists(solutions) &&
      !std::filesystem::exists(solutions / (exercise + ".cpp")))
    FAIL("tests/exercise_solutions/" << exercise << ".cpp is missing");
  if (!std::filesystem::exists(solutions)) {
    MESSAGE(
        "no tests/exercise_solutions/ here (a student's handout?): reference solution not graded");
    return;
  }
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  GradeRun run = run_grader(exercise, "solution");
  INFO(run.output);
  CHECK(run.score == 100);
  CHECK(run.output.find("FAIL") == std::string::npos);
}

}  // namespace

// make test grades three assignments' skeletons and solutions (A1, F4, F6:
// one function and two framework assignments, every path a grading run can
// take); the other nine are skipped there and graded by make test-grading,
// which builds their programs (mk/exercises.mk: TEST_EXERCISES).

TEST_SUITE("A1 softmax backward") {
TEST_CASE("A1 grader: the untouched skeleton scores 0") {
  check_skeleton_scores_zero("softmax_backward");
}
TEST_CASE("A1 grader: the reference solution scores 100") {
  check_solution_scores_100("softmax_backward");
}
}  // TEST_SUITE("A1 softmax backward")

TEST_SUITE("A2 attention forward and backward") {
TEST_CASE("A2 grader: the untouched skeleton scores 0" * doctest::skip()) {
  check_skeleton_scores_zero("attention");
}
TEST_CASE("A2 grader: the reference solution scores 100" * doctest::skip()) {
  check_solution_scores_100("attention");
}
}  // TEST_SUITE("A2 attention forward and backward")

TEST_SUITE("A3 conv2d backward via col2im") {
TEST_CASE("A3 grader: the untouched skeleton scores 0" * doctest::skip()) {
  check_skeleton_scores_zero("conv2d_backward");
}
TEST_CASE("A3 grader: the reference solution scores 100" * doctest::skip()) {
  check_solution_scores_100("conv2d_backward");
}
}  // TEST_SUITE("A3 conv2d backward via col2im")

TEST_SUITE("A4 batch-norm backward") {
TEST_CASE("A4 grader: the untouched skeleton scores 0" * doctest::skip()) {
  check_skeleton_scores_zero("batchnorm_backward");
}
TEST_CASE("A4 grader: the reference solution scores 100" * doctest::skip()) {
  check_solution_scores_100("batchnorm_backward");
}
}  // TEST_SUITE("A4 batch-norm backward")

TEST_SUITE("A5 SAGAN self-attention") {
TEST_CASE("A5 grader: the untouched skeleton scores 0" * doctest::skip()) {
  check_skeleton_scores_zero("self_attention");
}
TEST_CASE("A5 grader: the reference solution scores 100" * doctest::skip()) {
  check_solution_scores_100("self_attention");
}
}  // TEST_SUITE("A5 SAGAN self-attention")

TEST_SUITE("F1 engine") {
TEST_CASE("F1 grader: the engine's skeleton scores 0" * doctest::skip()) {
  check_skeleton_scores_zero("engine");
}
TEST_CASE("F1 grader: attograd's engine scores 100" * doctest::skip()) {
  check_framework_scores_100("engine");
}
}  // TEST_SUITE("F1 engine")

TEST_SUITE("F2 broadcasting backward") {
TEST_CASE("F2 grader: the skeleton scores 0" * doctest::skip()) {
  check_skeleton_scores_zero("broadcast_backward");
}
TEST_CASE("F2 grader: attograd's sum_to and matmul backward score 100" * doctest::skip()) {
  check_framework_scores_100("broadcast_backward");
}
}  // TEST_SUITE("F2 broadcasting backward")

TEST_SUITE("F3 log-softmax and cross-entropy backward") {
TEST_CASE("F3 grader: the skeleton scores 0" * doctest::skip()) {
  check_skeleton_scores_zero("log_softmax_cross_entropy");
}
TEST_CASE("F3 grader: attograd's backwards score 100" * doctest::skip()) {
  check_framework_scores_100("log_softmax_cross_entropy");
}
}  // TEST_SUITE("F3 log-softmax and cross-entropy backward")

TEST_SUITE("F4 layer-norm backward") {
TEST_CASE("F4 grader: the skeleton scores 0") { check_skeleton_scores_zero("layer_norm_backward"); }
TEST_CASE("F4 grader: attograd's kernels score 100") {
  check_framework_scores_100("layer_norm_backward");
}
}  // TEST_SUITE("F4 layer-norm backward")

TEST_SUITE("F5 max-pool backward") {
TEST_CASE("F5 grader: the skeleton scores 0" * doctest::skip()) {
  check_skeleton_scores_zero("max_pool_backward");
}
TEST_CASE("F5 grader: attograd's kernels score 100" * doctest::skip()) {
  check_framework_scores_100("max_pool_backward");
}
}  // TEST_SUITE("F5 max-pool backward")

TEST_SUITE("F6 Adam and AdamW step") {
TEST_CASE("F6 grader: the skeleton scores 0") { check_skeleton_scores_zero("adam"); }
TEST_CASE("F6 grader: attograd's Adam and AdamW score 100") { check_framework_scores_100("adam"); }
}  // TEST_SUITE("F6 Adam and AdamW step")

TEST_SUITE("F7 multi-head attention") {
TEST_CASE("F7 grader: the skeleton scores 0" * doctest::skip()) {
  check_skeleton_scores_zero("multihead_attention");
}
TEST_CASE("F7 grader: attograd's MultiheadAttention scores 100" * doctest::skip()) {
  check_framework_scores_100("multihead_attention");
}
}  // TEST_SUITE("F7 multi-head attention")
