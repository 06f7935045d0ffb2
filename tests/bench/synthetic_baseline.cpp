// tests/bench/synthetic_baseline.cpp: is the synthetic set hard enough?
//
// The synthetic shapes (data/synthetic.h) are meant to need a conv net: the
// shape can be anywhere, in any colours. This trains two models the same
// way (AdamW, 4 epochs of 6000 images, batch 64) and prints their test
// accuracy on 2000 other images:
//   linear     logits = W·pixels + b: one fixed template per class
//   small CNN  conv 3→16, BN, ReLU, max-pool 2, conv 16→32, BN, ReLU,
//              global average pool, linear 32→10
// A useful synthetic set shows a clear gap between the two. Also prints how
// fast the DataLoader alone delivers batches (it runs on its own thread).
#include <chrono>
#include <cstdio>
#include <memory>

#include "core/ag.h"
#include "data/loader.h"
#include "data/synthetic.h"
#include "nn/nn.h"
#include "optim/optimizer.h"

using namespace ag;
using Clock = std::chrono::steady_clock;

namespace {

class LinearModel : public nn::UnaryModule {
 public:
  LinearModel() : UnaryModule("LinearModel") {
    fc = register_module("fc", std::make_shared<nn::Linear>(3 * 16 * 16, 10));
  }
  Tensor forward(const Tensor& x) override { return fc(x.reshape({x.size(0), -1})); }
  nn::ModuleHolder<nn::Linear> fc;
};

class SmallCnn : public nn::UnaryModule {
 public:
  SmallCnn() : UnaryModule("SmallCnn") {
    conv1 = register_module("conv1",
                            std::make_shared<nn::Conv2d>(3, 16, 3, Conv2dOptions().padding(1)));
    bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(16));
    conv2 = register_module("conv2",
                            std::make_shared<nn::Conv2d>(16, 32, 3, Conv2dOptions().padding(1)));
    bn2 = register_module("bn2", std::make_shared<nn::BatchNorm2d>(32));
    fc = register_module("fc", std::make_shared<nn::Linear>(32, 10));
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = max_pool2d(relu(bn1(conv1(x))), Pool2dOptions(2));  // (B, 16, 8, 8)
    h = adaptive_avg_pool2d(relu(bn2(conv2(h))), 1, 1);            // (B, 32, 1, 1)
    return fc(h.reshape({h.size(0), -1}));
  }
  nn::ModuleHolder<nn::Conv2d> conv1, conv2;
  nn::ModuleHolder<nn::BatchNorm2d> bn1, bn2;
  nn::ModuleHolder<nn::Linear> fc;
};

double accuracy(nn::UnaryModule& model, data::DataLoader& loader) {
  model.eval();
  NoGradGuard no_grad;
  int64_t correct = 0, seen = 0;
  loader.start_epoch(0);
  for (data::Batch batch; loader.next(batch);) {
    Tensor pred = argmax(model(batch.images), 1);
    for (int64_t b = 0; b < pred.numel(); ++b) correct += pred.data()[b] == batch.labels.data()[b];
    seen += pred.numel();
  }
  model.train();
  return double(correct) / double(seen);
}

void train_and_report(const char* name, nn::UnaryModule& model, data::DataLoader& train,
                      data::DataLoader& test) {
  optim::AdamOptions options;
  options.lr = 3e-3f;
  optim::AdamW optimizer(model.parameters(), options);
  const auto start = Clock::now();
  for (int64_t epoch = 0; epoch < 4; ++epoch) {
    train.start_epoch(epoch);
    for (data::Batch batch; train.next(batch);) {
      optimizer.zero_grad();
      cross_entropy(model(batch.images), batch.labels).backward();
      optimizer.step();
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("  %-10s %8lld parameters   train %5.1f%%   test %5.1f%%   (%.2f s)\n", name,
              (long long)model.num_parameters(), 100 * accuracy(model, train),
              100 * accuracy(model, test), seconds);
}

}  // namespace

int main() {
  if (get_num_threads() > 2) set_num_threads(2);
  auto train_set = data::make_synthetic(6000, 1), test_set = data::make_synthetic(2000, 2);
  data::DataLoaderOptions options;
  options.batch_size = 64;
  options.shuffle = true;
  options.transform = data::normalize_transform({0.5f}, {0.3f});
  data::DataLoader train(train_set, options);
  options.shuffle = false;
  data::DataLoader test(test_set, options);

  auto start = Clock::now();
  int64_t images = 0;
  train.start_epoch(0);
  for (data::Batch batch; train.next(batch);) images += batch.images.size(0);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "DataLoader alone: %lld synthetic images (normalized, batch 64) in %.3f s = %.0f img/s\n",
      (long long)images, seconds, images / seconds);

  std::printf("synthetic shapes, 6000 training / 2000 test images, 4 epochs of AdamW (lr 3e-3):\n");
  manual_seed(0);
  LinearModel linear;
  train_and_report("linear", linear, train, test);
  manual_seed(0);
  SmallCnn cnn;
  train_and_report("small CNN", cnn, train, test);
  return 0;
}
