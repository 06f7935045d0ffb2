// tests/core/test_debugging.cpp: custom ops, graph drawing, names in messages.
#include <cstdio>
#include <fstream>

#include "tests/helpers/test_util.h"

using namespace ag;

namespace {
// y = x * sigmoid(x), written as a user would: forward, backward, name.
struct Swish {
  static constexpr const char* name = "Swish";
  static Tensor forward(FunctionCtx& ctx, const std::vector<Tensor>& in) {
    ctx.save_for_backward({in[0]});
    return in[0] * sigmoid(in[0]);
  }
  static std::vector<Tensor> backward(FunctionCtx& ctx, const Tensor& dout) {
    Tensor x = ctx.saved()[0], s = sigmoid(x);
    return {dout * (s + x * s * (1.0f - s))};
  }
};

// A deliberately wrong backward (forgets the x·σ'(x) term): gradcheck must catch it.
struct BrokenSwish {
  static Tensor forward(FunctionCtx& ctx, const std::vector<Tensor>& in) {
    ctx.save_for_backward({in[0]});
    return in[0] * sigmoid(in[0]);
  }
  static std::vector<Tensor> backward(FunctionCtx& ctx, const Tensor& dout) {
    return {dout * sigmoid(ctx.saved()[0])};
  }
};

// Two inputs, wrong gradient count: the engine must say so.
struct WrongCount {
  static Tensor forward(FunctionCtx&, const std::vector<Tensor>& in) { return in[0] + in[1]; }
  static std::vector<Tensor> backward(FunctionCtx&, const Tensor& dout) { return {dout}; }
};
}  // namespace

TEST_SUITE("core.debugging") {
TEST_CASE("a custom Function joins the graph as one node and passes gradcheck") {
  manual_seed(11);
  Tensor x = randn({4, 3}, true);
  Tensor y = apply_function<Swish>({x});
  CHECK(y.grad_fn()->name() == "SwishBackward");
  ag_test::check_close(y, mul(x, sigmoid(x)).detach());
  GradcheckFn f = [](const std::vector<Tensor>& v) { return apply_function<Swish>({v[0]}); };
  CHECK_GRADCHECK(f, {randn({4, 3}, true)});
}

TEST_CASE("gradcheck catches a wrong backward and says where") {
  manual_seed(12);
  GradcheckFn f = [](const std::vector<Tensor>& v) { return apply_function<BrokenSwish>({v[0]}); };
  Tensor x = randn({2, 2}, true);
  x.set_name("x");
  GradcheckResult r = gradcheck(f, {x});
  CHECK_FALSE(r.ok);
  CHECK(r.report.find("input 0 'x' of shape [2, 2], element [0, 0]: analytic") !=
        std::string::npos);
  CHECK(r.report.find("vs numeric") != std::string::npos);
}

TEST_CASE("gradcheck: a function whose output shape changes under the perturbation is an error") {
  // Its output shape jumps at x[0] = 0.5, inside the eps step: the sum of
  // out * weights used to read 4 weights' worth of a 1-element output.
  GradcheckFn jumpy = [](const std::vector<Tensor>& v) {
    return narrow(v[0] * 2.0f, 0, 0, v[0].data()[0] > 0.5f ? 4 : 1);
  };
  CHECK_THROWS_WITH_AS(
      gradcheck(jumpy, {tensor({0.5005f, 1, 2, 3}, true)}),
      "gradcheck: with an input perturbed by eps the function returned [1] instead of [4]", Error);
}

TEST_CASE("a custom backward with the wrong number of gradients is an error") {
  Tensor a = ones({2}, true), b = ones({2}, true);
  Tensor y = apply_function<WrongCount>({a, b});
  CHECK_THROWS_WITH_AS(
      y.backward(ones({2})),
      doctest::Contains(
          "CustomFunctionBackward: backward returned 1 gradients but forward had 2 inputs"),
      Error);
}

TEST_CASE("to_dot draws op nodes, named leaves with shapes, and edges") {
  Tensor q = ones({4, 2}, true), k = ones({4, 2}, true);
  q.set_name("query");
  k.set_name("key");
  Tensor scores = mul(q, k).set_name("scores");
  Tensor loss = exp(scores);
  std::string dot = to_dot(loss);
  CHECK(dot.rfind("digraph autograd {", 0) == 0);
  CHECK(dot.find("label=\"ExpBackward") != std::string::npos);
  CHECK(dot.find("MulBackward\\n→ scores\\n[4, 2]") != std::string::npos);
  CHECK(dot.find("label=\"query\\n[4, 2]\"") != std::string::npos);  // no values unless asked
  CHECK(dot.find("key\\n[4, 2]") != std::string::npos);
  // 2 op nodes + 2 leaves + the output, and 4 edges (q->mul, k->mul, mul->exp, exp->out).
  size_t arrows = 0;
  for (size_t p = dot.find("->"); p != std::string::npos; p = dot.find("->", p + 2)) ++arrows;
  CHECK(arrows == 4);
}

TEST_CASE("to_dot with .values: data and grad of every small tensor, by op node and leaf") {
  // micrograd's draw_dot: y = exp(a * b), values by hand.
  Tensor a = tensor({{1.0f, 2.0f}}, true), b = tensor({{0.5f, -1.0f}}, true);
  a.set_name("a");
  b.set_name("b");
  Tensor product = mul(a, b).set_name("product");  // [0.5, -2]
  product.retain_grad();
  Tensor y = exp(product).set_name("y");  // [e^0.5, e^-2] = [1.6487, 0.1353]
  y.backward(ones({1, 2}));
  std::string dot = to_dot(y, {.values = true});
  INFO(dot);
  // The output ellipse: its values; the op node of product: its values and the retained grad
  // dproduct = exp(product) = y; leaves: da = b * y, db = a * y.
  CHECK(dot.find("y\\n[1, 2]\\ndata [1.6487, 0.1353]") != std::string::npos);
  CHECK(dot.find(
            "MulBackward\\n→ product\\n[1, 2]\\ndata [0.5000, -2.0000]\\ngrad [1.6487, 0.1353]") !=
        std::string::npos);
  CHECK(dot.find("a\\n[1, 2]\\ndata [1.0000, 2.0000]\\ngrad [0.8244, -0.1353]") !=
        std::string::npos);
  CHECK(dot.find("b\\n[1, 2]\\ndata [0.5000, -1.0000]\\ngrad [1.6487, 0.2707]") !=
        std::string::npos);
  // A 2-D value prints one row per line; more than 16 elements print no values.
  Tensor m = tensor({{1.0f, 2.0f}, {3.0f, 4.0f}}, true);
  m.set_name("m");
  CHECK(to_dot(m * 2.0f, {.values = true})
            .find("m\\n[2, 2]\\ndata [1.0000, 2.0000]\\n[3.0000, 4.0000]") != std::string::npos);
  Tensor big = ones({17}, true);
  big.set_name("big");
  CHECK(to_dot(big * 2.0f, {.values = true}).find("label=\"big\\n[17]\"") != std::string::npos);
  // An op whose output is gone shows name and shape only (the node holds it weakly).
  Tensor kept;
  {
    Tensor gone = mul(m, 3.0f).set_name("gone");
    kept = exp(gone);
  }
  CHECK(to_dot(kept, {.values = true}).find("→ gone\\n[2, 2]\"") != std::string::npos);
}

TEST_CASE("dividing by a number records DivBackward, and its gradient is dout / c") {
  Tensor scores = tensor({1.0f, -2.0f}, true);
  Tensor scaled = scores / 2.0f;
  CHECK(scaled.grad_fn()->name() == "DivBackward");
  scaled.backward(tensor({1.0f, 3.0f}));
  ag_test::check_close(scores.grad(), {0.5f, 1.5f});
  GradcheckFn f = [](const std::vector<Tensor>& v) { return div(v[0], 3.0f); };
  CHECK_GRADCHECK(f, {tensor({0.3f, -1.2f, 2.0f}, true)});
}

TEST_CASE("anomaly messages name the forward op as the user wrote it") {
  CHECK(forward_op_name("LogBackward") == "log");
  CHECK(forward_op_name("LogSoftmaxBackward") == "log_softmax");
  CHECK(forward_op_name("Conv2dBackward") == "conv2d");
  CHECK(forward_op_name("AdaptiveAvgPool2dBackward") == "adaptive_avg_pool2d");
  CHECK(forward_op_name("SwishBackward") == "swish");
}

TEST_CASE("write_graph_svg renders through Graphviz or says how to install it") {
  Tensor x = ones({2}, true);
  Tensor y = x * 2.0f;
  std::string base = "build/test_graph";
  if (graphviz_available()) {
    std::string svg = write_graph_svg(y, base);
    std::ifstream in(svg);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text.find("<svg") != std::string::npos);
    CHECK(text.find("MulBackward") != std::string::npos);
    std::remove(svg.c_str());
  } else {
    MESSAGE("graphviz not installed: checking the error message instead");
    CHECK_THROWS_WITH_AS(write_graph_svg(y, base), doctest::Contains("apt-get install graphviz"),
                         Error);
  }
  std::remove((base + ".dot").c_str());
}
}  // TEST_SUITE("core.debugging")
