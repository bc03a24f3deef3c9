#!/bin/sh
# The representative part of the IOTLB-reach validation matrix
# (scripts/validate-reach.R --subset): configured IOTLBs on the emulated
# controller, swept through `iotlbench run` and inferred by the report's own
# code, compared with the configuration. It includes the cases the old
# median-only inference got wrong (random replacement, set associativity).
# Run from the repository root, as tests/run.sh does.
set -eu
mkdir -p tests/logs
exec Rscript scripts/validate-reach.R --subset --out tests/logs/validate-reach-subset.csv
