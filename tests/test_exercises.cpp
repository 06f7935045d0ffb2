// The classroom assignments (tutorials/exercises/): each grader must give the
// untouched skeleton 0/100 and the reference solution in
// tests/exercise_solutions/ 100/100. One TEST_SUITE per assignment, named like
// the handout, so ./build/tests -ts="A3*" checks one of them.
//
// The Makefile builds the graded programs next to this test binary, in
// build/exercises/NAME_skeleton and NAME_solution; we run them and read the
// last line, "score: N/100".
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace {

struct GradeRun {
  std::string output;  // everything the grader printed
  int score = -1;      // from its "score: N/100" line; -1 when there was none
};

// build/exercises/, beside this test binary (build/, build/debug/ or build/asan/).
std::filesystem::path exercise_dir() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path() / "exercises";
}

// The checkout this test binary was built from: the nearest directory above
// it that holds tutorials/exercises/ (build/tests -> the repository).
std::filesystem::path repo_root() {
  std::filesystem::path dir = exercise_dir().parent_path();
  while (!std::filesystem::exists(dir / "tutorials/exercises/exercise.h") && dir != dir.parent_path())
    dir = dir.parent_path();
  return dir;
}

GradeRun run_grader(const std::string& program) {
  GradeRun run;
  std::filesystem::path path = exercise_dir() / program;
  if (!std::filesystem::exists(path)) {
    run.output = path.string() + " is missing: build it with make (build/tests depends on it)";
    return run;
  }
  std::string command = "'";
  command += path.string();
  command += "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return run;
  char chunk[4096];
  for (size_t n; (n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0;) run.output.append(chunk, n);
  pclose(pipe);
  size_t at = run.output.rfind("score: ");
  if (at != std::string::npos) std::sscanf(run.output.c_str() + at, "score: %d/100", &run.score);
  return run;
}

void check_skeleton_scores_zero(const std::string& exercise) {
  GradeRun run = run_grader(exercise + "_skeleton");
  INFO(run.output);
  REQUIRE(run.score >= 0);
  CHECK_MESSAGE(run.score == 0, "tutorials/exercises/" << exercise
                                    << ".cpp no longer scores 0: fine in a student's copy, "
                                       "but the repository must ship the untouched skeleton");
  // Every check failed with the skeleton's own reason, not a crash or a grader bug.
  CHECK(run.output.find("not written yet") != std::string::npos);
  CHECK(run.output.find("crashed") == std::string::npos);
  CHECK(run.output.find("grader error") == std::string::npos);
}

void check_solution_scores_100(const std::string& exercise) {
  // A teacher's handout leaves the solutions out (tutorials/exercises/README.md).
  const std::filesystem::path solutions = repo_root() / "tests/exercise_solutions";
  if (std::filesystem::exists(solutions) && !std::filesystem::exists(solutions / (exercise + ".cpp")))
    FAIL("tests/exercise_solutions/" << exercise << ".cpp is missing");
  if (!std::filesystem::exists(solutions)) {
    MESSAGE("no tests/exercise_solutions/ here (a student's handout?): reference solution not graded");
    return;
  }
  GradeRun run = run_grader(exercise + "_solution");
  INFO(run.output);
  CHECK(run.score == 100);
  CHECK(run.output.find("FAIL") == std::string::npos);
}

}  // namespace

TEST_SUITE("A1 softmax backward") {
  TEST_CASE("A1 grader: the untouched skeleton scores 0") { check_skeleton_scores_zero("softmax_backward"); }
  TEST_CASE("A1 grader: the reference solution scores 100") { check_solution_scores_100("softmax_backward"); }
}

TEST_SUITE("A2 attention forward and backward") {
  TEST_CASE("A2 grader: the untouched skeleton scores 0") { check_skeleton_scores_zero("attention"); }
  TEST_CASE("A2 grader: the reference solution scores 100") { check_solution_scores_100("attention"); }
}

TEST_SUITE("A3 conv2d backward via col2im") {
  TEST_CASE("A3 grader: the untouched skeleton scores 0") { check_skeleton_scores_zero("conv2d_backward"); }
  TEST_CASE("A3 grader: the reference solution scores 100") { check_solution_scores_100("conv2d_backward"); }
}

TEST_SUITE("A4 batch-norm backward") {
  TEST_CASE("A4 grader: the untouched skeleton scores 0") { check_skeleton_scores_zero("batchnorm_backward"); }
  TEST_CASE("A4 grader: the reference solution scores 100") { check_solution_scores_100("batchnorm_backward"); }
}

TEST_SUITE("A5 SAGAN self-attention") {
  TEST_CASE("A5 grader: the untouched skeleton scores 0") { check_skeleton_scores_zero("self_attention"); }
  TEST_CASE("A5 grader: the reference solution scores 100") { check_solution_scores_100("self_attention"); }
}
