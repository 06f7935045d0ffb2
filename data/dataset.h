// data/dataset.h: what a dataset is, to the rest of attograd.
//
// A Dataset is an indexable collection of examples, like torch.utils.data's
// map-style Dataset: size() examples, get(i) returns example i. An example is
// one image and its class:
//
//   image  float Tensor (C, H, W): C channels, H×W pixels, values in [0, 1]
//   label  the class id, 0 <= label < num_classes()
//
// get() must be safe to call from another thread (the DataLoader's worker
// calls it) and must return the same example every time: randomness belongs
// to the loader, which gives each example its own seeded generator, so a
// random crop is the same crop whatever thread or run draws it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ag::data {

struct Example {
  Tensor image;       // (C, H, W), float
  int64_t label = 0;  // class id
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  virtual Example get(int64_t index) const = 0;
  // The (C, H, W) of every image; a loader needs it to size its batches.
  virtual Shape image_shape() const = 0;
  virtual int64_t num_classes() const = 0;
  // One readable name per class ("T-shirt/top", "airplane", "square").
  virtual std::vector<std::string> class_names() const;

 protected:
  // Throws ag::Error "<what>: index 70000 is out of range for a dataset of 60000 examples".
  void check_index(const char* what, int64_t index) const;
};

// The images of a dataset held in memory as bytes, the way the files store
// them: (N, C, H, W) uint8, pixel (n, c, y, x) at ((n*C + c)*H + y)*W + x.
// get(i) turns image i into floats in [0, 1] (data/transforms.h: to_float).
// FashionMNIST, MNIST, CIFAR10 (data/datasets.h) are ByteImageDatasets.
class ByteImageDataset : public Dataset {
 public:
  ByteImageDataset(std::string name, Shape image_shape, std::vector<uint8_t> pixels,
                   std::vector<uint8_t> labels, std::vector<std::string> class_names);
  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  Example get(int64_t index) const override;
  Shape image_shape() const override { return image_shape_; }
  int64_t num_classes() const override { return static_cast<int64_t>(class_names_.size()); }
  std::vector<std::string> class_names() const override { return class_names_; }
  const std::string& name() const { return name_; }
  const std::vector<uint8_t>& labels() const { return labels_; }

 private:
  std::string name_;
  Shape image_shape_;
  std::vector<uint8_t> pixels_;
  std::vector<uint8_t> labels_;
  std::vector<std::string> class_names_;
};

// The first `count` examples of another dataset (--limit N trains on the
// first N images). count larger than the dataset keeps all of it.
class Subset : public Dataset {
 public:
  Subset(std::shared_ptr<const Dataset> base, int64_t count);
  int64_t size() const override { return count_; }
  Example get(int64_t index) const override;
  Shape image_shape() const override { return base_->image_shape(); }
  int64_t num_classes() const override { return base_->num_classes(); }
  std::vector<std::string> class_names() const override { return base_->class_names(); }

 private:
  std::shared_ptr<const Dataset> base_;
  int64_t count_;
};

}  // namespace ag::data
