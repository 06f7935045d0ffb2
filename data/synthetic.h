// data/synthetic.h: a dataset drawn by the program itself.
//
// When no real dataset is installed, training still needs pictures. These are
// 3×16×16 colour images of 10 kinds of shape, drawn procedurally:
//
//   0 square      filled square                 5 vertical bars    stripes, any phase
//   1 disc        filled circle                 6 diagonal         a thick line, either way
//   2 triangle    filled, pointing up           7 ring             circle outline
//   3 cross       a plus sign                   8 checker          checkerboard patch
//   4 horiz. bars stripes, any phase            9 dot              a small disc
//
// Every image has its own random background and foreground colour (with
// enough contrast to see the shape), position, size and Gaussian pixel noise.
// So no pixel, and no colour, says which class it is: a classifier must find
// the shape wherever it is. A linear classifier on the raw pixels does poorly
// at that (it has one template per class, fixed in place); a conv net, whose
// filters slide over the image, does well.
//
// Deterministic: image i is drawn from a generator seeded with (seed, i)
// alone, using only +, ×, comparisons and our own Generator (no sin, no
// std::*_distribution), so the same seed gives the same bytes on every run
// and machine. (Another compiler might fuse a multiply-add and flip the
// rounding of a rare pixel by one step.) Balanced: label of image i is i mod 10.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace ag::data {

constexpr int64_t kSyntheticSide = 16;
constexpr int64_t kSyntheticClasses = 10;

// The class names, in label order.
std::vector<std::string> synthetic_class_names();

// One image of class `label` (0..9) as bytes (3, 16, 16), drawn from rng.
std::vector<uint8_t> draw_synthetic(int64_t label, Generator& rng);

// `count` images: image i has label i mod 10 and is drawn from a generator
// seeded with (seed, i). Use different seeds for the training and test sets.
std::shared_ptr<ByteImageDataset> make_synthetic(int64_t count, uint64_t seed);

}  // namespace ag::data
