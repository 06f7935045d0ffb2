// Tutorial 01: from a sentence to vectors. The document's section 1.3, step 1.
//
//   make tutorial T=01          run it
//   make gdb T=01               builds it at -O0 -g and opens it in gdb, then:
//   (gdb) break tut::lesson01_tokens
//
// The numbers are computed in tutorials/common/lesson01.cpp; this file prints
// them. tests/tutorials/test_tutorials.cpp recomputes every one of them with plain loops.
#include <iostream>
#include <string>
#include <vector>

#include "core/ag.h"
#include "tutorials/common/article.h"
#include "tutorials/common/lesson01.h"
#include "tutorials/common/present.h"

using namespace tut;

namespace {

std::string join_ids(const std::vector<int64_t>& ids) {
  std::string s;
  for (int64_t id : ids) {
    if (!s.empty()) s += ' ';
    s += std::to_string(id);
  }
  return s;
}

std::string quoted_list(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "\"" : ", \"") + w + "\"";
  return s;
}

std::string join_tokens(const Vocabulary& vocab, const std::vector<int64_t>& ids) {
  std::string s;
  for (int64_t id : ids) {
    if (!s.empty()) s += ' ';
    s += vocab.tokens[id];
  }
  return s;
}

Labels with_ends(const std::vector<std::string>& words) {
  Labels l = {kStart};
  l.insert(l.end(), words.begin(), words.end());
  l.push_back(kEnd);
  return l;
}

// The index of `word` in words, or -1.
int64_t position_of(const std::vector<std::string>& words, const std::string& word) {
  for (size_t k = 0; k < words.size(); ++k)
    if (words[k] == word) return static_cast<int64_t>(k);
  return -1;
}

void tutorial() {
  apply_sentence_options();
  const TokensLesson L = lesson01_tokens();
  const Labels dims = {"d0", "d1", "d2", "d3"};

  heading("Tutorial 01: tokens and embeddings");
  say("What you will learn: how \"" + english_sentence() +
      "\" becomes numbers a network can use. "
      "A sentence is split into tokens, each token gets an id from a vocabulary, and each "
      "id selects one row of an embedding table: a vector of 4 numbers.");

  heading("Step 1: tokenize");
  quote_article("01.tokens");
  say("English: [" + quoted_list(L.english) + "]   (" + std::to_string(L.english.size()) +
      " tokens)");
  say("French:  [" + quoted_list(L.french) + "]   (" + std::to_string(L.french.size()) +
      " tokens)");
  say("We split on spaces. Real tokenizers also split punctuation and rare words into "
      "pieces; these sentences need neither.");

  heading("Step 2: two vocabularies");
  say("Encoder and decoder each have their own vocabulary. Three special tokens come first: "
      "<pad> (id 0) fills short sentences up to a common length, <s> (id 1) starts a "
      "sentence, </s> (id 2) ends it. The decoder needs both: it starts generating from <s> "
      "and it stops when it predicts </s>.");
  for (const auto* v : {&L.english_vocab, &L.french_vocab}) {
    std::string line = v == &L.english_vocab ? "English vocabulary:" : "French vocabulary: ";
    for (int64_t id = 0; id < v->size(); ++id)
      line += "  " + std::to_string(id) + "=" + v->tokens[id];
    std::cout << line << "\n";
  }
  say("Is \"我\" in the French vocabulary? " +
      std::string(L.french_vocab.contains("我") ? "yes" : "no") +
      ". The document's step 5 says the decoder predicts \"我\", \"是\" and \"。\" (Chinese). "
      "A French decoder can only ever output tokens of its own vocabulary; after \"Je\" it "
      "should predict \"suis\", after \"Je suis\" \"étudiant\", and then </s>. That step of "
      "the document is wrong.");

  heading("Step 3: ids");
  auto line = [](const std::string& what, const std::vector<int64_t>& ids, const Vocabulary& v) {
    std::string s = join_ids(ids);
    std::cout << what << std::string(16 - std::min<size_t>(16, display_width(what)), ' ') << s
              << std::string(14 - std::min<size_t>(14, s.size()), ' ') << "= "
              << join_tokens(v, ids) << "\n";
  };
  line("encoder input", L.english_ids, L.english_vocab);
  line("\"" + join_words(L.short_words) + "\", padded", L.short_padded, L.english_vocab);
  line("decoder input", L.decoder_input, L.french_vocab);
  line("decoder target", L.decoder_target, L.french_vocab);
  say("The decoder target is its input shifted by one: at every position the decoder learns "
      "to predict the next French token (tutorial 03 shows why it must not see it). Padding "
      "lets sentences of different lengths share one batch; a padding mask (built like tutorial "
      "03's causal mask) keeps attention away from <pad>.");

  heading("Step 4: embeddings (4 numbers per token)");
  quote_article("01.embed");
  if (!L.missing_vector.empty()) {
    say("The lookup stops here: " + L.missing_vector +
        ". The vocabulary gave the new word an "
        "id (step 3), but an id only selects a row, and this table has no row for it. A real "
        "model has a row for every id of its vocabulary (trained with the rest), and maps "
        "words it never saw to one shared <unk> row. Here, give it one: run with "
        "--vector \"WORD=a,b,c,d\" (four numbers), or add a row to english_vectors() in "
        "tutorials/common/sentence.cpp.");
    return;
  }
  say("The document gives two vectors: \"I\" = [0.1, 0.2, -0.3, 0.4] and \"am\" = "
      "[0.2, 0.3, -0.4, 0.5], \"and so on\". It gives no others, so we chose the rest "
      "ourselves (\"a\", \"student\", <s>, </s> and all French vectors; <pad> is zeros). "
      "In a real model these tables are learned with everything else.");
  show_matrix("English embeddings (rows selected by the ids above)", L.english_vectors,
              with_ends(L.english), dims);
  show_matrix("French embeddings (all ours)", L.french_vectors, with_ends(L.french), dims);

  heading("Step 5: how similar are the words?");
  say("Cosine similarity cos = x·y / (‖x‖ ‖y‖) is 1 for vectors pointing the same way. "
      "Attention compares vectors by dot products, so this already hints at what it will see.");
  show_vector("length ‖x‖ of each English word vector", L.english_norms, L.english);
  show_matrix("cosine similarity", L.english_cosine, L.english, L.english);
  const int64_t i = position_of(L.english, "I"), am = position_of(L.english, "am");
  if (i >= 0 && am >= 0)
    say("The document's \"I\" and \"am\" point almost the same way (cosine " +
        fmt(L.english_cosine.at({i, am})) +
        "): compared by raw dot products, the two are nearly indistinguishable. That is one "
        "reason attention first multiplies by learned matrices W_Q and W_K (tutorial 02).");
  else
    say("(Your sentence lacks the document's \"I\" or \"am\", whose vectors point almost "
        "the same way.) Vectors that point alike are hard to tell apart by raw dot products: "
        "one reason attention first multiplies by learned matrices W_Q and W_K (tutorial 02).");

  what_to_try({
      "Give \"a\" the same vector as \"I\": run with --vector \"a=0.1,0.2,-0.3,0.4\" (or "
      "change its row in english_vectors(), tutorials/common/sentence.cpp). Which cosines "
      "become 1.0000?",
      "Add a word: run with --sentence \"I am a good student\" (or change kEnglishSentence "
      "in tutorials/common/sentence.h, which tutorials 02, 04 and 05 then use too). Which id does "
      "it "
      "get, and what happens when it has no row in the embedding table? Then give it one "
      "with --vector \"good=0.3,0.1,-0.2,0.2\" (or in english_vectors()), and run tutorials "
      "02, 04 and 05 with the same two options: every table grows to five words (03 reads "
      "only the French sentence).",
      "Question: why should <pad> never receive attention weight? (Tutorial 03's mask is "
      "one answer.)",
  });
}

}  // namespace

int main(int argc, char** argv) {
  return run_tutorial(argc, argv, sentence_options(),
                      "Tutorial 01 needs a sentence of words separated by spaces, and four "
                      "numbers for each --vector word.",
                      tutorial);
}
