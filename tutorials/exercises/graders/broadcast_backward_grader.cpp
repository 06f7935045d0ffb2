// Grader of framework assignment F2, broadcasting in backward: sum_to
// (core/ops/elementwise.cpp) and matmul's backward over broadcast batch
// dimensions (core/ops/matmul.cpp), the regions marked "ASSIGNMENT broadcast_backward/...":
// the judge's side. Each check sends a, b, the op and dout to
// broadcast_backward_runner.cpp, which runs the op and backward(), and
// compares the da and db that come back.
//
// Source of truth: central differences, in double, of L = sum(op(a, b) * dout)
// with op written here as plain loops over NumPy's broadcasting rule. Every
// check also requires each gradient to have its input's shape, minitorch's
// most common student bug.
#include <algorithm>
#include <functional>
#include <string>
#include <tuple>

#include "core/ag.h"
#include "tutorials/exercises/graders/judge.h"

namespace {

using Values = std::vector<double>;

// The flat index, in a tensor of shape `in`, of the element that broadcasting
// pairs with element `flat` of the result shape `out` (in is right-aligned;
// a size-1 or missing dimension repeats).
int64_t source_index(int64_t flat, const ag::Shape& out, const ag::Shape& in) {
  int64_t index = 0, stride = 1;
  const int64_t offset = static_cast<int64_t>(out.size() - in.size());
  for (int64_t d = static_cast<int64_t>(out.size()) - 1; d >= 0; --d) {
    const int64_t coordinate = flat % out[d];
    flat /= out[d];
    if (d < offset) continue;
    const int64_t size = in[d - offset];
    if (size != 1) index += coordinate * stride;
    stride *= size;
  }
  return index;
}

ag::Shape broadcast(const ag::Shape& a, const ag::Shape& b) {
  ag::Shape out(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    const int64_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// Compare a's and b's gradients from the runner with central differences of
// L(a, b) = sum(forward(a, b) * dout) (forward in double, dout random).
judge::Check check(const std::string& name, int points, const std::string& op,
                   const ag::Shape& a_shape, const ag::Shape& b_shape, const ag::Shape& out_shape,
                   const std::function<Values(const Values&, const Values&)>& forward,
                   uint64_t seed) {
  std::vector<float> a_values = grade::random_floats(ag::numel_of(a_shape), seed);
  std::vector<float> b_values = grade::random_floats(ag::numel_of(b_shape), seed + 1);
  std::vector<float> dout = grade::random_floats(ag::numel_of(out_shape), seed + 2);
  wire::Record in = judge::call("op");
  in.put_text("op", op);
  in.put_floats("a", a_shape, a_values);
  in.put_floats("b", b_shape, b_values);
  in.put_floats("dout", out_shape, dout);
  return {name, points, in, [=](const wire::Record&, const wire::Record& out) {
            auto loss = [&](const Values& av, const Values& bv) {
              Values o = forward(av, bv);
              double total = 0;
              for (size_t i = 0; i < o.size(); ++i) total += o[i] * dout[i];
              return total;
            };
            const Values av = grade::to_doubles(a_values), bv = grade::to_doubles(b_values);
            auto da = grade::numeric_gradient([&](const Values& v) { return loss(v, bv); }, av);
            auto db = grade::numeric_gradient([&](const Values& v) { return loss(av, v); }, bv);
            for (auto [field, shape, expected] :
                 {std::tuple{"da", a_shape, da}, std::tuple{"db", b_shape, db}}) {
              const std::string grad = field;
              if (!out.has(grad)) throw judge::Wrong(grad + ": no gradient arrived");
              const wire::Floats& got = out.floats(grad);
              grade::expect(got.shape == shape,
                            grad + " has shape " + ag::shape_str(got.shape) +
                                ", but its input has shape " + ag::shape_str(shape) +
                                ": sum the gradient back down to the input's shape");
              grade::expect_close(grad, shape, got.values.data(), grade::to_floats(expected).data(),
                                  1e-4, 1e-3);
            }
          }};
}

// An elementwise op f(x, y) over broadcast shapes.
judge::Check elementwise(const std::string& name, int points, const ag::Shape& a_shape,
                         const ag::Shape& b_shape, const std::string& op,
                         double (*f)(double, double), uint64_t seed) {
  const ag::Shape out_shape = broadcast(a_shape, b_shape);
  auto forward = [=](const Values& av, const Values& bv) {
    Values o(static_cast<size_t>(ag::numel_of(out_shape)));
    for (int64_t i = 0; i < static_cast<int64_t>(o.size()); ++i)
      o[i] = f(av[source_index(i, out_shape, a_shape)], bv[source_index(i, out_shape, b_shape)]);
    return o;
  };
  return check(name, points, op, a_shape, b_shape, out_shape, forward, seed);
}

// matmul over broadcast batch dims: a (..., M, K) · b (..., K, N).
judge::Check matmul(const std::string& name, int points, const ag::Shape& a_shape,
                    const ag::Shape& b_shape, uint64_t seed) {
  const int64_t M = a_shape[a_shape.size() - 2], K = a_shape.back(), N = b_shape.back();
  const ag::Shape a_batch(a_shape.begin(), a_shape.end() - 2),
      b_batch(b_shape.begin(), b_shape.end() - 2);
  ag::Shape out_shape = broadcast(a_batch, b_batch);
  const int64_t batches = ag::numel_of(out_shape);
  out_shape.push_back(M);
  out_shape.push_back(N);
  auto forward = [=](const Values& av, const Values& bv) {
    Values o(static_cast<size_t>(batches * M * N), 0.0);
    const ag::Shape batch_shape(out_shape.begin(), out_shape.end() - 2);
    for (int64_t t = 0; t < batches; ++t) {
      const int64_t ia = source_index(t, batch_shape, a_batch),
                    ib = source_index(t, batch_shape, b_batch);
      for (int64_t m = 0; m < M; ++m)
        for (int64_t n = 0; n < N; ++n)
          for (int64_t k = 0; k < K; ++k)
            o[(t * M + m) * N + n] += av[(ia * M + m) * K + k] * bv[(ib * K + k) * N + n];
    }
    return o;
  };
  return check(name, points, "matmul", a_shape, b_shape, out_shape, forward, seed);
}

double plus(double x, double y) { return x + y; }
double times(double x, double y) { return x * y; }
double minus(double x, double y) { return x - y; }

// The visible checks, worth 100: they ship in a hand-out, for self-testing.
std::vector<judge::Check> visible_checks() {
  return {
      elementwise("a [3, 1] + b [1, 4]: each input stretched along a different dim", 15, {3, 1},
                  {1, 4}, "add", plus, 1),
      elementwise("a [2, 3, 4] * b [4]: b repeated over two leading dims it does not have", 15,
                  {2, 3, 4}, {4}, "mul", times, 2),
      elementwise("a [] (a scalar) * b [2, 3]", 10, {}, {2, 3}, "mul", times, 3),
      elementwise("a [2, 1, 3] - b [4, 1] -> [2, 4, 3]", 15, {2, 1, 3}, {4, 1}, "sub", minus, 4),
      matmul("matmul a [2, 1, 3, 4] @ b [5, 4, 2]: batch dims [2, 1] and [5] broadcast to [2, 5]",
             15, {2, 1, 3, 4}, {5, 4, 2}, 5),
      matmul("matmul a [3, 4] @ b [2, 4, 5]: one matrix a shared by both products", 15, {3, 4},
             {2, 4, 5}, 6),
      matmul("matmul a [1, 3, 4] @ b [2, 4, 2]: a batch of one repeated", 15, {1, 3, 4}, {2, 4, 2},
             7),
  };
}

}  // namespace

// The hidden checks (tests/exercise_hidden/, never in a hand-out) continue this
// file; mk/exercises.mk defines AG_HIDDEN_CHECKS where they exist.
#ifdef AG_HIDDEN_CHECKS
#include "tests/exercise_hidden/broadcast_backward_hidden.h"
#define HIDDEN_CHECKS hidden_checks
#else
#define HIDDEN_CHECKS nullptr
#endif

int main(int argc, char** argv) {
  return judge::main(argc, argv,
                     {"Assignment F2: broadcasting in backward (sum_to, matmul)",
                      "core/ops (regions: broadcast_backward)", visible_checks(), HIDDEN_CHECKS});
}
