// Tutorial 04: encoder-decoder cross-attention. The document's section 1.3,
// step 4, with its arithmetic redone.
//
//   make tutorial T=04
//   make gdb T=04               builds it at -O0 -g and opens it in gdb, then:
//   (gdb) break tut::lesson04_document
//
// The numbers come from tutorials/common/lesson04.cpp; tests/tutorials/test_tutorials.cpp
// recomputes each one with plain loops and checks the hand sums below.
#include <iostream>
#include <string>

#include "core/ag.h"
#include "tutorials/common/article.h"
#include "tutorials/common/lesson01.h"
#include "tutorials/common/lesson02.h"
#include "tutorials/common/lesson04.h"
#include "tutorials/common/present.h"
#include "tutorials/common/sentence.h"

using namespace tut;

namespace {

void tutorial() {
  apply_sentence_options();
  const Labels english = tokenize(english_sentence()), french = tokenize(kFrenchSentence);
  const Labels document_english = tokenize(kEnglishSentence);  // the rows of its step-2 table
  const Labels dims = {"d0", "d1", "d2", "d3"};

  heading("Tutorial 04: cross-attention, where the translation looks at the source");
  say("What you will learn: in cross-attention the queries come from the decoder (the "
      "French words written so far) and the keys and values from the encoder (the English "
      "sentence). Each French word gets a weighted average of the English words: the "
      "weights say where it looks. First we check the document's own numbers.");

  heading("Step 4a: the document's dot products, recomputed");
  quote_article("04.dot");
  const DocumentCheck D = lesson04_document();
  say("The document takes q = [0.9, 0.5, 0.2, 0.3] for \"Je\" and, as keys, the rows of its "
      "step-2 table. Here is every term q_d · k_d and their sum:");
  show_matrix("q_d · k_d for each English key", D.products, document_english, dims);
  show_matrix("the dot products q·k", D.comparison, document_english,
              {"document", "correct", "difference"});
  say("All four of the document's figures are wrong. The sums by hand:");
  std::cout << "  Je·I       = 0.81 + 0.25 + 0.04 + 0.03 = 1.13   (document: 0.71)\n"
               "  Je·am      = 0.36 + 0.40 + 0.06 + 0.06 = 0.88   (document: 0.52)\n"
               "  Je·a       = 0.18 + 0.15 + 0.14 + 0.12 = 0.59   (document: 0.38)\n"
               "  Je·student = 0.09 + 0.10 + 0.08 + 0.27 = 0.54   (document: 0.32)\n";
  say("The order happens to survive (I > am > a > student), so the document's conclusion "
      "that \"Je\" relates most to \"I\" still holds; its numbers do not. Two further "
      "problems: the keys are the step-2 attention scores, not encoder output vectors, and "
      "the query [0.9, 0.5, 0.2, 0.3] appears from nowhere (step 3's \"Je\" row is "
      "[0.9, 0.2, 0.1, 0.3]). And the document stops at the scores: attention then scales "
      "and normalises them:");
  show_vector("weights = softmax(correct / √4)", D.weights, document_english);

  heading("Step 4b: real cross-attention");
  quote_article("04.cross");
  const CrossLesson C = lesson04_cross();
  say("Now the real thing. The keys and values come from the encoder's output of tutorial "
      "02 (\"memory\"), the queries from the decoder's masked self-attention output of "
      "tutorial 03, each through its own seeded W (std " +
      fmt(kCrossWeightScale, 1) +
      ", see lesson04.h). Memory and decoder states were made with kWeightScale of "
      "tutorials/common/lesson02.h: changing it there (tutorial 02's suggestion) changes "
      "every matrix of this step. (A full Transformer adds residual "
      "connections, layer norms and a feed-forward layer in between; tutorial 06 has them.) "
      "No mask here: the whole English sentence is known before the first French word.");
  show_matrix("memory (encoder output, tutorial 02)", C.memory, english, dims);
  show_matrix("decoder states (tutorial 03)", C.decoder, french, dims);
  show_matrix("W_Q (cross)", C.W_Q, dims, dims);
  show_matrix("W_K (cross)", C.W_K, dims, dims);
  show_matrix("W_V (cross)", C.W_V, dims, dims);
  show_matrix("query = decoder W_Q", C.cross.query, french, dims);
  show_matrix("key = memory W_K", C.cross.key, english, dims);
  show_matrix("value = memory W_V", C.cross.value, english, dims);
  show_matrix("scores = query · keyᵀ  (French rows, English columns)", C.cross.scores, french,
              english);
  show_matrix("scaled = scores / 2", C.cross.scaled, french, english);
  show_matrix("weights = row softmax", C.cross.weights, french, english);
  show_heatmap("cross-attention weights", C.cross.weights, french, english, "04_cross_weights");
  show_matrix("out = weights · value (one vector per French word)", C.cross.out, french, dims);
  say("These W are untrained, so the weights say nothing yet. Training does not make them "
      "line \"Je\" up with \"I\" either. In tutorial 07's trained model the position that "
      "picks \"Je\" (it reads only <s>) puts " +
      fmt(kTrainedJeOnAm, kTrainedDecimals) + " on \"am\", " +
      fmt(kTrainedJeOnStart, kTrainedDecimals) + " on <s> and " +
      fmt(kTrainedJeOnI, kTrainedDecimals) +
      " on \"I\" (the mean of "
      "its 2 heads): the encoder has already mixed the sentence into every position, so any "
      "column can carry \"I am\", and nothing in the loss asks for a word-for-word alignment.");

  heading("Step 4c: what happens to \"a\"?");
  say("\"a\" has no French counterpart (\"Je suis étudiant\": French drops the article "
      "before a profession). Attention has no \"nothing\" option: each row of weights must "
      "sum to 1 over the English words, so \"a\" always gets some weight. Total weight each "
      "English word receives from the three French words (column sums):");
  show_vector("received", C.received, english);
  if (C.a_position < 0) {
    say("Your sentence has no \"a\", so there is nothing to remove here: run without "
        "--sentence to see what removing it does.");
  } else {
    say("A trained model can only make a's share small, or learn to park spare weight on a "
        "token it can ignore (often a punctuation mark or </s>). What the weight on \"a\" "
        "costs: remove \"a\" from the encoder side and the softmax shares its weight among the "
        "others in proportion, w' = w / (1 - w_a):");
    Labels no_a = english;
    no_a.erase(no_a.begin() + C.a_position);
    show_matrix(
        "weights with \"a\" removed (softmax over " + std::to_string(no_a.size()) + " keys)",
        C.without_a.weights, french, no_a);
    show_matrix("original weights without a's column, divided by (1 - w_a)", C.renormalised, french,
                no_a);
    say("The two tables are equal: softmax normalises e^score over the keys present, so taking "
        "one key away scales all the others up by the same factor. \"a\" also still acts "
        "indirectly: the encoder's self-attention (tutorial 02) already mixed some of it into "
        "the memory vectors of the other words.");
  }

  what_to_try({
      "In lesson04_document (tutorials/common/lesson04.cpp) take the softmax of D.claimed "
      "instead of D.correct: does the order of the weights change? How much do they change?",
      "In lesson04_cross (tutorials/common/lesson04.cpp) set W_Q and W_K to identity "
      "matrices: which English word does each French word look at now?",
      "Add the end token </s> to the memory: run with --sentence \"I am a student </s>\" "
      "(</s> has a vector already). How much weight does it attract from each French word?",
  });
}

}  // namespace

int main(int argc, char** argv) {
  return run_tutorial(argc, argv, sentence_options(),
                      "Tutorial 04 needs a vector for every word of the sentence: give a new word "
                      "one with --vector \"WORD=a,b,c,d\" (tutorial 01 shows how), or run "
                      "without --sentence.",
                      tutorial);
}
