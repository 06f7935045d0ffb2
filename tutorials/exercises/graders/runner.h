// tutorials/exercises/graders/runner.h: the student's side of a grader.
//
// A grader is two programs. The judge (NAME_grader.cpp + judge.h) makes each
// check's inputs, compares and scores; it never runs a line of the student's
// code. The runner (NAME_runner.cpp + runner_main.cpp + the hand-in) runs one
// check's call of the student's code, confined, and sends the outputs back:
//
//   judge --inputs (wire::Record on stdin)--> runner --outputs (on fd 3)--> judge
//
// NAME_runner.cpp lists its entries by name; a check of the judge names the
// entry that runs it. An entry reads the inputs, makes an Output for each
// buffer the student fills, and calls the student's function:
//
//   {"dx", [](const wire::Record& in, runner::Outputs& out) {
//      const int64_t rows = in.integer("rows"), cols = in.integer("cols");
//      float* dx = out.make("dx", {rows, cols});
//      ex::softmax_backward(in.floats("y").values.data(), ..., dx, rows, cols);
//    }},
//
// The runner holds no expected value and makes no comparison.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tutorials/exercises/graders/wire.h"

namespace runner {

// The buffers handed to the student's code. Each starts full of NaN, so an
// element the student never writes reaches the judge as NaN ("got nan"),
// and has a guard zone after its end: writing there is reported by the judge
// from the field "NAME.past_end" (the first guard element written, or -1).
class Outputs {
 public:
  // A buffer of numel(shape) floats, NaN-filled, guarded.
  float* make(const std::string& name, const std::vector<int64_t>& shape);
  // A value the entry computed itself (a tensor the student returned, ...).
  wire::Record& record() { return record_; }
  // The record to send: every buffer (and its past_end flag), then record().
  wire::Record finish() const;

 private:
  struct Buffer {
    std::string name;
    std::vector<int64_t> shape;
    std::vector<float> values;  // numel values, then the guard zone
  };
  std::deque<Buffer> buffers_;  // a deque: make() never moves an earlier buffer
  wire::Record record_;
};

using Entry = std::function<void(const wire::Record& inputs, Outputs& outputs)>;

// Defined by each NAME_runner.cpp: its entries, by name.
const std::map<std::string, Entry>& entries();
}  // namespace runner
