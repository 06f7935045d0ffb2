// tutorials/page/page_trained.cpp: tutorials 06/07 as page views: greedy
// decoding with its top-5 at every step, and every head of every layer of the
// trained tiny Transformer (encoder self-attention, masked decoder
// self-attention, cross-attention) for the finished translation.
#include "tutorials/page/page_data.h"

#include "core/ag.h"
#include "tutorials/common/attention_steps.h"
#include "tutorials/common/corpus.h"
#include "tutorials/common/lesson07.h"
#include "tutorials/page/captions.h"

namespace page {
namespace {

// The inputs a self-attention module was last called with (a forward hook
// records them), so we can call it again asking for every head's weights.
struct Recorded {
  std::vector<ag::Tensor> inputs;  // query, key, value
};

// (H, L, S) weights of one attention module on its recorded inputs.
ag::Tensor head_weights(ag::nn::MultiheadAttention& attention, const Recorded& r,
                        const ag::nn::AttentionMasks& masks) {
  ag::NoGradGuard looking_only;
  auto result = attention.forward(r.inputs.at(0), r.inputs.at(1), r.inputs.at(2), masks,
                                  /*need_weights=*/true, /*average_attn_weights=*/false);
  return ag::select(result.second, 0, 0);  // batch of one
}

void add_heads(View& view, const std::string& kind, int64_t layer, const ag::Tensor& heads,
               const Labels& rows, const Labels& cols, const std::string& formula) {
  for (int64_t h = 0; h < heads.size(0); ++h) {
    const std::string name = kind + "-L" + std::to_string(layer) + "-H" + std::to_string(h);
    Matrix m = make_matrix(view.id, name, ag::select(heads, 0, h), rows, cols, formula);
    m.caption = weights_caption(m);
    view.matrices.push_back(m);
  }
}

}  // namespace

std::vector<View> trained_views(tut::TinyTransformer& model) {
  const tut::DecodingLesson L = tut::lesson07_decode(model);
  std::vector<View> views;

  // ---- 07: greedy decoding, one top-5 per step
  View decode =
      make_view("07-decode", "06/07 · The trained Transformer decodes",
                "At each step the decoder reads the French words so far and scores every token; "
                "greedy decoding takes the most probable.");
  decode.kind = "decode";
  Labels chosen;
  for (size_t k = 0; k < L.greedy.steps.size(); ++k) {
    const tut::GreedyStep& s = L.greedy.steps[k];
    Labels top_words, prefix_words;
    std::vector<float> top_probs;
    for (int64_t id : s.top) {
      top_words.push_back(L.french.tokens[static_cast<size_t>(id)]);
      top_probs.push_back(s.probs.data()[id]);
    }
    for (int64_t id : s.prefix) prefix_words.push_back(L.french.tokens[static_cast<size_t>(id)]);
    Matrix m = make_matrix(decode.id, "step" + std::to_string(k),
                           ag::from_vector(top_probs, {static_cast<int64_t>(top_probs.size())}),
                           {tut::join_words(prefix_words) + " →"}, top_words,
                           "top-5 of softmax(generator(decoder(prefix)))");
    m.caption = top5_caption(m);
    decode.matrices.push_back(m);
    chosen.push_back(L.french.tokens[static_cast<size_t>(s.choice)]);
  }
  Matrix cross = make_matrix(decode.id, "cross", L.cross_map, chosen, L.source_tokens,
                             "row k: step k's cross-attention, mean of the heads");
  cross.caption = weights_caption(cross);
  decode.matrices.push_back(cross);
  views.push_back(decode);

  // ---- every head of every layer, on the finished translation
  View heads =
      make_view("heads", "06/07 · Every head of every layer",
                "The trained model on \"I am a student\" and its translation: pick a layer and a "
                "head.");
  heads.kind = "heads";
  const tut::GreedyStep& last = L.greedy.steps.back();
  const int64_t T = static_cast<int64_t>(last.prefix.size());
  const int64_t S = L.greedy.source.size(1);
  Labels prefix;
  for (int64_t id : last.prefix) prefix.push_back(L.french.tokens[static_cast<size_t>(id)]);

  std::vector<Recorded> encoder_inputs(model.encoder->layers.size());
  std::vector<Recorded> decoder_inputs(model.decoder->layers.size());
  std::vector<std::pair<ag::nn::Module*, int>> hooks;
  for (size_t l = 0; l < encoder_inputs.size(); ++l) {
    ag::nn::Module* m = model.encoder->layers[l]->self_attn.get();
    hooks.push_back({m, m->register_forward_hook(
                            [&encoder_inputs, l](ag::nn::Module&, const auto& in, const auto&) {
                              encoder_inputs[l].inputs = in;
                            })});
  }
  for (size_t l = 0; l < decoder_inputs.size(); ++l) {
    ag::nn::Module* m = model.decoder->layers[l]->self_attn.get();
    hooks.push_back({m, m->register_forward_hook(
                            [&decoder_inputs, l](ag::nn::Module&, const auto& in, const auto&) {
                              decoder_inputs[l].inputs = in;
                            })});
  }
  const ag::Tensor padding = ag::zeros({1, S});
  tut::DecoderOutput d;
  {
    ag::NoGradGuard looking_only;
    const ag::Tensor memory = model.encode(L.greedy.source, padding);
    d = model.decode(tut::ids_tensor(last.prefix).reshape({1, T}), memory, padding);
  }
  for (auto& [module, handle] : hooks) module->remove_forward_hook(handle);

  ag::nn::AttentionMasks encoder_masks, causal_masks, cross_masks;
  encoder_masks.key_padding_mask = padding;
  causal_masks.attn_mask = tut::step_causal_mask(T);
  causal_masks.attn_mask_is_bool = true;
  for (size_t l = 0; l < encoder_inputs.size(); ++l)
    add_heads(heads, "enc-self", static_cast<int64_t>(l),
              head_weights(*model.encoder->layers[l]->self_attn, encoder_inputs[l], encoder_masks),
              L.source_tokens, L.source_tokens, "softmax(q_h k_hᵀ / √d_h), English on English");
  for (size_t l = 0; l < decoder_inputs.size(); ++l) {
    add_heads(heads, "dec-self", static_cast<int64_t>(l),
              head_weights(*model.decoder->layers[l]->self_attn, decoder_inputs[l], causal_masks),
              prefix, prefix, "softmax(q_h k_hᵀ / √d_h, causal mask), French on French so far");
    add_heads(heads, "dec-cross", static_cast<int64_t>(l), ag::select(d.cross_heads[l], 0, 0),
              prefix, L.source_tokens, "softmax(q_h k_hᵀ / √d_h), French queries, English keys");
  }
  views.push_back(heads);
  return views;
}

}  // namespace page
