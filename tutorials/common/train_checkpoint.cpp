// tutorials/common/train_checkpoint.cpp: saving and restoring a training run.
#include "tutorials/common/train_checkpoint.h"

#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

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
const std::map<std::string, std::string> kFlagOf = {
    {"dataset", "--dataset"}, {"data_dir", "--data-dir"},     {"limit", "--limit"},
    {"test_limit", "--test-limit"}, {"batch_size", "--batch-size"}, {"optimizer", "--optimizer"},
    {"lr", "--lr"},           {"seed", "--seed"},             {"augment", "--augment"}};

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
const std::vector<std::string> kCurves = {"step_loss",       "step_acc",        "step_lr",       "epoch_train_loss",
                                          "epoch_train_acc", "epoch_test_loss", "epoch_test_acc"};

const std::string& need(const std::map<std::string, std::string>& meta, const std::string& key,
                        const std::string& path) {
  auto it = meta.find(key);
  if (it == meta.end()) fail("checkpoint ", path, ": metadata has no '", key, "' (not a build/train checkpoint?)");
  return it->second;
}

int64_t to_int(const std::string& text, const std::string& key, const std::string& path) {
  size_t used = 0;
  long long value = 0;
  try { value = std::stoll(text, &used); } catch (const std::exception&) { used = 0; }
  if (used == 0 || used != text.size()) fail("checkpoint ", path, ": metadata '", key, "' is not a number: '", text, "'");
  return value;
}

}  // namespace

void save_checkpoint(const std::string& path, const nn::Module& model, const optim::Optimizer& optimizer,
                     const TrainState& state, const TrainConfig& config) {
  io::TensorMap tensors;
  std::set<std::string> int64_names;
  for (const auto& [name, t] : model.state_dict()) {
    tensors.emplace_back("model." + name, t);
    if (name == "num_batches_tracked" || name.ends_with(".num_batches_tracked")) int64_names.insert("model." + name);
  }
  for (const auto& [name, t] : optimizer.state_dict()) tensors.emplace_back("optimizer." + name, t);
  for (const std::string& curve : kCurves) {
    const std::vector<float>& values = *history_curve(state.history, curve);
    tensors.emplace_back("history." + curve, from_vector(values, {static_cast<int64_t>(values.size())}));
  }
  std::map<std::string, std::string> meta = run_settings(config);
  meta["format"] = kFormat;
  meta["epochs"] = std::to_string(config.epochs);
  meta["threads"] = std::to_string(config.threads);
  meta["out"] = config.out;
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
  io::save_safetensors(path, tensors, meta, int64_names);
}

io::SafetensorsFile read_checkpoint(const std::string& path, TrainConfig& config) {
  io::SafetensorsFile file = io::load_safetensors_file(path);
  if (need(file.metadata, "format", path) != kFormat)
    fail("checkpoint ", path, ": format '", file.metadata["format"], "', expected '", kFormat, "'");
  const auto mine = run_settings(config);
  for (const auto& [key, value] : mine) {
    const std::string& saved = need(file.metadata, key, path);
    const std::string& flag = kFlagOf.at(key);
    if (config.given.count(flag) && saved != value)
      throw UsageError("--resume " + path + ": the checkpoint's run has " + flag + " " + saved + ", not " + value +
                       " (a resumed run keeps its settings; leave " + flag + " out)");
  }
  // Take the run's settings from the checkpoint.
  const auto& meta = file.metadata;
  config.dataset = meta.at("dataset");
  config.data_dir = meta.at("data_dir");
  config.limit = to_int(meta.at("limit"), "limit", path);
  config.test_limit = to_int(meta.at("test_limit"), "test_limit", path);
  config.batch_size = to_int(meta.at("batch_size"), "batch_size", path);
  config.optimizer = meta.at("optimizer");
  config.lr = std::stof(meta.at("lr"));
  config.seed = static_cast<uint64_t>(to_int(meta.at("seed"), "seed", path));
  config.augment = meta.at("augment") == "1";
  if (!config.given.count("--epochs")) config.epochs = to_int(need(meta, "epochs", path), "epochs", path);
  // Unless told otherwise, keep writing where the interrupted run wrote.
  if (!config.given.count("--out") && meta.count("out")) config.out = meta.at("out");
  if (!config.given.count("--checkpoint")) config.checkpoint = path;
  return file;
}

TrainState restore_checkpoint(const io::SafetensorsFile& file, nn::Module& model, optim::Optimizer& optimizer) {
  const std::string path = "(resume)";
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
      if (!curve) fail("checkpoint: unexpected tensor '", name, "'");
      *curve = t.to_vector();
    } else {
      fail("checkpoint: unexpected tensor '", name, "'");
    }
  }
  const auto& meta = file.metadata;
  state.epoch = to_int(need(meta, "epoch", path), "epoch", path);
  state.batch = to_int(need(meta, "batch", path), "batch", path);
  state.step = to_int(need(meta, "step", path), "step", path);
  state.epoch_loss_sum = std::stod(need(meta, "epoch_loss_sum", path));
  state.epoch_correct = to_int(need(meta, "epoch_correct", path), "epoch_correct", path);
  state.epoch_seen = to_int(need(meta, "epoch_seen", path), "epoch_seen", path);
  std::vector<uint64_t> rng;
  std::stringstream words(need(meta, "rng", path));
  for (std::string word; std::getline(words, word, ',');) rng.push_back(std::stoull(word));
  // Check everything, then change: load_state_dict validates before copying.
  model.load_state_dict(model_state);
  optimizer.load_state_dict(optimizer_state);
  default_generator().set_state(rng);
  return state;
}

}  // namespace ag::train
