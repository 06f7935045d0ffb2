// tests/nn/test_fused_train.cpp: the network's blocks in training, fused
// (bn -> relu and bn -> add -> relu as ag::batch_norm_relu) against AG_FUSE=0
// (the lines as printed): outputs, every parameter's and the input's
// gradient, and the running statistics, over random shapes and 1 and 2
// threads. Then the eval fold cache (nn/fold_batch_norm.h) used by two
// threads at once on one module.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/reduce.h"
#include "core/ops/unary.h"
#include "nn/models/attention_net.h"
#include "tests/helpers/kernel_test_util.h"
#include "tests/helpers/test_util.h"

using namespace ag;
using namespace ag::nn;

namespace {

// What one forward + backward leaves behind: the output, the input's
// gradient, then every parameter's gradient and every buffer, by name.
struct StepResult {
  Tensor out, dx;
  std::vector<std::pair<std::string, Tensor>> grads, buffers;
};

// Runs a fresh copy of `make()`'s module (same seed, same weights) on x with
// AG_FUSE set to `fuse`; backward of sum(out * dout).
template <class Make>
StepResult step(const Make& make, const Tensor& x, const Tensor& dout, const char* fuse,
                bool training) {
  ag_test::ScopedEnv setting("AG_FUSE", fuse);
  manual_seed(5);
  auto module = make();
  if (!training) module->eval();
  Tensor input = x.detach().clone().requires_grad_();
  StepResult r;
  r.out = module->forward(input);
  sum(mul(r.out, dout)).backward();
  r.dx = input.grad();
  for (auto& [name, p] : module->named_parameters()) r.grads.emplace_back(name, p.grad());
  for (auto& [name, b] : module->named_buffers()) r.buffers.emplace_back(name, b.clone());
  return r;
}

template <class Make>
void check_fused_equals_plain(const Make& make, const Shape& shape, int64_t out_channels,
                              bool training) {
  const Tensor x = randn(shape);
  const Tensor dout = randn({shape[0], out_channels, shape[2], shape[3]});
  const StepResult fused = step(make, x, dout, "1", training);
  const StepResult plain = step(make, x, dout, "0", training);
  ag_test::check_close(fused.out, plain.out, 1e-5);
  ag_test::check_close(fused.dx, plain.dx, 1e-4);
  REQUIRE(fused.grads.size() == plain.grads.size());
  for (size_t i = 0; i < plain.grads.size(); ++i) {
    CAPTURE(plain.grads[i].first);
    REQUIRE(fused.grads[i].second.defined());
    ag_test::check_close(fused.grads[i].second, plain.grads[i].second, 1e-4);
  }
  // Running statistics and num_batches_tracked: the same update, bit for bit.
  REQUIRE(fused.buffers.size() == plain.buffers.size());
  for (size_t i = 0; i < plain.buffers.size(); ++i) {
    CAPTURE(plain.buffers[i].first);
    CHECK(fused.buffers[i].second.to_vector() == plain.buffers[i].second.to_vector());
  }
}

}  // namespace

TEST_SUITE("nn.fused_train") {

TEST_CASE("ConvBlock and ResBlock: fused training equals AG_FUSE=0, 1 and 2 threads") {
  manual_seed(31);
  for (int threads : {1, 2}) {
    ag_test::ThreadCount scope(threads);
    for (int trial = 0; trial < 3; ++trial) {
      const int64_t N = 2 + trial, C = 2 + (trial * 5) % 7, O = 3 + (trial * 3) % 5;
      const Shape shape{N, C, 3 + trial, 5 - trial};
      CAPTURE(threads);
      CAPTURE(trial);
      for (bool training : {true, false}) {  // eval with a gradient asked: the fused op's eval
        CAPTURE(training);
        check_fused_equals_plain([&] { return std::make_shared<ConvBlock>(C, O); }, shape, O,
                                 training);
        check_fused_equals_plain([&] { return std::make_shared<ResBlock>(C, O); }, shape, O,
                                 training);
        check_fused_equals_plain([&] { return std::make_shared<ResBlock>(C, C); }, shape, C,
                                 training);
      }
    }
  }
}

TEST_CASE("the fused ResBlock keeps the printed code's add error (fault 1)") {
  ag_test::ScopedEnv fused("AG_FUSE", "1");
  ResBlock printed(4, 8, /*projection_shortcut=*/false);
  CHECK_FAILS_WITH(printed(randn({2, 4, 5, 5})),
                   "add: shapes [2, 8, 5, 5] and [2, 4, 5, 5] cannot be broadcast together");
}

TEST_CASE("two threads evaluating one module share its fold cache safely") {
  manual_seed(41);
  ResBlock block(3, 6);  // three folds: conv1 + bn1, conv2 + bn2, the shortcut
  // Away from the defaults, so the fold changes something.
  for (auto& [name, b] : block.named_buffers())
    if (name.find("running_var") != std::string::npos) b.data()[0] = 2.5f, b.bump_version();
  block.eval();
  const std::vector<Tensor> inputs = {randn({2, 3, 6, 6}), randn({3, 3, 5, 7}),
                                      randn({1, 3, 4, 4})};
  std::vector<Tensor> serial;
  {
    ResBlock reference(3, 6);  // block's weights and statistics, in a module of its own
    reference.load_state_dict(block.state_dict());
    reference.eval();
    ag_test::ScopedEnv plain("AG_FUSE", "0");
    NoGradGuard no_grad;
    for (const Tensor& x : inputs) serial.push_back(reference.forward(x));
  }
  // The cache is cold: both threads race to fold first, then keep reading it.
  ag_test::ScopedEnv fused("AG_FUSE", "1");
  int mismatches[2] = {0, 0};
  auto evaluate = [&](int id) {
    NoGradGuard no_grad;  // grad mode is per thread
    for (int round = 0; round < 8; ++round)
      for (size_t i = 0; i < inputs.size(); ++i) {
        const Tensor out = block.forward(inputs[(i + id) % inputs.size()]);
        const Tensor& expected = serial[(i + id) % inputs.size()];
        const std::vector<float> got = out.to_vector(), want = expected.to_vector();
        if (ag_test::max_error(got, want) > 1e-4) ++mismatches[id];
      }
  };
  std::thread other(evaluate, 1);
  evaluate(0);
  other.join();
  CHECK(mismatches[0] == 0);
  CHECK(mismatches[1] == 0);

  // One cache, two threads starting cold: exactly one fold (the second thread
  // waits for it, then finds it fresh), and both get the serial result.
  Conv2d conv(3, 4, 3, Conv2dOptions().padding(1));
  BatchNorm2d bn(4);
  conv.eval(), bn.eval();
  FoldedConvBatchNorm cache;
  const Tensor x = inputs[0];
  Tensor expected;
  {
    NoGradGuard no_grad;
    expected = relu(bn.forward(conv.forward(x)));
  }
  Tensor got[2];
  auto fold_and_run = [&](int id) {
    NoGradGuard no_grad;
    got[id] = cache.forward(conv, bn, x, Tensor(), /*relu=*/true);
  };
  std::thread second(fold_and_run, 1);
  fold_and_run(0);
  second.join();
  CHECK(cache.folds() == 1);
  ag_test::check_close(got[0], expected, 1e-5);
  ag_test::check_close(got[1], expected, 1e-5);
}

}  // TEST_SUITE("nn.fused_train")
