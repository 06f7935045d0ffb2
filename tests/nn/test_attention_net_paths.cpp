// tests/nn/test_attention_net_paths.cpp: SelfAttention's two forwards, the
// document's lines (forward; what AG_KERNELS=naive runs) and the fused one
// (forward_fused; what the default fast mode runs), give the same output,
// attention map and gradients (of x, gamma and every conv weight and bias),
// for several shapes, under both kernel modes. Each is also checked on its
// own: finite differences, and which path forward takes in which mode.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/kernels/kernel_mode.h"
#include "tests/helpers/nn_test_util.h"
#include "tests/helpers/test_util.h"

using namespace ag;
using namespace ag::nn;

namespace {

struct Shape4 {
  int64_t N, C, H, W;
};

// What one forward + backward leaves behind: the output, the attention map,
// and the gradient of x and of every parameter, by name.
struct Run {
  Tensor out, attention;
  std::vector<std::pair<std::string, Tensor>> grads;
};

// block.fused is false: block.forward is the document's lines in both modes.
Run run(SelfAttention& block, const Tensor& x_values, const Tensor& dout, bool fused_path) {
  block.zero_grad();
  Tensor x = x_values.detach().clone().requires_grad_(true);
  Tensor out = fused_path ? block.forward_fused(x) : block.forward(x);
  out.backward(dout);
  Run r{out.detach(), block.last_attention, {{"x", x.grad()}}};
  for (auto& [name, p] : block.named_parameters()) r.grads.emplace_back(name, p.grad());
  return r;
}

void check_same(const Run& document, const Run& fused, double tol) {
  INFO("the document's lines (first) against forward_fused (second)");
  ag_test::check_close(document.out, fused.out, tol);
  ag_test::check_close(document.attention, fused.attention, tol);
  REQUIRE(document.grads.size() == fused.grads.size());
  for (size_t k = 0; k < document.grads.size(); ++k) {
    INFO("gradient of " << document.grads[k].first);
    REQUIRE(document.grads[k].second.defined());
    REQUIRE(fused.grads[k].second.defined());
    ag_test::check_close(document.grads[k].second, fused.grads[k].second, tol);
  }
}

// The op that made t, and the one under it (through a reshape).
std::string last_ops(const Tensor& t) {
  std::string names = t.grad_fn()->name();
  if (const auto& below = t.grad_fn()->next_edges[0].fn) names += " <- " + below->name();
  return names;
}

}  // namespace

TEST_SUITE("nn.attention_net") {
TEST_CASE(
    "SelfAttention: the document's lines and the fused path agree, outputs and gradients, both "
    "kernel modes") {
  const std::vector<Shape4> shapes = {{2, 8, 2, 3}, {1, 16, 4, 4}, {3, 8, 1, 5}, {2, 24, 3, 3}};
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    for (const Shape4& s : shapes) {
      INFO(kernels_name(mode) << " kernels, x [" << s.N << ", " << s.C << ", " << s.H << ", " << s.W
                              << "]");
      manual_seed(40 + s.C + s.H);
      SelfAttention block(s.C);
      block.gamma.data()[0] = 0.7f;  // not 0: then every conv weight gets a gradient
      block.keep_attention = true;
      block.fused = false;  // forward: the document's lines even under fast kernels
      Tensor x = randn({s.N, s.C, s.H, s.W});
      Tensor dout = randn({s.N, s.C, s.H, s.W});
      const Run document = run(block, x, dout, /*fused_path=*/false);
      const Run fused = run(block, x, dout, /*fused_path=*/true);
      // Not bit-equal: the fused gemms add in another order. Values are O(1).
      check_same(document, fused, 1e-5);
      // The gradients are real: not all zero (gamma = 0.7 lets them through),
      // but for key.bias. It adds q . b to every score in a query's row, and
      // softmax ignores a shift of its row: its gradient is 0 in exact
      // arithmetic. Rounding leaves up to 3e-7 per element on x86-64; arm64 gave 0.
      for (auto& [grad_name, g] : document.grads) {
        const std::string& name = grad_name;  // clang 14's INFO cannot capture a structured binding
        INFO(name);
        double total = 0;
        for (float v : g.to_vector()) total += std::fabs(v);
        if (name == "key.bias")
          CHECK(total / double(g.numel()) < 1e-5);
        else
          CHECK(total > 0.0);
      }
    }
  }
}

TEST_CASE(
    "SelfAttention::forward: the document's lines with naive kernels or fused = false, else the "
    "fused path") {
  manual_seed(48);
  SelfAttention block(8);
  Tensor x = randn({2, 8, 2, 2}).requires_grad_(true);
  {
    KernelsGuard naive(Kernels::Naive);
    CHECK(last_ops(block(x)) == "AddBackward <- MulBackward");  // out = self.gamma * out + x
  }
  {
    KernelsGuard fast(Kernels::Fast);
    CHECK(last_ops(block(x)) == "ReshapeBackward <- BaddbmmBackward");
    CHECK(last_ops(block.forward_fused(x)) == "ReshapeBackward <- BaddbmmBackward");
    block.fused = false;
    CHECK(last_ops(block(x)) == "AddBackward <- MulBackward");
  }
  {
    KernelsGuard naive(Kernels::Naive);
    CHECK(last_ops(block.forward_fused(x)) ==
          "ReshapeBackward <- BaddbmmBackward");  // callable in either mode
  }
}

TEST_CASE("SelfAttention: finite differences through each path (x and every parameter)") {
  KernelsGuard fast(Kernels::Fast);  // where the choice exists (naive always reads the document)
  for (bool fused : {false, true}) {
    INFO((fused ? "forward_fused" : "the document's lines"));
    manual_seed(49);
    SelfAttention block(8);
    block.gamma.data()[0] = 0.6f;
    block.fused = fused;
    Tensor x = randn({2, 8, 2, 3});
    CHECK(nn_test::check_gradients([&] { return block(x); },
                                   nn_test::input_and_parameters(block, x)) == "");
    CHECK(last_ops(block(x)) ==
          (fused ? "ReshapeBackward <- BaddbmmBackward" : "AddBackward <- MulBackward"));
  }
}

TEST_CASE("SelfAttention: both paths refuse a wrong input with the same message") {
  SelfAttention block(16);
  const char* expected = "SelfAttention(16): expected input (N, 16, H, W), got [2, 8, 4, 4]";
  KernelsGuard naive(Kernels::Naive);
  CHECK_THROWS_WITH_AS(block(randn({2, 8, 4, 4})), expected, ag::Error);
  CHECK_THROWS_WITH_AS(block.forward_fused(randn({2, 8, 4, 4})), expected, ag::Error);
  CHECK_THROWS_WITH_AS(block.forward_fused(randn({8, 4, 4})),
                       "SelfAttention(16): expected input (N, 16, H, W), got [8, 4, 4]", ag::Error);
}
}  // TEST_SUITE("nn.attention_net")
