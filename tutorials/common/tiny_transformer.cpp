// tutorials/common/tiny_transformer.cpp: the tiny Transformer's layers and greedy decoding.
#include "tutorials/common/tiny_transformer.h"

#include <algorithm>
#include <numeric>

#include "core/ag.h"
#include "tutorials/common/attention_steps.h"
#include "tutorials/common/sentence.h"

namespace tut {

using ag::Tensor;
namespace nn = ag::nn;

namespace {

nn::MultiheadAttentionOptions batch_first() {
  nn::MultiheadAttentionOptions o;
  o.batch_first = true;  // (B, L, D), the layout every tensor here has
  return o;
}

// ff2(relu(ff1(x))): the same small two-layer network applied at every position.
Tensor feed_forward(nn::Linear& ff1, nn::Linear& ff2, const Tensor& x) {
  return ff2(ag::relu(ff1(x)));
}

}  // namespace

// ---------------------------------------------------------------- EncoderLayer
EncoderLayer::EncoderLayer(int64_t d_model, int64_t heads, int64_t d_ff) : Module("EncoderLayer") {
  self_attn = register_module(
      "self_attn", std::make_shared<nn::MultiheadAttention>(d_model, heads, batch_first()));
  norm1 = register_module("norm1", std::make_shared<nn::LayerNorm>(ag::Shape{d_model}));
  ff1 = register_module("ff1", std::make_shared<nn::Linear>(d_model, d_ff));
  ff2 = register_module("ff2", std::make_shared<nn::Linear>(d_ff, d_model));
  norm2 = register_module("norm2", std::make_shared<nn::LayerNorm>(ag::Shape{d_model}));
}

Tensor EncoderLayer::forward(const Tensor& x_in, const Tensor& padding) {
  nn::AttentionMasks masks;
  masks.key_padding_mask = padding;  // no word attends to <pad>
  Tensor attended = self_attn(x_in, x_in, x_in, masks, /*need_weights=*/false).first;
  Tensor x = norm1(x_in + attended);
  return norm2(x + feed_forward(*ff1, *ff2, x));
}

// ---------------------------------------------------------------- DecoderLayer
DecoderLayer::DecoderLayer(int64_t d_model, int64_t heads, int64_t d_ff) : Module("DecoderLayer") {
  self_attn = register_module(
      "self_attn", std::make_shared<nn::MultiheadAttention>(d_model, heads, batch_first()));
  norm1 = register_module("norm1", std::make_shared<nn::LayerNorm>(ag::Shape{d_model}));
  cross_attn = register_module(
      "cross_attn", std::make_shared<nn::MultiheadAttention>(d_model, heads, batch_first()));
  norm2 = register_module("norm2", std::make_shared<nn::LayerNorm>(ag::Shape{d_model}));
  ff1 = register_module("ff1", std::make_shared<nn::Linear>(d_model, d_ff));
  ff2 = register_module("ff2", std::make_shared<nn::Linear>(d_ff, d_model));
  norm3 = register_module("norm3", std::make_shared<nn::LayerNorm>(ag::Shape{d_model}));
}

DecoderLayerOutput DecoderLayer::forward(const Tensor& y_in, const Tensor& memory,
                                         const Tensor& causal, const Tensor& source_padding) {
  // Masked self-attention (tutorial 03): position t reads positions 0..t only.
  // The target's own <pad> positions need no key mask: they come after </s>,
  // so the causal mask already hides them from every real position.
  nn::AttentionMasks self_masks;
  self_masks.attn_mask = causal;
  self_masks.attn_mask_is_bool = true;
  Tensor y = norm1(y_in + self_attn(y_in, y_in, y_in, self_masks, false).first);

  // Cross-attention (tutorial 04): French queries, English keys and values.
  DecoderLayerOutput r;
  r.cross_query = y;
  nn::AttentionMasks cross_masks;
  cross_masks.key_padding_mask = source_padding;
  auto [attended, heads] = cross_attn(y, memory, memory, cross_masks, /*need_weights=*/true,
                                      /*average_attn_weights=*/false);
  r.cross_heads = heads.detach();
  r.cross_weights = ag::mean(r.cross_heads, 1);  // what average_attn_weights would return
  y = norm2(y + attended);
  r.out = norm3(y + feed_forward(*ff1, *ff2, y));
  return r;
}

// ---------------------------------------------------------------- TinyTransformer
TinyTransformer::TinyTransformer(const TinyTransformerOptions& opts)
    : Module("TinyTransformer"), options(opts) {
  if (opts.source_vocab <= 3 || opts.target_vocab <= 3 || opts.layers <= 0 || opts.max_length <= 0)
    ag::fail("TinyTransformer: vocabularies ", opts.source_vocab, " and ", opts.target_vocab,
             " must hold more than <pad>, <s>, </s>; layers ", opts.layers, " and max_length ",
             opts.max_length, " must be > 0");
  if (opts.d_model % opts.heads != 0)
    ag::fail("TinyTransformer: d_model ", opts.d_model, " is not divisible by ", opts.heads,
             " heads");
  source_embed = register_module("source_embed",
                                 std::make_shared<nn::Embedding>(opts.source_vocab, opts.d_model));
  target_embed = register_module("target_embed",
                                 std::make_shared<nn::Embedding>(opts.target_vocab, opts.d_model));
  encoder = register_module("encoder", std::make_shared<LayerList<EncoderLayer>>());
  decoder = register_module("decoder", std::make_shared<LayerList<DecoderLayer>>());
  for (int64_t l = 0; l < opts.layers; ++l) {
    encoder->push_back(std::make_shared<EncoderLayer>(opts.d_model, opts.heads, opts.d_ff));
    decoder->push_back(std::make_shared<DecoderLayer>(opts.d_model, opts.heads, opts.d_ff));
  }
  generator =
      register_module("generator", std::make_shared<nn::Linear>(opts.d_model, opts.target_vocab));
  positions = sinusoidal_positions(opts.max_length, opts.d_model);
}

Tensor TinyTransformer::embed(nn::Embedding& table, const Tensor& ids) {
  const int64_t length = ids.size(1);
  if (length > options.max_length)
    ag::fail("TinyTransformer: a sentence of ", length, " tokens is longer than max_length ",
             options.max_length);
  // nn::Embedding starts at N(0, 1), the same scale as the positions' [-1, 1],
  // so the two are simply added (the paper's √D factor is for a smaller init).
  return table(ids) + ag::narrow(positions, 0, 0, length);  // (B, L, D) + (L, D) broadcasts
}

Tensor TinyTransformer::encode(const Tensor& source, const Tensor& source_padding) {
  Tensor x = embed(*source_embed, source);
  for (auto& layer : encoder->layers) x = layer->forward(x, source_padding);
  return x;
}

DecoderOutput TinyTransformer::decode(const Tensor& target_in, const Tensor& memory,
                                      const Tensor& source_padding) {
  Tensor y = embed(*target_embed, target_in);
  const Tensor causal = step_causal_mask(target_in.size(1));
  DecoderOutput out;
  for (auto& layer : decoder->layers) {
    DecoderLayerOutput r = layer->forward(y, memory, causal, source_padding);
    y = r.out;
    out.cross_query = r.cross_query;
    out.cross_weights = r.cross_weights;
    out.cross_heads.push_back(r.cross_heads);
  }
  out.logits = generator(y);
  return out;
}

Tensor TinyTransformer::forward(const Tensor& source, const Tensor& source_padding,
                                const Tensor& target_in) {
  return decode(target_in, encode(source, source_padding), source_padding).logits;
}

// ---------------------------------------------------------------- greedy decoding
Greedy greedy_decode(TinyTransformer& model, const Tensor& source, int64_t max_steps) {
  if (source.dim() != 2 || source.size(0) != 1)
    ag::fail("greedy_decode: expected one sentence of ids (1, S), got ", source.shape());
  ag::NoGradGuard no_grad;                 // decoding only reads the model
  const int64_t end_id = 2, start_id = 1;  // </s> and <s> in every tutorial vocabulary
  Greedy g;
  g.source = source;
  const Tensor padding = ag::zeros(source.shape());  // one sentence: nothing padded
  g.memory = model.encode(source, padding);
  std::vector<int64_t> prefix = {start_id};
  for (int64_t step = 0; step < max_steps; ++step) {
    const int64_t T = static_cast<int64_t>(prefix.size());
    const DecoderOutput d = model.decode(ids_tensor(prefix).reshape({1, T}), g.memory, padding);
    GreedyStep s;
    s.prefix = prefix;
    // Only the last position matters: it predicts the token after the prefix.
    // (The earlier positions repeat the previous steps' predictions, unchanged
    // thanks to the causal mask; a faster decoder would cache them.)
    s.logits = ag::select(ag::select(d.logits, 0, 0), 0, T - 1).detach();
    s.probs = ag::softmax(s.logits, 0);
    s.cross_query = ag::select(ag::select(d.cross_query, 0, 0), 0, T - 1).detach();
    s.cross_weights = ag::select(ag::select(d.cross_weights, 0, 0), 0, T - 1);
    std::vector<int64_t> order(static_cast<size_t>(s.probs.numel()));
    std::iota(order.begin(), order.end(), 0);
    const float* p = s.probs.data();
    const size_t k = std::min<size_t>(5, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [p](int64_t a, int64_t b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
    s.top.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k));
    s.choice = s.top[0];
    g.steps.push_back(s);
    if (s.choice == end_id) {
      g.finished = true;
      break;
    }
    g.output.push_back(s.choice);
    prefix.push_back(s.choice);
  }
  return g;
}

}  // namespace tut
