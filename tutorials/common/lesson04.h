// tutorials/common/lesson04.h: the computations of tutorial 04 (encoder-decoder
// cross-attention and the document's step-4 arithmetic), apart from the
// printing, so tests/tutorials/test_tutorials.cpp can check every number the program prints.
#pragma once

#include "core/tensor.h"
#include "tutorials/common/attention_steps.h"

namespace tut {

// What tutorial 07's trained model does, quoted by tutorial 04: the
// cross-attention row (mean of the heads) of the step that picks "Je", over
// <s> I am a student </s>. tests/tutorials/test_tutorials_train.cpp checks these three
// against lesson07_decode, so the sentence cannot drift from the model.
// Quoted with kTrainedDecimals decimals: 400 steps of training amplify the
// last-bit differences between builds (g++ or clang, -O2 or the ASan build's
// -O1) to about 1e-4, so a fourth decimal would be true of one build only.
constexpr float kTrainedJeOnStart = 0.4238f, kTrainedJeOnI = 0.0026f, kTrainedJeOnAm = 0.5102f;
constexpr int kTrainedDecimals = 2;

constexpr uint64_t kCrossSeed = 22;  // seeds the cross-attention's W_Q, W_K, W_V (+0, +1, +2)
// Smaller than kWeightScale: memory and decoder states are already larger than
// the embeddings, and std 1.5 again would give scores so large that the softmax
// hands one word everything.
constexpr float kCrossWeightScale = 0.5f;

// The document's step 4, recomputed from its own vectors.
struct DocumentCheck {
  ag::Tensor query;       // (4) the vector it uses for "Je"
  ag::Tensor keys;        // (4, 4) its step-2 rows, used as the keys of I, am, a, student
  ag::Tensor products;    // (4, 4) the four terms q_d · k_d of each dot product
  ag::Tensor correct;     // (4) q·k, the sums of those terms
  ag::Tensor claimed;     // (4) what the document prints
  ag::Tensor comparison;  // (4, 3) columns: document, correct, correct - document
  ag::Tensor weights;     // (4) softmax(correct / 2): the step the document leaves out
};
DocumentCheck lesson04_document();

struct CrossLesson {
  ag::Tensor memory;         // (T, 4) encoder output for I am a student (tutorial 02)
  ag::Tensor decoder;        // (3, 4) decoder output for Je suis étudiant (tutorial 03)
  ag::Tensor W_Q, W_K, W_V;  // (4, 4) seeded
  Attention cross;           // queries from the decoder, keys and values from the encoder
  ag::Tensor received;       // (4) column sums: the total weight each English word gets
  // The same queries with "a" removed from the English side: softmax over 3 keys.
  // Undefined (and a_position -1) when the sentence has no "a".
  int64_t a_position = -1;
  Attention without_a;
  ag::Tensor renormalised;  // (3, 3) cross weights without a's column, divided by (1 - w_a)
};
CrossLesson lesson04_cross();

}  // namespace tut
