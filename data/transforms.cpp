// data/transforms.cpp: the image transforms. Shape legend in transforms.h.
#include "data/transforms.h"

#include <algorithm>

namespace ag::data {

namespace {

// Every transform works on one image (C, H, W); say so in the user's words.
void check_image(const char* op, const Tensor& image) {
  if (!image.defined()) fail(op, ": the image is an undefined tensor");
  if (image.dim() != 3) fail(op, ": expected an image (C, H, W), got shape ", image.shape());
}

}  // namespace

Tensor to_float(const uint8_t* pixels, const Shape& chw) {
  if (chw.size() != 3) fail("to_float: expected an image shape (C, H, W), got ", chw);
  Tensor out = empty(chw);
  float* o = out.data();
  for (int64_t i = 0, n = out.numel(); i < n; ++i) o[i] = static_cast<float>(pixels[i]) / 255.0f;
  return out;
}

Tensor normalize(const Tensor& image, const std::vector<float>& mean,
                 const std::vector<float>& std) {
  check_image("normalize", image);
  const int64_t C = image.size(0), HW = image.size(1) * image.size(2);
  auto per_channel = [&](const std::vector<float>& v, const char* what) {
    if (v.size() != 1 && static_cast<int64_t>(v.size()) != C)
      fail("normalize: image ", image.shape(), " has ", C, " channels but ", what, " has ",
           v.size(), " values (need 1 or ", C, ")");
  };
  per_channel(mean, "mean");
  per_channel(std, "std");
  for (float s : std)
    if (!(s > 0.0f)) fail("normalize: every std must be > 0, got ", s);
  Tensor out = empty(image.shape());
  const float* x = image.data();
  float* o = out.data();
  for (int64_t c = 0; c < C; ++c) {
    const float m = mean[mean.size() == 1 ? 0 : c], s = std[std.size() == 1 ? 0 : c];
    for (int64_t i = 0; i < HW; ++i) o[c * HW + i] = (x[c * HW + i] - m) / s;
  }
  return out;
}

std::vector<std::vector<double>> area_weights(int64_t in, int64_t out) {
  if (in <= 0 || out <= 0) fail("area_weights: sizes must be > 0, got in ", in, " and out ", out);
  // Measure lengths in units of 1/out of an input pixel, so every endpoint is
  // a whole number: output cell o covers [o·in, (o+1)·in), input pixel i
  // covers [i·out, (i+1)·out). Overlaps are then exact integers.
  std::vector<std::vector<double>> weights(out, std::vector<double>(in, 0.0));
  for (int64_t o = 0; o < out; ++o) {
    const int64_t cell_begin = o * in, cell_end = (o + 1) * in;
    for (int64_t i = 0; i < in; ++i) {
      const int64_t overlap = std::min(cell_end, (i + 1) * out) - std::max(cell_begin, i * out);
      if (overlap > 0) weights[o][i] = static_cast<double>(overlap) / static_cast<double>(in);
    }
  }
  return weights;
}

Tensor resize_area(const Tensor& image, int64_t out_h, int64_t out_w) {
  check_image("resize_area", image);
  if (out_h <= 0 || out_w <= 0)
    fail("resize_area: output size must be > 0, got ", out_h, "x", out_w, " for image ",
         image.shape());
  const int64_t C = image.size(0), H = image.size(1), W = image.size(2);
  const auto wy = area_weights(H, out_h), wx = area_weights(W, out_w);
  const float* x = image.data();
  // Pass 1 averages rows: (C, H, W) -> (C, OH, W). Pass 2 columns: -> (C, OH, OW).
  std::vector<double> rows(C * out_h * W, 0.0);
  for (int64_t c = 0; c < C; ++c)
    for (int64_t oy = 0; oy < out_h; ++oy)
      for (int64_t y = 0; y < H; ++y) {
        const double w = wy[oy][y];
        if (w == 0.0) continue;
        for (int64_t xx = 0; xx < W; ++xx)
          rows[(c * out_h + oy) * W + xx] += w * x[(c * H + y) * W + xx];
      }
  Tensor out = empty({C, out_h, out_w});
  float* o = out.data();
  for (int64_t c = 0; c < C; ++c)
    for (int64_t oy = 0; oy < out_h; ++oy)
      for (int64_t ox = 0; ox < out_w; ++ox) {
        double sum = 0.0;
        for (int64_t xx = 0; xx < W; ++xx) sum += wx[ox][xx] * rows[(c * out_h + oy) * W + xx];
        o[(c * out_h + oy) * out_w + ox] = static_cast<float>(sum);
      }
  return out;
}

Tensor crop_padded(const Tensor& image, int64_t padding, int64_t top, int64_t left) {
  check_image("crop_padded", image);
  if (padding < 0) fail("crop_padded: padding must be >= 0, got ", padding);
  if (top < 0 || top > 2 * padding || left < 0 || left > 2 * padding)
    fail("crop_padded: corner (", top, ", ", left, ") must lie in [0, ", 2 * padding,
         "] with padding ", padding, " (image ", image.shape(), ")");
  const int64_t C = image.size(0), H = image.size(1), W = image.size(2);
  Tensor out = zeros(image.shape());
  const float* x = image.data();
  float* o = out.data();
  // Output (y, x) is padded (y + top, x + left), i.e. input (y + top - padding, ...).
  for (int64_t c = 0; c < C; ++c)
    for (int64_t y = 0; y < H; ++y) {
      const int64_t sy = y + top - padding;
      if (sy < 0 || sy >= H) continue;  // a padding row: stays 0
      for (int64_t xx = 0; xx < W; ++xx) {
        const int64_t sx = xx + left - padding;
        if (sx >= 0 && sx < W) o[(c * H + y) * W + xx] = x[(c * H + sy) * W + sx];
      }
    }
  return out;
}

Tensor random_crop(const Tensor& image, int64_t padding, Generator& rng) {
  if (padding < 0) fail("random_crop: padding must be >= 0, got ", padding);
  const int64_t top = rng.randint(2 * padding + 1);
  const int64_t left = rng.randint(2 * padding + 1);
  return crop_padded(image, padding, top, left);
}

Tensor horizontal_flip(const Tensor& image) {
  check_image("horizontal_flip", image);
  const int64_t rows = image.size(0) * image.size(1), W = image.size(2);
  Tensor out = empty(image.shape());
  const float* x = image.data();
  float* o = out.data();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t xx = 0; xx < W; ++xx) o[r * W + xx] = x[r * W + (W - 1 - xx)];
  return out;
}

Tensor random_horizontal_flip(const Tensor& image, float p, Generator& rng) {
  if (!(p >= 0.0f && p <= 1.0f)) fail("random_horizontal_flip: p must be in [0, 1], got ", p);
  // Always draw, flipped or not, so the generator advances the same way.
  return rng.uniform() < p ? horizontal_flip(image) : image.clone();
}

Tensor gray_to_rgb(const Tensor& image) {
  check_image("gray_to_rgb", image);
  if (image.size(0) != 1) fail("gray_to_rgb: expected a gray image (1, H, W), got ", image.shape());
  const int64_t HW = image.size(1) * image.size(2);
  Tensor out = empty({3, image.size(1), image.size(2)});
  for (int64_t c = 0; c < 3; ++c) std::copy(image.data(), image.data() + HW, out.data() + c * HW);
  return out;
}

Transform resize_transform(int64_t out_h, int64_t out_w) {
  return [=](const Tensor& image, Generator&) { return resize_area(image, out_h, out_w); };
}
Transform normalize_transform(std::vector<float> mean, std::vector<float> std) {
  return [mean = std::move(mean), std = std::move(std)](const Tensor& image, Generator&) {
    return normalize(image, mean, std);
  };
}
Transform random_crop_transform(int64_t padding) {
  return [=](const Tensor& image, Generator& rng) { return random_crop(image, padding, rng); };
}
Transform random_flip_transform(float p) {
  return [=](const Tensor& image, Generator& rng) { return random_horizontal_flip(image, p, rng); };
}
Transform gray_to_rgb_transform() {
  return [](const Tensor& image, Generator&) { return gray_to_rgb(image); };
}
Transform compose(std::vector<Transform> steps) {
  return [steps = std::move(steps)](const Tensor& image, Generator& rng) {
    Tensor x = image;
    for (const Transform& step : steps) x = step(x, rng);
    return x;
  };
}

}  // namespace ag::data
