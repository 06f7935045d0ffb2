// Tutorial 09: the document's network (section 4.3): its two faults as
// attograd reports them, the fix, and a short training run.
//
//   make tutorial T=09
//   make gdb T=09               builds it at -O0 -g and opens it in gdb, then:
//   (gdb) break ag::nn::ResBlock::forward
//
// The computations are in tutorials/common/lesson09.cpp, the network in
// nn/models/attention_net.{h,cpp}; tests/tutorials/test_tutorials_train.cpp checks the
// messages, the shapes, the parameter counts and that the loss goes down.
#include <cstdio>
#include <string>

#include "core/ag.h"
#include "data/synthetic.h"
#include "tutorials/common/article.h"
#include "tutorials/common/lesson06.h"
#include "tutorials/common/lesson09.h"
#include "tutorials/common/present.h"

using namespace tut;

namespace {

std::string percent(float fraction) { return fmt(100.0f * fraction, 1) + "%"; }

void tutorial() {
  heading("Tutorial 09: the document's network, fixed and trained");
  say("What you will learn: the document closes with PyTorch code for an image classifier, "
      "AttentionNet: a conv block, two residual blocks, tutorial 08's SelfAttention, "
      "average pooling and a Linear layer. Typed in as printed, it cannot run a single "
      "batch. We let attograd say why, fix both faults the way ResNet does, and train the "
      "corrected network for a few epochs on small synthetic pictures.");
  quote_article("09.fcn");
  say("全连接 means fully connected: that is the network's fc = nn.Linear, every input "
      "feature wired to every output. An FCN, a Fully Convolutional Network, is the opposite: "
      "a network with no fully connected layer at all (Long et al. 2015, for segmentation). "
      "The English gloss is a mislabel; the code's Linear layer is what is meant.");

  const FaultLesson F = lesson09_faults();
  heading("Step 9a: fault 1, the residual sum");
  quote_article("09.network");
  say("ResBlock.forward keeps residual = x and ends with out += residual. But the network "
      "builds ResBlock(64, 128) and ResBlock(128, 256): out has twice the channels of x. "
      "attograd's AttentionNet with as_printed = true is the document's code line for line; "
      "a forward on " +
      std::to_string(kFaultBatch) + " images of 3×16×16 stops in res1 with:");
  std::printf("    %s\n", F.as_printed.error.c_str());
  std::fflush(stdout);
  say("PyTorch stops at the same line with its own words (\"The size of tensor a (128) must "
      "match the size of tensor b (64) at non-singleton dimension 1\").");

  heading("Step 9b: fault 2, the pooling before fc");
  say("fc = nn.Linear(256 * 4 * 4, 10) expects 4096 features, and F.avg_pool2d(out, 4) "
      "divides the map's side by 4. Nothing else in the network shrinks the map (every conv "
      "has padding 1), so the count is right only for 16×16 images. Ten classes of 3-channel "
      "images suggest CIFAR-10, which is 32×32. With fault 1 fixed and the printed pooling "
      "kept (printed_pool = true), 32×32 images give:");
  std::printf("    %s\n", F.pool_32.error.c_str());
  std::fflush(stdout);
  say("256 channels × 8 × 8 = 16384 features reach a layer built for 4096.");

  heading("Step 9c: the fix");
  say_hanging(
      "1. When a ResBlock changes the channel count, the shortcut becomes a 1×1 "
      "convolution (no bias) followed by BatchNorm, ResNet's \"projection shortcut\": "
      "it maps x to the new channel count before the sum. Blocks that keep their "
      "channels still add x unchanged.",
      3);
  say_hanging(
      "2. The pooling becomes adaptive: always a 4×4 grid, whatever the image size, "
      "like torchvision's AdaptiveAvgPool2d. On 16×16 images that is exactly "
      "avg_pool2d(out, 4), so nothing changes where the printed code was right.",
      3);
  if (!F.fixed_16.error.empty() || !F.fixed_32.error.empty()) {
    // Only when lesson09_faults was edited (the what-to-try): say what failed instead.
    std::printf("    16×16: %s\n    32×32: %s\n",
                F.fixed_16.error.empty() ? "runs" : F.fixed_16.error.c_str(),
                F.fixed_32.error.empty() ? "runs" : F.fixed_32.error.c_str());
    std::fflush(stdout);
    say("That network is not the corrected one: undo the edit in lesson09_faults to see it "
        "run. The training below builds the default AttentionNet either way.");
  }
  say("The corrected network (the default AttentionNet): " + ag::shape_str(F.fixed_16.output) +
      " logits from 16×16 images, " + ag::shape_str(F.fixed_32.output) +
      " from 32×32 ones. "
      "Parameters: " +
      std::to_string(F.fixed_16.parameters) + ", of which " +
      std::to_string(F.fixed_16.parameters - F.as_printed.parameters) +
      " are the two "
      "shortcuts' (the printed network has " +
      std::to_string(F.as_printed.parameters) + ").");

  heading("Step 9d: a short training run");
  const NetTrainConfig config;
  std::string shapes;
  for (const auto& name : ag::data::synthetic_class_names())
    shapes += (shapes.empty() ? "" : ", ") + name;
  say("Synthetic pictures (data/synthetic.h): 3×16×16, ten shapes (" + shapes +
      "), each in "
      "random colours, place and size, with noise. " +
      std::to_string(config.train_images) + " training images, " +
      std::to_string(config.test_images) + " test images, batches of " +
      std::to_string(config.batch) + ", Adam lr " + fmt(config.lr, 3) + ", " +
      std::to_string(config.epochs) +
      " epochs. This takes a while: measured, about 30 s of CPU "
      "time, which two idle cores share (15 s of waiting; a busy or one-core machine "
      "takes a minute or more). The numbers appear when it is done.");
  std::fflush(stdout);
  const NetTraining R = lesson09_train(config);
  std::printf("\nloss of every step (%zu steps): %s\n", R.step_loss.size(),
              sparkline(R.step_loss, R.step_loss.size()).c_str());
  std::printf("\n%8s  %10s  %9s  %13s\n", "epoch", "train loss", "test loss", "test accuracy");
  std::printf("%8s  %10s  %9s  %13s\n", "before", "", fmt(R.before_test_loss).c_str(),
              percent(R.before_test_accuracy).c_str());
  for (size_t e = 0; e < R.epoch_train_loss.size(); ++e)
    std::printf("%8zu  %10s  %9s  %13s\n", e + 1, fmt(R.epoch_train_loss[e]).c_str(),
                fmt(R.epoch_test_loss[e]).c_str(), percent(R.epoch_test_accuracy[e]).c_str());
  std::fflush(stdout);
  save_tensor("loss of every step",
              ag::from_vector(R.step_loss, {static_cast<int64_t>(R.step_loss.size())}));
  std::vector<float> table;
  Labels epochs;
  for (size_t e = 0; e < R.epoch_train_loss.size(); ++e) {
    table.insert(table.end(),
                 {R.epoch_train_loss[e], R.epoch_test_loss[e], R.epoch_test_accuracy[e]});
    epochs.push_back("epoch " + std::to_string(e + 1));
  }
  save_tensor("per epoch: train loss, test loss, test accuracy",
              ag::from_vector(table, {static_cast<int64_t>(epochs.size()), 3}), epochs,
              {"train loss", "test loss", "test accuracy"});
  say("Chance is 10% (ten balanced classes). The untrained net's loss is near ln 10 = "
      "2.3026, the loss of a uniform guess. The first few steps overshoot (Adam's first "
      "updates have full size whatever the gradient's), then the loss falls, and the test "
      "accuracy leaves chance behind. The attention block's gamma moved from 0 to " +
      fmt(R.gamma) + ": the network has begun to mix attention in (tutorial 08).");
  say("For a real run, with a progress bar, checkpoints and curves, use `make train` "
      "(tutorials/train.cpp).");

  what_to_try({
      "Question: would more epochs help? Which two printed columns would tell you (think of "
      "a train loss still falling while the test loss rises)? `make train` runs longer, with "
      "curves.",
      "In lesson09_faults (tutorials/common/lesson09.cpp) set o.printed_shortcut = true "
      "before F.fixed_16 is built (16×16 images, printed shortcut only): which line fails "
      "now, and with what message? Step 9c prints it.",
      "Question: why has the shortcut conv no bias, when the BatchNorm right after it has "
      "one?",
  });
}

}  // namespace

int main(int argc, char** argv) {
  return run_tutorial(argc, argv, {},
                      "Tutorial 09 builds and trains attograd's AttentionNet "
                      "(nn/models/attention_net.h): the message above names the layer and the "
                      "shapes that did not fit.",
                      tutorial);
}
