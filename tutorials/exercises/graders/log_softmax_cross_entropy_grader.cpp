// Grader of framework assignment F3, the backward of log_softmax
// (core/ops/softmax.cpp) and of cross_entropy (core/ops/loss.cpp), the
// regions marked "ASSIGNMENT log_softmax_cross_entropy/...".
//
// Source of truth: central differences, in double, of forwards written here
// (log-softmax with the max subtracted; cross-entropy as the mean over the
// counted rows of -log_softmax(logits)[target]). The forward passes of
// attograd are not part of the assignment and are used as they are.
#include <cmath>
#include <string>

#include "core/ag.h"
#include "tutorials/exercises/graders/grader.h"

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

// Each group of C entries of dx (one softmax) sums to 0 when dout does.
void check_log_softmax(const ag::Shape& shape, int64_t dim, uint64_t seed, float scale = 1.0f) {
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= shape[d];
  for (size_t d = dim + 1; d < shape.size(); ++d) inner *= shape[d];
  const int64_t C = shape[dim];
  std::vector<float> x_values = grade::random_floats(ag::numel_of(shape), seed, scale);
  std::vector<float> dout = grade::random_floats(ag::numel_of(shape), seed + 1);
  ag::Tensor x = ag::from_vector(x_values, shape, true);
  ag::log_softmax(x, dim).backward(ag::from_vector(dout, shape));
  auto loss = [&](const Values& v) {
    Values y = log_softmax_ref(v, outer, C, inner);
    double total = 0;
    for (size_t i = 0; i < y.size(); ++i) total += y[i] * dout[i];
    return total;
  };
  auto dx = grade::numeric_gradient(loss, grade::to_doubles(x_values));
  grade::expect(x.grad().defined(), "dx: no gradient arrived");
  grade::expect_close("dx", x.grad(), ag::from_vector(grade::to_floats(dx), shape), 1e-4, 1e-3);
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

void check_cross_entropy(const ag::Shape& shape, uint64_t seed, int64_t ignore_index = -100,
                         int64_t ignored_rows = 0) {
  const int64_t N = shape[0], C = shape[1], inner = ag::numel_of(shape) / (N * C);
  std::vector<float> logits_values = grade::random_floats(ag::numel_of(shape), seed, 2.0f);
  std::vector<float> targets(static_cast<size_t>(N * inner));
  for (size_t i = 0; i < targets.size(); ++i) targets[i] = static_cast<float>((i * 7 + seed) % C);
  for (int64_t i = 0; i < ignored_rows; ++i)
    targets[static_cast<size_t>(i * 2)] = static_cast<float>(ignore_index);
  ag::Shape target_shape = shape;
  target_shape.erase(target_shape.begin() + 1);
  ag::Tensor logits = ag::from_vector(logits_values, shape, true);
  ag::Tensor loss = ag::cross_entropy(logits, ag::from_vector(targets, target_shape), ignore_index);
  loss.backward();
  auto dlogits = grade::numeric_gradient(
      [&](const Values& v) { return cross_entropy_ref(v, targets, N, C, inner, ignore_index); },
      grade::to_doubles(logits_values));
  grade::Diagnosis d;  // each softmax's gradient sums to 0 over the classes
  for (int64_t n = 0; n < N && logits.grad().defined(); ++n)
    for (int64_t i = 0; i < inner; ++i) {
      double sum = 0;
      for (int64_t c = 0; c < C; ++c) sum += logits.grad().data()[(n * C + c) * inner + i];
      if (!(std::fabs(sum) < 1e-5)) {
        d.invariant(false, "dlogits of each sample sums to 0 over the classes; sample " +
                               std::to_string(n) + " sums to " + std::to_string(sum));
        n = N;
        break;
      }
    }
  grade::expect(logits.grad().defined(), "dlogits: no gradient arrived");
  grade::expect_close("dlogits", logits.grad(), ag::from_vector(grade::to_floats(dlogits), shape),
                      1e-5, 1e-3, d);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<grade::Check> checks = {
      {"log_softmax backward, x [4, 5], dim -1", 15,
       [] {
         check_log_softmax({4, 5}, 1, 1);
       }},
      {"log_softmax backward, x [3, 4, 2], dim 1 (not the last dim)", 15,
       [] {
         check_log_softmax({3, 4, 2}, 1, 2);
       }},
      {"log_softmax backward, x [2, 6] times 50 (peaked: exp overflows without the max)", 10,
       [] {
         check_log_softmax({2, 6}, 1, 3, 50.0f);
       }},
      {"cross_entropy backward, logits [5, 7] (mean over the batch)", 20,
       [] {
         check_cross_entropy({5, 7}, 4);
       }},
      {"cross_entropy backward, logits [6, 4] with two rows at ignore_index (they count nowhere)",
       15,
       [] {
         check_cross_entropy({6, 4}, 5, -100, 2);
       }},
      {"cross_entropy backward, logits [2, 3, 4] (N, C, d): classes on dim 1", 15,
       [] {
         check_cross_entropy({2, 3, 4}, 6);
       }},
      {"cross_entropy backward, logits [8, 3], ignore_index 1 (a real class)", 10,
       [] {
         check_cross_entropy({8, 3}, 7, 1);
       }},
  };
  const char* student_file = argc > 1 ? argv[1] : "core/ops (regions: log_softmax_cross_entropy)";
  return grade::run_checks("Assignment F3: log-softmax and cross-entropy backward", student_file,
                           checks);
}
