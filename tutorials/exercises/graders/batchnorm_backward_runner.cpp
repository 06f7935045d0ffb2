// The student's side of assignment A4's grader (batchnorm_backward_grader.cpp is the judge's).
//
// "backward" calls ex::batch_norm_backward on the saved x_hat and inv_std,
// gamma and dout (shape: the integers N, C, S) and sends back dx (x_hat's
// shape), dgamma and dbeta (C each).
#include "tutorials/exercises/batchnorm_backward.h"
#include "tutorials/exercises/graders/runner.h"

const std::map<std::string, runner::Entry>& runner::entries() {
  static const std::map<std::string, Entry> table = {
      {"backward",
       [](const wire::Record& in, Outputs& out) {
         const ex::BatchNormShape s{in.integer("N"), in.integer("C"), in.integer("S")};
         float* dx = out.make("dx", in.floats("x_hat").shape);
         float* dgamma = out.make("dgamma", {s.C});
         float* dbeta = out.make("dbeta", {s.C});
         ex::batch_norm_backward(
             s, in.floats("x_hat").values.data(), in.floats("inv_std").values.data(),
             in.floats("gamma").values.data(), in.floats("dout").values.data(), dx, dgamma, dbeta);
       }},
  };
  return table;
}
