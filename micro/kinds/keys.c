#include "micro/kinds/keys.h"

#include <errno.h>
#include <stdio.h>

#include "driver/util/parse.h"

/* Page sizes as sizes ("4096", "2M" too), but only the three x86 leaf sizes:
 * 4 KiB PTEs, 2 MiB and 1 GiB superpages (Intel SDM vol. 3, 4.5). */
static int parse_page_size(const struct key_def *d, const char *text, void *target, uint64_t *out,
			   struct err *e)
{
	(void)d;
	(void)target;
	if (!parse_size(text, out, e) && (*out == 4096 || *out == (2u << 20) || *out == (1u << 30)))
		return 0;
	return err_set(e, EINVAL, "page_size '%s': allowed values are 4k, 2m, 1g", text);
}

static const char *const ops_rw[] = {"read", "write", NULL};

const struct key_def key_page_size = {.name = "page_size",
				      .type = KEY_CUSTOM,
				      .parse = parse_page_size,
				      .help = "backing page size: 4k, 2m, 1g"};
const struct key_def key_map_size = {.name = "map_size",
				     .type = KEY_SIZE,
				     .min = 4096,
				     .max = 64ull << 30,
				     .unit = 4096,
				     .help = "bytes per mapping, a multiple of 4k"};
const struct key_def key_ops = {.name = "ops",
				.type = KEY_UINT,
				.min = 1,
				.max = 1000000000ull,
				.help = "timed map+unmap pairs per point"};
const struct key_def key_op = {
    .name = "op", .type = KEY_CHOICE, .choices = ops_rw, .help = "the NVM command of each I/O"};
const struct key_def key_io_size = {.name = "io_size",
				    .type = KEY_SIZE,
				    .min = 512,
				    .max = 2u << 20,
				    .unit = 512,
				    .help = "bytes per I/O, a multiple of 512"};
const struct key_def key_ios = {.name = "ios",
				.type = KEY_UINT,
				.min = 1,
				.max = 10000000000ull,
				.help = "timed I/Os per case"};
const struct key_def key_warmup = {
    .name = "warmup",
    .type = KEY_UINT,
    .min = 0,
    .max = 1000000000ull,
    .help = "untimed operations first (reuse: 0 = two passes over the pages)"};
const struct key_def key_qd = {.name = "qd",
			       .type = KEY_UINT,
			       .min = 1,
			       .max = 65535,
			       .help = "commands in flight per thread"};
const struct key_def key_raw = {
    .name = "raw", .type = KEY_BOOL, .max = 1, .help = "0 or 1: also write every sample"};

/* The order is enum mem_kind's (driver/mem/mem.h): the value is the kind. */
static const char *const backings[] = {"default", "anon",   "thp", "hugetlb",
				       "memfd",	  "sparse", NULL};

const struct key_def key_backing = {
    .name = "backing",
    .type = KEY_CHOICE,
    .choices = backings,
    .help = "backing memory: default (anon for 4k, hugetlb above), anon, thp (2m), hugetlb, "
	    "memfd (pagemap, vfio and iommufd only); sparse (emu only: unpopulated memory, "
	    "no hugepage pool)"};

/* The order is enum iommu_huge's (driver/backend/backend.h). */
static const char *const huge_choices[] = {"default", "on", "off", NULL};

const struct key_def key_iommu_huge = {
    .name = "iommu_huge",
    .type = KEY_CHOICE,
    .choices = huge_choices,
    .help = "IOPTEs above 4 KiB: on, off (every mapping in 4 KiB IOPTEs: iommufd through "
	    "IOMMU_OPTION_HUGE_PAGES, emu through the model's leaf sizes), default (the "
	    "backend's own); for the whole run, in [global] or --set"};

const struct key_def key_rounds = {
    .name = "rounds",
    .type = KEY_UINT,
    .min = 1,
    .max = 1000,
    .help = "run the cases R times in turn, each time with 1/R of their I/Os, and sum the "
	    "rounds of each case into one row: the host's slow drift (load, frequency) then "
	    "falls on every point of a sweep alike (reuse with listed pages; other cases run "
	    "once, in the first round); for the whole run, in [global] or --set"};
