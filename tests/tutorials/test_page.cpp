// tests/tutorials/test_page.cpp: the attention page's data and HTML (no
// browser: the browser tests drive headless Chromium). The page's matrices
// must be the lessons' own tensors, its captions must follow the numbers,
// its colours must keep the text readable, and the file must ask for nothing.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <regex>
#include <string>

#include "core/ag.h"
#include "tutorials/common/lesson02.h"
#include "tutorials/common/lesson03.h"
#include "tutorials/common/lesson04.h"
#include "tutorials/common/lesson05.h"
#include "tutorials/common/lesson06.h"
#include "tutorials/common/lesson08.h"
#include "tutorials/common/palette.h"
#include "tutorials/common/report_html.h"
#include "tutorials/page/captions.h"
#include "tutorials/page/html_page.h"
#include "tutorials/page/page_build.h"

namespace {

const page::Matrix& find(const std::vector<page::View>& views, const std::string& id) {
  for (const page::View& v : views)
    for (const page::Matrix& m : v.matrices)
      if (m.id == id) return m;
  FAIL("no matrix " << id);
  throw;
}

// Bit-equal: the page holds the very floats the lesson computed.
void check_same(const page::Matrix& m, const ag::Tensor& t) {
  const ag::Tensor& c = t;
  REQUIRE(static_cast<int64_t>(m.values.size()) == c.numel());
  for (int64_t k = 0; k < c.numel(); ++k) {
    INFO(m.id << " entry " << k);
    if (std::isinf(c.data()[k]))
      CHECK(m.values[k] == c.data()[k]);
    else
      CHECK(std::memcmp(&m.values[k], c.data() + k, sizeof(float)) == 0);
  }
}

page::Matrix hand_weights(std::vector<float> values) {
  page::Matrix m;
  m.rows = m.cols = {"Je", "suis"};
  m.values = std::move(values);
  return m;
}

}  // namespace

TEST_SUITE("tutorials.page") {

TEST_CASE("palette: viridis stops, WCAG luminance and contrast, text readable on every colour") {
  CHECK(palette::hex(palette::viridis(0)) == "#440154");
  CHECK(palette::hex(palette::viridis(1)) == "#fde725");
  CHECK(palette::hex(palette::viridis(0.5)) == "#21918c");  // the middle stop exactly
  // Halfway between stops 0 and 1: (68+71)/2 = 69.5 -> 70, (1+45)/2 = 23, (84+123)/2 = 103.5 ->
  // 104.
  CHECK(palette::hex(palette::viridis(1.0 / 16)) == "#461768");
  const palette::Rgb black{0, 0, 0}, white{255, 255, 255};
  CHECK(palette::contrast_ratio(black, white) == doctest::Approx(21.0));
  CHECK(palette::contrast_ratio(white, white) == doctest::Approx(1.0));
  // sRGB 128 -> ((128/255 + 0.055) / 1.055)^2.4 = 0.21586 linear light.
  CHECK(palette::relative_luminance({128, 128, 128}) == doctest::Approx(0.21586).epsilon(1e-4));
  double worst = 21;
  for (int k = 0; k <= 1000; ++k) {
    const palette::Rgb background = palette::viridis(k / 1000.0);
    worst =
        std::min(worst, palette::contrast_ratio(background, palette::text_colour_on(background)));
  }
  CHECK(worst >= 4.5);
  CHECK(palette::hex(palette::text_colour_on(palette::viridis(0))) == "#ffffff");  // dark purple
  CHECK(palette::hex(palette::text_colour_on(palette::viridis(1))) == "#000000");  // yellow
}

TEST_CASE("report.html paints with the page's palette and escapes as the page does") {
  // Two classes; row 0 holds 3 right and 1 wrong, so its cells' shares are 0.75 and 0.25.
  ag::train::EvalResult eval;
  eval.count = 8;
  eval.accuracy = 7.0 / 8.0;
  eval.confusion = {{3, 1}, {0, 4}};
  ag::train::ReportInputs in;
  in.dataset = "synthetic";
  in.eval = &eval;
  in.class_names = {"T-shirt/top", "<s>"};
  const std::string html = ag::train::report_html(in, ag::train::ReportSamples{});
  // 0.75 of the scale is stop 6 of 8, (94, 201, 98), dark text; 0.25 is stop 2, (59, 82, 139),
  // light text: the page's colours (the palette test above checks their contrast).
  CHECK(html.find("data-value=\"3\" style=\"background:#5ec962;color:#000000\"") !=
        std::string::npos);
  CHECK(html.find("data-value=\"1\" style=\"background:#3b528b;color:#ffffff\"") !=
        std::string::npos);
  // The weight ramp and the script's stops are the palette's, as on the attention page.
  CHECK(html.find(".ramp{background:linear-gradient(to right,#440154,#472d7b,") !=
        std::string::npos);
  CHECK(html.find("\"palette\":[[68,1,84],[71,45,123],") != std::string::npos);
  // A class name in the table as HTML text, in the data as JSON that cannot end a <script>.
  CHECK(html.find("1 &lt;s&gt;</th>") != std::string::npos);
  CHECK(html.find("\"T-shirt/top\",\"\\u003cs\\u003e\"") != std::string::npos);
}

TEST_CASE("captions are computed from the numbers they describe") {
  const page::Matrix before = hand_weights({0.25f, 0.75f, 1.0f, 0.0f});
  CHECK(page::weights_caption(before) ==
        "Each row attends most: Je to suis (0.7500) and suis to Je (1.0000). "
        "Exactly 0 (1): suis→suis.");
  const page::Matrix after = hand_weights({0.5f, 0.5f, 0.375f, 0.625f});
  // A tie keeps the first column; no zero left.
  CHECK(page::weights_caption(after) ==
        "Each row attends most: Je to Je (0.5000) and suis to suis (0.6250). "
        "No weight is exactly 0.");
  page::Matrix scores = hand_weights({-INFINITY, 2.5f, -1.0f, 0.0f});
  CHECK(page::values_caption(scores) ==
        "Largest 2.5000 (row Je, column suis), smallest -1.0000 (row suis, column Je). "
        "1 entries are −∞: after the softmax they are 0.");
  page::Matrix gradient = hand_weights({0.0f, -0.5f, 0.25f, 0.0f});
  CHECK(page::gradient_caption(gradient) ==
        "Largest in size: -0.5000 (row Je, column suis). 2 of 4 entries are exactly 0.");
  page::Matrix top5;
  top5.rows = {"<s> →"};
  top5.cols = {"Je", "Tu", "Il"};
  top5.values = {0.75f, 0.125f, 0.0625f};
  CHECK(page::top5_caption(top5) ==
        "Greedy picks Je (0.7500); the next is Tu (0.1250). The other tokens share 0.0625.");
}

TEST_CASE("the step views hold the lessons' own tensors") {
  const std::vector<page::View> views = page::step_views();
  const tut::EncoderLesson L2 = tut::lesson02_encoder();
  check_same(find(views, "m-02-qkv-x"), L2.x);
  check_same(find(views, "m-02-qkv-W_Q"), L2.W_Q);
  check_same(find(views, "m-02-qkv-query"), L2.learned.query);
  check_same(find(views, "m-02-scores-scores"), L2.learned.scores);
  check_same(find(views, "m-02-scaled-scaled"), L2.learned.scaled);
  check_same(find(views, "m-02-weights-weights"), L2.learned.weights);
  check_same(find(views, "m-02-out-out"), L2.learned.out);
  const tut::DecoderLesson L3 = tut::lesson03_decoder();
  check_same(find(views, "m-03-mask-masked"), L3.masked.masked);
  check_same(find(views, "m-03-mask-weights"), L3.masked.weights);
  const tut::CrossLesson L4 = tut::lesson04_cross();
  check_same(find(views, "m-04-cross-weights"), L4.cross.weights);
  const tut::MultiHead M = tut::multi_head(tut::english_word_vectors(), tut::lesson05_weights());
  check_same(find(views, "m-05-heads-weights-h1"), ag::select(M.heads.weights, 0, 1));
  check_same(find(views, "m-05-heads-concat"), M.concat);
  check_same(find(views, "m-05-heads-out"), M.out);
  // Independently of attograd: row "I" of 02's weights is the softmax of its scaled scores.
  const page::Matrix& scaled = find(views, "m-02-scaled-scaled");
  const page::Matrix& weights = find(views, "m-02-weights-weights");
  double sum = 0;
  for (int64_t c = 0; c < 4; ++c) sum += std::exp(double(scaled.at(0, c)));
  for (int64_t c = 0; c < 4; ++c)
    CHECK(weights.at(0, c) == doctest::Approx(std::exp(double(scaled.at(0, c))) / sum));
}

TEST_CASE("captions follow the input: a causal mask and another head count change them") {
  const std::vector<page::View> plain = page::step_views();
  page::StepsOptions options;
  options.mask = "causal";
  options.heads = 4;
  const std::vector<page::View> edited = page::step_views(options);
  const page::Matrix& w0 = find(plain, "m-02-weights-weights");
  const page::Matrix& w1 = find(edited, "m-02-weights-weights");
  CHECK(w0.caption.find("No weight is exactly 0.") != std::string::npos);
  // 4 words: 3 + 2 + 1 future keys are masked, and the first word sees only itself.
  CHECK(w1.caption.find("Exactly 0 (6): I→am, I→a, I→student, am→a, am→student and a→student.") !=
        std::string::npos);
  CHECK(w1.caption.find("I to I (1.0000)") != std::string::npos);
  CHECK(find(edited, "m-02-scaled-masked").caption.find("6 entries are −∞") != std::string::npos);
  CHECK(find(edited, "m-05-heads-weights-h3").rows.size() == 4);
  CHECK(find(edited, "m-05-heads-query-h3").cols.size() == 1);  // 4 heads of width 1
}

TEST_CASE("the gradients view: dL/dX beside X, the lesson's backward numbers") {
  const page::GradientPage P = page::gradient_views();
  const tut::EncoderLesson forward = tut::lesson02_encoder();
  const tut::BackwardLesson B = tut::lesson02_backward(forward);
  const std::vector<page::View> views = {P.gradients, P.graph};
  check_same(find(views, "m-02-grad-dW_Q"), B.dW_Q);
  check_same(find(views, "m-02-grad-dweights"), B.dweights);
  check_same(find(views, "m-02-grad-dscaled"), B.dscaled);
  check_same(find(views, "m-02-grad-dscores"), B.dscores);
  check_same(find(views, "m-02-grad-dout"), B.dout);
  check_same(find(views, "m-graph-dW_Q"), B.dW_Q);
  // Every gradient stands right after its tensor.
  const std::vector<page::Matrix>& m = P.gradients.matrices;
  REQUIRE(m.size() % 2 == 0);
  for (size_t k = 0; k < m.size(); k += 2) {
    CHECK(m[k + 1].name == "d" + m[k].name);
    CHECK(m[k + 1].is_gradient);
    CHECK(m[k + 1].shape() == m[k].shape());
  }
  CHECK(m.size() >= 14);  // W_Q, W_K, W_V, scores, scaled, weights, out and their gradients
  // Words label the tokens: rows of activations, columns of the (T, T) scores.
  const page::Labels words = {"I", "am", "a", "student"}, d = {"d0", "d1", "d2", "d3"};
  CHECK(find(views, "m-02-grad-dout").cols == d);
  CHECK(find(views, "m-02-grad-dout").rows == words);
  CHECK(find(views, "m-02-grad-dweights").cols == words);
  CHECK(find(views, "m-02-grad-dW_Q").rows == d);
}

TEST_CASE("the image view: the lesson's map, and softmax(query · key) gives every pixel's") {
  const std::vector<page::View> views = {page::image_view()};
  const page::View& view = views[0];
  const tut::ImageAttentionLesson L = tut::lesson08_image_attention();
  check_same(find(views, "m-08-image-map-before"), L.query_map);
  check_same(find(views, "m-08-image-objects"), L.map.objects);
  // What the page's JavaScript does for a clicked pixel, here with loops in double.
  const page::Matrix& q = find(views, "m-08-image-query-before");
  const page::Matrix& k = find(views, "m-08-image-key-before");
  const int64_t pixel = tut::kQueryRow * tut::kMapSide + tut::kQueryCol, N = q.num_rows();
  std::vector<double> energy(static_cast<size_t>(N));
  double top = -INFINITY, sum = 0;
  for (int64_t j = 0; j < N; ++j) {
    energy[j] = double(q.at(pixel, 0)) * k.at(0, j) + double(q.at(pixel, 1)) * k.at(1, j);
    top = std::max(top, energy[j]);
  }
  for (double e : energy) sum += std::exp(e - top);
  for (int64_t j = 0; j < N; ++j)
    CHECK(L.query_map.data()[j] == doctest::Approx(std::exp(energy[j] - top) / sum).epsilon(1e-5));
  // After training gamma moved towards 08's target 0.5, and the caption says so.
  CHECK(view.text.find("gamma = 0.") != std::string::npos);
}

}  // TEST_SUITE("tutorials.page")
