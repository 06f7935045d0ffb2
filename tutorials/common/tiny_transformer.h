// tutorials/common/tiny_transformer.h: a tiny encoder-decoder Transformer
// (Vaswani et al. 2017, "Attention Is All You Need") built from attograd's nn
// modules, small enough to train on forty sentence pairs in a few seconds.
//
// Shape legend: B batch, S source length, T target length, D d_model,
// H heads, F feed-forward width, V vocabulary size (English V_en, French V_fr).
//
//   source ids (B, S) --embed + positions--> (B, S, D)
//     encoder layer:  x = norm1(x + self_attn(x, x, x))              padding keys masked
//                     x = norm2(x + ff2(relu(ff1(x))))
//   memory (B, S, D)
//   target_in ids (B, T) --embed + positions--> (B, T, D)
//     decoder layer:  y = norm1(y + self_attn(y, y, y))              causal mask
//                     y = norm2(y + cross_attn(y, memory, memory))   queries from y
//                     y = norm3(y + ff2(relu(ff1(y))))
//   logits = generator(y)  (B, T, V_fr)   a score for every French token
//
// Each sublayer is wrapped as the original paper does it ("post-norm"): add
// the sublayer's output to its input, then LayerNorm. The residual path lets
// the word's own vector through untouched; the norm keeps the sum's scale
// steady however many layers are stacked.
//
// Parameters are registered by name, PyTorch-style, e.g.
//   source_embed.weight, encoder.0.self_attn.in_proj_weight,
//   decoder.0.cross_attn.out_proj.bias, decoder.0.norm3.weight, generator.weight
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "nn/nn.h"

namespace tut {

struct TinyTransformerOptions {
  int64_t source_vocab = 0;  // V_en
  int64_t target_vocab = 0;  // V_fr
  int64_t d_model = 32;      // D
  int64_t heads = 2;         // H, each of width D / H
  int64_t d_ff = 64;         // F
  int64_t layers = 1;        // encoder layers, and as many decoder layers
  int64_t max_length = 32;   // rows of the position table
};

class EncoderLayer : public ag::nn::Module {
 public:
  EncoderLayer(int64_t d_model, int64_t heads, int64_t d_ff);
  // x (B, S, D); padding (B, S), 1 at <pad> keys -> (B, S, D)
  ag::Tensor forward(const ag::Tensor& x, const ag::Tensor& padding);

  ag::nn::ModuleHolder<ag::nn::MultiheadAttention> self_attn;
  ag::nn::ModuleHolder<ag::nn::LayerNorm> norm1, norm2;
  ag::nn::ModuleHolder<ag::nn::Linear> ff1, ff2;
};

// What one decoder layer computes, with the cross-attention's inputs kept so
// a tutorial can show (and a test recompute) where each French position looks.
struct DecoderLayerOutput {
  ag::Tensor out;            // (B, T, D)
  ag::Tensor cross_query;    // (B, T, D): y after the self-attention block, the queries' input
  ag::Tensor cross_weights;  // (B, T, S): cross-attention weights, averaged over the heads
  ag::Tensor cross_heads;    // (B, H, T, S): the same, head by head
};

class DecoderLayer : public ag::nn::Module {
 public:
  DecoderLayer(int64_t d_model, int64_t heads, int64_t d_ff);
  // y (B, T, D); memory (B, S, D); causal (T, T), 1 above the diagonal;
  // source_padding (B, S), 1 at <pad> keys.
  DecoderLayerOutput forward(const ag::Tensor& y, const ag::Tensor& memory,
                             const ag::Tensor& causal, const ag::Tensor& source_padding);

  ag::nn::ModuleHolder<ag::nn::MultiheadAttention> self_attn, cross_attn;
  ag::nn::ModuleHolder<ag::nn::LayerNorm> norm1, norm2, norm3;
  ag::nn::ModuleHolder<ag::nn::Linear> ff1, ff2;
};

// Layers named "0", "1", ... as torch.nn.ModuleList names them.
template <class Layer>
class LayerList : public ag::nn::Module {
 public:
  LayerList() : ag::nn::Module("ModuleList") {}
  void push_back(std::shared_ptr<Layer> layer) {
    layers.push_back(register_module(std::to_string(layers.size()), std::move(layer)));
  }
  std::vector<std::shared_ptr<Layer>> layers;
};

struct DecoderOutput {
  ag::Tensor logits;                    // (B, T, V_fr)
  ag::Tensor cross_query;               // (B, T, D)  of the last decoder layer
  ag::Tensor cross_weights;             // (B, T, S)  of the last decoder layer
  std::vector<ag::Tensor> cross_heads;  // per decoder layer: (B, H, T, S), head by head
};

class TinyTransformer : public ag::nn::Module {
 public:
  // Parameters are drawn from attograd's default generator: seed it first
  // (ag::manual_seed) for the same model on every run.
  explicit TinyTransformer(const TinyTransformerOptions& options);

  // source (B, S) ids; source_padding (B, S) -> memory (B, S, D)
  ag::Tensor encode(const ag::Tensor& source, const ag::Tensor& source_padding);
  // target_in (B, T) ids, <s> first -> logits (B, T, V_fr) for the next token at every position
  DecoderOutput decode(const ag::Tensor& target_in, const ag::Tensor& memory,
                       const ag::Tensor& source_padding);
  // encode then decode: the logits of teacher forcing.
  ag::Tensor forward(const ag::Tensor& source, const ag::Tensor& source_padding,
                     const ag::Tensor& target_in);

  TinyTransformerOptions options;
  ag::nn::ModuleHolder<ag::nn::Embedding> source_embed, target_embed;
  ag::nn::ModuleHolder<LayerList<EncoderLayer>> encoder;
  ag::nn::ModuleHolder<LayerList<DecoderLayer>> decoder;
  ag::nn::ModuleHolder<ag::nn::Linear> generator;  // D -> V_fr, the document's "generator" (step 5)
  ag::Tensor positions;  // (max_length, D) sinusoidal: fixed, so not a parameter

 private:
  ag::Tensor embed(ag::nn::Embedding& table, const ag::Tensor& ids);
};

// ---- greedy decoding ----
// One step: the decoder reads `prefix` (<s> and the words chosen so far) and
// scores every French token for the next position.
struct GreedyStep {
  std::vector<int64_t> prefix;  // ids the decoder read
  ag::Tensor logits;            // (V_fr) at the last position
  ag::Tensor probs;             // (V_fr) softmax(logits)
  std::vector<int64_t> top;     // the 5 most probable ids, most probable first
  int64_t choice = 0;           // top[0]: greedy takes the most probable token
  ag::Tensor cross_query;       // (D) the last position's cross-attention query input
  ag::Tensor cross_weights;     // (S) where the last position looked in the source
};
struct Greedy {
  ag::Tensor source;  // (1, S) ids
  ag::Tensor memory;  // (1, S, D) the encoder's output, computed once
  std::vector<GreedyStep> steps;
  std::vector<int64_t> output;  // the chosen ids, without the final </s>
  bool finished = false;        // true when </s> was chosen within max_steps
};
// Greedy decoding, without gradients: encode once, then repeatedly decode the
// prefix and append the most probable token, until </s> or max_steps tokens.
Greedy greedy_decode(TinyTransformer& model, const ag::Tensor& source, int64_t max_steps = 12);

}  // namespace tut
