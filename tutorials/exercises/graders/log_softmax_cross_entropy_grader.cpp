// Grader of framework assignment F3, the backward of log_softmax
// (core/ops/softmax.cpp) and of cross_entropy (core/ops/loss.cpp), the
// regions marked "ASSIGNMENT log_softmax_cross_entropy/...": the judge's side.
// Each check sends the inputs to log_softmax_cross_entropy_runner.cpp, which
// runs the op and backward(), and compares the gradient that comes back.
//
// Source of truth: central differences, in double, of forwards written here
// (log-softmax with the max subtracted; cross-entropy as the mean over the
// counted rows of -log_softmax(logits)[target]). The forward passes of
// attograd are not part of the assignment and are used as they are.
#include <cmath>
#include <string>

#include "core/ag.h"
#include "tutorials/exercises/graders/judge.h"

namespace {

using Values = std::vector<double>;

// log_softmax of x (outer, C, inner) along the middle dim, in double.
Values log_softmax_ref(const Values& x, int64_t outer, int64_t C, int64_t inner) {
  Values y(x.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t c) { return (o * C + c) * inner + i; };
      double max = x[at(0)], sum = 0;
      for (int64_t c = 0; c < C; ++c) max = std::max(max, x[at(c)]);
      for (int64_t c = 0; c < C; ++c) sum += std::exp(x[at(c)] - max);
      for (int64_t c = 0; c < C; ++c) y[at(c)] = x[at(c)] - max - std::log(sum);
    }
  return y;
}

// The gradient `name` the runner sent, of shape `shape`.
const std::vector<float>& got(const wire::Record& out, const std::string& name,
                              const ag::Shape& shape) {
  if (!out.has(name)) throw judge::Wrong(name + ": no gradient arrived");
  const wire::Floats& f = out.floats(name);
  grade::expect(f.shape == shape, name + ": expected shape " + ag::shape_str(shape) + ", got " +
                                      ag::shape_str(f.shape));
  return f.values;
}

// dx of sum(log_softmax(x, dim) * dout) against central differences.
judge::Check log_softmax_check(const std::string& name, int points, const ag::Shape& shape,
                               int64_t dim, uint64_t seed, float scale = 1.0f) {
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= shape[d];
  for (size_t d = dim + 1; d < shape.size(); ++d) inner *= shape[d];
  const int64_t C = shape[dim];
  std::vector<float> x_values = grade::random_floats(ag::numel_of(shape), seed, scale);
  std::vector<float> dout = grade::random_floats(ag::numel_of(shape), seed + 1);
  wire::Record in = judge::call("log_softmax");
  in.put_floats("x", shape, x_values);
  in.put_int("dim", dim);
  in.put_floats("dout", shape, dout);
  return {name, points, in, [=](const wire::Record&, const wire::Record& out) {
            auto loss = [&](const Values& v) {
              Values y = log_softmax_ref(v, outer, C, inner);
              double total = 0;
              for (size_t i = 0; i < y.size(); ++i) total += y[i] * dout[i];
              return total;
            };
            auto dx = grade::numeric_gradient(loss, grade::to_doubles(x_values));
            grade::expect_close("dx", shape, got(out, "dx", shape).data(),
                                grade::to_floats(dx).data(), 1e-4, 1e-3);
          }};
}

// Mean over counted rows of -log_softmax(logits)[target], logits (N, C, inner).
double cross_entropy_ref(const Values& logits, const std::vector<float>& targets, int64_t N,
                         int64_t C, int64_t inner, int64_t ignore_index) {
  Values logp = log_softmax_ref(logits, N, C, inner);
  double total = 0;
  int64_t counted = 0;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t t = static_cast<int64_t>(targets[n * inner + i]);
      if (t == ignore_index) continue;
      total -= logp[(n * C + t) * inner + i];
      ++counted;
    }
  return total / static_cast<double>(counted);
}

judge::Check cross_entropy_check(const std::string& name, int points, const ag::Shape& shape,
                                 uint64_t seed, int64_t ignore_index = -100,
                                 int64_t ignored_rows = 0) {
  const int64_t N = shape[0], C = shape[1], inner = ag::numel_of(shape) / (N * C);
  std::vector<float> logits_values = grade::random_floats(ag::numel_of(shape), seed, 2.0f);
  std::vector<float> targets(static_cast<size_t>(N * inner));
  for (size_t i = 0; i < targets.size(); ++i) targets[i] = static_cast<float>((i * 7 + seed) % C);
  for (int64_t i = 0; i < ignored_rows; ++i)
    targets[static_cast<size_t>(i * 2)] = static_cast<float>(ignore_index);
  ag::Shape target_shape = shape;
  target_shape.erase(target_shape.begin() + 1);
  wire::Record in = judge::call("cross_entropy");
  in.put_floats("logits", shape, logits_values);
  in.put_floats("targets", target_shape, targets);
  in.put_int("ignore_index", ignore_index);
  return {name, points, in, [=](const wire::Record&, const wire::Record& out) {
            auto dlogits = grade::numeric_gradient(
                [&](const Values& v) {
                  return cross_entropy_ref(v, targets, N, C, inner, ignore_index);
                },
                grade::to_doubles(logits_values));
            const std::vector<float>& g = got(out, "dlogits", shape);
            grade::Diagnosis d;  // each softmax's gradient sums to 0 over the classes
            for (int64_t n = 0; n < N; ++n)
              for (int64_t i = 0; i < inner; ++i) {
                double sum = 0;
                for (int64_t c = 0; c < C; ++c) sum += g[(n * C + c) * inner + i];
                if (!(std::fabs(sum) < 1e-5)) {
                  d.invariant(false, "dlogits of each sample sums to 0 over the classes; sample " +
                                         std::to_string(n) + " sums to " + std::to_string(sum));
                  n = N;
                  break;
                }
              }
            grade::expect_close("dlogits", shape, g.data(), grade::to_floats(dlogits).data(), 1e-5,
                                1e-3, d);
          }};
}

// The visible checks, worth 100: they ship in a hand-out, for self-testing.
std::vector<judge::Check> visible_checks() {
  return {
      log_softmax_check("log_softmax backward, x [4, 5], dim -1", 15, {4, 5}, 1, 1),
      log_softmax_check("log_softmax backward, x [3, 4, 2], dim 1 (not the last dim)", 15,
                        {3, 4, 2}, 1, 2),
      log_softmax_check(
          "log_softmax backward, x [2, 6] times 50 (peaked: exp overflows without the max)", 10,
          {2, 6}, 1, 3, 50.0f),
      cross_entropy_check("cross_entropy backward, logits [5, 7] (mean over the batch)", 20, {5, 7},
                          4),
      cross_entropy_check(
          "cross_entropy backward, logits [6, 4] with two rows at ignore_index (they count "
          "nowhere)",
          15, {6, 4}, 5, -100, 2),
      cross_entropy_check("cross_entropy backward, logits [2, 3, 4] (N, C, d): classes on dim 1",
                          15, {2, 3, 4}, 6),
      cross_entropy_check("cross_entropy backward, logits [8, 3], ignore_index 1 (a real class)",
                          10, {8, 3}, 7, 1),
  };
}

}  // namespace

// The hidden checks (tests/exercise_hidden/, never in a hand-out) continue this
// file; mk/exercises.mk defines AG_HIDDEN_CHECKS where they exist.
#ifdef AG_HIDDEN_CHECKS
#include "tests/exercise_hidden/log_softmax_cross_entropy_hidden.h"
#define HIDDEN_CHECKS hidden_checks
#else
#define HIDDEN_CHECKS nullptr
#endif

int main(int argc, char** argv) {
  return judge::main(
      argc, argv,
      {"Assignment F3: log-softmax and cross-entropy backward",
       "core/ops (regions: log_softmax_cross_entropy)", visible_checks(), HIDDEN_CHECKS});
}
