// tests/test_debugging.cpp: custom ops, graph drawing, names in messages.
#include <cstdio>
#include <fstream>

#include "tests/test_util.h"

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
    CHECK(r.report.find("input 0 'x' of shape [2, 2], element [0, 0]: analytic") != std::string::npos);
    CHECK(r.report.find("vs numeric") != std::string::npos);
  }

  TEST_CASE("gradcheck: a function whose output shape changes under the perturbation is an error") {
    // Its output shape jumps at x[0] = 0.5, inside the eps step: the sum of
    // out * weights used to read 4 weights' worth of a 1-element output.
    GradcheckFn jumpy = [](const std::vector<Tensor>& v) {
      return narrow(v[0] * 2.0f, 0, 0, v[0].data()[0] > 0.5f ? 4 : 1);
    };
    CHECK_THROWS_WITH_AS(gradcheck(jumpy, {tensor({0.5005f, 1, 2, 3}, true)}),
                         "gradcheck: with an input perturbed by eps the function returned [1] instead of [4]", Error);
  }

  TEST_CASE("a custom backward with the wrong number of gradients is an error") {
    Tensor a = ones({2}, true), b = ones({2}, true);
    Tensor y = apply_function<WrongCount>({a, b});
    CHECK_THROWS_WITH_AS(y.backward(ones({2})), doctest::Contains("CustomFunctionBackward: backward returned 1 gradients but forward had 2 inputs"), Error);
  }

  TEST_CASE("to_dot draws op nodes, named leaves with shapes, and edges") {
    Tensor q = ones({4, 2}, true), k = ones({4, 2}, true);
    q.set_name("query");
    k.set_name("key");
    Tensor scores = mul(q, k).set_name("scores");
    Tensor loss = exp(scores);
    std::string dot = to_dot(loss, {.show_values = true});
    CHECK(dot.rfind("digraph autograd {", 0) == 0);
    CHECK(dot.find("label=\"ExpBackward") != std::string::npos);
    CHECK(dot.find("MulBackward\\n→ scores\\n[4, 2]") != std::string::npos);
    CHECK(dot.find("query\\n[4, 2]\\n[1, 1, 1, 1, 1, 1, ...]") != std::string::npos);
    CHECK(dot.find("key\\n[4, 2]") != std::string::npos);
    // 2 op nodes + 2 leaves + the output, and 4 edges (q->mul, k->mul, mul->exp, exp->out).
    size_t arrows = 0;
    for (size_t p = dot.find("->"); p != std::string::npos; p = dot.find("->", p + 2)) ++arrows;
    CHECK(arrows == 4);
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
      CHECK_THROWS_WITH_AS(write_graph_svg(y, base), doctest::Contains("apt-get install graphviz"), Error);
    }
    std::remove((base + ".dot").c_str());
  }
}
