// tutorials/common/lesson03.cpp: decoder self-attention with the causal mask.
#include "tutorials/common/lesson03.h"

#include "core/ag.h"
#include "tutorials/common/lesson02.h"
#include "tutorials/common/sentence.h"

namespace tut {
namespace {

Attention self_attention(const ag::Tensor& y, const DecoderLesson& L, const ag::Tensor& mask) {
  return attend(ag::matmul(y, L.W_Q), ag::matmul(y, L.W_K), ag::matmul(y, L.W_V), mask);
}

// Row by row, the largest change of an output: max_j |after[i][j] - before[i][j]|.
ag::Tensor row_shift(const ag::Tensor& before, const ag::Tensor& after) {
  return ag::max(ag::abs(after - before), -1);
}

}  // namespace

DecoderLesson lesson03_decoder() {
  DecoderLesson L;
  L.y = french_word_vectors();
  L.document_scores = document_decoder_scores();
  L.document_row_sums = ag::sum(L.document_scores, -1);
  L.W_Q = seeded_matrix(kWidth, kWidth, kDecoderSeed, kWeightScale);
  L.W_K = seeded_matrix(kWidth, kWidth, kDecoderSeed + 1, kWeightScale);
  L.W_V = seeded_matrix(kWidth, kWidth, kDecoderSeed + 2, kWeightScale);
  const int64_t T = L.y.size(0);
  L.mask = step_causal_mask(T);
  L.unmasked = self_attention(L.y, L, ag::Tensor());
  L.masked = self_attention(L.y, L, L.mask);

  L.y_changed = L.y.clone();
  for (int64_t d = 0; d < kWidth; ++d) L.y_changed.data()[(T - 1) * kWidth + d] *= -1.0f;
  L.unmasked_shift = row_shift(L.unmasked.out, self_attention(L.y_changed, L, ag::Tensor()).out);
  L.masked_shift = row_shift(L.masked.out, self_attention(L.y_changed, L, L.mask).out);
  return L;
}

}  // namespace tut
