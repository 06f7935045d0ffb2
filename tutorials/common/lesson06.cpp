// tutorials/common/lesson06.cpp: training the tiny Transformer.
#include "tutorials/common/lesson06.h"

#include <algorithm>
#include <cmath>

#include "core/ag.h"
#include "optim/optimizer.h"
#include "tutorials/common/heatmap.h"

namespace tut {

std::shared_ptr<TinyTransformer> make_translator(const TranslatorConfig& config) {
  TinyTransformerOptions o;
  o.source_vocab = corpus_english_vocabulary().size();
  o.target_vocab = corpus_french_vocabulary().size();
  o.d_model = config.d_model;
  o.heads = config.heads;
  o.d_ff = config.d_ff;
  o.layers = config.layers;
  ag::manual_seed(config.seed);  // the same initial parameters on every run
  return std::make_shared<TinyTransformer>(o);
}

ag::Tensor translation_loss(const ag::Tensor& logits, const ag::Tensor& target_out) {
  const int64_t V = logits.size(2);
  // Every (sentence, position) is one classification over the French vocabulary;
  // <pad> targets (id 0) count neither in the sum nor in the mean.
  return ag::cross_entropy(logits.reshape({-1, V}), target_out.reshape({-1}), /*ignore_index=*/0);
}

std::vector<std::string> translate(TinyTransformer& model, const std::string& english,
                                   const Vocabulary& english_vocab,
                                   const Vocabulary& french_vocab) {
  const Greedy g = greedy_decode(model, source_ids(english, english_vocab));
  std::vector<std::string> words;
  for (int64_t id : g.output) words.push_back(french_vocab.tokens[static_cast<size_t>(id)]);
  return words;
}

TrainedTranslator lesson06_train(const TranslatorConfig& config) {
  TrainedTranslator R;
  R.english = corpus_english_vocabulary();
  R.french = corpus_french_vocabulary();
  R.model = make_translator(config);
  R.num_parameters = R.model->num_parameters();
  const Batch batch = make_batch(corpus(), R.english, R.french);
  const std::vector<std::string> wanted = tokenize(corpus()[0].french);  // Je suis étudiant

  ag::optim::AdamOptions adam;
  adam.lr = config.lr;
  ag::optim::Adam optimizer(R.model->parameters(), adam);
  auto log_now = [&](int64_t step, float loss) {
    TrainLog line{step, loss, translate(*R.model, corpus()[0].english, R.english, R.french)};
    if (R.first_correct_step < 0 && line.translation == wanted) R.first_correct_step = step;
    R.log.push_back(line);
  };
  for (int64_t step = 0; step < config.steps; ++step) {
    const ag::Tensor logits = R.model->forward(batch.source, batch.source_padding, batch.target_in);
    const ag::Tensor loss = translation_loss(logits, batch.target_out);
    R.losses.push_back(loss.item());
    if (step % config.log_every == 0) log_now(step, loss.item());
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }

  // The trained model, measured once more on the whole corpus.
  {
    ag::NoGradGuard no_grad;
    R.final_logits = R.model->forward(batch.source, batch.source_padding, batch.target_in);
    R.final_loss = translation_loss(R.final_logits, batch.target_out).item();
  }
  log_now(config.steps, R.final_loss);
  R.translation = R.log.back().translation;
  for (const auto& pair : corpus())
    R.corpus_correct +=
        translate(*R.model, pair.english, R.english, R.french) == tokenize(pair.french);
  return R;
}

std::string translator_weights_path() { return output_dir() + "/06_tiny_transformer.safetensors"; }

std::string sparkline(const std::vector<float>& values, size_t width) {
  static const char* bars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  if (values.empty() || width == 0) return "";
  width = std::min(width, values.size());
  std::vector<double> means(width);
  for (size_t c = 0; c < width; ++c) {
    // Column c averages values [c·n/width, (c+1)·n/width): every value in exactly one column.
    const size_t begin = c * values.size() / width, end = (c + 1) * values.size() / width;
    double sum = 0.0;
    for (size_t i = begin; i < end; ++i) sum += values[i];
    means[c] = sum / static_cast<double>(end - begin);
  }
  const auto [lo, hi] = std::minmax_element(means.begin(), means.end());
  std::string line;
  for (double m : means) {
    const double t = *hi > *lo ? (m - *lo) / (*hi - *lo) : 0.0;
    line += bars[std::min(7, static_cast<int>(t * 8.0))];
  }
  return line;
}

}  // namespace tut
