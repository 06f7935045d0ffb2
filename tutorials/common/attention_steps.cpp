// tutorials/common/attention_steps.cpp: the steps of attention, built from attograd ops.
#include "tutorials/common/attention_steps.h"

#include <cmath>
#include <limits>

#include "core/ag.h"

namespace tut {

ag::Tensor step_scores(const ag::Tensor& query, const ag::Tensor& key) {
  // Row i of query against row j of key: a dot product per (i, j) pair, all at once.
  ag::Tensor scores = ag::matmul(query, ag::transpose(key, -2, -1));
  scores.set_name("scores");  // what gdb's `p scores` and error messages show
  return scores;
}

ag::Tensor step_scale(const ag::Tensor& scores, int64_t d_k) {
  // A dot product of d_k terms of variance 1 has variance d_k; dividing by
  // √d_k brings it back to 1, so softmax sees moderate numbers, not a spike.
  ag::Tensor scaled = ag::div(scores, std::sqrt(static_cast<float>(d_k)));
  scaled.set_name("scaled");  // what gdb's `p scaled` and error messages show
  return scaled;
}

ag::Tensor step_causal_mask(int64_t T) {
  ag::Tensor mask = ag::zeros({T, T});
  mask.set_name("causal_mask");
  for (int64_t i = 0; i < T; ++i)
    for (int64_t j = i + 1; j < T; ++j) mask.data()[i * T + j] = 1.0f;  // j in i's future
  return mask;
}

ag::Tensor step_apply_mask(const ag::Tensor& scaled, const ag::Tensor& mask) {
  // e^-inf = 0: a masked key gets no weight at all, however large its score was.
  ag::Tensor masked = ag::masked_fill(scaled, mask, -std::numeric_limits<float>::infinity());
  masked.set_name("masked");  // what gdb's `p masked` and error messages show
  return masked;
}

ag::Tensor step_softmax(const ag::Tensor& scaled) {
  ag::Tensor weights = ag::softmax(scaled, -1);
  weights.set_name("weights");  // what gdb's `p weights` and error messages show
  return weights;
}

ag::Tensor step_weighted_sum(const ag::Tensor& weights, const ag::Tensor& value) {
  ag::Tensor out = ag::matmul(weights, value);
  out.set_name("out");  // what gdb's `p out` and error messages show
  return out;
}

Attention attend(const ag::Tensor& query, const ag::Tensor& key, const ag::Tensor& value,
                 const ag::Tensor& mask) {
  Attention a;
  a.query = query;
  a.key = key;
  a.value = value;
  a.scores = step_scores(query, key);
  a.scaled = step_scale(a.scores, query.size(-1));
  if (mask.defined()) a.masked = step_apply_mask(a.scaled, mask);
  a.weights = step_softmax(mask.defined() ? a.masked : a.scaled);
  a.out = step_weighted_sum(a.weights, value);
  return a;
}

ag::Tensor seeded_matrix(int64_t rows, int64_t cols, uint64_t seed, float scale) {
  ag::Generator gen(seed);
  ag::Tensor m = ag::empty({rows, cols});
  for (int64_t k = 0; k < rows * cols; ++k) m.data()[k] = gen.normal() * scale;
  return m;
}

ag::Tensor softmax_jacobian(const ag::Tensor& p) {
  const int64_t n = p.numel();
  ag::Tensor J = ag::empty({n, n});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      J.data()[i * n + j] = p.data()[i] * ((i == j ? 1.0f : 0.0f) - p.data()[j]);
  return J;
}

ag::Tensor split_heads(const ag::Tensor& x, int64_t heads) {
  const int64_t T = x.size(0), D = x.size(1);
  if (D % heads != 0) ag::fail("split_heads: width ", D, " is not divisible by ", heads, " heads");
  // (T, D) -> (T, h, D/h): head k owns columns k*D/h ... (k+1)*D/h - 1; then heads first.
  return ag::transpose(ag::reshape(x, {T, heads, D / heads}), 0, 1);
}

ag::Tensor merge_heads(const ag::Tensor& x) {
  const int64_t heads = x.size(0), T = x.size(1), d_k = x.size(2);
  return ag::reshape(ag::transpose(x, 0, 1), {T, heads * d_k});
}

ag::Tensor sinusoidal_positions(int64_t T, int64_t D) {
  ag::Tensor pe = ag::empty({T, D});
  for (int64_t pos = 0; pos < T; ++pos)
    for (int64_t c = 0; c < D; ++c) {
      const int64_t pair = c / 2;  // columns 2i and 2i+1 share one frequency
      const double angle =
          static_cast<double>(pos) /
          std::pow(10000.0, 2.0 * static_cast<double>(pair) / static_cast<double>(D));
      pe.data()[pos * D + c] = static_cast<float>(c % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
  return pe;
}

}  // namespace tut
