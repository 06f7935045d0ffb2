// tutorials/common/lesson07.cpp: greedy decoding, step by step.
#include "tutorials/common/lesson07.h"

#include <algorithm>
#include <filesystem>

#include "core/ag.h"
#include "nn/serialize.h"

namespace tut {

std::shared_ptr<TinyTransformer> load_or_train_translator(std::string& how) {
  const std::string path = translator_weights_path();
  if (std::filesystem::exists(path)) {
    std::shared_ptr<TinyTransformer> model = make_translator(TranslatorConfig());
    try {
      ag::nn::load_state_dict_file(*model, path);  // all or nothing: checked before copying
      how = "loaded from " + path;
      return model;
    } catch (const ag::Error& e) {
      // A corpus edited since tutorial 06 ran changes the vocabulary sizes,
      // and with them the embedding shapes: the saved file no longer fits.
      how = "could not load " + path + " (" + e.what() +
            "), so trained it now with tutorial 06's lesson06_train";
    }
  } else {
    how = path +
          " does not exist (run tutorial 06 first to save it), so trained it now with "
          "tutorial 06's lesson06_train";
  }
  return lesson06_train(TranslatorConfig()).model;
}

QuickTranslation quick_translation(TinyTransformer& model, const std::string& english,
                                   const std::string& reference_text, const std::string& why,
                                   const Vocabulary& english_vocab,
                                   const Vocabulary& french_vocab) {
  QuickTranslation q;
  q.english = english;
  q.reference = reference_text;
  q.why = why;
  for (const auto& p : corpus())
    if (p.english == q.english) {
      q.in_corpus = true;
      q.reference = p.french;
    }
  const Greedy g = greedy_decode(model, source_ids(q.english, english_vocab));
  for (int64_t id : g.output) q.french.push_back(french_vocab.tokens[static_cast<size_t>(id)]);
  const std::vector<std::string> reference = tokenize(q.reference);
  q.has_reference = !reference.empty();
  q.correct = q.has_reference && q.french == reference;
  if (q.has_reference && !q.correct) {
    // Greedy read the reference's own prefix up to here, so this step's
    // probabilities are the model's opinion of the reference's next token.
    size_t k = 0;
    while (k < q.french.size() && k < reference.size() && q.french[k] == reference[k]) ++k;
    const GreedyStep& step = g.steps[std::min(k, g.steps.size() - 1)];
    const std::string expected = k < reference.size() ? reference[k] : kEnd;
    q.first_wrong = k;
    q.chosen = french_vocab.tokens[static_cast<size_t>(step.choice)];
    q.expected = expected;
    q.chosen_prob = step.probs.data()[step.choice];
    q.expected_prob =
        french_vocab.contains(expected) ? step.probs.data()[french_vocab.id(expected)] : 0.0f;
  }
  return q;
}

DecodingLesson lesson07_decode(TinyTransformer& model, const std::string& sentence) {
  DecodingLesson L;
  L.english = corpus_english_vocabulary();
  L.french = corpus_french_vocabulary();
  L.sentence = sentence;
  L.source_tokens = {kStart};
  for (const auto& w : tokenize(sentence)) L.source_tokens.push_back(w);
  L.source_tokens.push_back(kEnd);
  L.greedy = greedy_decode(model, source_ids(sentence, L.english));

  std::vector<ag::Tensor> rows;
  for (const GreedyStep& s : L.greedy.steps) rows.push_back(s.cross_weights);
  L.cross_map = ag::stack(rows, 0);

  try {
    L.french.id("我");  // the document's first "prediction"
  } catch (const ag::Error& e) {
    L.chinese_error = e.what();
  }

  // Where each position of the finished decoding looked, layer by layer and head by head.
  const GreedyStep& last = L.greedy.steps.back();
  const int64_t T = static_cast<int64_t>(last.prefix.size());
  const DecoderOutput d = model.decode(ids_tensor(last.prefix).reshape({1, T}), L.greedy.memory,
                                       ag::zeros(L.greedy.source.shape()));
  for (const ag::Tensor& heads : d.cross_heads) L.cross_heads.push_back(ag::select(heads, 0, 0));
  for (const GreedyStep& s : L.greedy.steps)
    L.predicted.push_back(L.french.tokens[static_cast<size_t>(s.choice)]);

  // Two sentences from the corpus, then three it has never seen, made of words
  // it knows. A new sentence's reference takes each part from corpus pairs.
  struct Probe {
    const char* english;
    const char* reference;  // for new sentences; corpus sentences use their own pair
    const char* why;
  };
  const std::vector<Probe> probes = {
      {"You are a student", "", ""},
      {"She is tired", "", ""},
      {"He is a teacher", "Il est professeur",
       "\"He is\" -> \"Il est\" (He is a student, He is happy, ...), \"a teacher\" -> "
       "\"professeur\" without the article (I am a teacher -> Je suis professeur)"},
      {"We are happy", "Nous sommes heureux",
       "\"We are\" -> \"Nous sommes\" (We are students, We are tired, We are here), "
       "\"happy\" -> \"heureux\" (I am happy, He is happy; the plural of heureux is heureux)"},
      {"They are tired", "Ils sont fatigués",
       "\"They are\" -> \"Ils sont\" (They are students, They are here), \"tired\" after a "
       "plural -> \"fatigués\" (We are tired -> Nous sommes fatigués)"},
  };
  for (const Probe& probe : probes)
    L.others.push_back(
        quick_translation(model, probe.english, probe.reference, probe.why, L.english, L.french));
  return L;
}

}  // namespace tut
