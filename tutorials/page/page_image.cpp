// tutorials/page/page_image.cpp: tutorial 08's image self-attention as a page
// view. Every pixel is a query; its attention over the 16×16 map is one row of
// softmax(query · key). The page stores query (N, 2) and key (2, N) rather
// than the (N, N) attention itself (N = 256: 65,536 numbers), and its
// JavaScript computes the row of whichever pixel is clicked; the query pixel
// of tutorial 08 is stored as computed, so a test can hold the two equal.
#include "tutorials/page/page_data.h"

#include "core/ag.h"
#include "optim/optimizer.h"
#include "tutorials/common/lesson08.h"
#include "tutorials/page/captions.h"

namespace page {

constexpr int64_t kTrainSteps = 100;  // SGD steps on 08's loss for the "after" maps

namespace {

Labels pixel_labels() {
  Labels labels;
  for (int64_t r = 0; r < tut::kMapSide; ++r)
    for (int64_t c = 0; c < tut::kMapSide; ++c)
      labels.push_back(std::to_string(r) + "," + std::to_string(c));
  return labels;
}

// query (N, C/8), key (C/8, N) and the query pixel's map (H, W), suffixed "-before"/"-after".
void add_state(View& view, const tut::SelfAttentionLines& lines, int64_t pixel,
               const std::string& when, float gamma) {
  const Labels pixels = pixel_labels(), rows = dims(tut::kMapSide, ""), width = dims(2, "c");
  const ag::Tensor query = ag::select(lines.query, 0, 0), key = ag::select(lines.key, 0, 0);
  Matrix q = make_matrix(view.id, "query-" + when, query, pixels, width,
                         "query = conv1×1(x), one row per pixel, gamma = " + number(gamma));
  Matrix k = make_matrix(view.id, "key-" + when, key, width, pixels, "key = conv1×1(x)");
  q.caption = values_caption(q);
  k.caption = values_caption(k);
  const ag::Tensor map = ag::select(ag::select(lines.attention, 0, 0), 0, pixel)
                             .reshape({tut::kMapSide, tut::kMapSide});
  Matrix m = make_matrix(
      view.id, "map-" + when, map, rows, rows,
      "row " + pixels[static_cast<size_t>(pixel)] + " of softmax(query · key), as an image");
  m.caption = weights_caption(m);
  view.matrices.push_back(m);
  view.matrices.push_back(q);
  view.matrices.push_back(k);
}

}  // namespace

View image_view() {
  tut::ImageAttentionLesson L = tut::lesson08_image_attention();
  View view = make_view(
      "08-image", "08 · Image self-attention",
      "Each pixel of the 16×16 feature map is a query; click a pixel to see where it looks.");
  view.kind = "image";
  const Labels rows = dims(tut::kMapSide, "");
  Matrix objects = make_matrix(view.id, "objects", L.map.objects, rows, rows,
                               "1 on the objects' pixels, 0 on the background");
  objects.caption = values_caption(objects);
  view.matrices.push_back(objects);
  const int64_t pixel = L.query_row * tut::kMapSide + L.query_col;
  add_state(view, L.lines, pixel, "before", 0.0f);

  // Training: plain SGD on tutorial 08's loss, every parameter now (the
  // lesson took one step, when only gamma had a gradient).
  ag::optim::SGDOptions sgd;
  sgd.lr = tut::kGammaLr;
  ag::optim::SGD optimizer(L.block->parameters(), sgd);
  for (int64_t step = 0; step < kTrainSteps; ++step) {
    optimizer.zero_grad();
    ag::mse_loss(L.block(L.map.x), L.target).backward();
    optimizer.step();
  }
  tut::SelfAttentionLines after;
  {
    ag::NoGradGuard looking_only;
    after = tut::self_attention_lines(*L.block, L.map.x);
  }
  add_state(view, after, pixel, "after", L.block->gamma.item());
  view.text += " Before: gamma = 0 (the block returns its input). After " +
               std::to_string(kTrainSteps) +
               " SGD steps on tutorial 08's loss: gamma = " + number(L.block->gamma.item()) + ".";
  return view;
}

}  // namespace page
