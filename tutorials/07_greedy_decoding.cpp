// Tutorial 07: greedy decoding, the document's section 1.3 step 5 done right.
//
//   make tutorial T=07          (after tutorial 06, which saves the weights)
//   make gdb T=07               builds it at -O0 -g and opens it in gdb, then:
//   (gdb) break tut::greedy_decode
//
// The decoding runs in tutorials/common/lesson07.cpp (greedy_decode is in
// tiny_transformer.cpp); tests/tutorials/test_tutorials_train.cpp checks the tokens and
// recomputes the probabilities and the cross-attention rows with plain loops.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "core/ag.h"
#include "tutorials/common/article.h"
#include "tutorials/common/lesson07.h"
#include "tutorials/common/present.h"
#include "tutorials/common/sentence.h"

using namespace tut;

namespace {

std::string words_of(const Vocabulary& vocab, const std::vector<int64_t>& ids) {
  std::string s;
  for (int64_t id : ids) s += (s.empty() ? "" : " ") + vocab.tokens[static_cast<size_t>(id)];
  return s;
}

// One sentence's verdict: right, wrong (and where), or unmarked without a reference.
void say_verdict(const QuickTranslation& q) {
  if (!q.has_reference) {
    say("No reference translation given for \"" + q.english +
        "\" (it is not in the corpus), so nothing to mark it against: run with --reference "
        "\"...\" (the French you expect) to have it marked and to see the model's "
        "probability for your word where it went astray.");
    return;
  }
  say("\"" + q.english + "\" -> \"" + join_words(q.french) +
      "\": " + (q.correct ? "right" : "WRONG") + ", against " +
      (q.in_corpus ? "the corpus's own pair" : "your reference") + " \"" + q.reference + "\".");
  if (!q.correct)
    say("At word " + std::to_string(q.first_wrong + 1) + " the model gives \"" + q.chosen + "\" " +
        fmt(q.chosen_prob) + " and \"" + q.expected + "\" " + fmt(q.expected_prob) + ".");
}

void tutorial() {
  const std::string sentence = option_text("--sentence", kEnglishSentence);
  heading("Tutorial 07: greedy decoding, one token at a time");
  say("What you will learn: how a trained Transformer writes a translation. The encoder "
      "reads the English sentence once. The decoder starts from <s>, scores every French "
      "token for the next position, appends the most probable one (greedy), reads its own "
      "output again, and stops when it picks </s>. This is the document's step 5; we first "
      "look at what the document says, then do it with tutorial 06's model.");

  std::string how;
  const std::shared_ptr<TinyTransformer> model = load_or_train_translator(how);
  say("The model: " + how + ".");
  const DecodingLesson L = lesson07_decode(*model, sentence);
  const Vocabulary& fr = L.french;

  heading("Step 7a: what the document's step 5 says, and why it cannot be");
  quote_article("07.chinese");
  quote_article("07.result");
  say("The document: input \"Je\", the most probable output is \"我\"; input \"Je suis\", "
      "output \"是\"; input \"Je suis étudiant\", output \"。\"; \"finally\" the translation "
      "\"Je suis étudiant\" is returned. Three things are wrong.");
  say_hanging(
      "(1) \"我\", \"是\" and \"。\" are Chinese (\"I\", \"am\", a full stop). The "
      "decoder's generator gives one score per token of the French vocabulary (" +
          std::to_string(fr.size()) +
          " tokens here), and softmax turns those into the "
          "probabilities it chooses from. A token outside that list has no score and "
          "can never be output. Asking our vocabulary for \"我\":",
      4);
  std::cout << "    " << L.chinese_error << "\n";
  say_hanging(
      "(2) The alignment is off by one. The decoder reading a prefix predicts the "
      "NEXT French token, not a translation of the prefix's last word: after \"Je\" "
      "comes \"suis\", after \"Je suis\" comes \"étudiant\", and after \"Je suis "
      "étudiant\" comes </s>, the end token that tells decoding to stop (not a full "
      "stop, which our sentences do not have). And \"Je\" itself must be predicted "
      "too, from <s> alone: the document never says where its first word comes from.",
      4);
  say_hanging(
      "(3) Its predictions (我, 是, 。) are not its result (Je suis étudiant): in "
      "greedy decoding the output IS the sequence of choices.",
      4);

  heading("Step 7b: decoding \"" + sentence + "\"");
  quote_article("07.generate");
  say("Each step runs the decoder on the prefix. Only its last position matters: its "
      "logits, turned into probabilities by softmax, rank every French token. We print the "
      "top five, take the first, and show the last position's cross-attention row: how "
      "much each English token weighs in what the decoder reads from the encoder "
      "(averaged over the " +
      std::to_string(model->options.heads) + " heads).");
  for (size_t k = 0; k < L.greedy.steps.size(); ++k) {
    const GreedyStep& s = L.greedy.steps[k];
    heading("step " + std::to_string(k + 1) + ": the decoder reads \"" + words_of(fr, s.prefix) +
            "\"");
    Labels top_tokens;
    std::vector<float> top_probs;
    for (int64_t id : s.top) {
      top_tokens.push_back(fr.tokens[static_cast<size_t>(id)]);
      top_probs.push_back(s.probs.data()[id]);
    }
    show_vector("top 5 next tokens, probability", ag::from_vector(top_probs, {5}), top_tokens);
    show_vector("cross-attention over the English tokens", s.cross_weights, L.source_tokens);
    say("choice: " + fr.tokens[static_cast<size_t>(s.choice)] +
        (s.choice == 2 ? " -- the end token: decoding stops." : ""));
  }

  heading("Step 7c: the whole decoding");
  Labels chosen;
  for (const GreedyStep& s : L.greedy.steps)
    chosen.push_back(fr.tokens[static_cast<size_t>(s.choice)]);
  show_heatmap("cross-attention, one row per chosen token", L.cross_map, chosen, L.source_tokens,
               "07_cross_attention");
  save_tensor("cross-attention, one row per chosen token", L.cross_map, chosen, L.source_tokens);
  std::string table;
  for (const GreedyStep& s : L.greedy.steps)
    table += (table.empty() ? "\"" : ", \"") + words_of(fr, s.prefix) + "\" -> " +
             fr.tokens[static_cast<size_t>(s.choice)];
  say("The document's table, redone: " + table +
      ". The translation is the choices before "
      "</s>: \"" +
      words_of(fr, L.greedy.output) + "\".");
  // "a" is column 3 of <s> I am a student </s>; other sentences may have it elsewhere or not at
  // all.
  const auto a_at = std::find(L.source_tokens.begin(), L.source_tokens.end(), "a");
  const int64_t column_a = a_at - L.source_tokens.begin();
  std::string strongest;
  for (size_t k = 0; k < chosen.size(); ++k) {
    const ag::Tensor row = L.greedy.steps[k].cross_weights;
    size_t best = 0;
    for (size_t j = 1; j < L.source_tokens.size(); ++j)
      if (row.data()[j] > row.data()[best]) best = j;
    strongest += (k ? ", " : "") + chosen[k] + " -> " + L.source_tokens[best] + " (" +
                 fmt(row.data()[best]) + ")";
  }
  say("Where each chosen token looked most: " + strongest +
      ". Nobody told the model which "
      "English word goes with which French word; it found that out from the " +
      std::to_string(corpus().size()) +
      " pairs "
      "alone. The weights still need not line up word for word: the encoder's "
      "self-attention has already mixed every English word into every position, and the "
      "markers <s> and </s> tell where the sentence begins and ends." +
      (a_at == L.source_tokens.end()
           ? std::string()
           : " And \"a\", which often has no French counterpart (tutorial 04), gets at most " +
                 fmt(ag::max(ag::select(L.cross_map, 1, column_a)).item()) + " of any row."));
  if (sentence != kEnglishSentence)
    say_verdict(quick_translation(*model, sentence, option_text("--reference", ""), "", L.english,
                                  L.french));

  heading("Step 7d: every head of every layer");
  say("The rows above average the " + std::to_string(model->options.heads) +
      " heads. Each "
      "head has its own W_Q and W_K and may look somewhere else. The decoder, run once more on "
      "the whole prefix \"" +
      words_of(fr, L.greedy.steps.back().prefix) +
      "\": row t is where "
      "position t looks when it predicts the token named on the left.");
  for (size_t layer = 0; layer < L.cross_heads.size(); ++layer)
    for (int64_t h = 0; h < L.cross_heads[layer].size(0); ++h) {
      const std::string name = "layer " + std::to_string(layer) + ", head " + std::to_string(h);
      const ag::Tensor weights = ag::select(L.cross_heads[layer], 0, h);
      show_matrix("cross-attention, " + name, weights, L.predicted, L.source_tokens);
      show_heatmap("cross-attention, " + name, weights, L.predicted, L.source_tokens,
                   "07_cross_layer" + std::to_string(layer) + "_head" + std::to_string(h));
    }

  heading("Step 7e: other sentences");
  say("Greedy decoding of a few more sentences: two from the corpus, then three it never "
      "saw, made of words it knows. Each is marked right or wrong against the translation the "
      "corpus itself teaches.");
  for (const QuickTranslation& q : L.others) {
    const std::string french = join_words(q.french);  // padded by display width: é is 2 bytes
    std::printf("  %-18s %-16s ->  %s%s %s\n", q.english.c_str(),
                q.in_corpus ? "(in the corpus)" : "(new)", french.c_str(),
                std::string(22 - std::min<size_t>(22, display_width(french)), ' ').c_str(),
                q.correct         ? "right"
                : q.has_reference ? ("WRONG, the corpus teaches \"" + q.reference + "\"").c_str()
                                  : "(no reference: not marked)");
  }
  std::fflush(stdout);
  for (const QuickTranslation& q : L.others) {
    if (!q.in_corpus) say_hanging("* " + q.english + " -> " + q.reference + ": " + q.why + ".", 2);
    if (q.correct || !q.has_reference) continue;
    say_hanging("  " + q.english + ": at word " + std::to_string(q.first_wrong + 1) +
                    " the model "
                    "gives \"" +
                    q.chosen + "\" " + fmt(q.chosen_prob) + " and \"" + q.expected + "\" " +
                    fmt(q.expected_prob) + ".",
                4);
  }
  say("Why " + std::to_string(corpus().size()) +
      " pairs get new sentences wrong: the model never saw \"happy\" after \"We "
      "are\", nor \"tired\" after \"They are\". After \"Nous sommes\" the corpus only ever "
      "continues with étudiants, fatigués and ici, and after \"Ils sont\" with étudiants and "
      "ici; with one example per combination the cheapest way to fit the data is to remember "
      "which French words follow which French prefix, and the English adjective is only a "
      "weak hint. Learning that \"happy\" means \"heureux\" whatever the subject takes "
      "many sentences in which the same word meets different subjects.");

  what_to_try({
      "Decode your own sentence, made of the corpus's English words: run with --sentence "
      "\"You are a good student\" --reference \"Tu es un bon étudiant\" (or --sentence "
      "\"I have a student\" alone: without a reference it is decoded, not marked). Which "
      "step goes wrong first, and what were the runners-up in its top 5?",
      "Greedy takes the top token at every step. Keep the two best prefixes at each step "
      "instead (beam search, width 2): can it ever find a more probable whole sentence?",
      "Question: why does decoding need a maximum number of steps (max_steps in "
      "greedy_decode), and what would an untrained model print without it?",
  });
}

}  // namespace

int main(int argc, char** argv) {
  return run_tutorial(
      argc, argv,
      {{"--sentence", "\"WORDS\"", "the English sentence to decode step by step"},
       {"--reference", "\"FRENCH\"", "the translation you expect, to mark the result"}},
      "Tutorial 07 decodes sentences made of the English words of the corpus "
      "(tutorials/common/corpus.cpp lists its pairs): replace the unknown word, or add a "
      "pair that uses it to the corpus and rerun tutorial 06.",
      tutorial);
}
