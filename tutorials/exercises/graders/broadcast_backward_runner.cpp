// The student's side of assignment F2's grader (broadcast_backward_grader.cpp
// is the judge's).
//
// One entry, "op": out = a OP b for the judge's a and b (OP is "add", "mul",
// "sub" or "matmul"), then out.backward(dout), which runs sum_to
// (core/ops/elementwise.cpp) and matmul's backward (core/ops/matmul.cpp), the
// regions "ASSIGNMENT broadcast_backward/...". Sends da and db, each in the
// shape the student's code gave it.
#include "core/ag.h"
#include "tutorials/exercises/graders/runner.h"

namespace {

ag::Tensor input(const wire::Record& in, const std::string& name) {
  const wire::Floats& f = in.floats(name);
  return ag::from_vector(f.values, f.shape, /*requires_grad=*/true);
}

ag::Tensor apply(const std::string& op, const ag::Tensor& a, const ag::Tensor& b) {
  if (op == "add") return a + b;
  if (op == "mul") return a * b;
  if (op == "sub") return a - b;
  if (op == "matmul") return ag::matmul(a, b);
  throw std::runtime_error("runner: no op '" + op + "'");
}

}  // namespace

const std::map<std::string, runner::Entry>& runner::entries() {
  static const std::map<std::string, Entry> table = {
      {"op",
       [](const wire::Record& in, Outputs& out) {
         ag::Tensor a = input(in, "a"), b = input(in, "b");
         ag::Tensor result = apply(in.text("op"), a, b);
         const wire::Floats& dout = in.floats("dout");
         result.backward(ag::from_vector(dout.values, result.shape()));
         for (auto [name, t] : {std::pair{"da", a}, std::pair{"db", b}})
           if (t.grad().defined())
             out.record().put_floats(name, t.grad().shape(), t.grad().to_vector());
       }},
  };
  return table;
}
