// tutorials/common/lesson03.h: the computations of tutorial 03 (decoder masked
// self-attention), apart from the printing, so tests/tutorials/test_tutorials.cpp can
// check every number the program prints.
#pragma once

#include "core/tensor.h"
#include "tutorials/common/attention_steps.h"

namespace tut {

constexpr uint64_t kDecoderSeed = 12;  // seeds the decoder's W_Q, W_K, W_V (+0, +1, +2)

struct DecoderLesson {
  ag::Tensor y;                  // (3, 4) the French word vectors, rows Je suis étudiant
  ag::Tensor document_scores;    // the document's step-3 table: (3, 4), one column too many
  ag::Tensor document_row_sums;  // (3)
  ag::Tensor W_Q, W_K, W_V;      // (4, 4) seeded
  ag::Tensor mask;               // (3, 3) 1 where a word would see its future
  Attention unmasked;            // what goes wrong: every word sees the whole sentence
  Attention masked;              // the decoder's attention
  // Why the mask matters: replace the last word's vector by its negative and
  // measure how far each output row moves, max_j |Δout[i][j]|.
  ag::Tensor y_changed;
  ag::Tensor unmasked_shift;  // (3): Je and suis move, they saw étudiant
  ag::Tensor masked_shift;    // (3): only étudiant moves
};
DecoderLesson lesson03_decoder();

}  // namespace tut
