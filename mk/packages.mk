# mk/packages.mk: the three Debian packages the build can fetch. As root make
# installs them; otherwise it stops (doctest) or goes on (the dataset, chromium) after
# printing the one command that does.
#
#   make doctest         doctest-dev, the test framework (make test runs it first)
#   make train-dataset   dataset-fashion-mnist, the real data of make train
#   make chromium        chromium, the headless browser of the page tests (make test runs it first)

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

# Debian's chromium: the headless browser the page's tests drive
# (tests/helpers/browser.h). As root it is installed; otherwise make prints
# the one command and goes on: the browser tests then say why they skipped.
# `make test` asks for it first, so a fresh root machine (CI) gets it.
CHROMIUM ?= chromium
.PHONY: chromium
chromium:
	@if ! command -v $(CHROMIUM) >/dev/null 2>&1; then \
	  if [ "$(USER_ID)" = 0 ]; then \
	    echo "chromium missing: installing Debian's chromium (the browser tests need it)"; \
	    apt-get install -y -qq chromium >/dev/null 2>&1 || \
	    (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || \
	    echo "could not install chromium: the browser tests will be skipped"; \
	  else \
	    echo "Chromium is not installed; for the browser tests run:  sudo apt-get install -y chromium"; \
	  fi; \
	fi
