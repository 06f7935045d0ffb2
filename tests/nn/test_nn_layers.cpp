// tests/nn/test_nn_layers.cpp: each layer against a naive loop or a value worked
// by hand, its gradients (nn_test::check_gradients), its errors and its repr.
#include <doctest/doctest.h>

#include <cmath>

#include "tests/helpers/nn_test_util.h"
#include "tests/helpers/test_util.h"

using namespace ag;
using namespace ag::nn;
using nn_test::check_gradients;
using nn_test::input_and_parameters;
using nn_test::names;

TEST_SUITE("nn.layers") {
TEST_CASE("Linear: y = x Wᵀ + b against a naive loop; gradients; shape error names the layer") {
  manual_seed(3);
  Linear fc(3, 2);
  Tensor x = randn({4, 3});
  Tensor y = fc(x);
  REQUIRE(y.shape() == Shape{4, 2});
  for (int64_t n = 0; n < 4; ++n)
    for (int64_t o = 0; o < 2; ++o) {
      double expect = fc.bias.at({o});
      for (int64_t i = 0; i < 3; ++i) expect += double(x.at({n, i})) * fc.weight.at({o, i});
      CHECK(y.at({n, o}) == doctest::Approx(expect).epsilon(1e-5));
    }
  CHECK(check_gradients([&] { return fc(x); }, input_and_parameters(fc, x)) == "");
  CHECK_FAILS_WITH(fc(randn({4, 5})),
                   "Linear(in_features=3, out_features=2): input [4, 5] must end in 3 features");
  Linear no_bias(3, 2, false);
  CHECK(no_bias.named_parameters().size() == 1);
  CHECK(no_bias.str() == "Linear(in_features=3, out_features=2, bias=False)");
}

TEST_CASE("Linear too large for memory is an ag::Error naming the allocation, not std::bad_alloc") {
  // 2^20 x 2^20 floats passes the element count check but is 4 TiB.
  CHECK_THROWS_WITH_AS(
      nn::Linear(1 << 20, 1 << 20),
      doctest::Contains("empty: cannot allocate 4398046511104 bytes (4096 GiB) for shape [1048576, "
                        "1048576]: out of memory (the machine has "),
      Error);
}

TEST_CASE("Sequential chains its modules in order and names them 0, 1, ...") {
  manual_seed(4);
  ModuleHolder<Linear> fc1 = std::make_shared<Linear>(3, 4);
  ModuleHolder<Linear> fc2 = std::make_shared<Linear>(4, 2);
  Sequential seq{fc1, std::make_shared<ReLU>(), fc2};
  Tensor x = randn({5, 3});
  ag_test::check_close(seq(x), fc2(relu(fc1(x))));
  CHECK(names(seq.named_parameters()) ==
        std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  CHECK(seq.size() == 3);
  CHECK(seq[2].get() == fc2.get());
  CHECK_FAILS_WITH(seq[3], "Sequential: index 3 is out of range for 3 modules");
  CHECK(check_gradients([&] { return seq(x); }, input_and_parameters(seq, x)) == "");
}

TEST_CASE("ReLU(inplace) overwrites its input; ReLU() does not") {
  Tensor a = tensor({-1, 2, -3});
  Tensor b = ReLU()(a);
  CHECK(a.to_vector() == std::vector<float>{-1, 2, -3});
  CHECK(b.to_vector() == std::vector<float>{0, 2, 0});
  Tensor c = ReLU(true)(a);
  CHECK(a.to_vector() == std::vector<float>{0, 2, 0});
  CHECK(c.same(a));
}

TEST_CASE(
    "Dropout: scales survivors by 1/(1-p) in training, identity in eval, repeatable by seed") {
  Dropout drop(0.25);
  Tensor x = ones({100000});
  manual_seed(5);
  Tensor y = drop(x);
  int64_t zeros_seen = 0, wrongly_scaled = 0;
  for (float v : y.to_vector()) {
    if (v == 0.0f)
      ++zeros_seen;
    else if (std::fabs(v - 1.0 / 0.75) > 1e-6)
      ++wrongly_scaled;
  }
  CHECK(wrongly_scaled == 0);
  // 100,000 draws at p = 0.25: the fraction is 0.25 ± 0.0014 (1 sd); allow 5 sd.
  CHECK(std::fabs(double(zeros_seen) / 100000 - 0.25) < 0.007);
  manual_seed(5);
  CHECK(drop(x).to_vector() == y.to_vector());
  // The gradient is the same mask: dropped elements get none.
  Tensor w = ones({8}, true);
  manual_seed(6);
  Tensor out = drop(w);
  out.sum().backward();
  CHECK(w.grad().to_vector() == out.detach().to_vector());
  drop.eval();
  CHECK(drop(x).same(x));
  CHECK(Dropout(1.0)(x).sum().item() == 0.0f);
  CHECK_FAILS_WITH(Dropout(1.5), "Dropout: probability p must be in [0, 1], got 1.5");
}

TEST_CASE("Embedding looks up rows; an id used twice gets both gradients") {
  manual_seed(8);
  Embedding emb(5, 3);
  Tensor ids = tensor({{4, 0}, {4, 2}});
  Tensor y = emb(ids);
  REQUIRE(y.shape() == Shape{2, 2, 3});
  for (int64_t j = 0; j < 3; ++j) {
    CHECK(y.at({0, 0, j}) == emb.weight.at({4, j}));
    CHECK(y.at({1, 1, j}) == emb.weight.at({2, j}));
  }
  y.sum().backward();
  CHECK(emb.weight.grad().to_vector() ==
        std::vector<float>{1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2});
}

TEST_CASE("Conv2d: one output element by hand; gradients with stride, padding and groups") {
  manual_seed(41);
  Conv2d conv(2, 4, 3, Conv2dOptions().padding(1));
  Tensor x = randn({1, 2, 4, 4});
  Tensor y = conv(x);
  REQUIRE(y.shape() == Shape{1, 4, 4, 4});
  // y[0, 3, 0, 1]: the 3x3 window centred on (0, 1); row -1 is padding.
  double expect = conv.bias.at({3});
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 3; ++j) {
        const int64_t r = i - 1, col = 1 + j - 1;
        if (r >= 0 && col >= 0 && col < 4)
          expect += double(conv.weight.at({3, c, i, j})) * x.at({0, c, r, col});
      }
  CHECK(y.at({0, 3, 0, 1}) == doctest::Approx(expect).epsilon(1e-5));
  CHECK(check_gradients([&] { return conv(x); }, input_and_parameters(conv, x)) == "");

  Conv2d grouped(4, 2, 3, Conv2dOptions().stride(2).padding(1).group_count(2));
  CHECK(grouped.weight.shape() == Shape{2, 2, 3, 3});
  CHECK(grouped.str() ==
        "Conv2d(4, 2, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), groups=2)");
  Tensor x2 = randn({2, 4, 5, 5});
  CHECK(grouped(x2).shape() == Shape{2, 2, 3, 3});
  CHECK(check_gradients([&] { return grouped(x2); }, input_and_parameters(grouped, x2)) == "");
  CHECK_FAILS_WITH(Conv2d(3, 4, 3, Conv2dOptions().group_count(2)),
                   "Conv2d: groups 2 must divide in_channels 3 and out_channels 4");
}

TEST_CASE("BatchNorm2d: batch statistics in training, running statistics after, by a naive loop") {
  manual_seed(42);
  BatchNorm2d bn(3);
  {
    NoGradGuard no_grad;
    init::uniform_(bn.weight, 0.5f, 1.5f);
    init::uniform_(bn.bias, -0.5f, 0.5f);
  }
  Tensor x = randn({4, 3, 2, 5}) * 2.0f + 1.0f;
  Tensor y = bn(x);
  const int64_t count = 4 * 2 * 5;
  for (int64_t c = 0; c < 3; ++c) {
    double sum = 0, sum_sq = 0;
    for (int64_t n = 0; n < 4; ++n)
      for (int64_t i = 0; i < 10; ++i) sum += x.at({n, c, i / 5, i % 5});
    const double mean = sum / count;
    for (int64_t n = 0; n < 4; ++n)
      for (int64_t i = 0; i < 10; ++i) sum_sq += std::pow(x.at({n, c, i / 5, i % 5}) - mean, 2);
    const double biased = sum_sq / count, unbiased = sum_sq / (count - 1);
    for (int64_t n = 0; n < 4; ++n) {
      const double expect =
          (x.at({n, c, 1, 3}) - mean) / std::sqrt(biased + 1e-5) * bn.weight.at({c}) +
          bn.bias.at({c});
      CHECK(y.at({n, c, 1, 3}) == doctest::Approx(expect).epsilon(1e-4));
    }
    CHECK(bn.running_mean.at({c}) == doctest::Approx(0.9 * 0.0 + 0.1 * mean).epsilon(1e-5));
    CHECK(bn.running_var.at({c}) == doctest::Approx(0.9 * 1.0 + 0.1 * unbiased).epsilon(1e-5));
  }
  CHECK(bn.num_batches_tracked.item() == 1.0f);
  bn.eval();
  Tensor z = bn(x);
  for (int64_t c = 0; c < 3; ++c) {
    const double expect = (x.at({1, c, 0, 2}) - bn.running_mean.at({c})) /
                              std::sqrt(bn.running_var.at({c}) + 1e-5) * bn.weight.at({c}) +
                          bn.bias.at({c});
    CHECK(z.at({1, c, 0, 2}) == doctest::Approx(expect).epsilon(1e-4));
  }
  CHECK(bn.num_batches_tracked.item() == 1.0f);  // eval does not count
  CHECK_FAILS_WITH(bn(randn({4, 3})),
                   "BatchNorm2d(3): expected 4-D input (N, C, H, W), got [4, 3]");
  CHECK_FAILS_WITH(bn(randn({4, 2, 3, 3})),
                   "BatchNorm2d(3): input [4, 2, 3, 3] has 2 channels, expected 3");
}

TEST_CASE("BatchNorm gradients, training and eval; BatchNorm1d on (N, C) and (N, C, L)") {
  manual_seed(43);
  BatchNorm2d bn(2);
  Tensor x = randn({3, 2, 2, 2});
  CHECK(check_gradients([&] { return bn(x); }, input_and_parameters(bn, x)) == "");
  bn.eval();
  CHECK(check_gradients([&] { return bn(x); }, input_and_parameters(bn, x)) == "");
  BatchNorm1d bn1(3);
  Tensor flat = randn({5, 3});
  CHECK(check_gradients([&] { return bn1(flat); }, input_and_parameters(bn1, flat)) == "");
  Tensor seq = randn({2, 3, 4});
  CHECK(bn1(seq).shape() == Shape{2, 3, 4});
  CHECK(check_gradients([&] { return bn1(seq); }, input_and_parameters(bn1, seq)) == "");
  CHECK_FAILS_WITH(bn1(randn({2, 3, 4, 4})),
                   "BatchNorm1d(3): expected 2-D (N, C) or 3-D (N, C, L) input");
}

TEST_CASE("BatchNorm without affine or running statistics registers nothing for them") {
  BatchNormOptions plain;
  plain.affine = false;
  plain.track_running_stats = false;
  BatchNorm2d bn(2, plain);
  CHECK(bn.named_parameters().empty());
  CHECK(bn.named_buffers().empty());
  bn.eval();  // still normalizes with the batch's statistics
  Tensor y = bn(randn({4, 2, 3, 3}) + 5.0f);
  CHECK(std::fabs(y.mean().item()) < 1e-5);
  CHECK(bn.str() ==
        "BatchNorm2d(2, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)");
}

TEST_CASE("LayerNorm normalizes each sample over its last dims; gradients") {
  manual_seed(44);
  LayerNorm ln(Shape{2, 3});
  {
    NoGradGuard no_grad;
    init::uniform_(ln.weight, 0.5f, 1.5f);
    init::uniform_(ln.bias, -0.5f, 0.5f);
  }
  Tensor x = randn({4, 2, 3});
  Tensor y = ln(x);
  for (int64_t n = 0; n < 4; ++n) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < 6; ++i) mean += x.at({n, i / 3, i % 3}) / 6.0;
    for (int64_t i = 0; i < 6; ++i) var += std::pow(x.at({n, i / 3, i % 3}) - mean, 2) / 6.0;
    const double expect = (x.at({n, 1, 2}) - mean) / std::sqrt(var + 1e-5) * ln.weight.at({1, 2}) +
                          ln.bias.at({1, 2});
    CHECK(y.at({n, 1, 2}) == doctest::Approx(expect).epsilon(1e-4));
  }
  CHECK(check_gradients([&] { return ln(x); }, input_and_parameters(ln, x)) == "");
  CHECK(LayerNorm(Shape{2, 3}, 1e-6, false).str() ==
        "LayerNorm((2, 3), eps=1e-06, elementwise_affine=False)");
}

TEST_CASE("Dropout's gradient through a module chain, with a fixed seed per call") {
  manual_seed(45);
  Linear fc(4, 3);
  Dropout drop(0.5);
  Tensor x = randn({2, 4});
  CHECK(check_gradients(
            [&] {
              manual_seed(9);
              return drop(fc(x));
            },
            input_and_parameters(fc, x)) == "");
}
}  // TEST_SUITE("nn.layers")
