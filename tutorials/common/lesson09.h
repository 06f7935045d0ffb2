// tutorials/common/lesson09.h: the computations of tutorial 09 (the
// document's AttentionNet: its two faults, the fix, a short training run),
// apart from the printing, so tests/tutorials/test_tutorials_train.cpp can check them.
//
// Shape legend: N batch, 3 colour channels, S×S image, K = 10 classes.
#pragma once

#include <string>
#include <vector>

#include "nn/nn.h"

namespace tut {

constexpr int64_t kFaultBatch = 2;  // images in the batch that shows the faults

// Builds AttentionNet with `options`, runs a forward on kFaultBatch images of
// options.image_size, and returns what happened: the ag::Error's message, or
// "" and the output's shape.
struct ForwardAttempt {
  std::string error;  // empty when the forward succeeded
  ag::Shape output;   // the logits' shape on success
  int64_t parameters = 0;
};
ForwardAttempt try_attention_net(const ag::nn::AttentionNetOptions& options);

struct FaultLesson {
  ForwardAttempt as_printed;  // the document's code: fault 1 stops it in res1
  ForwardAttempt pool_32;     // fault 2 alone: the printed pooling on 32×32 images
  ForwardAttempt fixed_16;    // the corrected net on 16×16 images
  ForwardAttempt fixed_32;    // ... and on 32×32 images
};
FaultLesson lesson09_faults();

struct NetTrainConfig {
  int64_t train_images = 400;  // synthetic shapes (data/synthetic.h), 16×16 colour
  int64_t test_images = 200;
  int64_t epochs = 3;
  int64_t batch = 32;
  float lr = 1e-3f;   // Adam
  uint64_t seed = 9;  // model, shuffling and the images
};

struct NetTraining {
  int64_t parameters = 0;
  int64_t steps_per_epoch = 0;
  std::vector<float> step_loss;            // every optimizer step
  std::vector<float> epoch_train_loss;     // mean of the epoch's step losses
  std::vector<float> epoch_test_loss;      // eval mode, on the test images
  std::vector<float> epoch_test_accuracy;  // fraction of test images right
  float before_test_loss = 0;              // the untrained net, for comparison
  float before_test_accuracy = 0;
  float gamma = 0;  // the attention block's gamma at the end
};
NetTraining lesson09_train(const NetTrainConfig& config = NetTrainConfig());

}  // namespace tut
