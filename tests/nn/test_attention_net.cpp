// tests/nn/test_attention_net.cpp: the document's network: names, the two
// faults of the printed code, SelfAttention at gamma = 0, gradients.
#include <doctest/doctest.h>

#include <cmath>

#include "tests/helpers/nn_test_util.h"
#include "tests/helpers/test_util.h"

using namespace ag;
using namespace ag::nn;
using nn_test::check_gradients;
using nn_test::input_and_parameters;

namespace {

std::vector<std::string> names(const NamedTensors& list) {
  std::vector<std::string> out;
  for (auto& e : list) out.push_back(e.first);
  return out;
}

// The keys of one BatchNorm2d in state_dict order.
void add_bn(std::vector<std::string>& keys, const std::string& p) {
  for (const char* k : {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"})
    keys.push_back(p + k);
}

}  // namespace

TEST_SUITE("nn.attention_net") {
TEST_CASE("parameter names are the PyTorch code's (plus the shortcut fix), in PyTorch's order") {
  AttentionNet net;
  // Written by hand from section 4.3, with `self.shortcut = nn.Sequential(
  // nn.Conv2d(in, out, 1, bias=False), nn.BatchNorm2d(out))` added at the end
  // of ResBlock.__init__. Own parameters come before submodules' (gamma first).
  std::vector<std::string> expected = {"conv1.conv.weight", "conv1.conv.bias", "conv1.bn.weight",
                                       "conv1.bn.bias"};
  for (std::string r : {"res1.", "res2."})
    for (const char* k :
         {"conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "conv2.weight", "conv2.bias",
          "bn2.weight", "bn2.bias", "shortcut.0.weight", "shortcut.1.weight", "shortcut.1.bias"})
      expected.push_back(r + k);
  for (const char* k : {"attention.gamma", "attention.query.weight", "attention.query.bias",
                        "attention.key.weight", "attention.key.bias", "attention.value.weight",
                        "attention.value.bias", "fc.weight", "fc.bias"})
    expected.push_back(k);
  CHECK(names(net.named_parameters()) == expected);

  std::vector<std::string> keys = {"conv1.conv.weight", "conv1.conv.bias"};
  add_bn(keys, "conv1.bn.");
  for (std::string r : {"res1.", "res2."}) {
    keys.push_back(r + "conv1.weight"), keys.push_back(r + "conv1.bias");
    add_bn(keys, r + "bn1.");
    keys.push_back(r + "conv2.weight"), keys.push_back(r + "conv2.bias");
    add_bn(keys, r + "bn2.");
    keys.push_back(r + "shortcut.0.weight");
    add_bn(keys, r + "shortcut.1.");
  }
  for (const char* k : {"attention.gamma", "attention.query.weight", "attention.query.bias",
                        "attention.key.weight", "attention.key.bias", "attention.value.weight",
                        "attention.value.bias", "fc.weight", "fc.bias"})
    keys.push_back(k);
  CHECK(names(net.state_dict()) == keys);

  // By hand: conv1 1,792 + bn 128; res1 73,856 + 256 + 147,584 + 256 + 8,192 + 256 = 230,400;
  // res2 295,168 + 512 + 590,080 + 512 + 32,768 + 512 = 919,552; attention 8,224 + 8,224 +
  // 65,792 + 1 = 82,241; fc 40,970. Total 1,275,083.
  CHECK(net.num_parameters() == 1275083);
  AttentionNetOptions printed;
  printed.as_printed = true;
  // Without the shortcuts: minus 8,192 + 2·128 (res1) and 32,768 + 2·256 (res2).
  CHECK(AttentionNet(printed).num_parameters() == 1275083 - (8192 + 2 * 128) - (32768 + 2 * 256));
}

TEST_CASE("the module tree prints as PyTorch prints the document's network") {
  const std::string bn = ", eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)";
  auto res = [&](const char* name, int in, int out) {
    std::string i = std::to_string(in), o = std::to_string(out);
    return std::string("  (") + name + "): ResBlock(\n" + "    (conv1): Conv2d(" + i + ", " + o +
           ", kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n" + "    (bn1): BatchNorm2d(" +
           o + bn + "\n" + "    (relu): ReLU(inplace=True)\n" + "    (conv2): Conv2d(" + o + ", " +
           o + ", kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n" +
           "    (bn2): BatchNorm2d(" + o + bn + "\n" + "    (shortcut): Sequential(\n" +
           "      (0): Conv2d(" + i + ", " + o +
           ", kernel_size=(1, 1), stride=(1, 1), bias=False)\n" + "      (1): BatchNorm2d(" + o +
           bn + "\n" + "    )\n" + "  )\n";
  };
  std::string expected =
      "AttentionNet(\n"
      "  (conv1): ConvBlock(\n"
      "    (conv): Conv2d(3, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
      "    (bn): BatchNorm2d(64" +
      bn +
      "\n"
      "    (relu): ReLU(inplace=True)\n"
      "  )\n" +
      res("res1", 64, 128) + res("res2", 128, 256) +
      "  (attention): SelfAttention(\n"
      "    (query): Conv2d(256, 32, kernel_size=(1, 1), stride=(1, 1))\n"
      "    (key): Conv2d(256, 32, kernel_size=(1, 1), stride=(1, 1))\n"
      "    (value): Conv2d(256, 256, kernel_size=(1, 1), stride=(1, 1))\n"
      "  )\n"
      "  (fc): Linear(in_features=4096, out_features=10, bias=True)\n"
      ")";
  CHECK(AttentionNet().str() == expected);
}

TEST_CASE(
    "fault 1: as printed, the network fails at res1's `out += residual`, naming both shapes") {
  AttentionNetOptions printed;
  printed.as_printed = true;
  AttentionNet net(printed);
  CHECK_FAILS_WITH(
      net(randn({32, 3, 16, 16})),
      "add: shapes [32, 128, 16, 16] and [32, 64, 16, 16] cannot be broadcast together "
      "(128 vs 64 at dimension 1 of the result)");
  // res2 has the same fault (128 -> 256).
  ResBlock res2(128, 256, /*projection_shortcut=*/false);
  CHECK_FAILS_WITH(res2(randn({2, 128, 4, 4})), "add: shapes [2, 256, 4, 4] and [2, 128, 4, 4]");
}

TEST_CASE("fault 2: avg_pool2d(out, 4) feeds fc 256*4*4 features only for 16x16 images") {
  AttentionNetOptions cifar;
  cifar.image_size = 32;
  cifar.printed_pool = true;  // fault 1 fixed, fault 2 as printed
  AttentionNet printed_pool(cifar);
  CHECK_FAILS_WITH(
      printed_pool(randn({2, 3, 32, 32})),
      "Linear(in_features=4096, out_features=10): input [2, 16384] must end in 4096 features");
  cifar.printed_pool = false;  // the fix: pool to 4x4 whatever the size
  CHECK(AttentionNet(cifar)(randn({2, 3, 32, 32})).shape() == Shape{2, 10});

  // At 16x16 the fix computes exactly what the printed pooling does.
  AttentionNetOptions sixteen;
  sixteen.printed_pool = true;
  manual_seed(21);
  AttentionNet a(sixteen);
  manual_seed(21);
  AttentionNet b;
  Tensor x = randn({2, 3, 16, 16});
  CHECK(a(x).to_vector() == b(x).to_vector());
}

TEST_CASE("configurable: 1-channel 28x28 images, 47 classes; a wrong input is named") {
  AttentionNetOptions fashion;
  fashion.in_channels = 1;
  fashion.image_size = 28;
  fashion.num_classes = 47;
  AttentionNet net(fashion);
  CHECK(net(randn({2, 1, 28, 28})).shape() == Shape{2, 47});
  CHECK_FAILS_WITH(net(randn({2, 3, 28, 28})),
                   "AttentionNet: expected input [N, 1, 28, 28] (in_channels 1, image_size 28), "
                   "got [2, 3, 28, 28]");
}

TEST_CASE("forward and backward on a [32, 3, 16, 16] batch") {
  manual_seed(22);
  AttentionNet net;
  Tensor x = randn({32, 3, 16, 16});
  Tensor targets = empty({32});
  for (int64_t i = 0; i < 32; ++i) targets.data()[i] = float(i % 10);
  Tensor logits = net(x);
  REQUIRE(logits.shape() == Shape{32, 10});
  Tensor loss = cross_entropy(logits, targets);
  CHECK(std::isfinite(loss.item()));
  loss.backward();
  for (auto& entry : net.named_parameters()) {
    const Tensor& p = entry.second;
    INFO(entry.first);
    REQUIRE(p.grad().defined());
    CHECK(p.grad().shape() == p.shape());
    bool finite = true;
    for (float g : p.grad().to_vector()) finite = finite && std::isfinite(g);
    CHECK(finite);
  }
  CHECK(net.attention->gamma.grad().item() != 0.0f);
  CHECK(net.res1->bn1->num_batches_tracked.item() == 1.0f);
}

TEST_CASE(
    "SelfAttention at init (gamma = 0) returns its input exactly; only gamma gets a gradient") {
  manual_seed(23);
  SelfAttention attention(16);
  Tensor x = randn({2, 16, 4, 4});
  Tensor y = attention(x);
  CHECK(y.to_vector() == x.to_vector());  // 0 * out + x is x, bit for bit
  (y * randn({2, 16, 4, 4})).sum().backward();
  // Why: result = gamma * attended + x. The chain rule sends the gradient to
  // every query/key/value weight through `attended`, multiplied by gamma,
  // which is 0, so those gradients are exactly 0. gamma's own gradient is
  // sum(dresult * attended), not 0. So the first optimizer step moves gamma
  // alone; after it, attention starts to matter and its weights start to learn.
  CHECK(attention.gamma.grad().item() != 0.0f);
  for (auto& entry : attention.named_parameters()) {
    const Tensor& p = entry.second;
    if (entry.first == "gamma") continue;
    INFO(entry.first);
    if (!p.grad().defined()) continue;  // no gradient at all is zero too
    for (float g : p.grad().to_vector()) CHECK(g == 0.0f);
  }
}

TEST_CASE("SelfAttention equals a naive loop over positions (gamma = 0.5), by either path") {
  for (bool fused : {true, false}) {  // forward_fused, then the document's lines
    INFO((fused ? "forward_fused" : "the document's lines"));
    manual_seed(24);
    SelfAttention attention(8);
    attention.gamma.data()[0] = 0.5f;
    attention.fused = fused;
    attention.keep_attention = true;
    const int64_t N = 2, C = 8, H = 2, W = 3, P = H * W;
    Tensor x = randn({N, C, H, W});
    Tensor y = attention(x);
    // A 1x1 conv at position i: w · x[:, i] + b.
    auto conv1x1 = [&](const Conv2d& conv, int64_t n, int64_t o, int64_t i) {
      double acc = conv.bias.at({o});
      for (int64_t c = 0; c < C; ++c)
        acc += double(conv.weight.at({o, c, 0, 0})) * x.at({n, c, i / W, i % W});
      return acc;
    };
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < P; ++i) {
        std::vector<double> att(P);
        double total = 0;
        for (int64_t j = 0; j < P; ++j) {
          double energy = 0;
          for (int64_t c = 0; c < C / 8; ++c)
            energy += conv1x1(*attention.query, n, c, i) * conv1x1(*attention.key, n, c, j);
          total += att[j] = std::exp(energy);
        }
        for (int64_t j = 0; j < P; ++j)
          CHECK(attention.last_attention.at({n, i, j}) == doctest::Approx(att[j] / total));
        for (int64_t c = 0; c < C; ++c) {
          double out = 0;
          for (int64_t j = 0; j < P; ++j)
            out += conv1x1(*attention.value, n, c, j) * att[j] / total;
          CHECK(y.at({n, c, i / W, i % W}) ==
                doctest::Approx(0.5 * out + x.at({n, c, i / W, i % W})));
        }
      }
  }
}

TEST_CASE("gradients: ConvBlock, ResBlock (projection and identity shortcut), SelfAttention") {
  manual_seed(25);
  ConvBlock block(2, 3);
  Tensor x = randn({2, 2, 3, 3});
  CHECK(check_gradients([&] { return block(x); }, input_and_parameters(block, x)) == "");
  ResBlock projected(2, 3);
  Tensor x2 = randn({2, 2, 3, 3});
  CHECK(check_gradients([&] { return projected(x2); }, input_and_parameters(projected, x2)) == "");
  ResBlock same(3, 3);
  CHECK(same.shortcut == nullptr);
  Tensor x3 = randn({2, 3, 3, 3});
  CHECK(check_gradients([&] { return same(x3); }, input_and_parameters(same, x3)) == "");
  SelfAttention attention(8);
  attention.gamma.data()[0] = 0.7f;
  Tensor x4 = randn({2, 8, 2, 2});
  CHECK(check_gradients([&] { return attention(x4); }, input_and_parameters(attention, x4)) == "");
}

TEST_CASE("gradient of the whole AttentionNet with respect to its input (1x4x4 images)") {
  manual_seed(26);
  AttentionNetOptions tiny;
  tiny.in_channels = 1;
  tiny.image_size = 4;
  AttentionNet net(tiny);
  net.attention->gamma.data()[0] = 0.5f;
  Tensor x = randn({2, 1, 4, 4});
  // Eval mode (after one training batch set the running statistics). In
  // training mode a nudge to one pixel moves the batch statistics, hence
  // every one of the ~26,000 ReLU inputs of the network, and a few of them
  // cross zero within ±eps: the finite difference then measures the kink,
  // not the derivative. The blocks are checked in training mode above.
  net(x);
  net.eval();
  x.requires_grad_(true);
  CHECK(check_gradients([&] { return net(x); }, {{"input", x}}) == "");
}

TEST_CASE("eval mode uses running statistics: an image gives the same logits alone or in a batch") {
  manual_seed(27);
  AttentionNet net;
  net(randn({8, 3, 16, 16}));  // one training batch moves the running statistics
  net.eval();
  Tensor batch = randn({4, 3, 16, 16});
  Tensor all = net(batch);
  Tensor one = net(narrow(batch, 0, 2, 1));
  for (int64_t k = 0; k < 10; ++k)
    CHECK(one.at({0, k}) == doctest::Approx(all.at({2, k})).epsilon(1e-4));
  CHECK(net.conv1->bn->num_batches_tracked.item() == 1.0f);  // eval batches are not counted
}
}  // TEST_SUITE("nn.attention_net")
