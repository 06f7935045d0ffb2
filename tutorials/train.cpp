// tutorials/train.cpp: build/train, attograd's main job.
//
// Trains the document's AttentionNet (nn/models/attention_net.h) on
// Fashion-MNIST when it is installed (else on the synthetic shapes of
// data/synthetic.h), evaluates it on the test split after every epoch, and
// writes a checkpoint, metrics.csv, curves.svg and confusion.svg to --out.
//
//   make train                          the defaults: a few minutes on 2 cores
//   make train ARGS="--limit 0 --epochs 3"   all 60000 images, three passes
//   ./build/train --help                every flag
//
// Everything but main() lives in tutorials/common/trainer.{h,cpp} (the loop),
// train_args (flags), train_checkpoint (save and resume) and train_report
// (progress bar, evaluation printout, CSV and SVG), so the tests can run it.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "tutorials/common/trainer.h"

int main(int argc, char** argv) {
  using namespace ag::train;
  try {
    const TrainConfig config = parse_train_args(std::vector<std::string>(argv + 1, argv + argc));
    if (config.help) {
      std::cout << train_usage();
      return 0;
    }
    install_interrupt_handler();
    const TrainResult result = run_training(config, std::cout);
    if (result.evaluated) {
      std::printf("\nfinal test accuracy: %.2f%% on %lld images; training speed %.1f img/s\n",
                  100.0 * result.last_eval.accuracy, (long long)result.last_eval.count,
                  result.images_per_second);
      std::printf("wrote %s, and metrics.csv, curves.svg, confusion.svg, report.html in %s\n",
                  result.checkpoint.c_str(), result.out.c_str());
    }
    return result.interrupted && stop_requested()
               ? 130
               : 0;  // 130: the shell's code for "ended by Ctrl-C"
  } catch (const UsageError& e) {
    std::cerr << "train: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "train: error: " << e.what() << "\n";
    return 1;
  }
}
