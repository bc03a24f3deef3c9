# The merged analysis of a campaign tree, for tests/campaign/test.sh: loads
# it as the report does and prints, per host, the host label, its preset and
# the IOTLB reach inferred from that host's own reuse sweep (infer_reach by
# the report's grouping), tab-separated.
#   Rscript tests/campaign/reach.R CAMPAIGN_DIR
here <- normalizePath(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])), "..", "..", "analysis"))
source(file.path(here, "loader.R"))
load_analysis(here)
d <- load_datasets(commandArgs(TRUE)[1])
reach <- infer_reach(reach_input(d), by = reach_groups(d$results))
for (i in seq_len(nrow(reach)))
  cat(reach$host[i], reach$preset[i], if (is.na(reach$entries[i])) "NA" else reach$entries[i], sep = "\t", "\n")
cat("series", paste(sort(unique(d$results$series)), collapse = "|"), sep = "\t", "\n")
