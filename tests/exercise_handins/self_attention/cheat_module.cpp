// A cheat: build attograd's own nn::SelfAttention, swap the student's
// parameters in, and return what it computes. The allow-list refuses it: the
// module is the answer A5 asks for.
#include "core/ag.h"
#include "nn/models/attention_net.h"
#include "tutorials/exercises/self_attention.h"

namespace ex {

SelfAttentionResult self_attention_forward(const ag::Tensor& x, const SelfAttentionParams& p) {
  ag::nn::SelfAttention block(x.size(1));
  block.query->weight = p.query_weight;
  block.query->bias = p.query_bias;
  block.key->weight = p.key_weight;
  block.key->bias = p.key_bias;
  block.value->weight = p.value_weight;
  block.value->bias = p.value_bias;
  block.gamma = p.gamma;
  block.keep_attention = true;
  ag::Tensor out = block(x);
  return {out, block.last_attention};
}

}  // namespace ex
