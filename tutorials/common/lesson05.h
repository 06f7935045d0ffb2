// tutorials/common/lesson05.h: the computations of tutorial 05 (multi-head
// attention, sinusoidal positions, permutation-equivariance), apart from the
// printing, so tests/tutorials/test_tutorials.cpp can check every number the program prints.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"
#include "tutorials/common/attention_steps.h"

namespace tut {

constexpr int64_t kHeads = 2;        // 2 heads of width 2 share the model width 4 (1, 2 or 4)
constexpr uint64_t kMultiSeed = 32;  // seeds W_Q, W_K, W_V, W_O (+0 ... +3)
constexpr int64_t kPositions = 6;    // rows of the printed position table

struct MultiHead {
  ag::Tensor x;                          // (T, 4) input rows
  ag::Tensor q_heads, k_heads, v_heads;  // (h, T, 4/h): the projections, split by columns
  Attention heads;                       // all heads at once: weights (h, T, T), out (h, T, 4/h)
  ag::Tensor concat;                     // (T, 4): the heads' outputs side by side
  ag::Tensor out;                        // (T, 4) = concat W_O
};
struct MultiHeadWeights {
  ag::Tensor W_Q, W_K, W_V, W_O;  // (4, 4) seeded
};
MultiHeadWeights lesson05_weights();
// Self-attention of x with `heads` heads: project, split, attend per head,
// concatenate, mix. heads must divide the width 4 (ag::Error otherwise).
MultiHead multi_head(const ag::Tensor& x, const MultiHeadWeights& w, int64_t heads = kHeads);
// Column labels of the projections split into heads: "h0.d0", "h0.d1", "h1.d0", ...
std::vector<std::string> head_column_labels(int64_t heads);
// Column labels of one head's output: "d0", "d1", ... (4/heads of them).
std::vector<std::string> head_dim_labels(int64_t heads);

struct PositionLesson {
  ag::Tensor table;                       // (max(kPositions, T), 4) sinusoidal positions
  ag::Tensor x;                           // (T, 4) I am a student, no positions
  ag::Tensor x_pos;                       // (T, 4) the same plus positions 0..T-1
  std::vector<int64_t> order;             // a reordering of the T words
  ag::Tensor out, out_reordered;          // multi_head(x), multi_head(x reordered)
  ag::Tensor gap;                         // (T): max |out_reordered[k] - out[order[k]]| per row
  ag::Tensor out_pos, out_pos_reordered;  // with positions added after reordering
  ag::Tensor gap_pos;                     // (T): the same gap, with positions
};
// order: row k of the reordered sentence is word order[k]; empty means the
// default, {3, 1, 0, 2} ("student am I a") for four words (default_order).
// Anything but a reordering of 0..T-1 is an ag::Error.
PositionLesson lesson05_positions(const MultiHeadWeights& w, int64_t heads = kHeads,
                                  const std::vector<int64_t>& order = {});
// The last word first, then words 1 and 0, then the rest in order: {3, 1, 0, 2} for T = 4.
std::vector<int64_t> default_order(int64_t T);

}  // namespace tut
