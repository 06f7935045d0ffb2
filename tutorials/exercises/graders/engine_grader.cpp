// Grader of framework assignment F1, the backward engine (core/autograd.cpp,
// the regions marked "ASSIGNMENT engine/...": accumulate_into, count_dependencies,
// run_ready_queue).
//
// Every check builds a small graph with attograd's ops, calls backward(), and
// compares the leaves' .grad() with gradients worked out by hand in the
// check's comment. The ops' own backwards are not part of the assignment;
// what is: finding the nodes, running each only after all its consumers have
// delivered (topological order, without recursion), adding up the gradients
// a node or a leaf receives from several consumers, and retain_graph.
#include <string>

#include "core/ag.h"
#include "tutorials/exercises/graders/grader.h"

namespace {

ag::Tensor leaf(const std::vector<float>& values, const ag::Shape& shape) {
  return ag::from_vector(values, shape, /*requires_grad=*/true);
}

void expect_grad(const std::string& what, const ag::Tensor& x, const std::vector<float>& expected) {
  grade::expect(x.grad().defined(), what + ": no gradient arrived (grad() is undefined)");
  grade::expect_close(what, x.grad(), ag::from_vector(expected, x.shape()), 1e-5, 1e-5);
}

// y = sum(x * x): x reaches the product twice, so dx = x + x = 2x.
void x_times_x() {
  ag::Tensor x = leaf({1, -2, 3}, {3});
  (x * x).sum().backward();
  expect_grad("dx of sum(x * x)", x, {2, -4, 6});
}

// y = sum((a + a) + a * 3): three uses of a, each delivering 1, 1 and 3.
void reused_leaf() {
  ag::Tensor a = leaf({0.5f, -1}, {2});
  ((a + a) + a * 3.0f).sum().backward();
  expect_grad("da of sum((a + a) + 3a)", a, {5, 5});
}

// d = sum(b * c), b = 2a, c = a * a: d = 2a^3, dd/da = 6a^2. Node b and node c
// both feed d; a gets contributions through both.
void diamond() {
  ag::Tensor a = leaf({1.5f, -0.5f}, {2});
  ag::Tensor b = a * 2.0f, c = a * a;
  (b * c).sum().backward();
  expect_grad("da of the diamond sum(2a * a^2)", a, {13.5f, 1.5f});
}

// h1 = 2a feeds the output twice: directly, and through a three-node path
// h3 = 3 h1 + 1. out = sum(h3 * h1) = sum((6a + 1) 2a) = sum(12a^2 + 2a),
// dout/da = 24a + 2. An engine that runs h1's node as soon as one consumer
// delivered sends only part of its gradient down.
void uneven_paths() {
  ag::Tensor a = leaf({1, -2, 0.25f}, {3});
  ag::Tensor h1 = a * 2.0f;
  ag::Tensor h3 = (h1 * 3.0f) + 1.0f;
  (h3 * h1).sum().backward();
  expect_grad("da of sum((3 h1 + 1) * h1), h1 = 2a (a short and a long path)", a, {26, -46, 8});
}

// 100,000 ops in a chain: y = x + 1 + 1 + ... A recursive engine overflows the
// stack here (each call a frame); dy/dx = 1.
void long_chain() {
  ag::Tensor x = leaf({2}, {1});
  ag::Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = y + 1.0f;
  y.sum().backward();
  expect_grad("dx of a 100,000-op chain", x, {1});
}

// backward twice on a retained graph adds the two gradients: 2 * 2x.
void twice_retained() {
  ag::Tensor x = leaf({1, 3}, {2});
  ag::Tensor y = (x * x).sum();
  y.backward(ag::Tensor(), /*retain_graph=*/true);
  y.backward(ag::Tensor(), /*retain_graph=*/true);
  expect_grad("dx after two backward() with retain_graph", x, {4, 12});
}

// Without retain_graph the first backward frees the saved tensors: a second
// one must be refused with a message that names retain_graph.
void twice_freed() {
  ag::Tensor x = leaf({1, 3}, {2});
  ag::Tensor y = (x * x).sum();
  y.backward();
  expect_grad("dx after the first backward()", x, {2, 6});
  try {
    y.backward();
  } catch (const ag::Error& e) {
    grade::expect(
        std::string(e.what()).find("retain_graph") != std::string::npos,
        std::string("the second backward() threw, but its message does not name retain_graph: ") +
            e.what());
    return;
  }
  throw grade::Wrong(
      "a second backward() without retain_graph ran; it must throw (the saved tensors are gone)");
}

// A non-scalar root with a given gradient: y = a * b (2x2), dy given.
// da = dy * b, db = dy * a; c is used but only through a branch cut by detach().
void given_gradient() {
  ag::Tensor a = leaf({1, 2, 3, 4}, {2, 2}), b = leaf({-1, 0.5f, 2, -3}, {2, 2});
  ag::Tensor c = leaf({7, 7, 7, 7}, {2, 2});
  ag::Tensor y = a * b + c.detach();
  y.backward(ag::from_vector({1, 2, 3, 4}, {2, 2}));
  expect_grad("da of a * b with dy = [[1, 2], [3, 4]]", a, {-1, 1, 6, -12});
  expect_grad("db of a * b with dy = [[1, 2], [3, 4]]", b, {1, 4, 9, 16});
  grade::expect(!c.grad().defined(), "c reached y only through detach(): it must get no gradient");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<grade::Check> checks = {
      {"x * x: a leaf used twice gets both gradients (dx = 2x)", 10, x_times_x},
      {"(a + a) + 3a: three uses of one leaf add up", 10, reused_leaf},
      {"a diamond: b = 2a and c = a^2 both feed sum(b * c)", 15, diamond},
      {"a short and a long path into one node: it runs after both delivered", 15, uneven_paths},
      {"a chain of 100,000 ops (no recursion)", 15, long_chain},
      {"backward twice with retain_graph adds the gradients", 10, twice_retained},
      {"backward twice without retain_graph: the second is refused, naming retain_graph", 10,
       twice_freed},
      {"a non-scalar root with a given gradient, two leaves, a detached branch", 15,
       given_gradient},
  };
  const char* student_file = argc > 1 ? argv[1] : "core/autograd.cpp (region: engine)";
  return grade::run_checks("Assignment F1: the backward engine", student_file, checks);
}
