// The student's side of assignment F4's grader (layer_norm_backward_grader.cpp
// is the judge's).
//
// One entry, "layer_norm": layer_norm of the judge's x over its last
// norm_dims dims (with weight and bias when sent), then backward(dout), with
// the kernels the check names ("fast": core/kernels/norm.cpp; "naive": the
// textbook twin in core/reference/norm_naive.cpp). Sends dx, dweight, dbias.
// A check of the naive twin also sends the fast kernel's dx on the same
// input ("fast dx"), so the report can say which of the two is wrong.
#include "core/ag.h"
#include "core/kernels/kernel_mode.h"
#include "tutorials/exercises/graders/runner.h"

namespace {

using runner::Outputs;

ag::Tensor input(const wire::Record& in, const std::string& name) {
  const wire::Floats& f = in.floats(name);
  return ag::from_vector(f.values, f.shape, /*requires_grad=*/true);
}

void put(Outputs& out, const std::string& name, const ag::Tensor& t) {
  if (t.defined()) out.record().put_floats(name, t.shape(), t.to_vector());
}

struct Grads {
  ag::Tensor dx, dweight, dbias;
};

Grads layer_norm_backward(const wire::Record& in, ag::Kernels kernels) {
  ag::KernelsGuard guard(kernels);
  ag::Tensor x = input(in, "x");
  const int64_t norm_dims = in.integer("norm_dims");
  const ag::Shape normalized(x.shape().end() - norm_dims, x.shape().end());
  ag::Tensor weight, bias, out;
  if (in.has("weight")) {
    weight = input(in, "weight"), bias = input(in, "bias");
    out = ag::layer_norm(x, normalized, weight, bias);
  } else {
    out = ag::layer_norm(x, normalized);
  }
  const wire::Floats& dout = in.floats("dout");
  out.backward(ag::from_vector(dout.values, dout.shape));
  return {x.grad(), weight.defined() ? weight.grad() : ag::Tensor(),
          bias.defined() ? bias.grad() : ag::Tensor()};
}

}  // namespace

const std::map<std::string, runner::Entry>& runner::entries() {
  static const std::map<std::string, Entry> table = {
      {"layer_norm",
       [](const wire::Record& in, Outputs& out) {
         const bool naive = in.text("kernels") == "naive";
         if (naive) {  // the fast kernel's answer too, for the report (its failure is not this
                       // check's)
           try {
             put(out, "fast dx", layer_norm_backward(in, ag::Kernels::Fast).dx);
           } catch (...) {
           }
         }
         Grads g = layer_norm_backward(in, naive ? ag::Kernels::Naive : ag::Kernels::Fast);
         put(out, "dx", g.dx);
         put(out, "dweight", g.dweight);
         put(out, "dbias", g.dbias);
       }},
  };
  return table;
}
