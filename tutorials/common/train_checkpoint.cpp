// tutorials/common/train_checkpoint.cpp: saving and restoring a training run.
#include "tutorials/common/train_checkpoint.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include "core/io/atomic_file.h"
#include "core/io/from_chars_double.h"

namespace ag::train {

namespace {

constexpr const char* kFormat = "attograd-train-1";

std::string exact(double value) {  // %.17g round-trips every double
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

// The settings that make two runs the same run, as metadata strings.
std::map<std::string, std::string> run_settings(const TrainConfig& c) {
  return {{"dataset", c.dataset},
          {"data_dir", c.data_dir},
          {"limit", std::to_string(c.limit)},
          {"test_limit", std::to_string(c.test_limit)},
          {"batch_size", std::to_string(c.batch_size)},
          {"optimizer", c.optimizer},
          {"lr", exact(c.lr)},
          {"seed", std::to_string(c.seed)},
          {"augment", c.augment ? "1" : "0"}};
}

// The command-line flag of each setting, for messages and for config.given.
const std::map<std::string, std::string> kFlagOf = {{"dataset", "--dataset"},
                                                    {"data_dir", "--data-dir"},
                                                    {"limit", "--limit"},
                                                    {"test_limit", "--test-limit"},
                                                    {"batch_size", "--batch-size"},
                                                    {"optimizer", "--optimizer"},
                                                    {"lr", "--lr"},
                                                    {"seed", "--seed"},
                                                    {"augment", "--augment"}};

// The curve called `name` inside a History (const or not), or null.
template <class H>
auto history_curve(H& h, const std::string& name) -> decltype(&h.step_loss) {
  if (name == "step_loss") return &h.step_loss;
  if (name == "step_acc") return &h.step_acc;
  if (name == "step_lr") return &h.step_lr;
  if (name == "epoch_train_loss") return &h.epoch_train_loss;
  if (name == "epoch_train_acc") return &h.epoch_train_acc;
  if (name == "epoch_test_loss") return &h.epoch_test_loss;
  if (name == "epoch_test_acc") return &h.epoch_test_acc;
  return nullptr;
}
const std::vector<std::string> kCurves = {"step_loss",        "step_acc",        "step_lr",
                                          "epoch_train_loss", "epoch_train_acc", "epoch_test_loss",
                                          "epoch_test_acc"};

// The metadata of one checkpoint file, read with every value checked: a
// field must hold what a run could have written there, and an error names
// the file, the key and the value (never a bare "stof").
class Metadata {
 public:
  Metadata(const std::map<std::string, std::string>& meta, const std::string& path)
      : meta_(meta), path_(path) {}

  const std::string& text(const std::string& key) const {
    auto it = meta_.find(key);
    if (it == meta_.end())
      fail("checkpoint ", path_, ": metadata has no '", key, "' (not a build/train checkpoint?)");
    return it->second;
  }

  int64_t integer(const std::string& key, int64_t min_value, int64_t max_value = INT64_MAX) const {
    const std::string& value = text(key);
    int64_t n = 0;
    if (!parse_whole(value, n) || n < min_value || n > max_value)
      bad(key, value, message("a whole number from ", min_value, " to ", max_value));
    return n;
  }

  uint64_t unsigned64(const std::string& key) const {
    const std::string& value = text(key);
    uint64_t n = 0;
    if (!parse_whole(value, n)) bad(key, value, "a whole number from 0 to 18446744073709551615");
    return n;
  }

  // A finite number >= min_value (> 0 if positive).
  double number(const std::string& key, double min_value, bool positive) const {
    const std::string& value = text(key);
    double x = 0.0;
    const char* end = value.data() + value.size();
    auto [stop, ec] = ag::io::from_chars_double(value.data(), end, x);
    if (value.empty() || ec != std::errc() || stop != end || !std::isfinite(x) || x < min_value ||
        (positive && !(x > 0.0)))
      bad(key, value,
          positive ? "a finite number greater than 0" : message("a finite number >= ", min_value));
    return x;
  }

  const std::string& one_of(const std::string& key, const std::vector<std::string>& choices) const {
    const std::string& value = text(key);
    std::string list;
    for (const std::string& choice : choices) {
      if (value == choice) return value;
      list += (list.empty() ? "" : "|") + choice;
    }
    bad(key, value, list);
  }

  [[noreturn]] void bad(const std::string& key, const std::string& value,
                        const std::string& expected) const {
    fail("checkpoint ", path_, ": metadata '", key, "' is '", value, "', expected ", expected);
  }

 private:
  template <class Int>
  static bool parse_whole(const std::string& text, Int& out) {
    const char* end = text.data() + text.size();
    auto [stop, ec] = std::from_chars(text.data(), end, out);
    return !text.empty() && ec == std::errc() && stop == end;
  }

  const std::map<std::string, std::string>& meta_;
  const std::string& path_;
};

// The generator state "w0,w1,w2,w3,spare_flag,spare_bits": four xoshiro
// words, not all zero (the one state xoshiro can never leave), a 0/1 flag
// and 32 bits of a cached normal.
std::vector<uint64_t> read_rng_state(const Metadata& meta, const std::string& key) {
  const std::string& value = meta.text(key);
  const char* expected =
      "six comma-separated whole numbers (four state words, not all 0, a 0/1 flag, 32 bits)";
  std::vector<uint64_t> words;
  for (size_t start = 0; words.size() <= 6;) {
    const size_t comma = value.find(',', start);
    const std::string_view word =
        std::string_view(value).substr(start, comma - std::min(comma, start));
    uint64_t w = 0;
    auto [stop, ec] = std::from_chars(word.data(), word.data() + word.size(), w);
    if (word.empty() || ec != std::errc() || stop != word.data() + word.size())
      meta.bad(key, value, expected);
    words.push_back(w);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (words.size() != 6 || (words[0] | words[1] | words[2] | words[3]) == 0 || words[4] > 1 ||
      words[5] > 0xFFFFFFFFu)
    meta.bad(key, value, expected);
  return words;
}

// A checkpoint of a run that diverged, or one edited by hand, must not
// quietly continue: every model and optimizer value must be finite, and the
// ones that are counts or variances must be >= 0 (a negative running_var
// makes every evaluation NaN; a negative exp_avg_sq makes the first step's
// square root NaN, and with it every weight).
std::string why_invalid(const std::string& name, float value) {
  if (!std::isfinite(value))
    return "the run had diverged: resume from an earlier checkpoint, with a smaller --lr";
  if (value >= 0.0f) return "";
  const auto is = [&](const char* suffix) { return name.ends_with(suffix); };
  if (is(".running_var")) return "a variance cannot be negative";
  if (is(".num_batches_tracked") || name == "optimizer.step") return "a count cannot be negative";
  if (name.starts_with("optimizer.") && (is(".exp_avg_sq") || is(".max_exp_avg_sq")))
    return "a second moment is a mean of squares, so it cannot be negative";
  return "";
}

void check_tensor_values(const io::TensorMap& tensors, const std::string& path) {
  for (const auto& [name, t] : tensors) {
    if (!name.starts_with("model.") && !name.starts_with("optimizer.")) continue;
    const float* values = t.data();
    for (int64_t i = 0; i < t.numel(); ++i)
      if (const std::string why = why_invalid(name, values[i]); !why.empty())
        fail("checkpoint ", path, ": tensor '", name, "' ", t.shape(), " holds ", values[i], " at ",
             index_str(i, t.shape()), " (", why, ")");
  }
}

}  // namespace

void save_checkpoint(const std::string& path, const nn::Module& model,
                     const optim::Optimizer& optimizer, const TrainState& state,
                     const TrainConfig& config) {
  io::TensorMap tensors;
  std::set<std::string> int64_names;
  for (const auto& [name, t] : model.state_dict()) {
    tensors.emplace_back("model." + name, t);
    if (name == "num_batches_tracked" || name.ends_with(".num_batches_tracked"))
      int64_names.insert("model." + name);
  }
  for (const auto& [name, t] : optimizer.state_dict()) tensors.emplace_back("optimizer." + name, t);
  for (const std::string& curve : kCurves) {
    const std::vector<float>& values = *history_curve(state.history, curve);
    tensors.emplace_back("history." + curve,
                         from_vector(values, {static_cast<int64_t>(values.size())}));
  }
  std::map<std::string, std::string> meta = run_settings(config);
  meta["format"] = kFormat;
  meta["epochs"] = std::to_string(config.epochs);
  meta["threads"] = std::to_string(config.threads);
  meta["epoch"] = std::to_string(state.epoch);
  meta["batch"] = std::to_string(state.batch);
  meta["step"] = std::to_string(state.step);
  meta["epoch_loss_sum"] = exact(state.epoch_loss_sum);
  meta["epoch_correct"] = std::to_string(state.epoch_correct);
  meta["epoch_seen"] = std::to_string(state.epoch_seen);
  std::string rng;
  for (uint64_t word : default_generator().state()) {
    if (!rng.empty()) rng += ',';
    rng += std::to_string(word);
  }
  meta["rng"] = rng;
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  // Encode first: nothing on disk changes unless the new file is ready.
  const std::string bytes = io::encode_safetensors(tensors, meta, int64_names);
  // Keep the checkpoint being replaced, by a copy (not a rename), so that
  // there is never a moment without a whole checkpoint.safetensors.
  if (std::filesystem::exists(path))
    io::write_file_atomic(previous_checkpoint_path(path), io::read_file(path));
  io::write_file_atomic(path, bytes);
}

std::string previous_checkpoint_path(const std::string& path) {
  std::filesystem::path p(path);
  return (p.parent_path() / (p.stem().string() + ".prev" + p.extension().string())).string();
}

int64_t checkpoint_bytes(const nn::Module& model, int64_t state_slots, int64_t total_steps,
                         int64_t epochs) {
  constexpr int64_t kEntryBytes = 128;  // a header entry beyond its name: dtype, shape, offsets
  constexpr int64_t kMetadataBytes =
      8192;                       // __metadata__: about 600 bytes, plus --data-dir (up to 4096)
  double bytes = kMetadataBytes;  // a double: 10^18 steps must not overflow the sum
  auto add = [&](const std::string& name, int64_t numel, int64_t element_bytes) {
    bytes += double(numel) * double(element_bytes) + kEntryBytes + double(name.size());
  };
  for (const auto& [name, t] : model.state_dict())
    add("model." + name, t.numel(), name.ends_with("num_batches_tracked") ? 8 : 4);
  add("optimizer.step", 1, 4);
  add("optimizer.lr", 1, 4);
  const std::vector<Tensor> params = model.parameters();
  for (size_t i = 0; i < params.size(); ++i)
    for (int64_t slot = 0; slot < state_slots; ++slot)
      add("optimizer." + std::to_string(i) + ".max_exp_avg_sq", params[i].numel(),
          4);  // the longest name
  for (const std::string& curve : kCurves)
    add("history." + curve, curve.starts_with("step_") ? total_steps : epochs, 4);
  return bytes < 9e18 ? static_cast<int64_t>(bytes) : INT64_MAX;
}

io::SafetensorsFile read_checkpoint(const std::string& path, TrainConfig& config) {
  io::SafetensorsFile file = io::load_safetensors_file(path);
  const Metadata meta(file.metadata, path);
  if (meta.text("format") != kFormat)
    fail("checkpoint ", path, ": format '", meta.text("format"), "', expected '", kFormat, "'");

  // Every setting must be one a run can have, before it is compared or taken.
  TrainConfig saved;
  saved.dataset = meta.one_of("dataset", {"fashion-mnist", "mnist", "cifar10", "synthetic"});
  saved.data_dir = meta.text("data_dir");
  saved.limit = meta.integer("limit", 0);
  saved.test_limit = meta.integer("test_limit", 0);
  saved.batch_size = meta.integer("batch_size", 1);
  saved.optimizer = meta.one_of("optimizer", {"sgd", "adam", "adamw"});
  const double lr = meta.number("lr", 0.0, true);
  if (!(lr <= 3.4e38)) meta.bad("lr", meta.text("lr"), "a learning rate a float can hold");
  saved.lr = static_cast<float>(lr);
  saved.seed = meta.unsigned64("seed");
  saved.augment = meta.one_of("augment", {"0", "1"}) == "1";
  saved.epochs = meta.integer("epochs", 1);
  meta.integer("threads", 1, kMaxTrainThreads);
  check_tensor_values(file.tensors, path);

  const auto settings = run_settings(saved);
  for (const auto& [key, value] : run_settings(config)) {
    const std::string& flag = kFlagOf.at(key);
    if (config.given.count(flag) && settings.at(key) != value)
      throw UsageError("--resume " + path + ": the checkpoint's run has " + flag + " " +
                       settings.at(key) + ", not " + value +
                       " (a resumed run keeps its settings; leave " + flag + " out)");
  }
  // Take the run's settings from the checkpoint.
  config.dataset = saved.dataset;
  config.data_dir = saved.data_dir;
  config.limit = saved.limit;
  config.test_limit = saved.test_limit;
  config.batch_size = saved.batch_size;
  config.optimizer = saved.optimizer;
  config.lr = saved.lr;
  config.seed = saved.seed;
  config.augment = saved.augment;
  if (!config.given.count("--epochs")) config.epochs = saved.epochs;
  // Where to write comes from the command line, never from the file (a
  // crafted checkpoint must not choose where files go): without --out, the
  // folder the resumed checkpoint is in, which is the run's --out when the
  // checkpoint has its default name. The new checkpoint then goes where
  // --checkpoint says, else to <out>/checkpoint.safetensors: with --out D,
  // into D, and never over the file resumed from unless it is that file.
  if (!config.given.count("--out")) {
    const std::string folder = std::filesystem::path(path).parent_path().string();
    config.out = folder.empty() ? "." : folder;
  }
  return file;
}

TrainState restore_checkpoint(const io::SafetensorsFile& file, const std::string& path,
                              nn::Module& model, optim::Optimizer& optimizer) {
  nn::StateDict model_state;
  optim::StateDict optimizer_state;
  TrainState state;
  for (const auto& [name, t] : file.tensors) {
    if (name.starts_with("model.")) {
      model_state.emplace_back(name.substr(6), t);
    } else if (name.starts_with("optimizer.")) {
      optimizer_state.emplace_back(name.substr(10), t);
    } else if (name.starts_with("history.")) {
      std::vector<float>* curve = history_curve(state.history, name.substr(8));
      if (!curve) fail("checkpoint ", path, ": unexpected tensor '", name, "'");
      *curve = t.to_vector();
    } else {
      fail("checkpoint ", path, ": unexpected tensor '", name, "'");
    }
  }
  const Metadata meta(file.metadata, path);
  state.epoch = meta.integer("epoch", 0);
  state.batch = meta.integer("batch", 0);
  state.step = meta.integer("step", 0);
  state.epoch_loss_sum = meta.number("epoch_loss_sum", 0.0, false);
  state.epoch_seen = meta.integer("epoch_seen", 0);
  state.epoch_correct = meta.integer("epoch_correct", 0, state.epoch_seen);
  const std::vector<uint64_t> rng = read_rng_state(meta, "rng");
  // Check everything, then change: load_state_dict validates before copying.
  model.load_state_dict(model_state);
  optimizer.load_state_dict(optimizer_state);
  default_generator().set_state(rng);
  return state;
}

}  // namespace ag::train
