// Tutorial 03: the decoder's masked self-attention. The document's section
// 1.3, step 3 (and why its step 5 cannot be right).
//
//   make tutorial T=03
//   make gdb T=03               builds it at -O0 -g and opens it in gdb, then:
//   (gdb) break tut::step_apply_mask
//
// The numbers come from tutorials/common/lesson03.cpp; tests/tutorials/test_tutorials.cpp
// recomputes each one with plain loops.
#include <iostream>
#include <string>

#include "core/ag.h"
#include "tutorials/common/article.h"
#include "tutorials/common/lesson02.h"
#include "tutorials/common/lesson03.h"
#include "tutorials/common/present.h"
#include "tutorials/common/sentence.h"

using namespace tut;

namespace {

void tutorial() {
  const DecoderLesson L = lesson03_decoder();
  const Labels words = tokenize(kFrenchSentence);
  const Labels dims = {"d0", "d1", "d2", "d3"};

  heading("Tutorial 03: masked self-attention in the decoder");
  say("What you will learn: the decoder writes the translation one word at a time, so "
      "while it works on position i the words after i do not exist yet. Its self-attention "
      "must not look at them. A causal mask sets their scores to -inf before the softmax, "
      "which gives them weight exactly 0 (e^-inf = 0).");

  heading("The document's table");
  quote_article("03.table");
  show_matrix("document, step 3 (three words, four numbers per row)", L.document_scores, words,
              {"Je", "suis", "étudiant", "(none)"});
  show_vector("row sums (should be 1)", L.document_row_sums, words);
  say("Three things are wrong with it. (1) \"Je suis étudiant\" has three words, but each "
      "row has four numbers: the fourth belongs to no word. (2) The rows are said to be "
      "normalised but do not sum to 1. (3) It lets \"Je\" attend to \"suis\" (0.2) and "
      "\"étudiant\" (0.1), calling the first low and the second lower. In a decoder both "
      "must be exactly 0, not low: they are in Je's future. And the row's fourth number, "
      "0.3, which matches no word at all, is larger than both, so the comparison explains "
      "nothing.");

  heading("Step 3a: the causal mask");
  say("mask[i][j] = 1 when j > i (key j is in query i's future). In training the whole "
      "French sentence is fed at once (teacher forcing, tutorial 01), so without the mask "
      "position i could simply read the word it is asked to predict: training would be "
      "trivially easy and the model useless when it must generate alone.");
  show_matrix("mask", L.mask, words, words);

  heading("Step 3b: masked attention (seeded W_Q, W_K, W_V of the decoder)");
  quote_article("03.mask");
  say("The decoder's input y is the French word vectors (tutorial 01). Its W_Q, W_K, W_V are "
      "seeded (kDecoderSeed, lesson03.h) with std " +
      fmt(kWeightScale, 1) +
      ": kWeightScale of tutorials/common/lesson02.h, so changing it there (tutorial 02's "
      "suggestion) changes every matrix below too.");
  show_matrix("y = decoder input (French word vectors)", L.y, words, dims);
  show_matrix("W_Q (decoder)", L.W_Q, dims, dims);
  show_matrix("W_K (decoder)", L.W_K, dims, dims);
  show_matrix("W_V (decoder)", L.W_V, dims, dims);
  show_matrix("query = y W_Q", L.masked.query, words, dims);
  show_matrix("key = y W_K", L.masked.key, words, dims);
  show_matrix("value = y W_V", L.masked.value, words, dims);
  show_matrix("scores = query · keyᵀ", L.masked.scores, words, words);
  show_matrix("scaled = scores / 2", L.masked.scaled, words, words);
  show_matrix("masked = scaled, with -inf where mask = 1", L.masked.masked, words, words);
  show_matrix("weights = row softmax: e^-inf = 0", L.masked.weights, words, words);
  show_heatmap("masked attention weights", L.masked.weights, words, words, "03_masked_weights");
  show_matrix("out = weights · value", L.masked.out, words, dims);
  say("Row \"Je\" can only attend to itself, so its weight is 1.0000 and its output is its "
      "own value. Row \"suis\" splits its weight between \"Je\" and itself.");

  heading("Step 3c: the same without the mask (wrong for a decoder)");
  show_matrix("weights without mask", L.unmasked.weights, words, words);
  show_heatmap("unmasked attention weights", L.unmasked.weights, words, words,
               "03_unmasked_weights");

  heading("Step 3d: proof that the mask blocks the future");
  say("Replace the last word's vector by its negative (as if the sentence ended with a "
      "different word) and measure how far each output row moves, max over its 4 numbers:");
  show_vector("without mask: change of each row", L.unmasked_shift, words);
  show_vector("with mask:    change of each row", L.masked_shift, words);
  say("Without the mask the outputs of \"Je\" and \"suis\" change: they peeked at the last "
      "word. With the mask only the last row changes; earlier positions cannot know.");

  heading("About the document's step 5");
  say("Generation repeats this: start from <s>, predict a word, append it, predict the "
      "next, until </s>. The document's step 5 has the French decoder predict \"我\", "
      "\"是\", \"。\", Chinese tokens that are not in its vocabulary (tutorial 01), and "
      "then returns \"Je suis étudiant\" anyway. The right sequence is: from <s> predict "
      "\"Je\", from \"<s> Je\" predict \"suis\", from \"<s> Je suis\" predict \"étudiant\", "
      "then </s>. Tutorial 07 does it with a trained model.");

  what_to_try({
      "Replace -inf by -1e9 in step_apply_mask (tutorials/common/attention_steps.cpp): "
      "do the weights change at 4 decimals? Why do many libraries use a large negative "
      "number instead of -inf? (Think of a row where every key is masked.)",
      "Make the mask allow one word of look-ahead (j > i + 1): which shift becomes nonzero?",
      "Question: the encoder has no causal mask. Why may the encoder see the whole English "
      "sentence?",
  });
}

}  // namespace

int main(int argc, char** argv) {
  return run_tutorial(argc, argv, {},
                      "Tutorial 03 uses only the French sentence and the seeded matrices; if "
                      "you edited them, the message above names what no longer fits.",
                      tutorial);
}
