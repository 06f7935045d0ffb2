// tests/nn/test_nn.cpp: the Module system (names, train/eval, hooks, printing) and
// parameter initialisation. The layers are tested in test_nn_layers.cpp.
#include <doctest/doctest.h>

#include <cmath>

#include "tests/helpers/nn_test_util.h"
#include "tests/helpers/test_util.h"

using namespace ag;
using namespace ag::nn;
using nn_test::check_gradients;
using nn_test::input_and_parameters;
using nn_test::names;

namespace {

// A two-level module, to check dotted names and their order.
struct Block : UnaryModule {
  ModuleHolder<Linear> fc;
  Tensor scale;
  explicit Block(int64_t in) : UnaryModule("Block") {
    scale = register_parameter("scale", ones({2}));
    fc = register_module("fc", std::make_shared<Linear>(in, 2));
    register_buffer("steps", zeros({1}));
  }
  Tensor forward(const Tensor& x) override { return fc(x) * scale; }
};

struct Net : UnaryModule {
  ModuleHolder<Block> first, second;
  Net() : UnaryModule("Net") {
    first = register_module("first", std::make_shared<Block>(3));
    second = register_module("second", std::make_shared<Block>(2));
  }
  Tensor forward(const Tensor& x) override { return second(relu(first(x))); }
};

}  // namespace

TEST_SUITE("nn.module") {
TEST_CASE("named_parameters: own entries first, then children, with dotted names") {
  Net net;
  CHECK(names(net.named_parameters()) ==
        std::vector<std::string>{"first.scale", "first.fc.weight", "first.fc.bias", "second.scale",
                                 "second.fc.weight", "second.fc.bias"});
  CHECK(names(net.named_buffers()) == std::vector<std::string>{"first.steps", "second.steps"});
  CHECK(names(net.named_parameters(false)).empty());
  // state_dict, per module: parameters, buffers, then children (PyTorch's order).
  CHECK(names(net.state_dict()) == std::vector<std::string>{"first.scale", "first.steps",
                                                            "first.fc.weight", "first.fc.bias",
                                                            "second.scale", "second.steps",
                                                            "second.fc.weight", "second.fc.bias"});
  // first: 2 + 3*2 + 2, second: 2 + 2*2 + 2, counted by hand.
  CHECK(net.num_parameters() == 18);
  CHECK(net.parameters()[1].same(net.first->fc->weight));  // the registered tensor is the member
  CHECK(net.parameters()[1].requires_grad());
  CHECK(&net.submodule("second.fc") == net.second->fc.get());
  CHECK_FAILS_WITH(net.submodule("third"), "Net.submodule: no submodule named \"third\"");
}

TEST_CASE("registering a taken or dotted name is an error") {
  struct Bad : Module {
    explicit Bad(int which) : Module("Bad") {
      register_parameter("w", zeros({1}));
      if (which == 0) register_buffer("w", zeros({1}));
      if (which == 1) register_module("a.b", std::make_shared<Identity>());
    }
  };
  CHECK_FAILS_WITH(Bad(0), "Bad.register_buffer: the name \"w\" is already registered");
  CHECK_FAILS_WITH(Bad(1),
                   "Bad.register_module: name \"a.b\" must be non-empty and contain no '.'");
}

TEST_CASE("train/eval reach every submodule; zero_grad clears every gradient") {
  Net net;
  CHECK(net.second->fc->is_training());
  net.eval();
  CHECK_FALSE(net.is_training());
  CHECK_FALSE(net.second->fc->is_training());
  net.train();
  CHECK(net.first->is_training());
  net(randn({4, 3})).sum().backward();
  for (auto& p : net.parameters()) CHECK(p.grad().defined());
  net.zero_grad();
  for (auto& p : net.parameters()) CHECK_FALSE(p.grad().defined());
}

TEST_CASE("forward hooks see the module, its input and its output; removal stops them") {
  Net net;
  std::vector<std::string> calls;
  Tensor seen_input, seen_output;
  int handle = net.first->fc->register_forward_hook(
      [&](Module& m, const std::vector<Tensor>& in, const Tensor& out) {
        calls.push_back(m.type_name());
        seen_input = in.at(0);
        seen_output = out;
      });
  Tensor x = randn({4, 3});
  net(x);
  CHECK(calls == std::vector<std::string>{"Linear"});
  CHECK(seen_input.same(x));
  CHECK(seen_output.shape() == Shape{4, 2});
  net.first->fc->remove_forward_hook(handle);
  net(x);
  CHECK(calls.size() == 1);
  CHECK_FAILS_WITH(net.first->fc->remove_forward_hook(handle), "no hook with handle");
}

TEST_CASE("the module tree prints like PyTorch's repr") {
  Sequential seq{std::make_shared<Linear>(4, 3),
                 std::make_shared<ReLU>(true),
                 std::make_shared<Dropout>(0.25),
                 std::make_shared<Conv2d>(3, 8, 3, Conv2dOptions().stride(2).padding(1), false),
                 std::make_shared<BatchNorm2d>(8),
                 std::make_shared<LayerNorm>(Shape{8}),
                 std::make_shared<Embedding>(10, 4),
                 std::make_shared<Identity>()};
  CHECK(seq.str() ==
        "Sequential(\n"
        "  (0): Linear(in_features=4, out_features=3, bias=True)\n"
        "  (1): ReLU(inplace=True)\n"
        "  (2): Dropout(p=0.25, inplace=False)\n"
        "  (3): Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)\n"
        "  (4): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n"
        "  (5): LayerNorm((8,), eps=1e-05, elementwise_affine=True)\n"
        "  (6): Embedding(10, 4)\n"
        "  (7): Identity()\n"
        ")");
  CHECK(Conv2d(256, 32, 1).str() == "Conv2d(256, 32, kernel_size=(1, 1), stride=(1, 1))");
  CHECK(ReLU().str() == "ReLU()");
  CHECK(py_float(1.0) == "1.0");
  CHECK(py_float(0.001) == "0.001");
  CHECK(py_float(1e-6) == "1e-06");
}
}  // TEST_SUITE("nn.module")

namespace {

// The same two children held both ways: names, order and repr must not depend on the holder.
struct HeldByPointer : UnaryModule {
  std::shared_ptr<Linear> fc;
  std::shared_ptr<BatchNorm1d> bn;
  HeldByPointer() : UnaryModule("Held") {
    fc = register_module("fc", std::make_shared<Linear>(3, 2));
    bn = register_module("bn", std::make_shared<BatchNorm1d>(2));
  }
  Tensor forward(const Tensor& x) override { return (*bn)((*fc)(x)); }
};

struct HeldByHolder : UnaryModule {
  ModuleHolder<Linear> fc;
  ModuleHolder<BatchNorm1d> bn;
  HeldByHolder() : UnaryModule("Held") {
    fc = register_module("fc", std::make_shared<Linear>(3, 2));
    bn = register_module("bn", std::make_shared<BatchNorm1d>(2));
  }
  Tensor forward(const Tensor& x) override { return bn(fc(x)); }
};

// A module whose author forgot to assign one child.
struct Forgetful : UnaryModule {
  ModuleHolder<Conv2d> conv;
  Forgetful() : UnaryModule("Forgetful") {}
  Tensor forward(const Tensor& x) override { return conv(x); }
};

}  // namespace

TEST_SUITE("nn.module") {
TEST_CASE("ModuleHolder: fc(x) is (*fc)(x): the module's forward, with its hooks") {
  manual_seed(21);
  ModuleHolder<Linear> fc = std::make_shared<Linear>(3, 2);
  int hook_calls = 0;
  fc->register_forward_hook(
      [&](Module&, const std::vector<Tensor>&, const Tensor&) { ++hook_calls; });
  Tensor x = randn({4, 3});
  const std::vector<float> by_forward = fc->forward(x).to_vector();  // forward alone runs no hook
  CHECK(hook_calls == 0);
  CHECK(fc(x).to_vector() == by_forward);
  CHECK(hook_calls == 1);
  CHECK((*fc)(x).to_vector() == by_forward);
  CHECK(hook_calls == 2);
  // y[n][o] = sum_i x[n][i]·W[o][i] + b[o], by a plain loop.
  const Tensor y = fc(x);
  for (int64_t n = 0; n < 4; ++n)
    for (int64_t o = 0; o < 2; ++o) {
      double sum = fc->bias.at({o});
      for (int64_t i = 0; i < 3; ++i) sum += double(x.at({n, i})) * fc->weight.at({o, i});
      CHECK(y.at({n, o}) == doctest::Approx(sum).epsilon(1e-6));
    }

  // Several arguments, defaults included, are passed on: MultiheadAttention.
  ModuleHolder<MultiheadAttention> mha = std::make_shared<MultiheadAttention>(4, 2);
  Tensor q = randn({2, 3, 4}), kv = randn({2, 5, 4});
  auto [out, weights] = mha(q, kv, kv);
  auto [out_fw, weights_fw] = mha->forward(q, kv, kv);
  CHECK(out.to_vector() == out_fw.to_vector());
  CHECK(weights.to_vector() == weights_fw.to_vector());
  CHECK(weights.shape() == Shape{2, 3, 5});
  CHECK_FALSE(mha(q, kv, kv, AttentionMasks(), /*need_weights=*/false).second.defined());

  // A holder of a base class calls the derived module's forward.
  ModuleHolder<UnaryModule> base = fc;
  CHECK(base(x).to_vector() == by_forward);
  CHECK(base.get() == fc.get());
}

TEST_CASE(
    "ModuleHolder: the same parameters, state_dict names and repr as a std::shared_ptr member") {
  manual_seed(5);
  HeldByPointer by_pointer;
  manual_seed(5);
  HeldByHolder by_holder;
  CHECK(names(by_holder.state_dict()) == names(by_pointer.state_dict()));
  CHECK(names(by_holder.state_dict()) ==
        std::vector<std::string>{"fc.weight", "fc.bias", "bn.weight", "bn.bias", "bn.running_mean",
                                 "bn.running_var", "bn.num_batches_tracked"});
  CHECK(by_holder.str() == by_pointer.str());
  CHECK(
      by_holder.parameters()[0].same(by_holder.fc->weight));  // the member is the registered module
  CHECK(&by_holder.submodule("bn") == by_holder.bn.get());
  CHECK(by_holder.bn.use_count() == 2);  // the member and the parent's list; no extra copy
  Tensor x = randn({4, 3});
  CHECK(by_holder(x).to_vector() == by_pointer(x).to_vector());
  // A holder is a shared_ptr: it converts to one and compares with nullptr.
  std::shared_ptr<Module> as_pointer = by_holder.fc;
  CHECK(as_pointer.get() == by_holder.fc.get());
  CHECK(by_holder.fc != nullptr);
}

TEST_CASE(
    "ModuleHolder: an empty holder throws an ag::Error naming the module type, never crashes") {
  ModuleHolder<Conv2d> conv;
  CHECK_FALSE(conv);
  CHECK_THROWS_WITH_AS(
      conv(randn({1, 3, 4, 4})),
      "Conv2d: called an empty ModuleHolder<Conv2d> (no module was assigned to it); "
      "assign one first, as in m = register_module(\"m\", std::make_shared<Conv2d>(...))",
      ag::Error);
  CHECK_FAILS_WITH(conv->weight, "Conv2d: dereferenced an empty ModuleHolder<Conv2d>");
  CHECK_FAILS_WITH(*conv, "Conv2d: dereferenced an empty ModuleHolder<Conv2d>");
  ModuleHolder<MultiheadAttention> mha = nullptr;
  CHECK_FAILS_WITH(mha(randn({1, 2, 4}), randn({1, 2, 4}), randn({1, 2, 4})),
                   "MultiheadAttention: called an empty ModuleHolder<MultiheadAttention>");
  // Inside a network: the error names the child's type, not a segfault in forward.
  Forgetful net;
  CHECK_FAILS_WITH(net(randn({1, 3, 4, 4})), "Conv2d: called an empty ModuleHolder<Conv2d>");
  // A module type of the program's own keeps its namespace in the message.
  ModuleHolder<HeldByHolder> mine;
  CHECK_FAILS_WITH(mine(randn({1, 3})), "HeldByHolder: called an empty ModuleHolder<");
}
}  // TEST_SUITE("nn.module")

TEST_SUITE("nn.init") {
// The variance of U(-b, b) is b²/3; with 200,000 draws the sample variance
// is within 1% of it with overwhelming probability.
void check_uniform(const Tensor& t, double bound) {
  double sum = 0, sum_sq = 0, largest = 0;
  for (float v : t.to_vector())
    sum += v, sum_sq += double(v) * v, largest = std::max(largest, std::fabs(double(v)));
  const double n = double(t.numel()), mean = sum / n, var = sum_sq / n - mean * mean;
  CHECK(largest <= bound);
  CHECK(largest > 0.99 * bound);
  CHECK(std::fabs(mean) < 0.01 * bound);
  CHECK(var == doctest::Approx(bound * bound / 3).epsilon(0.01));
}

TEST_CASE("Linear and Conv2d: kaiming_uniform(a=√5) weights and biases within ±1/sqrt(fan_in)") {
  manual_seed(1);
  Linear fc(1000, 200);
  check_uniform(fc.weight, 1.0 / std::sqrt(1000.0));  // sqrt(6 / ((1 + 5) * 1000))
  for (float b : fc.bias.to_vector()) CHECK(std::fabs(b) <= 1.0 / std::sqrt(1000.0));
  Conv2d conv(50, 500, 3);  // fan_in = 50 * 3 * 3 = 450
  check_uniform(conv.weight, 1.0 / std::sqrt(450.0));
  for (float b : conv.bias.to_vector()) CHECK(std::fabs(b) <= 1.0 / std::sqrt(450.0));
}

TEST_CASE(
    "xavier_uniform for MultiheadAttention's in_proj, zero biases; BatchNorm 1/0; Embedding "
    "N(0,1)") {
  manual_seed(2);
  MultiheadAttention mha(256, 4);
  check_uniform(mha.in_proj_weight,
                std::sqrt(6.0 / (256 + 3 * 256)));  // fans of the (3E, E) matrix
  for (float b : mha.in_proj_bias.to_vector()) CHECK(b == 0.0f);
  for (float b : mha.out_proj->bias.to_vector()) CHECK(b == 0.0f);
  BatchNorm2d bn(3);
  CHECK(bn.weight.to_vector() == std::vector<float>{1, 1, 1});
  CHECK(bn.bias.to_vector() == std::vector<float>{0, 0, 0});
  CHECK(bn.running_var.to_vector() == std::vector<float>{1, 1, 1});
  Embedding emb(1000, 100);
  CHECK(emb.weight.mean().item() == doctest::Approx(0.0).epsilon(0.01).scale(1));
  CHECK(std::sqrt(var(emb.weight).item()) == doctest::Approx(1.0).epsilon(0.01));
}

TEST_CASE("the same seed gives the same initial weights") {
  manual_seed(7);
  Linear a(5, 4);
  manual_seed(7);
  Linear b(5, 4);
  CHECK(a.weight.to_vector() == b.weight.to_vector());
  CHECK(a.bias.to_vector() == b.bias.to_vector());
  CHECK_FAILS_WITH(init::fans(zeros({3})), "at least 2 dimensions, got [3]");
}

TEST_CASE(
    "Linear(0, n) builds, as its check promises and PyTorch does: initialising no elements is a "
    "no-op") {
  // kaiming_uniform_ used to throw "fan_in is 0" from inside the constructor.
  Linear empty_in(0, 3);
  CHECK(empty_in.weight.shape() == Shape{3, 0});
  CHECK(empty_in.bias.to_vector() ==
        std::vector<float>{0, 0, 0});  // bound 1/sqrt(fan_in) is taken as 0
  Tensor y = empty_in(zeros({2, 0}));
  CHECK(y.shape() == Shape{2, 3});
  CHECK(y.to_vector() == std::vector<float>(6, 0.0f));
  Tensor nothing = zeros({0, 4});
  init::xavier_uniform_(nothing);
  init::kaiming_uniform_(nothing);
  CHECK(nothing.version() == 0);  // not even written
}
}  // TEST_SUITE("nn.init")
