// tests/helpers/op_modes_util.h: run one autograd computation under both kernel modes
// (core/kernels/kernel_mode.h) and require the outputs and all gradients to agree.
// Used by test_conv, test_norm and test_pool.
#pragma once

#include <functional>
#include <vector>

#include "core/kernels/kernel_mode.h"
#include "tests/helpers/test_util.h"

namespace ag_test {

inline void check_modes_agree(const std::function<ag::Tensor(const std::vector<ag::Tensor>&)>& fn,
                              const std::vector<ag::Tensor>& inputs, double tol = 1e-4) {
  std::vector<ag::Tensor> outputs, grads[2];
  for (int mode = 0; mode < 2; ++mode) {
    ag::KernelsGuard guard(mode == 0 ? ag::Kernels::Fast : ag::Kernels::Naive);
    std::vector<ag::Tensor> leaves;  // fresh copies: each mode collects its own .grad()
    for (const ag::Tensor& in : inputs)
      leaves.push_back(
          in.defined() ? ag::from_vector(in.to_vector(), in.shape(), in.requires_grad()) : in);
    ag::Tensor out = fn(leaves);
    ag::Generator dout_gen(99);  // the same dout in both modes
    std::vector<float> dout(out.numel());
    for (float& d : dout) d = dout_gen.uniform() * 2.0f - 1.0f;
    out.backward(ag::from_vector(dout, out.shape()));
    outputs.push_back(out.detach());
    for (const ag::Tensor& leaf : leaves)
      grads[mode].push_back(leaf.defined() && leaf.requires_grad() ? leaf.grad() : ag::Tensor());
  }
  INFO("fast (first) against naive (second)");
  check_close(outputs[0], outputs[1], tol);
  for (size_t k = 0; k < inputs.size(); ++k) {
    INFO("gradient of input " << k);
    REQUIRE(grads[0][k].defined() == grads[1][k].defined());
    if (grads[0][k].defined()) check_close(grads[0][k], grads[1][k], tol);
  }
}

}  // namespace ag_test
