// tutorials/common/train_report.h: what a training run shows and writes.
//
//   Progress          one line per epoch that redraws itself on a terminal
//                     (batch i/n, loss, running accuracy, img/s, ETA), or a
//                     plain line every tenth of the epoch into a file or pipe
//   EvalResult        accuracy, per-class accuracy and the confusion matrix
//   History           every step's loss and accuracy, every epoch's summary:
//                     kept in the checkpoint, so a resumed run draws whole curves
//   write_*           metrics.csv, curves.svg and confusion.svg (SVG written by
//                     hand: it is just text with coordinates)
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace ag::train {

struct History {
  // One entry per optimizer step, over the whole run (resumes included).
  std::vector<float> step_loss, step_acc, step_lr;
  // One entry per finished epoch.
  std::vector<float> epoch_train_loss, epoch_train_acc, epoch_test_loss, epoch_test_acc;
};

struct EvalResult {
  double loss = 0.0;      // mean cross-entropy
  double accuracy = 0.0;  // fraction correct
  int64_t count = 0;
  // confusion[t][p]: test images of true class t predicted as class p.
  std::vector<std::vector<int64_t>> confusion;
  std::vector<double> per_class_accuracy() const;  // confusion[k][k] / row k's sum
};

// "Epoch 1/2 [=====>      ] 120/250  loss 0.5123  acc 81.2%  41.0 img/s  ETA 1:23"
class Progress {
 public:
  Progress(std::ostream& out, bool bar, int64_t epoch, int64_t epochs, int64_t batches,
           int64_t first_batch);
  void update(int64_t batch_index, float running_loss, double running_acc, int64_t images);
  void finish();
  double images_per_second() const;

 private:
  std::ostream& out_;
  bool bar_;
  int64_t epoch_, epochs_, batches_, first_batch_, images_ = 0, last_line_ = -1;
  std::chrono::steady_clock::time_point start_;
};

// "1:05" or "1:02:05".
std::string format_duration(double seconds);

// The evaluation as text: accuracy, per-class accuracy, confusion matrix with
// the class names on the rows (true) and column numbers (predicted).
void print_evaluation(std::ostream& out, const EvalResult& result,
                      const std::vector<std::string>& class_names);

// kind,epoch,step,loss,accuracy,lr with kind = step | train | test.
void write_metrics_csv(const std::string& path, const History& history, int64_t steps_per_epoch);
// Loss (left) and accuracy (right) against the step: each step faint, a
// 25-step moving average bold, each epoch's train and test values as dots.
void write_curves_svg(const std::string& path, const History& history, int64_t steps_per_epoch);
// The same picture as text (report.html inlines it).
std::string curves_svg(const History& history, int64_t steps_per_epoch);
// The confusion matrix as shaded cells (row-normalised) with counts.
void write_confusion_svg(const std::string& path, const EvalResult& result,
                         const std::vector<std::string>& class_names);

}  // namespace ag::train
