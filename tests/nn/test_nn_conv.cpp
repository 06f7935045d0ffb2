// tests/nn/test_nn_conv.cpp: nn::Conv1d, nn::ConvTranspose2d and nn::Conv2d with
// padding "same"/"valid": PyTorch's parameter names and shapes, its default
// init bounds (1/sqrt(fan_in), fan_in from weight dimension 1), its repr,
// forward equal to the functional op, module gradients, and the errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "tests/helpers/nn_test_util.h"
#include "tests/helpers/test_util.h"

using namespace ag;
using namespace ag::nn;
using nn_test::check_gradients;
using nn_test::input_and_parameters;
using nn_test::names;

namespace {

// Every value within ±bound, and the largest near it (uniform, not a smaller
// spread): with n draws the largest |v| is below 0.8·bound with chance 0.8^n.
void check_uniform_bound(const Tensor& t, double bound) {
  CAPTURE(bound);
  double largest = 0;
  for (float v : t.to_vector()) largest = std::max(largest, std::fabs(double(v)));
  CHECK(largest <= bound);
  CHECK(largest > 0.8 * bound);
}

}  // namespace

TEST_SUITE("nn.layers") {

TEST_CASE("Conv1d: PyTorch's names, shapes, init bounds and repr; forward is conv1d") {
  manual_seed(61);
  Conv1d conv(4, 6, 3, Conv1dOptions().stride(2).padding(1).group_count(2));
  CHECK(names(conv.state_dict()) == std::vector<std::string>{"weight", "bias"});
  CHECK(conv.weight.shape() == Shape{6, 2, 3});
  CHECK(conv.bias.shape() == Shape{6});
  check_uniform_bound(conv.weight, 1.0 / std::sqrt(2.0 * 3));  // fan_in = C/groups · k = 6
  check_uniform_bound(conv.bias, 1.0 / std::sqrt(2.0 * 3));
  CHECK(conv.str() == "Conv1d(4, 6, kernel_size=(3,), stride=(2,), padding=(1,), groups=2)");
  Tensor x = randn({2, 4, 9});
  ag_test::check_close(conv(x), conv1d(x, conv.weight, conv.bias, conv.options));
  CHECK(conv(x).shape() == Shape{2, 6, 5});
  CHECK(conv(randn({4, 9})).shape() == Shape{6, 5});  // unbatched
  CHECK(check_gradients([&] { return conv(x); }, input_and_parameters(conv, x)) == "");

  Conv1d same(3, 2, 4, Conv1dOptions().padding("same").dilation(2), false);
  CHECK(names(same.state_dict()) == std::vector<std::string>{"weight"});
  CHECK(same.str() ==
        "Conv1d(3, 2, kernel_size=(4,), stride=(1,), padding=same, dilation=(2,), bias=False)");
  CHECK(same(randn({1, 3, 10})).shape() == Shape{1, 2, 10});
  CHECK(Conv1d(3, 8, 3).str() == "Conv1d(3, 8, kernel_size=(3,), stride=(1,))");
}

TEST_CASE("ConvTranspose2d: weight (in, out/groups, k, k), fan_in from dim 1, as PyTorch") {
  manual_seed(62);
  ConvTranspose2d up(
      4, 6, 3, ConvTranspose2dOptions().stride(2).padding(1).output_padding(1).group_count(2));
  CHECK(names(up.state_dict()) == std::vector<std::string>{"weight", "bias"});
  CHECK(up.weight.shape() == Shape{4, 3, 3, 3});
  CHECK(up.bias.shape() == Shape{6});
  // PyTorch's fan_in here is weight.size(1)·k·k = 3·9 = 27 (not in_channels·9).
  check_uniform_bound(up.weight, 1.0 / std::sqrt(27.0));
  check_uniform_bound(up.bias, 1.0 / std::sqrt(27.0));
  CHECK(up.str() ==
        "ConvTranspose2d(4, 6, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), "
        "output_padding=(1, 1), groups=2)");
  Tensor x = randn({2, 4, 3, 3});
  Tensor y = up(x);
  CHECK(y.shape() == Shape{2, 6, 6, 6});  // (3-1)·2 - 2 + 2 + 1 + 1
  ag_test::check_close(y, conv_transpose2d(x, up.weight, up.bias, up.options));
  CHECK(up(randn({4, 3, 3})).shape() == Shape{6, 6, 6});  // unbatched
  CHECK(check_gradients([&] { return up(x); }, input_and_parameters(up, x)) == "");

  ConvTranspose2d plain(3, 8, 2, ConvTranspose2dOptions().dilation(2), false);
  CHECK(names(plain.state_dict()) == std::vector<std::string>{"weight"});
  CHECK(plain.str() ==
        "ConvTranspose2d(3, 8, kernel_size=(2, 2), stride=(1, 1), dilation=(2, 2), bias=False)");
  check_uniform_bound(plain.weight, 1.0 / std::sqrt(8.0 * 4));
}

TEST_CASE("Conv2d with padding \"same\" and \"valid\": sizes, repr, forward is conv2d") {
  manual_seed(63);
  Conv2d same(2, 3, 4, Conv2dOptions().padding("same"));
  Tensor x = randn({2, 2, 5, 6});
  CHECK(same(x).shape() == Shape{2, 3, 5, 6});
  ag_test::check_close(same(x), conv2d(x, same.weight, same.bias, Conv2dOptions().padding("same")));
  CHECK(same.str() == "Conv2d(2, 3, kernel_size=(4, 4), stride=(1, 1), padding=same)");
  CHECK(check_gradients([&] { return same(x); }, input_and_parameters(same, x)) == "");
  Conv2d valid(2, 3, 3, Conv2dOptions().padding("valid"));
  CHECK(valid(x).shape() == Shape{2, 3, 3, 4});
  CHECK(valid.str() == "Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=valid)");
  CHECK(valid(randn({2, 5, 6})).shape() == Shape{3, 3, 4});  // unbatched
}

TEST_CASE("conv modules refuse what PyTorch refuses, at construction") {
  CHECK_FAILS_WITH(Conv2d(3, 4, 3, Conv2dOptions().padding("same").stride(2)),
                   "Conv2d: padding=\"same\" needs stride 1, got stride (2, 2)");
  CHECK_FAILS_WITH(Conv1d(3, 4, 3, Conv1dOptions().stride(2).padding("same")),
                   "Conv1d: padding=\"same\" needs stride 1, got stride 2");
  CHECK_FAILS_WITH(Conv1d(3, 4, 3, Conv1dOptions().group_count(2)),
                   "Conv1d: groups 2 must divide in_channels 3 and out_channels 4");
  CHECK_FAILS_WITH(ConvTranspose2d(3, 6, 3, ConvTranspose2dOptions().group_count(2)),
                   "ConvTranspose2d: groups 2 must divide in_channels 3 and out_channels 6");
  CHECK_FAILS_WITH(ConvTranspose2d(3, 0, 3),
                   "ConvTranspose2d: in_channels 3, out_channels 0 and kernel_size 3 must be > 0");
  CHECK_FAILS_WITH(Conv1d(0, 2, 3),
                   "Conv1d: in_channels 0, out_channels 2 and kernel_size 3 must be > 0");
}

}  // TEST_SUITE("nn.layers")
