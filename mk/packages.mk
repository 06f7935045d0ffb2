# mk/packages.mk: the two Debian packages the build can fetch. As root make
# installs them; otherwise it stops (doctest) or goes on (the dataset) after
# printing the one command that does.
#
#   make doctest         doctest-dev, the test framework (make test runs it first)
#   make train-dataset   dataset-fashion-mnist, the real data of make train

DOCTEST_HEADER := /usr/include/doctest/doctest.h

.PHONY: doctest train-dataset
doctest:
	@if [ ! -f $(DOCTEST_HEADER) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "doctest missing: installing Debian's doctest-dev"; \
	    (apt-get install -y -qq doctest-dev >/dev/null 2>&1 || \
	     (apt-get update -qq && apt-get install -y -qq doctest-dev >/dev/null)) || exit 1; \
	  else \
	    echo "doctest is missing. Install it with:  sudo apt-get install -y doctest-dev"; exit 1; \
	  fi; \
	fi

# Real data for `make train`: Debian's dataset-fashion-mnist. Without it the
# trainer falls back to its synthetic shapes. Skipped when ARGS picks a dataset.
FASHION_MNIST_DIR ?= /usr/share/datasets/fashion-mnist
USER_ID ?= $(shell id -u)
train-dataset:
	@if [ ! -d $(FASHION_MNIST_DIR) ]; then \
	  if [ "$(USER_ID)" = 0 ]; then \
	    echo "Fashion-MNIST missing: installing Debian's dataset-fashion-mnist"; \
	    apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || \
	    (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null) || \
	    echo "could not install dataset-fashion-mnist: training on the synthetic shapes"; \
	  else \
	    echo "Fashion-MNIST is not installed; for real data run:  sudo apt-get install -y dataset-fashion-mnist"; \
	  fi; \
	fi
