// The student's side of assignment F3's grader
// (log_softmax_cross_entropy_grader.cpp is the judge's).
//
// "log_softmax": log_softmax of the judge's x along dim, then backward(dout);
// sends dx. "cross_entropy": cross_entropy of the judge's logits and targets
// (with ignore_index), then backward(); sends dlogits. The backwards run are
// the regions "ASSIGNMENT log_softmax_cross_entropy/..." (core/ops/loss.cpp,
// core/reference/softmax_naive.cpp).
#include "core/ag.h"
#include "tutorials/exercises/graders/runner.h"

namespace {

void put_grad(runner::Outputs& out, const std::string& name, const ag::Tensor& t) {
  if (t.grad().defined()) out.record().put_floats(name, t.grad().shape(), t.grad().to_vector());
}

}  // namespace

const std::map<std::string, runner::Entry>& runner::entries() {
  static const std::map<std::string, Entry> table = {
      {"log_softmax",
       [](const wire::Record& in, Outputs& out) {
         const wire::Floats& x_in = in.floats("x");
         ag::Tensor x = ag::from_vector(x_in.values, x_in.shape, /*requires_grad=*/true);
         const wire::Floats& dout = in.floats("dout");
         ag::log_softmax(x, in.integer("dim")).backward(ag::from_vector(dout.values, dout.shape));
         put_grad(out, "dx", x);
       }},
      {"cross_entropy",
       [](const wire::Record& in, Outputs& out) {
         const wire::Floats& l = in.floats("logits");
         const wire::Floats& t = in.floats("targets");
         ag::Tensor logits = ag::from_vector(l.values, l.shape, /*requires_grad=*/true);
         ag::Tensor loss = ag::cross_entropy(logits, ag::from_vector(t.values, t.shape),
                                             in.integer("ignore_index"));
         loss.backward();
         put_grad(out, "dlogits", logits);
       }},
  };
  return table;
}
