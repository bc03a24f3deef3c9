# Runs inside a QEMU guest without hardware acceleration (TCG) time an
# emulated CPU, NVMe device and IOMMU: every latency is inflated tenfold or
# more and noisy, so their numbers show the code paths working, not hardware
# costs. Wherever a user sees such numbers (legends, answers, tables) they
# are labelled as emulation.
#
# The runner records the CPU model from /proc/cpuinfo (meta.json
# host.cpu_model); QEMU's TCG CPUs name themselves "QEMU TCG CPU ...".

EMULATION_LABEL <- "QEMU TCG emulation"

is_emulated_cpu <- function(cpu_model) !is.na(cpu_model) & grepl("\\bTCG\\b", cpu_model)

# Adds `emulated` to the runs and results and appends the label to the
# results' `config` and `series` (what legends and answers print), once.
mark_emulation <- function(data) {
  if ("emulated" %in% names(data$results)) return(data)
  runs <- data.table::copy(data$runs)
  runs[, emulated := is_emulated_cpu(cpu_model)]
  r <- data.table::copy(data$results)
  r[, emulated := is_emulated_cpu(cpu_model)]
  tag <- function(x) ifelse(r$emulated, paste0(x, " [", EMULATION_LABEL, "]"), x)
  r[, `:=`(config = tag(config), series = tag(series))]
  data$runs <- runs
  data$results <- r
  data
}
