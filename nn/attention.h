// nn/attention.h: MultiheadAttention, as torch.nn.MultiheadAttention(batch_first=True).
//
// Shape legend: B batch, L query length, S key/value length, E embed_dim,
// H num_heads, d = E / H the width of one head.
//
//   q = query·Wqᵀ + bq   k = key·Wkᵀ + bk   v = value·Wvᵀ + bv     (B, L|S, E)
//   split into H heads of width d                                (B·H, L|S, d)
//   scores   = q·kᵀ / sqrt(d)   (+ attn_mask, − ∞ at padded keys)  (B·H, L, S)
//   weights  = softmax(scores) over the keys S
//   attended = weights·v, heads joined back                     (B, L, E)
//   output   = out_proj(attended)
//
// The parameters carry PyTorch's names, so a state_dict moves between the
// two: in_proj_weight (3E, E) holds Wq, Wk, Wv stacked; in_proj_bias (3E);
// out_proj.weight (E, E); out_proj.bias (E).
#pragma once

#include <memory>
#include <utility>

#include "nn/layers/linear.h"

namespace ag::nn {

struct MultiheadAttentionOptions {
  bool bias = true;         // in_proj_bias and out_proj.bias
  bool batch_first = true;  // (B, L, E); false takes (L, B, E) as PyTorch's default
  double dropout = 0.0;     // on the attention weights, in training only
};

struct AttentionMasks {
  // (B, S): nonzero marks a padding key that no query may attend to.
  Tensor key_padding_mask;
  // (L, S) or (B·H, L, S). A float mask is added to the scores (use −∞ or a
  // large negative number to block); with attn_mask_is_bool, a nonzero entry
  // blocks that query-key pair (PyTorch's boolean mask: True = not allowed).
  Tensor attn_mask;
  bool attn_mask_is_bool = false;
};

class MultiheadAttention : public Module {
 public:
  MultiheadAttention(int64_t embed_dim, int64_t num_heads,
                     const MultiheadAttentionOptions& options = MultiheadAttentionOptions());

  // Returns (output (B, L, E), weights). With need_weights the weights are
  // (B, L, S) averaged over the heads (average_attn_weights) or (B, H, L, S);
  // without, the second tensor is undefined. A query whose every key is
  // masked gets NaN, as in PyTorch.
  std::pair<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const AttentionMasks& masks = AttentionMasks(),
                                    bool need_weights = true, bool average_attn_weights = true);
  // forward, then the forward hooks (which see the output, not the weights).
  std::pair<Tensor, Tensor> operator()(const Tensor& query, const Tensor& key, const Tensor& value,
                                       const AttentionMasks& masks = AttentionMasks(),
                                       bool need_weights = true, bool average_attn_weights = true);
  void reset_parameters();

  int64_t embed_dim, num_heads, head_dim;
  MultiheadAttentionOptions options;
  Tensor in_proj_weight, in_proj_bias;  // (3E, E), (3E); bias undefined without bias
  ModuleHolder<Linear> out_proj;
};

}  // namespace ag::nn
