# mk/packages.mk: the Debian packages the build can fetch. As root make
# installs them; otherwise it stops (doctest, libc++) or goes on (the dataset,
# chromium) after printing the one command that does (brew's on a Mac).
#
#   make doctest         doctest, the test framework (make test runs it first; apt-get or brew)
#   make libcxx          LLVM's libc++ for make CXX=clang++ STDLIB=libc++ (as root: installs it)
#   make train-dataset   dataset-fashion-mnist, the real data of make train
#   make chromium        chromium, the headless browser of the page tests (make test runs it first)

# apt-get as root on Debian and Ubuntu; on a Mac the command to type (brew
# never runs as root). $(1): the packages; $(2): what is missing.
UNAME_S := $(shell uname -s)
install_or_say = if [ "$(UNAME_S)" = Darwin ]; then \
    echo "$(2) is missing. Install it with:  brew install $(3)"; exit 1; \
  elif [ "$(USER_ID)" = 0 ]; then \
    echo "$(2) missing: installing Debian's $(1)"; \
    (apt-get install -y -qq $(1) >/dev/null 2>&1 || \
     (apt-get update -qq && apt-get install -y -qq $(1) >/dev/null)) || exit 1; \
  else \
    echo "$(2) is missing. Install it with:  sudo apt-get install -y $(1)"; exit 1; \
  fi

.PHONY: doctest libcxx train-dataset
# DOCTEST_FIND (mk/flags.mk) looks where the compiler, pkg-config and Homebrew keep it.
doctest:
	@if [ -z "$$($(DOCTEST_FIND))" ]; then $(call install_or_say,doctest-dev,doctest,doctest); fi

# Whether $(CXX) can build and link a program against libc++ (clang's -stdlib=libc++).
LIBCXX_PROBE = printf '\043include <string>\nint main() { return int(std::string("ok").size()) - 2; }\n' | \
  $(CXX) -stdlib=libc++ -x c++ - -o /dev/null >/dev/null 2>&1
libcxx:
	@if ! $(LIBCXX_PROBE); then $(call install_or_say,libc++-dev libc++abi-dev,libc++,llvm); fi
ifeq ($(STDLIB),libc++)
$(LIB_OBJS) $(TEST_OBJS) $(TUT_LIB_OBJS) $(LESSON_OBJS): | libcxx
endif

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
