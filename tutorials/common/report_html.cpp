// tutorials/common/report_html.cpp: report.html (report_html.h says what it shows).
#include "tutorials/common/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/autograd.h"
#include "core/io/atomic_file.h"
#include "core/ops/reduce.h"
#include "core/ops/shape.h"
#include "nn/models/attention_net.h"
#include "tutorials/common/html_text.h"
#include "tutorials/common/palette.h"

namespace ag::train {

// ---------------------------------------------------------------- the model's view
ReportSamples sample_predictions(nn::UnaryModule& model, const data::Dataset& test,
                                 const data::Transform& transform, int64_t count,
                                 int64_t with_attention) {
  ReportSamples samples;
  count = std::min(count, test.size());
  if (count <= 0) return samples;
  Generator rng(0);  // the test transform draws nothing; a transform must be given one
  for (int64_t i = 0; i < count; ++i) {
    const data::Example example = test.get(i);
    samples.images.push_back(transform ? transform(example.image, rng) : example.image);
    samples.labels.push_back(example.label);
  }
  nn::SelfAttention* attention = nullptr;
  for (auto& [name, module] : model.named_modules())
    if (!attention) attention = dynamic_cast<nn::SelfAttention*>(module);

  model.eval();  // BatchNorm's running statistics, as evaluate() uses
  NoGradGuard no_grad;
  if (attention) attention->keep_attention = true;
  const Tensor logits = model(stack(samples.images));  // (N, K)
  if (attention) attention->keep_attention = false;
  for (float k : argmax(logits, 1).to_vector()) samples.predicted.push_back(int64_t(k));

  if (attention && attention->last_attention.defined()) {
    const Tensor& maps = attention->last_attention;  // (N, P, P)
    samples.attention_images = std::min(with_attention, maps.size(0));
    samples.positions = maps.size(1);
    const std::vector<float> all = maps.to_vector();
    samples.attention.assign(all.begin(), all.begin() + samples.attention_images *
                                                            samples.positions * samples.positions);
    samples.gamma = attention->gamma.item();
    attention->last_attention = Tensor();  // do not keep N maps alive until the next epoch
  }
  return samples;
}

// ---------------------------------------------------------------- the page
namespace {

std::string base64(const std::vector<unsigned char>& bytes) {
  static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const uint32_t n = uint32_t(bytes[i]) << 16 |
                       (i + 1 < bytes.size() ? uint32_t(bytes[i + 1]) << 8 : 0) |
                       (i + 2 < bytes.size() ? uint32_t(bytes[i + 2]) : 0);
    out += digits[n >> 18 & 63];
    out += digits[n >> 12 & 63];
    out += i + 1 < bytes.size() ? digits[n >> 6 & 63] : '=';
    out += i + 2 < bytes.size() ? digits[n & 63] : '=';
  }
  return out;
}

std::string number(double v, const char* format = "%.6g") {
  char text[32];
  std::snprintf(text, sizeof text, format, v);
  return text;
}

std::string class_name(const ReportInputs& in, int64_t k) {
  return k >= 0 && size_t(k) < in.class_names.size() ? in.class_names[size_t(k)]
                                                     : std::to_string(k);
}

// confusion[t][p] as a table: rows true, columns predicted, shaded by the share of the row.
void confusion_table(std::ostringstream& html, const ReportInputs& in) {
  const auto& confusion = in.eval->confusion;
  html << "<table id=\"confusion\" class=\"matrix\"><caption>confusion matrix: " << in.eval->count
       << " test images, " << number(100.0 * in.eval->accuracy, "%.2f")
       << "% correct (rows: true class, columns: predicted; shade: share of the row)</caption>"
       << "<tr><th></th>";
  for (size_t p = 0; p < confusion.size(); ++p)
    html << "<th title=\"" << html_text::escape(class_name(in, int64_t(p))) << "\">" << p
         << "</th>";
  html << "</tr>\n";
  for (size_t t = 0; t < confusion.size(); ++t) {
    int64_t row = 0;
    for (int64_t n : confusion[t]) row += n;
    html << "<tr><th>" << t << " " << html_text::escape(class_name(in, int64_t(t))) << "</th>";
    for (size_t p = 0; p < confusion[t].size(); ++p) {
      const double share = row > 0 ? double(confusion[t][p]) / double(row) : 0.0;
      const palette::Rgb background = palette::viridis(share);
      html << "<td data-true=\"" << t << "\" data-pred=\"" << p << "\" data-value=\""
           << confusion[t][p] << "\" style=\"background:" << palette::hex(background)
           << ";color:" << palette::hex(palette::text_colour_on(background)) << "\">"
           << confusion[t][p] << "</td>";
    }
    html << "</tr>\n";
  }
  html << "</table>\n";
}

void per_class_table(std::ostringstream& html, const ReportInputs& in) {
  html << "<table id=\"per-class\"><caption>accuracy per class (the confusion matrix's diagonal "
          "over its row)</caption><tr><th>class</th><th>accuracy</th><th></th></tr>\n";
  const std::vector<double> accuracy = in.eval->per_class_accuracy();
  for (size_t k = 0; k < accuracy.size(); ++k)
    html << "<tr><td>" << k << " " << html_text::escape(class_name(in, int64_t(k)))
         << "</td><td data-value=\"" << number(accuracy[k], "%.9g") << "\">"
         << number(100.0 * accuracy[k], "%.1f")
         << "%</td><td><span class=\"bar\" style=\"width:" << number(100.0 * accuracy[k], "%.1f")
         << "%\"></span></td></tr>\n";
  html << "</table>\n";
}

// The images as bytes 0..255 scaled to each image's own range (they are
// normalized, so their values are not pixels any more), and the attention
// maps one byte per weight over the row's largest weight.
std::string data_json(const ReportInputs& in, const ReportSamples& s) {
  std::ostringstream json;
  json << "{\"palette\":" << palette::stops_json() << ",\"classes\":[";
  for (size_t k = 0; k < in.class_names.size(); ++k)
    json << (k ? "," : "") << html_text::json_string(in.class_names[k]);
  json << "],\"images\":[";
  for (size_t n = 0; n < s.images.size(); ++n) {
    const std::vector<float> v = s.images[n].to_vector();
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    std::vector<unsigned char> bytes;
    for (float x : v)
      bytes.push_back(*hi > *lo ? (unsigned char)std::lround(255.0 * (x - *lo) / (*hi - *lo)) : 0);
    json << (n ? "," : "") << "{\"label\":" << s.labels[n] << ",\"predicted\":" << s.predicted[n]
         << ",\"channels\":" << s.images[n].size(0) << ",\"height\":" << s.images[n].size(1)
         << ",\"width\":" << s.images[n].size(2) << ",\"pixels\":\"" << base64(bytes) << "\"}";
  }
  json << "],\"attention\":{\"gamma\":" << number(s.gamma, "%.9g")
       << ",\"positions\":" << s.positions << ",\"maps\":[";
  const int64_t P = s.positions;
  for (int64_t a = 0; a < s.attention_images; ++a) {
    std::vector<unsigned char> bytes;
    json << (a ? "," : "") << "{\"image\":" << a << ",\"rowMax\":[";
    for (int64_t i = 0; i < P; ++i) {
      const float* row = s.attention.data() + (a * P + i) * P;
      const float top = std::max(*std::max_element(row, row + P), 1e-30f);
      json << (i ? "," : "") << number(top, "%.9g");
      for (int64_t j = 0; j < P; ++j)
        bytes.push_back((unsigned char)std::lround(255.0 * std::clamp(row[j] / top, 0.0f, 1.0f)));
    }
    json << "],\"bytes\":\"" << base64(bytes) << "\"}";
  }
  json << "]}}";
  return json.str();
}

}  // namespace

std::string report_html(const ReportInputs& in, const ReportSamples& s) {
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       << "<title>attograd training report</title><style>" << report_style()
       << ".ramp{background:" << palette::css_gradient() << "}\n</style></head><body>\n"
       << "<h1>Training report: " << html_text::escape(in.dataset) << "</h1>\n";
  if (in.history) {
    std::string curves = curves_svg(*in.history, in.steps_per_epoch);
    const std::string size = "width=\"1000\" height=\"400\"";  // scale with the page instead
    if (size_t at = curves.find(size); at != std::string::npos)
      curves.replace(at, size.size(), "viewBox=\"0 0 1000 400\" id=\"curves\"");
    html << "<h2>Loss and accuracy</h2>\n" << curves;
  }
  if (in.eval) {
    html << "<h2>Test set</h2>\n<div class=\"scroll\">";
    confusion_table(html, in);
    html << "</div>\n";
    per_class_table(html, in);
  }
  html << "<h2>Test images and predictions</h2>\n<div class=\"grid\">";
  for (size_t n = 0; n < s.images.size(); ++n) {
    const bool right = s.labels[n] == s.predicted[n];
    html << "<figure id=\"sample-" << n << "\" data-label=\"" << s.labels[n]
         << "\" data-predicted=\"" << s.predicted[n] << "\"><canvas id=\"img-" << n
         << "\"></canvas><figcaption>" << html_text::escape(class_name(in, s.labels[n]))
         << "<br><span" << (right ? "" : " class=\"wrong\"") << ">"
         << (right ? "&#10003; " : "&#10007; ") << html_text::escape(class_name(in, s.predicted[n]))
         << "</span></figcaption></figure>";
  }
  html << "</div>\n<h2>Self-attention</h2>\n";
  if (s.attention_images == 0)
    html << "<p>This model has no SelfAttention layer.</p>\n";
  else
    html << "<p>Click a pixel of an image (left): the map (right) shades how much that position "
            "attends to every other, yellow = most. The layer sees a "
         << s.positions << "-position feature map.</p>\n";
  for (int64_t a = 0; a < s.attention_images; ++a)
    html << "<div class=\"att\" id=\"att-" << a << "\"><canvas class=\"att-input\" id=\"att-input-"
         << a << "\" title=\"click a pixel\"></canvas><canvas class=\"att-map\" id=\"att-map-" << a
         << "\"></canvas><div><p id=\"att-caption-" << a
         << "\"></p><p class=\"legend\"><span id=\"att-low-" << a
         << "\"></span> <span class=\"ramp\"></span> <span id=\"att-high-" << a
         << "\"></span> (weight)</p></div></div>\n";
  html << "<script type=\"application/json\" id=\"report-data\">" << data_json(in, s)
       << "</script>\n<script>" << report_script() << "</script>\n</body></html>\n";
  return html.str();
}

void write_report_html(const std::string& path, const ReportInputs& inputs,
                       const ReportSamples& samples) {
  io::write_file_atomic(path, report_html(inputs, samples));
}

}  // namespace ag::train
