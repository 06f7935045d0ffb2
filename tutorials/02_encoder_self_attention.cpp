// Tutorial 02: encoder self-attention, forward and backward. The document's
// section 1.3, step 2.
//
//   make tutorial T=02
//   make gdb T=02               builds it at -O0 -g and opens it in gdb, then:
//   (gdb) break tut::step_softmax        stops in every softmax of this program
//
// The numbers come from tutorials/common/lesson02.cpp and attention_steps.cpp;
// tests/tutorials/test_tutorials.cpp recomputes each one with plain loops.
#include <cstdio>
#include <iostream>
#include <string>

#include "core/ag.h"
#include "core/dot.h"
#include "tutorials/common/article.h"
#include "tutorials/common/heatmap.h"
#include "tutorials/common/lesson01.h"
#include "tutorials/common/lesson02.h"
#include "tutorials/common/present.h"
#include "tutorials/common/sentence.h"

using namespace tut;

namespace {

void show_attention(const Attention& a, const Labels& words, const std::string& stem) {
  show_matrix("scores = query · keyᵀ", a.scores, words, words);
  show_matrix("scaled = scores / √4 = scores / 2", a.scaled, words, words);
  show_matrix("weights = softmax of each row (rows sum to 1)", a.weights, words, words);
  show_heatmap("attention weights", a.weights, words, words, stem);
  show_matrix("out = weights · value (one new vector per word)", a.out, words,
              {"d0", "d1", "d2", "d3"});
}

void tutorial() {
  apply_sentence_options();
  const float weight_scale = option_float("--weight-scale", kWeightScale);
  const EncoderLesson encoder = lesson02_encoder(weight_scale);
  const Labels words = tokenize(english_sentence());
  const Labels document_words = tokenize(kEnglishSentence);  // its table's rows, whatever ours
  const Labels dims = {"d0", "d1", "d2", "d3"};
  const bool documents_sentence = english_sentence() == kEnglishSentence;

  heading("Tutorial 02: encoder self-attention");
  say("What you will learn: how each word of \"" + english_sentence() +
      "\" looks at every other word. "
      "Every word asks a question (its query), offers a label (its key) and carries content "
      "(its value). Query against key gives a score; softmax turns a row of scores into "
      "weights that sum to 1; the word's new vector is the weighted average of the values. "
      "Then the backward pass: how a gradient flows back through the softmax.");

  heading("The document's table");
  quote_article("02.table");
  say("The document prints these \"relevance scores\" for step 2 and says they were "
      "normalised. They are not softmax weights: a row of weights sums to 1, these rows do not.");
  show_matrix("document, step 2", encoder.document_scores, document_words, document_words);
  show_vector("row sums (should be 1)", encoder.document_row_sums, document_words);
  const bool i_am_first = words.size() >= 2 && words[0] == "I" && words[1] == "am";
  if (i_am_first)
    say("Nor can they come from the document's own vectors: below, with each word's vector "
        "as its own query, key and value, row \"I\" scores I·I = " +
        fmt(encoder.plain.scores.at({0, 0})) +
        " but I·am = " + fmt(encoder.plain.scores.at({0, 1})) +
        ": \"I\" matches \"am\" better than itself, while the document's row puts \"I\" "
        "first (0.9).");
  if (!documents_sentence)
    say("(That table is the document's, for \"I am a student\"; from here on we compute "
        "with your sentence, \"" +
        english_sentence() + "\", " + std::to_string(words.size()) + " words.)");

  heading("Step 2a: each vector as its own query, key and value (the document's way)");
  quote_article("02.qkv");
  quote_article("02.sum");
  say("Why scale by √d? If the entries of q and k are independent with variance 1, q·k is a "
      "sum of d such products and has variance d. Dividing by √d brings it back to 1. "
      "Without it, wide vectors give large scores, the softmax puts almost all weight on one "
      "word, and its gradient vanishes. Here d = 4, so we divide by 2.");
  show_attention(encoder.plain, words, "02_plain_weights");
  const int64_t T = static_cast<int64_t>(words.size());
  say("The weights are close to uniform (1/" + std::to_string(T) + " = " + fmt(1.0f / T, 2) +
      "): these vectors are short, so every score is small and softmax barely separates "
      "them.");
  if (i_am_first && encoder.plain.weights.at({0, 1}) > encoder.plain.weights.at({0, 0}))
    say("And row \"I\" gives more weight to \"am\" (" + fmt(encoder.plain.weights.at({0, 1})) +
        ") than to itself (" + fmt(encoder.plain.weights.at({0, 0})) +
        "): the two vectors point the same way and \"am\" is longer.");

  heading("Step 2b: learned projections W_Q, W_K, W_V");
  quote_article("02.scores");
  say("A real encoder first multiplies x by three learned matrices, so the question a word "
      "asks (query = x W_Q) can differ from how it is found (key = x W_K) and from what it "
      "passes on (value = x W_V). Ours are seeded random numbers (std " +
      fmt(weight_scale, 1) +
      "), standing in for trained ones. The std is kWeightScale in "
      "tutorials/common/lesson02.h, which tutorials 03, 04 and 05 use too: changing it "
      "there changes their matrices as well (--weight-scale changes only this run).");
  show_matrix("W_Q", encoder.W_Q, dims, dims);
  show_matrix("W_K", encoder.W_K, dims, dims);
  show_matrix("W_V", encoder.W_V, dims, dims);
  show_matrix("query = x W_Q", encoder.learned.query, words, dims);
  show_matrix("key = x W_K", encoder.learned.key, words, dims);
  show_matrix("value = x W_V", encoder.learned.value, words, dims);
  show_attention(encoder.learned, words, "02_learned_weights");

  heading("Step 2c: backward through the attention");
  const BackwardLesson backward_lesson = lesson02_backward(encoder);
  say("Training needs dL/dW_Q and friends. Suppose the layers above send back dout, the "
      "gradient of the loss with respect to out (ours is seeded random). Autograd carries it "
      "back: out = weights · value gives dweights = dout · valueᵀ; then through the softmax; "
      "then through the division by 2. retain_grad() keeps these intermediate gradients so we "
      "can print them.");
  show_matrix("dout (given)", backward_lesson.dout, words, dims);
  show_matrix("dweights (autograd)", backward_lesson.dweights, words, words);
  show_matrix("dscaled (autograd, through the softmax)", backward_lesson.dscaled, words, words);
  show_matrix("dscores (autograd) = dscaled / 2", backward_lesson.dscores, words, words);
  show_matrix("dW_Q (autograd): the gradient an optimizer would use", backward_lesson.dW_Q, dims,
              dims);

  say("Now the softmax by hand. For one row p = softmax(x), ∂p_i/∂x_j = p_i (δ_ij - p_j): "
      "the Jacobian J = diag(p) - p pᵀ. It is symmetric, and each of its rows sums to 0 "
      "(adding a constant to every score changes no weight). The gradient of a row is "
      "dx = Jᵀ dp.");
  show_matrix("J for row \"" + words[0] + "\" (by hand)", backward_lesson.jacobian_I, words, words);
  show_matrix("dscaled by hand: row i = J(p_i)ᵀ · dweights row i", backward_lesson.dscaled_by_hand,
              words, words);
  char diff[64];
  std::snprintf(diff, sizeof diff, "%.1e", static_cast<double>(backward_lesson.max_difference));
  say(std::string("Largest difference between autograd and the hand-written Jacobian: ") + diff +
      " (float rounding).");
  // ASSIGNMENT softmax_backward/shortcut_sentence: begin
  say("Autograd's SoftmaxBackward uses the shortcut dx = p * (dp - sum(dp * p)), which is exactly "
      "Jᵀ dp without building J.");
  // ASSIGNMENT softmax_backward/shortcut_sentence: end

  heading("The graph autograd walked");
  say("Every op above recorded a node; backward visited them in reverse. ag::write_graph_svg "
      "draws them: boxes are backward nodes (MatmulBackward, DivBackward for the division by 2, "
      "SoftmaxBackward, ...), green ellipses the leaves W_Q, W_K, W_V whose .grad() it filled. "
      "With {.values = true} every box of 16 numbers or fewer also shows its data and, where "
      "backward kept it, its grad: the matrices printed above, in place.");
  try {
    say("graph: " + ag::write_graph_svg(backward_lesson.graph_root,
                                        output_dir() + "/02_attention_graph", {.values = true}));
  } catch (const ag::Error& e) {
    say(e.what());  // Graphviz missing: the .dot file is still written
  }

  what_to_try({
      "Run with --weight-scale 5 (or set kWeightScale in tutorials/common/lesson02.h to 5, "
      "which changes tutorials 03, 04 and 05 too): how peaked do the weights get, and what "
      "happens to dscaled?",
      "Remove the scaling (divide by 1 in step_scale): compare the weights. Then imagine d = 512.",
      "Add 10 to every score of one row before the softmax: which numbers change? (Look at J's "
      "row sums.)",
      "In gdb: make gdb T=02, then the session tutorials/README.md shows (break "
      "tut::step_softmax, run, next, ag-print weights) prints these 16 weights from inside "
      "the softmax step; a test runs that very session.",
      "Run it on your own sentence, with the options tutorial 01 takes: --sentence \"I am a "
      "good student\" --vector \"good=0.3,0.1,-0.2,0.2\".",
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<TutorialOption> options = sentence_options();
  options.push_back({"--weight-scale", "X", "std of W_Q, W_K, W_V (default kWeightScale, 1.5)"});
  return run_tutorial(argc, argv, options,
                      "Tutorial 02 needs a vector for every word of the sentence: give a new word "
                      "one with --vector \"WORD=a,b,c,d\" (tutorial 01 shows how), or run "
                      "without --sentence.",
                      tutorial);
}
