// The framework assignments' hand-ins (tests/exercise_handins/EX/STUDENT.patch,
// a patch per student against EX's hand-out, as a teacher collects them),
// graded the way a teacher grades them: make grade-all EX=EX
// DIR=tests/exercise_handins/EX, whose grading tool (tutorials/exercises/tools/
// grading/) lays each patch onto the hand-out, builds its runner and runs
// EX's judge (visible and hidden checks). Each test asserts the visible
// checks' score and the sentence of the report that names the mistake: a
// recursive engine, an accumulate_into that overwrites, a wrong naive twin
// beside a right fast kernel (F4, F5), a missing 1/sqrt(d), a transposed
// in-projection, an ignored mask, a memory hog. And the seven judges' hidden
// checks: the library itself scores 100 on them, and their inputs depend on
// the student's name. The suites are the assignments' own ("F1 engine", ...).
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "tests/helpers/exercise_test_util.h"

namespace {

struct Judged {
  std::string report;
  int score = -1;
};

// EX's judge on a runner (a path under build/exercises/; none for
// --save-inputs), with extra arguments.
Judged judge(const std::string& exercise, const std::string& runner,
             const std::string& arguments = "") {
  Judged j;
  const std::string dir = ex_test::exercise_dir().string();
  const std::string with_runner = runner.empty() ? "" : " --runner '" + dir + "/" + runner + "'";
  const ex_test::Run run =
      ex_test::run("'" + dir + "/" + exercise + "_judge'" + with_runner + " " + arguments);
  j.report = run.output;
  j.score = ex_test::score_of(run.output);
  return j;
}

// EX's hand-ins graded once per test binary run (each assignment's cases
// read its folder's reports): make grade-all's output, then the report of
// STUDENT.patch, which grade-all writes as OUT/STUDENT.txt.
Judged handin(const std::string& exercise, const std::string& student) {
  static std::map<std::string, ex_test::Run> graded;
  const std::filesystem::path out = ex_test::exercise_dir() / "handins" / exercise;
  if (!graded.count(exercise)) {
    std::filesystem::remove_all(out);
    graded[exercise] = ex_test::make("grade-all EX=" + exercise + " DIR=tests/exercise_handins/" +
                                     exercise + " OUT=" + out.string());
  }
  const ex_test::Run& run = graded[exercise];
  INFO("make grade-all said:\n" << run.output);
  CHECK(run.status == 0);
  Judged j;
  j.report = ex_test::read_file(out / (student + ".txt"));
  j.score = ex_test::score_of(j.report);
  return j;
}

// Grading an assignment's hand-ins first builds its hand-out and cut library
// (make grade-all's prerequisites): tens of seconds each. make test grades
// one assignment's hand-ins, F6's (its hand-out builds in about a second),
// and runs one judge's hidden checks, F4's; the others are skipped here and
// run by make test-grading (and make test-framework-handins, the hand-ins only).

// The visible (or hidden) checks' score, from the report's line "visible
// checks: N/100, hidden checks: M/100" (grade-all runs both; the score is
// their mean), or -1.
int visible_score(const std::string& report) {
  const size_t at = report.rfind("visible checks: ");
  int score = -1;
  if (at != std::string::npos) std::sscanf(report.c_str() + at, "visible checks: %d/100", &score);
  return score;
}
int hidden_score(const std::string& report) {
  const size_t at = report.rfind("hidden checks: ");
  int score = -1;
  if (at != std::string::npos) std::sscanf(report.c_str() + at, "hidden checks: %d/100", &score);
  return score;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The library itself (the solution) with the hidden checks of a student:
// 100 (the skeleton's 0 on the visible checks is test_exercises.cpp's). And
// the hidden checks are the student's own: two names, two sets of inputs.
void check_hidden(const std::string& exercise) {
  if (ex_test::is_handout()) return;  // no hidden checks in a student's copy
  const Judged solution = judge(exercise, exercise + "_runner_solution", "--hidden --student ada");
  INFO(solution.report);
  CHECK(solution.score == 100);
  CHECK(has(solution.report, "hidden checks: 100/100"));
  CHECK_FALSE(has(solution.report, "FAIL"));
  const std::filesystem::path inputs = ex_test::exercise_dir() / "hidden-inputs" / exercise;
  std::filesystem::remove_all(inputs);
  for (const char* student : {"ada", "bob"})
    judge(exercise, "",
          "--hidden --student " + std::string(student) + " --save-inputs '" +
              (inputs / student).string() + "'");
  int same = 0, different = 0;
  for (const auto& entry : std::filesystem::directory_iterator(inputs / "ada")) {
    const std::string ada = ex_test::read_file(entry.path()),
                      bob = ex_test::read_file(inputs / "bob" / entry.path().filename());
    (ada == bob ? same : different) += 1;
  }
  CHECK(different > 0);  // the hidden checks' inputs ...
  CHECK(same > 0);       // ... and not the visible ones'
  std::filesystem::remove_all(inputs);
}

}  // namespace

TEST_SUITE("F1 engine") {
TEST_CASE("F1 hand-in: a recursive count_dependencies loses the chain's points, named" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  if (ex_test::is_handout()) return;
  const Judged j = handin("engine", "recursive");
  INFO(j.report);
  CHECK(visible_score(j.report) == 85);
  CHECK(has(j.report,
            "your count_dependencies (or run_ready_queue) recursed: a chain of 100,000 "
            "ops used "));
  CHECK(has(j.report, "Use an explicit stack (a std::vector<Node*>) instead of recursion"));
  // The suite's own engine tests recurse as deep, and the stack runs out before
  // their count: the report says how (ASan reports the overflow and exits).
  CHECK(has(j.report, ex_test::build_mode() == "asan"
                          ? "suite core.autograd: stopped before its count"
                          : "suite core.autograd: crashed (Segmentation fault"));
}
TEST_CASE("F1 hand-in: an accumulate_into that overwrites is named, not 'times 0.5'" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  if (ex_test::is_handout()) return;
  const Judged j = handin("engine", "overwrite");
  INFO(j.report);
  CHECK(visible_score(j.report) == 30);
  CHECK(has(j.report,
            "dx of sum(x * x): got [1, -2, 3], the sum of only 1 of the 2 gradients "
            "that reach it: a later contribution overwrote an earlier one. "
            "accumulate_into must add the new gradient to the pending one"));
  CHECK(has(j.report, "the sum of only 2 of the 4 gradients"));  // backward twice, retained
  CHECK_FALSE(has(j.report, "a missing or extra factor?"));
  // The suite's own engine tests ran to their count, and some failed.
  CHECK(has(j.report, "suite core.autograd: "));
  CHECK_FALSE(has(j.report, "suite core.autograd: crashed"));
  CHECK_FALSE(has(j.report, " passed, 0 failed"));
}
TEST_CASE("F1 judge: hidden checks: the library scores 100, inputs seeded per student" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  check_hidden("engine");
}
}  // TEST_SUITE("F1 engine")

TEST_SUITE("F2 broadcasting backward") {
TEST_CASE("F2 judge: hidden checks: the library scores 100, inputs seeded per student" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  check_hidden("broadcast_backward");
}
}  // TEST_SUITE("F2 broadcasting backward")

TEST_SUITE("F3 log-softmax and cross-entropy backward") {
TEST_CASE("F3 judge: hidden checks: the library scores 100, inputs seeded per student" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  check_hidden("log_softmax_cross_entropy");
}
}  // TEST_SUITE("F3 log-softmax and cross-entropy backward")

TEST_SUITE("F4 layer-norm backward") {
TEST_CASE("F4 hand-in: a wrong naive twin costs only the twin's points, and is named" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  if (ex_test::is_handout()) return;
  const Judged j = handin("layer_norm_backward", "naive_wrong");
  INFO(j.report);
  CHECK(visible_score(j.report) == 52);  // every fast-kernel check: 10 + 8 + 8 + 5 + 8 + 8 + 5
  CHECK_FALSE(has(j.report, "FAIL  fast kernel"));
  CHECK(has(j.report, "FAIL  naive twin:  x [4, 6] over [6]"));
  CHECK(has(j.report, "dx (the naive twin, core/reference/norm_naive.cpp) [4, 6]"));
  CHECK(has(j.report,
            "the fast kernel (core/kernels/norm.cpp) gives the right dx on this "
            "input: only the naive twin is wrong"));
}
TEST_CASE("F4 judge: hidden checks: the library scores 100, inputs seeded per student") {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  check_hidden("layer_norm_backward");
}
}  // TEST_SUITE("F4 layer-norm backward")

TEST_SUITE("F5 max-pool backward") {
TEST_CASE("F5 hand-in: a naive twin that keeps the last tie costs only its tie check, named" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  if (ex_test::is_handout()) return;
  const Judged j = handin("max_pool_backward", "last_tie_naive");
  INFO(j.report);
  CHECK(visible_score(j.report) == 90);  // all but the naive twin's half of the ties check
  CHECK(has(j.report, "FAIL  naive twin:  2x2 windows on a 4x4 map of equal values"));
  // The hidden checks tie too, on inputs of the student's own: 12 of the tie case's 25 points.
  CHECK(hidden_score(j.report) == 88);
  CHECK_FALSE(has(j.report, "FAIL  fast kernel"));
  CHECK(has(j.report,
            "the fast kernel (core/kernels/pool.cpp) gives the right dx on this input: "
            "only the naive twin (core/reference/pool_naive.cpp) is wrong"));
}
TEST_CASE("F5 judge: hidden checks: the library scores 100, inputs seeded per student" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  check_hidden("max_pool_backward");
}
}  // TEST_SUITE("F5 max-pool backward")

TEST_SUITE("F6 Adam and AdamW step") {
TEST_CASE("F6 hand-in: a memory hog is stopped and named by the sandbox's words") {
  if (ex_test::build_mode() == "asan") {  // (mk/tools.mk)
    MESSAGE(
        "skipped under ASan: every sanitized hand-in object carries ASan's prioritised "
        "module constructor, which the grading tool refuses as forbidden code");
    return;
  }
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  if (ex_test::is_handout()) return;
  const Judged j = handin("adam", "memory_hog");
  INFO(j.report);
  CHECK(visible_score(j.report) == 0);
  CHECK(j.score == 0);  // every check, hidden ones too, calls the step that never returns
  CHECK(has(j.report, "your code used more than 2 GiB"));
  CHECK_FALSE(has(j.report, "endless loop"));
}
TEST_CASE("F6 judge: hidden checks: the library scores 100, inputs seeded per student" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  check_hidden("adam");
}
}  // TEST_SUITE("F6 Adam and AdamW step")

TEST_SUITE("F7 multi-head attention") {
TEST_CASE("F7 hand-in: a missing 1/sqrt(d) is named" * doctest::skip()) {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  if (ex_test::is_handout()) return;
  const Judged j = handin("multihead_attention", "missing_scale");
  INFO(j.report);
  CHECK(visible_score(j.report) == 0);
  CHECK(has(j.report,
            "output [2, 3, 8]: equals multi-head attention without the 1/sqrt(d) "
            "scale (d = E / H = 4)"));
}
TEST_CASE("F7 hand-in: a transposed in-projection weight is named" * doctest::skip()) {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  if (ex_test::is_handout()) return;
  const Judged j = handin("multihead_attention", "transposed_in_proj");
  INFO(j.report);
  CHECK(visible_score(j.report) == 0);
  CHECK(has(j.report,
            "output [2, 3, 8]: equals multi-head attention with each in-projection "
            "weight transposed"));
}
TEST_CASE("F7 hand-in: an ignored causal mask loses the masked checks only, named" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  if (ex_test::is_handout()) return;
  const Judged j = handin("multihead_attention", "ignored_mask");
  INFO(j.report);
  CHECK(visible_score(j.report) == 70);
  CHECK(has(j.report,
            "output [2, 4, 8]: equals multi-head attention without attn_mask: the "
            "causal mask (-inf above the diagonal) was ignored"));
}
TEST_CASE("F7 judge: hidden checks: the library scores 100, inputs seeded per student" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  check_hidden("multihead_attention");
}
}  // TEST_SUITE("F7 multi-head attention")
