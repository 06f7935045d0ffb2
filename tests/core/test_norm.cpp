// tests/core/test_norm.cpp: batch_norm and layer_norm ops: values by hand, running
// statistics, gradcheck, the closed-form backward against the same formula
// composed from primitive ops, fast == naive, and shape errors.
#include <cmath>
#include <vector>

#include "tests/helpers/op_modes_util.h"

using namespace ag;

namespace {

using Inputs = std::vector<Tensor>;

// batch norm in training mode built from primitive ops, for (N, C, H, W):
// statistics over dims 0, 2, 3, biased variance. Autograd through this graph
// is the reference the one-node closed-form backward must reproduce.
Tensor batch_norm_composed(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
  auto over_batch_and_image = [](const Tensor& t) {
    return mean(mean(mean(t, 0, true), 2, true), 3, true);  // (1, C, 1, 1)
  };
  const int64_t C = x.size(1);
  Tensor mu = over_batch_and_image(x);
  Tensor centered = sub(x, mu);
  Tensor var_biased = over_batch_and_image(mul(centered, centered));
  Tensor xhat = div(centered, sqrt(add(var_biased, eps)));
  return add(mul(xhat, weight.reshape({1, C, 1, 1})), bias.reshape({1, C, 1, 1}));
}

// layer norm over the last dim, from primitive ops (var with unbiased=false).
Tensor layer_norm_composed(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
  Tensor centered = sub(x, mean(x, -1, true));
  Tensor xhat = div(centered, sqrt(add(var(x, -1, false, true), eps)));
  return add(mul(xhat, weight), bias);
}

}  // namespace

TEST_SUITE("core.norm") {

TEST_CASE("batch_norm training: batch statistics out, running statistics updated") {
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    // One channel holding 0, 2, 4: mean 2, biased var 8/3 (normalizes),
    // unbiased var 4 (goes into the running estimate).
    Tensor x = from_vector({0, 2, 4}, {3, 1});
    Tensor running_mean = zeros({1}), running_var = ones({1});
    const uint64_t version = running_mean.version();
    Tensor out =
        batch_norm(x, running_mean, running_var, tensor({2}), tensor({1}), true, 0.1f, 0.0f);
    const float r = 1.0f / std::sqrt(8.0f / 3.0f);
    ag_test::check_close(out, {1 - 2 * 2 * r, 1, 1 + 2 * 2 * r});
    ag_test::check_close(running_mean, {0.9f * 0 + 0.1f * 2});  // 0.2
    ag_test::check_close(running_var, {0.9f * 1 + 0.1f * 4});   // 1.3
    CHECK(running_mean.version() > version);                    // an in-place write is visible

    // Eval uses the running statistics, and leaves them alone.
    Tensor eval = batch_norm(x, running_mean, running_var, Tensor(), Tensor(), false, 0.1f, 0.0f);
    const float s = 1.0f / std::sqrt(1.3f);
    ag_test::check_close(eval, {(0 - 0.2f) * s, (2 - 0.2f) * s, (4 - 0.2f) * s});
    ag_test::check_close(running_mean, {0.2f});
  }
}

TEST_CASE("batch_norm gradients pass gradcheck, train and eval, (N, C) and (N, C, H, W)") {
  manual_seed(11);
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    CAPTURE(kernels_name(mode));
    for (const Shape& shape : {Shape{5, 3}, Shape{2, 3, 3, 2}}) {
      CAPTURE(shape_str(shape));
      const int64_t C = shape[1];
      Inputs inputs = {randn(shape, true), randn({C}, true), randn({C}, true)};
      // Training without running stats: gradcheck calls the function many times.
      CHECK_GRADCHECK(
          [](const Inputs& in) {
            return batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], true, 0.1f, 1e-5f);
          },
          inputs);
      // Without an affine part.
      CHECK_GRADCHECK(
          [](const Inputs& in) {
            return batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true);
          },
          {inputs[0]});
      // Eval: fixed statistics.
      Tensor running_mean = randn({C}), running_var = add(rand({C}), 0.5f);
      CHECK_GRADCHECK(
          [&](const Inputs& in) {
            return batch_norm(in[0], running_mean, running_var, in[1], in[2], false);
          },
          inputs);
    }
  }
}

TEST_CASE("batch_norm backward equals autograd through the composed formula") {
  manual_seed(12);
  const Tensor x0 = randn({4, 3, 5, 2}), w0 = randn({3}), b0 = randn({3});
  const Tensor dout = randn({4, 3, 5, 2});
  Tensor x1 = x0.clone().detach().requires_grad_(), w1 = w0.clone().detach().requires_grad_(),
         b1 = b0.clone().detach().requires_grad_();
  Tensor x2 = x0.clone().detach().requires_grad_(), w2 = w0.clone().detach().requires_grad_(),
         b2 = b0.clone().detach().requires_grad_();
  Tensor fused = batch_norm(x1, Tensor(), Tensor(), w1, b1, true, 0.1f, 1e-5f);
  Tensor composed = batch_norm_composed(x2, w2, b2, 1e-5f);
  ag_test::check_close(fused, composed, 1e-5);
  fused.backward(dout);
  composed.backward(dout);
  ag_test::check_close(x1.grad(), x2.grad(), 1e-4);
  ag_test::check_close(w1.grad(), w2.grad(), 1e-4);
  ag_test::check_close(b1.grad(), b2.grad(), 1e-4);
}

TEST_CASE("batch_norm and layer_norm: fast and naive kernels agree through autograd") {
  manual_seed(13);
  ag_test::check_modes_agree(
      [](const Inputs& in) {
        return batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], true, 0.1f, 1e-5f);
      },
      {randn({6, 5, 7, 3}, true), randn({5}, true), randn({5}, true)});
  ag_test::check_modes_agree(
      [](const Inputs& in) {
        return layer_norm(in[0], {4, 6}, in[1], in[2]);
      },
      {randn({3, 5, 4, 6}, true), randn({4, 6}, true), randn({4, 6}, true)});
}

TEST_CASE("layer_norm values, gradcheck, and the composed formula") {
  // Row (1, 2, 3): mean 2, biased var 2/3.
  const float r = 1.0f / std::sqrt(2.0f / 3.0f);
  ag_test::check_close(layer_norm(tensor({{1, 2, 3}}), {3}, Tensor(), Tensor(), 0.0f), {-r, 0, r});

  manual_seed(14);
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    CAPTURE(kernels_name(mode));
    CHECK_GRADCHECK([](const Inputs& in) { return layer_norm(in[0], {4}, in[1], in[2]); },
                    {randn({3, 4}, true), randn({4}, true), randn({4}, true)});
    CHECK_GRADCHECK(
        [](const Inputs& in) {
          return layer_norm(in[0], {2, 3});
        },
        {randn({2, 2, 3}, true)});
  }

  Tensor x1 = randn({5, 6}, true), w1 = randn({6}, true), b1 = randn({6}, true);
  Tensor x2 = x1.clone().detach().requires_grad_(), w2 = w1.clone().detach().requires_grad_(),
         b2 = b1.clone().detach().requires_grad_();
  const Tensor dout = randn({5, 6});
  layer_norm(x1, {6}, w1, b1).backward(dout);
  layer_norm_composed(x2, w2, b2, 1e-5f).backward(dout);
  ag_test::check_close(x1.grad(), x2.grad(), 1e-4);
  ag_test::check_close(w1.grad(), w2.grad(), 1e-4);
  ag_test::check_close(b1.grad(), b2.grad(), 1e-4);
}

TEST_CASE("batch_norm and layer_norm shape errors say what is wrong") {
  Tensor x = zeros({4, 3, 2, 2});
  CHECK_THROWS_WITH_AS(batch_norm(x, Tensor(), Tensor(), ones({4}), Tensor(), true),
                       "batch_norm: weight [4] must have shape [3] to match input [4, 3, 2, 2]",
                       Error);
  CHECK_THROWS_WITH_AS(batch_norm(x, zeros({2}), ones({2}), Tensor(), Tensor(), true),
                       "batch_norm: running_mean [2] must have shape [3] to match input "
                       "[4, 3, 2, 2]",
                       Error);
  CHECK_THROWS_WITH_AS(batch_norm(zeros({1, 3}), Tensor(), Tensor(), Tensor(), Tensor(), true),
                       "batch_norm: expected more than 1 value per channel when training, got "
                       "input [1, 3]",
                       Error);
  CHECK_THROWS_WITH_AS(batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), false),
                       "batch_norm: eval mode (training=false) needs running_mean and "
                       "running_var",
                       Error);
  CHECK_THROWS_WITH_AS(batch_norm(zeros({5}), Tensor(), Tensor(), Tensor(), Tensor(), true),
                       "batch_norm: expected an input (N, C) or (N, C, H, W), got [5]", Error);
  CHECK_THROWS_WITH_AS(layer_norm(zeros({2, 5}), {4}),
                       "layer_norm: normalized_shape [4] must be the last dims of input [2, 5]",
                       Error);
  CHECK_THROWS_WITH_AS(layer_norm(zeros({2, 4}), {4}, ones({2, 2})),
                       "layer_norm: weight [2, 2] must have shape [4] to match input [2, 4]",
                       Error);
  CHECK_THROWS_WITH_AS(layer_norm(zeros({2, 4}), {}),
                       "layer_norm: normalized_shape must not be empty", Error);
}

}  // TEST_SUITE("core.norm")
