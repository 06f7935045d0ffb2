// data/datasets.cpp: Fashion-MNIST, MNIST and CIFAR-10 as Datasets.
#include "data/datasets.h"

#include <filesystem>

#include "data/cifar.h"
#include "data/idx.h"

namespace ag::data {

namespace {

// "<dir>/<name>.gz" if it exists, else "<dir>/<name>" if that exists, else "".
std::string find_idx_file(const std::string& dir, const std::string& name) {
  namespace fs = std::filesystem;
  for (const std::string& candidate : {name + ".gz", name}) {
    const fs::path path = fs::path(dir) / candidate;
    std::error_code ignored;
    if (fs::is_regular_file(path, ignored)) return path.string();
  }
  return "";
}

std::shared_ptr<ByteImageDataset> idx_dataset(const std::string& dataset_name,
                                              const std::string& dir, bool train,
                                              std::vector<std::string> class_names) {
  const std::string prefix = train ? "train" : "t10k";
  const std::string images_name = prefix + "-images-idx3-ubyte",
                    labels_name = prefix + "-labels-idx1-ubyte";
  const std::string images_path = find_idx_file(dir, images_name),
                    labels_path = find_idx_file(dir, labels_name);
  if (images_path.empty() || labels_path.empty())
    fail(dataset_name, ": cannot find ", images_path.empty() ? images_name : labels_name,
         "(.gz) in '", dir,
         "' (for Fashion-MNIST on Debian: apt-get install dataset-fashion-mnist)");
  // Both datasets: 60000 training and 10000 test images of 28 x 28. A file
  // may not promise more (data/idx.h: the caller sets the limit, not the file).
  const IdxLimits limits{train ? 60000 : 10000, 28};
  IdxImages images = read_idx_images(images_path, limits);
  std::vector<uint8_t> labels =
      read_idx_labels(labels_path, static_cast<int>(class_names.size()), limits);
  if (static_cast<int64_t>(labels.size()) != images.count)
    fail(dataset_name, ": ", images_path, " has ", images.count, " images but ", labels_path,
         " has ", labels.size(), " labels");
  return std::make_shared<ByteImageDataset>(
      dataset_name + (train ? " train" : " test"), Shape{1, images.rows, images.cols},
      std::move(images.pixels), std::move(labels), std::move(class_names));
}

}  // namespace

std::vector<std::string> fashion_mnist_class_names() {
  return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
}

std::vector<std::string> cifar10_class_names() {
  return {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
}

std::shared_ptr<ByteImageDataset> fashion_mnist(const std::string& dir, bool train) {
  return idx_dataset("fashion-mnist", dir, train, fashion_mnist_class_names());
}

std::shared_ptr<ByteImageDataset> mnist(const std::string& dir, bool train) {
  return idx_dataset("mnist", dir, train, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
}

std::shared_ptr<ByteImageDataset> cifar10(const std::string& dir, bool train) {
  CifarImages images = read_cifar10(dir, train);
  return std::make_shared<ByteImageDataset>(
      train ? "cifar10 train" : "cifar10 test", Shape{kCifarChannels, kCifarSide, kCifarSide},
      std::move(images.pixels), std::move(images.labels), cifar10_class_names());
}

bool idx_dataset_present(const std::string& dir) {
  for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
    if (find_idx_file(dir, name).empty()) return false;
  return true;
}

bool cifar10_present(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ignored;
  for (const char* name : {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                           "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"})
    if (!fs::is_regular_file(fs::path(dir) / name, ignored)) return false;
  return true;
}

}  // namespace ag::data
