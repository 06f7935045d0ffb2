// tests/data/test_transforms.cpp: the image transforms of data/transforms.h, each
// against numbers worked out by hand in the comment beside it.
#include <doctest/doctest.h>

#include <numeric>
#include <set>
#include <stdexcept>

#include "data/transforms.h"
#include "tests/helpers/test_util.h"

using namespace ag;
using namespace ag::data;
using ag_test::check_close;

using ag_test::error_of;  // the ag::Error message a call throws

TEST_SUITE("data.transforms") {
TEST_CASE("to_float divides by 255") {
  const uint8_t bytes[] = {0, 51, 255, 102};
  check_close(to_float(bytes, {1, 2, 2}), {0.0f, 0.2f, 1.0f, 0.4f});
}

TEST_CASE("normalize per channel") {
  // channel 0: (x - 0.5) / 0.25; channel 1: (x - 1) / 2
  Tensor image = from_vector({0.5f, 1.0f, 1.0f, 5.0f}, {2, 1, 2});
  check_close(normalize(image, {0.5f, 1.0f}, {0.25f, 2.0f}), {0.0f, 2.0f, 0.0f, 2.0f});
  check_close(normalize(image, {1.0f}, {0.5f}),
              {-1.0f, 0.0f, 0.0f, 8.0f});  // one value for all channels
  CHECK(error_of([&] {
          normalize(image, {0, 0, 0}, {1});
        }) == "normalize: image [2, 1, 2] has 2 channels but mean has 3 values (need 1 or 2)");
  CHECK(error_of([&] { normalize(image, {0}, {0}); }) == "normalize: every std must be > 0, got 0");
}

TEST_CASE("area weights: 3 -> 2 and 28 -> 16 by hand") {
  // 3 -> 2: each output cell is 1.5 pixels wide: [0, 1.5) and [1.5, 3).
  auto w = area_weights(3, 2);
  CHECK(w[0][0] == doctest::Approx(2.0 / 3));  // 1 / 1.5
  CHECK(w[0][1] == doctest::Approx(1.0 / 3));  // 0.5 / 1.5
  CHECK(w[0][2] == 0.0);
  CHECK(w[1][1] == doctest::Approx(1.0 / 3));
  CHECK(w[1][2] == doctest::Approx(2.0 / 3));
  // 28 -> 16: cells 1.75 wide. Cell 0 = [0, 1.75): pixel 0 whole, 0.75 of pixel 1.
  // Cell 1 = [1.75, 3.5): 0.25 of pixel 1, pixel 2 whole, 0.5 of pixel 3.
  auto v = area_weights(28, 16);
  CHECK(v[0][0] == doctest::Approx(1.0 / 1.75));
  CHECK(v[0][1] == doctest::Approx(0.75 / 1.75));
  CHECK(v[1][1] == doctest::Approx(0.25 / 1.75));
  CHECK(v[1][2] == doctest::Approx(1.0 / 1.75));
  CHECK(v[1][3] == doctest::Approx(0.5 / 1.75));
  for (const auto& row : v)
    CHECK(std::accumulate(row.begin(), row.end(), 0.0) == doctest::Approx(1.0));
}

TEST_CASE("resize_area 3x3 -> 2x2 by hand") {
  // Input 1..9. out[0][0] = (2/3, 1/3) ⊗ (2/3, 1/3) over [[1, 2], [4, 5]]
  //   = (4·1 + 2·2 + 2·4 + 1·5) / 9 = 21/9; the others likewise:
  //   out[0][1] = 33/9, out[1][0] = 57/9, out[1][1] = 69/9.
  Tensor image = from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 3, 3});
  Tensor out = resize_area(image, 2, 2);
  CHECK(out.shape() == Shape{1, 2, 2});
  check_close(out, {21.f / 9, 33.f / 9, 57.f / 9, 69.f / 9});
}

TEST_CASE("resize_area 4x4 -> 2x2 is the 2x2 block mean; 28 -> 16 keeps constants and the mean") {
  std::vector<float> values(16);
  std::iota(values.begin(), values.end(), 0.0f);  // row-major 0..15
  // block (0,0) = {0,1,4,5} -> 2.5; (0,1) = {2,3,6,7} -> 4.5; (1,0) -> 10.5; (1,1) -> 12.5
  check_close(resize_area(from_vector(values, {1, 4, 4}), 2, 2), {2.5f, 4.5f, 10.5f, 12.5f});

  check_close(resize_area(full({2, 28, 28}, 0.7f), 16, 16), std::vector<float>(2 * 16 * 16, 0.7f));
  // x[y][x] = 28·y + x. Output (0, 0) averages rows and columns with weights
  // (4/7, 3/7), so it is 28·E[y] + E[x] with E = 3/7: 12 + 3/7.
  std::vector<float> ramp(28 * 28);
  std::iota(ramp.begin(), ramp.end(), 0.0f);
  Tensor out = resize_area(from_vector(ramp, {1, 28, 28}), 16, 16);
  CHECK(out.at({0, 0, 0}) == doctest::Approx(12.0 + 3.0 / 7));
  // Every output cell covers the same area, so the mean is kept: (28·28 − 1) / 2.
  CHECK(out.mean().item() == doctest::Approx(391.5).epsilon(1e-5));
}

TEST_CASE("crop with padding, by hand") {
  Tensor image = from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 3, 3});
  // corner (0, 0) of the padded image: everything moves down-right by one.
  check_close(crop_padded(image, 1, 0, 0), {0, 0, 0, 0, 1, 2, 0, 4, 5});
  // corner (2, 1): up by one row, columns unchanged.
  check_close(crop_padded(image, 1, 2, 1), {4, 5, 6, 7, 8, 9, 0, 0, 0});
  check_close(crop_padded(image, 1, 1, 1), image);  // the centre is the image
  CHECK(error_of([&] { crop_padded(image, 1, 3, 0); }) ==
        "crop_padded: corner (3, 0) must lie in [0, 2] with padding 1 (image [1, 3, 3])");
}

TEST_CASE("random_crop draws its corner from the generator, every corner possible") {
  Tensor image = from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 3, 3});
  std::set<std::vector<float>> seen;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    Generator rng(seed), same(seed);
    Tensor crop = random_crop(image, 1, rng);
    const int64_t top = same.randint(3), left = same.randint(3);
    CHECK(crop.to_vector() == crop_padded(image, 1, top, left).to_vector());
    seen.insert(crop.to_vector());
  }
  CHECK(seen.size() == 9);  // 3 × 3 corners
}

TEST_CASE("horizontal flip, seeded random flip") {
  Tensor image = from_vector({1, 2, 3, 4, 5, 6}, {2, 1, 3});
  check_close(horizontal_flip(image), {3, 2, 1, 6, 5, 4});
  Generator rng(1);
  check_close(random_horizontal_flip(image, 0.0f, rng), image);
  check_close(random_horizontal_flip(image, 1.0f, rng), {3, 2, 1, 6, 5, 4});
  int flipped = 0;
  for (uint64_t seed = 0; seed < 400; ++seed) {
    Generator g(seed), again(seed);
    Tensor once = random_horizontal_flip(image, 0.5f, g);
    CHECK(once.to_vector() == random_horizontal_flip(image, 0.5f, again).to_vector());  // seeded
    flipped += once.data()[0] == 3.0f;
  }
  CHECK(flipped > 150);  // about half of 400
  CHECK(flipped < 250);
}

TEST_CASE("gray to rgb copies the one channel three times") {
  Tensor gray = from_vector({0.1f, 0.2f}, {1, 1, 2});
  Tensor rgb = gray_to_rgb(gray);
  CHECK(rgb.shape() == Shape{3, 1, 2});
  check_close(rgb, {0.1f, 0.2f, 0.1f, 0.2f, 0.1f, 0.2f});
  CHECK(error_of([&] { gray_to_rgb(rgb); }) ==
        "gray_to_rgb: expected a gray image (1, H, W), got [3, 1, 2]");
}

TEST_CASE("compose applies the steps in order") {
  Generator rng(0);
  Transform t = compose(
      {gray_to_rgb_transform(), resize_transform(1, 1), normalize_transform({0.5f}, {0.5f})});
  // mean of {0, 1, 0.5, 0.5} = 0.5 -> normalized 0 in each of 3 channels
  check_close(t(from_vector({0, 1, 0.5f, 0.5f}, {1, 2, 2}), rng), {0, 0, 0});
}
}  // TEST_SUITE("data.transforms")
