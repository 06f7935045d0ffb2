// data/datasets.h: the real datasets, read from their distribution files.
//
// Each loader reads the whole split into memory as bytes (a ByteImageDataset:
// Fashion-MNIST's 60000 training images are 47 MB) through the raw readers in
// data/idx.h and data/cifar.h; get(i) turns one image into floats in [0, 1].
//
//   fashion_mnist(dir, train)   (1, 28, 28), 10 clothing classes
//       dir holds train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
//       t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz (or the same
//       names without .gz). Debian: apt-get install dataset-fashion-mnist
//       puts them in /usr/share/datasets/fashion-mnist.
//   mnist(dir, train)           (1, 28, 28), digits 0-9, the same file names
//   cifar10(dir, train)         (3, 32, 32), 10 object classes; dir is the
//       cifar-10-batches-bin folder (data_batch_1..5.bin, test_batch.bin)
//
// A missing file is an ag::Error that names the files looked for.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace ag::data {

std::shared_ptr<ByteImageDataset> fashion_mnist(const std::string& dir, bool train);
std::shared_ptr<ByteImageDataset> mnist(const std::string& dir, bool train);
std::shared_ptr<ByteImageDataset> cifar10(const std::string& dir, bool train);

std::vector<std::string> fashion_mnist_class_names();
std::vector<std::string> cifar10_class_names();

// True if `dir` holds the four IDX files (raw or .gz) of (Fashion-)MNIST.
bool idx_dataset_present(const std::string& dir);
// True if `dir` holds CIFAR-10's six binary batches.
bool cifar10_present(const std::string& dir);

}  // namespace ag::data
