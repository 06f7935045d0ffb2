// tutorials/common/lesson09.cpp: the document's AttentionNet, broken and fixed.
#include "tutorials/common/lesson09.h"

#include "core/ag.h"
#include "data/loader.h"
#include "data/synthetic.h"
#include "optim/optimizer.h"

namespace tut {

using ag::Tensor;

ForwardAttempt try_attention_net(const ag::nn::AttentionNetOptions& options) {
  ForwardAttempt a;
  ag::manual_seed(9);
  ag::nn::AttentionNet net(options);
  a.parameters = net.num_parameters();
  const int64_t S = options.image_size;
  const Tensor images = ag::rand({kFaultBatch, options.in_channels, S, S});
  try {
    ag::NoGradGuard no_grad;  // the forward alone shows the faults
    a.output = net(images).shape();
  } catch (const ag::Error& e) {
    a.error = e.what();
  }
  return a;
}

FaultLesson lesson09_faults() {
  FaultLesson F;
  ag::nn::AttentionNetOptions o;
  o.as_printed = true;
  F.as_printed = try_attention_net(o);
  o = {};
  o.printed_pool = true;
  o.image_size = 32;
  F.pool_32 = try_attention_net(o);
  o = {};
  F.fixed_16 = try_attention_net(o);
  o.image_size = 32;
  F.fixed_32 = try_attention_net(o);
  return F;
}

namespace {

struct Evaluation {
  float loss = 0, accuracy = 0;
};

// Mean cross-entropy and accuracy over a whole dataset, in eval mode (BatchNorm
// uses its running statistics), without a graph.
Evaluation evaluate(ag::nn::AttentionNet& net, ag::data::DataLoader& loader) {
  net.eval();
  ag::NoGradGuard no_grad;
  double loss_sum = 0;
  int64_t correct = 0, count = 0;
  loader.start_epoch(0);
  for (ag::data::Batch b; loader.next(b);) {
    const Tensor logits = net(b.images);
    const int64_t n = b.labels.numel();
    loss_sum += static_cast<double>(ag::cross_entropy(logits, b.labels).item()) * n;
    const Tensor predicted = ag::argmax(logits, 1);
    for (int64_t i = 0; i < n; ++i) correct += predicted.data()[i] == b.labels.data()[i];
    count += n;
  }
  net.train();
  return {static_cast<float>(loss_sum / count), static_cast<float>(correct) / count};
}

}  // namespace

NetTraining lesson09_train(const NetTrainConfig& config) {
  NetTraining R;
  const auto train_set = ag::data::make_synthetic(config.train_images, config.seed);
  const auto test_set = ag::data::make_synthetic(config.test_images, config.seed + 1000);
  ag::data::DataLoaderOptions train_opts;
  train_opts.batch_size = config.batch;
  train_opts.shuffle = true;
  train_opts.seed = config.seed;
  ag::data::DataLoader train_loader(train_set, train_opts);
  ag::data::DataLoaderOptions test_opts;
  test_opts.batch_size = 100;
  ag::data::DataLoader test_loader(test_set, test_opts);
  R.steps_per_epoch = train_loader.num_batches();

  ag::manual_seed(config.seed);
  ag::nn::AttentionNet net;  // the corrected network: 3×16×16 images, 10 classes
  R.parameters = net.num_parameters();
  const Evaluation before = evaluate(net, test_loader);
  R.before_test_loss = before.loss;
  R.before_test_accuracy = before.accuracy;

  ag::optim::AdamOptions adam;
  adam.lr = config.lr;
  ag::optim::Adam optimizer(net.parameters(), adam);
  for (int64_t epoch = 0; epoch < config.epochs; ++epoch) {
    double sum = 0;
    int64_t steps = 0;
    train_loader.start_epoch(epoch);
    for (ag::data::Batch b; train_loader.next(b);) {
      const Tensor loss = ag::cross_entropy(net(b.images), b.labels);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      R.step_loss.push_back(loss.item());
      sum += loss.item();
      ++steps;
    }
    R.epoch_train_loss.push_back(static_cast<float>(sum / steps));
    const Evaluation e = evaluate(net, test_loader);
    R.epoch_test_loss.push_back(e.loss);
    R.epoch_test_accuracy.push_back(e.accuracy);
  }
  R.gamma = net.attention->gamma.item();
  return R;
}

}  // namespace tut
