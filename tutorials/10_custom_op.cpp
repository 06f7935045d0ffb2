// Tutorial 10: writing your own op, like torch.autograd.Function.
//
//   make tutorial T=10
//   make gdb T=10               builds it at -O0 -g and opens it in gdb, then:
//   (gdb) break tut::Swish::backward
//
// The numbers come from tutorials/common/lesson10.cpp;
// tests/tutorials/test_tutorials_custom.cpp recomputes them with plain loops.
#include <cstdio>
#include <string>

#include "core/ag.h"
#include "tutorials/common/heatmap.h"
#include "tutorials/common/lesson10.h"
#include "tutorials/common/present.h"

using namespace tut;

namespace {

void tutorial() {
  heading("Tutorial 10: your own differentiable op");
  say("What you will learn: how to add an op that attograd does not have, with a backward you "
      "write yourself, and how to check that backward with gradcheck before trusting it. The "
      "op is Swish, y = x · σ(x), a smooth cousin of ReLU used in many modern networks.");
  say("An op is a struct with a name and two static functions. forward computes y and saves "
      "what backward will need (ctx.save_for_backward); backward receives dL/dy and returns "
      "dL/dx for each input. ag::apply_function<Swish>({x}) runs forward with the graph off and "
      "records ONE node, SwishBackward, whose backward is yours. The code is in "
      "tutorials/common/lesson10.cpp.");

  const CustomOpLesson L = lesson10_custom_op();
  const Labels cols = {"x=-2", "x=-0.5", "x=0", "x=1", "x=3"};

  heading("Forward: our op against the built-in ops");
  show_vector("y = swish(x)           (our op)", L.y, cols);
  show_vector("y = x * sigmoid(x)     (built-in ops)", L.y_composed, cols);

  heading("Backward: the derivative we wrote");
  say("Product rule, with σ'(x) = σ(x)(1 − σ(x)):  dy/dx = σ(x) + x · σ(x) · (1 − σ(x)). "
      "For x = 0: σ = 0.5, so dy/dx = 0.5. For large x it tends to 1 (like ReLU), for very "
      "negative x to 0, but from below: read off our backward on a grid of x from 0 to -6, "
      "dy/dx crosses 0 at x = " +
      fmt(L.derivative_zero_x, 3) +
      " (where 1 + x(1 − σ(x)) = 0), "
      "stays negative for every x below that, and is lowest, " +
      fmt(L.derivative_min) + ", at x = " + fmt(L.derivative_min_x, 2) +
      ". Unlike ReLU, a little negative input "
      "still gets a gradient, and a very negative one a slightly negative gradient.");
  show_vector("dx from SwishBackward", L.dx, cols);
  show_vector("dx through MulBackward + SigmoidBackward", L.dx_composed, cols);
  std::printf("Our op records %d backward node; the composition records %d.\n", L.nodes_custom,
              L.nodes_composed);
  say("One node instead of two is why frameworks fuse ops: fewer saved tensors and fewer "
      "passes over memory. The two graphs (DOT text; write_graph_svg draws them):");
  std::printf("%s\n%s", L.dot_custom.c_str(), L.dot_composed.c_str());

  heading("gradcheck: trust, but verify");
  say("gradcheck perturbs every input element by ±eps, measures how the output moves "
      "(central differences) and compares that with your backward.");
  std::printf("Swish:                  %s\n", L.check_good.ok ? "passed" : "FAILED");
  if (!L.check_good.ok) {
    // The student's own Swish::backward (lesson10.cpp) failed: its figures come first.
    std::fflush(stdout);
    say("Your Swish::backward disagrees with the numeric derivative. gradcheck's report on "
        "it, for the same (3, 4) input: the input, the element, your analytic value, the "
        "numeric one and the error:");
    std::printf("%s", L.check_good.report.c_str());
  }
  std::printf("SwishForgotProductRule: %s\n", L.check_broken.ok ? "passed" : "FAILED");
  std::fflush(stdout);
  say("SwishForgotProductRule is the built-in broken example: it forgot the product rule's "
      "second term (dy/dx = σ(x) only). Its forward is perfect, so only a gradient check can "
      "tell. gradcheck's report on it names the input, the element, both values and the "
      "error:");
  std::printf("%s", L.check_broken.report.c_str());

  what_to_try({
      "Break Swish::backward (tutorials/common/lesson10.cpp) another way, say return "
      "{dout * x * s}: \"Swish: FAILED\" is then followed by gradcheck's report on your "
      "version. How far apart are the analytic and numeric values, and does that match your "
      "algebra?",
      "Write GELU, y = x · Φ(x) with Φ the normal CDF (use 0.5·(1 + tanh(0.7978846·(x + "
      "0.044715·x³)))), and gradcheck it.",
      "Draw both graphs with their numbers: ag::write_graph_svg(y, \"swish\", {.values = "
      "true}) after the backward in lesson10_custom_op, and compare the boxes of the two "
      "versions. It needs Graphviz's dot (apt-get install graphviz); without it the program "
      "says so and the .dot file is still written. (Your backward is also a plain function: "
      "break tut::Swish::backward in gdb.)",
  });
}

}  // namespace

int main(int argc, char** argv) {
  return run_tutorial(argc, argv, {},
                      "Tutorial 10 runs your Swish (tutorials/common/lesson10.cpp): the message "
                      "above names the op and shapes that did not fit; forward and backward must "
                      "return tensors of x's shape.",
                      tutorial);
}
