// tests/nn/test_fused_eval.cpp: the eval-mode fusion of conv -> batch norm
// (-> + residual) -> relu (nn/fold_batch_norm.h). The fold is checked against
// numbers worked by hand; ConvBlock, ResBlock and the whole AttentionNet in
// eval give the same outputs fused and with AG_FUSE=0 (the plain
// conv -> bn -> relu lines), over random shapes and random running
// statistics, and again after a training step and after load_state_dict,
// which must make the cached fold refresh. A gradient request in eval mode
// falls back to the plain path and gets the same gradients.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "core/autograd.h"
#include "core/ops/loss.h"
#include "nn/fold_batch_norm.h"
#include "nn/models/attention_net.h"
#include "optim/optimizer.h"
#include "tests/helpers/test_util.h"

using namespace ag;
using namespace ag::nn;

namespace {

// The module's output in eval mode without a graph, fused or not.
Tensor eval_output(UnaryModule& m, const Tensor& x, bool fused) {
  ag_test::ScopedEnv setting("AG_FUSE", fused ? "1" : "0");
  NoGradGuard no_grad;
  return m.forward(x);
}

void check_fused_equals_plain(UnaryModule& m, const Tensor& x, double tol = 1e-4) {
  m.eval();
  Tensor fused = eval_output(m, x, true);
  Tensor plain = eval_output(m, x, false);
  ag_test::check_close(fused, plain, tol);
}

// Running statistics and affine parameters away from their 0/1 defaults, so
// the fold has something to fold: every BatchNorm in m, values from the seed.
void randomize_batch_norms(Module& m) {
  NoGradGuard no_grad;
  for (auto& [name, child] : m.named_modules()) {
    auto* bn = dynamic_cast<BatchNorm*>(child);
    if (!bn) continue;
    const int64_t C = bn->num_features;
    auto fill = [](Tensor& t, const Tensor& values) {
      for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = values.data()[i];
      t.bump_version();
    };
    fill(bn->running_mean, uniform({C}, -0.5f, 0.5f));
    fill(bn->running_var, uniform({C}, 0.3f, 2.0f));
    fill(bn->weight, uniform({C}, 0.5f, 1.5f));
    fill(bn->bias, uniform({C}, -0.3f, 0.3f));
  }
}

}  // namespace

TEST_SUITE("nn.fused_eval") {
// Hand-worked: O = 2 filters of one weight each, eps = 1 so σ is whole.
//   σ = sqrt(v + 1) = [2, 1];  s = γ/σ = [0.5/2, 2/1] = [0.25, 2]
//   w' = w·s = [2·0.25, 3·2] = [0.5, 6]
//   b' = β + (b - μ)·s = [1 + (1 - 1)·0.25, 0 + (-1 - 2)·2] = [1, -6]
TEST_CASE("fold_batch_norm: the folded weight and bias, worked by hand") {
  Conv2d conv(1, 2, 1);
  BatchNorm2d bn(2, BatchNormOptions{.eps = 1.0});
  conv.weight = from_vector({2.0f, 3.0f}, {2, 1, 1, 1});
  conv.bias = from_vector({1.0f, -1.0f}, {2});
  bn.weight = from_vector({0.5f, 2.0f}, {2});
  bn.bias = from_vector({1.0f, 0.0f}, {2});
  bn.running_mean = from_vector({1.0f, 2.0f}, {2});
  bn.running_var = from_vector({3.0f, 0.0f}, {2});
  FoldedConv folded = fold_batch_norm(conv.weight, conv.bias, bn);
  ag_test::check_close(folded.weight, {0.5f, 6.0f});
  ag_test::check_close(folded.bias, {1.0f, -6.0f});
  // Without a conv bias b = 0: b' = [1 - 0.25, -4] ; w' unchanged.
  FoldedConv no_bias = fold_batch_norm(conv.weight, Tensor(), bn);
  ag_test::check_close(no_bias.bias, {0.75f, -4.0f});
}

TEST_CASE("fold_batch_norm: refuses what cannot be folded") {
  Conv2d conv(1, 2, 1);
  BatchNorm2d untracked(2, BatchNormOptions{.track_running_stats = false});
  CHECK_FAILS_WITH(fold_batch_norm(conv.weight, conv.bias, untracked),
                   "fold_batch_norm: BatchNorm2d(2) keeps no running statistics");
  BatchNorm2d three(3);
  CHECK_FAILS_WITH(fold_batch_norm(conv.weight, conv.bias, three),
                   "fold_batch_norm: conv weight [2, 1, 1, 1] has 2 output channels but "
                   "BatchNorm2d has 3");
}

TEST_CASE("ConvBlock and ResBlock: fused equals conv -> bn -> relu over random shapes") {
  manual_seed(25);
  for (int trial = 0; trial < 6; ++trial) {
    const int64_t N = 1 + trial % 3, C = 1 + (trial * 5) % 7, O = 2 + (trial * 3) % 9;
    const int64_t H = 3 + trial % 4, W = 2 + (trial * 7) % 5;
    CAPTURE(trial);
    Tensor x = randn({N, C, H, W});
    ConvBlock block(C, O);
    randomize_batch_norms(block);
    check_fused_equals_plain(block, x);
    ResBlock projected(C, O);  // C != O except by chance: shortcut folded too
    randomize_batch_norms(projected);
    check_fused_equals_plain(projected, x);
    ResBlock identity(C, C);  // no shortcut: x itself is the residual
    randomize_batch_norms(identity);
    check_fused_equals_plain(identity, x);
  }
}

TEST_CASE("the fold is cached, and refreshed by a training step and by load_state_dict") {
  manual_seed(7);
  Conv2d conv(3, 4, 3, Conv2dOptions().padding(1));
  BatchNorm2d bn(4);
  FoldedConvBatchNorm cache;
  Tensor x = randn({2, 3, 5, 5});
  auto plain = [&] {
    NoGradGuard no_grad;
    return bn.forward(conv.forward(x));
  };
  auto fused = [&] {
    NoGradGuard no_grad;
    return cache.forward(conv, bn, x, Tensor(), /*relu=*/false);
  };
  conv.eval();
  bn.eval();
  ag_test::check_close(fused(), plain(), 1e-5);
  ag_test::check_close(fused(), plain(), 1e-5);
  CHECK(cache.folds() == 1);  // nothing changed: folded once

  // A training step moves the weights (SGD) and the running statistics.
  conv.train();
  bn.train();
  optim::SGD sgd({conv.weight, conv.bias, bn.weight, bn.bias}, {.lr = 0.5});
  bn.forward(conv.forward(x)).sum().backward();
  sgd.step();
  conv.eval();
  bn.eval();
  ag_test::check_close(fused(), plain(), 1e-5);
  CHECK(cache.folds() == 2);

  // load_state_dict copies into the same tensors: only the versions move.
  BatchNorm2d other(4);
  randomize_batch_norms(other);
  bn.load_state_dict(other.state_dict());
  ag_test::check_close(fused(), plain(), 1e-5);
  CHECK(cache.folds() == 3);

  // A new tensor assigned in place of a parameter is a different source.
  conv.weight = randn({4, 3, 3, 3});
  ag_test::check_close(fused(), plain(), 1e-5);
  CHECK(cache.folds() == 4);
}

TEST_CASE("AttentionNet in eval: fused equals AG_FUSE=0, before and after training") {
  manual_seed(3);
  AttentionNet net(AttentionNetOptions{.image_size = 8});
  randomize_batch_norms(net);
  Tensor x = randn({2, 3, 8, 8});
  check_fused_equals_plain(net, x, 1e-3);

  // One training step (batch statistics, running stats and weights move),
  // then eval again: the caches must refold, or the outputs would differ.
  net.train();
  optim::SGD sgd(net.parameters(), {.lr = 0.05});
  cross_entropy(net.forward(x), from_vector({1.0f, 4.0f}, {2})).backward();
  sgd.step();
  check_fused_equals_plain(net, x, 1e-3);

  AttentionNet other(AttentionNetOptions{.image_size = 8});
  randomize_batch_norms(other);
  net.load_state_dict(other.state_dict());
  check_fused_equals_plain(net, x, 1e-3);
  other.eval();
  ag_test::check_close(eval_output(net, x, true), eval_output(other, x, false), 1e-3);
}

TEST_CASE("a gradient request in eval mode takes the plain path: same gradients") {
  manual_seed(11);
  ResBlock block(3, 5);
  randomize_batch_norms(block);
  block.eval();
  Tensor values = randn({2, 3, 4, 4});
  Tensor dout = randn({2, 5, 4, 4});
  auto grad_of_x = [&](const char* fuse) {
    ag_test::ScopedEnv setting("AG_FUSE", fuse);
    block.zero_grad();
    Tensor x = values.clone().requires_grad_(true);
    block.forward(x).backward(dout);
    return std::make_pair(x.grad(), block.conv1->weight.grad());
  };
  auto [dx_fused, dw_fused] = grad_of_x("1");
  auto [dx_plain, dw_plain] = grad_of_x("0");
  REQUIRE(dx_fused.defined());
  REQUIRE(dw_fused.defined());
  ag_test::check_close(dx_fused, dx_plain, 1e-6);
  ag_test::check_close(dw_fused, dw_plain, 1e-6);
}

TEST_CASE("fused ResBlock without the projection: the printed code's add error") {
  ResBlock printed(4, 8, /*projection_shortcut=*/false);
  printed.eval();
  Tensor x = randn({2, 4, 5, 5});
  CHECK_FAILS_WITH(eval_output(printed, x, true),
                   "add: shapes [2, 8, 5, 5] and [2, 4, 5, 5] cannot be broadcast together");
  CHECK_FAILS_WITH(eval_output(printed, x, false),
                   "add: shapes [2, 8, 5, 5] and [2, 4, 5, 5] cannot be broadcast together");
}
}  // TEST_SUITE("nn.fused_eval")
