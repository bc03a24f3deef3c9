/* The generation table behind bpf/uncore_iio.h: family 6 model (and
 * stepping, which tells Cascade Lake from Skylake-SP) -> IIO IOMMU events. */
#ifndef IOTLB_UNCORE_IIO_TABLE_H
#define IOTLB_UNCORE_IIO_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct iio_event {
	const char *name;   /* Intel's name */
	const char *metric; /* the counters.csv name the analysis reads, or NULL */
	uint8_t code, umask;
};

struct iio_gen {
	const char *dir;  /* tools/perf/pmu-events/arch/x86/<dir> */
	const char *name; /* for messages */
	unsigned model, step_lo, step_hi;
	const struct iio_event *ev; /* NULL: the generation lists none */
	size_t nev;
};

/* NULL for a CPU the table does not know. */
const struct iio_gen *iio_gen_for(unsigned family, unsigned model, unsigned stepping);

#endif
