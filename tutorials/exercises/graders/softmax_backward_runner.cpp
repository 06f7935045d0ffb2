// The student's side of assignment A1's grader (softmax_backward_grader.cpp is the judge's).
//
// One entry: "dx" calls ex::softmax_backward on the check's y and dy (rows x
// cols) and sends back dx, a NaN-filled, guarded buffer (runner.h).
#include "tutorials/exercises/graders/runner.h"
#include "tutorials/exercises/softmax_backward.h"

const std::map<std::string, runner::Entry>& runner::entries() {
  static const std::map<std::string, Entry> table = {
      {"dx",
       [](const wire::Record& in, Outputs& out) {
         const int64_t rows = in.integer("rows"), cols = in.integer("cols");
         float* dx = out.make("dx", {rows, cols});
         ex::softmax_backward(in.floats("y").values.data(), in.floats("dy").values.data(), dx, rows,
                              cols);
       }},
  };
  return table;
}
