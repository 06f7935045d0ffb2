// The hand-ins of tests/exercise_handins/, graded as a teacher grades a class:
// make grade-all EX=NAME DIR=tests/exercise_handins/NAME, one process per
// hand-in. Each test asserts the score and the sentence of the report that
// explains it: the cheats are refused by the allow-list (integrity), the
// common bugs get a message that points at the bug (feedback), a loop and a
// compile error cost only their own hand-in (a class of sixty). And the
// teachers' workflow of tutorials/exercises/README.md runs as written.
// The suites are the assignments' own ("A1 softmax backward", ...).
//
// Every case here compiles and grades whole folders of hand-ins (a minute on
// 2 cores, most of it building each assignment's grading pipeline), so all
// are skipped by `make test` and run by `make test-grading`. make test keeps
// one hand-in per reason through the same pipeline (test_grade_class.cpp).
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/helpers/exercise_test_util.h"

namespace {

struct Graded {
  ex_test::Run run;                           // make grade-all's own output
  std::map<std::string, std::string> report;  // hand-in name -> its report
  std::map<std::string, std::string> row;     // hand-in name -> its grades.csv line
};

// The teachers' workflow of tutorials/exercises/README.md: every command of
// its block that works in /tmp/class, in order, with /tmp/class moved under
// build/ (one place per build mode, so two test runs do not share it). Its
// grade-all of the A4 hand-ins is the one the A4 tests below read.
struct Workflow {
  std::string place;  // what /tmp/class became
  std::vector<std::string> commands;
  std::vector<ex_test::Run> steps;  // one per command
  std::string output;               // all of them
};

const Workflow& readme_workflow() {
  static Workflow w = [] {
    Workflow made;
    const std::string readme =
        ex_test::read_file(ex_test::repo_root() / "tutorials/exercises/README.md");
    std::istringstream lines(readme);
    for (std::string line; std::getline(lines, line);)
      if (line.find("/tmp/class") != std::string::npos && line.find('`') == std::string::npos)
        made.commands.push_back(line);
    made.place = (ex_test::exercise_dir() / "readme-class").string();
    std::filesystem::remove_all(made.place);
    for (std::string command : made.commands) {
      for (size_t at; (at = command.find("/tmp/class")) != std::string::npos;)
        command.replace(at, 10, made.place);
      const bool is_make = command.rfind("make ", 0) == 0;
      made.steps.push_back(is_make ? ex_test::make(command.substr(5)) : ex_test::run(command));
      made.output += "$ " + command + "\n" + made.steps.back().output;
    }
    return made;
  }();
  return w;
}

// Grades the whole folder once per test binary run (several test cases read it).
const Graded& graded(const std::string& exercise) {
  static std::map<std::string, Graded> cache;
  auto found = cache.find(exercise);
  if (found != cache.end()) return found->second;
  Graded& g = cache[exercise];
  std::filesystem::path out = ex_test::exercise_dir() / "graded" / exercise;
  if (exercise == "batchnorm_backward") {  // the README's workflow grades this folder
    const Workflow& w = readme_workflow();
    g.run.output = w.output;
    g.run.status = 0;
    for (const ex_test::Run& step : w.steps) g.run.status |= step.status;
    out = std::filesystem::path(w.place) / "grades";
  } else {
    std::filesystem::remove_all(out);
    g.run = ex_test::make("grade-all EX=" + exercise + " DIR=tests/exercise_handins/" + exercise +
                          " OUT=" + out.string());
  }
  for (const auto& entry : std::filesystem::directory_iterator(ex_test::repo_root() /
                                                               "tests/exercise_handins" / exercise))
    if (entry.path().extension() == ".cpp") {
      const std::string name = entry.path().stem().string();
      g.report[name] = ex_test::read_file(out / (name + ".txt"));
    }
  std::istringstream csv(ex_test::read_file(out / "grades.csv"));
  for (std::string line; std::getline(csv, line);)
    for (const auto& [name, report] : g.report)
      if (line.find("/" + name + ".cpp,") != std::string::npos) g.row[name] = line;
  return g;
}

// The hand-in's score, as its report and grades.csv both give it (-1 in a
// student's copy, which has no hand-ins: the test then says so and stops).
int score(const std::string& exercise, const std::string& handin) {
  const Graded& g = graded(exercise);
  INFO("make grade-all said:\n" << g.run.output);
  const std::string& report = g.report.at(handin);
  const int from_report = ex_test::score_of(report);
  const std::string& row = g.row.at(handin);
  std::ostringstream cell;  // (a stream: g++ 12 -O3 warns falsely on "," + to_string(...))
  cell << ',' << from_report << ',';
  CHECK_MESSAGE(row.find(cell.str()) != std::string::npos,
                "grades.csv line '" << row << "' does not hold the report's score " << from_report);
  return from_report;
}

void expect_report_has(const std::string& exercise, const std::string& handin,
                       const std::string& text) {
  const std::string& report = graded(exercise).report.at(handin);
  INFO(handin << ".cpp's report:\n" << report);
  CHECK(report.find(text) != std::string::npos);
}

// In a student's copy there are no hand-ins to grade.
#define SKIP_IN_HANDOUT()                                                            \
  if (ex_test::is_handout()) {                                                       \
    MESSAGE("a student's copy (make handout): no tests/exercise_handins/ to grade"); \
    return;                                                                          \
  }

}  // namespace

TEST_SUITE("A1 softmax backward") {
TEST_CASE("A1 hand-ins: grade-all writes grades.csv with a header and one line per hand-in" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  SKIP_IN_HANDOUT();
  const Graded& g = graded("softmax_backward");
  INFO(g.run.output);
  CHECK(g.run.status == 0);
  const std::string csv =
      ex_test::read_file(ex_test::exercise_dir() / "graded/softmax_backward/grades.csv");
  // (mk/grading.mk: a column per check, then the reason; timings.csv has the seconds)
  CHECK(csv.rfind("file,score,", 0) == 0);
  CHECK(csv.find(",reason\n") != std::string::npos);
  CHECK(g.row.size() == 6);
  CHECK(g.run.output.find("graded 6 hand-ins of softmax_backward") != std::string::npos);
}
TEST_CASE("A1 hand-ins: softmax(log y) + backward() is refused by the allow-list" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  SKIP_IN_HANDOUT();
  CHECK(score("softmax_backward", "cheat_autograd") == 0);
  expect_report_has("softmax_backward", "cheat_autograd",
                    "softmax_backward: your code calls ag::Tensor::backward, which this assignment "
                    "asks you to write");
  CHECK(graded("softmax_backward").row.at("cheat_autograd").find("ag::Tensor::backward") !=
        std::string::npos);
}
TEST_CASE(
    "A1 hand-ins: an off-by-one per-row sum is told that rows of dx must sum to 0, and where the "
    "error is" *
    doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  SKIP_IN_HANDOUT();
  // The score is the mean of the visible checks and the hidden ones (grade-all runs both):
  // 0 and 0 (the peaked rows' checks have two peaks per row: their dx is not ~0).
  CHECK(score("softmax_backward", "off_by_one") == 0);
  expect_report_has("softmax_backward", "off_by_one",
                    "invariant broken: the entries of each row of dx sum to 0");
  expect_report_has("softmax_backward", "off_by_one", "hint: in each row, got - expected = c * y");
  expect_report_has("softmax_backward", "off_by_one",
                    "Does its loop visit every index i, from 0 to cols - 1?");
}
TEST_CASE("A1 hand-ins: dx = dy * (y - s), y and dy swapped, is named as the swap" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  SKIP_IN_HANDOUT();
  CHECK(score("softmax_backward", "swapped_factors") == 0);
  expect_report_has("softmax_backward", "swapped_factors",
                    "invariant broken: the entries of each row of dx sum to 0");
  expect_report_has("softmax_backward", "swapped_factors",
                    "hint: your dx_j is dy_j * (y_j - s), with s the per-row sum: y and dy have "
                    "swapped places");
}
TEST_CASE("A1 hand-ins: a loop that never ends is stopped after 5 s; the other checks are graded" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  SKIP_IN_HANDOUT();
  CHECK(score("softmax_backward", "narrow_index") == 85);  // visible 90, hidden 80: their mean
  expect_report_has("softmax_backward", "narrow_index",
                    "your code was stopped after 5 s (an endless loop?)");
}
TEST_CASE("A1 hand-ins: a file that does not compile scores 0 with the compiler's message" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  SKIP_IN_HANDOUT();
  CHECK(score("softmax_backward", "does_not_compile") == 0);
  expect_report_has("softmax_backward", "does_not_compile", "your file does not compile");
  expect_report_has("softmax_backward", "does_not_compile", "error: expected");
}
TEST_CASE("A1 hand-ins: the reference solution, handed in, scores 100" * doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  SKIP_IN_HANDOUT();
  CHECK(score("softmax_backward", "reference") == 100);
}
}  // TEST_SUITE("A1 softmax backward")

TEST_SUITE("A2 attention forward and backward") {
TEST_CASE("A2 hand-ins: a missing 1/sqrt(D) in the backward is named as a factor sqrt(D)" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  SKIP_IN_HANDOUT();
  CHECK(score("attention", "missing_scale") == 47);  // the forward and dV are right (visible 50)
  expect_report_has("attention", "missing_scale",
                    "every element is the expected value times 2.82843 = sqrt(8)");
  expect_report_has("attention", "missing_scale", "times 1.73205 = sqrt(3)");
}
TEST_CASE("A2 hand-ins: transposed weights in dV are recognised" * doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  SKIP_IN_HANDOUT();
  CHECK(score("attention", "transposed_weights") < 100);
  expect_report_has("attention", "transposed_weights",
                    "hint: your dV is weights · dout: it needs the transpose of weights");
}
}  // TEST_SUITE("A2 attention forward and backward")

TEST_SUITE("A4 batch-norm backward") {
TEST_CASE("the teachers' README workflow runs: hand out, collect, grade all, read the reports" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  SKIP_IN_HANDOUT();
  const Workflow& w = readme_workflow();
  REQUIRE(w.commands.size() == 7);
  for (size_t i = 0; i < w.commands.size(); ++i) {
    INFO(w.commands[i] << "\n" << w.steps[i].output);
    CHECK(w.steps[i].status == 0);
  }
  CHECK(std::filesystem::exists(w.place + "/handout/tutorials/exercises/HANDOUT"));
  CHECK(!std::filesystem::exists(w.place + "/handout/tests/exercise_solutions"));
  INFO(w.output);
  CHECK(w.output.find(",hidden checks,reason\n") != std::string::npos);
  CHECK(w.output.find("cheat_batch_norm.cpp,0,") != std::string::npos);
  CHECK(w.output.find("# batchnorm_backward: ") != std::string::npos);  // summary.md
  CHECK(w.output.find("reference.cpp,100,") != std::string::npos);
  CHECK(w.output.find("hint: dx is off by a constant in each channel: the path through the mean") !=
        std::string::npos);
  // The report the README prints is the one the workflow wrote, line for line.
  const std::string readme =
      ex_test::read_file(ex_test::repo_root() / "tutorials/exercises/README.md");
  const size_t sample = readme.find("A report of the dropped-mean-term hand-in above:");
  REQUIRE(sample != std::string::npos);
  const size_t open = readme.find("```\n", sample) + 4, close = readme.find("```", open);
  std::istringstream lines(readme.substr(open, close - open));
  int compared = 0;
  for (std::string line; std::getline(lines, line); ++compared)
    CHECK_MESSAGE(w.output.find(line) != std::string::npos,
                  "the README's sample report line is not in the report: " << line);
  CHECK(compared >= 5);
  // And the excerpt the top-level README shows (its "..." lines stand for the rest).
  const std::string top = ex_test::read_file(ex_test::repo_root() / "README.md");
  const size_t section = top.find("## For teachers: assignments and grading");
  REQUIRE(section != std::string::npos);
  const size_t top_open = top.find("```\n", section) + 4, top_close = top.find("```", top_open);
  std::istringstream excerpt(top.substr(top_open, top_close - top_open));
  for (std::string line; std::getline(excerpt, line);)
    if (line.find("...") == std::string::npos)
      CHECK_MESSAGE(w.output.find(line) != std::string::npos,
                    "README.md's sample line is not in the report: " << line);
}
TEST_CASE("A4 hand-ins: calling ag::batch_norm is refused by the allow-list" * doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  SKIP_IN_HANDOUT();
  CHECK(score("batchnorm_backward", "cheat_batch_norm") == 0);
  expect_report_has("batchnorm_backward", "cheat_batch_norm",
                    "batchnorm_backward: your code calls ag::batch_norm, which this assignment "
                    "asks you to write");
}
TEST_CASE("A4 hand-ins: a dropped mean term: sum(dx) != 0 per channel, and the mean is named" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  SKIP_IN_HANDOUT();
  CHECK(score("batchnorm_backward", "dropped_mean_term") == 10);  // dgamma, dbeta: visible 20
  expect_report_has("batchnorm_backward", "dropped_mean_term",
                    "invariant broken: sum of dx over channel 0 is 0");
  expect_report_has("batchnorm_backward", "dropped_mean_term",
                    "hint: dx is off by a constant in each channel: the path through the mean");
  expect_report_has("batchnorm_backward", "dropped_mean_term",
                    "got - expected is one constant per column");
}
TEST_CASE("A4 hand-ins: the variance divided by M - 1: the biased variance is named" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  SKIP_IN_HANDOUT();
  CHECK(score("batchnorm_backward", "unbiased_variance") == 10);  // dgamma, dbeta: visible 20
  expect_report_has("batchnorm_backward", "unbiased_variance",
                    "invariant broken: sum of dx * x_hat over channel 0 is 0");
  expect_report_has("batchnorm_backward", "unbiased_variance",
                    "hint: your dx is what dividing by M - 1 gives (M = N*S values per channel: "
                    "the unbiased variance). Batch norm normalizes with the biased variance");
}
TEST_CASE("A4 hand-ins: the reference solution, handed in, scores 100" * doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  SKIP_IN_HANDOUT();
  CHECK(score("batchnorm_backward", "reference") == 100);
}
}  // TEST_SUITE("A4 batch-norm backward")

TEST_SUITE("A5 SAGAN self-attention") {
TEST_CASE("A5 hand-ins: the student's parameters swapped into nn::SelfAttention are refused" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  SKIP_IN_HANDOUT();
  CHECK(score("self_attention", "cheat_module") == 0);
  expect_report_has("self_attention", "cheat_module",
                    "self_attention: your code calls ag::nn::SelfAttention::SelfAttention, which "
                    "this assignment asks you to write");
}
}  // TEST_SUITE("A5 SAGAN self-attention")

TEST_SUITE("A3 conv2d backward via col2im") {
TEST_CASE("A3 and the others: every reference solution keeps to its assignment's allow-list" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  SKIP_IN_HANDOUT();
  for (const char* exercise : {"softmax_backward", "attention", "conv2d_backward",
                               "batchnorm_backward", "self_attention"}) {
    const std::filesystem::path object = ex_test::exercise_dir().parent_path() /
                                         "obj/tests/exercise_solutions" /
                                         (std::string(exercise) + ".o");
    if (!std::filesystem::exists(object)) continue;  // a hand-out: no solutions
    ex_test::Run check = ex_test::run("tutorials/exercises/tools/check_calls.sh " +
                                      std::string(exercise) + " '" + object.string() + "'");
    INFO(exercise << ": " << check.output);
    CHECK(check.status == 0);
    CHECK(check.output.empty());
  }
}
}  // TEST_SUITE("A3 conv2d backward via col2im")
