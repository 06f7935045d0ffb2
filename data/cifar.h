// data/cifar.h: CIFAR-10's binary batches.
//
// The "binary version" of CIFAR-10 (cifar-10-batches-bin/) is six files,
// data_batch_1.bin .. data_batch_5.bin (training, 10000 images each) and
// test_batch.bin. A file is records back to back, no header; one record is
//   1 byte      label 0..9 (airplane, automobile, bird, cat, deer, dog, frog,
//               horse, ship, truck)
//   3072 bytes  a 32x32 colour image, planar: 1024 red bytes (row-major),
//               then 1024 green, then 1024 blue
// so a batch file is exactly N x 3073 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ag::data {

constexpr int64_t kCifarSide = 32;
constexpr int64_t kCifarChannels = 3;
constexpr int64_t kCifarImageBytes = kCifarChannels * kCifarSide * kCifarSide;  // 3072
constexpr int64_t kCifarRecordBytes = 1 + kCifarImageBytes;                     // 3073
constexpr int kCifarClasses = 10;
// A batch file holds 10000 records; a gzipped one may not decompress to more.
constexpr int64_t kCifarMaxBatchRecords = 10000;
constexpr size_t kCifarMaxBatchBytes = kCifarMaxBatchRecords * kCifarRecordBytes;

// N images with their labels.
struct CifarImages {
  int64_t count = 0;
  std::vector<uint8_t> labels;  // (N)
  std::vector<uint8_t> pixels;  // (N, 3, 32, 32): pixel (n, c, y, x) at ((n*3 + c)*32 + y)*32 + x
};

// Parse the bytes of one batch file (at most kCifarMaxBatchRecords records);
// `what` names it in error messages.
CifarImages parse_cifar10_batch(const std::vector<uint8_t>& bytes, const std::string& what);

// Read one batch file (raw, or gzipped: then at most kCifarMaxBatchBytes
// decoded; a limit of the format, never raised by the file).
CifarImages read_cifar10_batch(const std::string& path);

// Read the training set (data_batch_1..5.bin, 50000 images, in order) or the
// test set (test_batch.bin) from the directory `dir` (cifar-10-batches-bin).
CifarImages read_cifar10(const std::string& dir, bool train);

}  // namespace ag::data
