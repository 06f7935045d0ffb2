// The student's side of assignment F5's grader (max_pool_backward_grader.cpp
// is the judge's).
//
// One entry, "max_pool": max_pool2d of the judge's x (N, C, H, W) with its
// window, stride and padding, then backward(dout), with the kernels the check
// names: "fast" (core/kernels/pool.cpp) or "naive", its textbook twin
// (core/reference/pool_naive.cpp). Sends "dx"; a check of the naive twin
// also sends the fast kernel's "fast dx", so the report can say which of the
// two is wrong.
#include "core/ag.h"
#include "core/kernels/kernel_mode.h"
#include "tutorials/exercises/graders/runner.h"

namespace {

ag::Tensor max_pool_dx(const wire::Record& in, ag::Kernels kernels) {
  ag::KernelsGuard guard(kernels);
  const wire::Floats& x = in.floats("x");
  ag::Tensor xt = ag::from_vector(x.values, x.shape, /*requires_grad=*/true);
  const ag::Pool2dOptions options = ag::Pool2dOptions(in.integer("kernel"))
                                        .stride(in.integer("stride"))
                                        .padding(in.integer("padding"));
  ag::Tensor out = ag::max_pool2d(xt, options);
  const wire::Floats& dout = in.floats("dout");
  out.backward(ag::from_vector(dout.values, out.shape()));
  return xt.grad();
}

}  // namespace

const std::map<std::string, runner::Entry>& runner::entries() {
  static const std::map<std::string, Entry> table = {
      {"max_pool",
       [](const wire::Record& in, Outputs& out) {
         auto put = [&](const std::string& name, const ag::Tensor& dx) {
           if (dx.defined()) out.record().put_floats(name, dx.shape(), dx.to_vector());
         };
         const bool naive = in.text("kernels") == "naive";
         if (naive) {  // the fast kernel's answer too, for the report (its failure is not this
                       // check's)
           try {
             put("fast dx", max_pool_dx(in, ag::Kernels::Fast));
           } catch (...) {
           }
         }
         put("dx", max_pool_dx(in, naive ? ag::Kernels::Naive : ag::Kernels::Fast));
       }},
  };
  return table;
}
