// data/dataset.cpp: the Dataset helpers, in-memory byte images, Subset.
#include "data/dataset.h"

#include <algorithm>

#include "data/transforms.h"

namespace ag::data {

std::vector<std::string> Dataset::class_names() const {
  std::vector<std::string> names;
  for (int64_t k = 0; k < num_classes(); ++k) names.push_back(std::to_string(k));
  return names;
}

void Dataset::check_index(const char* what, int64_t index) const {
  if (index < 0 || index >= size())
    fail(what, ": index ", index, " is out of range for a dataset of ", size(), " examples");
}

ByteImageDataset::ByteImageDataset(std::string name, Shape image_shape, std::vector<uint8_t> pixels,
                                   std::vector<uint8_t> labels,
                                   std::vector<std::string> class_names)
    : name_(std::move(name)),
      image_shape_(std::move(image_shape)),
      pixels_(std::move(pixels)),
      labels_(std::move(labels)),
      class_names_(std::move(class_names)) {
  if (image_shape_.size() != 3 || numel_of(image_shape_) <= 0)
    fail(name_, ": image shape must be (C, H, W) with every size > 0, got ", image_shape_);
  const int64_t n = static_cast<int64_t>(labels_.size());
  if (static_cast<int64_t>(pixels_.size()) != n * numel_of(image_shape_))
    fail(name_, ": ", n, " labels need ", n * numel_of(image_shape_),
         " pixel bytes for images of shape ", image_shape_, ", got ", pixels_.size());
  if (class_names_.empty()) fail(name_, ": a dataset needs at least one class");
  for (int64_t i = 0; i < n; ++i)
    if (labels_[i] >= class_names_.size())
      fail(name_, ": label ", int(labels_[i]), " of example ", i, " is not a class id below ",
           class_names_.size());
}

Example ByteImageDataset::get(int64_t index) const {
  check_index(name_.c_str(), index);
  const int64_t per_image = numel_of(image_shape_);
  return {to_float(pixels_.data() + index * per_image, image_shape_), labels_[index]};
}

Subset::Subset(std::shared_ptr<const Dataset> base, int64_t count) : base_(std::move(base)) {
  if (!base_) fail("Subset: the base dataset is null");
  if (count < 0) fail("Subset: count must be >= 0, got ", count);
  count_ = std::min(count, base_->size());
}

Example Subset::get(int64_t index) const {
  check_index("Subset", index);
  return base_->get(index);
}

}  // namespace ag::data
