// tutorials/common/trainer.cpp: data, model, the loop, evaluation. Legend in trainer.h.
#include "tutorials/common/trainer.h"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <ostream>

#include <unistd.h>

#include "core/autograd.h"
#include "core/kernels/parallel.h"
#include "core/ops/loss.h"
#include "data/datasets.h"
#include "data/loader.h"
#include "data/synthetic.h"
#include "nn/models/attention_net.h"
#include "optim/scheduler.h"
#include "tutorials/common/train_checkpoint.h"
#include "tutorials/common/report_html.h"
#include "tutorials/common/train_checks.h"

namespace ag::train {

// ---------------------------------------------------------------- Ctrl-C
namespace {
volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_sigint(int) {
  g_stop = 1;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C is not ignored
}
}  // namespace

void install_interrupt_handler() { std::signal(SIGINT, on_sigint); }
void request_stop() { g_stop = 1; }
bool stop_requested() { return g_stop != 0; }
void clear_stop_request() { g_stop = 0; }

// ---------------------------------------------------------------- data
namespace {

constexpr int64_t kSide = 16;  // the document's network is built for 16×16 images
// The synthetic set has no files: it is drawn with these seeds (fixed, so
// --seed changes the training, not the data).
constexpr uint64_t kSyntheticTrainSeed = 1, kSyntheticTestSeed = 2;
constexpr int64_t kSyntheticTrainSize = 20000, kSyntheticTestSize = 2000;

std::shared_ptr<const data::Dataset> limited(std::shared_ptr<const data::Dataset> d,
                                             int64_t limit) {
  return limit > 0 ? std::make_shared<data::Subset>(std::move(d), limit) : d;
}

}  // namespace

RunData load_run_data(TrainConfig& config, std::ostream& log) {
  if (config.dataset.empty()) {
    const std::string dir =
        config.data_dir.empty() ? default_data_dir("fashion-mnist") : config.data_dir;
    config.dataset = data::idx_dataset_present(dir) ? "fashion-mnist" : "synthetic";
    if (config.dataset == "synthetic")
      log << "Fashion-MNIST is not installed in " << dir
          << " (apt-get install dataset-fashion-mnist): training on the synthetic shapes "
             "instead.\n";
  }
  if (config.data_dir.empty()) config.data_dir = default_data_dir(config.dataset);

  RunData run;
  run.name = config.dataset;
  std::vector<float> mean, std;
  std::shared_ptr<const data::Dataset> train, test;
  if (config.dataset == "synthetic") {
    // Draw only what is used: --limit images, not the whole 20000.
    const int64_t n_train =
        config.limit > 0 ? std::min(config.limit, kSyntheticTrainSize) : kSyntheticTrainSize;
    const int64_t n_test = config.test_limit > 0 ? std::min(config.test_limit, kSyntheticTestSize)
                                                 : kSyntheticTestSize;
    train = data::make_synthetic(n_train, kSyntheticTrainSeed);
    test = data::make_synthetic(n_test, kSyntheticTestSeed);
    mean = {0.5f};
    std = {0.3f};
  } else if (config.dataset == "cifar10") {
    train = data::cifar10(config.data_dir, true);
    test = data::cifar10(config.data_dir, false);
    mean = {0.4914f, 0.4822f, 0.4465f};  // CIFAR-10's channel means and stds
    std = {0.2470f, 0.2435f, 0.2616f};
  } else {
    const bool fashion = config.dataset == "fashion-mnist";
    train =
        fashion ? data::fashion_mnist(config.data_dir, true) : data::mnist(config.data_dir, true);
    test =
        fashion ? data::fashion_mnist(config.data_dir, false) : data::mnist(config.data_dir, false);
    mean = {fashion ? 0.2860f : 0.1307f};  // the training set's pixel mean and std
    std = {fashion ? 0.3530f : 0.3081f};
  }
  run.train = limited(train, config.limit);
  run.test = limited(test, config.test_limit);
  run.num_classes = train->num_classes();
  run.class_names = train->class_names();
  // Gray stays one channel: AttentionNet takes in_channels = 1, and three
  // copies of the gray would only triple conv1's input with no new information.
  run.input_shape = {train->image_shape()[0], kSide, kSide};

  // The test images are only resized and normalized; the training images
  // may also be cropped and flipped in between (--augment).
  std::vector<data::Transform> test_transforms, train_transforms;
  if (train->image_shape()[1] != kSide || train->image_shape()[2] != kSide)
    test_transforms.push_back(data::resize_transform(kSide, kSide));
  train_transforms = test_transforms;
  if (config.augment) {
    train_transforms.push_back(data::random_crop_transform(2));
    train_transforms.push_back(data::random_flip_transform(0.5f));
  }
  train_transforms.push_back(data::normalize_transform(mean, std));
  test_transforms.push_back(data::normalize_transform(mean, std));
  run.train_transform = data::compose(train_transforms);
  run.test_transform = data::compose(test_transforms);
  return run;
}

std::shared_ptr<nn::UnaryModule> make_attention_net(const Shape& input_shape, int64_t num_classes) {
  nn::AttentionNetOptions options;
  options.in_channels = input_shape[0];
  options.image_size = input_shape[1];
  options.num_classes = num_classes;
  return std::make_shared<nn::AttentionNet>(options);
}

// ---------------------------------------------------------------- evaluation
namespace {

// How many rows of logits (B, K) pick the label; also the argmax of each row.
int64_t count_correct(const Tensor& logits, const Tensor& labels,
                      std::vector<int64_t>* predictions = nullptr) {
  const int64_t B = logits.size(0), K = logits.size(1);
  const float* z = logits.data();
  int64_t correct = 0;
  for (int64_t b = 0; b < B; ++b) {
    int64_t best = 0;
    for (int64_t k = 1; k < K; ++k)
      if (z[b * K + k] > z[b * K + best]) best = k;
    if (best == static_cast<int64_t>(labels.data()[b])) ++correct;
    if (predictions) predictions->push_back(best);
  }
  return correct;
}

}  // namespace

EvalResult evaluate(nn::UnaryModule& model, std::shared_ptr<const data::Dataset> dataset,
                    const data::Transform& transform, int64_t batch_size, int64_t num_classes) {
  data::DataLoaderOptions options;
  options.batch_size = batch_size;
  options.transform = transform;
  data::DataLoader loader(std::move(dataset), options);
  EvalResult result;
  result.confusion.assign(num_classes, std::vector<int64_t>(num_classes, 0));
  const bool was_training = model.is_training();
  model.eval();  // BatchNorm uses its running statistics
  NoGradGuard no_grad;
  double loss_sum = 0.0;
  int64_t correct = 0;
  loader.start_epoch(0);
  for (data::Batch batch; loader.next(batch);) {
    Tensor logits = model(batch.images);
    const int64_t B = batch.labels.numel();
    loss_sum += double(cross_entropy(logits, batch.labels).item()) * B;
    std::vector<int64_t> predicted;
    correct += count_correct(logits, batch.labels, &predicted);
    for (int64_t b = 0; b < B; ++b)
      ++result.confusion[static_cast<int64_t>(batch.labels.data()[b])][predicted[b]];
    result.count += B;
  }
  model.train(was_training);
  result.loss = result.count > 0 ? loss_sum / result.count : 0.0;
  result.accuracy = result.count > 0 ? double(correct) / result.count : 0.0;
  return result;
}

// ---------------------------------------------------------------- training
namespace {

// Buffers per parameter the optimizer keeps (what a checkpoint stores):
// SGD's momentum buffer, or Adam's two moments.
int64_t optimizer_state_slots(const TrainConfig& config) {
  return config.optimizer == "sgd" ? 1 : 2;
}

std::unique_ptr<optim::Optimizer> make_optimizer(const TrainConfig& config,
                                                 std::vector<Tensor> params) {
  if (config.optimizer == "sgd") {
    optim::SGDOptions o;
    o.lr = config.lr;
    o.momentum = 0.9f;
    o.weight_decay = 5e-4f;
    return std::make_unique<optim::SGD>(std::move(params), o);
  }
  optim::AdamOptions o;
  o.lr = config.lr;
  if (config.optimizer == "adam") return std::make_unique<optim::Adam>(std::move(params), o);
  o.weight_decay = 0.01f;
  return std::make_unique<optim::AdamW>(std::move(params), o);
}

struct StepOutcome {
  float loss;       // the batch's mean cross-entropy
  int64_t correct;  // how many of its images the model got right
  float lr;         // the learning rate the step used
};

// One step of gradient descent on one batch, the heart of the program. A
// loss that is not finite stops the program before the step is taken (and
// before anything is saved): the weights, and the last checkpoint, stay good.
StepOutcome train_step(nn::UnaryModule& model, optim::Optimizer& optimizer,
                       optim::LRScheduler& schedule, const data::Batch& batch,
                       const TrainState& state) {
  const float lr = static_cast<float>(optimizer.lr());
  optimizer.zero_grad();                              // forget the last batch's gradients
  Tensor logits = model(batch.images);                // (B, C, 16, 16) -> (B, K)
  Tensor loss = cross_entropy(logits, batch.labels);  // mean over the batch
  check_finite_loss(loss.item(), state, lr);
  loss.backward();   // every parameter's .grad()
  optimizer.step();  // move the parameters against it
  schedule.step();   // the next step's learning rate
  return {loss.item(), count_correct(logits, batch.labels), lr};
}

// The files a run keeps up to date: the checkpoint (of `resume_at`, where a
// resumed run should continue), metrics.csv and curves.svg. Nothing is
// written unless every weight and optimizer value is finite: a NaN saved
// over the last good checkpoint would leave nothing to resume from.
void save_progress(const TrainConfig& config, nn::UnaryModule& model,
                   const optim::Optimizer& optimizer, const TrainState& resume_at,
                   int64_t steps_per_epoch) {
  check_state_finite(model, optimizer, resume_at);
  save_checkpoint(config.checkpoint_path(), model, optimizer, resume_at, config);
  std::filesystem::create_directories(config.out);
  write_metrics_csv(config.out + "/metrics.csv", resume_at.history, steps_per_epoch);
  write_curves_svg(config.out + "/curves.svg", resume_at.history, steps_per_epoch);
}

// The end of a call, whether the run finished or was stopped.
void finish(TrainResult& result, const TrainState& state, double images_per_second) {
  result.history = state.history;
  result.steps = state.step;
  result.images_per_second = images_per_second;
}

}  // namespace

TrainResult run_training(TrainConfig config, std::ostream& log, const ModelFactory& factory) {
  io::SafetensorsFile checkpoint;
  if (!config.resume.empty())
    checkpoint = read_checkpoint(config.resume, config);  // takes the run's settings
  // Found now, not after an epoch of work: can we write where we will write?
  check_writable_folder("--out", config.out, config.out);
  check_writable_folder("--checkpoint", config.checkpoint_path(),
                        std::filesystem::path(config.checkpoint_path()).parent_path().string());
  set_num_threads(config.threads);
  RunData run = load_run_data(config, log);

  manual_seed(config.seed);  // the model's initial weights follow --seed
  std::shared_ptr<nn::UnaryModule> model = factory(run.input_shape, run.num_classes);
  std::unique_ptr<optim::Optimizer> optimizer = make_optimizer(config, model->parameters());

  data::DataLoaderOptions loader_options;
  loader_options.batch_size = config.batch_size;
  loader_options.shuffle = true;
  loader_options.drop_last = true;  // equal batches: BatchNorm dislikes a batch of 3
  loader_options.seed = config.seed;
  loader_options.transform = run.train_transform;
  data::DataLoader loader(run.train, loader_options);
  const int64_t steps_per_epoch = loader.num_batches();
  if (steps_per_epoch == 0)
    throw UsageError("--batch-size " + std::to_string(config.batch_size) + " is larger than the " +
                     std::to_string(run.train->size()) + " training images");
  // Warm up over the first 5% of steps, then cosine decay to 0 at the last step.
  const int64_t total_steps = total_training_steps(config.epochs, steps_per_epoch);
  optim::WarmupCosineLR schedule(*optimizer, std::max<int64_t>(1, total_steps / 20), total_steps,
                                 0.1f);
  check_room_for_checkpoints(config, *model, optimizer_state_slots(config), total_steps);

  TrainState state;
  TrainResult result;
  if (!config.resume.empty()) {
    state = restore_checkpoint(checkpoint, config.resume, *model, *optimizer);
    check_resume_position(state, steps_per_epoch, config.resume);
    if (checkpoint.metadata["threads"] != std::to_string(config.threads))
      log << "note: the checkpoint was written by a run with " << checkpoint.metadata["threads"]
          << " thread(s), this one has " << config.threads
          << ": sums split differently, so the losses may differ in the last digits\n";
    schedule.set_step(state.step);
    log << "resumed " << config.resume << " at epoch " << state.epoch + 1 << ", batch "
        << state.batch << ", step " << state.step << "\n";
  }
  result.first_step = state.step;
  result.out = config.out;
  result.checkpoint = config.checkpoint_path();
  log << "dataset " << run.name << ": " << run.train->size() << " training and " << run.test->size()
      << " test images, model input " << shape_str(run.input_shape) << "\n"
      << "model " << model->type_name() << " with " << model->num_parameters() << " parameters; "
      << config.optimizer << " lr " << config.lr << ", batch " << config.batch_size << ", "
      << config.epochs << " epoch(s) of " << steps_per_epoch << " steps, " << config.threads
      << " thread(s), seed " << config.seed << "\n";

  const bool bar = config.progress == "bar" ||
                   (config.progress == "auto" && ::isatty(STDOUT_FILENO) && &log == &std::cout);
  int64_t steps_this_call = 0;
  double train_seconds = 0.0;  // time spent in training steps (evaluation excluded)
  for (; state.epoch < config.epochs; ++state.epoch, state.batch = 0) {
    model->train();
    loader.start_epoch(state.epoch, state.batch);
    Progress progress(log, bar, state.epoch, config.epochs, steps_per_epoch, state.batch);
    const auto epoch_start = std::chrono::steady_clock::now();
    int64_t images_this_epoch = 0;
    for (data::Batch batch; loader.next(batch);) {
      StepOutcome outcome;
      try {
        outcome = train_step(*model, *optimizer, schedule, batch, state);
      } catch (const TrainingDiverged&) {
        progress.finish();  // end the progress line before main() prints the message
        throw;
      }
      const int64_t B = batch.labels.numel();
      state.history.step_loss.push_back(outcome.loss);
      state.history.step_acc.push_back(float(outcome.correct) / float(B));
      state.history.step_lr.push_back(outcome.lr);
      state.epoch_loss_sum += double(outcome.loss) * B;
      state.epoch_correct += outcome.correct;
      state.epoch_seen += B;
      state.batch = batch.index + 1;
      ++state.step;
      ++steps_this_call;
      images_this_epoch += B;
      progress.update(batch.index, float(state.epoch_loss_sum / state.epoch_seen),
                      double(state.epoch_correct) / state.epoch_seen, images_this_epoch);

      if (stop_requested() || (config.stop_after > 0 && steps_this_call >= config.stop_after)) {
        progress.finish();
        loader.stop();
        save_progress(config, *model, *optimizer, state, steps_per_epoch);
        log << (stop_requested() ? "interrupted" : "stopped") << " after step " << state.step
            << ": checkpoint saved to " << config.checkpoint_path()
            << "\n  continue with: ./build/train --resume " << config.checkpoint_path() << "\n";
        result.interrupted = true;
        finish(result, state, progress.images_per_second());
        return result;
      }
    }
    progress.finish();
    train_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();

    result.last_eval =
        evaluate(*model, run.test, run.test_transform, config.batch_size, run.num_classes);
    check_finite_test_loss(result.last_eval.loss, state);  // before anything is printed or saved
    result.evaluated = true;
    print_evaluation(log, result.last_eval, run.class_names);
    state.history.epoch_train_loss.push_back(
        float(state.epoch_loss_sum / std::max<int64_t>(1, state.epoch_seen)));
    state.history.epoch_train_acc.push_back(
        float(double(state.epoch_correct) / std::max<int64_t>(1, state.epoch_seen)));
    state.history.epoch_test_loss.push_back(float(result.last_eval.loss));
    state.history.epoch_test_acc.push_back(float(result.last_eval.accuracy));
    state.epoch_loss_sum = 0.0;
    state.epoch_correct = state.epoch_seen = 0;

    TrainState next = state;  // what a resume should find: the next epoch, batch 0
    ++next.epoch;
    next.batch = 0;
    save_progress(config, *model, *optimizer, next, steps_per_epoch);
    write_confusion_svg(config.out + "/confusion.svg", result.last_eval, run.class_names);
    // report.html: the curves, the matrix, 24 test images and 4 attention maps on one page.
    const ReportInputs report{run.name, &state.history, steps_per_epoch, &result.last_eval,
                              run.class_names};
    write_report_html(config.out + "/report.html", report,
                      sample_predictions(*model, *run.test, run.test_transform, 24, 4));
  }
  const int64_t trained = (state.step - result.first_step) * config.batch_size;
  finish(result, state, train_seconds > 0 ? trained / train_seconds : 0.0);
  return result;
}

}  // namespace ag::train
