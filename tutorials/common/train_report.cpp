// tutorials/common/train_report.cpp: progress, evaluation printout, CSV and SVG.
#include "tutorials/common/train_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

#include "core/io/atomic_file.h"
#include "tutorials/common/html_text.h"

namespace ag::train {

std::vector<double> EvalResult::per_class_accuracy() const {
  std::vector<double> accuracy;
  for (size_t k = 0; k < confusion.size(); ++k) {
    int64_t row = 0;
    for (int64_t n : confusion[k]) row += n;
    accuracy.push_back(row > 0 ? double(confusion[k][k]) / double(row) : 0.0);
  }
  return accuracy;
}

std::string format_duration(double seconds) {
  const auto s = static_cast<int64_t>(std::max(0.0, seconds) + 0.5);
  char text[32];
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", (long long)(s / 3600),
                  (long long)(s / 60 % 60), (long long)(s % 60));
  else
    std::snprintf(text, sizeof text, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
  return text;
}

// ---------------------------------------------------------------- Progress
Progress::Progress(std::ostream& out, bool bar, int64_t epoch, int64_t epochs, int64_t batches,
                   int64_t first_batch)
    : out_(out),
      bar_(bar),
      epoch_(epoch),
      epochs_(epochs),
      batches_(batches),
      first_batch_(first_batch),
      start_(std::chrono::steady_clock::now()) {}

double Progress::images_per_second() const {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return seconds > 0 ? images_ / seconds : 0.0;
}

void Progress::update(int64_t batch_index, float running_loss, double running_acc, int64_t images) {
  images_ = images;
  const int64_t done = batch_index + 1;
  // Without a terminal, write a line at each tenth of the epoch and at its end.
  const int64_t tenth = std::max<int64_t>(1, batches_ / 10);
  if (!bar_ && done % tenth != 0 && done != batches_) return;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const int64_t batches_this_run = done - first_batch_;
  const double eta =
      batches_this_run > 0 ? seconds / batches_this_run * double(batches_ - done) : 0.0;
  char stats[160];
  std::snprintf(stats, sizeof stats, "%lld/%lld  loss %.4f  acc %5.1f%%  %.1f img/s  ETA %s",
                (long long)done, (long long)batches_, running_loss, 100.0 * running_acc,
                images_per_second(), format_duration(eta).c_str());
  if (bar_) {
    constexpr int kWidth = 28;
    const int filled = static_cast<int>(kWidth * done / std::max<int64_t>(1, batches_));
    std::string bar(kWidth, ' ');
    for (int i = 0; i < filled; ++i) bar[i] = '=';
    if (filled < kWidth) bar[filled] = '>';
    out_ << "\r"
         << "Epoch " << epoch_ + 1 << "/" << epochs_ << " [" << bar << "] " << stats << "\x1b[K"
         << std::flush;
  } else {
    out_ << "Epoch " << epoch_ + 1 << "/" << epochs_ << " " << stats << "\n" << std::flush;
  }
  last_line_ = done;
}

void Progress::finish() {
  if (bar_ && last_line_ >= 0) out_ << "\n" << std::flush;
}

// ---------------------------------------------------------------- evaluation printout
void print_evaluation(std::ostream& out, const EvalResult& result,
                      const std::vector<std::string>& class_names) {
  char line[200];
  std::snprintf(line, sizeof line, "test: %lld images, loss %.4f, accuracy %.2f%%\n",
                (long long)result.count, result.loss, 100.0 * result.accuracy);
  out << line;
  const auto per_class = result.per_class_accuracy();
  const size_t K = result.confusion.size();
  out << "confusion matrix (rows: true class, columns: predicted class, last: class accuracy)\n";
  out << std::string(19, ' ');
  for (size_t p = 0; p < K; ++p) {
    std::snprintf(line, sizeof line, "%6zu", p);
    out << line;
  }
  out << "\n";
  for (size_t t = 0; t < K; ++t) {
    const std::string name = t < class_names.size() ? class_names[t] : std::to_string(t);
    std::snprintf(line, sizeof line, "%2zu %-15.15s ", t, name.c_str());
    out << line;
    for (size_t p = 0; p < K; ++p) {
      std::snprintf(line, sizeof line, "%6lld", (long long)result.confusion[t][p]);
      out << line;
    }
    std::snprintf(line, sizeof line, "   %5.1f%%\n", 100.0 * per_class[t]);
    out << line;
  }
}

// ---------------------------------------------------------------- metrics.csv
void write_metrics_csv(const std::string& path, const History& h, int64_t steps_per_epoch) {
  std::ostringstream csv;
  csv << "kind,epoch,step,loss,accuracy,lr\n";
  char line[160];
  for (size_t s = 0; s < h.step_loss.size(); ++s) {
    std::snprintf(line, sizeof line, "step,%lld,%zu,%.6g,%.6g,%.6g\n",
                  (long long)(s / steps_per_epoch) + 1, s + 1, h.step_loss[s], h.step_acc[s],
                  h.step_lr[s]);
    csv << line;
  }
  for (size_t e = 0; e < h.epoch_train_loss.size(); ++e) {
    const long long step = (long long)((e + 1) * steps_per_epoch);
    std::snprintf(line, sizeof line, "train,%zu,%lld,%.6g,%.6g,\n", e + 1, step,
                  h.epoch_train_loss[e], h.epoch_train_acc[e]);
    csv << line;
    std::snprintf(line, sizeof line, "test,%zu,%lld,%.6g,%.6g,\n", e + 1, step,
                  h.epoch_test_loss[e], h.epoch_test_acc[e]);
    csv << line;
  }
  io::write_file_atomic(path, csv.str());
}

// ---------------------------------------------------------------- curves.svg
namespace {

// One chart: data coordinates (x in [0, x_max], y in [y_min, y_max]) mapped to
// a box on the page, y growing upwards as on paper.
struct Panel {
  double left, top, width, height, x_max, y_min, y_max;
  double px(double x) const { return left + width * x / x_max; }
  double py(double y) const { return top + height * (1.0 - (y - y_min) / (y_max - y_min)); }
};

void polyline(std::ostringstream& svg, const Panel& p, const std::vector<float>& ys,
              const char* style) {
  if (ys.empty()) return;
  svg << "<polyline fill=\"none\" " << style << " points=\"";
  for (size_t i = 0; i < ys.size(); ++i)
    svg << p.px(double(i + 1)) << "," << p.py(std::clamp<double>(ys[i], p.y_min, p.y_max)) << " ";
  svg << "\"/>\n";
}

std::vector<float> moving_average(const std::vector<float>& ys, size_t window) {
  std::vector<float> out;
  double sum = 0.0;
  for (size_t i = 0; i < ys.size(); ++i) {
    sum += ys[i];
    if (i >= window) sum -= ys[i - window];
    out.push_back(static_cast<float>(sum / double(std::min(i + 1, window))));
  }
  return out;
}

void dots(std::ostringstream& svg, const Panel& p, const std::vector<float>& ys,
          int64_t steps_per_epoch, const char* colour) {
  for (size_t e = 0; e < ys.size(); ++e)
    svg << "<circle cx=\"" << p.px(double((e + 1) * steps_per_epoch)) << "\" cy=\"" << p.py(ys[e])
        << "\" r=\"4.5\" fill=\"" << colour << "\" stroke=\"white\"/>\n";
}

void axes(std::ostringstream& svg, const Panel& p, const char* title, bool percent) {
  svg << "<text x=\"" << p.left << "\" y=\"" << p.top - 12
      << "\" font-size=\"15\" font-weight=\"bold\">" << title << "</text>\n";
  for (int i = 0; i <= 4; ++i) {  // five horizontal grid lines with labels
    const double y = p.y_min + (p.y_max - p.y_min) * i / 4.0;
    svg << "<line x1=\"" << p.left << "\" x2=\"" << p.left + p.width << "\" y1=\"" << p.py(y)
        << "\" y2=\"" << p.py(y) << "\" stroke=\"#ddd\"/>\n";
    char label[32];
    std::snprintf(label, sizeof label, percent ? "%.0f%%" : "%.2f", percent ? 100 * y : y);
    svg << "<text x=\"" << p.left - 6 << "\" y=\"" << p.py(y) + 4
        << "\" font-size=\"11\" text-anchor=\"end\">" << label << "</text>\n";
  }
  for (int i = 0; i <= 4; ++i) {  // step numbers under the x axis
    const double x = p.x_max * i / 4.0;
    svg << "<text x=\"" << p.px(x) << "\" y=\"" << p.top + p.height + 16
        << "\" font-size=\"11\" text-anchor=\"middle\">" << static_cast<long long>(x + 0.5)
        << "</text>\n";
  }
  svg << "<rect x=\"" << p.left << "\" y=\"" << p.top << "\" width=\"" << p.width << "\" height=\""
      << p.height << "\" fill=\"none\" stroke=\"#444\"/>\n";
  svg << "<text x=\"" << p.left + p.width / 2 << "\" y=\"" << p.top + p.height + 32
      << "\" font-size=\"12\" text-anchor=\"middle\">step</text>\n";
}

}  // namespace

std::string curves_svg(const History& h, int64_t steps_per_epoch) {
  const double x_max = std::max<double>(
      1.0,
      double(std::max<size_t>(h.step_loss.size(), h.epoch_train_loss.size() * steps_per_epoch)));
  float loss_max = 0.0f;
  for (float v : h.step_loss) loss_max = std::max(loss_max, v);
  for (float v : h.epoch_test_loss) loss_max = std::max(loss_max, v);
  loss_max = loss_max > 0 ? std::ceil(loss_max * 2) / 2 : 1.0f;  // a round top: 0.5, 1.0, 1.5, ...
  const Panel loss{70, 50, 400, 260, x_max, 0.0, loss_max};
  const Panel acc{560, 50, 400, 260, x_max, 0.0, 1.0};
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1000\" height=\"400\" "
         "font-family=\"sans-serif\">\n"
      << "<rect width=\"1000\" height=\"400\" fill=\"white\"/>\n";
  axes(svg, loss, "loss (cross-entropy)", false);
  axes(svg, acc, "accuracy", true);
  polyline(svg, loss, h.step_loss, "stroke=\"#9ecae1\" stroke-width=\"1\"");
  polyline(svg, loss, moving_average(h.step_loss, 25), "stroke=\"#08519c\" stroke-width=\"2\"");
  polyline(svg, acc, h.step_acc, "stroke=\"#a1d99b\" stroke-width=\"1\"");
  polyline(svg, acc, moving_average(h.step_acc, 25), "stroke=\"#006d2c\" stroke-width=\"2\"");
  dots(svg, loss, h.epoch_train_loss, steps_per_epoch, "#08519c");
  dots(svg, loss, h.epoch_test_loss, steps_per_epoch, "#e6550d");
  dots(svg, acc, h.epoch_train_acc, steps_per_epoch, "#006d2c");
  dots(svg, acc, h.epoch_test_acc, steps_per_epoch, "#e6550d");
  svg << "<text x=\"70\" y=\"385\" font-size=\"12\">faint: each step;  bold: 25-step average;  "
         "dots: end of epoch "
         "(dark = train mean, orange = test)</text>\n</svg>\n";
  return svg.str();
}

void write_curves_svg(const std::string& path, const History& h, int64_t steps_per_epoch) {
  io::write_file_atomic(path, curves_svg(h, steps_per_epoch));
}

// ---------------------------------------------------------------- confusion.svg
void write_confusion_svg(const std::string& path, const EvalResult& result,
                         const std::vector<std::string>& class_names) {
  const size_t K = result.confusion.size();
  const double cell = 44, left = 130, top = 60;
  const double size = left + cell * K + 30;
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << size << "\" height=\""
      << top + cell * K + 40
      << "\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  char title[120];
  std::snprintf(title, sizeof title, "confusion matrix: %lld test images, %.2f%% correct",
                (long long)result.count, 100.0 * result.accuracy);
  svg << "<text x=\"" << left << "\" y=\"24\" font-size=\"15\" font-weight=\"bold\">" << title
      << "</text>\n";
  svg << "<text x=\"" << left << "\" y=\"" << top - 20
      << "\" font-size=\"12\">predicted class →</text>\n";
  for (size_t t = 0; t < K; ++t) {
    int64_t row = 0;
    for (int64_t n : result.confusion[t]) row += n;
    const std::string name = t < class_names.size() ? class_names[t] : std::to_string(t);
    svg << "<text x=\"" << left - 8 << "\" y=\"" << top + cell * t + cell / 2 + 4
        << "\" font-size=\"12\" text-anchor=\"end\">" << t << " " << html_text::escape(name)
        << "</text>\n";
    svg << "<text x=\"" << left + cell * t + cell / 2 << "\" y=\"" << top - 4
        << "\" font-size=\"12\" text-anchor=\"middle\">" << t << "</text>\n";
    for (size_t p = 0; p < K; ++p) {
      // Shade by the share of the true class's images: the diagonal is recall.
      const double share = row > 0 ? double(result.confusion[t][p]) / double(row) : 0.0;
      const int light = static_cast<int>(255 - 200 * share);
      svg << "<rect x=\"" << left + cell * p << "\" y=\"" << top + cell * t << "\" width=\"" << cell
          << "\" height=\"" << cell << "\" fill=\"rgb(" << light << "," << light
          << ",255)\" stroke=\"#ccc\"/>\n";
      svg << "<text x=\"" << left + cell * p + cell / 2 << "\" y=\""
          << top + cell * t + cell / 2 + 4 << "\" font-size=\"11\" text-anchor=\"middle\" fill=\""
          << (share > 0.6 ? "white" : "black") << "\">" << result.confusion[t][p] << "</text>\n";
    }
  }
  svg << "<text x=\"" << left << "\" y=\"" << top + cell * K + 24
      << "\" font-size=\"12\">rows: true class; "
      << "shade: share of the row</text>\n</svg>\n";
  io::write_file_atomic(path, svg.str());
}

}  // namespace ag::train
