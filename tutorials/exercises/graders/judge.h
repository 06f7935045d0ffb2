// tutorials/exercises/graders/judge.h: the teacher's side of a grader.
//
// A grader is two programs (runner.h draws them). The judge, NAME_judge, is
// the teacher's: it makes each check's inputs, starts the runner (the
// student's code, confined: tutorials/exercises/sandbox/) once per check with
// those inputs on its stdin, reads the outputs back, and compares, diagnoses
// and scores in its own process. It never links or runs the student's code,
// so nothing the student's code does can change a verdict or the score line.
//
// A check is a name, its points, its inputs (the runner entry they go to is
// the field "entry"), and a judge function: the expected values, computed
// here without the answer, and the comparison. Both halves of a check sit
// side by side: NAME_grader.cpp (this side), NAME_runner.cpp (the call).
//
//   NAME_judge --runner PATH [--student NAME] [--hidden] [--visible-only]
//              [--result FILE] [--save-inputs DIR]
//
//   --runner PATH      the runner program to grade (a hand-in linked with NAME_runner.cpp)
//   --student NAME     the name on the report, and the seed of the hidden checks
//   --hidden           also run the hidden checks (the teacher's checkout only:
//                      tests/exercise_hidden/, never in a hand-out)
//   --visible-only     only the visible checks (wins over --hidden)
//   --result FILE      also write a machine-readable result (judge.cpp says the format)
//   --save-inputs DIR  write each check's inputs to DIR/NN-entry.in and stop, for
//                      `gdb --args NAME_runner DIR/NN-entry.in` (README.md)
//
// The report ends with "score: N/100", the judge's own count: the visible
// checks are worth 100; with the hidden ones (also 100) the score is the mean.
// Each runner gets 5 s of wall clock and CPU (AG_GRADE_TIMEOUT=<seconds>
// changes both), 2 GiB; AG_GRADE_JOBS=<n> runners run at once (default 2).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tutorials/exercises/graders/grader.h"
#include "tutorials/exercises/graders/wire.h"

namespace judge {

using Wrong = grade::Wrong;

struct Check {
  std::string name;  // what is checked, with the input shape: "dx for y [5, 13]"
  int points = 0;
  wire::Record inputs;  // made by the judge; inputs.text("entry") names the runner's entry
  // Returns on success; throws Wrong (or wire::Malformed) with the reason.
  std::function<void(const wire::Record& inputs, const wire::Record& outputs)> judge;
};

// A record of inputs for the runner's entry `entry`.
wire::Record call(const std::string& entry);

// A buffer the student's code filled, as the runner sent it back: checked for
// a write past its end (the runner's guard zone), then compared.
//   judge::Got dx(outputs, "dx", {rows, cols});
//   dx.expect_close(expected_dx, 1e-5, 1e-3, diagnosis);
class Got {
 public:
  // Throws Wrong when the student's code wrote past the end of the buffer, and
  // wire::Malformed when the runner's output lacks it or has another shape.
  // `label` is what the report calls it (default: its name).
  Got(const wire::Record& outputs, const std::string& name, const ag::Shape& shape,
      const std::string& label = "");
  const float* data() const { return values_.data(); }
  const std::vector<float>& values() const { return values_; }
  const ag::Shape& shape() const { return shape_; }
  void expect_close(const std::vector<float>& expected, double atol = 1e-4, double rtol = 1e-3,
                    const grade::Diagnosis& diagnosis = {}) const;
  // Every element written with a finite value (for checks of a property of the values).
  void expect_written() const;

 private:
  std::string name_;
  ag::Shape shape_;
  std::vector<float> values_;
};

// A tensor the runner recorded (from a student function that returns
// ag::Tensor; runner side: put_tensor in NAME_runner.cpp): Wrong when the
// student's function returned an undefined tensor.
ag::Tensor got_tensor(const wire::Record& outputs, const std::string& name);

struct Assignment {
  std::string title;          // "Assignment A1: softmax backward"
  std::string student_file;   // the report's "student file:" when --student is not given
  std::vector<Check> checks;  // the visible checks, worth 100 together
  // The hidden checks (worth 100 together) of this student, their inputs
  // seeded from the name (student_seed); unset where tests/exercise_hidden/
  // is absent (a hand-out).
  std::function<std::vector<Check>(const std::string& student)> hidden;
};

// A 64-bit seed from the assignment's name, the student's and a salt that
// only the hidden checks' file knows (so a student cannot work it out).
uint64_t student_seed(const std::string& assignment, const std::string& student,
                      const std::string& salt);

// The judge's main: parses the command line above, runs the checks, prints the report.
int main(int argc, char** argv, const Assignment& assignment);

}  // namespace judge
