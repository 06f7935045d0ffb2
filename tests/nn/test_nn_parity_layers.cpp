// tests/nn/test_nn_parity_layers.cpp: the modules beyond the document's, with PyTorch's
// names, arguments, parameter names and default init: GroupNorm, GELU,
// LeakyReLU, SiLU, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d,
// AdaptiveMaxPool2d. Each: state_dict names and shapes, init, printed form,
// forward equal to the functional op, gradients, and constructor errors.
#include <cmath>
#include <vector>

#include "tests/helpers/nn_test_util.h"

using namespace ag;
using namespace ag::nn;
using nn_test::check_gradients;
using nn_test::input_and_parameters;
using nn_test::names;

TEST_SUITE("nn.layers") {

TEST_CASE("GroupNorm: weight 1 and bias 0 per channel, forward is group_norm, gradients") {
  manual_seed(51);
  GroupNorm gn(2, 6);
  CHECK(gn.str() == "GroupNorm(2, 6, eps=1e-05, affine=True)");
  CHECK(names(gn.named_parameters()) == std::vector<std::string>{"weight", "bias"});
  CHECK(gn.named_buffers().empty());  // no running statistics
  auto state = gn.state_dict();
  REQUIRE(state.size() == 2);
  CHECK(state[0].second.shape() == Shape{6});
  CHECK(state[1].second.shape() == Shape{6});
  ag_test::check_close(gn.weight, std::vector<float>(6, 1.0f));
  ag_test::check_close(gn.bias, std::vector<float>(6, 0.0f));
  {
    NoGradGuard no_grad;
    init::uniform_(gn.weight, 0.5f, 1.5f);
    init::uniform_(gn.bias, -0.5f, 0.5f);
  }
  Tensor x = randn({3, 6, 2, 2});
  ag_test::check_close(gn(x), group_norm(x, 2, gn.weight, gn.bias, 1e-5f));
  // By hand: one sample, 2 channels of 2 values in one group: [1, 3, 5, 7],
  // mean 4, variance 5; with eps 0 and affine off, (x - 4) / sqrt(5).
  GroupNorm plain(1, 2, 0.0, false);
  CHECK(plain.named_parameters().empty());
  CHECK(plain.str() == "GroupNorm(1, 2, eps=0.0, affine=False)");
  const float r5 = std::sqrt(5.0f);
  ag_test::check_close(plain(from_vector({1, 3, 5, 7}, {1, 2, 2})),
                       {-3 / r5, -1 / r5, 1 / r5, 3 / r5});
  // Train and eval compute the same thing.
  gn.eval();
  ag_test::check_close(gn(x), group_norm(x, 2, gn.weight, gn.bias, 1e-5f));
  CHECK(check_gradients([&] { return gn(x); }, input_and_parameters(gn, x)) == "");
}

TEST_CASE("GroupNorm errors name the module") {
  CHECK_THROWS_WITH_AS(
      GroupNorm(4, 6),
      "GroupNorm: num_channels must be divisible by num_groups, got num_channels=6 "
      "and num_groups=4",
      Error);
  CHECK_THROWS_WITH_AS(GroupNorm(0, 6), "GroupNorm: num_groups 0 and num_channels 6 must be > 0",
                       Error);
  GroupNorm gn(2, 4);
  CHECK_THROWS_WITH_AS(gn(zeros({2, 6, 3})), "GroupNorm(2, 4): input [2, 6, 3] must be (N, 4, *)",
                       Error);
}

TEST_CASE(
    "GELU, LeakyReLU, SiLU: PyTorch's defaults and repr, forward equal to the functional ops") {
  manual_seed(52);
  Tensor x = randn({3, 4});
  GELU exact;
  GELU tanh_form("tanh");
  LeakyReLU leaky;
  LeakyReLU steep(0.2);
  SiLU silu_layer;
  CHECK(exact.str() == "GELU(approximate='none')");
  CHECK(tanh_form.str() == "GELU(approximate='tanh')");
  CHECK(leaky.str() == "LeakyReLU(negative_slope=0.01)");
  CHECK(steep.str() == "LeakyReLU(negative_slope=0.2)");
  CHECK(silu_layer.str() == "SiLU()");
  for (Module* m : std::vector<Module*>{&exact, &tanh_form, &leaky, &steep, &silu_layer}) {
    CHECK(m->named_parameters().empty());
    CHECK(m->state_dict().empty());
  }
  ag_test::check_close(exact(x), gelu(x));
  ag_test::check_close(tanh_form(x), gelu(x, "tanh"));
  ag_test::check_close(leaky(x), leaky_relu(x, 0.01f));
  ag_test::check_close(steep(x), leaky_relu(x, 0.2f));
  ag_test::check_close(silu_layer(x), silu(x));
  // By hand at a few points: leaky_relu(-2) = -0.02, silu(0) = 0, gelu(0) = 0.
  ag_test::check_close(leaky(from_vector({-2, 3}, {2})), {-0.02f, 3});
  ag_test::check_close(silu_layer(from_vector({0}, {1})), {0.0f});
  ag_test::check_close(exact(from_vector({0}, {1})), {0.0f});
  CHECK(check_gradients([&] { return steep(x); }, {{"input", x.requires_grad_(true)}}) == "");
  CHECK_THROWS_WITH_AS(GELU("erf"), "GELU: approximate must be 'none' or 'tanh', got 'erf'", Error);
}

TEST_CASE("pool modules: PyTorch's repr, no parameters, forward equal to the functional ops") {
  manual_seed(53);
  MaxPool2d max_layer(Pool2dOptions(2));
  CHECK(max_layer.str() ==
        "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  Pool2dOptions wide(2);
  wide.kernel_w = wide.stride_w = 3;
  MaxPool2d wide_layer(Pool2dOptions(wide).ceil_mode(true));
  CHECK(wide_layer.str() ==
        "MaxPool2d(kernel_size=(2, 3), stride=(2, 3), padding=0, dilation=1, ceil_mode=True)");
  const Pool2dOptions avg_options = Pool2dOptions(3)
                                        .stride(2)
                                        .padding(1)
                                        .ceil_mode(true)
                                        .count_include_pad(false)
                                        .divisor_override(2);
  AvgPool2d avg_layer(avg_options);
  CHECK(avg_layer.str() == "AvgPool2d(kernel_size=3, stride=2, padding=1)");
  AdaptiveMaxPool2d adaptive_max(2, 3);
  CHECK(adaptive_max.str() == "AdaptiveMaxPool2d(output_size=(2, 3))");
  AdaptiveAvgPool2d adaptive_avg(2);
  CHECK(adaptive_avg.str() == "AdaptiveAvgPool2d(output_size=2)");
  for (Module* m :
       std::vector<Module*>{&max_layer, &wide_layer, &avg_layer, &adaptive_max, &adaptive_avg})
    CHECK(m->state_dict().empty());

  Tensor x = randn({2, 3, 7, 8});
  ag_test::check_close(max_layer(x), max_pool2d(x, Pool2dOptions(2)));
  ag_test::check_close(wide_layer(x), max_pool2d(x, Pool2dOptions(wide).ceil_mode(true)));
  ag_test::check_close(avg_layer(x), avg_pool2d(x, avg_options));
  ag_test::check_close(adaptive_max(x), adaptive_max_pool2d(x, 2, 3));
  ag_test::check_close(adaptive_avg(x), adaptive_avg_pool2d(x, 2, 2));
  auto [values, indices] = adaptive_max.forward_with_indices(x);
  ag_test::check_close(values, adaptive_max_pool2d(x, 2, 3));
  ag_test::check_close(indices, adaptive_max_pool2d_with_indices(x, 2, 3).second);
  // Unbatched input stays unbatched through the module.
  CHECK(wide_layer(randn({3, 7, 8})).shape() == Shape{3, 4, 3});
  CHECK(avg_layer(randn({3, 7, 8})).shape() == Shape{3, 4, 5});  // 8 columns: ceil(7 / 2) + 1
}

TEST_CASE("pool modules refuse bad options when built") {
  CHECK_THROWS_WITH_AS(
      MaxPool2d(Pool2dOptions(2).count_include_pad(false)),
      "MaxPool2d: count_include_pad and divisor_override are options of AvgPool2d only", Error);
  CHECK_THROWS_WITH_AS(AvgPool2d(Pool2dOptions(2).divisor_override(0)),
                       "AvgPool2d: divisor_override must not be zero", Error);
  CHECK_THROWS_WITH_AS(MaxPool2d(Pool2dOptions(0)),
                       "MaxPool2d: kernel_size 0 and stride 0 must be >= 1 and padding 0 >= 0",
                       Error);
  CHECK_THROWS_WITH_AS(AdaptiveMaxPool2d(0, 2),
                       "AdaptiveMaxPool2d: output_size must be >= 1, got (0, 2)", Error);
}

}  // TEST_SUITE("nn.layers")
