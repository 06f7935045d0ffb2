// tutorials/common/trainer.h: the training loop behind build/train.
//
// Shape legend: B batch, C channels, H×W image (16×16 here), K classes.
//
// run_training() is the whole program minus main(): it picks the data, builds
// the model and optimizer, resumes from a checkpoint if asked, then for each
// epoch trains on every batch (images (B, C, 16, 16), labels (B)), evaluates
// on the test split, and writes the checkpoint, metrics.csv, curves.svg,
// confusion.svg and report.html (report_html.h) to config.out. The tests call
// it with a tiny model and a few dozen synthetic images to check that a
// resumed run retraces an uninterrupted one step for step.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

#include "data/dataset.h"
#include "data/transforms.h"
#include "nn/module.h"
#include "tutorials/common/train_args.h"
#include "tutorials/common/train_report.h"

namespace ag::train {

// The data of a run, ready for DataLoaders.
struct RunData {
  std::string name;  // "fashion-mnist", "synthetic", ...
  std::shared_ptr<const data::Dataset> train, test;
  data::Transform train_transform, test_transform;
  Shape input_shape;  // (C, H, W) the model sees
  int64_t num_classes = 0;
  std::vector<std::string> class_names;
};

// Resolves config.dataset ("" -> fashion-mnist if installed, else synthetic)
// and config.data_dir, loads both splits, applies --limit and --test-limit,
// and sets up the transforms: resize to 16×16 by area averaging, (random
// crop and flip with --augment), normalize.
RunData load_run_data(TrainConfig& config, std::ostream& log);

// Builds the network for images of input_shape (C, H, W) and num_classes.
using ModelFactory =
    std::function<std::shared_ptr<nn::UnaryModule>(const Shape& input_shape, int64_t num_classes)>;
// The document's AttentionNet, with in_channels = C and image_size = H.
std::shared_ptr<nn::UnaryModule> make_attention_net(const Shape& input_shape, int64_t num_classes);

struct TrainResult {
  History history;           // the whole run, resumed parts included
  int64_t first_step = 0;    // steps taken before this call (> 0 when resumed)
  int64_t steps = 0;         // steps taken by the end of this call
  bool interrupted = false;  // stopped by Ctrl-C or --stop-after, checkpoint saved
  bool evaluated = false;    // last_eval holds a test evaluation
  EvalResult last_eval;
  double images_per_second = 0.0;  // training throughput of this call
  std::string out, checkpoint;     // where the files went
};

TrainResult run_training(TrainConfig config, std::ostream& log,
                         const ModelFactory& factory = make_attention_net);

// Accuracy, loss and confusion matrix of `model` (in eval mode, no graph)
// over every batch of the loader's epoch 0.
EvalResult evaluate(nn::UnaryModule& model, std::shared_ptr<const data::Dataset> dataset,
                    const data::Transform& transform, int64_t batch_size, int64_t num_classes);

// Ctrl-C: the handler only sets a flag (all a signal handler may safely do);
// the loop checks it after each step, saves a checkpoint and returns. The
// handler then restores the default action, so a second Ctrl-C ends the
// program at once.
void install_interrupt_handler();
void request_stop();  // what the handler does; tests call it too
bool stop_requested();
void clear_stop_request();

}  // namespace ag::train
