// tutorials/common/attention_steps.h: scaled dot-product attention, one named
// step at a time.
//
// Shape legend: T query tokens, S key/value tokens (S = T in self-attention),
// D model width, d_k width of one head, h heads. Every step also takes a
// leading batch of heads, (h, T, d_k), because matmul batches over it.
//
//   scores  = query · keyᵀ                 (T, S)   how well each query matches each key
//   scaled  = scores / √d_k                (T, S)   keeps the softmax out of saturation
//   masked  = scaled, -inf where mask ≠ 0  (T, S)   decoder only: no peeking ahead
//   weights = softmax(masked) over rows    (T, S)   each row sums to 1
//   out     = weights · value              (T, D)   a weighted average of the values
//
// Each step is its own function so `break tut::step_softmax` in gdb stops
// exactly there (build with `make debug`).
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace tut {

ag::Tensor step_scores(const ag::Tensor& query, const ag::Tensor& key);
ag::Tensor step_scale(const ag::Tensor& scores, int64_t d_k);
// 1 above the diagonal (the future), 0 on and below it: (T, T).
ag::Tensor step_causal_mask(int64_t T);
ag::Tensor step_apply_mask(const ag::Tensor& scaled, const ag::Tensor& mask);
ag::Tensor step_softmax(const ag::Tensor& scaled);
ag::Tensor step_weighted_sum(const ag::Tensor& weights, const ag::Tensor& value);

// Every intermediate of one attention, by name. `masked` is undefined when no mask was given.
struct Attention {
  ag::Tensor query, key, value, scores, scaled, masked, weights, out;
};
// All the steps above in order; mask may be undefined (no mask).
Attention attend(const ag::Tensor& query, const ag::Tensor& key, const ag::Tensor& value,
                 const ag::Tensor& mask = ag::Tensor());

// A (rows, cols) matrix of seeded normal numbers times `scale`: our stand-in
// for learned weights (W_Q, W_K, W_V), the same on every run and compiler.
ag::Tensor seeded_matrix(int64_t rows, int64_t cols, uint64_t seed, float scale);

// The softmax Jacobian of one row p, written out by hand:
//   J[i][j] = ∂p_i/∂x_j = p_i (δ_ij - p_j),  i.e.  J = diag(p) - p pᵀ.
ag::Tensor softmax_jacobian(const ag::Tensor& p);

// Multi-head plumbing. split: (T, D) -> (h, T, D/h); merge is its inverse.
ag::Tensor split_heads(const ag::Tensor& x, int64_t heads);
ag::Tensor merge_heads(const ag::Tensor& x);

// The sinusoidal position table of "Attention Is All You Need": (T, D) with
//   PE[pos][2i] = sin(pos / 10000^(2i/D)),  PE[pos][2i+1] = cos(pos / 10000^(2i/D)).
ag::Tensor sinusoidal_positions(int64_t T, int64_t D);

}  // namespace tut
