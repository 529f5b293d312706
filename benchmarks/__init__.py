"""Load harness and HTTP benchmarks (outside `make test`)."""
