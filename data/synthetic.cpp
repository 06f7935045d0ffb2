// data/synthetic.cpp: drawing the synthetic shapes.
//
// Each shape is a coverage mask m(y, x) in {0, 1}, tested at pixel centres
// (x + 0.5, y + 0.5). The pixel is then background·(1 − m) + foreground·m,
// plus noise, clipped to [0, 1] and stored as a byte.
#include "data/synthetic.h"

#include <algorithm>
#include <cmath>

#include "data/loader.h"  // example_seed

namespace ag::data {

namespace {

constexpr int64_t S = kSyntheticSide;
using Mask = std::vector<float>;  // (S, S)

// A uniform float in [lo, hi).
float between(Generator& rng, float lo, float hi) { return lo + (hi - lo) * rng.uniform(); }

// Roughly normal noise, mean 0 and std 1, from four uniforms (Irwin-Hall):
// their sum has mean 2 and variance 4/12, so (sum - 2)·√3 has variance 1.
// Only + and ×, unlike Box-Muller, whose log and sin come from the C library.
float bell(Generator& rng) {
  float sum = 0.0f;  // one draw per statement: the order of operands of + is unspecified
  for (int k = 0; k < 4; ++k) sum += rng.uniform();
  return (sum - 2.0f) * 1.7320508f;
}

// Fill the mask where inside(x, y) holds, (x, y) the pixel centre.
template <class Inside>
void paint(Mask& mask, Inside inside) {
  for (int64_t y = 0; y < S; ++y)
    for (int64_t x = 0; x < S; ++x)
      if (inside(x + 0.5f, y + 0.5f)) mask[y * S + x] = 1.0f;
}

// A centre that keeps a shape of half-size `half` inside the image.
void centre(Generator& rng, float half, float& cx, float& cy) {
  cx = between(rng, half, S - half);
  cy = between(rng, half, S - half);
}

void draw_mask(int64_t label, Generator& rng, Mask& mask) {
  float cx = 0, cy = 0;
  switch (label) {
    case 0: {  // square
      const float h = between(rng, 2.0f, 4.5f);
      centre(rng, h, cx, cy);
      paint(mask,
            [&](float x, float y) { return std::fabs(x - cx) <= h && std::fabs(y - cy) <= h; });
      break;
    }
    case 1: {  // disc
      const float r = between(rng, 3.0f, 5.5f);
      centre(rng, r, cx, cy);
      paint(mask,
            [&](float x, float y) { return (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r; });
      break;
    }
    case 2: {  // triangle, apex up: half-width grows linearly from the apex to the base
      const float h = between(rng, 3.0f, 5.5f);
      centre(rng, h, cx, cy);
      paint(mask, [&](float x, float y) {
        const float down = y - (cy - h);  // distance below the apex
        return down >= 0 && down <= 2 * h && std::fabs(x - cx) <= down / 2;
      });
      break;
    }
    case 3: {  // cross: a horizontal and a vertical bar through the centre
      const float arm = between(rng, 3.0f, 5.5f), w = between(rng, 0.6f, 1.3f);
      centre(rng, arm, cx, cy);
      paint(mask, [&](float x, float y) {
        const float dx = std::fabs(x - cx), dy = std::fabs(y - cy);
        return (dx <= arm && dy <= w) || (dy <= arm && dx <= w);
      });
      break;
    }
    case 4:
    case 5: {  // bars: stripes of period p, `on` pixels thick, at a random phase
      const int64_t period = 3 + rng.randint(2), on = 1 + rng.randint(period - 1),
                    phase = rng.randint(period);
      const bool horizontal = label == 4;
      paint(mask, [&](float x, float y) {
        const int64_t along = static_cast<int64_t>(horizontal ? y : x);
        return (along + phase) % period < on;
      });
      break;
    }
    case 6: {  // diagonal: |(x − y) − offset| small, or the anti-diagonal |(x + y) − offset|
      const bool anti = rng.uniform() < 0.5f;
      const float offset = between(rng, -4.0f, 4.0f) + (anti ? S : 0.0f),
                  w = between(rng, 1.0f, 2.2f);
      paint(mask,
            [&](float x, float y) { return std::fabs((anti ? x + y : x - y) - offset) <= w; });
      break;
    }
    case 7: {  // ring: between two radii
      const float r = between(rng, 3.5f, 6.0f), w = between(rng, 0.8f, 1.4f);
      centre(rng, r + 0.5f, cx, cy);
      paint(mask, [&](float x, float y) {
        const float d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
        return d2 <= r * r && d2 >= (r - w) * (r - w);
      });
      break;
    }
    case 8: {  // checker: cells of 2 or 3 pixels inside a square patch
      const float h = between(rng, 3.0f, 6.0f);
      const int64_t cell = 2 + rng.randint(2);
      centre(rng, h, cx, cy);
      paint(mask, [&](float x, float y) {
        if (std::fabs(x - cx) > h || std::fabs(y - cy) > h) return false;
        const auto i = static_cast<int64_t>((x - cx + h) / cell),
                   j = static_cast<int64_t>((y - cy + h) / cell);
        return (i + j) % 2 == 0;
      });
      break;
    }
    case 9: {  // dot: a disc far smaller than class 1's
      const float r = between(rng, 1.0f, 1.9f);
      centre(rng, r + 0.5f, cx, cy);
      paint(mask,
            [&](float x, float y) { return (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r; });
      break;
    }
    default:
      fail("draw_synthetic: label must be in [0, ", kSyntheticClasses, "), got ", label);
  }
}

}  // namespace

std::vector<std::string> synthetic_class_names() {
  return {"square",        "disc",     "triangle", "cross",   "horizontal bars",
          "vertical bars", "diagonal", "ring",     "checker", "dot"};
}

std::vector<uint8_t> draw_synthetic(int64_t label, Generator& rng) {
  if (label < 0 || label >= kSyntheticClasses)
    fail("draw_synthetic: label must be in [0, ", kSyntheticClasses, "), got ", label);
  // Colours: redraw the foreground until its brightness differs from the
  // background's by 0.3 or more, so the shape is always visible. Each try
  // succeeds with probability about 1/2, so 64 tries fail practically never;
  // if they do, the inverse of the background is used.
  float background[3], foreground[3];
  for (float& c : background) c = rng.uniform();
  const float bg_mean = (background[0] + background[1] + background[2]) / 3;
  bool contrast = false;
  for (int attempt = 0; attempt < 64 && !contrast; ++attempt) {
    for (float& c : foreground) c = rng.uniform();
    contrast = std::fabs((foreground[0] + foreground[1] + foreground[2]) / 3 - bg_mean) >= 0.3f;
  }
  if (!contrast)
    for (int c = 0; c < 3; ++c) foreground[c] = 1.0f - background[c];

  Mask mask(S * S, 0.0f);
  draw_mask(label, rng, mask);

  const float noise = between(rng, 0.03f, 0.12f);
  std::vector<uint8_t> pixels(3 * S * S);
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t i = 0; i < S * S; ++i) {
      float v = background[c] * (1 - mask[i]) + foreground[c] * mask[i] + noise * bell(rng);
      v = std::clamp(v, 0.0f, 1.0f);
      pixels[c * S * S + i] = static_cast<uint8_t>(v * 255.0f + 0.5f);  // round to nearest
    }
  return pixels;
}

std::shared_ptr<ByteImageDataset> make_synthetic(int64_t count, uint64_t seed) {
  if (count < 0) fail("make_synthetic: count must be >= 0, got ", count);
  const int64_t per_image = 3 * S * S;
  std::vector<uint8_t> pixels(count * per_image), labels(count);
  for (int64_t i = 0; i < count; ++i) {
    labels[i] = static_cast<uint8_t>(i % kSyntheticClasses);
    Generator rng(example_seed(seed, /*epoch=*/0, i));
    std::vector<uint8_t> image = draw_synthetic(labels[i], rng);
    std::copy(image.begin(), image.end(), pixels.begin() + i * per_image);
  }
  return std::make_shared<ByteImageDataset>("synthetic", Shape{3, S, S}, std::move(pixels),
                                            std::move(labels), synthetic_class_names());
}

}  // namespace ag::data
