// data/transforms.h: what happens to an image between the file and the network.
//
// Shape legend: C channels, H×W the input image, OH×OW the output image.
// Every transform takes one image (C, H, W) as a float Tensor and returns a
// new one; none changes its input. They are plain functions, so a test can
// check each against numbers worked out by hand, and a Transform wraps them
// for the DataLoader, which applies them to every example it loads.
//
// Random transforms draw from the Generator they are given. The DataLoader
// hands each example a generator seeded from (seed, epoch, index), so the
// same crop and flip come back whatever thread prepares the batch, and a run
// resumed at epoch k augments exactly as the uninterrupted run did.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/tensor.h"

namespace ag::data {

// Bytes (C, H, W) to floats: value / 255, so 0 -> 0.0 and 255 -> 1.0.
Tensor to_float(const uint8_t* pixels, const Shape& chw);

// (x[c] - mean[c]) / std[c] per channel, as torchvision's Normalize.
// mean and std have one entry per channel, or one entry for all channels.
Tensor normalize(const Tensor& image, const std::vector<float>& mean,
                 const std::vector<float>& std);

// Area averaging to (C, OH, OW), as PIL's BOX filter or OpenCV's INTER_AREA:
// output pixel (oy, ox) is the mean of the input over the rectangle it covers,
// rows [oy·H/OH, (oy+1)·H/OH) and columns [ox·W/OW, (ox+1)·W/OW), each input
// pixel weighted by the area of it inside the rectangle. For 28 -> 16 a
// rectangle is 1.75 pixels wide, so border pixels count partly (weight 0.75
// or 0.25 on one side). Written as two 1-D passes (rows, then columns): the
// weights of a rectangle are the product of a row weight and a column weight.
Tensor resize_area(const Tensor& image, int64_t out_h, int64_t out_w);

// The 1-D weights of resize_area: weights[o][i] = the length of input pixel
// [i, i+1) inside output cell o's interval, divided by the interval's length
// in / out. Each row sums to 1. (out, in), for the tests and the curious.
std::vector<std::vector<double>> area_weights(int64_t in, int64_t out);

// Zero-pad every side by `padding`, then cut the (C, H, W) window whose top
// left corner is (top, left) in the padded image: 0 <= top, left <= 2·padding.
Tensor crop_padded(const Tensor& image, int64_t padding, int64_t top, int64_t left);
// torchvision's RandomCrop(size = H, padding): top and left uniform in [0, 2·padding].
Tensor random_crop(const Tensor& image, int64_t padding, Generator& rng);

// Mirror left-right: x[c][y][x] -> x[c][y][W-1-x].
Tensor horizontal_flip(const Tensor& image);
// Flip with probability p (one uniform draw, flipped when it is < p).
Tensor random_horizontal_flip(const Tensor& image, float p, Generator& rng);

// (1, H, W) -> (3, H, W), the gray copied into red, green and blue.
Tensor gray_to_rgb(const Tensor& image);

// A step of the pipeline, as the DataLoader calls it.
using Transform = std::function<Tensor(const Tensor& image, Generator& rng)>;

// Ready-made Transforms over the functions above.
Transform resize_transform(int64_t out_h, int64_t out_w);
Transform normalize_transform(std::vector<float> mean, std::vector<float> std);
Transform random_crop_transform(int64_t padding);
Transform random_flip_transform(float p = 0.5f);
Transform gray_to_rgb_transform();
// The steps in order; an empty list is the identity.
Transform compose(std::vector<Transform> steps);

}  // namespace ag::data
