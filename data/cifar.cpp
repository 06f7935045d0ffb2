// data/cifar.cpp: reading CIFAR-10 binary batches (format described in cifar.h).
//
// There is no header to check, so the checks are the ones the format allows:
// the size must be a whole number of 3073-byte records, and every label byte
// must be a class 0..9. (A wrong file, e.g. the Python pickle version, almost
// always fails one of them: a label byte >= 10 within the first few records.)

#include "data/cifar.h"

#include <algorithm>

#include "core/error.h"
#include "data/inflate.h"

namespace ag::data {

CifarImages parse_cifar10_batch(const std::vector<uint8_t>& bytes, const std::string& what) {
  const auto size = static_cast<int64_t>(bytes.size());
  if (size == 0)
    fail("read_cifar10: '", what, "' is empty, expected records of ", kCifarRecordBytes, " bytes");
  if (size % kCifarRecordBytes != 0)
    fail("read_cifar10: '", what, "' is ", size, " bytes, not a multiple of the ",
         kCifarRecordBytes, "-byte record (1 label + 3x32x32 pixels): ", size / kCifarRecordBytes,
         " records and ", size % kCifarRecordBytes, " bytes left over (truncated file?)");

  if (size / kCifarRecordBytes > kCifarMaxBatchRecords)
    fail("read_cifar10: '", what, "' holds ", size / kCifarRecordBytes, " records, more than the ",
         kCifarMaxBatchRecords, " a batch file holds");

  CifarImages images;
  images.count = size / kCifarRecordBytes;
  images.labels.resize(images.count);
  images.pixels.resize(images.count * kCifarImageBytes);
  for (int64_t n = 0; n < images.count; ++n) {
    const uint8_t* record = bytes.data() + n * kCifarRecordBytes;
    if (record[0] >= kCifarClasses)
      fail("read_cifar10: '", what, "' record ", n, " has label ", int{record[0]}, ", expected 0..",
           kCifarClasses - 1, " (is this the binary version of CIFAR-10?)");
    images.labels[n] = record[0];
    std::copy(record + 1, record + kCifarRecordBytes, images.pixels.begin() + n * kCifarImageBytes);
  }
  return images;
}

CifarImages read_cifar10_batch(const std::string& path) {
  std::vector<uint8_t> bytes;
  try {
    bytes = read_maybe_gzip(path, kCifarMaxBatchBytes);
  } catch (const InflateLimitError&) {
    fail("read_cifar10: '", path, "' decompresses to more than ", kCifarMaxBatchBytes, " bytes (",
         kCifarMaxBatchRecords, " records of ", kCifarRecordBytes,
         " bytes, the most a batch file holds)");
  }
  return parse_cifar10_batch(bytes, path);
}

CifarImages read_cifar10(const std::string& dir, bool train) {
  std::vector<std::string> names;
  if (train) {
    for (int i = 1; i <= 5; ++i) names.push_back("data_batch_" + std::to_string(i) + ".bin");
  } else {
    names.push_back("test_batch.bin");
  }
  CifarImages all;
  for (const std::string& name : names) {
    const std::string path = dir + "/" + name;
    CifarImages batch;
    try {
      batch = read_cifar10_batch(path);
    } catch (const Error& e) {
      fail(e.what(),
           " (read_cifar10 expects the directory cifar-10-batches-bin with data_batch_1..5.bin and "
           "test_batch.bin)");
    }
    all.count += batch.count;
    all.labels.insert(all.labels.end(), batch.labels.begin(), batch.labels.end());
    all.pixels.insert(all.pixels.end(), batch.pixels.begin(), batch.pixels.end());
  }
  return all;
}

}  // namespace ag::data
