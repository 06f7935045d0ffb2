// tests/exercises/test_wrong_outputs.cpp: no check of any assignment passes an
// answer that is all zeros or all NaN.
//
// A check whose expected values are ~0 (a softmax row that is one-hot, a
// gradient that vanishes) would give its points to a hand-in that writes
// nothing useful. For every assignment, the solution's runner answers each
// check (visible and hidden) once; its outputs, every float set to 0 (then to
// NaN), are handed to the judge by the fake runner "replay"
// (fake_runner.cpp), and the judge must score them 0/100.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "tests/helpers/exercise_test_util.h"
#include "tutorials/exercises/graders/wire.h"
#include "tutorials/exercises/sandbox/sandbox.h"

namespace {

namespace fs = std::filesystem;

std::string fnv1a(const std::string& bytes) {  // as fake_runner.cpp names its files
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ull;
  char text[32];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

// The record with every float replaced by `value` (ints and texts kept: the
// guard's "past_end" stays -1, so only the values are wrong).
wire::Record every_float_set_to(const wire::Record& outputs, float value) {
  wire::Record changed;
  for (const wire::Record::Field& field : outputs.fields()) {
    if (field.kind == 'f')
      changed.put_floats(field.name, field.floats.shape,
                         std::vector<float>(field.floats.values.size(), value));
    else if (field.kind == 'i')
      changed.put_int(field.name, field.integer);
    else
      changed.put_text(field.name, field.text);
  }
  return changed;
}

struct Answers {
  std::vector<std::string> inputs;
  std::vector<wire::Record> outputs;
  std::string error;
};

// Each check's inputs (the judge's --save-inputs) and the solution runner's outputs.
Answers solution_answers(const std::string& exercise, const fs::path& scratch) {
  Answers got;
  const fs::path dir = ex_test::exercise_dir();
  const fs::path saved = scratch / exercise;
  fs::remove_all(saved);
  const ex_test::Run save =
      ex_test::run("'" + (dir / (exercise + "_judge")).string() +
                   "' --hidden --student ada --save-inputs '" + saved.string() + "' > /dev/null");
  if (save.status != 0) return {{}, {}, "--save-inputs failed: " + save.output};
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(saved)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    const std::string input = ex_test::read_file(file);
    const sandbox::Result run =
        sandbox::run({(dir / (exercise + "_runner_solution")).string()}, input, sandbox::Limits{});
    if (!run.ok) return {{}, {}, file.string() + ": the solution's runner failed: " + run.log};
    got.inputs.push_back(input);
    got.outputs.push_back(wire::Record::decode(run.output));
  }
  return got;
}

std::string last_line(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text.substr(text.rfind('\n') + 1);
}

// Each of `exercises`: its solution's answers, zeroed then NaN, score 0/100.
void check_no_pass_on_wrong_outputs(const std::vector<std::string>& exercises) {
  const fs::path dir = ex_test::exercise_dir();
  const fs::path replay = dir / "fake_runners" / "replay";
  const fs::path scratch = dir.parent_path() / "tmp" / "wrong_outputs";
  for (const std::string& exercise : exercises) {
    const Answers answers = solution_answers(exercise, scratch);
    INFO(exercise);
    REQUIRE_MESSAGE(answers.error.empty(), answers.error);
    REQUIRE(!answers.inputs.empty());
    for (float value : {0.0f, std::numeric_limits<float>::quiet_NaN()}) {
      fs::remove_all(replay);
      fs::create_directories(replay);
      for (size_t i = 0; i < answers.inputs.size(); ++i) {
        std::ofstream out(replay / (fnv1a(answers.inputs[i]) + ".out"), std::ios::binary);
        out << every_float_set_to(answers.outputs[i], value).encode();
      }
      const ex_test::Run judged =
          ex_test::run("'" + (dir / (exercise + "_judge")).string() + "' --hidden --student ada " +
                       "--runner '" + replay.string() + "'");
      INFO("every float " << value << ":\n" << judged.output);
      CHECK(judged.output.find("] pass") == std::string::npos);
      CHECK(last_line(judged.output) == "score: 0/100");
    }
  }
  fs::remove_all(replay);
}

}  // namespace

TEST_SUITE("exercises.judge") {
// One function assignment and one framework assignment (make test); every
// assignment, 12 judges run 2 times with their hidden checks, is make test-grading's.
TEST_CASE("no check of A1 or F4 passes all-zero or all-NaN outputs (hidden checks too)") {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  if (ex_test::is_handout()) return;  // no hidden checks, no solutions
  check_no_pass_on_wrong_outputs({"softmax_backward", "layer_norm_backward"});
}
TEST_CASE("no check passes all-zero or all-NaN outputs (every assignment, hidden checks too)" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  if (ex_test::is_handout()) return;
  const fs::path dir = ex_test::exercise_dir();
  std::vector<std::string> exercises;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 6 && name.ends_with("_judge") &&
        fs::exists(dir / (name.substr(0, name.size() - 6) + "_runner_solution")))
      exercises.push_back(name.substr(0, name.size() - 6));
  }
  std::sort(exercises.begin(), exercises.end());
  CHECK(exercises.size() >= 12);
  check_no_pass_on_wrong_outputs(exercises);
}
}  // TEST_SUITE("exercises.judge")
