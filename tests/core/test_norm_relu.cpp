// tests/core/test_norm_relu.cpp: batch_norm_relu, the fused op, against its
// unfused twin (batch_norm, then add, then relu) over random shapes: values,
// every gradient and the running statistics, training and eval, with and
// without affine and residual, 1 and 2 threads; gradcheck; fast == naive;
// shape errors.
#include <cmath>
#include <vector>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/norm.h"
#include "core/ops/unary.h"
#include "tests/helpers/kernel_test_util.h"
#include "tests/helpers/op_modes_util.h"

using namespace ag;

namespace {

using Inputs = std::vector<Tensor>;

struct Setting {
  bool training, affine, with_residual;
};

Tensor fresh_leaf(const Tensor& t) {
  return t.defined() ? t.detach().clone().requires_grad_() : Tensor();
}

// The fused op and the three unfused ops on copies of the same inputs: the
// outputs, the gradients of all four inputs and the running statistics equal.
void check_fused_equals_unfused(const Shape& shape, const Setting& k) {
  const int64_t C = shape[1];
  const Tensor x = randn(shape), residual = k.with_residual ? randn(shape) : Tensor();
  const Tensor weight = k.affine ? add(randn({C}), 1.0f) : Tensor();
  const Tensor bias = k.affine ? randn({C}) : Tensor();
  const Tensor mean0 = randn({C}), var0 = add(rand({C}), 0.5f), dout = randn(shape);

  Tensor out[2], grads[2][4], running_mean[2], running_var[2];
  for (int fused = 0; fused < 2; ++fused) {
    Inputs in = {fresh_leaf(x), fresh_leaf(weight), fresh_leaf(bias), fresh_leaf(residual)};
    running_mean[fused] = mean0.clone();
    running_var[fused] = var0.clone();
    if (fused) {
      out[fused] = batch_norm_relu(in[0], running_mean[fused], running_var[fused], in[1], in[2],
                                   k.training, 0.1f, 1e-5f, in[3]);
    } else {
      Tensor normalized = batch_norm(in[0], running_mean[fused], running_var[fused], in[1], in[2],
                                     k.training, 0.1f, 1e-5f);
      if (k.with_residual) normalized = add(normalized, in[3]);
      out[fused] = relu(normalized);
    }
    out[fused].backward(dout);
    for (int i = 0; i < 4; ++i) grads[fused][i] = in[i].defined() ? in[i].grad() : Tensor();
  }
  ag_test::check_close(out[1], out[0], 1e-6);
  const char* names[] = {"x", "weight", "bias", "residual"};
  for (int i = 0; i < 4; ++i) {
    CAPTURE(names[i]);
    REQUIRE(grads[1][i].defined() == grads[0][i].defined());
    if (grads[0][i].defined()) ag_test::check_close(grads[1][i], grads[0][i], 1e-5);
  }
  // The same statistics and the same update arithmetic: bit-identical.
  CHECK(running_mean[1].to_vector() == running_mean[0].to_vector());
  CHECK(running_var[1].to_vector() == running_var[0].to_vector());
}

}  // namespace

TEST_SUITE("core.norm_relu") {

TEST_CASE("batch_norm_relu equals batch_norm, add, relu: random shapes, 1 and 2 threads") {
  manual_seed(21);
  const Shape shapes[] = {{5, 3}, {2, 3, 4, 5}, {3, 4, 7, 9}, {4, 2, 8, 8}, {2, 5, 1, 13}};
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    for (int threads : {1, 2}) {
      if (mode == Kernels::Naive && threads == 2) continue;  // the naive loops run on one thread
      ag_test::ThreadCount scope(threads);
      for (const Shape& shape : shapes)
        for (bool training : {true, false})
          for (bool affine : {true, false})
            for (bool with_residual : {false, true}) {
              CAPTURE(kernels_name(mode));
              CAPTURE(threads);
              CAPTURE(shape_str(shape));
              CAPTURE(training);
              CAPTURE(affine);
              CAPTURE(with_residual);
              check_fused_equals_unfused(shape, {training, affine, with_residual});
            }
    }
  }
}

TEST_CASE("batch_norm_relu by hand: one channel of 0, 2, 4") {
  // mean 2, biased var 8/3: xhat = (-r, 0, r) with r = 1/sqrt(8/3) * 2; weight 1,
  // bias 0, residual (0, 1, -5): relu(-r, 1, r - 5) = (0, 1, 0). Running
  // stats as batch_norm's test: mean 0.2, unbiased var 4 -> 0.9 + 0.4 = 1.3.
  Tensor x = from_vector({0, 2, 4}, {3, 1}, true);
  Tensor residual = from_vector({0, 1, -5}, {3, 1}, true);
  Tensor running_mean = zeros({1}), running_var = ones({1});
  Tensor out =
      batch_norm_relu(x, running_mean, running_var, Tensor(), Tensor(), true, 0.1f, 0.0f, residual);
  ag_test::check_close(out, {0, 1, 0});
  ag_test::check_close(running_mean, {0.2f});
  ag_test::check_close(running_var, {1.3f});
  // Only the middle value passed: the residual's gradient is (0, 1, 0); x's is
  // batch norm's backward of g = (0, 1, 0): invstd (g - mean(g) - xhat mean(g xhat))
  // = invstd (-1/3, 2/3, -1/3), since xhat_1 = 0.
  out.backward(ones({3, 1}));
  ag_test::check_close(residual.grad(), {0, 1, 0});
  const float invstd = 1.0f / std::sqrt(8.0f / 3.0f);
  ag_test::check_close(x.grad(), {-invstd / 3, 2 * invstd / 3, -invstd / 3});
  CHECK(out.grad_fn()->name() == "BatchNormReluBackward");
}

TEST_CASE("batch_norm_relu passes gradcheck, train and eval, with a residual") {
  manual_seed(22);
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    CAPTURE(kernels_name(mode));
    Inputs inputs = {randn({3, 2, 2, 3}, true), add(randn({2}), 1.0f).requires_grad_(),
                     randn({2}, true), randn({3, 2, 2, 3}, true)};
    CHECK_GRADCHECK(
        [](const Inputs& in) {
          return batch_norm_relu(in[0], Tensor(), Tensor(), in[1], in[2], true, 0.1f, 1e-5f, in[3]);
        },
        inputs);
    CHECK_GRADCHECK(
        [](const Inputs& in) {
          return batch_norm_relu(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true);
        },
        {inputs[0]});
    Tensor running_mean = randn({2}), running_var = add(rand({2}), 0.5f);
    CHECK_GRADCHECK(
        [&](const Inputs& in) {
          return batch_norm_relu(in[0], running_mean, running_var, in[1], in[2], false, 0.1f, 1e-5f,
                                 in[3]);
        },
        inputs);
  }
}

TEST_CASE("batch_norm_relu: fast and naive kernels agree through autograd") {
  manual_seed(23);
  ag_test::check_modes_agree(
      [](const Inputs& in) {
        return batch_norm_relu(in[0], Tensor(), Tensor(), in[1], in[2], true, 0.1f, 1e-5f, in[3]);
      },
      {randn({6, 5, 7, 11}, true), randn({5}, true), randn({5}, true), randn({6, 5, 7, 11}, true)});
}

TEST_CASE("batch_norm_relu shape errors name the op and the shapes") {
  Tensor x = randn({2, 4, 3, 3});
  CHECK_THROWS_WITH_AS(
      batch_norm_relu(x, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1f, 1e-5f,
                      randn({2, 4, 3, 1})),
      "batch_norm_relu: residual [2, 4, 3, 1] must have the input's shape [2, 4, 3, 3]", ag::Error);
  CHECK_THROWS_WITH_AS(batch_norm_relu(x, Tensor(), Tensor(), ones({3}), Tensor(), true),
                       "batch_norm_relu: weight [3] must have shape [4] to match input "
                       "[2, 4, 3, 3]",
                       ag::Error);
  CHECK_THROWS_WITH_AS(batch_norm_relu(randn({4}), Tensor(), Tensor(), Tensor(), Tensor(), true),
                       "batch_norm_relu: expected an input (N, C) or (N, C, H, W), got [4]",
                       ag::Error);
  CHECK_THROWS_WITH_AS(
      batch_norm_relu(randn({1, 4}), Tensor(), Tensor(), Tensor(), Tensor(), true),
      "batch_norm_relu: expected more than 1 value per channel when training, got input [1, 4]",
      ag::Error);
  CHECK_THROWS_WITH_AS(batch_norm_relu(x, Tensor(), Tensor(), Tensor(), Tensor(), false),
                       "batch_norm_relu: eval mode (training=false) needs running_mean and "
                       "running_var",
                       ag::Error);
}

}  // TEST_SUITE("core.norm_relu")
