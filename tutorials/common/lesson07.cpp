// tutorials/common/lesson07.cpp: greedy decoding, step by step.
#include "tutorials/common/lesson07.h"

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

DecodingLesson lesson07_decode(TinyTransformer& model) {
  DecodingLesson L;
  L.english = corpus_english_vocabulary();
  L.french = corpus_french_vocabulary();
  L.source_tokens = {kStart};
  for (const auto& w : tokenize(kEnglishSentence)) L.source_tokens.push_back(w);
  L.source_tokens.push_back(kEnd);
  L.greedy = greedy_decode(model, source_ids(kEnglishSentence, L.english));

  std::vector<ag::Tensor> rows;
  for (const GreedyStep& s : L.greedy.steps) rows.push_back(s.cross_weights);
  L.cross_map = ag::stack(rows, 0);

  try {
    L.french.id("我");  // the document's first "prediction"
  } catch (const ag::Error& e) {
    L.chinese_error = e.what();
  }

  // Two sentences from the corpus, then sentences it has never seen, built
  // from words it knows.
  const std::vector<std::string> sentences = {"You are a student", "She is tired",
                                              "He is a teacher", "We are happy", "They are tired"};
  for (const auto& s : sentences) {
    QuickTranslation q;
    q.english = s;
    q.french = translate(model, s, L.english, L.french);
    for (const auto& p : corpus()) q.in_corpus = q.in_corpus || p.english == s;
    L.others.push_back(q);
  }
  return L;
}

}  // namespace tut
