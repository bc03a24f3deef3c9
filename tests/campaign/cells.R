# Prints campaign.json's cells for tests/campaign/test.sh, one per line,
# tab-separated: host config suite backend status ran_now reason; then a line
# "invocations N ran M" for the last invocation.
#   Rscript tests/campaign/cells.R CAMPAIGN_DIR
args <- commandArgs(TRUE)
cj <- jsonlite::fromJSON(file.path(args[1], "campaign.json"), simplifyVector = FALSE)
for (c in cj$cells)
  cat(c$host, c$config, c$suite, c$backend, c$status, tolower(as.character(isTRUE(c$ran_now))),
      if (is.null(c$reason)) "-" else c$reason, sep = "\t", "\n")
last <- cj$invocations[[length(cj$invocations)]]
cat("invocations", length(cj$invocations), "ran", last$ran, "\n")
