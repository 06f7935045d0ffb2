// Hand-in fixture (F7 multi-head attention, student "missing_scale"): nn/attention.cpp
// whose forward never divides the scores by sqrt(d). The weights still sum
// to 1, so the grader must name the missing scale.

// nn/attention.cpp: multi-head attention, composed from differentiable core
// ops (linear, reshape, permute, bmm, softmax), so autograd derives the
// backward and gradcheck can verify it.
#include "nn/attention.h"

#include <cmath>
#include <limits>

#include "core/ops/elementwise.h"
#include "core/ops/matmul.h"
#include "core/ops/reduce.h"
#include "core/ops/shape.h"
#include "core/ops/softmax.h"
#include "nn/init.h"
#include "nn/layers/activation.h"

namespace ag::nn {

MultiheadAttention::MultiheadAttention(int64_t e, int64_t h, const MultiheadAttentionOptions& opts)
    : Module("MultiheadAttention"),
      embed_dim(e),
      num_heads(h),
      head_dim(h > 0 ? e / h : 0),
      options(opts) {
  if (e <= 0 || h <= 0 || e % h != 0)
    fail("MultiheadAttention: embed_dim ", e, " must be a positive multiple of num_heads ", h);
  if (!(opts.dropout >= 0.0 && opts.dropout <= 1.0))
    fail("MultiheadAttention: dropout must be in [0, 1], got ", opts.dropout);
  // Registration order gives PyTorch's order: in_proj_weight, in_proj_bias, out_proj.*
  in_proj_weight = register_parameter("in_proj_weight", empty({3 * e, e}));
  if (opts.bias) in_proj_bias = register_parameter("in_proj_bias", empty({3 * e}));
  out_proj = register_module("out_proj", std::make_shared<Linear>(e, e, opts.bias));
  reset_parameters();
}

// PyTorch's _reset_parameters: Xavier for the stacked projections (fans of
// the (3E, E) matrix), zero biases; out_proj.weight keeps Linear's default.
void MultiheadAttention::reset_parameters() {
  init::xavier_uniform_(in_proj_weight);
  if (in_proj_bias.defined()) init::zeros_(in_proj_bias);
  out_proj->reset_parameters();
  if (out_proj->bias.defined()) init::zeros_(out_proj->bias);
}

// ASSIGNMENT multihead_attention/head_helpers: begin
// (B, T, E) -> (B·H, T, d): each head becomes its own batch entry for bmm.
static Tensor split_heads(const Tensor& x, int64_t heads) {
  const int64_t B = x.size(0), T = x.size(1), d = x.size(2) / heads;
  return permute(x.reshape({B, T, heads, d}), {0, 2, 1, 3}).reshape({B * heads, T, d});
}

// (B·H, T, d) -> (B, T, E): the inverse of split_heads.
static Tensor join_heads(const Tensor& x, int64_t heads) {
  const int64_t B = x.size(0) / heads, T = x.size(1), d = x.size(2);
  return permute(x.reshape({B, heads, T, d}), {0, 2, 1, 3}).reshape({B, T, heads * d});
}

// The q, k or v projection: rows [part·E, (part+1)·E) of the stacked in_proj.
static Tensor project(const Tensor& x, const Tensor& w, const Tensor& b, int64_t part, int64_t E) {
  return linear(x, narrow(w, 0, part * E, E), b.defined() ? narrow(b, 0, part * E, E) : Tensor());
}
// ASSIGNMENT multihead_attention/head_helpers: end

std::pair<Tensor, Tensor> MultiheadAttention::forward(const Tensor& query_in, const Tensor& key_in,
                                                      const Tensor& value_in,
                                                      const AttentionMasks& masks,
                                                      bool need_weights,
                                                      bool average_attn_weights) {
  const char* op = "MultiheadAttention";
  for (const Tensor* t : {&query_in, &key_in, &value_in})
    if (t->dim() != 3 || t->size(2) != embed_dim)
      fail(op, ": query ", query_in.shape(), ", key ", key_in.shape(), " and value ",
           value_in.shape(), " must be 3-D with embed_dim ", embed_dim, " last");
  // Work batch-first throughout; a sequence-first call is transposed in and out.
  const Tensor query = options.batch_first ? query_in : transpose(query_in, 0, 1);
  const Tensor key = options.batch_first ? key_in : transpose(key_in, 0, 1);
  const Tensor value = options.batch_first ? value_in : transpose(value_in, 0, 1);
  const int64_t B = query.size(0), L = query.size(1), S = key.size(1), H = num_heads;
  if (key.size(0) != B || value.size(0) != B || value.size(1) != S)
    fail(op, ": query ", query_in.shape(), ", key ", key_in.shape(), " and value ",
         value_in.shape(), " must share the batch size, and key and value the length");
  const Tensor& kpm = masks.key_padding_mask;
  if (kpm.defined() && kpm.shape() != Shape{B, S})
    fail(op, ": key_padding_mask ", kpm.shape(), " must be [batch, key length] = ", Shape{B, S});
  const Tensor& am = masks.attn_mask;
  if (am.defined() && am.shape() != Shape{L, S} && am.shape() != Shape{B * H, L, S})
    fail(op, ": attn_mask ", am.shape(), " must be ", Shape{L, S}, " or ", Shape{B * H, L, S});

  // ASSIGNMENT multihead_attention/forward: begin
  const int64_t E = embed_dim;
  // Scaling q (not the scores) by 1/sqrt(d) is the same product, on fewer numbers.
  const float scale = 1.0f;  // (the 1/sqrt(d) scale forgotten)
  Tensor q = split_heads(mul(project(query, in_proj_weight, in_proj_bias, 0, E), scale), H);
  Tensor k = split_heads(project(key, in_proj_weight, in_proj_bias, 1, E), H);
  Tensor v = split_heads(project(value, in_proj_weight, in_proj_bias, 2, E), H);

  Tensor scores = bmm(q, transpose(k, 1, 2));  // (B·H, L, S)
  const float minus_inf = -std::numeric_limits<float>::infinity();
  if (am.defined())
    scores = masks.attn_mask_is_bool ? masked_fill(scores, am, minus_inf) : add(scores, am);
  if (kpm.defined())  // (B, S) seen as (B, 1, 1, S) against the scores as (B, H, L, S)
    scores = masked_fill(scores.reshape({B, H, L, S}), kpm.reshape({B, 1, 1, S}), minus_inf)
                 .reshape({B * H, L, S});
  Tensor weights = softmax(scores, -1);
  weights = dropout(weights, options.dropout, is_training());
  Tensor output = out_proj(join_heads(bmm(weights, v), H));  // (B, L, E)
  if (!options.batch_first) output = transpose(output, 0, 1);

  Tensor returned_weights;
  if (need_weights) {
    returned_weights = weights.reshape({B, H, L, S});
    if (average_attn_weights) returned_weights = mean(returned_weights, 1);
  }
  return {output, returned_weights};
  // ASSIGNMENT multihead_attention/forward: end
}

std::pair<Tensor, Tensor> MultiheadAttention::operator()(const Tensor& query, const Tensor& key,
                                                         const Tensor& value,
                                                         const AttentionMasks& masks,
                                                         bool need_weights,
                                                         bool average_attn_weights) {
  auto result = forward(query, key, value, masks, need_weights, average_attn_weights);
  finish_forward({query, key, value}, result.first);
  return result;
}

}  // namespace ag::nn
