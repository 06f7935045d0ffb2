// tutorials/common/report_html.h: runs/latest/report.html, a training run on one page.
//
// Shape legend: N sample images, C channels, H×W image, P = h·w positions of
// the feature map the SelfAttention layer sees (16×16 in AttentionNet).
//
// build/train writes it beside curves.svg and confusion.svg after every
// epoch: one self-contained HTML file (no request of any kind, so it opens
// from file:// on a machine with no network) that shows
//   - the loss and accuracy curves (the curves.svg picture, inlined),
//   - the confusion matrix and the per-class accuracy, as plain tables that
//     read without JavaScript (each count in data-value),
//   - a grid of test images with the true class and the prediction,
//   - for the first few of them, the SelfAttention map: click a pixel and
//     the page shades where that pixel looks (its row of the (P, P) map).
// The maps are stored one byte per weight, scaled to the row's largest
// weight, which keeps four 256×256 maps to about 350 KB; the page shows
// each weight back as byte / 255 × row max.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"
#include "data/dataset.h"
#include "data/transforms.h"
#include "nn/module.h"
#include "tutorials/common/train_report.h"

namespace ag::train {

// What the model made of the first N test images.
struct ReportSamples {
  std::vector<Tensor> images;      // N × (C, H, W), as the model saw them (transformed)
  std::vector<int64_t> labels;     // true class of each
  std::vector<int64_t> predicted;  // the model's class of each
  // The attention maps of the first A images, (A, P, P) row-major: row i of
  // map a is where position i looks. Empty when the model has no SelfAttention.
  std::vector<float> attention;
  int64_t attention_images = 0, positions = 0;  // A and P
  float gamma = 0.0f;  // the layer's gamma: how much attention is mixed into its output
};

// Runs `model` (eval mode, no graph) on test images 0 .. count-1 and keeps the
// attention of the first `with_attention` of them from the model's first
// SelfAttention layer (found by type among its modules).
ReportSamples sample_predictions(nn::UnaryModule& model, const data::Dataset& test,
                                 const data::Transform& transform, int64_t count,
                                 int64_t with_attention);

struct ReportInputs {
  std::string dataset;  // "fashion-mnist", "synthetic", ...
  const History* history = nullptr;
  int64_t steps_per_epoch = 1;
  const EvalResult* eval = nullptr;
  std::vector<std::string> class_names;
};

// The page as text, and written atomically to path.
std::string report_html(const ReportInputs& inputs, const ReportSamples& samples);
void write_report_html(const std::string& path, const ReportInputs& inputs,
                       const ReportSamples& samples);

// The page's CSS and JavaScript (report_html_assets.cpp); its colours, as the
// attention page's, are tutorials/common/palette.h's.
const char* report_style();
const char* report_script();

}  // namespace ag::train
