// Tutorial 05: multi-head attention and positional encoding.
//
//   make tutorial T=05
//   make gdb T=05               builds it at -O0 -g and opens it in gdb, then:
//   (gdb) break tut::split_heads
//
// The numbers come from tutorials/common/lesson05.cpp; tests/tutorials/test_tutorials.cpp
// recomputes each one with plain loops.
#include <algorithm>
#include <iostream>
#include <sstream>
#include <string>

#include "core/ag.h"
#include "tutorials/common/article.h"
#include "tutorials/common/lesson01.h"
#include "tutorials/common/lesson05.h"
#include "tutorials/common/present.h"
#include "tutorials/common/sentence.h"

using namespace tut;

namespace {

// "both heads", "all 4 heads", "the one head".
std::string all_heads(int64_t heads) {
  if (heads == 1) return "the one head";
  return heads == 2 ? "both heads" : "all " + std::to_string(heads) + " heads";
}

// "3,1,0,2" -> {3, 1, 0, 2}; empty text -> empty (the lesson's default order).
std::vector<int64_t> parse_order(const std::string& text) {
  std::vector<int64_t> order;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    try {
      order.push_back(std::stoll(item));
    } catch (const std::exception&) {
      ag::fail("--order: '", item, "' in '", text, "' is not a word position");
    }
  }
  return order;
}

void tutorial() {
  apply_sentence_options();
  const Labels words = tokenize(english_sentence());
  const Labels dims = {"d0", "d1", "d2", "d3"};
  // Every label and number below follows the number of heads: kHeads (lesson05.h), or --heads.
  const int64_t heads = option_int("--heads", kHeads);
  const MultiHeadWeights W = lesson05_weights();
  const MultiHead M = multi_head(english_word_vectors(), W, heads);  // checks heads first
  const Labels head_dims = head_column_labels(heads);
  const int64_t width = kWidth / heads;  // each head's width d_k
  const std::string root = "√" + std::to_string(width);

  heading("Tutorial 05: several heads, and where the words are");
  say("What you will learn: (1) multi-head attention runs several small attentions side by "
      "side, each free to look for something different, and concatenates their results; "
      "(2) attention by itself ignores word order, which is why Transformers add a position "
      "signal to every input vector.");

  heading("Step 5a: split into heads");
  quote_article("05.transformer");
  say("With model width 4 and " + std::to_string(heads) + " head" + (heads > 1 ? "s" : "") +
      ", each head works in width " + std::to_string(width) +
      ". We project once with 4x4 "
      "matrices and give each head " +
      std::to_string(width) + " consecutive column" + (width > 1 ? "s" : "") +
      " (labelled h<head>.d<column>). Each head scales its scores by " + root +
      ", the square root of its own width.");
  show_matrix("query = x W_Q, columns labelled by head", merge_heads(M.q_heads), words, head_dims);
  show_matrix("key = x W_K", merge_heads(M.k_heads), words, head_dims);
  show_matrix("value = x W_V", merge_heads(M.v_heads), words, head_dims);
  for (int64_t h = 0; h < heads; ++h) {
    const std::string name = "head " + std::to_string(h);
    heading("Step 5b: " + name + " attends");
    show_matrix(name + ": scaled = query_h · key_hᵀ / " + root, ag::select(M.heads.scaled, 0, h),
                words, words);
    show_matrix(name + ": weights", ag::select(M.heads.weights, 0, h), words, words);
    show_heatmap(name + " weights", ag::select(M.heads.weights, 0, h), words, words,
                 "05_head" + std::to_string(h) + "_weights");
    show_matrix(name + ": out = weights · value_h", ag::select(M.heads.out, 0, h), words,
                head_dim_labels(heads));
  }
  heading("Step 5c: concatenate and mix");
  show_matrix("concat: the heads' outputs side by side", M.concat, words, head_dims);
  show_matrix("out = concat W_O (W_O lets every output column use " + all_heads(heads) + ")", M.out,
              words, dims);
  say(heads > 1
          ? "Compare the " + std::to_string(heads) +
                " heads' weight tables: with different W_Q and W_K columns they "
                "distribute their attention differently, and the concatenation keeps every view."
          : std::string("With one head there is one weight table, over the full width 4: "
                        "one view of the sentence, what tutorial 02 computed (with "
                        "other seeded matrices, and W_O after it)."));

  heading("Step 5d: sinusoidal positions");
  const PositionLesson P = lesson05_positions(W, heads, parse_order(option_text("--order", "")));
  say("PE[pos][2i] = sin(pos / 10000^(2i/4)), PE[pos][2i+1] = cos(pos / 10000^(2i/4)). "
      "Columns 0-1 turn fast (one radian per position), columns 2-3 a hundred times slower. "
      "Every position gets a different pattern, the values stay in [-1, 1], and the pattern "
      "of pos + k is a fixed rotation of the pattern of pos, which makes relative positions "
      "easy to read off with dot products.");
  Labels positions;
  for (int64_t p = 0; p < P.table.size(0); ++p) positions.push_back("pos " + std::to_string(p));
  show_matrix("position table", P.table, positions,
              {"sin(p)", "cos(p)", "sin(p/100)", "cos(p/100)"});
  show_matrix("x + positions (word k gets row k)", P.x_pos, words, dims);
  say("Our word vectors are small next to the positions (entries up to 1). The original "
      "Transformer multiplies the embeddings by √D before adding positions to keep the two "
      "in balance; with D = 4 we leave that out, so here position dominates.");

  heading("Step 5e: without positions, order does not matter");
  Labels reordered;
  for (int64_t k : P.order) reordered.push_back(words[k]);
  const std::string sentence = join_words(reordered);
  say("Feed the words in another order, \"" + sentence +
      "\", through the same multi-head "
      "attention. Without positions each output row is the same as before, only moved with "
      "its word: attention is permutation-equivariant. It sees a bag of words.");
  show_matrix("out for \"" + english_sentence() + "\"", P.out, words, dims);
  show_matrix("out for \"" + sentence + "\"", P.out_reordered, reordered, dims);
  show_vector("largest difference per word, rows matched by word", P.gap, reordered);
  say("Zero, up to float rounding. Now add the positions after reordering, so \"" + reordered[0] +
      "\" sits at position 0:");
  show_matrix("out with positions, \"" + english_sentence() + "\"", P.out_pos, words, dims);
  show_matrix("out with positions, \"" + sentence + "\"", P.out_pos_reordered, reordered, dims);
  show_vector("largest difference per word, rows matched by word", P.gap_pos, reordered);
  float largest_gap = 0;
  for (float g : P.gap_pos.to_vector()) largest_gap = std::max(largest_gap, g);
  if (largest_gap > 1e-4f)
    say("Now the same word gives a different output in a different place: the model can tell "
        "\"" +
        english_sentence() + "\" from \"" + sentence + "\".");
  else
    say("Every gap is zero here too: this order leaves every word where it was, so the "
        "positions it meets are the same. Try an order that moves a word.");

  what_to_try({
      "Run with --heads 1 or --heads 4 (or set kHeads in tutorials/common/lesson05.h): what "
      "changes in the scaling, and in the weights?",
      "Try the identity order: run with --order 0,1,2,3 (or pass {0, 1, 2, 3} to "
      "lesson05_positions). Which gaps are zero now, with and without positions?",
      "Question: is multi-head attention with W_O = identity and one head of width 4 the "
      "same as tutorial 02's attention?",
      "Run it on your own sentence, with the options tutorial 01 takes: --sentence \"I am a "
      "good student\" --vector \"good=0.3,0.1,-0.2,0.2\".",
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<TutorialOption> options = sentence_options();
  options.push_back({"--heads", "N", "number of heads: 1, 2 or 4 (default kHeads, 2)"});
  options.push_back({"--order", "i,j,...", "the reordering of step 5e (default 3,1,0,2)"});
  return run_tutorial(argc, argv, options,
                      "Tutorial 05 needs a number of heads that divides the width 4 (1, 2 or 4), "
                      "an --order that lists each word position once, and a vector for every "
                      "word of the sentence (--vector, tutorial 01).",
                      tutorial);
}
